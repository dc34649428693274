/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The plugin command API's promise (<subflowd/plugin.h>): for a command
 * that was sent, the callback runs exactly once (the kernel's answer, or
 * -ECANCELED when its connection closes, when the code it belongs to is
 * unloaded, or when the transport goes), unless sf_cmd_cancel() came
 * first; destroy runs exactly once, after it or inside the cancel. The
 * daemon core runs over the fake kernel; the announce policy sends nothing
 * for the client connections used here.
 */
#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>

#include "api.h"
#include "daemon.h"
#include "fake-kernel.h"
#include "plugin.h"
#include "unit.h"

static const char *const plugins[] = { "announce", NULL };

#define TOKEN 0xabc

/* What the caller heard, in order: 'd' done, 'x' destroy. */
static char heard[32];
static unsigned int n_heard;
static int last_error;
static struct sf_pm_limits last_limits;
static bool limits_given;

static void done(int error, const char *extack, void *user_data)
{
	ck_assert_ptr_eq(user_data, heard);
	ck_assert_uint_lt(n_heard, sizeof(heard) - 1);
	heard[n_heard++] = 'd';
	last_error = error;
}

static void destroy(void *user_data)
{
	ck_assert_ptr_eq(user_data, heard);
	ck_assert_uint_lt(n_heard, sizeof(heard) - 1);
	heard[n_heard++] = 'x';
}

static void limits_done(int error, const struct sf_pm_limits *limits,
			void *user_data)
{
	done(error, NULL, user_data);
	limits_given = limits != NULL;
	if (limits)
		last_limits = *limits;
}

static void setup(void)
{
	fk_setup(plugins);
	fk_add_link(2, "eth1", true);
	fk_add_addr(2, "10.0.1.1");
	memset(heard, 0, sizeof(heard));
	n_heard = 0;
	last_error = 1;
	limits_given = false;
	fk_feed(SF_EVENT_CREATED, TOKEN, "10.0.1.1", 40000, "10.0.1.2", 5201, 0);
	fk_feed(SF_EVENT_ESTABLISHED, TOKEN, "10.0.1.1", 40000, "10.0.1.2",
		5201, 0);
	ck_assert_uint_eq(fk_n_sent, 0);
}

static void teardown(void)
{
	fk_teardown();
}

/* SET_FLAGS on the initial subflow, with done and destroy: its id. */
static int send_backup(void)
{
	struct sf_conn *conn = sf_conn_table_lookup(sf_daemon_conns(fk_daemon),
						    TOKEN);
	struct sf_addr l = fk_addr("10.0.1.1", 40000);
	struct sf_addr r = fk_addr("10.0.1.2", 5201);

	ck_assert_ptr_nonnull(conn);
	return sf_subflow_set_backup(conn, &l, &r, true, done, heard, destroy);
}

START_TEST(answer_runs_done_once_then_destroy)
{
	int id = send_backup();

	ck_assert_int_gt(id, 0);
	ck_assert_uint_eq(fk_n_sent, 1);
	/* Never from inside the call that sent it. */
	ck_assert_uint_eq(n_heard, 0);

	fk_answer(0, -EINVAL, "bad flags");
	ck_assert_str_eq(heard, "dx");
	ck_assert_int_eq(last_error, -EINVAL);
	ck_assert_uint_eq(sf_daemon_counters(fk_daemon)->commands_failed, 1);

	/* Ended: nothing left to cancel. */
	ck_assert_int_eq(sf_cmd_cancel(id), -ENOENT);
	ck_assert_str_eq(heard, "dx");
}
END_TEST

START_TEST(ids_are_distinct_and_refusals_call_nothing)
{
	struct sf_conn *conn = sf_conn_table_lookup(sf_daemon_conns(fk_daemon),
						    TOKEN);
	struct sf_addr l = fk_addr("10.0.1.1", 0);
	struct sf_addr r = fk_addr("10.0.1.2", 5201);
	int a = send_backup(), b = send_backup();

	ck_assert_int_gt(a, 0);
	ck_assert_int_gt(b, a);
	/* No local port: refused at once, nothing sent, nothing called. */
	ck_assert_int_eq(sf_subflow_set_backup(conn, &l, &r, true, done, heard,
					       destroy), -EINVAL);
	ck_assert_uint_eq(fk_n_sent, 2);
	ck_assert_uint_eq(n_heard, 0);
	fk_answer(0, 0, NULL);
	fk_answer(1, 0, NULL);
	ck_assert_str_eq(heard, "dxdx");
}
END_TEST

START_TEST(cancel_runs_destroy_only_and_the_answer_still_counts)
{
	int id = send_backup();

	ck_assert_int_eq(sf_cmd_cancel(id), 0);
	ck_assert_str_eq(heard, "x");
	ck_assert_int_eq(sf_cmd_cancel(id), -ENOENT);

	/* The kernel's answer reaches the daemon, not the caller. */
	fk_answer(0, -EPERM, NULL);
	ck_assert_str_eq(heard, "x");
	ck_assert_uint_eq(sf_daemon_counters(fk_daemon)->commands_failed, 1);
}
END_TEST

/* Records when conn_closed ran, between the callbacks heard. */
static enum sf_verdict closed(struct sf_conn *conn)
{
	heard[n_heard++] = 'c';
	return SF_VERDICT_CONTINUE;
}

static const struct sf_plugin_ops observer_ops = { .conn_closed = closed };
static const struct sf_plugin_desc observer = {
	SF_PLUGIN_ABI_VERSION, "observer", 1, SF_PLUGIN_MODE_USERSPACE,
	SF_PLUGIN_FLAG_OBSERVER, NULL, NULL, &observer_ops,
};

START_TEST(connection_close_ends_commands_with_ecanceled_first)
{
	/* The daemon's own plugin list, for this test only. */
	ck_assert_int_eq(sf_plugins_add_builtin(
		(struct sf_plugins *) sf_daemon_plugins(fk_daemon), &observer),
		0);
	ck_assert_int_gt(send_backup(), 0);

	fk_feed(SF_EVENT_CLOSED, TOKEN, NULL, 0, NULL, 0, 0);
	ck_assert_str_eq(heard, "dxc");
	ck_assert_int_eq(last_error, -ECANCELED);

	/* The late answer is the daemon's alone. */
	fk_answer(0, 0, NULL);
	ck_assert_str_eq(heard, "dxc");
}
END_TEST

/* A plugin linked into this program: its code is the program's, as the
 * callbacks above are. */
static const struct sf_plugin_desc builtin = {
	SF_PLUGIN_ABI_VERSION, "builtin", 50, SF_PLUGIN_MODE_USERSPACE, 0,
	NULL, NULL, NULL,
};

START_TEST(unloading_the_code_ends_its_commands_with_ecanceled)
{
	struct sf_plugins *own = sf_plugins_new();

	ck_assert_int_eq(sf_plugins_add_builtin(own, &builtin), 0);
	ck_assert_int_gt(send_backup(), 0);

	/* Its exit runs, then its commands end before the unload. */
	sf_plugins_free(own);
	ck_assert_str_eq(heard, "dx");
	ck_assert_int_eq(last_error, -ECANCELED);

	fk_answer(0, 0, NULL);
	ck_assert_str_eq(heard, "dx");
}
END_TEST

START_TEST(code_elsewhere_is_left_alone)
{
	ck_assert_int_gt(send_backup(), 0);
	/* libc's code: none of these callbacks. */
	sf_api_cancel_code((const void *) strlen);
	ck_assert_uint_eq(n_heard, 0);
	fk_answer(0, 0, NULL);
	ck_assert_str_eq(heard, "dx");
}
END_TEST

/* A GET_LIMITS reply as the kernel sends it, seq 1. */
static const uint8_t reply_limits[] = {
	0x24, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x00,	/* nlmsghdr, len 36 */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x06, 0x01, 0x00, 0x00,				/* GET_LIMITS, version 1 */
	0x08, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00,	/* RCV_ADD_ADDRS 3 */
	0x08, 0x00, 0x03, 0x00, 0x05, 0x00, 0x00, 0x00,	/* SUBFLOWS 5 */
};

START_TEST(query_hears_its_reply_once_at_the_end)
{
	ck_assert_int_gt(sf_limits_get(limits_done, heard, destroy), 0);
	ck_assert_uint_eq(fk_n_sent, 1);

	/* The reply message, then the ack: one callback, at the end. */
	fk_sent[0].reply(0, NULL, (const struct nlmsghdr *) reply_limits,
			 fk_sent[0].user_data);
	ck_assert_uint_eq(n_heard, 0);
	fk_answer(0, 0, NULL);
	ck_assert_str_eq(heard, "dx");
	ck_assert_int_eq(last_error, 0);
	ck_assert(limits_given);
	ck_assert_uint_eq(last_limits.subflows, 5);
	ck_assert_uint_eq(last_limits.add_addr_accepted, 3);

	/* An ack without a reply: malformed, still once. */
	ck_assert_int_gt(sf_limits_get(limits_done, heard, destroy), 0);
	fk_answer(1, 0, NULL);
	ck_assert_str_eq(heard, "dxdx");
	ck_assert_int_eq(last_error, -EBADMSG);
	ck_assert(!limits_given);
}
END_TEST

START_TEST(transport_going_ends_commands_with_ecanceled)
{
	ck_assert_int_gt(send_backup(), 0);
	/* As the real transport does when it is freed (fk_teardown too). */
	fk_answer(0, -ECANCELED, NULL);
	ck_assert_str_eq(heard, "dx");
	ck_assert_int_eq(last_error, -ECANCELED);
	/* Not a refusal: not counted as one. */
	ck_assert_uint_eq(sf_daemon_counters(fk_daemon)->commands_failed, 0);
}
END_TEST

/*
 * Many connections with callbacks waiting at once (the daemon counts them
 * per token in a table that grows past 8 tokens and shrinks back): closing
 * every other connection ends exactly its own commands, the others hear
 * their answers, each callback once. The tokens all hash to the table's
 * first slot at its size for 20 (Fibonacci hashing, 32 slots), so they
 * form one probe chain, and removing one must keep the others found.
 */
#define MANY 20
#define PER_CONN 3

static const uint32_t many_tokens[MANY] = {
	0x1009, 0x101e, 0x1040, 0x1055, 0x1077, 0x1099, 0x10ae, 0x10d0,
	0x1107, 0x1129, 0x113e, 0x1160, 0x1182, 0x1197, 0x11b9, 0x11f0,
	0x1212, 0x1227, 0x1249, 0x126b,
};

static unsigned int many_done[MANY], many_canceled[MANY];

static void many_cb(int error, const char *extack, void *user_data)
{
	unsigned int k = L_PTR_TO_UINT(user_data);

	ck_assert_uint_lt(k, MANY);
	if (error == -ECANCELED)
		many_canceled[k]++;
	else
		many_done[k]++;
}

START_TEST(many_connections_waiting_each_end_once)
{
	unsigned int k, j;

	memset(many_done, 0, sizeof(many_done));
	memset(many_canceled, 0, sizeof(many_canceled));
	for (k = 0; k < MANY; k++) {
		uint32_t token = many_tokens[k];
		uint16_t port = 41000 + k;
		struct sf_addr l = fk_addr("10.0.1.1", port);
		struct sf_addr r = fk_addr("10.0.1.2", 5201);
		struct sf_conn *conn;

		fk_feed(SF_EVENT_CREATED, token, "10.0.1.1", port, "10.0.1.2",
			5201, 0);
		fk_feed(SF_EVENT_ESTABLISHED, token, "10.0.1.1", port,
			"10.0.1.2", 5201, 0);
		conn = sf_conn_table_lookup(sf_daemon_conns(fk_daemon), token);
		ck_assert_ptr_nonnull(conn);
		for (j = 0; j < PER_CONN; j++)
			ck_assert_int_gt(sf_subflow_set_backup(conn, &l, &r,
				j & 1, many_cb, L_UINT_TO_PTR(k), NULL), 0);
	}
	ck_assert_uint_eq(fk_n_sent, MANY * PER_CONN);

	/* Every other connection closes: its commands end, no one else's. */
	for (k = 0; k < MANY; k += 2)
		fk_feed(SF_EVENT_CLOSED, many_tokens[k], NULL, 0, NULL, 0, 0);
	for (k = 0; k < MANY; k++) {
		ck_assert_uint_eq(many_canceled[k], k % 2 ? 0 : PER_CONN);
		ck_assert_uint_eq(many_done[k], 0);
	}

	/* The kernel answers everything: only the living hear it. */
	for (j = 0; j < fk_n_sent; j++)
		fk_answer(j, 0, NULL);
	for (k = 0; k < MANY; k++) {
		ck_assert_uint_eq(many_done[k], k % 2 ? PER_CONN : 0);
		ck_assert_uint_eq(many_canceled[k], k % 2 ? 0 : PER_CONN);
	}

	/* Then the rest close: nothing more is heard. */
	for (k = 1; k < MANY; k += 2)
		fk_feed(SF_EVENT_CLOSED, many_tokens[k], NULL, 0, NULL, 0, 0);
	for (k = 0; k < MANY; k++)
		ck_assert_uint_eq(many_done[k] + many_canceled[k], PER_CONN);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cmd");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, answer_runs_done_once_then_destroy);
	tcase_add_test(tc, ids_are_distinct_and_refusals_call_nothing);
	tcase_add_test(tc, cancel_runs_destroy_only_and_the_answer_still_counts);
	tcase_add_test(tc, connection_close_ends_commands_with_ecanceled_first);
	tcase_add_test(tc, unloading_the_code_ends_its_commands_with_ecanceled);
	tcase_add_test(tc, code_elsewhere_is_left_alone);
	tcase_add_test(tc, query_hears_its_reply_once_at_the_end);
	tcase_add_test(tc, transport_going_ends_commands_with_ecanceled);
	tcase_add_test(tc, many_connections_waiting_each_end_once);
	suite_add_tcase(s, tc);
	return sf_unit_run(s);
}
