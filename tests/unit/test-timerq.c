/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The timer heap (src/timerq.c) on the real ELL loop: thousands of timers
 * armed at once all fire, once each, in deadline order and never early,
 * on one file descriptor (ELL's loop watches none above 127); re-arming
 * moves a timer, disarming stops it, also from another timer's func; a
 * func that re-arms its timer at 0 ms runs once per round, not forever.
 */
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "timerq.h"
#include "unit.h"

#include <ell/ell.h>

#define MANY 2000

struct probe {
	struct sf_timerq_timer timer;
	unsigned int id;
	uint64_t armed_at;
	unsigned int ms;
	unsigned int fired;
	uint64_t fired_at;
};

static unsigned int order[MANY], n_fired;

static void probe_fired(struct sf_timerq_timer *timer)
{
	struct probe *p = l_container_of(timer, struct probe, timer);

	p->fired++;
	p->fired_at = l_time_now();
	ck_assert_uint_lt(n_fired, MANY);
	order[n_fired++] = p->id;
}

static void probe_arm(struct probe *p, unsigned int id, unsigned int ms)
{
	*p = (struct probe) { .id = id, .ms = ms, .armed_at = l_time_now() };
	sf_timerq_init(&p->timer, probe_fired);
	sf_timerq_arm(&p->timer, ms);
}

static unsigned int open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	unsigned int n = 0;

	ck_assert_ptr_nonnull(dir);
	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
}

/* Run the loop until cond() or max_ms passed. */
static void run_until(bool (*cond)(void), unsigned int max_ms)
{
	uint64_t start = l_time_now();

	while (!cond() && l_time_diff(start, l_time_now()) < max_ms * 1000ULL)
		l_main_iterate(10);
}

static bool none_armed(void)
{
	return sf_timerq_count() == 0;
}

static void setup(void)
{
	ck_assert(l_main_init());
	n_fired = 0;
}

static void teardown(void)
{
	ck_assert_uint_eq(sf_timerq_count(), 0);
	l_main_exit();
}

START_TEST(thousands_fire_once_each_in_order_on_one_fd)
{
	struct probe *p = l_new(struct probe, MANY);
	unsigned int fds = open_fds();

	/* Deadlines 10..209 ms, armed in a scrambled order. */
	for (unsigned int i = 0; i < MANY; i++) {
		unsigned int id = (i * 7919) % MANY;

		probe_arm(&p[id], id, 10 + id / 10);
	}
	ck_assert_uint_eq(sf_timerq_count(), MANY);
	ck_assert_uint_le(open_fds(), fds + 1);

	run_until(none_armed, 3000);
	ck_assert_uint_eq(n_fired, MANY);
	for (unsigned int i = 0; i < MANY; i++) {
		ck_assert_uint_eq(p[i].fired, 1);
		ck_assert_uint_ge(l_time_diff(p[i].armed_at, p[i].fired_at),
				  p[i].ms * 1000ULL);
		/* In deadline order. */
		if (i)
			ck_assert_uint_le(p[order[i - 1]].timer.due,
					  p[order[i]].timer.due);
	}
	/* The alarm went with the last timer. */
	ck_assert_uint_eq(open_fds(), fds);
	l_free(p);
}
END_TEST

START_TEST(rearming_moves_and_disarming_stops)
{
	struct probe a, b, c;

	probe_arm(&a, 0, 200);
	probe_arm(&b, 1, 20);
	probe_arm(&c, 2, 40);
	sf_timerq_arm(&a.timer, 10);	/* earlier: first */
	sf_timerq_arm(&b.timer, 60);	/* later: last */
	b.ms = 60;
	sf_timerq_disarm(&c.timer);
	ck_assert(!sf_timerq_armed(&c.timer));
	sf_timerq_disarm(&c.timer);	/* idle: nothing */
	ck_assert_uint_eq(sf_timerq_count(), 2);

	run_until(none_armed, 2000);
	ck_assert_uint_eq(n_fired, 2);
	ck_assert_uint_eq(order[0], 0);
	ck_assert_uint_eq(order[1], 1);
	ck_assert_uint_eq(c.fired, 0);
	ck_assert_uint_ge(l_time_diff(b.armed_at, b.fired_at), 60000);
}
END_TEST

/* A func that stops another timer due in the same round. */
static struct probe victim;

static void stop_victim(struct sf_timerq_timer *timer)
{
	probe_fired(timer);
	sf_timerq_disarm(&victim.timer);
}

START_TEST(a_func_may_disarm_a_timer_due_in_its_round)
{
	struct probe killer;

	probe_arm(&killer, 0, 5);
	killer.timer.func = stop_victim;
	probe_arm(&victim, 1, 5);
	/* Both are due once the loop first looks. */
	usleep(20000);

	run_until(none_armed, 2000);
	ck_assert_uint_eq(killer.fired, 1);
	ck_assert_uint_eq(victim.fired, 0);
}
END_TEST

/* A func that re-arms its own timer at 0 ms, until it ran 5 times. */
static void again(struct sf_timerq_timer *timer)
{
	struct probe *p = l_container_of(timer, struct probe, timer);

	probe_fired(timer);
	if (p->fired < 5)
		sf_timerq_arm(timer, 0);
}

START_TEST(rearmed_at_zero_runs_once_per_round)
{
	struct probe p;

	probe_arm(&p, 0, 0);
	p.timer.func = again;
	/* The arm itself never runs func. */
	ck_assert_uint_eq(p.fired, 0);

	l_main_iterate(100);
	ck_assert_uint_eq(p.fired, 1);
	run_until(none_armed, 2000);
	ck_assert_uint_eq(p.fired, 5);
}
END_TEST

/* A func that frees the memory its timer lives in. */
static void free_self(struct sf_timerq_timer *timer)
{
	probe_fired(timer);
	l_free(l_container_of(timer, struct probe, timer));
}

START_TEST(a_func_may_free_its_timer)
{
	struct probe *p = l_new(struct probe, 1);
	struct probe after;

	probe_arm(p, 0, 5);
	p->timer.func = free_self;
	probe_arm(&after, 1, 6);

	run_until(none_armed, 2000);
	ck_assert_uint_eq(n_fired, 2);
	ck_assert_uint_eq(after.fired, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("timerq");
	TCase *tc = tcase_create("heap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, thousands_fire_once_each_in_order_on_one_fd);
	tcase_add_test(tc, rearming_moves_and_disarming_stops);
	tcase_add_test(tc, a_func_may_disarm_a_timer_due_in_its_round);
	tcase_add_test(tc, rearmed_at_zero_runs_once_per_round);
	tcase_add_test(tc, a_func_may_free_its_timer);
	suite_add_tcase(s, tc);
	return sf_unit_run(s);
}
