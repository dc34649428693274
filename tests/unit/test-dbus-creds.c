/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus service asks the message bus who a caller is
 * (GetConnectionCredentials) without waiting for the answer: the test plays
 * the message bus, an sd-bus server on one end of a socketpair whose other
 * end is the service's bus-client connection. It answers Hello, delivers
 * method calls from made-up senders (":1.7"), and holds the credentials
 * question until it decides to answer. Meanwhile the service must go on
 * serving everyone else; the call that waits is answered once the bus has.
 * The daemon core runs over the fake kernel.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <systemd/sd-bus.h>

#include "dbus-private.h"
#include "fake-kernel.h"
#include "group-lookup.h"
#include "unit.h"

#define BUS_NAME "org.freedesktop.DBus"
#define MAX_ASKED 8
#define MAX_REPLIES 16

static const char *const plugins[] = { "fullmesh", NULL };
static const char conn_path[] = "/org/subflowd/connection/00000abc";

/* The message bus's end, and the service on the other one. */
static sd_bus *bus;
static struct sf_dbus *service;

/* GetConnectionCredentials calls the service made, unanswered until the
 * test answers them (referenced). */
static sd_bus_message *asked[MAX_ASKED];
static unsigned int n_asked;

/* Replies the service sent to the calls the test made, in order. */
static sd_bus_message *replies[MAX_REPLIES];
static unsigned int n_replies;

/* The bus's side of a call to the bus: a method return from the bus. */
static void bus_reply(sd_bus_message *call, const char *types, ...)
{
	sd_bus_message *reply = NULL;
	va_list ap;

	ck_assert_int_ge(sd_bus_message_new_method_return(call, &reply), 0);
	ck_assert_int_ge(sd_bus_message_set_sender(reply, BUS_NAME), 0);
	va_start(ap, types);
	ck_assert_int_ge(sd_bus_message_appendv(reply, types, ap), 0);
	va_end(ap);
	ck_assert_int_ge(sd_bus_send(bus, reply, NULL), 0);
	sd_bus_message_unref(reply);
}

/* Everything the service sends to the bus. */
static int on_bus_message(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	uint8_t type = 0;

	ck_assert_int_ge(sd_bus_message_get_type(m, &type), 0);
	if (type == SD_BUS_MESSAGE_METHOD_RETURN ||
	    type == SD_BUS_MESSAGE_METHOD_ERROR) {
		ck_assert_uint_lt(n_replies, MAX_REPLIES);
		replies[n_replies++] = sd_bus_message_ref(m);
		return 1;
	}

	if (type != SD_BUS_MESSAGE_METHOD_CALL)
		return 1;	/* signals: nobody listens */

	if (sd_bus_message_is_method_call(m, BUS_NAME, "Hello")) {
		bus_reply(m, "s", ":1.1");
	} else if (sd_bus_message_is_method_call(m, BUS_NAME,
						 "GetConnectionCredentials")) {
		ck_assert_uint_lt(n_asked, MAX_ASKED);
		asked[n_asked++] = sd_bus_message_ref(m);
	} else {
		ck_abort_msg("the service called %s.%s",
			     sd_bus_message_get_interface(m),
			     sd_bus_message_get_member(m));
	}
	return 1;
}

/* One turn: the service (ELL loop), then the bus. */
static void pump(void)
{
	l_main_iterate(5);
	while (sd_bus_process(bus, NULL) > 0)
		;
}

static void setup(void)
{
	sd_bus *client = NULL;
	sd_id128_t id;
	int fds[2];

	ck_assert(l_main_init());
	fk_setup(plugins);
	fk_add_link(2, "eth1", true);
	fk_add_addr(2, "10.0.1.1");
	n_asked = n_replies = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
					     SOCK_NONBLOCK, 0, fds), 0);
	ck_assert_int_ge(sd_id128_randomize(&id), 0);
	ck_assert_int_ge(sd_bus_new(&bus), 0);
	ck_assert_int_ge(sd_bus_set_fd(bus, fds[0], fds[0]), 0);
	ck_assert_int_ge(sd_bus_set_server(bus, 1, id), 0);
	ck_assert_int_ge(sd_bus_start(bus), 0);
	ck_assert_int_ge(sd_bus_add_filter(bus, NULL, on_bus_message, NULL),
			 0);

	ck_assert_int_ge(sd_bus_new(&client), 0);
	ck_assert_int_ge(sd_bus_set_fd(client, fds[1], fds[1]), 0);
	ck_assert_int_ge(sd_bus_set_bus_client(client, 1), 0);
	ck_assert_int_ge(sd_bus_start(client), 0);
	ck_assert_int_eq(sf_dbus_new_on_bus(fk_daemon, client, NULL,
					    &service), 0);
	sd_bus_unref(client);

	/* Served once [core] control-group is looked up; then Hello. */
	for (int i = 0; i < 2000 && (sf_dbus_access_pending(service) ||
				     sd_bus_is_ready(service->bus) <= 0); i++)
		pump();
	ck_assert_int_gt(sd_bus_is_ready(service->bus), 0);
	ck_assert_uint_eq(n_asked, 0);
}

static void teardown(void)
{
	sf_dbus_free(service);
	service = NULL;
	for (unsigned int i = 0; i < n_asked; i++)
		sd_bus_message_unref(asked[i]);
	for (unsigned int i = 0; i < n_replies; i++)
		sd_bus_message_unref(replies[i]);
	bus = sd_bus_flush_close_unref(bus);
	/* Settings changes looked [core] control-group up again. */
	for (int i = 0; i < 1000 && sf_group_lookup_children(); i++)
		l_main_iterate(10);
	ck_assert_uint_eq(sf_group_lookup_children(), 0);
	fk_teardown();
	l_main_exit();
}

/* sd-bus's method call timeout, 1 s instead of 25, from the bus's Hello
 * on. */
static void setup_timeout(void)
{
	ck_assert_int_eq(setenv("SYSTEMD_BUS_TIMEOUT", "1", 1), 0);
	setup();
}

static void teardown_timeout(void)
{
	unsetenv("SYSTEMD_BUS_TIMEOUT");
	teardown();
}

/* A call from sender to the service, as the bus delivers it: its cookie.
 * types and what follows: its arguments. */
static uint64_t call(const char *sender, const char *path,
		     const char *interface, const char *member,
		     const char *types, ...)
{
	sd_bus_message *m = NULL;
	uint64_t cookie = 0;
	va_list ap;

	ck_assert_int_ge(sd_bus_message_new_method_call(bus, &m, ":1.1", path,
							interface, member), 0);
	ck_assert_int_ge(sd_bus_message_set_sender(m, sender), 0);
	if (types) {
		va_start(ap, types);
		ck_assert_int_ge(sd_bus_message_appendv(m, types, ap), 0);
		va_end(ap);
	}
	ck_assert_int_ge(sd_bus_send(bus, m, &cookie), 0);
	sd_bus_message_unref(m);
	return cookie;
}

static uint64_t set_default_policy(const char *sender, const char *name)
{
	return call(sender, SF_DBUS_PATH, SF_DBUS_MANAGER_IFACE,
		    "SetDefaultPolicy", "s", name);
}

/* The reply to the call with cookie, or NULL while there is none. */
static sd_bus_message *reply_to(uint64_t cookie)
{
	uint64_t c;

	for (unsigned int i = 0; i < n_replies; i++)
		if (sd_bus_message_get_reply_cookie(replies[i], &c) >= 0 &&
		    c == cookie)
			return replies[i];
	return NULL;
}

/* Where the reply to the call with cookie came among the replies. */
static unsigned int reply_index(uint64_t cookie)
{
	sd_bus_message *reply = reply_to(cookie);
	unsigned int i = 0;

	ck_assert_ptr_nonnull(reply);
	while (replies[i] != reply)
		i++;
	return i;
}

/* Turn the loops until the call with cookie has its reply. */
static sd_bus_message *wait_reply(uint64_t cookie)
{
	for (int i = 0; i < 400 && !reply_to(cookie); i++)
		pump();
	ck_assert_msg(reply_to(cookie), "no reply to call %llu",
		      (unsigned long long)cookie);
	return reply_to(cookie);
}

/* Turn the loops until the service has asked n questions (and a little
 * more, so that a question too many would show). */
static void wait_asked(unsigned int n)
{
	for (int i = 0; i < 400 && n_asked < n; i++)
		pump();
	for (int i = 0; i < 10; i++)
		pump();
	ck_assert_uint_eq(n_asked, n);
}

/* The bus answers question i: uid and, unless gid is -1, UnixGroupIDs. */
static void answer_uid(unsigned int i, uint32_t uid, int64_t gid)
{
	sd_bus_message *reply = NULL;

	ck_assert_uint_lt(i, n_asked);
	ck_assert_int_ge(sd_bus_message_new_method_return(asked[i], &reply),
			 0);
	ck_assert_int_ge(sd_bus_message_set_sender(reply, BUS_NAME), 0);
	ck_assert_int_ge(sd_bus_message_open_container(reply, 'a', "{sv}"), 0);
	ck_assert_int_ge(sd_bus_message_append(reply, "{sv}", "UnixUserID",
					       "u", uid), 0);
	if (gid >= 0)
		ck_assert_int_ge(sd_bus_message_append(reply, "{sv}",
						       "UnixGroupIDs", "au", 1,
						       (uint32_t)gid), 0);
	/* Keys the service does not use are skipped. */
	ck_assert_int_ge(sd_bus_message_append(reply, "{sv}", "ProcessID",
					       "u", 4711), 0);
	ck_assert_int_ge(sd_bus_message_close_container(reply), 0);
	ck_assert_int_ge(sd_bus_send(bus, reply, NULL), 0);
	sd_bus_message_unref(reply);
}

/* The question i, by the asked sender. */
static const char *asked_about(unsigned int i)
{
	const char *sender = NULL;

	ck_assert_uint_lt(i, n_asked);
	ck_assert_int_ge(sd_bus_message_rewind(asked[i], true), 0);
	ck_assert_int_ge(sd_bus_message_read(asked[i], "s", &sender), 0);
	return sender;
}

static void assert_error(sd_bus_message *reply, const char *name,
			 const char *message)
{
	const sd_bus_error *e = sd_bus_message_get_error(reply);

	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->name, name);
	ck_assert_str_eq(e->message, message);
}

static void assert_return(sd_bus_message *reply)
{
	const sd_bus_error *e = sd_bus_message_get_error(reply);

	ck_assert_msg(!e, "error %s: %s", e ? e->name : "",
		      e ? e->message : "");
}

/*
 * While the bus has not said who :1.7 is, its calls wait and everyone
 * else is served: another caller's read is answered at once. With the
 * answer (uid 0) the calls run, in order; the caller is remembered.
 */
START_TEST(a_call_waiting_for_the_bus_holds_up_no_one)
{
	struct sf_iface_policy policy;
	uint64_t change, bad, read, again;
	sd_bus_message *reply;
	const char *value;

	change = call(":1.7", SF_DBUS_PATH, SF_DBUS_MANAGER_IFACE,
		      "SetInterfacePolicy", "sa{sv}", "eth1", 1, "backup",
		      "b", 1);
	wait_asked(1);
	ck_assert_str_eq(asked_about(0), ":1.7");

	/* The same caller again: behind the same question. */
	bad = set_default_policy(":1.7", "nosuch");
	read = call(":1.8", SF_DBUS_PATH, "org.freedesktop.DBus.Properties",
		    "Get", "ss", SF_DBUS_MANAGER_IFACE, "DefaultPolicy");
	reply = wait_reply(read);
	assert_return(reply);
	ck_assert_int_ge(sd_bus_message_read(reply, "v", "s", &value), 0);
	ck_assert_str_eq(value, "fullmesh");
	ck_assert_ptr_null(reply_to(change));
	ck_assert_ptr_null(reply_to(bad));
	wait_asked(1);
	sf_daemon_get_iface_policy(fk_daemon, "eth1", &policy);
	ck_assert(!policy.backup);

	answer_uid(0, 0, -1);
	assert_return(wait_reply(change));
	sf_daemon_get_iface_policy(fk_daemon, "eth1", &policy);
	ck_assert(policy.backup);
	/* Run again from its first argument: the handler's own refusal. */
	reply = wait_reply(bad);
	ck_assert_str_eq(sd_bus_message_get_error(reply)->name,
			 SD_BUS_ERROR_INVALID_ARGS);
	ck_assert_uint_lt(reply_index(change), reply_index(bad));

	/* Remembered: answered without asking. */
	again = set_default_policy(":1.7", "fullmesh");
	assert_return(wait_reply(again));
	wait_asked(1);
}
END_TEST

/*
 * The settings change (the service forgets its callers) while the bus is
 * asked, and again when the first call runs: every waiting call still runs
 * with the answer. The next call asks again, as after any change.
 */
START_TEST(settings_changes_keep_the_question)
{
	uint64_t first, second, third;

	first = set_default_policy(":1.7", "fullmesh");
	wait_asked(1);
	ck_assert_int_eq(sf_daemon_set_default_policy(fk_daemon, "fullmesh"),
			 0);
	second = set_default_policy(":1.7", "fullmesh");
	wait_asked(1);

	answer_uid(0, 0, -1);
	assert_return(wait_reply(first));
	assert_return(wait_reply(second));

	third = set_default_policy(":1.7", "fullmesh");
	wait_asked(2);
	ck_assert_ptr_null(reply_to(third));
	answer_uid(1, 0, -1);
	assert_return(wait_reply(third));
}
END_TEST

/* The bus vouches for a uid that may not: AccessDenied naming it. */
START_TEST(an_unprivileged_uid_is_denied_once_the_bus_says_so)
{
	uint64_t cookie = set_default_policy(":1.7", "fullmesh");

	wait_asked(1);
	answer_uid(0, 4242, 4242);
	assert_error(wait_reply(cookie), SD_BUS_ERROR_ACCESS_DENIED,
		     "SetDefaultPolicy: uid 4242 is not root and not in group "
		     "'subflowd'");
}
END_TEST

/* A bus that cannot say (an error; no UnixUserID): refused, one question
 * per caller. */
START_TEST(no_credentials_from_the_bus_deny)
{
	static const char unknown[] =
		"SetDefaultPolicy: the caller's credentials are unknown";
	sd_bus_message *reply = NULL;
	uint64_t failed, no_uid;
	unsigned int i;

	failed = set_default_policy(":1.7", "fullmesh");
	no_uid = set_default_policy(":1.9", "fullmesh");
	wait_asked(2);

	i = !strcmp(asked_about(0), ":1.7") ? 0 : 1;
	ck_assert_int_ge(sd_bus_message_new_method_errorf(asked[i], &reply,
			 SD_BUS_ERROR_NAME_HAS_NO_OWNER,
			 "Could not get UID of name ':1.7': no such name"), 0);
	ck_assert_int_ge(sd_bus_message_set_sender(reply, BUS_NAME), 0);
	ck_assert_int_ge(sd_bus_send(bus, reply, NULL), 0);
	sd_bus_message_unref(reply);
	bus_reply(asked[!i], "a{sv}", 1, "ProcessID", "u", 4711);

	assert_error(wait_reply(failed), SD_BUS_ERROR_ACCESS_DENIED, unknown);
	assert_error(wait_reply(no_uid), SD_BUS_ERROR_ACCESS_DENIED, unknown);
}
END_TEST

/*
 * A connection closes while the bus is asked about the caller of one of
 * its methods: the call gets what a call to an object that is not there
 * gets.
 */
START_TEST(a_connection_gone_meanwhile_is_an_unknown_object)
{
	uint64_t waited, now;
	const sd_bus_error *e;

	fk_feed(SF_EVENT_CREATED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201,
		0);
	waited = call(":1.7", conn_path, SF_DBUS_CONN_IFACE, "SetPolicy", "s",
		      "fullmesh");
	wait_asked(1);
	fk_feed(SF_EVENT_CLOSED, 0xabc, NULL, 0, NULL, 0, 0);
	answer_uid(0, 0, -1);
	e = sd_bus_message_get_error(wait_reply(waited));
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->name, SD_BUS_ERROR_UNKNOWN_OBJECT);

	/* What sd-bus itself answers now that :1.7 is known. */
	now = call(":1.7", conn_path, SF_DBUS_CONN_IFACE, "SetPolicy", "s",
		   "fullmesh");
	assert_error(wait_reply(now), e->name, e->message);
	wait_asked(1);
}
END_TEST

/* A bus that never answers: refused after sd-bus's timeout, which the
 * service's loop keeps. */
START_TEST(no_answer_from_the_bus_denies_in_time)
{
	uint64_t start = l_time_now();
	uint64_t cookie = set_default_policy(":1.7", "fullmesh");

	wait_asked(1);
	for (int i = 0; i < 1000 && !reply_to(cookie); i++)
		pump();
	assert_error(wait_reply(cookie), SD_BUS_ERROR_ACCESS_DENIED,
		     "SetDefaultPolicy: the caller's credentials are unknown");
	ck_assert_uint_ge(l_time_diff(start, l_time_now()), 1000000);
}
END_TEST

/* The service ends while the bus is asked: nothing leaks, no reply. */
START_TEST(the_service_ends_while_the_bus_is_asked)
{
	set_default_policy(":1.7", "fullmesh");
	set_default_policy(":1.7", "fullmesh");
	wait_asked(1);
	sf_dbus_free(service);
	service = NULL;
	for (int i = 0; i < 10; i++)
		pump();
	ck_assert_uint_eq(n_replies, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dbus-creds");
	TCase *tc = tcase_create("bus-client");
	TCase *slow = tcase_create("bus-timeout");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_call_waiting_for_the_bus_holds_up_no_one);
	tcase_add_test(tc, settings_changes_keep_the_question);
	tcase_add_test(tc, an_unprivileged_uid_is_denied_once_the_bus_says_so);
	tcase_add_test(tc, no_credentials_from_the_bus_deny);
	tcase_add_test(tc, a_connection_gone_meanwhile_is_an_unknown_object);
	tcase_add_test(tc, the_service_ends_while_the_bus_is_asked);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(slow, setup_timeout, teardown_timeout);
	tcase_add_test(slow, no_answer_from_the_bus_denies_in_time);
	suite_add_tcase(s, slow);
	return sf_unit_run(s);
}
