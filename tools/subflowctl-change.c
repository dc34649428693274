/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowctl: the commands that change something (reload, policy,
 * set-interface, subflow, announce, remove-address); each is one method call.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <stdarg.h>

#include <systemd/sd-bus.h>

#include "dbus.h"
#include "subflowctl.h"

/* Call a method that returns nothing; one line on failure. */
static int call(sd_bus *bus, const char *path, const char *interface,
		const char *method, const char *types, ...)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	va_list ap;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, ctl_dest, path,
					   interface, method);
	if (r >= 0) {
		va_start(ap, types);
		r = sd_bus_message_appendv(m, types, ap);
		va_end(ap);
	}
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, &error, NULL);

	sd_bus_message_unref(m);
	if (r < 0) {
		ctl_fail_bus(method, &error, r);
		sd_bus_error_free(&error);
		return 1;
	}
	return 0;
}

int cmd_reload(sd_bus *bus, int argc, char **argv)
{
	if (argc != 0) {
		fputs("subflowctl: reload takes no arguments\n", stderr);
		return EX_USAGE;
	}

	return call(bus, SF_DBUS_PATH, SF_DBUS_MANAGER_IFACE, "Reload", "");
}

int cmd_policy(sd_bus *bus, int argc, char **argv)
{
	char path[SF_DBUS_PATH_MAX];
	uint32_t token;
	int ret;

	if (argc == 1)
		return call(bus, SF_DBUS_PATH, SF_DBUS_MANAGER_IFACE,
			    "SetDefaultPolicy", "s", argv[0]);

	if (argc != 2) {
		fputs("subflowctl: usage: policy NAME [TOKEN]\n", stderr);
		return EX_USAGE;
	}

	ret = ctl_parse_token(argv[1], &token);
	if (ret)
		return ret;

	return call(bus, sf_dbus_conn_path(token, path), SF_DBUS_CONN_IFACE,
		    "SetPolicy", "s", argv[0]);
}

/* yes/no, true/false, on/off, 1/0. Returns 0, 1, or -1 if none. */
static int parse_bool(const char *s)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcmp(s, yes[i]))
			return 1;
		if (!strcmp(s, no[i]))
			return 0;
	}
	return -1;
}

int cmd_set_interface(sd_bus *bus, int argc, char **argv)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	int r, b;

	if (argc < 2) {
		fputs("subflowctl: usage: set-interface IFNAME key=value..."
		      "\n", stderr);
		return EX_USAGE;
	}

	r = sd_bus_message_new_method_call(bus, &m, ctl_dest, SF_DBUS_PATH,
					   SF_DBUS_MANAGER_IFACE,
					   "SetInterfacePolicy");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", argv[0]);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "{sv}");

	for (int i = 1; r >= 0 && i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		char *key = argv[i];
		char *value;

		if (!eq) {
			fprintf(stderr, "subflowctl: '%s' is not key=value\n",
				argv[i]);
			sd_bus_message_unref(m);
			return EX_USAGE;
		}
		*eq = '\0';
		value = eq + 1;

		if (!strcmp(key, "subflows")) {
			char *end;
			unsigned long n = strtoul(value, &end, 10);

			if (!*value || *end || n > UINT32_MAX) {
				fprintf(stderr, "subflowctl: subflows: '%s' is "
					"not a number\n", value);
				sd_bus_message_unref(m);
				return EX_USAGE;
			}
			r = sd_bus_message_append(m, "{sv}", key, "u",
						  (uint32_t)n);
		} else if ((b = parse_bool(value)) >= 0 &&
			   strcmp(key, "subflows")) {
			r = sd_bus_message_append(m, "{sv}", key, "b", b);
		} else {
			/* The daemon says what is wrong with it. */
			r = sd_bus_message_append(m, "{sv}", key, "s", value);
		}
	}

	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, &error, NULL);

	sd_bus_message_unref(m);
	if (r < 0) {
		ctl_fail_bus("SetInterfacePolicy", &error, r);
		sd_bus_error_free(&error);
		return 1;
	}
	return 0;
}

/* PORT: 0..65535. Returns 0 or EX_USAGE (said why). */
static int parse_port(const char *what, const char *str, uint16_t *ret_port)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(str, &end, 10);
	if (!*str || *end || errno || v > 65535) {
		fprintf(stderr, "subflowctl: %s: '%s' is not a port number\n",
			what, str);
		return EX_USAGE;
	}

	*ret_port = (uint16_t)v;
	return 0;
}

int cmd_subflow(sd_bus *bus, int argc, char **argv)
{
	char path[SF_DBUS_PATH_MAX];
	uint16_t lport = 0, rport = 0;
	uint32_t token;
	int ret, b;

	if (argc < 2)
		goto usage;

	ret = ctl_parse_token(argv[1], &token);
	if (ret)
		return ret;
	sf_dbus_conn_path(token, path);

	if (!strcmp(argv[0], "add") && (argc == 4 || argc == 5 || argc == 6)) {
		/* add TOKEN LOCAL REMOTE [PORT] [backup] */
		bool backup = false;

		if (argc == 6 || (argc == 5 && strcmp(argv[4], "backup"))) {
			ret = parse_port("port", argv[4], &rport);
			if (ret)
				return ret;
		}
		if (!strcmp(argv[argc - 1], "backup"))
			backup = true;
		else if (argc == 6)
			goto usage;

		return call(bus, path, SF_DBUS_CONN_IFACE, "CreateSubflow",
			    "ssqb", argv[2], argv[3], rport, backup);
	}

	if ((!strcmp(argv[0], "del") && argc == 6) ||
	    (!strcmp(argv[0], "backup") && argc == 7)) {
		ret = parse_port("local port", argv[3], &lport);
		if (!ret)
			ret = parse_port("remote port", argv[5], &rport);
		if (ret)
			return ret;

		if (!strcmp(argv[0], "del"))
			return call(bus, path, SF_DBUS_CONN_IFACE,
				    "RemoveSubflow", "sqsq", argv[2], lport,
				    argv[4], rport);

		b = parse_bool(argv[6]);
		if (b < 0) {
			fprintf(stderr, "subflowctl: '%s' is not on or off\n",
				argv[6]);
			return EX_USAGE;
		}
		return call(bus, path, SF_DBUS_CONN_IFACE, "SetBackup", "sqsqb",
			    argv[2], lport, argv[4], rport, b);
	}

usage:
	fputs("subflowctl: usage: subflow add TOKEN LOCAL REMOTE [PORT] "
	      "[backup] | subflow del TOKEN LOCAL LPORT REMOTE RPORT | "
	      "subflow backup TOKEN LOCAL LPORT REMOTE RPORT on|off\n",
	      stderr);
	return EX_USAGE;
}

int cmd_announce(sd_bus *bus, int argc, char **argv)
{
	char path[SF_DBUS_PATH_MAX];
	uint16_t port = 0;
	uint32_t token;
	int ret;

	if (argc != 2 && argc != 3) {
		fputs("subflowctl: usage: announce TOKEN ADDR [PORT]\n", stderr);
		return EX_USAGE;
	}

	ret = ctl_parse_token(argv[0], &token);
	if (!ret && argc == 3)
		ret = parse_port("port", argv[2], &port);
	if (ret)
		return ret;

	return call(bus, sf_dbus_conn_path(token, path), SF_DBUS_CONN_IFACE,
		    "Announce", "sq", argv[1], port);
}

int cmd_remove_address(sd_bus *bus, int argc, char **argv)
{
	char path[SF_DBUS_PATH_MAX];
	uint32_t token;
	char *end;
	unsigned long id;
	int ret;

	if (argc != 2) {
		fputs("subflowctl: usage: remove-address TOKEN ID\n", stderr);
		return EX_USAGE;
	}

	ret = ctl_parse_token(argv[0], &token);
	if (ret)
		return ret;

	id = strtoul(argv[1], &end, 10);
	if (!*argv[1] || *end || id > 255) {
		fprintf(stderr, "subflowctl: '%s' is not an address id "
			"(0..255)\n", argv[1]);
		return EX_USAGE;
	}

	return call(bus, sf_dbus_conn_path(token, path), SF_DBUS_CONN_IFACE,
		    "RemoveAddress", "y", (uint8_t)id);
}
