/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-subflow health: an engine fed with tcp_info samples (healthmon.c reads
 * them with sock_diag) that judges each subflow good, slow, lossy or stalled
 * against the [quality] thresholds, and counts the bytes each interface
 * carried. Pure state: no sockets, no clock (callers pass the time).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <ell/ell.h>

#include <subflowd/addr.h>
#include <subflowd/plugin.h>

/* Loss is judged over the newest samples that span this long and hold
 * this many segments (a queue that overflows loses a burst within one
 * round trip; a lossy path keeps losing)... */
#define SF_HEALTH_LOSS_SPAN_MS 300
#define SF_HEALTH_MIN_SEGS 30
/* ... within this long; fewer segments: no judgement of loss. */
#define SF_HEALTH_LOSS_WINDOW_MS 2000
/* A subflow's loss is judged from this age on: slow start overshoots. */
#define SF_HEALTH_WARMUP_MS 2000
/* Lossy or slow raw judgements in a row that make the state. */
#define SF_HEALTH_BAD_SAMPLES 2

struct sf_health;

/* Which subflow: its connection's token and its 4-tuple (ports set). */
struct sf_health_key {
	uint32_t token;
	struct sf_addr local;
	struct sf_addr remote;
};

struct sf_health *sf_health_new(const struct sf_quality_config *config);
void sf_health_free(struct sf_health *health);
DEFINE_CLEANUP_FUNC(sf_health_free);

/* New thresholds (copied); they apply from the next sample on. */
void sf_health_set_config(struct sf_health *health,
			  const struct sf_quality_config *config);

/*
 * One sample of a subflow, taken at now_ms (a monotonic clock). ifindex is
 * its local interface (0: unknown): the bytes it sent and received since
 * its previous sample count to it. For its first sample: since it opened
 * when from_open (watched from its start), else none (this sample is
 * where counting starts: a subflow watched again after being forgotten
 * must not count its past twice).
 */
void sf_health_sample(struct sf_health *health, const struct sf_health_key *key,
		      int32_t ifindex, const struct sf_subflow_stats *stats,
		      bool from_open, uint64_t now_ms);

/*
 * A round of samples that covers every subflow of the namespace: subflows
 * not sampled between begin and end are gone and are forgotten at the end
 * (the bytes they carried stay counted).
 */
void sf_health_round_begin(struct sf_health *health);
void sf_health_round_end(struct sf_health *health);

/* Forget the subflows of one connection (it closed). */
void sf_health_forget_conn(struct sf_health *health, uint32_t token);

/* The judgement of one subflow at now_ms. 0, or -ENOENT: never sampled. */
int sf_health_get(const struct sf_health *health,
		  const struct sf_health_key *key, uint64_t now_ms,
		  struct sf_subflow_health *ret_health);

/* Every sampled subflow of the connection token, in no set order. */
typedef void (*sf_health_func_t)(const struct sf_health_key *key,
				 const struct sf_subflow_health *health,
				 void *user_data);
void sf_health_foreach_conn(const struct sf_health *health, uint32_t token,
			    uint64_t now_ms, sf_health_func_t func,
			    void *user_data);

/*
 * Report what changed since the last call: conn_func once for each
 * connection with a subflow whose state or figures changed (or that is
 * new), iface_func once for each interface whose byte counters grew.
 * Neither may change health.
 */
typedef void (*sf_health_token_func_t)(uint32_t token, void *user_data);
typedef void (*sf_health_ifindex_func_t)(int32_t ifindex, void *user_data);
void sf_health_take_changes(struct sf_health *health,
			    sf_health_token_func_t conn_func,
			    sf_health_ifindex_func_t iface_func,
			    void *user_data);

/* Bytes sent and received over subflows of interface ifindex, ever. */
void sf_health_iface_bytes(const struct sf_health *health, int32_t ifindex,
			   uint64_t *ret_sent, uint64_t *ret_received);

