/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging conventions: every line about one connection starts with its token
 * as eight hex digits in brackets, so `journalctl -g 1a2b3c4d` finds them all.
 */
#pragma once

#include <ell/ell.h>

/*
 * Is debug output on here? Like l_debug(), which -d enables by a pattern on
 * the source file's name, but usable as a test.
 */
#define SF_DEBUG_ON() __extension__ ({ \
_Pragma("GCC diagnostic push") \
_Pragma("GCC diagnostic ignored \"-Wattributes\"") \
	static struct l_debug_desc sf_debug_desc \
	__attribute__((used, retain, section("__ell_debug"), aligned(8))) = { \
		.file = __FILE__, .func = __func__, \
		.flags = L_DEBUG_FLAG_DEFAULT, \
	}; \
_Pragma("GCC diagnostic pop") \
	(sf_debug_desc.flags & L_DEBUG_FLAG_PRINT) != 0; \
})

/* l_debug() without ELL's "file:function()" prefix, so that a connection's
 * lines read the same at every level. Arguments are evaluated only when
 * debug output is on. */
#define SF_DEBUG(fmt, ...) do { \
	if (SF_DEBUG_ON()) \
		l_log(L_LOG_DEBUG, fmt, ##__VA_ARGS__); \
} while (0)

#define sf_conn_debug(tok, fmt, ...) SF_DEBUG("[%08x] " fmt, (unsigned int)(tok), ##__VA_ARGS__)
#define sf_conn_info(tok, fmt, ...)  l_info("[%08x] " fmt, (unsigned int)(tok), ##__VA_ARGS__)
#define sf_conn_warn(tok, fmt, ...)  l_warn("[%08x] " fmt, (unsigned int)(tok), ##__VA_ARGS__)
#define sf_conn_error(tok, fmt, ...) l_error("[%08x] " fmt, (unsigned int)(tok), ##__VA_ARGS__)
