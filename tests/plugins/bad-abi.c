/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test plugin: built for another ABI version. */
#include <subflowd/plugin.h>

__attribute__((visibility("default")))
const struct sf_plugin_desc sf_plugin_descriptor = {
	SF_PLUGIN_ABI_VERSION + 1, "bad-abi", 50, SF_PLUGIN_MODE_USERSPACE, 0,
	NULL, NULL, NULL,
};
