/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ndiffports: the initial address pair carries N subflows in total, the
 * initial one included, each on its own source port, so that ECMP hashing
 * spreads one connection over several paths of a data-centre fabric. N is
 * the `subflows` of the initial subflow's interface; as that key is 1 unless
 * set, and one subflow is no policy at all, N of 1 counts as 2. No other
 * address is used, local or announced by the peer. The extra subflows carry
 * the backup flag when the interface has `backup = true`; an interface with
 * `enabled = false` gets no extra subflows. A change of the interface's
 * `subflows` or `enabled` at run time opens or closes extra subflows on
 * live connections at once. [core] max-subflows still applies.
 *
 * A subflow of the pair that fails, or a join the peer refuses, is brought
 * back by the core with backoff (extra subflows included); one the peer
 * closes cleanly after it worked is not replaced. A peer that takes no
 * joins to its initial address (DENY_JOIN_ID0, or it refused one) gets no
 * extra subflows: this policy uses no other address.
 *
 * Only connections we initiated are handled: on the server side the client
 * opens the subflows.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include <subflowd/plugin.h>

#define NDIFFPORTS_DEFAULT 2

/* Is sf on the connection's initial address pair? */
static bool on_initial_pair(struct sf_conn *conn,
			    const struct sf_subflow_info *sf)
{
	return sf_addr_ip_equal(&sf->local, sf_conn_local(conn)) &&
	       sf_addr_equal(&sf->remote, sf_conn_remote(conn));
}

struct pair_count {
	unsigned int n;			/* with those being created */
	struct sf_subflow_info last;	/* the last one with a local port */
};

static void count_initial_pair(struct sf_conn *conn,
			       const struct sf_subflow_info *sf,
			       void *user_data)
{
	struct pair_count *c = user_data;

	if (!on_initial_pair(conn, sf))
		return;

	c->n++;
	if (sf->local.port)
		c->last = *sf;
}

/* Open subflows on the initial pair until it has N (counting those still
 * being created), or close the newest ones down to N. */
static void fit(struct sf_conn *conn, void *user_data)
{
	const struct sf_addr *local = sf_conn_local(conn);
	const struct sf_addr *remote = sf_conn_remote(conn);
	uint32_t token = sf_conn_token(conn);
	struct sf_iface_policy policy;
	char lbuf[SF_ADDR_STRLEN], rbuf[SF_ADDR_STRLEN];
	struct pair_count have = { 0 };
	unsigned int want;
	int r = 0;

	if (!sf_conn_client_established(conn))
		return;

	sf_iface_get_policy(sf_local_addr_ifindex(local), &policy);
	if (!policy.enabled)
		return;

	want = policy.subflows > 1 ? policy.subflows : NDIFFPORTS_DEFAULT;
	sf_conn_foreach_subflow(conn, count_initial_pair, &have);

	while (have.n > want && have.last.local.port) {
		r = sf_subflow_destroy(conn, &have.last.local,
				       &have.last.remote, NULL, NULL, NULL);
		if (r < 0)
			break;
		have = (struct pair_count){ 0 };
		sf_conn_foreach_subflow(conn, count_initial_pair, &have);
	}

	for (; have.n < want; have.n++) {
		r = sf_subflow_create_extra(conn, local, remote, policy.backup,
					    NULL, NULL, NULL);
		if (r < 0)
			break;

		sf_debug("[%08x] ndiffports: subflow %s -> %s (%u of %u)%s",
			 token, sf_addr_to_str(local, false, lbuf),
			 sf_addr_to_str(remote, true, rbuf), have.n + 1, want,
			 policy.backup ? " (backup)" : "");
	}

	if (r >= 0)
		return;

	switch (r) {
	case -ENOSPC:
	case -EPERM:		/* the peer takes no joins there */
		break;
	default:
		sf_log(LOG_INFO,
		       "[%08x] ndiffports: cannot create subflow from %s: %s",
		       token, sf_addr_to_str(local, false, lbuf), strerror(-r));
		break;
	}
}

static enum sf_verdict ndiffports_established(struct sf_conn *conn)
{
	fit(conn, NULL);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict ndiffports_policy_changed(int32_t ifindex,
						 const char *ifname,
						 const struct sf_iface_policy *old)
{
	sf_conn_foreach(SF_PLUGIN_SELF, fit, NULL);
	return SF_VERDICT_CONTINUE;
}

static const struct sf_plugin_ops ndiffports_ops = {
	.conn_established = ndiffports_established,
	.iface_policy_changed = ndiffports_policy_changed,
};

SF_PLUGIN_DEFINE("ndiffports", 100, SF_PLUGIN_MODE_USERSPACE,
		 SF_PLUGIN_FLAG_ON_DEMAND, NULL,
		 NULL, &ndiffports_ops);
