/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ell/ell.h>

#include "delayq.h"
#include "ring.h"

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
	struct sf_ring waiting;		/* struct entry */
	struct l_timeout *timer;	/* armed while any waits */
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
	sf_ring_clear(&q->waiting);
	l_free(q);
}

unsigned int sf_delayq_count(const struct sf_delayq *q)
{
	return q->waiting.count;
}

static const struct entry *head(const struct sf_delayq *q)
{
	return q->waiting.count ? SF_RING_AT(&q->waiting, struct entry, 0)
				: NULL;
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

	while (head(q) && head(q)->due <= now) {
		uint32_t token = head(q)->token;

		sf_ring_pop(&q->waiting);
		q->due(token, q->user_data);
	}

	if (head(q)) {
		l_timeout_modify_ms(q->timer, ms_until(q, head(q)->due));
		return;
	}

	l_timeout_remove(q->timer);
	q->timer = NULL;
	if (q->waiting.cap > DELAYQ_KEEP)
		sf_ring_clear(&q->waiting);
}

void sf_delayq_push(struct sf_delayq *q, uint32_t token)
{
	uint64_t due = l_time_now() + q->delay_ms * 1000ULL;

	*(struct entry *) sf_ring_push(&q->waiting, sizeof(struct entry)) =
		(struct entry) { token, due };
	if (!q->timer)
		q->timer = l_timeout_create_ms(ms_until(q, due), fire, q, NULL);
}
