/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory back to the kernel after a burst (src/trim.c), on the real ELL
 * loop and glibc's heap: holes a burst left between live blocks stay
 * resident while events keep coming, and go back once the daemon has been
 * quiet for SF_TRIM_QUIET_MS. The heap cases are skipped under
 * AddressSanitizer, whose heap is not glibc's. The stack a deep call
 * touched goes back at once with sf_trim_now(), and once quiet.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ell/ell.h>

#include "trim.h"
#include "unit.h"

#define BLOCKS 1024
#define BLOCK_SIZE 4096		/* below the mmap threshold: in the heap */
#define RUN 16

#if defined(__SANITIZE_ADDRESS__)
#define SKIP_HEAP_TESTS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SKIP_HEAP_TESTS 1
#endif
#endif

static void *keep[BLOCKS / RUN];

/* Resident kB of this process. */
static long resident_kb(void)
{
	long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld %ld", &size, &resident), 2);
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Resident kB of this process's main stack, from smaps. */
static long stack_kb(void)
{
	char line[256];
	bool in_stack = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in_stack = strstr(line, "[stack]") != NULL;
			continue;
		}
		if (in_stack && sscanf(line, "Rss: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	ck_assert_int_ge(kb, 0);
	return kb;
}

/* A call that goes 192 kB deep into the stack and touches every page. */
static __attribute__((noinline)) void deep(void)
{
	volatile char frame[192 * 1024];

	for (size_t i = 0; i < sizeof(frame); i += 1024)
		frame[i] = 1;
}

/* A burst's leftovers: 4 MB of touched blocks freed, in holes of RUN
 * blocks between small blocks that stay, so none of it is the heap's top
 * (and a hole spans whole pages, which is what can be given back). */
static void burst(void)
{
	void *big[BLOCKS];

	for (int i = 0; i < BLOCKS; i++) {
		big[i] = malloc(BLOCK_SIZE);
		ck_assert_ptr_nonnull(big[i]);
		for (int j = 0; j < BLOCK_SIZE; j += 64)
			((volatile char *)big[i])[j] = 1;
		if (i % RUN == RUN - 1)
			keep[i / RUN] = malloc(32);
	}
	for (int i = 0; i < BLOCKS; i++)
		free(big[i]);
}

static void unburst(void)
{
	for (int i = 0; i < BLOCKS / RUN; i++)
		free(keep[i]);
}

/* Run the loop for ms, an event every every_ms (0: none). */
static void run_ms(unsigned int ms, unsigned int every_ms)
{
	uint64_t start = l_time_now(), last = start;

	while (l_time_diff(start, l_time_now()) < ms * 1000ULL) {
		if (every_ms && l_time_diff(last, l_time_now()) >=
				every_ms * 1000ULL) {
			sf_trim_activity();
			last = l_time_now();
		}
		l_main_iterate(10);
	}
}

static void setup(void)
{
	ck_assert(l_main_init());
}

static void teardown(void)
{
	sf_trim_stop();
	l_main_exit();
}

START_TEST(holes_stay_while_busy_and_go_back_once_quiet)
{
#ifdef SKIP_HEAP_TESTS
	return;
#endif
	long before, busy, quiet;

	burst();
	before = resident_kb();

	/* Events every 100 ms for twice the quiet time: nothing given back. */
	sf_trim_activity();
	run_ms(2 * SF_TRIM_QUIET_MS, 100);
	busy = resident_kb();
	ck_assert_int_ge(busy, before - 512);

	/* Quiet: the holes go back. */
	run_ms(2 * SF_TRIM_QUIET_MS + 200, 0);
	quiet = resident_kb();
	ck_assert_int_le(quiet, busy - 3072);
	unburst();
}
END_TEST

START_TEST(no_events_no_trim)
{
#ifdef SKIP_HEAP_TESTS
	return;
#endif
	long before;

	burst();
	before = resident_kb();
	run_ms(SF_TRIM_QUIET_MS + 500, 0);
	ck_assert_int_ge(resident_kb(), before - 512);
	unburst();
}
END_TEST

START_TEST(the_stack_a_deep_call_touched_goes_back)
{
	long touched;

	deep();
	touched = stack_kb();
	ck_assert_int_ge(touched, 192);
	sf_trim_now();
	ck_assert_int_le(stack_kb(), touched - 160);

	/* Once quiet after events, too; the stack still works. */
	deep();
	touched = stack_kb();
	sf_trim_activity();
	run_ms(SF_TRIM_QUIET_MS + 500, 0);
	ck_assert_int_le(stack_kb(), touched - 160);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trim");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, holes_stay_while_busy_and_go_back_once_quiet);
	tcase_add_test(tc, no_events_no_trim);
	tcase_add_test(tc, the_stack_a_deep_call_touched_goes_back);
	suite_add_tcase(s, tc);

	return sf_unit_run(s);
}
