/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowctl(1), shared between its files: subflowctl.c (options, the
 * command table, output helpers), subflowctl-objects.c (the daemon's
 * objects read into typed views), subflowctl-read.c (status, connections,
 * show, interfaces), subflowctl-monitor.c and subflowctl-change.c (the
 * commands that change something).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

/* --json was given. */
extern bool ctl_json;
/* The bus name of the daemon spoken to: org.subflowd, or an instance's
 * (--netns NAME, sf_dbus_instance_name()). */
extern const char *ctl_dest;

/* Strings point into the message they were read from. */
struct subflow {
	const char *local;
	const char *remote;
	uint16_t local_port;
	uint16_t remote_port;
	int backup;
	uint32_t ifindex;
	uint8_t local_id;
	uint8_t remote_id;
};

struct remote_addr {
	uint8_t id;
	const char *addr;
	uint16_t port;
};

struct conn {
	uint32_t token;
	const char *local;
	const char *remote;
	uint16_t local_port;
	uint16_t remote_port;
	int server_side;
	int established;
	const char *policy;
	uint32_t owner;
	struct subflow *subflows;
	size_t n_subflows;
	struct remote_addr *raddrs;
	size_t n_raddrs;
};

struct iface {
	const char *name;
	uint32_t index;
	int up;
	const char **addrs;
	size_t n_addrs;
	int backup;
	int announce;
	int enabled;
};

#define OWNER_UNKNOWN UINT32_MAX

/* Every object of the daemon; strings point into reply. */
struct objects {
	sd_bus_message *reply;
	struct conn *conns;
	size_t n_conns;
	struct iface *ifaces;
	size_t n_ifaces;
};

/* Fill o from ObjectManager.GetManagedObjects, sorted by token and by
 * ifindex. Returns 0, or a negative errno with one line said on stderr;
 * ctl_objects_clear(o) either way. */
int ctl_get_objects(sd_bus *bus, struct objects *o);
void ctl_objects_clear(struct objects *o);

/* array with room for n + 1 elements of size; exits on ENOMEM. */
void *ctl_grow(void *array, size_t n, size_t size);

/* Reads the value of property name (a variant) into obj, or skips it. */
typedef int (*ctl_prop_reader_t)(sd_bus_message *m, const char *name,
				 void *obj);
/* Read an a{sv} of properties into obj, each through reader. */
int ctl_read_props(sd_bus_message *m, ctl_prop_reader_t reader, void *obj);

/* JSON string s with quotes and escapes, on stdout. */
void ctl_json_str(const char *s);
/* "addr:port", with brackets around an IPv6 address, in buf. */
const char *ctl_endpoint(const char *addr, uint16_t port, char *buf,
			 size_t size);
/* One line on stderr: error's message, or what and strerror(-r).
 * Returns 1, the exit status. */
int ctl_fail_bus(const char *what, const sd_bus_error *error, int r);
/* Print the next value of m (any type) as JSON or as compact text, and
 * consume it. Returns 0 or a negative errno. */
int ctl_print_value(sd_bus_message *m, bool json);
/* TOKEN: up to 8 hex digits. Returns 0 or EX_USAGE (said why). */
int ctl_parse_token(const char *str, uint32_t *ret_token);
/* Connection token's subflow health (subflowctl-health.c): a table, or
 * with --json ',"subflow_stats":[...]' to end show's object. When the
 * daemon has figures for fewer than the connection's n_subflows,
 * waits up to 2 s for them. Returns 0 or a negative errno, said on
 * stderr. */
int ctl_show_health(sd_bus *bus, uint32_t token, size_t n_subflows);

/* The commands: argv after the command's name. Return the exit status. */
int cmd_status(sd_bus *bus, int argc, char **argv);
int cmd_connections(sd_bus *bus, int argc, char **argv);
int cmd_show(sd_bus *bus, int argc, char **argv);
int cmd_interfaces(sd_bus *bus, int argc, char **argv);
int cmd_monitor(sd_bus *bus, int argc, char **argv);
int cmd_reload(sd_bus *bus, int argc, char **argv);
int cmd_policy(sd_bus *bus, int argc, char **argv);
int cmd_set_interface(sd_bus *bus, int argc, char **argv);
int cmd_subflow(sd_bus *bus, int argc, char **argv);
int cmd_announce(sd_bus *bus, int argc, char **argv);
int cmd_remove_address(sd_bus *bus, int argc, char **argv);
