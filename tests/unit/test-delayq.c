/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The delay line of tokens (src/delayq.c) on the real ELL loop: each token
 * comes back once, not before its delay, in the order pushed; what is
 * still waiting when the line is freed never comes back.
 */
#include "delayq.h"
#include "unit.h"

#include <ell/ell.h>

#define MAX_SEEN 256

static uint32_t seen[MAX_SEEN];
static uint64_t seen_at[MAX_SEEN];
static unsigned int n_seen;

static void due(uint32_t token, void *user_data)
{
	ck_assert_uint_lt(n_seen, MAX_SEEN);
	seen_at[n_seen] = l_time_now();
	seen[n_seen++] = token;
}

/* Run the loop until n tokens came back, for at most 2 s. */
static void wait_seen(unsigned int n)
{
	uint64_t start = l_time_now();

	while (n_seen < n && l_time_diff(start, l_time_now()) < 2000000)
		l_main_iterate(10);
}

static void setup(void)
{
	ck_assert(l_main_init());
	n_seen = 0;
}

static void teardown(void)
{
	l_main_exit();
}

START_TEST(tokens_come_back_once_in_order_after_the_delay)
{
	struct sf_delayq *q = sf_delayq_new(50, due, NULL);
	uint64_t pushed = l_time_now();

	/* More than the ring's first size: it grows, order kept. */
	for (uint32_t t = 1; t <= 40; t++)
		sf_delayq_push(q, t);
	ck_assert_uint_eq(sf_delayq_count(q), 40);

	wait_seen(40);
	ck_assert_uint_eq(n_seen, 40);
	for (unsigned int i = 0; i < 40; i++) {
		ck_assert_uint_eq(seen[i], i + 1);
		ck_assert_uint_ge(l_time_diff(pushed, seen_at[i]), 50000);
	}
	ck_assert_uint_eq(sf_delayq_count(q), 0);

	/* Nothing comes back twice. */
	for (int i = 0; i < 10; i++)
		l_main_iterate(10);
	ck_assert_uint_eq(n_seen, 40);
	sf_delayq_free(q);
}
END_TEST

/* Pushed later, back later: the timer follows the head of the line. */
START_TEST(a_later_push_waits_its_own_delay)
{
	struct sf_delayq *q = sf_delayq_new(100, due, NULL);
	uint64_t first = l_time_now(), second;

	sf_delayq_push(q, 1);
	/* 50 ms on, with the first one normally still waiting, a second
	 * one. (Whether it still waits depends on the machine's load, so it
	 * is not asserted: the delays below hold either way.) */
	while (l_time_diff(first, l_time_now()) < 50000)
		l_main_iterate(5);
	second = l_time_now();
	sf_delayq_push(q, 2);

	wait_seen(2);
	ck_assert_uint_eq(n_seen, 2);
	ck_assert_uint_eq(seen[0], 1);
	ck_assert_uint_eq(seen[1], 2);
	ck_assert_uint_ge(l_time_diff(first, seen_at[0]), 100000);
	ck_assert_uint_ge(l_time_diff(second, seen_at[1]), 100000);
	sf_delayq_free(q);
}
END_TEST

/*
 * Tokens pushed 2 ms apart for 100 ms, with a 40 ms delay: the timer steps
 * by 10 ms, so they come back in batches, one per step, not one wakeup
 * per token. A batch is told by its gap to the one before (over 1 ms).
 */
START_TEST(tokens_come_back_in_batches_of_a_step)
{
	struct sf_delayq *q = sf_delayq_new(40, due, NULL);
	unsigned int batches = 1, i = 0;
	uint64_t start = l_time_now(), span;

	while (l_time_diff(start, l_time_now()) < 100000 && i < 60) {
		if (l_time_diff(start, l_time_now()) >= i * 2000ULL)
			sf_delayq_push(q, ++i);
		l_main_iterate(0);
	}
	wait_seen(i);
	ck_assert_uint_eq(n_seen, i);

	for (unsigned int k = 1; k < n_seen; k++)
		batches += l_time_diff(seen_at[k - 1], seen_at[k]) > 1000;
	span = l_time_diff(seen_at[0], seen_at[n_seen - 1]);
	ck_assert_uint_le(batches, span / 10000 + 2);
	ck_assert_uint_gt(i, 20);
	sf_delayq_free(q);
}
END_TEST

/* A burst drains, the line is used again: tokens still come back. */
START_TEST(the_line_works_again_after_draining)
{
	struct sf_delayq *q = sf_delayq_new(10, due, NULL);

	for (uint32_t t = 1; t <= 100; t++)
		sf_delayq_push(q, t);
	wait_seen(100);
	ck_assert_uint_eq(n_seen, 100);

	sf_delayq_push(q, 7);
	wait_seen(101);
	ck_assert_uint_eq(n_seen, 101);
	ck_assert_uint_eq(seen[100], 7);
	sf_delayq_free(q);
}
END_TEST

START_TEST(freed_with_tokens_waiting_calls_nothing)
{
	struct sf_delayq *q = sf_delayq_new(10, due, NULL);

	sf_delayq_push(q, 1);
	sf_delayq_push(q, 2);
	sf_delayq_free(q);
	for (int i = 0; i < 5; i++)
		l_main_iterate(10);
	ck_assert_uint_eq(n_seen, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("delayq");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tokens_come_back_once_in_order_after_the_delay);
	tcase_add_test(tc, a_later_push_waits_its_own_delay);
	tcase_add_test(tc, tokens_come_back_in_batches_of_a_step);
	tcase_add_test(tc, the_line_works_again_after_draining);
	tcase_add_test(tc, freed_with_tokens_waiting_calls_nothing);
	suite_add_tcase(s, tc);

	return sf_unit_run(s);
}
