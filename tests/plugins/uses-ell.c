/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test plugin: otherwise well-formed, but it calls ELL (declared here, as
 * a plugin that included <ell/ell.h> would): the loader refuses it, since
 * ELL is not part of the plugin API.
 */
#include <subflowd/plugin.h>

void l_free(void *ptr);

static void forget(void)
{
	l_free(NULL);
}

SF_PLUGIN_DEFINE("uses-ell", 50, SF_PLUGIN_MODE_USERSPACE, 0, NULL, forget,
		 NULL);
