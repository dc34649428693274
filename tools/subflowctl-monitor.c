/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowctl monitor: one line per signal of the daemon, as it comes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <systemd/sd-bus.h>

#include "dbus.h"
#include "subflowctl.h"

static void stamp(void)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	printf("%02d:%02d:%02d.%03ld ", tm.tm_hour, tm.tm_min, tm.tm_sec,
	       ts.tv_nsec / 1000000);
}

/* "connection 1a2b3c4d", "interface 3" or "manager" for a path. */
static void print_object(const char *path)
{
	const char *leaf = strrchr(path, '/') + 1;

	if (!strncmp(path, SF_DBUS_CONN_PREFIX "/",
		     strlen(SF_DBUS_CONN_PREFIX) + 1))
		printf("connection %s", leaf);
	else if (!strncmp(path, SF_DBUS_IFACE_PREFIX "/",
			  strlen(SF_DBUS_IFACE_PREFIX) + 1))
		printf("interface %s", leaf);
	else
		fputs("manager", stdout);
}

/* An a{sv} as "Key=value Key=value" (or a JSON object). */
static int print_props(sd_bus_message *m)
{
	const char *name;
	bool first = true;
	int r;

	if (ctl_json)
		return ctl_print_value(m, true);

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = sd_bus_message_read(m, "s", &name);
		if (r < 0)
			break;
		printf("%s%s=", first ? "" : " ", name);
		first = false;
		r = ctl_print_value(m, false);
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	if (r < 0)
		return r;

	return sd_bus_message_exit_container(m);
}

/* InterfacesAdded's a{sa{sv}}: the properties of our interface only. */
static int print_added(sd_bus_message *m)
{
	const char *name;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
	while (r >= 0 &&
	       (r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
		r = sd_bus_message_read(m, "s", &name);
		if (r < 0)
			break;
		if (!strncmp(name, "org.subflowd.", strlen("org.subflowd.")))
			r = print_props(m);
		else
			r = sd_bus_message_skip(m, "a{sv}");
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	if (r < 0)
		return r;

	return sd_bus_message_exit_container(m);
}

/* One line per signal: "TIME OBJECT added|changed|removed [properties]",
 * or with --json one object per line. */
static int on_signal(sd_bus_message *m, void *userdata,
		     sd_bus_error *ret_error)
{
	const char *member = sd_bus_message_get_member(m);
	const char *path = sd_bus_message_get_path(m);
	const char *event;
	int r;

	if (!strcmp(member, "InterfacesAdded")) {
		r = sd_bus_message_read(m, "o", &path);
		event = "added";
	} else if (!strcmp(member, "InterfacesRemoved")) {
		r = sd_bus_message_read(m, "o", &path);
		event = "removed";
	} else {
		/* PropertiesChanged: the interface name, then the values. */
		r = sd_bus_message_skip(m, "s");
		event = "changed";
	}
	if (r < 0 || !path)
		return 0;

	if (ctl_json) {
		printf("{\"event\":\"%s\",\"path\":", event);
		ctl_json_str(path);
	} else {
		stamp();
		print_object(path);
		printf(" %s", event);
	}

	if (!strcmp(event, "removed")) {
		r = 0;
	} else {
		fputs(ctl_json ? ",\"properties\":" : " ", stdout);
		r = !strcmp(event, "added") ? print_added(m) : print_props(m);
	}

	puts(ctl_json ? "}" : "");
	fflush(stdout);
	if (r < 0)
		fprintf(stderr, "subflowctl: cannot parse a %s signal: %s\n",
			member, strerror(-r));
	return 0;
}

int cmd_monitor(sd_bus *bus, int argc, char **argv)
{
	/* After "type='signal',sender='NAME',". */
	static const char *const rules[] = {
		"interface='org.freedesktop.DBus.ObjectManager',"
		"path='" SF_DBUS_PATH "'",
		"interface='org.freedesktop.DBus.Properties',"
		"member='PropertiesChanged',path_namespace='" SF_DBUS_PATH "'",
	};
	char rule[512];
	int r;

	if (argc != 0) {
		fputs("subflowctl: monitor takes no arguments\n", stderr);
		return EX_USAGE;
	}

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		snprintf(rule, sizeof(rule), "type='signal',sender='%s',%s",
			 ctl_dest, rules[i]);
		r = sd_bus_add_match(bus, NULL, rule, on_signal, NULL);
		if (r < 0)
			return ctl_fail_bus("AddMatch", NULL, r);
	}

	if (!ctl_json) {
		puts("monitoring subflowd; ^C to stop");
		fflush(stdout);
	}

	for (;;) {
		r = sd_bus_process(bus, NULL);
		if (r < 0)
			return ctl_fail_bus("monitor", NULL, r);
		if (r > 0)
			continue;

		r = sd_bus_wait(bus, UINT64_MAX);
		if (r < 0 && r != -EINTR)
			return ctl_fail_bus("monitor", NULL, r);
	}
}
