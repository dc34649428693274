/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ell/ell.h>

#include "delayq.h"

/* A drained ring larger than this is freed: a burst's memory goes back. */
#define DELAYQ_KEEP 64

struct entry {
	uint32_t token;
	uint64_t due;			/* l_time_now() */
};

struct sf_delayq {
	unsigned int delay_ms;
	unsigned int step_ms;		/* the timer's granularity */
	sf_delayq_func_t due;
	void *user_data;
	struct entry *ring;		/* cap entries, cap a power of 2 */
	unsigned int first, count, cap;
	struct l_timeout *timer;	/* armed while count > 0 */
};

struct sf_delayq *sf_delayq_new(unsigned int delay_ms, sf_delayq_func_t due,
				void *user_data)
{
	struct sf_delayq *q = l_new(struct sf_delayq, 1);

	q->delay_ms = delay_ms;
	q->step_ms = delay_ms / 4 ? delay_ms / 4 : 1;
	q->due = due;
	q->user_data = user_data;
	return q;
}

void sf_delayq_free(struct sf_delayq *q)
{
	if (!q)
		return;

	l_timeout_remove(q->timer);
	l_free(q->ring);
	l_free(q);
}

unsigned int sf_delayq_count(const struct sf_delayq *q)
{
	return q->count;
}

static void grow(struct sf_delayq *q)
{
	unsigned int cap = q->cap ? q->cap * 2 : 16;
	struct entry *ring = l_new(struct entry, cap);

	for (unsigned int i = 0; i < q->count; i++)
		ring[i] = q->ring[(q->first + i) & (q->cap - 1)];
	l_free(q->ring);
	q->ring = ring;
	q->cap = cap;
	q->first = 0;
}

/* Milliseconds from now until due, rounded up to a whole step: the timer
 * fires at most once a step, however many tokens a second come in. */
static unsigned int ms_until(const struct sf_delayq *q, uint64_t due)
{
	uint64_t now = l_time_now();
	unsigned int ms = due > now ? (due - now + 999) / 1000 : 1;

	return (ms + q->step_ms - 1) / q->step_ms * q->step_ms;
}

static void fire(struct l_timeout *timeout, void *user_data)
{
	struct sf_delayq *q = user_data;
	uint64_t now = l_time_now();

	while (q->count && q->ring[q->first].due <= now) {
		uint32_t token = q->ring[q->first].token;

		q->first = (q->first + 1) & (q->cap - 1);
		q->count--;
		q->due(token, q->user_data);
	}

	if (q->count) {
		l_timeout_modify_ms(q->timer, ms_until(q, q->ring[q->first].due));
		return;
	}

	l_timeout_remove(q->timer);
	q->timer = NULL;
	if (q->cap > DELAYQ_KEEP) {
		l_free(q->ring);
		q->ring = NULL;
		q->cap = 0;
		q->first = 0;
	}
}

void sf_delayq_push(struct sf_delayq *q, uint32_t token)
{
	uint64_t due = l_time_now() + q->delay_ms * 1000ULL;

	if (q->count == q->cap)
		grow(q);

	q->ring[(q->first + q->count++) & (q->cap - 1)] =
		(struct entry) { token, due };
	if (!q->timer)
		q->timer = l_timeout_create_ms(ms_until(q, due), fire, q, NULL);
}
