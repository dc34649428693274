/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: the D-Bus service of subflowd-dbus(7). sd-bus owns the connection;
 * its fd and timeout are watched from the ELL main loop (one thread). The
 * service mirrors the daemon through its observer hooks and steers it
 * through the daemon's settings calls and the public plugin command API.
 *
 * The pure parts (errno table, object paths, argument parsing) are below
 * the service calls and are unit-tested on their own.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <ell/ell.h>
#include <systemd/sd-bus.h>

#include <subflowd/addr.h>

struct sf_daemon;
struct sf_dbus;

#define SF_DBUS_NAME		"org.subflowd"
#define SF_DBUS_PATH		"/org/subflowd"
#define SF_DBUS_CONN_PREFIX	"/org/subflowd/connection"
#define SF_DBUS_IFACE_PREFIX	"/org/subflowd/interface"
#define SF_DBUS_MANAGER_IFACE	"org.subflowd.Manager1"
#define SF_DBUS_CONN_IFACE	"org.subflowd.Connection1"
#define SF_DBUS_IFACE_IFACE	"org.subflowd.Interface1"
#define SF_DBUS_ERROR_PREFIX	"org.subflowd.Error."

/* Longest instance name sf_dbus_instance_name() takes, in bytes. */
#define SF_DBUS_INSTANCE_MAX	80

/* Longest object path sf_dbus_*_path() writes, NUL included. */
#define SF_DBUS_PATH_MAX	64

/*
 * Connect to bus ("system", "session", or a D-Bus address such as
 * "unix:path=/run/bus"), publish the objects and ask for the bus name
 * (name, or SF_DBUS_NAME when NULL; see sf_dbus_instance_name()). The
 * daemon's readiness is held until the name is owned. When the name cannot
 * be owned (or the bus goes away before), the reason is logged, the main
 * loop is told to quit and sf_dbus_failed() turns true.
 *
 * Returns 0, or a negative errno when the bus cannot be reached.
 */
int sf_dbus_new(struct sf_daemon *daemon, const char *bus, const char *name,
		struct sf_dbus **ret_dbus);

/*
 * sf_dbus_new() on a connection the caller opened and started: a bus client
 * (sf_dbus_open()) or one end of a peer-to-peer connection, which has no
 * bus names. The service takes its own reference on bus and drives it from
 * the ELL loop from now on; it closes bus in sf_dbus_free(), and at once
 * when it fails, so the caller only unrefs its reference. name, when not
 * NULL: ask for that bus name and hold the daemon's readiness until it is
 * owned, as sf_dbus_new() does.
 *
 * Returns 0, or a negative errno when the objects cannot be published.
 */
int sf_dbus_new_on_bus(struct sf_daemon *daemon, sd_bus *bus,
		       const char *name, struct sf_dbus **ret_dbus);

/*
 * Close the service. Call it right before sf_daemon_free(), with no main
 * loop iteration in between: method calls still waiting for the kernel are
 * dropped without a reply (the daemon never completes them either).
 */
void sf_dbus_free(struct sf_dbus *dbus);
DEFINE_CLEANUP_FUNC(sf_dbus_free);

/* Did the service fail for good (the bus name could not be owned)? */
bool sf_dbus_failed(const struct sf_dbus *dbus);

/* --- shared with subflowctl (dbus-util.c) ------------------------------- */

/*
 * Connect to "system", "session" or a D-Bus address (e.g.
 * "unix:path=/run/bus") as a bus client. Returns 0 or a negative errno.
 */
int sf_dbus_open(const char *bus, sd_bus **ret_bus);

/*
 * The D-Bus error name for a negative errno, from the one errno table:
 * "org.subflowd.Error.EADDRNOTAVAIL", or "org.subflowd.Error.Failed" for an
 * errno the table does not know.
 */
const char *sf_dbus_error_name(int error);

/*
 * Fill ret_error with the named error of a negative errno and the message
 * "CONTEXT: strerror[: extack]" (extack may be NULL). Returns error, for
 * "return sf_dbus_error_errno(...)" in method handlers.
 */
int sf_dbus_error_errno(sd_bus_error *ret_error, int error,
			const char *extack, const char *context);

/* Fill ret_error with InvalidArgs and a printf message that names the
 * argument. Returns -EINVAL. */
int sf_dbus_error_invalid(sd_bus_error *ret_error, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The bus name of the daemon serving network namespace instance (as in
 * /run/netns/INSTANCE; subflowd --instance, subflowctl --netns):
 * "org.subflowd." and the instance with every byte other than an ASCII
 * letter or digit, and a leading digit, written as "_" and two lowercase
 * hex digits ("blue" -> "org.subflowd.blue", "ns-1" -> "org.subflowd.ns_2d1").
 * NULL or "" gives SF_DBUS_NAME. Returns 0 with *ret_name to l_free(), or
 * -EINVAL for a name that is no netns name (a '/', "." or "..", or longer
 * than SF_DBUS_INSTANCE_MAX).
 */
int sf_dbus_instance_name(const char *instance, char **ret_name);

/* "/org/subflowd/connection/1a2b3c4d" and "/org/subflowd/interface/3". */
const char *sf_dbus_conn_path(uint32_t token, char buf[SF_DBUS_PATH_MAX]);
const char *sf_dbus_iface_path(int32_t ifindex, char buf[SF_DBUS_PATH_MAX]);

/*
 * The token (exactly 8 lowercase hex digits) or ifindex (decimal, > 0, no
 * leading zero) in an object path. Returns 0 or -EINVAL.
 */
int sf_dbus_conn_path_parse(const char *path, uint32_t *ret_token);
int sf_dbus_iface_path_parse(const char *path, int32_t *ret_ifindex);

/*
 * An address argument: str must be an IP address ("10.0.1.1", "fd00::1");
 * family, when not AF_UNSPEC, is the family it must have (that of the
 * argument named other). On failure ret_error says which argument and why.
 * Returns 0 or -EINVAL.
 */
int sf_dbus_parse_addr_arg(const char *name, const char *str,
			   sa_family_t family, const char *other,
			   struct sf_addr *ret_addr, sd_bus_error *ret_error);
