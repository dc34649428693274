/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The configuration file (subflowd.conf(5)): parsing, validation and the
 * effective settings. Engine: no sockets; errors are returned, not logged.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <ell/ell.h>

#include <subflowd/addr.h>
#include <subflowd/plugin.h>

#define SF_CONFIG_DEFAULT_PATH SF_SYSCONFDIR "/subflowd/subflowd.conf"

enum sf_mode {
	SF_MODE_USERSPACE,
	SF_MODE_KERNEL,
};

enum sf_log_target {
	SF_LOG_STDERR,
	SF_LOG_JOURNAL,
	SF_LOG_SYSLOG,
};

/* [filter]: which local addresses are eligible at all. */
struct sf_filter_config {
	char **exclude_interfaces;	/* globs, NULL-terminated; may be NULL */
	char **include_interfaces;	/* globs; NULL or empty: all */
	bool skip_link_local;
	bool skip_ula;
	bool skip_temporary;
	bool skip_deprecated;
	bool require_default_route;
};

/* [interface] priority when not given (0..255, lower first). */
#define SF_IFACE_PRIORITY_DEFAULT 100

/* One [interface NAME] section. NAME is an interface name or a glob. */
struct sf_config_iface {
	char *pattern;
	unsigned int line;		/* of the section header */
	struct sf_iface_policy policy;	/* defaults filled in for unset keys */
};

/* An IP prefix, e.g. 203.0.113.0/24. */
struct sf_prefix {
	struct sf_addr addr;		/* port unused */
	uint8_t len;
};

/* One [rule NAME] section; every match-* key given must match. */
struct sf_config_rule {
	char *name;
	unsigned int line;
	struct sf_prefix *remotes;	/* match-remote; n_remotes == 0: any */
	size_t n_remotes;
	uint16_t *ports;		/* match-port; n_ports == 0: any */
	size_t n_ports;
	bool has_uid;
	uid_t uid;			/* match-uid */
	char *cgroup;			/* match-cgroup; NULL: any */
	char *policy;			/* required */
};

struct sf_config {
	char *path;			/* file it was read from; NULL: defaults */

	/* [core] */
	enum sf_mode mode;
	char *policy;			/* default policy plugin name */
	char **plugins;			/* NULL or empty: load every plugin */
	unsigned int max_subflows;	/* 1..255 */
	enum sf_standby standby;
	char *control_group;
	enum sf_log_target log;
	uint32_t endpoint_flags;	/* MPTCP_PM_ADDR_FLAG_* default */

	struct sf_filter_config filter;
	struct sf_quality_config quality;
	struct l_queue *ifaces;		/* struct sf_config_iface, file order */
	struct l_queue *rules;		/* struct sf_config_rule, file order */
};

/* Built-in defaults (DESIGN.md). Never NULL. */
struct sf_config *sf_config_new_defaults(void);

void sf_config_free(struct sf_config *config);
DEFINE_CLEANUP_FUNC(sf_config_free);

/*
 * Parse path into a new config (defaults for every key not given).
 * On failure returns a negative errno and writes one line to ret_err
 * (err_size bytes) of the form "FILE:LINE: [group] key: what is wrong"
 * (LINE of the offending key, or of the group header for group-level
 * problems; no LINE when the file cannot be read):
 *   -ENOENT/-EACCES/...  file unreadable
 *   -EPERM               file (a symlink's target) writable by others than
 *                        root and the daemon's user: refused unread
 *   -EINVAL              syntax error, unknown group or key, bad value
 */
int sf_config_load(const char *path, struct sf_config **ret_config,
		   char *ret_err, size_t err_size);

/* Same, from an in-memory buffer; name is used in messages as FILE. */
int sf_config_load_data(const char *name, const char *data, size_t len,
			struct sf_config **ret_config,
			char *ret_err, size_t err_size);

/*
 * The policy for interface ifname: the first [interface] section whose name
 * equals ifname, else the first whose glob matches it, else the defaults.
 */
void sf_config_iface_policy(const struct sf_config *config, const char *ifname,
			    struct sf_iface_policy *ret_policy);

/* Print the effective settings as a valid config file (--check-config). */
void sf_config_print(const struct sf_config *config, FILE *out);

/* Parse/print helpers shared with the command line. -EINVAL if unknown. */
int sf_mode_from_str(const char *str, enum sf_mode *ret_mode);
const char *sf_mode_to_str(enum sf_mode mode);
int sf_log_target_from_str(const char *str, enum sf_log_target *ret_target);
const char *sf_log_target_to_str(enum sf_log_target target);
