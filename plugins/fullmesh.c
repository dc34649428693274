/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fullmesh: one subflow from every eligible local address to every known
 * remote address of the connection (its initial address and those its peer
 * announced), within [core] max-subflows. Subflows follow local addresses:
 * a new address gets its subflows on live connections, a vanished one loses
 * them. Interfaces with `enabled = false` are left alone and those with
 * `backup = true` carry the backup flag. An interface's `subflows = N`
 * opens N subflows (different source ports) from each of its addresses to
 * each remote address; the initial subflow's own pair keeps just the
 * initial one. At run time, an interface enabled again gets its subflows
 * and a change of `subflows` opens or closes extra ones, on live
 * connections at once. The peer's
 * initial address is not joined when the peer forbids it.
 *
 * Only connections we initiated are meshed: on the server side the client
 * opens the subflows (it is the one that knows its own paths, and is often
 * behind NAT).
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include <subflowd/plugin.h>

/* Open the pair's subflows (one, or the interface's `subflows`). */
static void connect_pair(struct sf_conn *conn, const struct sf_local_addr *local,
			 const struct sf_addr *remote, void *user_data)
{
	struct sf_iface_policy policy;
	char lbuf[SF_ADDR_STRLEN], rbuf[SF_ADDR_STRLEN];
	unsigned int n = 0;
	int r;

	sf_iface_get_policy(local->ifindex, &policy);
	if (!policy.enabled)
		return;

	r = sf_subflow_create(conn, &local->addr, remote, policy.backup,
			      NULL, NULL, NULL);
	/* A new pair: open its other subflows too (new source ports). */
	while (r > 0 && ++n < policy.subflows)
		r = sf_subflow_create_extra(conn, &local->addr, remote,
					    policy.backup, NULL, NULL, NULL);
	if (n)
		sf_debug("[%08x] fullmesh: %u subflow%s %s -> %s%s",
			 sf_conn_token(conn), n, n == 1 ? "" : "s",
			 sf_addr_to_str(&local->addr, false, lbuf),
			 sf_addr_to_str(remote, true, rbuf),
			 policy.backup ? " (backup)" : "");

	if (r > 0 || r == -EALREADY || r == -ENOSPC)
		return;

	sf_log(LOG_INFO, "[%08x] fullmesh: cannot create subflow from %s: %s",
	       sf_conn_token(conn), sf_addr_to_str(&local->addr, false, lbuf),
	       strerror(-r));
}

static void mesh_all(struct sf_conn *conn, void *user_data)
{
	if (sf_conn_client_established(conn))
		sf_conn_foreach_path(conn, NULL, NULL, connect_pair, NULL);
}

static enum sf_verdict fullmesh_established(struct sf_conn *conn)
{
	mesh_all(conn, NULL);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict fullmesh_announced(struct sf_conn *conn, uint8_t id,
					  const struct sf_addr *addr)
{
	if (sf_conn_client_established(conn))
		sf_conn_foreach_path(conn, NULL, addr, connect_pair, NULL);

	return SF_VERDICT_CONTINUE;
}

static void mesh_new_local(struct sf_conn *conn, void *user_data)
{
	if (sf_conn_client_established(conn))
		sf_conn_foreach_path(conn, user_data, NULL, connect_pair, NULL);
}

static enum sf_verdict fullmesh_local_added(const struct sf_local_addr *addr)
{
	sf_conn_foreach(SF_PLUGIN_SELF, mesh_new_local, (void *) addr);
	return SF_VERDICT_CONTINUE;
}

static void drop_subflows(struct sf_conn *conn, void *user_data)
{
	const struct sf_addr *addr = user_data;
	char buf[SF_ADDR_STRLEN];
	int r;

	r = sf_conn_withdraw_local_addr(conn, addr);
	if (r < 0)
		sf_log(LOG_INFO,
		       "[%08x] fullmesh: cannot close subflows from %s: %s",
		       sf_conn_token(conn), sf_addr_to_str(addr, false, buf),
		       strerror(-r));
}

static enum sf_verdict fullmesh_local_removed(const struct sf_local_addr *addr)
{
	sf_conn_foreach(SF_PLUGIN_SELF, drop_subflows, (void *) &addr->addr);
	return SF_VERDICT_CONTINUE;
}

#define PAIR_MAX 8		/* [interface] subflows is 1..8 */

/* The subflows of one address pair (local IP, remote IP and port). */
struct pair_subflows {
	const struct sf_addr *local;
	const struct sf_addr *remote;
	unsigned int n;				/* with those being created */
	unsigned int n_open;			/* those with a local port */
	struct sf_subflow_info open[PAIR_MAX];	/* the first PAIR_MAX of them */
};

static void collect_pair(struct sf_conn *conn, const struct sf_subflow_info *sf,
			 void *user_data)
{
	struct pair_subflows *p = user_data;

	if (!sf_addr_ip_equal(&sf->local, p->local) ||
	    !sf_addr_equal(&sf->remote, p->remote))
		return;

	p->n++;
	if (!sf->local.port)
		return;

	if (p->n_open < PAIR_MAX)
		p->open[p->n_open] = *sf;
	p->n_open++;
}

/*
 * A pair carries the policy's number of subflows, no more. One more can
 * come up when an address flaps while its subflow is being opened: the
 * kernel completes the first attempt after the daemon, having seen the
 * address go and come back, made another. The newcomer is closed.
 */
static enum sf_verdict fullmesh_subflow_established(struct sf_conn *conn,
						    const struct sf_subflow_info *sf)
{
	struct pair_subflows p = { .local = &sf->local, .remote = &sf->remote };
	struct sf_iface_policy policy;
	char buf[SF_ADDR_STRLEN];
	int r;

	if (!sf_conn_client_established(conn))
		return SF_VERDICT_CONTINUE;

	sf_iface_get_policy(sf->ifindex ? sf->ifindex :
			    sf_local_addr_ifindex(&sf->local), &policy);
	sf_conn_foreach_subflow(conn, collect_pair, &p);
	if (p.n_open <= policy.subflows)
		return SF_VERDICT_CONTINUE;

	r = sf_subflow_destroy(conn, &sf->local, &sf->remote, NULL, NULL,
			       NULL);
	sf_log(LOG_INFO,
	       "[%08x] fullmesh: %s extra subflow %s (%u on its pair)",
	       sf_conn_token(conn), r < 0 ? "cannot close" : "closing",
	       sf_addr_to_str(&sf->local, true, buf), p.n_open);
	return SF_VERDICT_CONTINUE;
}

/* --- `subflows` changed at run time ------------------------------------- */

/* Open or close extra subflows until the pair carries want (one, on the
 * initial pair). A pair without any subflow is not this function's. */
static void fit_pair(struct sf_conn *conn, const struct sf_local_addr *local,
		     const struct sf_addr *remote, void *user_data)
{
	struct pair_subflows p = { .local = &local->addr, .remote = remote };
	struct sf_iface_policy policy;
	char buf[SF_ADDR_STRLEN];
	unsigned int want;
	int r = 0;

	sf_iface_get_policy(local->ifindex, &policy);
	want = policy.subflows;
	if (sf_addr_ip_equal(&local->addr, sf_conn_local(conn)) &&
	    sf_addr_equal(remote, sf_conn_remote(conn)))
		want = 1;

	sf_conn_foreach_subflow(conn, collect_pair, &p);
	if (!p.n)
		return;

	for (; p.n < want && r >= 0; p.n++)
		r = sf_subflow_create_extra(conn, &local->addr, remote,
					    policy.backup, NULL, NULL, NULL);

	/* The newest go first: the kernel reports them last. */
	if (p.n_open > PAIR_MAX)
		p.n_open = PAIR_MAX;
	while (p.n > want && p.n_open) {
		const struct sf_subflow_info *sf = &p.open[--p.n_open];

		r = sf_subflow_destroy(conn, &sf->local, &sf->remote, NULL,
				       NULL, NULL);
		if (r < 0)
			break;
		p.n--;
	}

	if (r < 0 && r != -ENOSPC)
		sf_log(LOG_INFO,
		       "[%08x] fullmesh: cannot fit the subflows from %s to "
		       "%u: %s", sf_conn_token(conn),
		       sf_addr_to_str(&local->addr, false, buf), want,
		       strerror(-r));
}

static void fit_conn(struct sf_conn *conn, void *user_data)
{
	if (sf_conn_client_established(conn))
		sf_conn_foreach_path(conn, user_data, NULL, fit_pair, NULL);
}

static void fit_local(const struct sf_local_addr *local, void *user_data)
{
	const int32_t *ifindex = user_data;

	if (local->ifindex == *ifindex)
		sf_conn_foreach(SF_PLUGIN_SELF, fit_conn, (void *) local);
}

static enum sf_verdict fullmesh_policy_changed(int32_t ifindex,
					       const char *ifname,
					       const struct sf_iface_policy *old)
{
	struct sf_iface_policy now;

	sf_iface_get_policy(ifindex, &now);
	if (now.enabled && !old->enabled)
		sf_conn_foreach(SF_PLUGIN_SELF, mesh_all, NULL);
	else if (now.subflows != old->subflows)
		sf_local_addr_foreach(fit_local, &ifindex);

	return SF_VERDICT_CONTINUE;
}

static const struct sf_plugin_ops fullmesh_ops = {
	.conn_established = fullmesh_established,
	.subflow_established = fullmesh_subflow_established,
	.addr_announced = fullmesh_announced,
	.local_addr_added = fullmesh_local_added,
	.local_addr_removed = fullmesh_local_removed,
	.iface_policy_changed = fullmesh_policy_changed,
};

SF_PLUGIN_DEFINE("fullmesh", 100, SF_PLUGIN_MODE_USERSPACE,
		 SF_PLUGIN_FLAG_ON_DEMAND, NULL, NULL,
		 &fullmesh_ops);
