/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The systemd module (subflowd-sd.so, see sdmodule.h): the D-Bus service
 * (dbus*.c, linked in) and sd_notify(), behind one descriptor. It calls the
 * core through the symbols the daemon exports (subflowd-sd.sym).
 */
#include <systemd/sd-daemon.h>

#include "dbus.h"
#include "sdmodule.h"

static int notify(const char *state)
{
	return sd_notify(0, state);
}

__attribute__((visibility("default")))
const struct sf_sd_module sf_sd_module = {
	.abi = SF_SD_MODULE_ABI,
	.dbus_new = sf_dbus_new,
	.dbus_free = sf_dbus_free,
	.dbus_failed = sf_dbus_failed,
	.notify = notify,
};
