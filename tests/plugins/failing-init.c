/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test plugin: its init refuses to load. */
#include <errno.h>

#include <subflowd/plugin.h>

static int failing_init(void)
{
	return -EIO;
}

SF_PLUGIN_DEFINE("failing-init", 50, SF_PLUGIN_MODE_USERSPACE, 0,
		 failing_init, NULL, NULL);
