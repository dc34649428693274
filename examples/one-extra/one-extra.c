/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * one-extra: an example subflowd policy, built out of tree against the
 * installed headers (see Makefile). For every connection this host opens it
 * adds exactly one subflow: from the eligible local address with the lowest
 * address id other than the connection's own, to the peer's address. When
 * that address goes away, the next one takes over.
 *
 *   make && sudo make install
 *   subflowd -p one-extra
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include <subflowd/plugin.h>

struct pick {
	const struct sf_addr *avoid;	/* the connection's own address */
	struct sf_local_addr best;
	bool found;
};

static void consider(const struct sf_local_addr *addr, void *user_data)
{
	struct pick *pick = user_data;

	if (addr->addr.family != pick->avoid->family ||
	    sf_addr_ip_equal(&addr->addr, pick->avoid))
		return;

	if (!pick->found || addr->id < pick->best.id) {
		pick->best = *addr;
		pick->found = true;
	}
}

static void done(int error, const char *extack, void *user_data)
{
	if (error < 0)
		sf_log(LOG_INFO, "[%08x] one-extra: the kernel refused: %s%s%s",
		       (unsigned int) (uintptr_t) user_data, strerror(-error),
		       extack ? ": " : "", extack ? extack : "");
}

/* Open the extra subflow unless the connection already has more than one. */
static void add_one(struct sf_conn *conn, void *user_data)
{
	struct pick pick = { .avoid = sf_conn_local(conn) };
	char buf[SF_ADDR_STRLEN];
	int r;

	if (!sf_conn_established(conn) || sf_conn_server_side(conn) ||
	    sf_conn_subflow_count(conn) > 1)
		return;

	sf_local_addr_foreach(consider, &pick);
	if (!pick.found)
		return;

	r = sf_subflow_create(conn, &pick.best.addr, sf_conn_remote(conn),
			      false, done,
			      (void *) (uintptr_t) sf_conn_token(conn), NULL);
	sf_log(LOG_INFO, "[%08x] one-extra: subflow from %s: %s",
	       sf_conn_token(conn), sf_addr_to_str(&pick.best.addr, false, buf),
	       r < 0 ? strerror(-r) : "requested");
}

static enum sf_verdict established(struct sf_conn *conn)
{
	add_one(conn, NULL);
	return SF_VERDICT_CONTINUE;
}

/* A subflow (ours or another) went away: top the connection up again. */
static enum sf_verdict subflow_closed(struct sf_conn *conn,
				      const struct sf_subflow_info *sf,
				      int error, uint32_t reset_reason)
{
	add_one(conn, NULL);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict addr_added(const struct sf_local_addr *addr)
{
	sf_conn_foreach(SF_PLUGIN_SELF, add_one, NULL);
	return SF_VERDICT_CONTINUE;
}

static const struct sf_plugin_ops ops = {
	.conn_established = established,
	.subflow_closed = subflow_closed,
	.local_addr_added = addr_added,
};

/* It acts only on its own connections: loaded when a setting names it. */
SF_PLUGIN_DEFINE("one-extra", 100, SF_PLUGIN_MODE_USERSPACE,
		 SF_PLUGIN_FLAG_ON_DEMAND, NULL, NULL, &ops);
