/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The health monitor (healthmon.h): rounds of sock_diag reads of every
 * subflow, fed to the health engine; and the plugin API of path health
 * (sf_config_quality(), sf_subflow_get_health(), sf_health_watch()).
 *
 * One round is one read of every MPTCP subflow of the namespace with its
 * tcp_info (an asynchronous sock_diag dump on the daemon's one socket), so
 * its cost does not grow with the number of connections a policy watches;
 * a round is never started while the last one is still being read. Only
 * the monitored subflows (healthmon.h) reach the engine: the others are
 * forgotten at the end of the round, as closed ones are.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "healthmon.h"
#include "sockdiag.h"
#include "util.h"

struct watch {
	const struct sf_plugin_desc *plugin;
	sf_conn_func_t func;
	void *user_data;
};

/* A connection someone asked about (sf_healthmon_observe()). */
struct observed {
	uint32_t token;
	uint64_t until_ms;
};

/* Interfaces that are metered this round; a few at most. */
#define METERED_MAX 16

struct healthmon {
	struct sf_health *health;
	struct l_timeout *timer;
	uint64_t next_round_ms;		/* when the timer fires next */
	uint64_t last_round_ms;		/* when the last round started: its
					 * samples' time */
	struct l_queue *watches;	/* struct watch */
	struct l_queue *observed;	/* struct observed, oldest ask first */
	int32_t metered[METERED_MAX];
	unsigned int n_metered;
	unsigned int query;		/* the round being read; 0: none */
	uint64_t notified_ms;		/* the listener last ran */
};

static struct healthmon *mon;
/* Kept across start and stop: the listener may come first. */
static const struct sf_healthmon_listener *listener;
static void *listener_data;

uint64_t sf_healthmon_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct sf_quality_config *quality(void)
{
	return &sf_daemon_config(sf_daemon_get())->quality;
}

static void timer_set(unsigned int ms)
{
	l_timeout_modify_ms(mon->timer, ms);
	mon->next_round_ms = sf_healthmon_now_ms() + ms;
}

static unsigned int next_round_ms(void)
{
	return l_queue_isempty(mon->watches) ? SF_HEALTHMON_SLOW_MS :
	       quality()->poll_ms;
}

/* --- what is monitored ------------------------------------------------------ */

static bool watch_of(const void *data, const void *user_data)
{
	const struct watch *w = data;

	return w->plugin == user_data;
}

static bool observed_is(const void *data, const void *user_data)
{
	return ((const struct observed *)data)->token == L_PTR_TO_UINT(user_data);
}

static bool observed_expired(void *data, void *user_data)
{
	struct observed *o = data;

	if (o->until_ms > *(const uint64_t *)user_data)
		return false;

	l_free(o);
	return true;
}

static void metered_add(int32_t ifindex, const char *ifname, bool up,
			void *user_data)
{
	struct sf_iface_policy policy;

	if (mon->n_metered == METERED_MAX)
		return;

	sf_iface_get_policy(ifindex, &policy);
	if (policy.metered)
		mon->metered[mon->n_metered++] = ifindex;
}

/* Which interfaces are metered, for this round's samples. */
static void metered_update(void)
{
	mon->n_metered = 0;
	sf_iface_table_foreach_link(sf_daemon_ifaces(sf_daemon_get()),
				    metered_add, NULL);
}

static bool is_metered(int32_t ifindex)
{
	for (unsigned int i = 0; i < mon->n_metered; i++)
		if (mon->metered[i] == ifindex)
			return true;

	return false;
}

/* Could any subflow be monitored this round? */
static bool anything_monitored(void)
{
	return !l_queue_isempty(mon->watches) ||
	       !l_queue_isempty(mon->observed) || mon->n_metered;
}

enum monitored {
	NOT_MONITORED,
	MONITORED_FROM_NOW,	/* asked about: its bytes count from now */
	MONITORED_FROM_OPEN,	/* watched or metered, from its start */
};

/* Is this subflow monitored (see healthmon.h), and since when? */
static enum monitored monitored(uint32_t token, int32_t ifindex)
{
	struct sf_conn *conn = NULL;

	if (is_metered(ifindex))
		return MONITORED_FROM_OPEN;

	if (!l_queue_isempty(mon->watches))
		conn = sf_conn_table_lookup(sf_daemon_conns(sf_daemon_get()),
					    token);
	if (conn && l_queue_find(mon->watches, watch_of,
				 sf_conn_get_policy(conn)))
		return MONITORED_FROM_OPEN;

	if (l_queue_find(mon->observed, observed_is, L_UINT_TO_PTR(token)))
		return MONITORED_FROM_NOW;

	return NOT_MONITORED;
}

void sf_healthmon_observe(uint32_t token)
{
	uint64_t now = sf_healthmon_now_ms();
	struct observed *o;
	uint64_t at;

	if (!mon)
		return;

	o = l_queue_remove_if(mon->observed, observed_is, L_UINT_TO_PTR(token));
	if (o) {
		/* Asked again: the newest ask, kept longest. */
		o->until_ms = now + SF_HEALTHMON_OBSERVE_MS;
		l_queue_push_tail(mon->observed, o);
		return;
	}

	if (l_queue_length(mon->observed) >= SF_HEALTHMON_OBSERVE_MAX)
		l_free(l_queue_pop_head(mon->observed));
	o = l_new(struct observed, 1);
	*o = (struct observed) { token, now + SF_HEALTHMON_OBSERVE_MS };
	l_queue_push_tail(mon->observed, o);

	/* Soon, but asks never make the rounds faster than the slow pace. */
	at = now + SF_HEALTHMON_ASK_MS;
	if (at < mon->last_round_ms + SF_HEALTHMON_SLOW_MS)
		at = mon->last_round_ms + SF_HEALTHMON_SLOW_MS;
	if (mon->next_round_ms > at)
		timer_set(at - now);
}

/* --- one round ------------------------------------------------------------ */

static void sample_sock(const struct sf_sockdiag_sock *sock, uint16_t protocol,
			void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();
	struct sf_health_key key;
	enum monitored how;
	int32_t ifindex;

	if (protocol != IPPROTO_TCP || !sock->is_subflow ||
	    !sock->has_tcp_info)
		return;

	ifindex = sf_iface_table_find_addr(sf_daemon_ifaces(d), &sock->local);
	how = monitored(sock->subflow_token, ifindex);
	if (how == NOT_MONITORED)
		return;

	key = (struct sf_health_key) {
		.token = sock->subflow_token,
		.local = sock->local,
		.remote = sock->remote,
	};
	sf_health_sample(mon->health, &key, ifindex, &sock->tcp,
			 how == MONITORED_FROM_OPEN, mon->last_round_ms);
}

static void notify_conn(uint32_t token, void *user_data)
{
	if (listener && listener->conn_changed)
		listener->conn_changed(token, listener_data);
}

static void notify_iface(int32_t ifindex, void *user_data)
{
	if (listener && listener->iface_changed)
		listener->iface_changed(ifindex, listener_data);
}

static void run_watches(void)
{
	/* A watch may end others (or itself) while they run. */
	struct l_queue *now = l_queue_new();
	const struct l_queue_entry *qe;
	struct watch *w;

	for (qe = l_queue_get_entries(mon->watches); qe; qe = qe->next)
		l_queue_push_tail(now, l_memdup(qe->data, sizeof(*w)));

	while (mon && (w = l_queue_pop_head(now))) {
		bool still = false;

		for (qe = l_queue_get_entries(mon->watches); qe; qe = qe->next)
			still |= !memcmp(qe->data, w, sizeof(*w));
		if (still)
			sf_conn_foreach(w->plugin, w->func, w->user_data);
		l_free(w);
	}
	l_queue_destroy(now, l_free);
}

static void round_done(int error, void *user_data)
{
	uint64_t now = sf_healthmon_now_ms();

	mon->query = 0;
	if (error < 0) {
		/* Nothing is judged on a partial read; try next time. */
		l_debug("health: reading the subflows failed: %s",
			strerror(-error));
		return;
	}

	sf_health_round_end(mon->health);

	if (now - mon->notified_ms >= SF_HEALTHMON_SLOW_MS) {
		mon->notified_ms = now;
		sf_health_take_changes(mon->health, notify_conn, notify_iface,
				       NULL);
	}

	run_watches();
}

/*
 * Read every subflow, asynchronously: sample_sock for each, then
 * round_done once. Samples carry the time the round started
 * (last_round_ms).
 */
static int read_subflows(void)
{
	int r;

	r = sf_sockdiag_query_list(sf_daemon_sockdiag(sf_daemon_get()),
				   sample_sock, round_done, NULL, NULL);
	if (r < 0)
		return r;

	mon->query = r;
	return 0;
}

static void round_fire(struct l_timeout *timeout, void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();
	uint64_t now = sf_healthmon_now_ms();
	int r;

	timer_set(next_round_ms());

	if (mon->query)
		return;

	sf_health_set_config(mon->health, quality());
	l_queue_foreach_remove(mon->observed, observed_expired, &now);
	metered_update();

	/* Nothing to sample: forget the last ones at no cost. */
	if (!sf_conn_table_count(sf_daemon_conns(d)) || !anything_monitored()) {
		sf_health_round_begin(mon->health);
		sf_health_round_end(mon->health);
		return;
	}

	sf_health_round_begin(mon->health);
	mon->last_round_ms = now;
	r = read_subflows();
	if (r < 0)
		l_debug("health: cannot read the subflows: %s", strerror(-r));
}

/* --- life ------------------------------------------------------------------- */

int sf_healthmon_start(void)
{
	if (mon)
		return -EALREADY;

	mon = l_new(struct healthmon, 1);
	mon->health = sf_health_new(quality());
	mon->watches = l_queue_new();
	mon->observed = l_queue_new();
	mon->timer = l_timeout_create_ms(SF_HEALTHMON_SLOW_MS, round_fire,
					 NULL, NULL);
	mon->next_round_ms = sf_healthmon_now_ms() + SF_HEALTHMON_SLOW_MS;
	if (!mon->timer) {
		sf_healthmon_stop();
		return -ENOMEM;
	}

	return 0;
}

void sf_healthmon_stop(void)
{
	if (!mon)
		return;

	if (mon->query)
		sf_sockdiag_cancel(sf_daemon_sockdiag(sf_daemon_get()),
				   mon->query);
	l_timeout_remove(mon->timer);
	l_queue_destroy(mon->watches, l_free);
	l_queue_destroy(mon->observed, l_free);
	sf_health_free(mon->health);
	l_free(mon);
	mon = NULL;
}

const struct sf_health *sf_healthmon_health(void)
{
	return mon ? mon->health : NULL;
}

void sf_healthmon_set_listener(const struct sf_healthmon_listener *l,
			       void *user_data)
{
	listener = l;
	listener_data = user_data;
}

/* --- the plugin API -------------------------------------------------------- */

void sf_config_quality(struct sf_quality_config *ret_config)
{
	*ret_config = *quality();
}

int sf_subflow_get_health(struct sf_conn *conn,
			  const struct sf_subflow_info *sf,
			  struct sf_subflow_health *ret_health)
{
	struct sf_health_key key = {
		.token = sf_conn_token(conn),
		.local = sf->local,
		.remote = sf->remote,
	};

	if (!mon || !sf->local.port || !sf->remote.port)
		return -ENOENT;

	return sf_health_get(mon->health, &key, sf_healthmon_now_ms(),
			     ret_health);
}

void sf_health_watch(const struct sf_plugin_desc *plugin, sf_conn_func_t func,
		     void *user_data)
{
	struct watch *w;
	bool was_idle;

	if (!mon || !plugin)
		return;

	was_idle = l_queue_isempty(mon->watches);
	l_free(l_queue_remove_if(mon->watches, watch_of, plugin));
	if (!func)
		return;

	w = l_new(struct watch, 1);
	*w = (struct watch) { plugin, func, user_data };
	l_queue_push_tail(mon->watches, w);

	/* From the slow pace to the fast one now, not after a slow wait. */
	if (was_idle)
		timer_set(quality()->poll_ms);
}
