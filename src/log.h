/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging conventions: every line about one connection starts with its token
 * as eight hex digits in brackets, so `journalctl -g 1a2b3c4d` finds them all.
 */
#pragma once

#include <ell/ell.h>

#define sf_conn_debug(tok, fmt, ...) l_debug("[%08x] " fmt, (unsigned int)(tok), ##__VA_ARGS__)
#define sf_conn_info(tok, fmt, ...)  l_info("[%08x] " fmt, (unsigned int)(tok), ##__VA_ARGS__)
#define sf_conn_warn(tok, fmt, ...)  l_warn("[%08x] " fmt, (unsigned int)(tok), ##__VA_ARGS__)
#define sf_conn_error(tok, fmt, ...) l_error("[%08x] " fmt, (unsigned int)(tok), ##__VA_ARGS__)
