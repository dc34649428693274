/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test plugin: a policy loaded when a setting names it. Its init counts in
 * on_demand_inits; with SF_TEST_INIT_FAIL set in the environment it fails.
 */
#include <errno.h>
#include <stdlib.h>

#include <subflowd/plugin.h>

__attribute__((visibility("default"))) unsigned int on_demand_inits;

static int on_demand_init(void)
{
	if (getenv("SF_TEST_INIT_FAIL"))
		return -EIO;

	on_demand_inits++;
	return 0;
}

SF_PLUGIN_DEFINE("on-demand", 40, SF_PLUGIN_MODE_USERSPACE,
		 SF_PLUGIN_FLAG_ON_DEMAND, on_demand_init, NULL, NULL);
