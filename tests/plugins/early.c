/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test plugin: a lower priority number than "good", so it comes first. */
#include <subflowd/plugin.h>

SF_PLUGIN_DEFINE("early", 10, SF_PLUGIN_MODE_USERSPACE, 0, NULL, NULL, NULL);
