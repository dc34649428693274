/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory back to the kernel after a burst (trim.h). While events come, one
 * timer fires every SF_TRIM_QUIET_MS and sees whether any came since its
 * last firing; an event costs an increment, never a timer change.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>		/* defines __GLIBC__ */
#include <sys/mman.h>
#include <unistd.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <ell/ell.h>

#include "trim.h"

static struct l_timeout *timer;
static bool armed;
static unsigned long events;	/* since the timer last fired */

/*
 * Below the caller's frame the stack holds only what deeper calls left
 * there, and a page once touched stays resident and dirty for good. The
 * page of this frame and the one below it stay, for madvise()'s own.
 * Noinline: the frame is this function's, below the caller's.
 */
static __attribute__((noinline)) void stack_release(void)
{
	const uintptr_t page = (uintptr_t) sysconf(_SC_PAGESIZE);
	uintptr_t end = ((uintptr_t) __builtin_frame_address(0) & ~(page - 1)) -
			page;

	/* The part below the stack's mapping is not mapped: -ENOMEM for
	 * it, and the pages that are mapped go all the same. */
	madvise((void *) (end - SF_TRIM_STACK), SF_TRIM_STACK, MADV_DONTNEED);
}

void sf_trim_now(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
	stack_release();
}

static void quiet_check(struct l_timeout *timeout, void *user_data)
{
	if (events) {
		/* Still busy: look again later. */
		events = 0;
		l_timeout_modify_ms(timeout, SF_TRIM_QUIET_MS);
		return;
	}

	armed = false;
	stack_release();
#ifdef __GLIBC__
	if (mallinfo2().fordblks >= SF_TRIM_MIN_FREE)
		malloc_trim(0);
#endif
}

void sf_trim_activity(void)
{
	events++;
	if (armed)
		return;

	if (!timer)
		timer = l_timeout_create_ms(SF_TRIM_QUIET_MS, quiet_check,
					    NULL, NULL);
	else
		l_timeout_modify_ms(timer, SF_TRIM_QUIET_MS);
	armed = timer != NULL;
	events = 0;
}

void sf_trim_stop(void)
{
	l_timeout_remove(timer);
	timer = NULL;
	armed = false;
	events = 0;
}
