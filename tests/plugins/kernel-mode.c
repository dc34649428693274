/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test plugin: for the kernel mode, without SF_PLUGIN_FLAG_ON_DEMAND. */
#include <subflowd/plugin.h>

SF_PLUGIN_DEFINE("kernel-mode", 60, SF_PLUGIN_MODE_KERNEL, 0, NULL, NULL,
		 NULL);
