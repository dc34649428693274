/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * For the unit tests that drive the D-Bus service: the service on one end
 * of a peer-to-peer sd-bus connection over a socketpair (no bus daemon
 * between), the test the client at the other end.
 */
#pragma once

#include <sys/socket.h>

#include <check.h>
#include <ell/ell.h>
#include <systemd/sd-bus.h>

#include "dbus.h"

/* *ret_server, the service's end (an sd-bus server), and *ret_client, the
 * test's; both started, non-blocking. */
static inline void sf_unit_dbus_pair(sd_bus **ret_server, sd_bus **ret_client)
{
	sd_id128_t id;
	int fds[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
					     SOCK_NONBLOCK, 0, fds), 0);
	ck_assert_int_ge(sd_id128_randomize(&id), 0);
	ck_assert_int_ge(sd_bus_new(ret_server), 0);
	ck_assert_int_ge(sd_bus_set_fd(*ret_server, fds[0], fds[0]), 0);
	ck_assert_int_ge(sd_bus_set_server(*ret_server, 1, id), 0);
	ck_assert_int_ge(sd_bus_start(*ret_server), 0);
	ck_assert_int_ge(sd_bus_new(ret_client), 0);
	ck_assert_int_ge(sd_bus_set_fd(*ret_client, fds[1], fds[1]), 0);
	ck_assert_int_ge(sd_bus_start(*ret_client), 0);
}

/* One turn: the service (the ELL loop), then everything the client has. */
static inline void sf_unit_dbus_pump(sd_bus *client)
{
	l_main_iterate(5);
	while (sd_bus_process(client, NULL) > 0)
		;
}

/* The daemon's D-Bus service on a new pair: *ret_service, and
 * *ret_client, whose every message goes to filter; returns once the
 * client's connection is up. */
static inline void sf_unit_dbus_serve(struct sf_daemon *daemon,
				      sd_bus_message_handler_t filter,
				      sd_bus **ret_client,
				      struct sf_dbus **ret_service)
{
	sd_bus *server = NULL;

	sf_unit_dbus_pair(&server, ret_client);
	ck_assert_int_ge(sd_bus_add_filter(*ret_client, NULL, filter, NULL),
			 0);
	ck_assert_int_eq(sf_dbus_new_on_bus(daemon, server, NULL, ret_service),
			 0);
	sd_bus_unref(server);
	for (int i = 0; sd_bus_is_ready(*ret_client) <= 0 && i < 10000; i++)
		sf_unit_dbus_pump(*ret_client);
	ck_assert_int_gt(sd_bus_is_ready(*ret_client), 0);
}
