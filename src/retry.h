/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine: re-creating subflows that died with an error, with exponential
 * backoff. Every userspace policy gets this for free: when a subflow closes
 * with an error (the peer reset it, it timed out, `ss -K` killed it), the
 * same path is tried again after 1 s, 2 s, 4 s ... up to SF_RETRY_MAX_DELAY_MS
 * (when the path was unreachable: at once, then 100 ms, 200 ms ...),
 * at most SF_RETRY_MAX_ATTEMPTS times in a row (about 3 minutes), then the
 * path is given up until its local address comes back or the policy opens
 * it again. A subflow that then lives for SF_RETRY_STABLE_MS earns a fresh
 * start. Extra subflows on one address pair come back too: a path
 * remembers how many subflows its pair carried. No sockets; timers only.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <ell/ell.h>

#include <subflowd/addr.h>

#define SF_RETRY_FIRST_DELAY_MS 1000
/* A path that was unreachable is tried again sooner: typically its link has
 * just come back, and the join died on a neighbour entry whose probes ran
 * out while the link was down. The next join starts a fresh resolution, so
 * the first retry goes at once (SF_RETRY_AT_ONCE_MS), the next ones from
 * SF_RETRY_FIRST_DELAY_SOON_MS. A join the kernel refused with ENOTCONN
 * is tried again from SF_RETRY_FIRST_DELAY_SOON_MS too: the connection was
 * not fully established yet (the ESTABLISHED event can come before the
 * kernel takes joins, while the application holds its socket), and
 * will be in a moment. */
#define SF_RETRY_AT_ONCE_MS 10
#define SF_RETRY_FIRST_DELAY_SOON_MS 100
#define SF_RETRY_MAX_DELAY_MS 30000
#define SF_RETRY_MAX_ATTEMPTS 10
#define SF_RETRY_STABLE_MS 30000

/*
 * Time to re-create: bring the pair local -> remote back to want subflows
 * (the first from a pair without one, the others as extra subflows on new
 * source ports). Return 0 when sent; a negative errno drops the path from
 * the retry list (the connection, the local address or the peer's address
 * is gone, or the pair has its subflows again).
 */
typedef int (*sf_retry_fire_func_t)(uint32_t token, const struct sf_addr *local,
				    const struct sf_addr *remote, bool backup,
				    unsigned int want, void *user_data);

struct sf_retry;

struct sf_retry *sf_retry_new(sf_retry_fire_func_t fire, void *user_data);
void sf_retry_free(struct sf_retry *retry);
DEFINE_CLEANUP_FUNC(sf_retry_free);

/* Delay before attempt number attempt (1-based) after a close with
 * error (a positive errno). Pure. */
unsigned int sf_retry_delay_ms(unsigned int attempt, int error);

/*
 * A subflow of token from local to remote (port included) failed with
 * error (a positive errno; 0: it closed for good, and the path is
 * forgotten). want is how many subflows the pair is to carry again (those
 * it still has, plus this one). Returns the delay scheduled in ms; 0 when
 * nothing new was scheduled (error 0, or a retry of the pair is pending
 * already, which then brings back this one too); -ETIMEDOUT when the path
 * failed SF_RETRY_MAX_ATTEMPTS times in a row and is given up.
 */
int sf_retry_subflow_closed(struct sf_retry *retry, uint32_t token,
			    const struct sf_addr *local,
			    const struct sf_addr *remote, bool backup,
			    unsigned int want, int error);

/* The path's subflow is up again: stop counting its failures once it has
 * lived SF_RETRY_STABLE_MS. */
void sf_retry_subflow_established(struct sf_retry *retry, uint32_t token,
				  const struct sf_addr *local,
				  const struct sf_addr *remote);

/* Forget every path of this connection. */
void sf_retry_conn_closed(struct sf_retry *retry, uint32_t token);
/* Forget every path from this local address (it went away). */
void sf_retry_addr_gone(struct sf_retry *retry, const struct sf_addr *local);
/* Forget every path of token to this remote IP (the peer withdrew it). */
void sf_retry_remote_gone(struct sf_retry *retry, uint32_t token,
			  const struct sf_addr *remote);

/* Paths waiting for their timer. */
unsigned int sf_retry_pending(const struct sf_retry *retry);
