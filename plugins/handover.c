/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * handover: active-standby. Interfaces whose policy says `backup = true`
 * are standby paths, the others primary paths. Subflows go from every
 * eligible primary address to every known remote address of the connection
 * (as fullmesh does); with [core] standby = open, standby addresses get
 * theirs at once, with the backup flag (MP_PRIO), and with standby =
 * on-demand they get none while a primary path works.
 *
 * A primary subflow works when its local port is known, its interface is
 * up, and it is not stalled. Its TCP state (tcp_info, read with sock_diag
 * every HO_POLL_MS) says it is stalled when it has data in flight and
 * HO_STALL_RTOS or more retransmission timeouts in a row without progress
 * (retransmits or backoff), or when it has kept sending without any ACK
 * coming in through polls HO_SILENT_MS apart (which also covers sends that
 * fail locally, when nothing counts as in flight). That is how a silent blackhole is
 * seen, which no event reports; it needs data to send: a subflow that only
 * receives cannot tell silence from an idle peer. A link or address that
 * goes away, or a subflow that dies, is seen at once from its event.
 *
 * When no primary subflow works, the standby paths are promoted at once:
 * their subflows' backup flag is cleared (open), or subflows are opened on
 * them without it (on-demand). When a primary subflow works again, they are
 * demoted: flagged backup again (open) or closed (on-demand), so that a
 * metered link goes idle.
 *
 * A stalled primary subflow is then closed, as soon as a standby subflow is
 * up to take its data, and a new one is opened on its path. The kernel
 * sends the data a subflow holds (sent into the blackhole, or stuck in its
 * queue when sends fail locally) again on another subflow at once only when
 * that subflow closes; left open, it keeps the data until the kernel's own
 * stale-subflow check or TCP's timeout gives up on it, seconds later, and
 * the connection's send window waits for it meanwhile. The new subflow's
 * handshake gets through once the path works again: established, it makes
 * the primary path work again.
 *
 * Only connections we initiated are handled: the client knows its paths.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <subflowd/plugin.h>

#include "stalled.h"

/* How often primary subflows are checked for a silent stall. */
#define HO_POLL_MS 250
/* Retransmission timeouts in a row (with data in flight) that make a stall:
 * one, 0.2 s after the path goes silent at the minimum RTO (as fast as the
 * in-kernel PM's backup takes over). A working path that lost a segment
 * and timed out once only lends the traffic to the standby paths until its
 * next ACK, or, once its subflow was replaced, until the new one is
 * established, a round trip later: either makes it work again. */
#define HO_STALL_RTOS 1
/* Sending without any ACK for this long is a stall too; a working path
 * acknowledges within a round trip (plus 200 ms of delayed ACK). */
#define HO_SILENT_MS 1000

/* A backup flag we asked for, a subflow we are closing, or one seen sending
 * into silence: by local IP and remote IP and port (we open one subflow
 * per such pair). */
struct ho_mark {
	struct sf_addr local;
	struct sf_addr remote;
	bool backup;
	bool closing;
	uint64_t silent_since;	/* now_us(); 0: ACKs come in */
	uint16_t acked_port;	/* the subflow acked was seen on */
	uint64_t acked;		/* its bytes_acked at the last poll */
	/* Its TCP state as the last poll read it (poll_conn()): of the
	 * subflow with local port stats_port; gone: it has no socket. */
	uint16_t stats_port;
	bool gone;
	struct sf_subflow_stats st;
	struct ho_mark *next;
};

/* What handover keeps on a connection (its sf_conn_get_data()). */
struct ho_conn {
	uint32_t token;
	bool promoted;			/* standby paths carry the traffic */
	struct ho_mark *marks;
	unsigned int asking;		/* TCP states the poll waits for */
};

static unsigned int n_conns;		/* struct ho_conn kept */
static struct sf_timer *poll_timer;	/* NULL while n_conns is 0 */

/* Out of memory: give up, as the daemon does. */
static void *ho_zalloc(size_t size)
{
	void *p = calloc(1, size);

	if (!p)
		abort();
	return p;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* The connection's destroy: frees, calls nothing of the daemon's. */
static void ho_conn_free(void *data)
{
	struct ho_conn *hc = data;

	while (hc->marks) {
		struct ho_mark *m = hc->marks;

		hc->marks = m->next;
		free(m);
	}
	free(hc);
	n_conns--;
}

static void poll_fire(struct sf_timer *timer, void *user_data);

static struct ho_conn *ho_conn_get(struct sf_conn *conn)
{
	struct ho_conn *hc = sf_conn_get_data(conn, SF_PLUGIN_SELF);

	if (hc)
		return hc;

	hc = ho_zalloc(sizeof(*hc));
	hc->token = sf_conn_token(conn);
	sf_conn_set_data(conn, SF_PLUGIN_SELF, hc, ho_conn_free);
	n_conns++;

	if (!poll_timer)
		poll_timer = sf_timer_new(HO_POLL_MS, poll_fire, NULL, NULL);
	return hc;
}

static void ho_conn_drop(struct sf_conn *conn)
{
	sf_conn_set_data(conn, SF_PLUGIN_SELF, NULL, NULL);

	if (!n_conns) {
		sf_timer_free(poll_timer);
		poll_timer = NULL;
	}
}

static struct ho_mark **mark_link(struct ho_conn *hc,
				  const struct sf_addr *local,
				  const struct sf_addr *remote)
{
	struct ho_mark **link;

	for (link = &hc->marks; *link; link = &(*link)->next)
		if (sf_addr_ip_equal(&(*link)->local, local) &&
		    sf_addr_equal(&(*link)->remote, remote))
			return link;

	return NULL;
}

static struct ho_mark *mark_find(struct ho_conn *hc, const struct sf_addr *local,
				 const struct sf_addr *remote)
{
	struct ho_mark **link = mark_link(hc, local, remote);

	return link ? *link : NULL;
}

static struct ho_mark *mark_get(struct ho_conn *hc, const struct sf_addr *local,
				const struct sf_addr *remote)
{
	struct ho_mark *m = mark_find(hc, local, remote);

	if (m)
		return m;

	m = ho_zalloc(sizeof(*m));
	m->local = *local;
	m->local.port = 0;
	m->remote = *remote;
	m->next = hc->marks;
	hc->marks = m;
	return m;
}

static void mark_forget(struct ho_conn *hc, const struct sf_addr *local,
			const struct sf_addr *remote)
{
	struct ho_mark **link = mark_link(hc, local, remote);
	struct ho_mark *m;

	if (!link)
		return;

	m = *link;
	*link = m->next;
	free(m);
}

static bool iface_is_standby(int32_t ifindex)
{
	struct sf_iface_policy policy;

	sf_iface_get_policy(ifindex, &policy);
	return policy.backup;
}

static int32_t subflow_ifindex(const struct sf_subflow_info *sf)
{
	return sf->ifindex ? sf->ifindex : sf_local_addr_ifindex(&sf->local);
}

/* --- opening subflows --- */

struct open_ctx {
	struct ho_conn *hc;
	bool standby_too;	/* open on standby addresses as well */
};

static void open_pair(struct sf_conn *conn, const struct sf_local_addr *local,
		      const struct sf_addr *remote, void *user_data)
{
	const struct open_ctx *ctx = user_data;
	uint32_t token = sf_conn_token(conn);
	struct sf_iface_policy policy;
	char lbuf[SF_ADDR_STRLEN], rbuf[SF_ADDR_STRLEN];
	struct ho_mark *m;
	bool backup;
	int r;

	sf_iface_get_policy(local->ifindex, &policy);
	if (!policy.enabled || (policy.backup && !ctx->standby_too))
		return;

	/* A standby path opened while promoted is the active path. */
	backup = policy.backup && !ctx->hc->promoted;
	r = sf_subflow_create(conn, &local->addr, remote, backup,
			      NULL, NULL, NULL);
	if (r > 0) {
		sf_log(LOG_INFO, "[%08x] handover: subflow %s -> %s%s", token,
		       sf_addr_to_str(&local->addr, false, lbuf),
		       sf_addr_to_str(remote, true, rbuf),
		       backup ? " (backup)" : "");
		m = mark_get(ctx->hc, &local->addr, remote);
		m->backup = backup;
		m->closing = false;
		return;
	}

	switch (r) {
	case -EALREADY:
	case -ENOSPC:
	case -EPERM:		/* the peer's initial address, which it forbids */
		break;
	default:
		sf_log(LOG_INFO,
		       "[%08x] handover: cannot create subflow from %s: %s",
		       token, sf_addr_to_str(&local->addr, false, lbuf),
		       strerror(-r));
		break;
	}
}

/*
 * Open the subflows conn should have: on primary addresses always, on
 * standby ones with standby = open or while promoted. local/remote narrow
 * it to one local or remote address (NULL: all).
 */
static void open_subflows(struct sf_conn *conn, struct ho_conn *hc,
			  const struct sf_local_addr *local,
			  const struct sf_addr *remote)
{
	struct open_ctx ctx = {
		.hc = hc,
		.standby_too = sf_config_standby() == SF_STANDBY_OPEN ||
			       hc->promoted,
	};

	sf_conn_foreach_path(conn, local, remote, open_pair, &ctx);
}

/* --- health and the standby paths --- */

static bool subflow_stalled(struct ho_conn *hc,
			    const struct sf_subflow_info *sf,
			    const struct sf_subflow_stats *st)
{
	struct ho_mark *m;

	if (st->unacked > 0 && (st->retransmits >= HO_STALL_RTOS ||
				st->backoff >= HO_STALL_RTOS))
		return true;

	/* Times are ages: data went out after the last ACK came in. For one
	 * round trip after any send from idle that is normal, so only a
	 * silence that lasts from poll to poll counts. */
	if (st->last_ack_recv_ms <= st->last_data_sent_ms) {
		m = mark_find(hc, &sf->local, &sf->remote);
		if (m)
			m->silent_since = 0;
		return false;
	}

	m = mark_get(hc, &sf->local, &sf->remote);
	if (!m->silent_since)
		m->silent_since = now_us();
	return now_us() - m->silent_since >= HO_SILENT_MS * 1000ull;
}

/* Copies of subflows, to act on after a walk of them. */
struct sf_list {
	struct sf_subflow_info *sf;
	unsigned int n;
};

static void sf_list_add(struct sf_list *list, const struct sf_subflow_info *sf)
{
	struct sf_subflow_info *grown;

	grown = realloc(list->sf, (list->n + 1) * sizeof(*grown));
	if (!grown)
		abort();
	list->sf = grown;
	list->sf[list->n++] = *sf;
}

struct scan {
	struct ho_conn *hc;
	bool primary_works;
	struct sf_list standby;		/* the standby subflows */
	struct sf_list stalled;		/* the stalled primary subflows */
};

static void scan_subflow(struct sf_conn *conn, const struct sf_subflow_info *sf,
			 void *user_data)
{
	struct scan *s = user_data;
	int32_t ifindex = subflow_ifindex(sf);
	struct ho_mark *m = mark_find(s->hc, &sf->local, &sf->remote);
	struct sf_subflow_stats st;
	char buf[SF_ADDR_STRLEN];
	bool progressed;

	if (m && m->closing)
		return;

	if (iface_is_standby(ifindex)) {
		if (sf->local.port)
			sf_list_add(&s->standby, sf);
		return;
	}

	if (s->primary_works || !sf->local.port || !sf_iface_is_up(ifindex))
		return;

	/* Not read yet (a new subflow) or unreadable: trust it, as without
	 * the check. */
	if (!m || m->stats_port != sf->local.port) {
		s->primary_works = true;
		return;
	}
	if (m->gone)
		return;
	st = m->st;

	if (subflow_stalled(s->hc, sf, &st)) {
		sf_debug("[%08x] handover: subflow %s stalled: "
			 "%u unacked, %u retransmits, backoff %u, "
			 "last ACK %u ms ago",
			 s->hc->token, sf_addr_to_str(&sf->local, true, buf),
			 st.unacked, st.retransmits, st.backoff,
			 st.last_ack_recv_ms);
		sf_list_add(&s->stalled, sf);
		return;
	}

	/*
	 * While the standby paths carry the traffic, a primary takes it back
	 * only once it shows progress: data acknowledged since the last poll.
	 * One that merely stopped sending into a blackhole (its data moved to
	 * the standby paths) looks idle, not stalled, and would otherwise
	 * take the traffic back into the hole.
	 */
	m = mark_get(s->hc, &sf->local, &sf->remote);
	progressed = m->acked_port == sf->local.port &&
		     st.bytes_acked > m->acked;
	m->acked_port = sf->local.port;
	m->acked = st.bytes_acked;
	if (s->hc->promoted && !progressed)
		return;

	s->primary_works = true;
}

/* Give one standby subflow the flag the connection's state asks for. */
static void settle_standby(struct sf_conn *conn, struct ho_conn *hc,
			   const struct sf_subflow_info *sf)
{
	struct ho_mark *m = mark_find(hc, &sf->local, &sf->remote);
	bool current = m ? m->backup : sf->backup;
	bool want = !hc->promoted;
	char buf[SF_ADDR_STRLEN];
	int r;

	if (want && sf_config_standby() == SF_STANDBY_ON_DEMAND) {
		r = sf_subflow_destroy(conn, &sf->local, &sf->remote, NULL, NULL,
				       NULL);
		if (r < 0) {
			sf_log(LOG_INFO,
			       "[%08x] handover: cannot close standby subflow "
			       "%s: %s", hc->token,
			       sf_addr_to_str(&sf->local, true, buf),
			       strerror(-r));
			return;
		}
		sf_log(LOG_INFO, "[%08x] handover: closing standby subflow %s",
		       hc->token, sf_addr_to_str(&sf->local, true, buf));
		mark_get(hc, &sf->local, &sf->remote)->closing = true;
		return;
	}

	if (current == want)
		return;

	r = sf_subflow_set_backup(conn, &sf->local, &sf->remote, want,
				  NULL, NULL, NULL);
	if (r < 0) {
		sf_log(LOG_INFO,
		       "[%08x] handover: cannot %s subflow %s: %s", hc->token,
		       want ? "demote" : "promote",
		       sf_addr_to_str(&sf->local, true, buf), strerror(-r));
		return;
	}

	sf_log(LOG_INFO, "[%08x] handover: %s subflow %s", hc->token,
	       want ? "demoted" : "promoted",
	       sf_addr_to_str(&sf->local, true, buf));
	mark_get(hc, &sf->local, &sf->remote)->backup = want;
}

/*
 * Bring conn in line: promote the standby paths when no primary subflow
 * works, demote them when one does, and give every standby subflow the
 * flag (or, on demand, the existence) that goes with it. Once a standby
 * subflow is up, replace the stalled primary subflows by new ones.
 */
static void reconcile(struct sf_conn *conn)
{
	struct ho_conn *hc;
	struct scan s;

	if (!sf_conn_client_established(conn))
		return;

	hc = ho_conn_get(conn);
	s = (struct scan) { .hc = hc };
	sf_conn_foreach_subflow(conn, scan_subflow, &s);

	if (s.primary_works == hc->promoted) {
		hc->promoted = !s.primary_works;
		sf_log(LOG_INFO,
		       "[%08x] handover: %s", hc->token, hc->promoted ?
		       "no primary path works, switching to standby paths" :
		       "a primary path works again, standby paths back to "
		       "standby");
		/* Open what is missing on the standby paths at once. */
		if (hc->promoted)
			open_subflows(conn, hc, NULL, NULL);
	}

	for (unsigned int i = 0; i < s.standby.n; i++)
		settle_standby(conn, hc, &s.standby.sf[i]);

	/* After the promotion was sent: the kernel moves the data of the
	 * subflows we close onto unflagged standby subflows. */
	if (hc->promoted && s.standby.n && s.stalled.n) {
		for (unsigned int i = 0; i < s.stalled.n; i++) {
			const struct sf_subflow_info *sf = &s.stalled.sf[i];

			/* Its stall history is not its successor's. */
			if (!sf_stalled_close(conn, sf, "handover",
					      "the standby paths"))
				mark_forget(hc, &sf->local, &sf->remote);
		}
		open_subflows(conn, hc, NULL, NULL);
	}

	free(s.standby.sf);
	free(s.stalled.sf);
}

/* One TCP state the poll asked for. */
struct ask {
	struct sf_conn *conn;
	struct sf_addr local;
	struct sf_addr remote;
};

/* The last answer of a poll reconciles the connection. A connection that
 * closed ends its queries with -ECANCELED first: conn is valid otherwise. */
static void stats_answered(int error, const struct sf_subflow_stats *stats,
			   void *user_data)
{
	const struct ask *a = user_data;
	struct ho_conn *hc;
	struct ho_mark *m;
	char buf[SF_ADDR_STRLEN];

	if (error == -ECANCELED)
		return;

	hc = sf_conn_get_data(a->conn, SF_PLUGIN_SELF);
	if (!hc)
		return;		/* handed to another policy */

	m = mark_get(hc, &a->local, &a->remote);
	m->stats_port = 0;
	m->gone = error == -ENOENT;
	if (!error || m->gone) {
		m->stats_port = a->local.port;
		if (stats)
			m->st = *stats;
	} else {
		sf_debug("[%08x] handover: no TCP state for %s: %s",
			 hc->token, sf_addr_to_str(&a->local, true, buf),
			 strerror(-error));
	}

	if (hc->asking && !--hc->asking)
		reconcile(a->conn);
}

/* Ask for the TCP state of a primary subflow that scan_subflow() reads. */
static void ask_subflow(struct sf_conn *conn, const struct sf_subflow_info *sf,
			void *user_data)
{
	struct ho_conn *hc = user_data;
	struct ho_mark *m = mark_find(hc, &sf->local, &sf->remote);
	int32_t ifindex = subflow_ifindex(sf);
	struct ask *a;

	if ((m && m->closing) || iface_is_standby(ifindex) ||
	    !sf->local.port || !sf_iface_is_up(ifindex))
		return;

	a = ho_zalloc(sizeof(*a));
	a->conn = conn;
	a->local = sf->local;
	a->remote = sf->remote;
	if (sf_subflow_query_stats(conn, sf, stats_answered, a, free) < 0) {
		free(a);
		return;
	}
	hc->asking++;
}

/* Read the primary subflows' TCP state; reconcile once it is in. */
static void poll_conn(struct sf_conn *conn, void *user_data)
{
	struct ho_conn *hc;

	if (!sf_conn_client_established(conn)) {
		reconcile(conn);
		return;
	}

	hc = ho_conn_get(conn);
	if (hc->asking)
		return;		/* the last poll's answers are on their way */

	sf_conn_foreach_subflow(conn, ask_subflow, hc);
	if (!hc->asking)
		reconcile(conn);
}

static void poll_fire(struct sf_timer *timer, void *user_data)
{
	sf_conn_foreach(SF_PLUGIN_SELF, poll_conn, NULL);

	/* Connections handed to another policy took their state with them
	 * (the daemon dropped it). */
	if (!n_conns) {
		sf_timer_free(poll_timer);
		poll_timer = NULL;
		return;
	}

	sf_timer_modify(timer, HO_POLL_MS);
}

/* --- events --- */

static enum sf_verdict handover_established(struct sf_conn *conn)
{
	if (!sf_conn_client_established(conn))
		return SF_VERDICT_CONTINUE;

	open_subflows(conn, ho_conn_get(conn), NULL, NULL);
	reconcile(conn);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict handover_closed(struct sf_conn *conn)
{
	ho_conn_drop(conn);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict handover_announced(struct sf_conn *conn, uint8_t id,
					  const struct sf_addr *addr)
{
	struct sf_addr remote = *addr;

	if (!sf_conn_client_established(conn))
		return SF_VERDICT_CONTINUE;

	if (!remote.port)
		remote.port = sf_conn_remote(conn)->port;
	open_subflows(conn, ho_conn_get(conn), NULL, &remote);
	return SF_VERDICT_CONTINUE;
}

struct pair_count {
	const struct sf_addr *local;
	const struct sf_addr *remote;
	unsigned int n;			/* its subflows with a local port */
};

static void count_pair(struct sf_conn *conn, const struct sf_subflow_info *sf,
		       void *user_data)
{
	struct pair_count *p = user_data;

	if (sf->local.port && sf_addr_ip_equal(&sf->local, p->local) &&
	    sf_addr_equal(&sf->remote, p->remote))
		p->n++;
}

/*
 * One subflow per pair. A second can come up when the path's address or
 * link goes while its subflow is being opened (a stalled one just
 * replaced, say): the daemon forgets that attempt and opens another once the
 * path is back, but the kernel completes both. The newcomer is closed.
 */
static enum sf_verdict handover_sub_established(struct sf_conn *conn,
						const struct sf_subflow_info *sf)
{
	struct pair_count p = { .local = &sf->local, .remote = &sf->remote };
	char buf[SF_ADDR_STRLEN];
	int r;

	if (sf_conn_client_established(conn)) {
		sf_conn_foreach_subflow(conn, count_pair, &p);
		if (p.n > 1) {
			r = sf_subflow_destroy(conn, &sf->local, &sf->remote,
					       NULL, NULL, NULL);
			sf_log(LOG_INFO, "[%08x] handover: %s extra subflow %s",
			       sf_conn_token(conn),
			       r < 0 ? "cannot close" : "closing",
			       sf_addr_to_str(&sf->local, true, buf));
		}
	}

	reconcile(conn);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict handover_sub_closed(struct sf_conn *conn,
					   const struct sf_subflow_info *sf,
					   int error, uint32_t reset_reason)
{
	struct ho_conn *hc = sf_conn_get_data(conn, SF_PLUGIN_SELF);

	if (hc)
		mark_forget(hc, &sf->local, &sf->remote);
	reconcile(conn);
	return SF_VERDICT_CONTINUE;
}

static void reconcile_one(struct sf_conn *conn, void *user_data)
{
	reconcile(conn);
}

static enum sf_verdict handover_iface_changed(int32_t ifindex,
					      const char *ifname)
{
	sf_conn_foreach(SF_PLUGIN_SELF, reconcile_one, NULL);
	return SF_VERDICT_CONTINUE;
}

/* `backup` (which paths stand by) or `subflows` changed: what is opened
 * and which subflow carries the backup flag follow at once. */
static void refit(struct sf_conn *conn, void *user_data)
{
	if (!sf_conn_client_established(conn))
		return;

	open_subflows(conn, ho_conn_get(conn), NULL, NULL);
	reconcile(conn);
}

static enum sf_verdict handover_policy_changed(int32_t ifindex,
					       const char *ifname,
					       const struct sf_iface_policy *old)
{
	sf_conn_foreach(SF_PLUGIN_SELF, refit, NULL);
	return SF_VERDICT_CONTINUE;
}

static void open_on_new_local(struct sf_conn *conn, void *user_data)
{
	if (sf_conn_client_established(conn))
		open_subflows(conn, ho_conn_get(conn), user_data, NULL);
}

static enum sf_verdict handover_local_added(const struct sf_local_addr *addr)
{
	sf_conn_foreach(SF_PLUGIN_SELF, open_on_new_local, (void *)addr);
	return SF_VERDICT_CONTINUE;
}

struct drop_ctx {
	const struct sf_addr *addr;
	struct sf_list victims;		/* its subflows */
};

static void collect_on_addr(struct sf_conn *conn,
			    const struct sf_subflow_info *sf, void *user_data)
{
	struct drop_ctx *ctx = user_data;

	if (sf_addr_ip_equal(&sf->local, ctx->addr) && sf->local.port)
		sf_list_add(&ctx->victims, sf);
}

/*
 * The address is gone: its subflows stop counting as working at once, so
 * the standby paths are promoted first (the kernel then moves the data of
 * the subflows we close straight onto them); then the address is withdrawn
 * from the peer and its subflows closed.
 */
static void local_removed(struct sf_conn *conn, void *user_data)
{
	struct drop_ctx ctx = { .addr = user_data };
	uint32_t token = sf_conn_token(conn);
	struct ho_conn *hc;
	char buf[SF_ADDR_STRLEN];
	int r;

	if (!sf_conn_client_established(conn))
		return;

	hc = ho_conn_get(conn);
	sf_conn_foreach_subflow(conn, collect_on_addr, &ctx);
	for (unsigned int i = 0; i < ctx.victims.n; i++)
		mark_get(hc, &ctx.victims.sf[i].local,
			 &ctx.victims.sf[i].remote)->closing = true;
	free(ctx.victims.sf);

	reconcile(conn);

	r = sf_conn_withdraw_local_addr(conn, ctx.addr);
	if (r < 0)
		sf_log(LOG_INFO,
		       "[%08x] handover: cannot withdraw %s: %s", token,
		       sf_addr_to_str(ctx.addr, false, buf), strerror(-r));
}

static enum sf_verdict handover_local_removed(const struct sf_local_addr *addr)
{
	sf_conn_foreach(SF_PLUGIN_SELF, local_removed, (void *)&addr->addr);
	return SF_VERDICT_CONTINUE;
}

/* The daemon drops the connections' state after exit. */
static void handover_exit(void)
{
	sf_timer_free(poll_timer);
	poll_timer = NULL;
}

static const struct sf_plugin_ops handover_ops = {
	.conn_established = handover_established,
	.conn_closed = handover_closed,
	.addr_announced = handover_announced,
	.subflow_established = handover_sub_established,
	.subflow_closed = handover_sub_closed,
	.iface_up = handover_iface_changed,
	.iface_down = handover_iface_changed,
	.local_addr_added = handover_local_added,
	.local_addr_removed = handover_local_removed,
	.iface_policy_changed = handover_policy_changed,
};

SF_PLUGIN_DEFINE("handover", 100, SF_PLUGIN_MODE_USERSPACE,
		 SF_PLUGIN_FLAG_ON_DEMAND, NULL,
		 handover_exit, &handover_ops);
