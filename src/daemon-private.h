/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's state, shared by the files that make up the daemon core:
 * daemon.c (events in, lifecycle) and reconfig.c (run-time changes of the
 * settings). Nothing else includes this.
 */
#pragma once

#include "daemon.h"
#include "netmon.h"
#include "retry.h"

struct sf_daemon {
	struct sf_config *config;
	struct sf_plugins *plugins;
	const struct sf_plugin_desc *default_policy;
	struct sf_conn_table *conns;
	struct sf_iface_table *ifaces;
	struct sf_idmgr *idmgr;
	struct sf_listeners *listeners;
	struct sf_sockdiag *sockdiag;	/* NULL when it cannot be opened */
	struct sf_hold *hold;		/* events waiting for their policy */
	struct sf_resync *resync;
	bool resync_holds_ready;	/* the first resync holds READY=1 */
	struct sf_retry *retry;
	struct sf_pm *pm;
	struct sf_netmon *netmon;
	const struct sf_pm_transport *transport;
	struct sf_counters counters;
	int exit_error;			/* why the main loop was quit, or 0 */
	/* ifname -> sf_iface_policy; NULL until the first override (an
	 * ELL hashmap is 4 kB, empty or not). */
	struct l_hashmap *iface_overrides;
	const struct sf_daemon_observer *observer;
	void *observer_data;
	sf_config_loader_func_t loader;
	void *loader_data;
	bool pm_up;			/* the mptcp_pm family appeared */
	unsigned int ready_holds;	/* sf_daemon_hold_ready() not released */
	bool ready;			/* READY=1 sent */
	bool stopping;			/* plugins have exited: no dispatch */
};

#define NOTIFY(d, fn, ...)						\
	do {								\
		if ((d)->observer && (d)->observer->fn)			\
			(d)->observer->fn(__VA_ARGS__, (d)->observer_data); \
	} while (0)

/* Hand an event to the plugins (none once they have exited). */
void sf_daemon_dispatch(struct sf_daemon *d, enum sf_plugin_event event,
			const struct sf_plugin_event_args *args);
