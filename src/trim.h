/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory back to the kernel after a burst. glibc gives back only the free
 * top of the heap by itself; a burst of connections that closed, and the
 * messages that described them, leave free holes between the connections
 * that stay. Once the daemon has handled events and then been quiet for
 * SF_TRIM_QUIET_MS, and at least SF_TRIM_MIN_FREE bytes lie free in the
 * heap, malloc_trim() returns their pages. One trimmer per daemon; the
 * heap is left alone where the C library is not glibc. The stack's pages
 * below the caller's frame go back each time too: what the deepest calls
 * of start-up or a burst touched (loading the systemd module, sd-bus's
 * first messages, logging) is never used again until a call goes as deep.
 */
#pragma once

/* Quiet this long after activity: the burst is over. */
#define SF_TRIM_QUIET_MS 1000
/* Free in the heap below this: not worth a walk of the heap. */
#define SF_TRIM_MIN_FREE (256 * 1024)
/* How far below the caller's frame the stack's pages go back. */
#define SF_TRIM_STACK (256 * 1024)

/* An event was handled: cheap, called for each. Needs the ELL loop. */
void sf_trim_activity(void);
/* Give back what is free now (start-up done), whatever its size, and the
 * stack below the caller's frame. */
void sf_trim_now(void);
/* No more trims (the daemon ends); safe when none was armed. */
void sf_trim_stop(void);
