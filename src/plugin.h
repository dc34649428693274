/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Plugin loading (secure dlopen of the plugin directory) and event dispatch
 * to the loaded plugins in priority order.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <subflowd/plugin.h>

struct sf_plugins;

/*
 * Load plugins from dir for a daemon in mode. names: NULL or empty loads
 * every "*.so"; otherwise exactly these (each must load). Each is checked
 * now; one that is not needed until a setting names it, a policy with
 * SF_PLUGIN_FLAG_ON_DEMAND or a plugin of the other mode, is unloaded
 * again, its init not run, and loaded by sf_plugins_use(). The directory
 * and each file must be owned by root or the effective uid and be neither
 * group- nor world-writable.
 * A plugin is refused when its descriptor symbol is missing, its ABI number
 * differs, its name is empty or already taken, or its init fails.
 *
 * Returns 0 with *ret_plugins set. Refusals of single plugins while loading
 * "all" are reported through ret_err lines ("; " separated) but are not
 * fatal. Fatal: -EPERM (unsafe directory or named plugin file), -ENOENT
 * (directory or a named plugin missing), or why a named plugin was refused:
 * -ENOEXEC (not a plugin, or built for another ABI), -EINVAL (bad
 * descriptor), -EEXIST (name taken), or its init's error. ret_err then
 * holds the reason.
 */
int sf_plugins_load(const char *dir, char **names, enum sf_plugin_mode mode,
		    struct sf_plugins **ret_plugins,
		    char *ret_err, size_t err_size);

/*
 * May fd (the file or directory path) hold code for the daemon: owned by
 * root or by us, and writable by no one else? Returns 0, or -EPERM (or the
 * fstat errno) with err saying why.
 */
int sf_check_trusted(int fd, const char *path, char *err, size_t err_size);

/*
 * dlopen() dir/file (dirfd: dir, open) with every symbol bound at once,
 * after sf_check_trusted() on the file (not followed if a symlink). The
 * caller checks the directory. Returns 0 with *ret_handle set, or a
 * negative errno (-EPERM untrusted, -ENOEXEC not loadable) with err set.
 */
int sf_dlopen_trusted(int dirfd, const char *dir, const char *file,
		      void **ret_handle, char *err, size_t err_size);

/* Register a descriptor linked into the binary (tests). Returns 0 or
 * -EEXIST / -EINVAL like the loader. */
int sf_plugins_add_builtin(struct sf_plugins *plugins,
			   const struct sf_plugin_desc *desc);
struct sf_plugins *sf_plugins_new(void);

/*
 * Call every plugin's exit, in reverse priority order, keeping the plugins
 * loaded: completions of the commands they sent still find their code.
 * Each exit runs once; sf_plugins_free() skips those that have run.
 */
void sf_plugins_exit(struct sf_plugins *plugins);

/* Calls every plugin's exit in reverse priority order, then unloads. */
void sf_plugins_free(struct sf_plugins *plugins);
DEFINE_CLEANUP_FUNC(sf_plugins_free);

/* The plugin name if it is loaded, else NULL (also while it is deferred). */
const struct sf_plugin_desc *sf_plugins_find(const struct sf_plugins *plugins,
					     const char *name);

#define SF_PLUGINS_ANY_MODE (-1)

/*
 * The plugin name, loaded now if it was deferred: for a setting that names
 * it (a default policy, a rule's, SetPolicy). mode: the daemon's mode, to
 * refuse a plugin of the other one (-EMEDIUMTYPE) without loading it, or
 * SF_PLUGINS_ANY_MODE. Returns 0 with *ret_desc set; -ENOENT for no such
 * plugin; or why loading failed (as sf_plugins_load, and -ENOEXEC when the
 * file no longer holds the plugin found at start), with err saying why.
 * A plugin that failed to load stays deferred: a later use tries again.
 */
int sf_plugins_use(struct sf_plugins *plugins, const char *name, int mode,
		   const struct sf_plugin_desc **ret_desc,
		   char *err, size_t err_size);

/* Every plugin's name, loaded or deferred, in priority order,
 * NULL-terminated; caller frees with l_strfreev. */
char **sf_plugins_names(const struct sf_plugins *plugins);

enum sf_plugin_event {
	SF_PLUGIN_EVENT_CONN_CREATED,
	SF_PLUGIN_EVENT_CONN_ESTABLISHED,
	SF_PLUGIN_EVENT_CONN_CLOSED,
	SF_PLUGIN_EVENT_ADDR_ANNOUNCED,
	SF_PLUGIN_EVENT_ADDR_REMOVED,
	SF_PLUGIN_EVENT_SUBFLOW_ESTABLISHED,
	SF_PLUGIN_EVENT_SUBFLOW_CLOSED,
	SF_PLUGIN_EVENT_SUBFLOW_PRIORITY,
	SF_PLUGIN_EVENT_LISTENER_CREATED,
	SF_PLUGIN_EVENT_LISTENER_CLOSED,
	SF_PLUGIN_EVENT_IFACE_UP,
	SF_PLUGIN_EVENT_IFACE_DOWN,
	SF_PLUGIN_EVENT_LOCAL_ADDR_ADDED,
	SF_PLUGIN_EVENT_LOCAL_ADDR_REMOVED,
	SF_PLUGIN_EVENT_IFACE_POLICY_CHANGED,
};

/* The arguments of one event; which fields are used depends on the event. */
struct sf_plugin_event_args {
	struct sf_conn *conn;
	uint8_t id;
	const struct sf_addr *addr;
	const struct sf_subflow_info *subflow;
	int error;
	uint32_t reset_reason;
	int32_t ifindex;
	const char *ifname;
	const struct sf_local_addr *local;
	const struct sf_iface_policy *old_policy;
};

/*
 * Deliver an event. Connection events go to the connection's policy plugin
 * and to observers; the others to every plugin. Only plugins made for mode
 * get events. Delivery stops at the first SF_VERDICT_STOP.
 */
void sf_plugins_dispatch(const struct sf_plugins *plugins,
			 enum sf_plugin_mode mode, enum sf_plugin_event event,
			 const struct sf_plugin_event_args *args);
/* Deliver an event to plugin alone (SetPolicy's hand-over of a
 * connection); returns its verdict. */
enum sf_verdict sf_plugin_deliver(const struct sf_plugin_desc *plugin,
				  enum sf_plugin_event event,
				  const struct sf_plugin_event_args *args);
