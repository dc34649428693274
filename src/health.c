/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-subflow health from tcp_info samples (see health.h).
 *
 * Each sample is judged on its own ("raw"): stalled when data is in flight
 * and no ACK came for stall-ms, or two RTOs in a row went unanswered; lossy
 * when the retransmitted share of the segments sent since the newest
 * earlier sample SF_HEALTH_LOSS_SPAN_MS old that leaves at least
 * SF_HEALTH_MIN_SEGS segments is above max-loss-percent (a busy path is
 * judged on its last half second, a quiet one over up to
 * SF_HEALTH_LOSS_WINDOW_MS), once the subflow
 * is SF_HEALTH_WARMUP_MS old (slow start overshoots the queue once); slow
 * when the smoothed RTT is max-rtt-ratio times the path's own minimum RTT and
 * min-rtt-increase-ms above it; good when it sent something and is none of
 * these, its loss measured or nothing retransmitted within the window (a
 * trickle of retransmissions is not evidence of health). Anything else
 * gives no judgement.
 *
 * The state reported follows the raw judgements: lossy and slow once
 * SF_HEALTH_BAD_SAMPLES in a row agree (a new connection's slow start
 * overshoots the queue and loses a burst, once), stalled at once (already
 * persistent by its definition), good at once: when to trust a path again
 * is the policy's call, with the state's age (state_ms).
 */
#include <errno.h>
#include <string.h>

#include "health.h"
#include "util.h"

/*
 * Memory, for the "bytes per tracked connection" budget (README,
 * Benchmarks): every subflow of the namespace has an entry, so an entry
 * keeps only what the judgements and readers use, and its samples (the
 * ring) only as far back as loss is judged: SF_HEALTH_LOSS_WINDOW_MS. That
 * is 3 samples at the slow pace (one round a second), 21 at the default
 * [quality] poll-ms; the ring grows to what the pace needs, up to
 * RING_MAX. A connection's entries are a list hanging off the table.
 */
#define RING_MIN 4
#define RING_MAX 64

struct sample {
	uint64_t at_ms;
	uint32_t segs_out;
	uint32_t total_retrans;
};

/* What of the newest tcp_info the judgements and readers use. */
struct last {
	uint64_t bytes_sent;		/* retransmissions included */
	uint64_t bytes_acked;
	uint64_t bytes_received;
	uint32_t rtt_us;
	uint32_t total_retrans;
	uint32_t segs_out;
	uint32_t unacked;
	uint32_t last_data_sent_ms;
	uint32_t last_data_recv_ms;
	uint32_t last_ack_recv_ms;
	uint8_t backoff;
};

struct entry {
	struct entry *next;		/* the connection's next subflow */
	struct sf_health_key key;
	int32_t ifindex;
	unsigned int round;		/* the last round that sampled it */

	struct sample *ring;		/* oldest first from ring_head */
	uint8_t ring_head;
	uint8_t ring_len;
	uint8_t ring_size;

	bool changed;			/* since sf_health_take_changes() */
	uint8_t state;			/* enum sf_health_state */
	uint8_t bad_samples;		/* bad raw judgements in a row, capped */
	struct last last;		/* the newest sample */
	uint64_t last_at_ms;
	uint32_t min_rtt_us;		/* its own minimum; 0: none yet */
	uint32_t loss_permille;		/* of the newest judgement of loss */

	uint64_t state_since_ms;
	uint64_t first_at_ms;		/* its first sample */
};

struct iface_bytes {
	uint64_t sent;
	uint64_t received;
	bool changed;
};

/* The maps are made on first use: an ELL hashmap is 4 kB, empty or not. */
struct sf_health {
	struct sf_quality_config config;
	struct l_hashmap *conns;	/* token -> its first struct entry */
	struct l_hashmap *ifaces;	/* ifindex -> struct iface_bytes */
	unsigned int round;
};

static void entry_free(struct entry *e)
{
	l_free(e->ring);
	l_free(e);
}

/* A connection's entries, from the first. */
static void conn_entries_free(void *data)
{
	struct entry *e = data;

	while (e) {
		struct entry *next = e->next;

		entry_free(e);
		e = next;
	}
}

struct sf_health *sf_health_new(const struct sf_quality_config *config)
{
	struct sf_health *health = l_new(struct sf_health, 1);

	health->config = *config;
	return health;
}

void sf_health_free(struct sf_health *health)
{
	if (!health)
		return;

	l_hashmap_destroy(health->conns, conn_entries_free);
	l_hashmap_destroy(health->ifaces, l_free);
	l_free(health);
}

void sf_health_set_config(struct sf_health *health,
			  const struct sf_quality_config *config)
{
	health->config = *config;
}

const char *sf_health_state_to_str(enum sf_health_state state)
{
	switch (state) {
	case SF_HEALTH_UNKNOWN:
		return "unknown";
	case SF_HEALTH_GOOD:
		return "good";
	case SF_HEALTH_SLOW:
		return "slow";
	case SF_HEALTH_LOSSY:
		return "lossy";
	case SF_HEALTH_STALLED:
		return "stalled";
	}

	return "unknown";
}

static bool entry_match(const struct entry *e,
			const struct sf_health_key *key)
{
	return sf_addr_equal(&e->key.local, &key->local) &&
	       sf_addr_equal(&e->key.remote, &key->remote);
}

static struct entry *entry_find(const struct sf_health *health,
				const struct sf_health_key *key)
{
	struct entry *e = l_hashmap_lookup(health->conns,
					   L_UINT_TO_PTR(key->token));

	while (e && !entry_match(e, key))
		e = e->next;

	return e;
}

static struct entry *entry_get(struct sf_health *health,
			       const struct sf_health_key *key)
{
	struct entry *e = l_hashmap_lookup(health->conns,
					   L_UINT_TO_PTR(key->token));
	struct entry **tail = NULL;

	for (; e; tail = &e->next, e = e->next)
		if (entry_match(e, key))
			return e;

	e = l_new(struct entry, 1);
	e->key = *key;
	e->state = SF_HEALTH_UNKNOWN;
	/* Last, in the order they came; the first is the table's value. */
	if (tail) {
		*tail = e;
		return e;
	}

	if (!health->conns)
		health->conns = l_hashmap_new();
	l_hashmap_insert(health->conns, L_UINT_TO_PTR(key->token), e);
	return e;
}

static const struct sample *ring_at(const struct entry *e, unsigned int i)
{
	return &e->ring[(e->ring_head + i) % e->ring_size];
}

/* Room for size samples (at most RING_MAX), the kept ones first. */
static void ring_resize(struct entry *e, unsigned int size)
{
	struct sample *ring;

	if (size > RING_MAX)
		size = RING_MAX;

	ring = l_new(struct sample, size);
	for (unsigned int i = 0; i < e->ring_len; i++)
		ring[i] = *ring_at(e, i);
	l_free(e->ring);
	e->ring = ring;
	e->ring_size = size;
	e->ring_head = 0;
}

/* Keep s and the samples loss may still be judged over: those at most
 * SF_HEALTH_LOSS_WINDOW_MS older (recent_loss() stops at the first older
 * one); the oldest goes when RING_MAX are kept. */
static void ring_push(struct entry *e, const struct sample *s)
{
	while (e->ring_len &&
	       s->at_ms - ring_at(e, 0)->at_ms > SF_HEALTH_LOSS_WINDOW_MS) {
		e->ring_head = (e->ring_head + 1) % e->ring_size;
		e->ring_len--;
	}

	if (e->ring_len == RING_MAX) {
		e->ring_head = (e->ring_head + 1) % e->ring_size;
		e->ring_len--;
	}

	/* Grow to what the pace needs; shrink when it slowed down. */
	if (e->ring_len == e->ring_size)
		ring_resize(e, e->ring_size ? 2 * e->ring_size : RING_MIN);
	else if (e->ring_size > RING_MIN && 4 * e->ring_len < e->ring_size)
		ring_resize(e, e->ring_size / 2);

	e->ring[(e->ring_head + e->ring_len) % e->ring_size] = *s;
	e->ring_len++;
}

/*
 * The retransmitted share of the segments sent between the newest sample
 * and the newest earlier one at least SF_HEALTH_LOSS_SPAN_MS older that
 * leaves at least SF_HEALTH_MIN_SEGS segments, within the window, in per
 * mille. false: too few segments or samples.
 */
static bool recent_loss(const struct entry *e, uint32_t *ret_permille,
			bool *ret_retransmitted)
{
	const struct sample *now;

	*ret_retransmitted = false;
	if (e->ring_len < 2)
		return false;

	now = ring_at(e, e->ring_len - 1);
	for (unsigned int i = e->ring_len - 1; i-- > 0;) {
		const struct sample *then = ring_at(e, i);
		uint32_t segs = now->segs_out - then->segs_out;
		uint32_t retrans = now->total_retrans - then->total_retrans;

		if (now->at_ms - then->at_ms > SF_HEALTH_LOSS_WINDOW_MS)
			return false;
		*ret_retransmitted = retrans > 0;
		if (segs < SF_HEALTH_MIN_SEGS ||
		    now->at_ms - then->at_ms < SF_HEALTH_LOSS_SPAN_MS)
			continue;

		*ret_permille = retrans >= segs ? 1000 :
				(uint32_t) ((uint64_t) retrans * 1000 / segs);
		return true;
	}

	return false;
}

static bool is_slow(const struct sf_quality_config *config,
		    uint32_t srtt_us, uint32_t min_rtt_us)
{
	uint64_t limit = (uint64_t) min_rtt_us * config->max_rtt_ratio;

	return min_rtt_us && srtt_us > limit &&
	       srtt_us - min_rtt_us >= config->min_rtt_increase_ms * 1000ull;
}

/* The judgement of the newest sample alone; UNKNOWN: no traffic. */
static enum sf_health_state judge(const struct sf_health *health,
				  struct entry *e, bool sent)
{
	const struct sf_quality_config *config = &health->config;
	const struct last *st = &e->last;
	uint32_t permille;
	bool measured, retransmitted;

	if (st->unacked > 0 &&
	    (st->backoff >= 2 || st->last_ack_recv_ms >= config->stall_ms))
		return SF_HEALTH_STALLED;

	measured = recent_loss(e, &permille, &retransmitted);
	if (measured) {
		e->loss_permille = permille;
		if (permille > config->max_loss_percent * 10 &&
		    e->last_at_ms - e->first_at_ms >= SF_HEALTH_WARMUP_MS)
			return SF_HEALTH_LOSSY;
	}

	if (!sent || (!measured && retransmitted))
		return SF_HEALTH_UNKNOWN;

	if (is_slow(config, st->rtt_us, e->min_rtt_us))
		return SF_HEALTH_SLOW;

	return SF_HEALTH_GOOD;
}

/* One more bad raw judgement in a row; how many now (saturating). */
static unsigned int bad_sample(struct entry *e)
{
	if (e->bad_samples < UINT8_MAX)
		e->bad_samples++;
	return e->bad_samples;
}

static void set_state(struct entry *e, enum sf_health_state state,
		      uint64_t now_ms)
{
	if (e->state == state)
		return;

	e->changed = true;
	e->state = state;
	e->state_since_ms = now_ms;
}

static void last_set(struct last *l, const struct sf_subflow_stats *st)
{
	*l = (struct last) {
		.bytes_sent = st->bytes_sent,
		.bytes_acked = st->bytes_acked,
		.bytes_received = st->bytes_received,
		.rtt_us = st->rtt_us,
		.total_retrans = st->total_retrans,
		.segs_out = st->segs_out,
		.unacked = st->unacked,
		.last_data_sent_ms = st->last_data_sent_ms,
		.last_data_recv_ms = st->last_data_recv_ms,
		.last_ack_recv_ms = st->last_ack_recv_ms,
		.backoff = st->backoff,
	};
}

/* Count what e carried since its last sample; on its first (first), what
 * it carried since it opened when from_open, else nothing. */
static void count_bytes(struct sf_health *health, struct entry *e,
			const struct sf_subflow_stats *st, bool first,
			bool from_open)
{
	struct iface_bytes *bytes;
	uint64_t sent = st->bytes_sent ? st->bytes_sent : st->bytes_acked;
	uint64_t old_sent = e->last.bytes_sent ? e->last.bytes_sent :
			    e->last.bytes_acked;

	if (!e->ifindex || (first && !from_open))
		return;

	bytes = l_hashmap_lookup(health->ifaces, L_INT_TO_PTR(e->ifindex));
	if (!bytes) {
		bytes = l_new(struct iface_bytes, 1);
		if (!health->ifaces)
			health->ifaces = l_hashmap_new();
		l_hashmap_insert(health->ifaces, L_INT_TO_PTR(e->ifindex),
				 bytes);
	}

	if (first) {
		bytes->sent += sent;
		bytes->received += st->bytes_received;
		bytes->changed |= sent || st->bytes_received;
		return;
	}

	/* Counters only grow; a smaller one is another socket's. */
	if (sent > old_sent) {
		bytes->sent += sent - old_sent;
		bytes->changed = true;
	}
	if (st->bytes_received > e->last.bytes_received) {
		bytes->received += st->bytes_received - e->last.bytes_received;
		bytes->changed = true;
	}
}

void sf_health_sample(struct sf_health *health, const struct sf_health_key *key,
		      int32_t ifindex, const struct sf_subflow_stats *stats,
		      bool from_open, uint64_t now_ms)
{
	struct entry *e = entry_get(health, key);
	bool first = !e->last_at_ms;
	bool sent = !first && stats->segs_out != e->last.segs_out;
	struct sample s = {
		.at_ms = now_ms,
		.segs_out = stats->segs_out,
		.total_retrans = stats->total_retrans,
	};
	uint32_t min_rtt = stats->min_rtt_us ? stats->min_rtt_us :
			   stats->rtt_us;
	enum sf_health_state raw;

	if (ifindex)
		e->ifindex = ifindex;
	count_bytes(health, e, stats, first, from_open);
	e->changed |= first || stats->bytes_sent != e->last.bytes_sent ||
		      stats->bytes_received != e->last.bytes_received ||
		      stats->rtt_us != e->last.rtt_us;

	e->round = health->round;
	last_set(&e->last, stats);
	e->last_at_ms = now_ms;
	if (min_rtt && (!e->min_rtt_us || min_rtt < e->min_rtt_us))
		e->min_rtt_us = min_rtt;
	ring_push(e, &s);
	if (first) {
		e->state_since_ms = now_ms;
		e->first_at_ms = now_ms;
	}

	raw = judge(health, e, sent);
	switch (raw) {
	case SF_HEALTH_UNKNOWN:
		return;
	case SF_HEALTH_GOOD:
		e->bad_samples = 0;
		set_state(e, raw, now_ms);
		return;
	case SF_HEALTH_STALLED:
		bad_sample(e);
		set_state(e, raw, now_ms);
		return;
	case SF_HEALTH_SLOW:
	case SF_HEALTH_LOSSY:
		if (bad_sample(e) >= SF_HEALTH_BAD_SAMPLES ||
		    e->state == SF_HEALTH_STALLED ||
		    e->state == SF_HEALTH_SLOW || e->state == SF_HEALTH_LOSSY)
			set_state(e, raw, now_ms);
		return;
	}
}

void sf_health_round_begin(struct sf_health *health)
{
	health->round++;
}

/*
 * Drop the connection's entries the round did not sample; true when none
 * is left. The table points at the first entry: when it goes and others
 * stay, the next one moves into its memory.
 */
static bool conn_prune(const void *key, void *value, void *user_data)
{
	const struct sf_health *health = user_data;
	struct entry *first = value, **pp = &first->next, *next;
	struct sample *ring;

	while (*pp) {
		struct entry *e = *pp;

		if (e->round == health->round) {
			pp = &e->next;
			continue;
		}

		*pp = e->next;
		entry_free(e);
	}

	if (first->round == health->round)
		return false;

	next = first->next;
	if (!next) {
		entry_free(first);
		return true;
	}

	ring = first->ring;
	*first = *next;
	l_free(ring);
	l_free(next);
	return false;
}

void sf_health_round_end(struct sf_health *health)
{
	l_hashmap_foreach_remove(health->conns, conn_prune, health);
}

void sf_health_forget_conn(struct sf_health *health, uint32_t token)
{
	conn_entries_free(l_hashmap_remove(health->conns,
					   L_UINT_TO_PTR(token)));
}

static uint32_t age_ms(uint64_t since_ms, uint64_t now_ms)
{
	uint64_t age = now_ms > since_ms ? now_ms - since_ms : 0;

	return age > UINT32_MAX ? UINT32_MAX : (uint32_t) age;
}

static void fill(const struct entry *e, uint64_t now_ms,
		 struct sf_subflow_health *ret)
{
	const struct last *st = &e->last;
	uint32_t idle = st->last_data_sent_ms < st->last_data_recv_ms ?
			st->last_data_sent_ms : st->last_data_recv_ms;

	*ret = (struct sf_subflow_health) {
		.state = e->state,
		.state_ms = age_ms(e->state_since_ms, now_ms),
		.srtt_us = st->rtt_us,
		.min_rtt_us = e->min_rtt_us,
		.loss_permille = e->loss_permille,
		.total_retrans = st->total_retrans,
		.bytes_sent = st->bytes_sent,
		.bytes_acked = st->bytes_acked,
		.bytes_received = st->bytes_received,
		/* Ages grow between samples too. */
		.idle_ms = idle + age_ms(e->last_at_ms, now_ms),
	};
}

int sf_health_get(const struct sf_health *health,
		  const struct sf_health_key *key, uint64_t now_ms,
		  struct sf_subflow_health *ret_health)
{
	const struct entry *e = entry_find(health, key);

	if (!e)
		return -ENOENT;

	fill(e, now_ms, ret_health);
	return 0;
}

void sf_health_foreach_conn(const struct sf_health *health, uint32_t token,
			    uint64_t now_ms, sf_health_func_t func,
			    void *user_data)
{
	const struct entry *e = l_hashmap_lookup(health->conns,
						 L_UINT_TO_PTR(token));

	for (; e; e = e->next) {
		struct sf_subflow_health h;

		fill(e, now_ms, &h);
		func(&e->key, &h, user_data);
	}
}

struct changes_ctx {
	sf_health_token_func_t conn_func;
	sf_health_ifindex_func_t iface_func;
	void *user_data;
};

static void take_conn(const void *key, void *value, void *user_data)
{
	struct changes_ctx *ctx = user_data;
	bool changed = false;

	for (struct entry *e = value; e; e = e->next) {
		changed |= e->changed;
		e->changed = false;
	}

	if (changed)
		ctx->conn_func(L_PTR_TO_UINT(key), ctx->user_data);
}

static void take_iface(const void *key, void *value, void *user_data)
{
	struct changes_ctx *ctx = user_data;
	struct iface_bytes *bytes = value;

	if (!bytes->changed)
		return;

	bytes->changed = false;
	ctx->iface_func(L_PTR_TO_INT(key), ctx->user_data);
}

void sf_health_take_changes(struct sf_health *health,
			    sf_health_token_func_t conn_func,
			    sf_health_ifindex_func_t iface_func,
			    void *user_data)
{
	struct changes_ctx ctx = { conn_func, iface_func, user_data };

	l_hashmap_foreach(health->conns, take_conn, &ctx);
	l_hashmap_foreach(health->ifaces, take_iface, &ctx);
}

void sf_health_iface_bytes(const struct sf_health *health, int32_t ifindex,
			   uint64_t *ret_sent, uint64_t *ret_received)
{
	const struct iface_bytes *bytes =
		l_hashmap_lookup(health->ifaces, L_INT_TO_PTR(ifindex));

	*ret_sent = bytes ? bytes->sent : 0;
	*ret_received = bytes ? bytes->received : 0;
}
