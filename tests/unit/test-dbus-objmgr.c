/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GetManagedObjects answered in slices: the D-Bus service on one end of a
 * peer-to-peer sd-bus connection (a socketpair), the test the client at
 * the other end, the daemon core over the fake kernel with N_CONNS
 * connections published. The listing takes several loop iterations, each
 * describing at most SF_DBUS_OBJMGR_SLICE objects, and other calls are
 * answered meanwhile; it says what GetAll and InterfacesAdded say of each
 * object; InterfacesAdded and InterfacesRemoved say what sd-bus's own
 * would; signals about its objects follow its reply. And plain calls: a
 * flood of them is served a slice per turn of the loop, never all at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <systemd/sd-bus.h>

#include "dbus-pair.h"
#include "dbus-private.h"
#include "fake-kernel.h"
#include "unit.h"
#include "util.h"

#define N_CONNS 2000
/* The last token fed; tokens are 1..N_CONNS. */
#define NEW_TOKEN (N_CONNS + 1)

static const char *const plugins[] = { "fullmesh", NULL };

static sd_bus *client;
static struct sf_dbus *service;

/* Every message the client receives has the next number. */
static unsigned int seq;

/* A call sent, and its reply once received. */
struct sent {
	uint64_t cookie;
	unsigned int seq;		/* of the reply */
	sd_bus_message *reply;		/* referenced */
};

#define MAX_SENT 4
static struct sent sent[MAX_SENT];
static unsigned int n_sent;

/* The object whose InterfacesAdded / InterfacesRemoved the test awaits. */
static char watched[SF_DBUS_PATH_MAX];
static sd_bus_message *added;		/* referenced */
static unsigned int removed_seq;
static char *removed_ifaces;		/* "a b c", l_free() */

static void record_removed(sd_bus_message *m)
{
	char **ifaces = NULL;

	ck_assert_int_ge(sd_bus_message_read_strv(m, &ifaces), 0);
	l_free(removed_ifaces);
	removed_ifaces = l_strjoinv(ifaces, ' ');
	l_strfreev(ifaces);
	removed_seq = seq;
}

static int on_message(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	const char *path = NULL;
	uint64_t cookie;

	seq++;
	if (sd_bus_message_get_reply_cookie(m, &cookie) >= 0) {
		for (unsigned int i = 0; i < n_sent; i++)
			if (sent[i].cookie == cookie) {
				sent[i].seq = seq;
				sent[i].reply = sd_bus_message_ref(m);
			}
		return 0;
	}

	if (!sd_bus_message_is_signal(m, "org.freedesktop.DBus.ObjectManager",
				      NULL) ||
	    sd_bus_message_read(m, "o", &path) < 0 || strcmp(path, watched))
		return 0;

	if (!strcmp(sd_bus_message_get_member(m), "InterfacesAdded"))
		added = sd_bus_message_ref(m);
	else
		record_removed(m);
	return 0;
}

/* One turn: the service (ELL loop), then the client. */
static void pump(void)
{
	sf_unit_dbus_pump(client);
}

static void feed_conn(uint32_t token)
{
	fk_feed(SF_EVENT_CREATED, token, "10.0.1.1", 10000 + token % 50000,
		"10.0.1.2", 5201, 0);
}

static void setup(void)
{
	ck_assert(l_main_init());
	fk_setup(plugins);
	fk_add_link(2, "eth1", true);
	fk_add_addr(2, "10.0.1.1");
	/* There when the service starts: published at once. */
	for (uint32_t token = 1; token <= N_CONNS; token++)
		feed_conn(token);

	seq = n_sent = removed_seq = 0;
	watched[0] = '\0';
	sf_unit_dbus_serve(fk_daemon, on_message, &client, &service);
}

static void teardown(void)
{
	for (unsigned int i = 0; i < n_sent; i++)
		sent[i].reply = sd_bus_message_unref(sent[i].reply);
	added = sd_bus_message_unref(added);
	l_free(removed_ifaces);
	removed_ifaces = NULL;
	sf_dbus_free(service);
	service = NULL;
	client = sd_bus_flush_close_unref(client);
	fk_teardown();
	l_main_exit();
}

static sd_bus_message *new_call(const char *path, const char *interface,
				const char *member)
{
	sd_bus_message *m = NULL;

	ck_assert_int_ge(sd_bus_message_new_method_call(client, &m, NULL,
					path, interface, member), 0);
	return m;
}

/* Send m (taken) without waiting: its reply lands in the returned slot. */
static struct sent *send_call(sd_bus_message *m)
{
	struct sent *s;

	ck_assert_uint_lt(n_sent, MAX_SENT);
	s = &sent[n_sent++];
	*s = (struct sent) { 0 };
	ck_assert_int_ge(sd_bus_send(client, m, &s->cookie), 0);
	sd_bus_message_unref(m);
	return s;
}

static void wait_reply(struct sent *s)
{
	for (int i = 0; i < 20000 && !s->reply; i++)
		pump();
	ck_assert_ptr_nonnull(s->reply);
	ck_assert(!sd_bus_message_is_method_error(s->reply, NULL));
}

static struct sent *list(void)
{
	return send_call(new_call(SF_DBUS_PATH,
				  "org.freedesktop.DBus.ObjectManager",
				  "GetManagedObjects"));
}

/* The container m is in, from its start, as text (free()). */
static char *dump(sd_bus_message *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(sd_bus_message_dump(m, f,
				SD_BUS_MESSAGE_DUMP_SUBTREE_ONLY), 0);
	ck_assert_int_eq(fclose(f), 0);
	return text;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	*(sd_bus_message **) userdata = sd_bus_message_ref(m);
	return 0;
}

/* GetAll of interface at path, as text (free()); the call is answered
 * while the loop turns. */
static char *get_all(const char *path, const char *interface)
{
	sd_bus_message *m = new_call(path, "org.freedesktop.DBus.Properties",
				     "GetAll");
	sd_bus_message *reply = NULL;
	char *text;

	ck_assert_int_ge(sd_bus_message_append(m, "s", interface), 0);
	ck_assert_int_ge(sd_bus_call_async(client, NULL, m, on_reply, &reply,
					   0), 0);
	sd_bus_message_unref(m);
	for (int i = 0; i < 1000 && !reply; i++)
		pump();
	ck_assert_ptr_nonnull(reply);
	ck_assert(!sd_bus_message_is_method_error(reply, NULL));
	ck_assert_int_gt(sd_bus_message_enter_container(reply, 'a', "{sv}"),
			 0);
	text = dump(reply);
	sd_bus_message_unref(reply);
	return text;
}

/* Read the listing's next object: its path, or NULL at the end; the
 * message is left at its a{sa{sv}}. */
static const char *next_object(sd_bus_message *reply)
{
	const char *path;

	if (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") <= 0)
		return NULL;
	ck_assert_int_ge(sd_bus_message_read(reply, "o", &path), 0);
	return path;
}

static void end_object(sd_bus_message *reply)
{
	ck_assert_int_ge(sd_bus_message_exit_container(reply), 0);
}

START_TEST(a_listing_takes_slices_and_other_calls_pass_it)
{
	sd_bus_message *get = new_call(SF_DBUS_PATH,
				       "org.freedesktop.DBus.Properties", "Get");
	struct sent *listing, *counters;
	unsigned int slices = 0, most = 0;
	const char *path;
	unsigned int n = 0;

	listing = list();
	pump();
	/* Started, far from done. */
	ck_assert_ptr_null(listing->reply);
	ck_assert_int_ge(sd_bus_message_append(get, "ss",
					       SF_DBUS_MANAGER_IFACE,
					       "Counters"), 0);
	counters = send_call(get);

	wait_reply(counters);
	ck_assert_ptr_null(listing->reply);
	wait_reply(listing);
	ck_assert_uint_lt(counters->seq, listing->seq);

	sf_dbus_objmgr_last(service, &slices, &most);
	ck_assert_uint_le(most, SF_DBUS_OBJMGR_SLICE);
	ck_assert_uint_ge(most, 1);
	ck_assert_uint_ge(slices, (N_CONNS + 1 + SF_DBUS_OBJMGR_SLICE - 1) /
				  SF_DBUS_OBJMGR_SLICE);

	/* All of it came. */
	ck_assert_int_gt(sd_bus_message_enter_container(listing->reply, 'a',
							"{oa{sa{sv}}}"), 0);
	while ((path = next_object(listing->reply))) {
		n++;
		ck_assert_int_ge(sd_bus_message_skip(listing->reply,
						     "a{sa{sv}}"), 0);
		end_object(listing->reply);
	}
	ck_assert_uint_eq(n, N_CONNS + 1);
}
END_TEST

/* Check one object's interfaces (the message inside its a{sa{sv}}): the
 * three sd-bus gives every object, empty, then interface with what GetAll
 * says of it. */
static void check_object(sd_bus_message *reply, const char *path,
			 const char *interface)
{
	static const char *const builtin[] = {
		"org.freedesktop.DBus.Peer",
		"org.freedesktop.DBus.Introspectable",
		"org.freedesktop.DBus.Properties",
	};
	const char *name;
	char *got, *want;

	for (unsigned int i = 0; i < L_ARRAY_SIZE(builtin); i++) {
		ck_assert_int_gt(sd_bus_message_enter_container(reply, 'e',
								"sa{sv}"), 0);
		ck_assert_int_ge(sd_bus_message_read(reply, "s", &name), 0);
		ck_assert_str_eq(name, builtin[i]);
		ck_assert_int_gt(sd_bus_message_enter_container(reply, 'a',
								"{sv}"), 0);
		ck_assert_int_eq(sd_bus_message_at_end(reply, false), 1);
		ck_assert_int_ge(sd_bus_message_exit_container(reply), 0);
		ck_assert_int_ge(sd_bus_message_exit_container(reply), 0);
	}

	ck_assert_int_gt(sd_bus_message_enter_container(reply, 'e', "sa{sv}"),
			 0);
	ck_assert_int_ge(sd_bus_message_read(reply, "s", &name), 0);
	ck_assert_str_eq(name, interface);
	ck_assert_int_gt(sd_bus_message_enter_container(reply, 'a', "{sv}"),
			 0);
	got = dump(reply);
	want = get_all(path, interface);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	ck_assert_int_ge(sd_bus_message_exit_container(reply), 0);
	ck_assert_int_ge(sd_bus_message_exit_container(reply), 0);
	/* Nothing more. */
	ck_assert_int_eq(sd_bus_message_at_end(reply, false), 1);
	ck_assert_int_ge(sd_bus_message_exit_container(reply), 0);
}

/* The next InterfacesAdded for watched (referenced: the caller unrefs). */
static sd_bus_message *await_added(void)
{
	sd_bus_message *m;

	for (int i = 0; i < 2000 && !added; i++)
		pump();
	ck_assert_ptr_nonnull(added);
	m = added;
	added = NULL;
	return m;
}

/* The interfaces the next InterfacesRemoved for watched names, "a b c"
 * (l_free()), and its place among the messages received. */
static char *await_removed(unsigned int *ret_seq)
{
	char *ifaces;

	for (int i = 0; i < 100 && !removed_seq; i++)
		pump();
	ck_assert_uint_gt(removed_seq, 0);
	*ret_seq = removed_seq;
	ifaces = removed_ifaces;
	removed_ifaces = NULL;
	removed_seq = 0;
	return ifaces;
}

START_TEST(the_listing_says_what_getall_and_interfacesadded_say)
{
	uint8_t *seen = l_new(uint8_t, NEW_TOKEN + 1);
	bool iface_seen = false;
	char *announced = NULL, *listed = NULL;
	sd_bus_message *added_msg;
	struct sent *listing;
	const char *path;
	uint32_t token;
	int32_t ifindex;

	/* One more, announced by InterfacesAdded. */
	sf_dbus_conn_path(NEW_TOKEN, watched);
	feed_conn(NEW_TOKEN);
	added_msg = await_added();
	ck_assert_int_gt(sd_bus_message_enter_container(added_msg, 'a',
							"{sa{sv}}"), 0);
	announced = dump(added_msg);
	sd_bus_message_unref(added_msg);

	listing = list();
	wait_reply(listing);
	ck_assert_int_gt(sd_bus_message_enter_container(listing->reply, 'a',
							"{oa{sa{sv}}}"), 0);
	while ((path = next_object(listing->reply))) {
		ck_assert_int_gt(sd_bus_message_enter_container(listing->reply,
					'a', "{sa{sv}}"), 0);
		if (!strcmp(path, watched)) {
			listed = dump(listing->reply);
			ck_assert_int_ge(sd_bus_message_rewind(listing->reply,
							       false), 0);
		}

		if (sf_dbus_conn_path_parse(path, &token) == 0) {
			ck_assert_uint_ge(token, 1);
			ck_assert_uint_le(token, NEW_TOKEN);
			ck_assert_uint_eq(seen[token], 0);
			seen[token] = 1;
			check_object(listing->reply, path, SF_DBUS_CONN_IFACE);
		} else {
			ck_assert_int_eq(sf_dbus_iface_path_parse(path,
								  &ifindex), 0);
			ck_assert_int_eq(ifindex, 2);
			ck_assert(!iface_seen);
			iface_seen = true;
			check_object(listing->reply, path,
				     SF_DBUS_IFACE_IFACE);
		}
		end_object(listing->reply);
	}

	/* Exactly what is published. */
	ck_assert(iface_seen);
	for (token = 1; token <= NEW_TOKEN; token++)
		ck_assert_uint_eq(seen[token], 1);
	ck_assert_ptr_nonnull(listed);
	ck_assert_str_eq(listed, announced);
	free(listed);
	free(announced);
	l_free(seen);
}
END_TEST

/*
 * The InterfacesAdded the service sent for watched, against the one
 * sd-bus's own sd_bus_emit_object_added() sends for the same object: the
 * same object manager, signature and body.
 */
static void check_added_as_sd_bus_sends_it(void)
{
	sd_bus_message *ours = await_added(), *theirs;
	char *a, *b;

	ck_assert_int_ge(sd_bus_emit_object_added(service->bus, watched), 0);
	theirs = await_added();

	ck_assert_str_eq(sd_bus_message_get_path(ours), SF_DBUS_PATH);
	ck_assert_str_eq(sd_bus_message_get_path(theirs), SF_DBUS_PATH);
	ck_assert_str_eq(sd_bus_message_get_signature(ours, true),
			 sd_bus_message_get_signature(theirs, true));
	ck_assert_int_gt(sd_bus_message_enter_container(ours, 'a',
							"{sa{sv}}"), 0);
	ck_assert_int_gt(sd_bus_message_enter_container(theirs, 'a',
							"{sa{sv}}"), 0);
	a = dump(ours);
	b = dump(theirs);
	/* (ck_assert_str_eq cannot show strings this long.) */
	ck_assert_msg(!strcmp(a, b), "InterfacesAdded for %s differs from "
		      "sd-bus's", watched);
	free(a);
	free(b);
	sd_bus_message_unref(ours);
	sd_bus_message_unref(theirs);
}

START_TEST(interfacesadded_is_what_sd_bus_sends)
{
	/* A connection, once published... */
	sf_dbus_conn_path(NEW_TOKEN, watched);
	feed_conn(NEW_TOKEN);
	check_added_as_sd_bus_sends_it();

	/* ...and an interface (its address would follow in
	 * PropertiesChanged: compared as the link came). */
	sf_dbus_iface_path(3, watched);
	fk_add_link(3, "eth2", true);
	check_added_as_sd_bus_sends_it();
}
END_TEST

START_TEST(a_removal_during_a_listing_follows_its_reply)
{
	char *sd_bus_list, *unheld, *held;
	struct sent *listing;
	unsigned int held_seq, unused;

	/* What sd-bus's own InterfacesRemoved names for a connection (one
	 * still there: sd-bus looks its interfaces up)... */
	sf_dbus_conn_path(2, watched);
	ck_assert_int_ge(sd_bus_emit_object_removed(service->bus, watched),
			 0);
	sd_bus_list = await_removed(&unused);

	/* ...the service names too, with no listing running... */
	sf_dbus_conn_path(1, watched);
	fk_feed(SF_EVENT_CLOSED, 1, NULL, 0, NULL, 0, 0);
	unheld = await_removed(&unused);
	ck_assert_str_eq(unheld, sd_bus_list);
	l_free(sd_bus_list);

	/* ...and after a listing that held it. */
	listing = list();
	pump();
	ck_assert_ptr_null(listing->reply);
	sf_dbus_conn_path(N_CONNS, watched);
	fk_feed(SF_EVENT_CLOSED, N_CONNS, NULL, 0, NULL, 0, 0);
	wait_reply(listing);
	held = await_removed(&held_seq);
	ck_assert_uint_gt(held_seq, listing->seq);
	ck_assert_str_eq(held, unheld);
	l_free(held);
	l_free(unheld);
}
END_TEST

/* With no connection, the interface alone. */
START_TEST(a_listing_without_connections)
{
	struct sent *listing;
	const char *path;

	for (uint32_t token = 1; token <= N_CONNS; token++)
		fk_feed(SF_EVENT_CLOSED, token, NULL, 0, NULL, 0, 0);
	listing = list();
	wait_reply(listing);
	ck_assert_int_gt(sd_bus_message_enter_container(listing->reply, 'a',
							"{oa{sa{sv}}}"), 0);
	path = next_object(listing->reply);
	ck_assert_ptr_nonnull(path);
	ck_assert_str_eq(path, "/org/subflowd/interface/2");
	ck_assert_int_ge(sd_bus_message_skip(listing->reply, "a{sa{sv}}"), 0);
	end_object(listing->reply);
	ck_assert_ptr_null(next_object(listing->reply));
}
END_TEST

static unsigned int answered;

static int count_reply(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	answered++;
	return 0;
}

/*
 * 200 calls at once: a turn of the loop serves a slice of them (at most
 * 32 calls, from the bus's watch, the next-turn eventfd or a kick), and
 * the rest wait for the next turns, after the kernel's sockets. Slices
 * chained through ELL idles would all run in the first turn.
 */
START_TEST(a_flood_of_calls_is_served_a_slice_per_turn)
{
	unsigned int turns = 0, most = 0;

	answered = 0;
	for (int i = 0; i < 200; i++) {
		sd_bus_message *m = new_call(SF_DBUS_PATH,
					     "org.freedesktop.DBus.Properties",
					     "Get");

		ck_assert_int_ge(sd_bus_message_append(m, "ss",
						       SF_DBUS_MANAGER_IFACE,
						       "Counters"), 0);
		ck_assert_int_ge(sd_bus_call_async(client, NULL, m,
						   count_reply, NULL, 0), 0);
		sd_bus_message_unref(m);
	}
	ck_assert_int_ge(sd_bus_flush(client), 0);

	while (answered < 200 && turns < 1000) {
		unsigned int before = answered;

		pump();
		turns++;
		if (answered - before > most)
			most = answered - before;
	}
	ck_assert_uint_eq(answered, 200);
	ck_assert_uint_le(most, 96);
	ck_assert_uint_ge(turns, 3);
}
END_TEST

/* A listing under way, and a signal held behind it. */
static void list_and_hold(void)
{
	struct sent *listing = list();

	pump();
	fk_feed(SF_EVENT_CLOSED, 7, NULL, 0, NULL, 0, 0);
	ck_assert_ptr_null(listing->reply);
}

/* Both are dropped with the service (ASan: no leak). */
START_TEST(a_listing_ends_with_the_service)
{
	list_and_hold();
}
END_TEST

/* And with the bus. */
START_TEST(a_listing_ends_with_the_bus)
{
	list_and_hold();
	client = sd_bus_flush_close_unref(client);
	for (int i = 0; i < 100 && service->bus; i++)
		l_main_iterate(5);
	ck_assert_ptr_null(service->bus);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dbus-objmgr");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_listing_takes_slices_and_other_calls_pass_it);
	tcase_add_test(tc, the_listing_says_what_getall_and_interfacesadded_say);
	tcase_add_test(tc, interfacesadded_is_what_sd_bus_sends);
	tcase_add_test(tc, a_removal_during_a_listing_follows_its_reply);
	tcase_add_test(tc, a_listing_without_connections);
	tcase_add_test(tc, a_listing_ends_with_the_service);
	tcase_add_test(tc, a_listing_ends_with_the_bus);
	tcase_add_test(tc, a_flood_of_calls_is_served_a_slice_per_turn);
	suite_add_tcase(s, tc);

	return sf_unit_run(s);
}
