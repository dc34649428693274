/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Method calls put off and run again: a handler that cannot decide yet
 * (the access check waits for the bus's word on the caller, dbus-access.c)
 * keeps the call with the handler sd-bus was running, returns without a
 * reply, and the call is run again later from its first argument, as
 * sd-bus would run it had it just arrived. Nothing the first run found is
 * trusted then: the object is found again at the call's path, and a
 * connection that went meanwhile gets the error sd-bus gives a call to an
 * object that does not exist.
 */
#include <errno.h>
#include <string.h>

#include "dbus-private.h"
#include "log.h"

struct sf_dbus_deferred {
	struct sf_dbus *dbus;
	sd_bus_message *msg;			/* referenced */
	sd_bus_message_handler_t handler;
	bool is_conn;				/* else: the manager's */
	uint32_t token;				/* is_conn: its path's */
};

struct sf_dbus_deferred *sf_dbus_defer(struct sf_dbus *d, sd_bus_message *m)
{
	sd_bus *bus = sd_bus_message_get_bus(m);
	sd_bus_message_handler_t handler = sd_bus_get_current_handler(bus);
	void *userdata = sd_bus_get_current_userdata(bus);
	const char *path = sd_bus_message_get_path(m);
	struct sf_dbus_deferred *call;
	uint32_t token = 0;
	bool is_conn;

	if (!handler || !path)
		return NULL;

	/* Only objects found again the way sd-bus found them: the manager
	 * (the service is its userdata) and the connections (the scratch
	 * object that conn_find() fills). */
	is_conn = sf_dbus_conn_path_parse(path, &token) == 0;
	if (is_conn ? userdata != d->found :
		      userdata != d || strcmp(path, SF_DBUS_PATH))
		return NULL;

	call = l_new(struct sf_dbus_deferred, 1);
	call->dbus = d;
	call->msg = sd_bus_message_ref(m);
	call->handler = handler;
	call->is_conn = is_conn;
	call->token = token;
	return call;
}

void sf_dbus_deferred_free(struct sf_dbus_deferred *call)
{
	if (!call)
		return;

	sd_bus_message_unref(call->msg);
	l_free(call);
}

/* Run call's handler as sd-bus does: on the object found now, and a
 * failure's error as the reply. */
static int run(struct sf_dbus_deferred *call)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	struct sf_dbus_conn conn = { call->dbus, call->token };
	sd_bus_message *m = call->msg;
	void *userdata = call->dbus;
	int r;

	if (call->is_conn) {
		/* conn_find()'s test: the daemon still has the connection. */
		if (!sf_dbus_conn_lookup(&conn))
			return sd_bus_reply_method_errorf(m,
					SD_BUS_ERROR_UNKNOWN_OBJECT,
					"Unknown object '%s'.",
					sd_bus_message_get_path(m));
		userdata = &conn;
	}

	r = sd_bus_message_rewind(m, true);
	if (r >= 0)
		/* 0 or more: replied, or the reply waits for the kernel. */
		r = call->handler(m, userdata, &error);
	if (sd_bus_error_is_set(&error))
		r = sd_bus_reply_method_error(m, &error);
	else if (r < 0)
		r = sd_bus_reply_method_errno(m, r, &error);
	sd_bus_error_free(&error);
	return r;
}

void sf_dbus_deferred_run(struct sf_dbus_deferred *call)
{
	int r = run(call);

	if (r < 0)
		l_debug("%s: cannot reply: %s",
			sd_bus_message_get_member(call->msg), strerror(-r));
	sf_dbus_deferred_free(call);
}
