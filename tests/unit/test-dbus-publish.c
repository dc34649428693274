/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * When connections appear on D-Bus: the D-Bus service on one end of a
 * peer-to-peer sd-bus connection (a socketpair), the test the client at
 * the other end, the daemon core over the fake kernel. A connection is
 * announced (InterfacesAdded) and listed once it has lived
 * SF_DBUS_PUBLISH_DELAY_MS, withdrawn (InterfacesRemoved) when it closes;
 * one that closes sooner costs no signal; its object answers at its path
 * from the start.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <systemd/sd-bus.h>

#include "dbus-pair.h"
#include "dbus-private.h"
#include "fake-kernel.h"
#include "unit.h"

static const char *const plugins[] = { "fullmesh", NULL };
static const char conn_path[] = "/org/subflowd/connection/00000abc";

static sd_bus *client;
static struct sf_dbus *service;
/* Signals about conn_path the client received, and when. */
static unsigned int n_added, n_removed, n_changed;
static uint64_t added_at;

static int on_message(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	const char *path = NULL;
	uint8_t type = 0;

	if (sd_bus_message_get_type(m, &type) < 0 ||
	    type != SD_BUS_MESSAGE_SIGNAL)
		return 0;

	if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.ObjectManager",
				     NULL) &&
	    sd_bus_message_read(m, "o", &path) >= 0 &&
	    !strcmp(path, conn_path)) {
		if (!strcmp(sd_bus_message_get_member(m), "InterfacesAdded")) {
			n_added++;
			added_at = l_time_now();
		} else {
			n_removed++;
		}
	}

	if (!strcmp(sd_bus_message_get_path(m), conn_path) &&
	    !strcmp(sd_bus_message_get_member(m), "PropertiesChanged"))
		n_changed++;
	return 0;
}

/* One turn: the service (ELL loop), then the client. */
static void pump(void)
{
	sf_unit_dbus_pump(client);
}

static void pump_for(unsigned int ms)
{
	uint64_t start = l_time_now();

	while (l_time_diff(start, l_time_now()) < ms * 1000ULL)
		pump();
}

static void setup(void)
{
	ck_assert(l_main_init());
	fk_setup(plugins);
	fk_add_link(2, "eth1", true);
	fk_add_addr(2, "10.0.1.1");
	n_added = n_removed = n_changed = 0;

	sf_unit_dbus_serve(fk_daemon, on_message, &client, &service);
}

static void teardown(void)
{
	sf_dbus_free(service);
	service = NULL;
	client = sd_bus_flush_close_unref(client);
	fk_teardown();
	l_main_exit();
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	*(sd_bus_message **) userdata = sd_bus_message_ref(m);
	return 0;
}

/* A method call (m, taken), answered while the loop turns: its reply or
 * error, to be unreferenced. */
static sd_bus_message *call(sd_bus_message *m)
{
	sd_bus_message *reply = NULL;

	ck_assert_int_ge(sd_bus_call_async(client, NULL, m, on_reply, &reply,
					   0), 0);
	sd_bus_message_unref(m);
	for (int i = 0; i < 400 && !reply; i++)
		pump();
	ck_assert_ptr_nonnull(reply);
	return reply;
}

/* Is conn_path among GetManagedObjects' objects? */
static bool listed(void)
{
	sd_bus_message *m = NULL, *reply;
	const char *path;
	bool found = false;

	ck_assert_int_ge(sd_bus_message_new_method_call(client, &m, NULL,
		"/org/subflowd", "org.freedesktop.DBus.ObjectManager",
		"GetManagedObjects"), 0);
	reply = call(m);
	ck_assert(!sd_bus_message_is_method_error(reply, NULL));
	ck_assert_int_gt(sd_bus_message_enter_container(reply, 'a',
							"{oa{sa{sv}}}"), 0);
	while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
		ck_assert_int_ge(sd_bus_message_read(reply, "o", &path), 0);
		found |= !strcmp(path, conn_path);
		ck_assert_int_ge(sd_bus_message_skip(reply, "a{sa{sv}}"), 0);
		ck_assert_int_ge(sd_bus_message_exit_container(reply), 0);
	}
	sd_bus_message_unref(reply);
	return found;
}

/* Its Token property, read at its path; 0 when the call fails. */
static uint32_t token_prop(void)
{
	sd_bus_message *m = NULL, *reply;
	uint32_t token = 0;

	ck_assert_int_ge(sd_bus_message_new_method_call(client, &m, NULL,
		conn_path, "org.freedesktop.DBus.Properties", "Get"), 0);
	ck_assert_int_ge(sd_bus_message_append(m, "ss", SF_DBUS_CONN_IFACE,
					       "Token"), 0);
	reply = call(m);
	if (!sd_bus_message_is_method_error(reply, NULL))
		ck_assert_int_ge(sd_bus_message_read(reply, "v", "u", &token),
				 0);
	sd_bus_message_unref(reply);
	return token;
}

START_TEST(a_short_connection_costs_no_signal)
{
	fk_feed(SF_EVENT_CREATED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201,
		0);
	fk_feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2",
		5201, 0);
	fk_feed(SF_EVENT_CLOSED, 0xabc, NULL, 0, NULL, 0, 0);

	pump_for(SF_DBUS_PUBLISH_DELAY_MS + 200);
	ck_assert_uint_eq(n_added, 0);
	ck_assert_uint_eq(n_changed, 0);
	ck_assert_uint_eq(n_removed, 0);
	ck_assert_uint_eq(sf_delayq_count(service->unpublished), 0);
}
END_TEST

START_TEST(a_connection_is_announced_once_it_has_lived_the_delay)
{
	uint64_t created = l_time_now();

	fk_feed(SF_EVENT_CREATED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201,
		0);
	/* At its path at once, not listed, not announced. */
	ck_assert_uint_eq(token_prop(), 0xabc);
	ck_assert(!listed());
	ck_assert_uint_eq(n_added, 0);

	for (int i = 0; i < 1000 && !n_added; i++)
		pump();
	ck_assert_uint_eq(n_added, 1);
	ck_assert_uint_ge(l_time_diff(created, added_at),
			  SF_DBUS_PUBLISH_DELAY_MS * 1000ULL);
	ck_assert(listed());

	/* From now on its changes are signalled, and its end. */
	fk_feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2",
		5201, 0);
	pump_for(20);
	ck_assert_uint_ge(n_changed, 1);
	fk_feed(SF_EVENT_CLOSED, 0xabc, NULL, 0, NULL, 0, 0);
	pump_for(20);
	ck_assert_uint_eq(n_removed, 1);
	ck_assert_uint_eq(n_added, 1);
	ck_assert_uint_eq(token_prop(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dbus-publish");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_short_connection_costs_no_signal);
	tcase_add_test(tc, a_connection_is_announced_once_it_has_lived_the_delay);
	suite_add_tcase(s, tc);

	return sf_unit_run(s);
}
