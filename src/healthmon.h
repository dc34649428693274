/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The health monitor: glue that reads every subflow's tcp_info with
 * sock_diag, in rounds, and feeds the health engine (health.h). A round
 * runs every [quality] poll-ms while a plugin watches its connections
 * (sf_health_watch()), every SF_HEALTHMON_SLOW_MS otherwise, and not at all
 * while there is no connection. One monitor per daemon.
 */
#pragma once

#include <stdint.h>

#include "health.h"

#define SF_HEALTHMON_SLOW_MS 1000

/* Start the rounds (the daemon, once it runs). 0 or a negative errno. */
int sf_healthmon_start(void);
/* Stop them and forget everything; watches end. Safe when not started. */
void sf_healthmon_stop(void);

/* The engine, for readers (D-Bus); NULL when not started. */
const struct sf_health *sf_healthmon_health(void);
/* The clock the samples are taken on, for sf_health_get() and friends. */
uint64_t sf_healthmon_now_ms(void);

/*
 * Someone who shows the health (the D-Bus service): after a round, at most
 * once per SF_HEALTHMON_SLOW_MS, conn_changed runs for each connection
 * whose subflows' figures changed and iface_changed for each interface
 * whose byte counters did. NULL removes it.
 */
struct sf_healthmon_listener {
	void (*conn_changed)(uint32_t token, void *user_data);
	void (*iface_changed)(int32_t ifindex, void *user_data);
};
void sf_healthmon_set_listener(const struct sf_healthmon_listener *l,
			       void *user_data);
