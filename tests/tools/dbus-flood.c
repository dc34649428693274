/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dbus-flood ADDRESS: flood subflowd's D-Bus service with reads, for the
 * tests. Keeps FLOOD_IN_FLIGHT calls outstanding at all times, in turn
 * GetManagedObjects, Get(Counters), and GetAll(Connection1) on a
 * connection object that GetManagedObjects listed (when there is one),
 * until SIGTERM or SIGINT; then prints "calls N errors M" and exits 0.
 * A listed connection may have closed by the time it is read (a listing
 * describes each object when its turn comes, and the reply follows): its
 * UnknownObject is no error; the next listing names another.
 * A reply that does not come within 25 s (sd-bus's default) counts as an
 * error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#define FLOOD_IN_FLIGHT 8

static sd_bus *bus;
static unsigned long calls, errors, turn;
static char conn_path[128];
static volatile sig_atomic_t stop;
/* The userdata of a GetAll of a listed connection. */
static char conn_read;

static int send_next(void);

/* Remember the first connection object of a GetManagedObjects reply. */
static void learn_conn(sd_bus_message *m)
{
	const char *path;

	if (sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}") <= 0)
		return;
	while (sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}") > 0) {
		if (sd_bus_message_read(m, "o", &path) < 0)
			return;
		if (!strncmp(path, "/org/subflowd/connection/", 25) &&
		    strlen(path) < sizeof(conn_path)) {
			strcpy(conn_path, path);
			return;
		}
		if (sd_bus_message_skip(m, "a{sa{sv}}") < 0 ||
		    sd_bus_message_exit_container(m) < 0)
			return;
	}
}

static int reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	calls++;
	if (userdata == &conn_read && sd_bus_message_is_method_error(m,
			"org.freedesktop.DBus.Error.UnknownObject"))
		conn_path[0] = '\0';
	else if (sd_bus_message_is_method_error(m, NULL))
		errors++;
	else if (userdata == bus)
		learn_conn(m);

	return stop ? 0 : send_next();
}

static int send_next(void)
{
	static const char *const dest = "org.subflowd";

	switch (turn++ % 3) {
	case 0:
		return sd_bus_call_method_async(bus, NULL, dest, "/org/subflowd",
				"org.freedesktop.DBus.ObjectManager",
				"GetManagedObjects", reply, bus, NULL);
	case 1:
		return sd_bus_call_method_async(bus, NULL, dest, "/org/subflowd",
				"org.freedesktop.DBus.Properties", "Get",
				reply, NULL, "ss", "org.subflowd.Manager1",
				"Counters");
	default:
		return sd_bus_call_method_async(bus, NULL, dest,
				conn_path[0] ? conn_path : "/org/subflowd",
				"org.freedesktop.DBus.Properties", "GetAll",
				reply, conn_path[0] ? &conn_read : NULL, "s",
				conn_path[0] ?
				"org.subflowd.Connection1" :
				"org.subflowd.Manager1");
	}
}

static void on_signal(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: dbus-flood ADDRESS\n");
		return 64;
	}

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (sd_bus_new(&bus) < 0 || sd_bus_set_address(bus, argv[1]) < 0 ||
	    sd_bus_set_bus_client(bus, 1) < 0 || sd_bus_start(bus) < 0) {
		fprintf(stderr, "dbus-flood: cannot connect to %s\n", argv[1]);
		return 1;
	}

	for (int i = 0; i < FLOOD_IN_FLIGHT; i++)
		if (send_next() < 0)
			return 1;

	printf("flooding\n");
	fflush(stdout);
	while (!stop) {
		r = sd_bus_process(bus, NULL);
		if (r < 0) {
			fprintf(stderr, "dbus-flood: %s\n", strerror(-r));
			return 1;
		}
		if (r == 0) {
			r = sd_bus_wait(bus, 100000);
			if (r < 0 && r != -EINTR)
				break;
		}
	}

	printf("calls %lu errors %lu\n", calls, errors);
	sd_bus_flush_close_unref(bus);
	return 0;
}
