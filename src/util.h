/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small helpers shared by every part of the daemon core.
 */
#pragma once

#include <stddef.h>

#include <ell/ell.h>

/* Scope-bound cleanup: declare `_auto_(l_free) char *s = ...;` and the
 * function `l_free_cleanup` (from DEFINE_CLEANUP_FUNC) runs on scope exit. */
#define _auto_(f) __attribute__((cleanup(f##_cleanup)))

#define SF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Return the negative errno of a failed libc call that sets errno. */
#define SF_NEG_ERRNO() (errno > 0 ? -errno : -EIO)
