/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: what needs libsystemd (the D-Bus service on sd-bus, and sd_notify)
 * lives in a module, subflowd-sd.so, loaded the first time it is needed:
 * when a bus is configured (--bus) or systemd asks for notifications
 * (NOTIFY_SOCKET). A daemon run with --bus none outside systemd never maps
 * libsystemd and the libraries it pulls in (about 1 MB of resident memory).
 *
 * The module is looked for in SF_MODULEDIR, or in the directory the
 * environment variable SUBFLOWD_MODULE_DIR names (the build tree's tests);
 * like a plugin, it and its directory must be owned by root (or by us) and
 * writable by no one else. Unlike a plugin, it is the daemon's own code,
 * built and versioned with it (SF_SD_MODULE_ABI), so it takes ELL from the
 * daemon (src/subflowd-sd-ell.sym).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct sf_daemon;
struct sf_dbus;

#define SF_SD_MODULE_FILE	"subflowd-sd.so"
#define SF_SD_MODULE_SYMBOL	"sf_sd_module"
/* Raised whenever struct sf_sd_module changes. */
#define SF_SD_MODULE_ABI	2

/* What the module provides: dbus.h's service calls, and sd_notify(). */
struct sf_sd_module {
	uint32_t abi;
	int (*dbus_new)(struct sf_daemon *daemon, const char *bus,
			const char *name, struct sf_dbus **ret_dbus);
	void (*dbus_free)(struct sf_dbus *dbus);
	bool (*dbus_failed)(const struct sf_dbus *dbus);
	/* sd_notify(0, state): > 0 sent, 0 not under systemd, < 0 errno. */
	int (*notify)(const char *state);
};

/*
 * The module, loaded on the first call. Returns 0, or a negative errno
 * with the reason logged (the module is missing, untrusted, or of another
 * ABI); a failed load is not tried again.
 */
int sf_sd_module_get(const struct sf_sd_module **ret_module);

/*
 * Tell systemd (sd_notify) STATE, printf-style: a no-op unless
 * NOTIFY_SOCKET is set, as sd_notify() itself.
 */
void sf_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
