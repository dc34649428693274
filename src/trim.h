/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory back to the kernel after a burst. glibc gives back only the free
 * top of the heap by itself; a burst of connections that closed, and the
 * messages that described them, leave free holes between the connections
 * that stay. Once the daemon has handled events and then been quiet for
 * SF_TRIM_QUIET_MS, and at least SF_TRIM_MIN_FREE bytes lie free in the
 * heap, malloc_trim() returns their pages. One trimmer per daemon; a no-op
 * where the C library is not glibc.
 */
#pragma once

/* Quiet this long after activity: the burst is over. */
#define SF_TRIM_QUIET_MS 1000
/* Free in the heap below this: not worth a walk of the heap. */
#define SF_TRIM_MIN_FREE (256 * 1024)

/* An event was handled: cheap, called for each. Needs the ELL loop. */
void sf_trim_activity(void);
/* Give back what is free now (start-up done), whatever its size. */
void sf_trim_now(void);
/* No more trims (the daemon ends); safe when none was armed. */
void sf_trim_stop(void);
