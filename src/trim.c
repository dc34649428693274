/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory back to the kernel after a burst (trim.h). While events come, one
 * timer fires every SF_TRIM_QUIET_MS and sees whether any came since its
 * last firing; an event costs an increment, never a timer change.
 */
#include <stdbool.h>
#include <stdlib.h>		/* defines __GLIBC__ */

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <ell/ell.h>

#include "trim.h"

static struct l_timeout *timer;
static bool armed;
static unsigned long events;	/* since the timer last fired */

void sf_trim_now(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
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
