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
struct sf_sockdiag;

struct sf_counters {
	uint64_t events;
	uint64_t commands_sent;
	uint64_t commands_failed;
	uint64_t subflows_created;	/* SUB_ESTABLISHED seen */
	uint64_t subflows_closed;	/* SUB_CLOSED seen */
	uint64_t overruns;
};

/*
 * Load the plugins config names, those not loaded at start (see
 * sf_plugins_load): its default policy, which must load (0, or a negative
 * errno with ret_err saying why; -ENOENT: no such plugin), and each rule's
 * policy, where a failure is only logged: the rule's connections then get
 * the default policy, as for a rule naming no plugin. Called before
 * sf_daemon_new() with its config, and by a reload before it takes the new
 * one.
 */
int sf_daemon_load_policies(struct sf_plugins *plugins,
			    const struct sf_config *config,
			    char *ret_err, size_t err_size);

/*
 * Build a daemon from a validated config (ownership taken) and a loaded
 * plugin set (ownership taken), which sf_daemon_load_policies() has seen.
 * No sockets are opened. Returns NULL only when the arguments are NULL.
 */
struct sf_daemon *sf_daemon_new(struct sf_config *config,
				struct sf_plugins *plugins);
void sf_daemon_free(struct sf_daemon *daemon);
DEFINE_CLEANUP_FUNC(sf_daemon_free);

/*
 * Open the kernel interfaces: rtnetlink (interface dump, synchronous) and
 * the mptcp_pm family (asynchronous: "subflowd ready" is logged and READY=1
 * sent to systemd once it is up and no readiness hold is left). Returns 0
 * or a negative errno.
 */
int sf_daemon_start(struct sf_daemon *daemon);

/* Why the daemon quit the main loop by itself (a negative errno), or 0. */
int sf_daemon_exit_error(const struct sf_daemon *daemon);

/*
 * The readiness gate: something that must be in place before systemd hears
 * READY=1 (the D-Bus name) holds it before the main loop runs and releases
 * it exactly once when it is. "subflowd ready" is logged, once, when the
 * mptcp_pm family is up and every hold is released.
 */
void sf_daemon_hold_ready(struct sf_daemon *daemon);
void sf_daemon_release_ready(struct sf_daemon *daemon);

/*
 * Someone who mirrors the daemon's state (the D-Bus service). Each callback
 * may be NULL and runs after the change has been applied. conn_removed runs
 * before the connection is freed.
 */
struct sf_daemon_observer {
	void (*event)(const struct sf_event *ev, void *user_data);
	void (*conn_added)(struct sf_conn *conn, void *user_data);
	/* A connection found by a resync (at start, after an overrun) that
	 * existed before the daemon saw it; conn_added is not called for it. */
	void (*conn_adopted)(struct sf_conn *conn, void *user_data);
	/* established, subflows, peer addresses or policy changed */
	void (*conn_changed)(struct sf_conn *conn, void *user_data);
	void (*conn_removed)(struct sf_conn *conn, void *user_data);
	/* link state, eligible addresses or policy of this interface */
	void (*iface_changed)(int32_t ifindex, void *user_data);
	/* default policy, configuration (reload) */
	void (*settings_changed)(struct sf_daemon *daemon, void *user_data);
};

/* Tell the observer that conn changed outside an event (a command's
 * result). */
void sf_daemon_conn_changed(struct sf_daemon *daemon, struct sf_conn *conn);

/* Install the one observer (NULL to remove it). */
void sf_daemon_set_observer(struct sf_daemon *daemon,
			    const struct sf_daemon_observer *observer,
			    void *user_data);

/*
 * Reload: the loader builds a new config exactly as at start (file, then
 * command-line overrides) or fails with a negative errno and a one-line
 * message. Set by main.
 */
typedef int (*sf_config_loader_func_t)(struct sf_config **ret_config,
				       char *ret_err, size_t err_size,
				       void *user_data);
void sf_daemon_set_config_loader(struct sf_daemon *daemon,
				 sf_config_loader_func_t loader,
				 void *user_data);

/*
 * Re-read the configuration atomically: on any error (bad file, default
 * policy not loaded) nothing changes, and ret_err says why. Otherwise new
 * connections get the new [core] policy and [rule]s; the [filter] and the
 * [interface] policies apply at once to live connections (see reconfig.c);
 * runtime interface overrides are kept. [core] mode and plugins are read at
 * start only. Returns 0 or a negative errno.
 */
int sf_daemon_reload(struct sf_daemon *daemon, char *ret_err, size_t err_size);

/* Set the default policy for new connections, loading it if it is not;
 * -ENOENT if there is no such plugin, -EMEDIUMTYPE if made for the other
 * [core] mode, or why it failed to load. */
int sf_daemon_set_default_policy(struct sf_daemon *daemon, const char *name);
/*
 * Hand a connection to another policy: the old one hears conn_closed, the
 * new one acts at once on the connection as it stands (conn_created, then
 * conn_established and addr_announced for each peer address when it is
 * established). -ENOENT if not loaded, -EMEDIUMTYPE if made for the other
 * [core] mode.
 */
int sf_daemon_set_conn_policy(struct sf_daemon *daemon, struct sf_conn *conn,
			      const char *name);

/*
 * Runtime per-interface policy (D-Bus SetInterfacePolicy): replaces what the
 * config says for that interface name until the daemon stops, and applies
 * at once to live connections, as a reload does (see reconfig.c). The
 * SET_FLAGS commands that change existing subflows' backup flag complete
 * with done (may be NULL). Returns how many were sent.
 */
int sf_daemon_set_iface_policy(struct sf_daemon *daemon, const char *ifname,
			       const struct sf_iface_policy *policy,
			       sf_cmd_done_func_t done, void *user_data);
/* The policy of ifname: runtime override, else [interface], else defaults. */
void sf_daemon_get_iface_policy(struct sf_daemon *daemon, const char *ifname,
				struct sf_iface_policy *ret_policy);

const struct sf_plugins *sf_daemon_plugins(const struct sf_daemon *daemon);
const char *sf_daemon_default_policy(const struct sf_daemon *daemon);

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

/*
 * The subflow info (of connection token) failed with error (a positive
 * errno: it closed with it, or its creation was refused for a passing
 * reason): have it re-created later with backoff (retry.c), and say when.
 * Nothing happens for a local address that is no longer eligible.
 */
void sf_daemon_retry_subflow(struct sf_daemon *daemon, uint32_t token,
			     const struct sf_subflow_info *info, int error);
struct sf_listeners *sf_daemon_listeners(struct sf_daemon *daemon);
/* The daemon's sock_diag socket; NULL before sf_daemon_start(). */
struct sf_sockdiag *sf_daemon_sockdiag(struct sf_daemon *daemon);
struct sf_counters *sf_daemon_counters(struct sf_daemon *daemon);
const struct sf_pm_transport *sf_daemon_transport(struct sf_daemon *daemon);
enum sf_plugin_mode sf_daemon_plugin_mode(const struct sf_daemon *daemon);
/* The plugins that act in a daemon of [core] mode. */
enum sf_plugin_mode sf_plugin_mode_of(enum sf_mode mode);
