/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * For the unit tests that drive the D-Bus service: a peer-to-peer sd-bus
 * connection over a socketpair, no bus daemon between.
 */
#pragma once

#include <sys/socket.h>

#include <check.h>
#include <systemd/sd-bus.h>

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
