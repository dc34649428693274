/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sspi: a single subflow per interface. When a connection we initiated is
 * established, every up interface that carries none of its subflows yet
 * (the initial subflow counts for its own interface) gets one, from its
 * first eligible address of the remote's family, to the connection's remote
 * address and port; when the peer forbids joins there (DENY_JOIN_ID0, or it
 * refused one), to the first address it announced instead. Other addresses
 * the peer announces are not used. Interfaces with `enabled = false` are
 * left alone (one enabled again at run time gets its subflow at once),
 * those with `backup = true` carry the backup flag; `subflows` is ignored
 * (one is the point of this policy).
 *
 * Subflows follow addresses: when an address goes (deleted, or its link went
 * down: the core reports every address of a link that goes down as removed,
 * with the link already down), its subflow is withdrawn from the peer and
 * closed, and its interface gets a new one from another of its addresses,
 * if it has one and is up. A new address on an interface without a subflow
 * gets one. A subflow that fails, or a join the peer refuses, is left to
 * the core, which re-creates it with backoff; one the peer closes cleanly
 * after it worked is not replaced.
 *
 * Like fullmesh, only connections we initiated are handled: on the server
 * side the client opens the subflows.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include <subflowd/plugin.h>

/* Interfaces one connection may have subflows on; more are never opened. */
#define SSPI_MAX_IFACES 64

struct fill_ctx {
	struct sf_conn *conn;
	struct sf_addr remote;			/* where subflows go */
	int32_t covered[SSPI_MAX_IFACES];	/* interfaces with a subflow */
	unsigned int n;
	bool stop;
};

static bool is_covered(const struct fill_ctx *ctx, int32_t ifindex)
{
	for (unsigned int i = 0; i < ctx->n; i++)
		if (ctx->covered[i] == ifindex)
			return true;
	return false;
}

static void cover(struct fill_ctx *ctx, int32_t ifindex)
{
	if (is_covered(ctx, ifindex))
		return;

	/* Out of room: open nothing more rather than risk a second one. */
	if (ctx->n == SSPI_MAX_IFACES) {
		ctx->stop = true;
		return;
	}

	ctx->covered[ctx->n++] = ifindex;
}

/*
 * A subflow, even one still being created, covers the interface holding its
 * local address. One whose address was deleted covers nothing: it is on its
 * way out.
 */
static void cover_subflow(struct sf_conn *conn,
			  const struct sf_subflow_info *sf, void *user_data)
{
	int32_t ifindex = sf_local_addr_ifindex(&sf->local);

	if (ifindex)
		cover(user_data, ifindex);
}

static void fill_from(const struct sf_local_addr *local, void *user_data)
{
	struct fill_ctx *ctx = user_data;
	const struct sf_addr *remote = &ctx->remote;
	uint32_t token = sf_conn_token(ctx->conn);
	struct sf_iface_policy policy;
	char lbuf[SF_ADDR_STRLEN], rbuf[SF_ADDR_STRLEN];
	int r;

	if (ctx->stop || local->addr.family != remote->family ||
	    is_covered(ctx, local->ifindex) || !sf_iface_is_up(local->ifindex))
		return;

	sf_iface_get_policy(local->ifindex, &policy);
	if (!policy.enabled)
		return;

	r = sf_subflow_create(ctx->conn, &local->addr, remote, policy.backup,
			      NULL, NULL, NULL);
	if (r > 0) {
		sf_debug("[%08x] sspi: subflow %s -> %s on %s%s", token,
			 sf_addr_to_str(&local->addr, false, lbuf),
			 sf_addr_to_str(remote, true, rbuf), local->ifname,
			 policy.backup ? " (backup)" : "");
		cover(ctx, local->ifindex);
		return;
	}

	switch (r) {
	case -EALREADY:
		cover(ctx, local->ifindex);
		break;
	case -ENOSPC:
		ctx->stop = true;
		break;
	default:
		/* The interface's next address may do. */
		sf_log(LOG_INFO,
		       "[%08x] sspi: cannot create subflow from %s: %s", token,
		       sf_addr_to_str(&local->addr, false, lbuf), strerror(-r));
		break;
	}
}

static void first_announced(struct sf_conn *conn, uint8_t id,
			    const struct sf_addr *addr, void *user_data)
{
	struct sf_addr *remote = user_data;

	if (remote->family || addr->family != sf_conn_remote(conn)->family)
		return;

	*remote = *addr;
	if (!remote->port)
		remote->port = sf_conn_remote(conn)->port;
}

/* Where the subflows go: the peer's initial address when it takes joins
 * there, else the first address it announced. False: nowhere yet. */
static bool pick_remote(struct sf_conn *conn, struct sf_addr *ret_remote)
{
	if (sf_conn_initial_addr_joinable(conn)) {
		*ret_remote = *sf_conn_remote(conn);
		return true;
	}

	*ret_remote = (struct sf_addr){ 0 };
	sf_conn_foreach_remote_addr(conn, first_announced, ret_remote);
	return ret_remote->family != 0;
}

/* Give every uncovered up interface its subflow. */
static void fill(struct sf_conn *conn, void *user_data)
{
	struct fill_ctx ctx = { .conn = conn };

	if (!sf_conn_client_established(conn) || !pick_remote(conn, &ctx.remote))
		return;

	sf_conn_foreach_subflow(conn, cover_subflow, &ctx);
	sf_local_addr_foreach(fill_from, &ctx);
}

/* Withdraw the address from the peer and close our side (core API). */
static void drop(struct sf_conn *conn, void *user_data)
{
	const struct sf_addr *addr = user_data;
	char buf[SF_ADDR_STRLEN];
	int r;

	if (!sf_conn_client_established(conn))
		return;

	r = sf_conn_withdraw_local_addr(conn, addr);
	if (r < 0)
		sf_log(LOG_INFO,
		       "[%08x] sspi: cannot close subflows from %s: %s",
		       sf_conn_token(conn), sf_addr_to_str(addr, false, buf),
		       strerror(-r));
}

static enum sf_verdict sspi_established(struct sf_conn *conn)
{
	fill(conn, NULL);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict sspi_announced(struct sf_conn *conn, uint8_t id,
				      const struct sf_addr *addr)
{
	fill(conn, NULL);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict sspi_local_added(const struct sf_local_addr *addr)
{
	sf_conn_foreach(SF_PLUGIN_SELF, fill, NULL);
	return SF_VERDICT_CONTINUE;
}

/*
 * The address's subflows close now (on their way out, they cover nothing)
 * and the interface gets its replacement from another of its addresses,
 * unless the whole link is going down (it is then reported down already).
 */
static enum sf_verdict sspi_local_removed(const struct sf_local_addr *addr)
{
	sf_conn_foreach(SF_PLUGIN_SELF, drop, (void *) &addr->addr);
	sf_conn_foreach(SF_PLUGIN_SELF, fill, NULL);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict sspi_policy_changed(int32_t ifindex, const char *ifname,
					   const struct sf_iface_policy *old)
{
	sf_conn_foreach(SF_PLUGIN_SELF, fill, NULL);
	return SF_VERDICT_CONTINUE;
}

static const struct sf_plugin_ops sspi_ops = {
	.conn_established = sspi_established,
	.addr_announced = sspi_announced,
	.local_addr_added = sspi_local_added,
	.local_addr_removed = sspi_local_removed,
	.iface_policy_changed = sspi_policy_changed,
};

SF_PLUGIN_DEFINE("sspi", 100, SF_PLUGIN_MODE_USERSPACE,
		 SF_PLUGIN_FLAG_ON_DEMAND, NULL, NULL,
		 &sspi_ops);
