/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon core: where kernel events and interface changes enter, are
 * applied to the connection and interface tables, and are handed to the
 * policy plugins. It owns every engine and glue object. There is one daemon
 * per process; the plugin API (api.c) reaches it through sf_daemon_get().
 */
#pragma once

#include <stdint.h>

#include "config.h"
#include "conn.h"
#include "event.h"
#include "idmgr.h"
#include "iface.h"
#include "listener.h"
#include "plugin.h"
#include "pm.h"

struct sf_daemon;

struct sf_counters {
	uint64_t events;
	uint64_t commands_sent;
	uint64_t commands_failed;
	uint64_t subflows_created;	/* SUB_ESTABLISHED seen */
	uint64_t subflows_closed;	/* SUB_CLOSED seen */
	uint64_t overruns;
};

/*
 * Build a daemon from a validated config (ownership taken) and a loaded
 * plugin set (ownership taken). No sockets are opened. Returns NULL only
 * when the arguments are NULL.
 */
struct sf_daemon *sf_daemon_new(struct sf_config *config,
				struct sf_plugins *plugins);
void sf_daemon_free(struct sf_daemon *daemon);
DEFINE_CLEANUP_FUNC(sf_daemon_free);

/*
 * Open the kernel interfaces: rtnetlink (interface dump, synchronous) and
 * the mptcp_pm family (asynchronous: "subflowd ready" is logged and READY=1
 * sent to systemd once it is up). Returns 0 or a negative errno.
 */
int sf_daemon_start(struct sf_daemon *daemon);

/* Seams for tests: replace the command transport; feed events directly. */
void sf_daemon_set_transport(struct sf_daemon *daemon,
			     const struct sf_pm_transport *transport);
void sf_daemon_handle_event(struct sf_daemon *daemon, const struct sf_event *ev);

/* The daemon the plugin API acts on (the last one created), or NULL. */
struct sf_daemon *sf_daemon_get(void);

const struct sf_config *sf_daemon_config(const struct sf_daemon *daemon);
struct sf_conn_table *sf_daemon_conns(struct sf_daemon *daemon);
struct sf_iface_table *sf_daemon_ifaces(struct sf_daemon *daemon);
struct sf_idmgr *sf_daemon_idmgr(struct sf_daemon *daemon);
struct sf_listeners *sf_daemon_listeners(struct sf_daemon *daemon);
struct sf_counters *sf_daemon_counters(struct sf_daemon *daemon);
const struct sf_pm_transport *sf_daemon_transport(struct sf_daemon *daemon);
enum sf_plugin_mode sf_daemon_plugin_mode(const struct sf_daemon *daemon);
