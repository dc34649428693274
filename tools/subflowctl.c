/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowctl(1): look at and steer subflowd over D-Bus (subflowd-dbus(7)):
 * options, the command table and the output helpers; the commands are in
 * subflowctl-*.c (see subflowctl.h).
 * Reads print human tables, or JSON with --json; "monitor" prints one line
 * per change as it happens. Any failure ends with one line on stderr and
 * exit status 1 (64 for bad usage).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <systemd/sd-bus.h>

#include "dbus.h"
#include "subflowctl.h"
#include "util.h"
#include "sf-build.h"

bool ctl_json;
const char *ctl_dest = SF_DBUS_NAME;
static const char *arg_bus = "system";

/* --- output helpers ------------------------------------------------------ */

void ctl_json_str(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* "addr:port", with brackets around an IPv6 address. */
const char *ctl_endpoint(const char *addr, uint16_t port, char *buf,
			    size_t size)
{
	snprintf(buf, size, strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr,
		 port);
	return buf;
}

int ctl_fail_bus(const char *what, const sd_bus_error *error, int r)
{
	if (error && sd_bus_error_is_set(error))
		fprintf(stderr, "subflowctl: %s\n",
			error->message ? error->message : error->name);
	else
		fprintf(stderr, "subflowctl: %s: %s\n", what, strerror(-r));
	return 1;
}

/*
 * Print the next value of m (any type) as JSON or as compact text, and
 * consume it. Dictionaries with string keys become JSON objects.
 */
int ctl_print_value(sd_bus_message *m, bool json)
{
	const char *contents;
	char type;
	int r;

	r = sd_bus_message_peek_type(m, &type, &contents);
	if (r <= 0)
		return r < 0 ? r : -EBADMSG;

	switch (type) {
	case SD_BUS_TYPE_ARRAY: {
		bool dict = contents[0] == '{';
		bool object = dict && json && (contents[1] == 's' ||
					       contents[1] == 'o');
		bool first = true;

		r = sd_bus_message_enter_container(m, type, contents);
		if (r < 0)
			return r;
		fputs(object ? "{" : "[", stdout);
		while (!sd_bus_message_at_end(m, false)) {
			if (!first)
				fputs(json ? "," : " ", stdout);
			first = false;
			if (dict) {
				r = sd_bus_message_enter_container(m,
						SD_BUS_TYPE_DICT_ENTRY, NULL);
				if (r < 0)
					return r;
				r = ctl_print_value(m, json);
				if (r < 0)
					return r;
				fputs(object ? ":" : json ? "," : "=", stdout);
				r = ctl_print_value(m, json);
				if (r < 0)
					return r;
				r = sd_bus_message_exit_container(m);
			} else {
				r = ctl_print_value(m, json);
			}
			if (r < 0)
				return r;
		}
		fputs(object ? "}" : "]", stdout);
		return sd_bus_message_exit_container(m);
	}
	case SD_BUS_TYPE_STRUCT: {
		bool first = true;

		r = sd_bus_message_enter_container(m, type, contents);
		if (r < 0)
			return r;
		fputs(json ? "[" : "(", stdout);
		while (!sd_bus_message_at_end(m, false)) {
			if (!first)
				fputs(json ? "," : " ", stdout);
			first = false;
			r = ctl_print_value(m, json);
			if (r < 0)
				return r;
		}
		fputs(json ? "]" : ")", stdout);
		return sd_bus_message_exit_container(m);
	}
	case SD_BUS_TYPE_VARIANT:
		r = sd_bus_message_enter_container(m, type, contents);
		if (r < 0)
			return r;
		r = ctl_print_value(m, json);
		if (r < 0)
			return r;
		return sd_bus_message_exit_container(m);
	case SD_BUS_TYPE_STRING:
	case SD_BUS_TYPE_OBJECT_PATH:
	case SD_BUS_TYPE_SIGNATURE: {
		const char *s;

		r = sd_bus_message_read_basic(m, type, &s);
		if (r < 0)
			return r;
		if (json)
			ctl_json_str(s);
		else
			fputs(s, stdout);
		return 0;
	}
	case SD_BUS_TYPE_BOOLEAN: {
		int b;

		r = sd_bus_message_read_basic(m, type, &b);
		if (r < 0)
			return r;
		fputs(b ? (json ? "true" : "yes") : (json ? "false" : "no"),
		      stdout);
		return 0;
	}
	case SD_BUS_TYPE_BYTE:
	case SD_BUS_TYPE_UINT16:
	case SD_BUS_TYPE_UINT32:
	case SD_BUS_TYPE_UINT64: {
		union { uint8_t y; uint16_t q; uint32_t u; uint64_t t; } v;

		r = sd_bus_message_read_basic(m, type, &v);
		if (r < 0)
			return r;
		printf("%" PRIu64, type == SD_BUS_TYPE_BYTE ? v.y :
		       type == SD_BUS_TYPE_UINT16 ? v.q :
		       type == SD_BUS_TYPE_UINT32 ? v.u : v.t);
		return 0;
	}
	case SD_BUS_TYPE_INT16:
	case SD_BUS_TYPE_INT32:
	case SD_BUS_TYPE_INT64: {
		union { int16_t n; int32_t i; int64_t x; } v;

		r = sd_bus_message_read_basic(m, type, &v);
		if (r < 0)
			return r;
		printf("%" PRId64, type == SD_BUS_TYPE_INT16 ? v.n :
		       type == SD_BUS_TYPE_INT32 ? v.i : v.x);
		return 0;
	}
	case SD_BUS_TYPE_DOUBLE: {
		double v;

		r = sd_bus_message_read_basic(m, type, &v);
		if (r < 0)
			return r;
		printf("%g", v);
		return 0;
	}
	default:
		return sd_bus_message_skip(m, NULL);
	}
}

/* --- main ------------------------------------------------------------------ */

static const struct {
	const char *name;
	int (*run)(sd_bus *bus, int argc, char **argv);
} commands[] = {
	{ "status", cmd_status },
	{ "connections", cmd_connections },
	{ "show", cmd_show },
	{ "interfaces", cmd_interfaces },
	{ "monitor", cmd_monitor },
	{ "reload", cmd_reload },
	{ "policy", cmd_policy },
	{ "set-interface", cmd_set_interface },
	{ "subflow", cmd_subflow },
	{ "announce", cmd_announce },
	{ "remove-address", cmd_remove_address },
};

static void usage(FILE *out)
{
	fputs("Usage: subflowctl [--bus BUS] [-n NETNS] [--json] COMMAND "
	      "[ARGS]\n"
	      "Look at and steer subflowd, the MPTCP path manager, over "
	      "D-Bus.\n\n"
	      "  status                       version, mode, policies, "
	      "counters\n"
	      "  connections                  MPTCP connections\n"
	      "  show TOKEN                   one connection, its subflows and "
	      "peer addresses\n"
	      "  interfaces                   interfaces and their policy\n"
	      "  monitor                      one line per change, live\n"
	      "  reload                       re-read the configuration\n"
	      "  policy NAME [TOKEN]          default policy, or a "
	      "connection's\n"
	      "  set-interface IFNAME key=value...\n"
	      "                               backup, announce, enabled, "
	      "metered (yes/no), subflows (n)\n"
	      "  subflow add TOKEN LOCAL REMOTE [PORT] [backup]\n"
	      "  subflow del TOKEN LOCAL LPORT REMOTE RPORT\n"
	      "  subflow backup TOKEN LOCAL LPORT REMOTE RPORT on|off\n"
	      "  announce TOKEN ADDR [PORT]   advertise a local address to "
	      "the peer\n"
	      "  remove-address TOKEN ID      withdraw an advertised address\n"
	      "\n"
	      "      --bus BUS      system (default), session or a D-Bus "
	      "address\n"
	      "  -n, --netns NAME   the daemon of network namespace NAME\n"
	      "                     (subflowd@NAME.service)\n"
	      "  -j, --json         JSON output for reads\n"
	      "  -V, --version      print the version and exit\n"
	      "  -h, --help         print this help and exit\n", out);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "bus", required_argument, NULL, 'b' },
		{ "netns", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	_auto_(l_free) char *dest = NULL;
	sd_bus *bus = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "+n:jVh", options, NULL)) != -1) {
		switch (c) {
		case 'b':
			arg_bus = optarg;
			break;
		case 'n':
			l_free(dest);
			if (sf_dbus_instance_name(optarg, &dest) < 0) {
				fprintf(stderr, "subflowctl: --netns: '%s' is "
					"not a network namespace name\n",
					optarg);
				return EX_USAGE;
			}
			ctl_dest = dest;
			break;
		case 'j':
			ctl_json = true;
			break;
		case 'V':
			printf("subflowctl %s\n", VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fputs("Try 'subflowctl --help' for more information.\n",
			      stderr);
			return EX_USAGE;
		}
	}

	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;

		r = sf_dbus_open(arg_bus, &bus);
		if (r < 0) {
			fprintf(stderr, "subflowctl: cannot connect to D-Bus "
				"(--bus %s): %s\n", arg_bus, strerror(-r));
			return 1;
		}

		r = commands[i].run(bus, argc - optind - 1, argv + optind + 1);
		sd_bus_flush_close_unref(bus);
		return r;
	}

	fprintf(stderr, "subflowctl: unknown command '%s'; see "
		"'subflowctl --help'\n", argv[optind]);
	return EX_USAGE;
}
