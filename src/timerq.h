/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One-shot timers, any number of them, on a single ELL timeout.
 *
 * ELL 0.56 gives every l_timeout a timerfd of its own, and its loop
 * watches only file descriptors below 128: a timer per connection or per
 * path would stop firing, silently, once a hundred or so were armed at
 * once. Every timer whose count grows with the load (re-creations, plugin
 * timers) is therefore one of these: they wait in a binary min-heap by
 * deadline, and one l_timeout is armed for the earliest. Arming and
 * disarming cost O(log n) and allocate nothing once the heap has grown;
 * nothing can fail.
 *
 * Like ELL's loop the heap is per process, for the ELL main loop. It holds
 * its l_timeout only while a timer is armed.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct sf_timerq_timer;

/* timer's deadline has come. It is disarmed; func may arm it again, arm or
 * disarm others, or free the memory that holds it. */
typedef void (*sf_timerq_func_t)(struct sf_timerq_timer *timer);

/* Embed it in the owner (container_of in func); zero it or call
 * sf_timerq_init() before first use. Never free or move an armed one. */
struct sf_timerq_timer {
	sf_timerq_func_t func;
	uint64_t due;			/* l_time_now() */
	unsigned int slot;		/* 1 + its index in the heap; 0: idle */
};

static inline void sf_timerq_init(struct sf_timerq_timer *timer,
				  sf_timerq_func_t func)
{
	*timer = (struct sf_timerq_timer) { .func = func };
}

/* (Re-)arm timer: func runs once, ms milliseconds from now, at the loop's
 * first chance after that. ms 0 means as soon as the loop runs, but never
 * from inside this call, nor twice within one firing round. */
void sf_timerq_arm(struct sf_timerq_timer *timer, unsigned int ms);

/* Disarm timer; no-op when idle. */
void sf_timerq_disarm(struct sf_timerq_timer *timer);

static inline bool sf_timerq_armed(const struct sf_timerq_timer *timer)
{
	return timer->slot != 0;
}

/* Timers armed in the process (for tests). */
unsigned int sf_timerq_count(void);
