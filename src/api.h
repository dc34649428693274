/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: the plugin command API's commands in flight (api.c), as the rest
 * of the daemon ends them. Each command's caller hears of it exactly once
 * (see <subflowd/plugin.h>): these end the callers that must not wait for
 * the kernel any longer with -ECANCELED, then call their destroy. The
 * daemon's own part of each command still waits for the kernel's answer.
 */
#pragma once

#include <stdint.h>

/* The connection token closes: before conn_closed reaches the plugins.
 * Answers the kernel has sent already are passed on first. */
void sf_api_cancel_conn(uint32_t token);

/*
 * The code of the shared object holding addr goes away (a plugin unloaded
 * after its exit ran): commands whose callbacks or destroy are its code.
 * An object linked into the program (a built-in plugin) is the program.
 */
void sf_api_cancel_code(const void *addr);
