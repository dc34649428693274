/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: the state the daemon keeps on plugins' behalf (api-state.c): their
 * timers (sf_timer_new()) and their per-connection data
 * (sf_conn_set_data()), on the ELL main loop. Plugins see only
 * <subflowd/plugin.h>; the daemon's event-loop library stays its own.
 */
#pragma once

#include <subflowd/plugin.h>

/*
 * Plugin is about to be unloaded (its exit ran): free the timers whose
 * func or destroy is code of its shared object, and drop the data it keeps
 * on the daemon's connections, running their destroy while the code is
 * still there. Built-in descriptors are the program: nothing of theirs is
 * freed by code address, only their connection data.
 */
void sf_api_state_drop(const struct sf_plugin_desc *plugin);
