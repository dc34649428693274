/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test plugin: starts a timer in init and leaves it at exit. The daemon
 * must free it before the unload; were it to fire, abort() says so (or the
 * call lands in code that is gone).
 */
#include <errno.h>
#include <stdlib.h>

#include <subflowd/plugin.h>

static void fire(struct sf_timer *timer, void *user_data)
{
	abort();
}

static int init(void)
{
	return sf_timer_new(1, fire, NULL, NULL) ? 0 : -ENOMEM;
}

static const struct sf_plugin_ops ops = { 0 };

SF_PLUGIN_DEFINE("timer-left", 50, SF_PLUGIN_MODE_USERSPACE, 0, init, NULL,
		 &ops);
