/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test plugin: a well-formed plugin that does nothing. */
#include <subflowd/plugin.h>

static const struct sf_plugin_ops ops = { 0 };

SF_PLUGIN_DEFINE("good", 50, SF_PLUGIN_MODE_USERSPACE, 0, NULL, NULL, &ops);
