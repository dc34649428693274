/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fullmesh: one subflow from every eligible local address to every known
 * remote address of the connection (its initial address and those its peer
 * announced), within [core] max-subflows. Subflows follow local addresses:
 * a new address gets its subflows on live connections, a vanished one loses
 * them. Interfaces with `enabled = false` are left alone and those with
 * `backup = true` carry the backup flag. An interface's `subflows = N` opens
 * N subflows (different source ports) from each of its addresses to each
 * remote address; the initial subflow's own pair keeps just the initial one.
 *
 * Only connections we initiated are meshed: on the server side the client
 * opens the subflows (it is the one that knows its own paths, and is often
 * behind NAT).
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include <ell/ell.h>

#include <subflowd/plugin.h>

struct mesh_ctx {
	struct sf_conn *conn;
	const struct sf_local_addr *local;	/* NULL: every local address */
	const struct sf_addr *remote;		/* NULL: every remote address */
};

static void connect_pair(struct sf_conn *conn, const struct sf_local_addr *local,
			 const struct sf_addr *remote)
{
	struct sf_iface_policy policy;
	char lbuf[SF_ADDR_STRLEN], rbuf[SF_ADDR_STRLEN];
	unsigned int n = 0;
	int r;

	if (local->addr.family != remote->family)
		return;

	sf_iface_get_policy(local->ifindex, &policy);
	if (!policy.enabled)
		return;

	r = sf_subflow_create(conn, &local->addr, remote, policy.backup,
			      NULL, NULL);
	/* A new pair: open its other subflows too (new source ports). */
	while (r == 0 && ++n < policy.subflows)
		r = sf_subflow_create_extra(conn, &local->addr, remote,
					    policy.backup, NULL, NULL);
	if (n)
		sf_log(LOG_DEBUG, "[%08x] fullmesh: %u subflow%s %s -> %s%s",
		       sf_conn_token(conn), n, n == 1 ? "" : "s",
		       sf_addr_to_str(&local->addr, false, lbuf),
		       sf_addr_to_str(remote, true, rbuf),
		       policy.backup ? " (backup)" : "");

	switch (r) {
	case 0:
	case -EALREADY:
	case -ENOSPC:
		break;
	default:
		l_info("[%08x] fullmesh: cannot create subflow from %s: %s",
		       sf_conn_token(conn),
		       sf_addr_to_str(&local->addr, false, lbuf), strerror(-r));
		break;
	}
}

static void mesh_remote(struct sf_conn *conn, uint8_t id,
			const struct sf_addr *addr, void *user_data)
{
	const struct mesh_ctx *ctx = user_data;
	struct sf_addr remote = *addr;

	/* An announcement without a port means the connection's port. */
	if (!remote.port)
		remote.port = sf_conn_remote(conn)->port;

	connect_pair(conn, ctx->local, &remote);
}

/* Subflows from one local address to every remote address of conn. */
static void mesh_local(const struct sf_local_addr *local, void *user_data)
{
	struct mesh_ctx ctx = *(const struct mesh_ctx *) user_data;

	ctx.local = local;
	if (ctx.remote) {
		mesh_remote(ctx.conn, 0, ctx.remote, &ctx);
		return;
	}

	connect_pair(ctx.conn, local, sf_conn_remote(ctx.conn));
	sf_conn_foreach_remote_addr(ctx.conn, mesh_remote, &ctx);
}

static bool meshable(const struct sf_conn *conn)
{
	return sf_conn_established(conn) && !sf_conn_server_side(conn);
}

static enum sf_verdict fullmesh_established(struct sf_conn *conn)
{
	struct mesh_ctx ctx = { .conn = conn };

	if (meshable(conn))
		sf_local_addr_foreach(mesh_local, &ctx);

	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict fullmesh_announced(struct sf_conn *conn, uint8_t id,
					  const struct sf_addr *addr)
{
	struct mesh_ctx ctx = { .conn = conn, .remote = addr };

	if (meshable(conn))
		sf_local_addr_foreach(mesh_local, &ctx);

	return SF_VERDICT_CONTINUE;
}

static void mesh_new_local(struct sf_conn *conn, void *user_data)
{
	struct mesh_ctx ctx = { .conn = conn };

	if (meshable(conn))
		mesh_local(user_data, &ctx);
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

	r = sf_conn_withdraw_local_addr(conn, addr, NULL, NULL);
	if (r < 0)
		l_info("[%08x] fullmesh: cannot close subflows from %s: %s",
		       sf_conn_token(conn), sf_addr_to_str(addr, false, buf),
		       strerror(-r));
}

static enum sf_verdict fullmesh_local_removed(const struct sf_local_addr *addr)
{
	sf_conn_foreach(SF_PLUGIN_SELF, drop_subflows, (void *) &addr->addr);
	return SF_VERDICT_CONTINUE;
}

struct pair_count {
	const struct sf_subflow_info *sf;
	unsigned int n;
};

static void count_on_pair(struct sf_conn *conn,
			  const struct sf_subflow_info *sf, void *user_data)
{
	struct pair_count *c = user_data;

	if (sf->local.port && sf_addr_ip_equal(&sf->local, &c->sf->local) &&
	    sf_addr_equal(&sf->remote, &c->sf->remote))
		c->n++;
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
	struct pair_count c = { .sf = sf };
	struct sf_iface_policy policy;
	char buf[SF_ADDR_STRLEN];
	int r;

	if (!meshable(conn))
		return SF_VERDICT_CONTINUE;

	sf_iface_get_policy(sf->ifindex ? sf->ifindex :
			    sf_local_addr_ifindex(&sf->local), &policy);
	sf_conn_foreach_subflow(conn, count_on_pair, &c);
	if (c.n <= policy.subflows)
		return SF_VERDICT_CONTINUE;

	r = sf_subflow_destroy(conn, &sf->local, &sf->remote, NULL, NULL);
	l_info("[%08x] fullmesh: %s extra subflow %s (%u on its pair)",
	       sf_conn_token(conn), r < 0 ? "cannot close" : "closing",
	       sf_addr_to_str(&sf->local, true, buf), c.n);
	return SF_VERDICT_CONTINUE;
}

static const struct sf_plugin_ops fullmesh_ops = {
	.conn_established = fullmesh_established,
	.subflow_established = fullmesh_subflow_established,
	.addr_announced = fullmesh_announced,
	.local_addr_added = fullmesh_local_added,
	.local_addr_removed = fullmesh_local_removed,
};

SF_PLUGIN_DEFINE("fullmesh", 100, SF_PLUGIN_MODE_USERSPACE, 0, NULL, NULL,
		 &fullmesh_ops);
