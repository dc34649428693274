/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ell/ell.h>

#include "timerq.h"

/* A heap larger than this is freed once empty: a burst's memory goes back. */
#define TIMERQ_KEEP 256

static struct sf_timerq_timer **heap;	/* min-heap by due */
static unsigned int count, cap;
static struct l_timeout *alarm;		/* exists while count > 0 */
static uint64_t alarm_due;		/* what alarm is set for */
static bool firing;
static uint64_t round_now;		/* l_time_now() of the firing round */

static void place(struct sf_timerq_timer *timer, unsigned int i)
{
	heap[i] = timer;
	timer->slot = i + 1;
}

static void sift_up(unsigned int i)
{
	struct sf_timerq_timer *timer = heap[i];

	while (i) {
		unsigned int parent = (i - 1) / 2;

		if (heap[parent]->due <= timer->due)
			break;
		place(heap[parent], i);
		i = parent;
	}
	place(timer, i);
}

static void sift_down(unsigned int i)
{
	struct sf_timerq_timer *timer = heap[i];

	for (;;) {
		unsigned int child = 2 * i + 1;

		if (child >= count)
			break;
		if (child + 1 < count && heap[child + 1]->due < heap[child]->due)
			child++;
		if (timer->due <= heap[child]->due)
			break;
		place(heap[child], i);
		i = child;
	}
	place(timer, i);
}

/* Take heap[i] out, keeping the heap's order. */
static void remove_at(unsigned int i)
{
	struct sf_timerq_timer *last = heap[--count];

	heap[i]->slot = 0;
	if (i == count)
		return;

	place(last, i);
	if (i && heap[(i - 1) / 2]->due > last->due)
		sift_up(i);
	else
		sift_down(i);
}

static unsigned int ms_until(uint64_t due)
{
	uint64_t now = l_time_now();

	/* Rounded up: the alarm never comes before the deadline. ELL reads
	 * 0 ms as "never". */
	return due > now ? (due - now + 999) / 1000 : 1;
}

static void fire(struct l_timeout *timeout, void *user_data);

/* Make the alarm match the heap: gone when empty, else set no later than
 * the earliest deadline. An alarm earlier than needed is left: it finds
 * nothing due and is set again then, cheaper than a system call now. */
static void alarm_update(void)
{
	uint64_t due;

	if (!count) {
		l_timeout_remove(alarm);
		alarm = NULL;
		alarm_due = 0;
		if (cap > TIMERQ_KEEP) {
			l_free(heap);
			heap = NULL;
			cap = 0;
		}
		return;
	}

	due = heap[0]->due;
	if (alarm && alarm_due && alarm_due <= due)
		return;

	alarm_due = due;
	if (alarm)
		l_timeout_modify_ms(alarm, ms_until(due));
	else
		alarm = l_timeout_create_ms(ms_until(due), fire, NULL, NULL);
}

static void fire(struct l_timeout *timeout, void *user_data)
{
	firing = true;
	alarm_due = 0;			/* it has fired: set for nothing */
	round_now = l_time_now();

	while (count && heap[0]->due <= round_now) {
		struct sf_timerq_timer *timer = heap[0];

		remove_at(0);
		/* May free timer: not touched again. */
		timer->func(timer);
	}

	firing = false;
	alarm_update();
}

void sf_timerq_arm(struct sf_timerq_timer *timer, unsigned int ms)
{
	uint64_t due = l_time_now() + ms * 1000ULL;

	/* One armed from a func comes in a later round, never this one. */
	if (firing && due <= round_now)
		due = round_now + 1;

	if (timer->slot) {
		unsigned int i = timer->slot - 1;
		bool earlier = due < timer->due;

		timer->due = due;
		if (earlier)
			sift_up(i);
		else
			sift_down(i);
	} else {
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			heap = l_realloc(heap, cap * sizeof(*heap));
		}
		timer->due = due;
		heap[count] = timer;
		sift_up(count++);
	}

	if (!firing)
		alarm_update();
}

void sf_timerq_disarm(struct sf_timerq_timer *timer)
{
	if (!timer->slot)
		return;

	remove_at(timer->slot - 1);
	if (!firing && !count)
		alarm_update();
}

unsigned int sf_timerq_count(void)
{
	return count;
}
