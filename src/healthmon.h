/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The health monitor: glue that reads every subflow's tcp_info with
 * sock_diag, in rounds, and feeds the health engine (health.h) with the
 * subflows of the connections it monitors:
 *  - those whose policy watches their health (sf_health_watch(): quality);
 *  - those with a subflow on a metered interface ([interface] metered, or
 *    SetInterfacePolicy), so that what a metered link carried is counted;
 *  - those someone asked about (sf_healthmon_observe(): a D-Bus read of
 *    their SubflowStats), for SF_HEALTHMON_OBSERVE_MS after the last ask.
 * Other connections cost the monitor nothing: no memory, and no round at
 * all while none is monitored. A round runs every [quality] poll-ms while
 * a plugin watches, else every SF_HEALTHMON_SLOW_MS. One monitor per
 * daemon.
 */
#pragma once

#include <stdint.h>

#include "health.h"

#define SF_HEALTHMON_SLOW_MS 1000
/* How long one ask keeps a connection monitored, and how many connections
 * asks keep at most (the oldest ask is dropped first): anyone may read
 * properties, so reads must not grow the daemon without bound. */
#define SF_HEALTHMON_OBSERVE_MS 60000
#define SF_HEALTHMON_OBSERVE_MAX 64
/* An ask about a connection not yet monitored brings the next round this
 * close, so the first figures come soon; but never sooner than
 * SF_HEALTHMON_SLOW_MS after the last round started: anyone may ask, and
 * a round reads every subflow of the namespace. */
#define SF_HEALTHMON_ASK_MS 50

/* Start the rounds (the daemon, once it runs). 0 or a negative errno. */
int sf_healthmon_start(void);
/* Stop them and forget everything; watches end. Safe when not started. */
void sf_healthmon_stop(void);

/*
 * Monitor the connection token for SF_HEALTHMON_OBSERVE_MS from now (the
 * D-Bus service, when a client reads its SubflowStats). Its figures come
 * with the next round: within SF_HEALTHMON_ASK_MS when it was not
 * monitored, if the last round started SF_HEALTHMON_SLOW_MS ago. No-op
 * when not started.
 */
void sf_healthmon_observe(uint32_t token);

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
