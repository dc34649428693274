/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sspi: a single subflow per interface. When a connection we initiated is
 * established, every up interface that carries none of its subflows yet
 * (the initial subflow counts for its own interface) gets one, from its
 * first eligible address of the remote's family, to the connection's remote
 * address and port. Addresses the peer announces are not used. Interfaces
 * with `enabled = false` are left alone, those with `backup = true` carry the
 * backup flag; `subflows` is ignored (one is the point of this policy).
 *
 * Subflows follow addresses: when an address goes (deleted, or its link went
 * down: the core reports every address of a link that goes down as removed),
 * its subflow is withdrawn from the peer and closed, and its interface gets
 * a new one from another of its addresses, if it has one. A new address on
 * an interface without a subflow gets one. Any other subflow that closes
 * cleanly is replaced; one that dies with an error is left to the core,
 * which re-creates it with backoff.
 *
 * Like fullmesh, only connections we initiated are handled: on the server
 * side the client opens the subflows.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include <ell/ell.h>

#include <subflowd/plugin.h>

/* Replacements wait this long, so that a peer closing every new subflow
 * cleanly cannot make us spin. */
#define SSPI_REFILL_DELAY_MS 500

/* Interfaces one connection may have subflows on; more are never opened. */
#define SSPI_MAX_IFACES 64

static struct l_timeout *refill_timer;

static bool handled(const struct sf_conn *conn)
{
	return sf_conn_established(conn) && !sf_conn_server_side(conn);
}

struct fill_ctx {
	struct sf_conn *conn;
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
	if (ctx->n == L_ARRAY_SIZE(ctx->covered)) {
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
	const struct sf_addr *remote = sf_conn_remote(ctx->conn);
	uint32_t token = sf_conn_token(ctx->conn);
	struct sf_iface_policy policy;
	char lbuf[SF_ADDR_STRLEN], rbuf[SF_ADDR_STRLEN];
	int r;

	if (ctx->stop || local->addr.family != remote->family ||
	    is_covered(ctx, local->ifindex))
		return;

	sf_iface_get_policy(local->ifindex, &policy);
	if (!policy.enabled)
		return;

	r = sf_subflow_create(ctx->conn, &local->addr, remote, policy.backup,
			      NULL, NULL);
	switch (r) {
	case 0:
		sf_log(LOG_DEBUG, "[%08x] sspi: subflow %s -> %s on %s%s", token,
		       sf_addr_to_str(&local->addr, false, lbuf),
		       sf_addr_to_str(remote, true, rbuf), local->ifname,
		       policy.backup ? " (backup)" : "");
		cover(ctx, local->ifindex);
		break;
	case -EALREADY:
		cover(ctx, local->ifindex);
		break;
	case -ENOSPC:
		ctx->stop = true;
		break;
	default:
		/* The interface's next address may do. */
		l_info("[%08x] sspi: cannot create subflow from %s: %s", token,
		       sf_addr_to_str(&local->addr, false, lbuf), strerror(-r));
		break;
	}
}

/* Give every uncovered up interface its subflow. */
static void fill(struct sf_conn *conn, void *user_data)
{
	struct fill_ctx ctx = { .conn = conn };

	if (!handled(conn))
		return;

	sf_conn_foreach_subflow(conn, cover_subflow, &ctx);
	sf_local_addr_foreach(fill_from, &ctx);
}

static void refill_expired(struct l_timeout *timeout, void *user_data)
{
	l_timeout_remove(refill_timer);
	refill_timer = NULL;
	sf_conn_foreach(SF_PLUGIN_SELF, fill, NULL);
}

static void refill_soon(void)
{
	if (!refill_timer)
		refill_timer = l_timeout_create_ms(SSPI_REFILL_DELAY_MS,
						   refill_expired, NULL, NULL);
}

/* Withdraw the address from the peer and close our side (core API). */
static void drop(struct sf_conn *conn, void *user_data)
{
	const struct sf_addr *addr = user_data;
	char buf[SF_ADDR_STRLEN];
	int r;

	if (!handled(conn))
		return;

	r = sf_conn_withdraw_local_addr(conn, addr, NULL, NULL);
	if (r < 0)
		l_info("[%08x] sspi: cannot close subflows from %s: %s",
		       sf_conn_token(conn), sf_addr_to_str(addr, false, buf),
		       strerror(-r));
}

static enum sf_verdict sspi_established(struct sf_conn *conn)
{
	fill(conn, NULL);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict sspi_subflow_closed(struct sf_conn *conn,
					   const struct sf_subflow_info *sf,
					   int error, uint32_t reset_reason)
{
	if (!error)
		refill_soon();
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict sspi_local_added(const struct sf_local_addr *addr)
{
	sf_conn_foreach(SF_PLUGIN_SELF, fill, NULL);
	return SF_VERDICT_CONTINUE;
}

/*
 * The address's subflows close now; the interface's replacement is looked
 * for a little later, once the address has left the tables (until then its
 * subflow still covers the interface) and, when a whole link goes down,
 * once all of the link's addresses have.
 */
static enum sf_verdict sspi_local_removed(const struct sf_local_addr *addr)
{
	sf_conn_foreach(SF_PLUGIN_SELF, drop, (void *) &addr->addr);
	refill_soon();
	return SF_VERDICT_CONTINUE;
}

static void sspi_exit(void)
{
	l_timeout_remove(refill_timer);
	refill_timer = NULL;
}

static const struct sf_plugin_ops sspi_ops = {
	.conn_established = sspi_established,
	.subflow_closed = sspi_subflow_closed,
	.local_addr_added = sspi_local_added,
	.local_addr_removed = sspi_local_removed,
};

SF_PLUGIN_DEFINE("sspi", 100, SF_PLUGIN_MODE_USERSPACE, 0, NULL, sspi_exit,
		 &sspi_ops);
