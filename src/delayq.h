/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A delay line of tokens: each token pushed is handed back once, in the
 * order pushed, at least delay_ms later and at most a quarter more: the
 * one timer for the lot fires at most four times per delay, at any rate
 * of pushes. A ring of (token, due time) pairs: a push allocates nothing
 * once the ring has grown to the rate times the delay, and a drained ring
 * gives its memory back.
 */
#pragma once

#include <stdint.h>

struct sf_delayq;

/* token's delay has passed. May push more. */
typedef void (*sf_delayq_func_t)(uint32_t token, void *user_data);

struct sf_delayq *sf_delayq_new(unsigned int delay_ms, sf_delayq_func_t due,
				void *user_data);
/* Drops what is still waiting, without calling due. */
void sf_delayq_free(struct sf_delayq *q);
void sf_delayq_push(struct sf_delayq *q, uint32_t token);
/* Tokens still waiting. */
unsigned int sf_delayq_count(const struct sf_delayq *q);
