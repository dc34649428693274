/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ndiffports: the initial address pair carries N subflows in total, the
 * initial one included, each on its own source port, so that ECMP hashing
 * spreads one connection over several paths of a data-centre fabric. N is
 * the `subflows` of the initial subflow's interface; as that key is 1 unless
 * set, and one subflow is no policy at all, N of 1 counts as 2. No other
 * address is used, local or announced by the peer. The extra subflows carry
 * the backup flag when the interface has `backup = true`; an interface with
 * `enabled = false` gets no extra subflows.
 *
 * Whenever a subflow of the pair closes, for any reason, while the
 * connection lives, the pair is brought back to N after a short delay (so a
 * peer that refuses them cannot make us spin). [core] max-subflows still
 * applies.
 *
 * Only connections we initiated are handled: on the server side the client
 * opens the subflows.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include <ell/ell.h>

#include <subflowd/plugin.h>

#define NDIFFPORTS_DEFAULT 2
#define NDIFFPORTS_REFILL_DELAY_MS 1000

static struct l_timeout *refill_timer;

/* Is sf on the connection's initial address pair? */
static bool on_initial_pair(struct sf_conn *conn,
			    const struct sf_subflow_info *sf)
{
	return sf_addr_ip_equal(&sf->local, sf_conn_local(conn)) &&
	       sf_addr_equal(&sf->remote, sf_conn_remote(conn));
}

static void count_initial_pair(struct sf_conn *conn,
			       const struct sf_subflow_info *sf,
			       void *user_data)
{
	unsigned int *n = user_data;

	if (on_initial_pair(conn, sf))
		(*n)++;
}

/* Open subflows on the initial pair until it has N (counting those still
 * being created). */
static void top_up(struct sf_conn *conn, void *user_data)
{
	const struct sf_addr *local = sf_conn_local(conn);
	const struct sf_addr *remote = sf_conn_remote(conn);
	uint32_t token = sf_conn_token(conn);
	struct sf_iface_policy policy;
	char lbuf[SF_ADDR_STRLEN], rbuf[SF_ADDR_STRLEN];
	unsigned int want, have = 0;
	int r = 0;

	if (!sf_conn_established(conn) || sf_conn_server_side(conn))
		return;

	sf_iface_get_policy(sf_local_addr_ifindex(local), &policy);
	if (!policy.enabled)
		return;

	want = policy.subflows > 1 ? policy.subflows : NDIFFPORTS_DEFAULT;
	sf_conn_foreach_subflow(conn, count_initial_pair, &have);

	for (; have < want; have++) {
		r = sf_subflow_create_extra(conn, local, remote, policy.backup,
					    NULL, NULL);
		if (r < 0)
			break;

		sf_log(LOG_DEBUG, "[%08x] ndiffports: subflow %s -> %s (%u of %u)%s",
		       token, sf_addr_to_str(local, false, lbuf),
		       sf_addr_to_str(remote, true, rbuf), have + 1, want,
		       policy.backup ? " (backup)" : "");
	}

	switch (r) {
	case 0:
	case -ENOSPC:
		break;
	default:
		l_info("[%08x] ndiffports: cannot create subflow from %s: %s",
		       token, sf_addr_to_str(local, false, lbuf), strerror(-r));
		break;
	}
}

static void refill_expired(struct l_timeout *timeout, void *user_data)
{
	l_timeout_remove(refill_timer);
	refill_timer = NULL;
	sf_conn_foreach(SF_PLUGIN_SELF, top_up, NULL);
}

static enum sf_verdict ndiffports_established(struct sf_conn *conn)
{
	top_up(conn, NULL);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict ndiffports_subflow_closed(struct sf_conn *conn,
						 const struct sf_subflow_info *sf,
						 int error,
						 uint32_t reset_reason)
{
	if (on_initial_pair(conn, sf) && !refill_timer)
		refill_timer = l_timeout_create_ms(NDIFFPORTS_REFILL_DELAY_MS,
						   refill_expired, NULL, NULL);
	return SF_VERDICT_CONTINUE;
}

static void ndiffports_exit(void)
{
	l_timeout_remove(refill_timer);
	refill_timer = NULL;
}

static const struct sf_plugin_ops ndiffports_ops = {
	.conn_established = ndiffports_established,
	.subflow_closed = ndiffports_subflow_closed,
};

SF_PLUGIN_DEFINE("ndiffports", 100, SF_PLUGIN_MODE_USERSPACE, 0, NULL,
		 ndiffports_exit, &ndiffports_ops);
