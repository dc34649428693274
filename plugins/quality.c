/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * quality: paths used by measured quality. Interfaces with `metered = true`
 * (or `backup = true`) are standby paths, the others primary paths; every
 * eligible local address gets a subflow to every remote address (as
 * fullmesh does), standby ones with the backup flag, or, with [core]
 * standby = on-demand, none while they are not needed.
 *
 * The daemon judges each subflow from its tcp_info (sf_subflow_get_health(),
 * thresholds in [quality]): good, slow, lossy or stalled. After each round
 * of samples, for each connection:
 *
 * - Promote: when no primary subflow is usable (none open, none on an up
 *   interface, or all of them slow, lossy or stalled), the standby paths
 *   lose their backup flag (or are opened).
 * - Demote, with hysteresis: when a primary subflow has been good for
 *   recover-ms (at once when the standby paths were promoted only because
 *   no primary subflow existed yet), the standby paths are flagged backup
 *   again (or closed).
 * - Bench: a primary subflow that is degraded, or far worse than the best
 *   subflow carrying traffic (worse-rtt-ratio times its RTT, or
 *   worse-loss-percent more loss), is flagged backup while another path can
 *   carry the traffic, so that the kernel's scheduler stops using it. A
 *   benched subflow carries nothing, so nothing shows when it recovers:
 *   every probe-ms its flag is cleared for a trial; it stays unflagged if it
 *   is good within TRIAL_MS, and is benched again otherwise.
 * - Replace: a stalled primary subflow (a blackhole) is closed instead,
 *   while another path can carry the traffic, and a new one is opened on
 *   its path. A flag does not help there: the kernel sends the data a
 *   subflow holds (sent into the blackhole, or queued when sends fail)
 *   again on another subflow at once only when that subflow closes; left
 *   open, it keeps that data until the kernel's stale-subflow check or
 *   TCP's timeout gives up on it, seconds later, and the connection waits
 *   for it. The new subflow's handshake gets through once the path works
 *   again, and it is judged as a new path.
 *
 * Only connections this host opened are handled: the client knows its paths.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <subflowd/plugin.h>

#include "stalled.h"

/* How long a trial lasts before a still-degraded path is benched again:
 * long enough for the segments it lost before it was benched to be sent
 * again, which would otherwise make a recovered path look lossy. */
#define TRIAL_MS 1000

/* One subflow path we steer: local IP to remote IP and port. */
struct q_path {
	struct sf_addr local;		/* port 0 */
	struct sf_addr remote;
	bool backup;			/* the flag we last asked for */
	bool flag_known;		/* ... and whether we asked at all */
	bool benched;			/* primary, flagged for being bad */
	bool closing;			/* on-demand standby being closed */
	unsigned int rounds;		/* since benched, or into the trial */
	unsigned int active_rounds;	/* since it last took traffic again */
	bool probing;			/* a benched path on trial */
	bool seen;			/* in this round's scan */
};

enum promotion {
	PROMOTION_NONE,			/* standby paths are standby */
	PROMOTION_NO_PRIMARY,		/* no primary subflow existed */
	PROMOTION_DEGRADED,		/* the primary subflows degraded */
};

/* Kept on the connection (sf_conn_set_data()). */
struct q_conn {
	uint32_t token;
	enum promotion promoted;
	struct q_path **paths;		/* each its own allocation */
	size_t n_paths;
};

static unsigned int n_conns;		/* q_conns alive */
static struct sf_quality_config config;

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		abort();
	return p;
}

/* The daemon's destroy for a q_conn: frees, calls nothing. */
static void q_conn_free(void *data)
{
	struct q_conn *qc = data;

	if (!qc)
		return;

	for (size_t i = 0; i < qc->n_paths; i++)
		free(qc->paths[i]);
	free(qc->paths);
	free(qc);
	n_conns--;
}

static void round_done(struct sf_conn *conn, void *user_data);

static struct q_conn *q_conn_find(const struct sf_conn *conn)
{
	return sf_conn_get_data(conn, SF_PLUGIN_SELF);
}

static struct q_conn *q_conn_get(struct sf_conn *conn)
{
	struct q_conn *qc = q_conn_find(conn);

	if (qc)
		return qc;

	qc = xcalloc(1, sizeof(*qc));
	qc->token = sf_conn_token(conn);
	sf_conn_set_data(conn, SF_PLUGIN_SELF, qc, q_conn_free);

	/* Fast samples while there is a connection to steer. */
	if (n_conns++ == 0)
		sf_health_watch(SF_PLUGIN_SELF, round_done, NULL);
	return qc;
}

static void q_conn_drop(struct sf_conn *conn)
{
	if (!q_conn_find(conn))
		return;

	sf_conn_set_data(conn, SF_PLUGIN_SELF, NULL, NULL);
	if (n_conns == 0)
		sf_health_watch(SF_PLUGIN_SELF, NULL, NULL);
}

static struct q_path *path_find(struct q_conn *qc, const struct sf_addr *local,
				const struct sf_addr *remote, size_t *ret_i)
{
	for (size_t i = 0; i < qc->n_paths; i++) {
		struct q_path *p = qc->paths[i];

		if (sf_addr_ip_equal(&p->local, local) &&
		    sf_addr_equal(&p->remote, remote)) {
			if (ret_i)
				*ret_i = i;
			return p;
		}
	}

	return NULL;
}

static struct q_path *path_get(struct q_conn *qc, const struct sf_addr *local,
			       const struct sf_addr *remote)
{
	struct q_path *p = path_find(qc, local, remote, NULL);
	struct q_path **paths;

	if (p)
		return p;

	paths = realloc(qc->paths, (qc->n_paths + 1) * sizeof(*paths));
	if (!paths)
		abort();
	qc->paths = paths;

	p = xcalloc(1, sizeof(*p));
	p->local = *local;
	p->local.port = 0;
	p->remote = *remote;
	qc->paths[qc->n_paths++] = p;
	return p;
}

static void path_remove_at(struct q_conn *qc, size_t i)
{
	free(qc->paths[i]);
	qc->paths[i] = qc->paths[--qc->n_paths];
}

static void path_forget(struct q_conn *qc, const struct sf_addr *local,
			const struct sf_addr *remote)
{
	size_t i;

	if (path_find(qc, local, remote, &i))
		path_remove_at(qc, i);
}

static bool is_standby(int32_t ifindex)
{
	struct sf_iface_policy policy;

	sf_iface_get_policy(ifindex, &policy);
	return policy.metered || policy.backup;
}

static int32_t subflow_ifindex(const struct sf_subflow_info *sf)
{
	return sf->ifindex ? sf->ifindex : sf_local_addr_ifindex(&sf->local);
}

static bool degraded(const struct sf_subflow_health *h)
{
	switch (h->state) {
	case SF_HEALTH_UNKNOWN:
	case SF_HEALTH_GOOD:
		return false;
	case SF_HEALTH_SLOW:
	case SF_HEALTH_LOSSY:
	case SF_HEALTH_STALLED:
		return true;
	}

	return false;
}

/* Is this subflow on an up interface, and stalled (a blackhole)? */
static bool stalled(struct sf_conn *conn, const struct sf_subflow_info *sf)
{
	struct sf_subflow_health h;

	return sf_iface_is_up(subflow_ifindex(sf)) &&
	       sf_subflow_get_health(conn, sf, &h) == 0 &&
	       h.state == SF_HEALTH_STALLED;
}

/* --- opening subflows --- */

static void open_pair(struct sf_conn *conn, const struct sf_local_addr *local,
		      const struct sf_addr *remote, void *user_data)
{
	struct q_conn *qc = user_data;
	struct sf_iface_policy policy;
	char lbuf[SF_ADDR_STRLEN], rbuf[SF_ADDR_STRLEN];
	bool standby, backup;
	struct q_path *p;
	int r;

	sf_iface_get_policy(local->ifindex, &policy);
	standby = policy.metered || policy.backup;
	if (!policy.enabled ||
	    (standby && !qc->promoted &&
	     sf_config_standby() == SF_STANDBY_ON_DEMAND))
		return;

	backup = standby && !qc->promoted;
	r = sf_subflow_create(conn, &local->addr, remote, backup, NULL, NULL,
			      NULL);
	if (r > 0) {
		sf_debug("[%08x] quality: subflow %s -> %s%s",
			 qc->token, sf_addr_to_str(&local->addr, false, lbuf),
			 sf_addr_to_str(remote, true, rbuf),
			 backup ? " (backup)" : "");
		p = path_get(qc, &local->addr, remote);
		p->backup = backup;
		p->flag_known = true;
		p->closing = false;
		p->benched = false;
		p->probing = false;
		return;
	}

	if (r != -EALREADY && r != -ENOSPC)
		sf_log(LOG_INFO, "[%08x] quality: cannot create subflow from "
		       "%s: %s", qc->token,
		       sf_addr_to_str(&local->addr, false, lbuf), strerror(-r));
}

static void open_subflows(struct sf_conn *conn, struct q_conn *qc,
			  const struct sf_local_addr *local,
			  const struct sf_addr *remote)
{
	sf_conn_foreach_path(conn, local, remote, open_pair, qc);
}

/* --- steering --- */

static void set_backup(struct sf_conn *conn, struct q_conn *qc,
		       const struct sf_subflow_info *sf, struct q_path *p,
		       bool want, const char *why)
{
	char buf[SF_ADDR_STRLEN];
	bool current = p->flag_known ? p->backup : sf->backup;
	int r;

	if (current == want)
		return;

	r = sf_subflow_set_backup(conn, &sf->local, &sf->remote, want, NULL,
				  NULL, NULL);
	if (r < 0) {
		sf_log(LOG_INFO, "[%08x] quality: cannot %s subflow %s: %s",
		       qc->token, want ? "flag" : "unflag",
		       sf_addr_to_str(&sf->local, true, buf), strerror(-r));
		return;
	}

	sf_log(LOG_INFO, "[%08x] quality: subflow %s %s (%s)", qc->token,
	       sf_addr_to_str(&sf->local, true, buf),
	       want ? "backup" : "active", why);
	p->backup = want;
	p->flag_known = true;
}

/* What one round learned about one connection's subflows. */
struct scan {
	struct q_conn *qc;
	struct sf_subflow_info *subflows;	/* copies, to act on after */
	size_t n_subflows;
	bool primary_usable;		/* one not degraded, not benched */
	bool primary_recovered;		/* one good for recover-ms */
	bool primary_exists;
	bool standby_exists;
	/* The best subflow carrying traffic: least RTT, least loss. */
	uint32_t best_rtt_us;
	uint32_t best_loss_permille;
	bool has_best;
};

static bool carries_traffic(const struct scan *s, bool standby,
			    const struct q_path *p)
{
	if (standby)
		return s->qc->promoted != PROMOTION_NONE;
	return !p->benched || p->probing;
}

static void scan_subflow(struct sf_conn *conn, const struct sf_subflow_info *sf,
			 void *user_data)
{
	struct scan *s = user_data;
	int32_t ifindex = subflow_ifindex(sf);
	bool standby = is_standby(ifindex);
	struct sf_subflow_health h;
	struct q_path *p;

	if (!sf->local.port)
		return;

	p = path_get(s->qc, &sf->local, &sf->remote);
	if (p->closing)
		return;
	p->seen = true;
	s->subflows = realloc(s->subflows,
			      (s->n_subflows + 1) * sizeof(*s->subflows));
	if (!s->subflows)
		abort();
	s->subflows[s->n_subflows++] = *sf;

	if (standby)
		s->standby_exists = true;
	else
		s->primary_exists = true;

	if (!sf_iface_is_up(ifindex))
		return;

	if (sf_subflow_get_health(conn, sf, &h) < 0)
		h = (struct sf_subflow_health) { .state = SF_HEALTH_UNKNOWN };

	if (!standby && !p->benched && !degraded(&h))
		s->primary_usable = true;
	/* Good for recover-ms, and for that long with traffic: what a
	 * benched path's trickle showed does not count. */
	if (!standby && (!p->benched || p->probing) &&
	    h.state == SF_HEALTH_GOOD && h.state_ms >= config.recover_ms &&
	    p->active_rounds * config.poll_ms >= config.recover_ms)
		s->primary_recovered = true;

	if (h.state == SF_HEALTH_GOOD && carries_traffic(s, standby, p)) {
		if (!s->has_best || h.srtt_us < s->best_rtt_us)
			s->best_rtt_us = h.srtt_us;
		if (!s->has_best || h.loss_permille < s->best_loss_permille)
			s->best_loss_permille = h.loss_permille;
		s->has_best = true;
	}
}

/* Far worse than the best subflow carrying traffic? */
static bool far_worse(const struct scan *s, const struct sf_subflow_health *h)
{
	uint64_t rtt_limit = (uint64_t) s->best_rtt_us * config.worse_rtt_ratio;

	if (!s->has_best || h->state == SF_HEALTH_UNKNOWN)
		return false;

	if (s->best_rtt_us && h->srtt_us > rtt_limit &&
	    h->srtt_us - s->best_rtt_us >= config.min_rtt_increase_ms * 1000ull)
		return true;

	return h->loss_permille >
	       s->best_loss_permille + config.worse_loss_percent * 10;
}

/* "WHAT: STATE, L.L % lost, RTT R ms (min M ms)" into buf. */
static const char *health_why(const struct sf_subflow_health *h,
			      const char *what, char *buf, size_t size)
{
	snprintf(buf, size, "%s: %s, %u.%u %% lost, RTT %u ms (min %u.%u ms)",
		 what, sf_health_state_to_str(h->state), h->loss_permille / 10,
		 h->loss_permille % 10, h->srtt_us / 1000,
		 h->min_rtt_us / 1000, h->min_rtt_us % 1000 / 100);
	return buf;
}

/* Bench, try or release one primary subflow. */
static void settle_primary(struct sf_conn *conn, struct scan *s,
			   const struct sf_subflow_info *sf, struct q_path *p,
			   bool others_can_carry)
{
	struct sf_subflow_health h;
	char why[128];
	bool bad;

	if (sf_subflow_get_health(conn, sf, &h) < 0)
		return;

	bad = degraded(&h) || far_worse(s, &h);
	if (!p->benched || p->probing)
		p->active_rounds++;

	if (!p->benched) {
		if (bad && others_can_carry) {
			p->benched = true;
			p->rounds = 0;
			p->active_rounds = 0;
			set_backup(conn, s->qc, sf, p, true,
				   health_why(&h, degraded(&h) ? "degraded" :
					      "far worse than the best path",
					      why, sizeof(why)));
		}
		return;
	}

	p->rounds++;
	if (!p->probing) {
		if (!others_can_carry ||
		    p->rounds * config.poll_ms >= config.probe_ms) {
			p->probing = true;
			p->rounds = 0;
			p->active_rounds = 0;
			set_backup(conn, s->qc, sf, p, false,
				   others_can_carry ? "trial" :
				   "no other path");
		}
		return;
	}

	/* On trial: good is kept; still bad after TRIAL_MS goes back. */
	if (h.state == SF_HEALTH_GOOD && !far_worse(s, &h)) {
		p->benched = false;
		p->probing = false;
		sf_log(LOG_INFO, "[%08x] quality: subflow on trial recovered",
		       s->qc->token);
		return;
	}

	if (p->rounds * config.poll_ms >= TRIAL_MS && others_can_carry) {
		p->probing = false;
		p->rounds = 0;
		set_backup(conn, s->qc, sf, p, true, "still degraded");
	}
}

static void settle_standby(struct sf_conn *conn, struct q_conn *qc,
			   const struct sf_subflow_info *sf, struct q_path *p)
{
	char buf[SF_ADDR_STRLEN];
	int r;

	if (qc->promoted == PROMOTION_NONE &&
	    sf_config_standby() == SF_STANDBY_ON_DEMAND) {
		r = sf_subflow_destroy(conn, &sf->local, &sf->remote, NULL,
				       NULL, NULL);
		if (r < 0) {
			sf_log(LOG_INFO, "[%08x] quality: cannot close standby "
			       "subflow %s: %s", qc->token,
			       sf_addr_to_str(&sf->local, true, buf),
			       strerror(-r));
			return;
		}
		sf_log(LOG_INFO, "[%08x] quality: closing standby subflow %s",
		       qc->token, sf_addr_to_str(&sf->local, true, buf));
		p->closing = true;
		return;
	}

	set_backup(conn, qc, sf, p, qc->promoted == PROMOTION_NONE,
		   qc->promoted == PROMOTION_NONE ? "a primary path is good" :
		   "no primary path is usable");
}

/* Forget the paths this round found no subflow on (unless closing). */
static void forget_unseen(struct q_conn *qc)
{
	for (size_t i = qc->n_paths; i-- > 0;) {
		if (!qc->paths[i]->seen && !qc->paths[i]->closing)
			path_remove_at(qc, i);
	}
}

/*
 * Bring conn in line with its subflows' health: promote or demote the
 * standby paths, bench or try the primary ones, and give every subflow the
 * flag (or, on demand, the existence) that goes with it.
 */
static void reconcile(struct sf_conn *conn)
{
	size_t n_stalled = 0;
	struct q_conn *qc;
	struct scan s;
	enum promotion was;
	bool others;

	if (!sf_conn_client_established(conn))
		return;

	qc = q_conn_get(conn);
	s = (struct scan) { .qc = qc };
	for (size_t i = 0; i < qc->n_paths; i++)
		qc->paths[i]->seen = false;
	sf_conn_foreach_subflow(conn, scan_subflow, &s);

	was = qc->promoted;
	if (!s.primary_usable && qc->promoted == PROMOTION_NONE)
		qc->promoted = s.primary_exists ? PROMOTION_DEGRADED :
			       PROMOTION_NO_PRIMARY;
	else if (qc->promoted == PROMOTION_NO_PRIMARY && s.primary_usable)
		qc->promoted = PROMOTION_NONE;
	else if (qc->promoted == PROMOTION_DEGRADED && s.primary_recovered)
		qc->promoted = PROMOTION_NONE;

	if (was != qc->promoted) {
		sf_log(LOG_INFO, "[%08x] quality: %s", qc->token,
		       qc->promoted == PROMOTION_NONE ?
		       "a primary path is good, standby paths back to standby" :
		       "no primary path is usable, using the standby paths");
		if (qc->promoted != PROMOTION_NONE)
			open_subflows(conn, qc, NULL, NULL);
	}

	/* Someone else can carry the traffic: a usable primary, or the
	 * promoted standby paths. */
	others = (qc->promoted != PROMOTION_NONE && s.standby_exists) ||
		 s.has_best;
	for (size_t i = 0; i < s.n_subflows; i++) {
		const struct sf_subflow_info *sf = &s.subflows[i];
		struct q_path *p = path_get(qc, &sf->local, &sf->remote);
		int32_t ifindex = subflow_ifindex(sf);

		if (is_standby(ifindex))
			settle_standby(conn, qc, sf, p);
		else if (others && stalled(conn, sf))
			s.subflows[n_stalled++] = *sf;
		else if (sf_iface_is_up(ifindex))
			settle_primary(conn, &s, sf, p, others);
	}

	/* After the standby paths' flags were sent: the kernel moves the
	 * data of the subflows closed onto unflagged ones. */
	for (size_t i = 0; i < n_stalled; i++) {
		const struct sf_subflow_info *sf = &s.subflows[i];

		/* Its bench and trial history is not its successor's. */
		if (!sf_stalled_close(conn, sf, "quality", "the other paths"))
			path_forget(qc, &sf->local, &sf->remote);
	}
	if (n_stalled)
		open_subflows(conn, qc, NULL, NULL);
	free(s.subflows);

	forget_unseen(qc);
}

static void round_done(struct sf_conn *conn, void *user_data)
{
	sf_config_quality(&config);
	reconcile(conn);
}

/* --- events --- */

static enum sf_verdict quality_established(struct sf_conn *conn)
{
	struct q_conn *qc;

	if (!sf_conn_client_established(conn))
		return SF_VERDICT_CONTINUE;

	sf_config_quality(&config);
	qc = q_conn_get(conn);
	open_subflows(conn, qc, NULL, NULL);
	reconcile(conn);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict quality_closed(struct sf_conn *conn)
{
	q_conn_drop(conn);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict quality_announced(struct sf_conn *conn, uint8_t id,
					 const struct sf_addr *addr)
{
	if (sf_conn_client_established(conn))
		open_subflows(conn, q_conn_get(conn), NULL, addr);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict quality_sub_changed(struct sf_conn *conn,
					   const struct sf_subflow_info *sf)
{
	reconcile(conn);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict quality_sub_closed(struct sf_conn *conn,
					  const struct sf_subflow_info *sf,
					  int error, uint32_t reset_reason)
{
	struct q_conn *qc = q_conn_find(conn);

	if (qc)
		path_forget(qc, &sf->local, &sf->remote);
	reconcile(conn);
	return SF_VERDICT_CONTINUE;
}

static void reconcile_one(struct sf_conn *conn, void *user_data)
{
	reconcile(conn);
}

static enum sf_verdict quality_iface_changed(int32_t ifindex,
					     const char *ifname)
{
	sf_conn_foreach(SF_PLUGIN_SELF, reconcile_one, NULL);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict quality_iface_policy_changed(int32_t ifindex,
						    const char *ifname,
						    const struct sf_iface_policy *old)
{
	return quality_iface_changed(ifindex, ifname);
}

static void open_on_new_local(struct sf_conn *conn, void *user_data)
{
	if (sf_conn_client_established(conn))
		open_subflows(conn, q_conn_get(conn), user_data, NULL);
}

static enum sf_verdict quality_local_added(const struct sf_local_addr *addr)
{
	sf_conn_foreach(SF_PLUGIN_SELF, open_on_new_local, (void *) addr);
	return SF_VERDICT_CONTINUE;
}

/* The address is gone: its subflows stop counting at once (the scan skips
 * them as closing), then the address is withdrawn from the peer. */
static void local_removed(struct sf_conn *conn, void *user_data)
{
	const struct sf_addr *addr = user_data;
	char buf[SF_ADDR_STRLEN];
	int r;

	if (!sf_conn_client_established(conn))
		return;

	r = sf_conn_withdraw_local_addr(conn, addr);
	if (r < 0)
		sf_log(LOG_INFO, "[%08x] quality: cannot withdraw %s: %s",
		       sf_conn_token(conn), sf_addr_to_str(addr, false, buf),
		       strerror(-r));
	reconcile(conn);
}

static enum sf_verdict quality_local_removed(const struct sf_local_addr *addr)
{
	sf_conn_foreach(SF_PLUGIN_SELF, local_removed, (void *) &addr->addr);
	return SF_VERDICT_CONTINUE;
}

/* The daemon frees the q_conns it keeps for us after this. */
static void quality_exit(void)
{
	sf_health_watch(SF_PLUGIN_SELF, NULL, NULL);
}

static const struct sf_plugin_ops quality_ops = {
	.conn_established = quality_established,
	.conn_closed = quality_closed,
	.addr_announced = quality_announced,
	.subflow_established = quality_sub_changed,
	.subflow_closed = quality_sub_closed,
	.iface_up = quality_iface_changed,
	.iface_down = quality_iface_changed,
	.iface_policy_changed = quality_iface_policy_changed,
	.local_addr_added = quality_local_added,
	.local_addr_removed = quality_local_removed,
};

SF_PLUGIN_DEFINE("quality", 100, SF_PLUGIN_MODE_USERSPACE,
		 SF_PLUGIN_FLAG_ON_DEMAND, NULL,
		 quality_exit, &quality_ops);
