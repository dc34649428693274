/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel refusals: the daemon core with the real fullmesh plugin and a fake
 * kernel that answers commands with an errno and an extack. Each refusal is
 * reported once, never retried in a tight loop, and leaves no stale state;
 * the daemon goes on managing its other connections. Log lines are caught
 * through ELL's log handler and counted.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "fake-kernel.h"
#include "pmcmd.h"
#include "unit.h"
#include "util.h"

/* --- the log: every line the daemon and its plugins write --------------- */

static char *lines[1024];
static int priorities[1024];
static unsigned int n_lines;

static void log_handler(int priority, const char *file, const char *line,
			const char *func, const char *format, va_list ap)
{
	if (n_lines < L_ARRAY_SIZE(lines)) {
		priorities[n_lines] = priority;
		lines[n_lines++] = l_strdup_vprintf(format, ap);
	}
}

/* The level of the first line containing needle, -1 if none does. */
static int log_priority(const char *needle)
{
	for (unsigned int i = 0; i < n_lines; i++)
		if (strstr(lines[i], needle))
			return priorities[i];

	return -1;
}

/* How many log lines contain every one of the NULL-terminated needles. */
static unsigned int log_count(const char *needle, ...)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < n_lines; i++) {
		const char *s = needle;
		bool all = true;
		va_list ap;

		va_start(ap, needle);
		for (; s && all; s = va_arg(ap, const char *))
			all = strstr(lines[i], s) != NULL;
		va_end(ap);
		n += all;
	}

	return n;
}

/* --- the daemon and its interfaces --------------------------------------- */

static const char *const plugins[] = { "fullmesh", NULL };

static void setup(void)
{
	ck_assert(l_main_init());
	l_log_set_handler(log_handler);
	/* Some refusals are logged at debug level: count those too. */
	l_debug_enable("*");
	n_lines = 0;

	fk_setup(plugins);
	fk_add_link(2, "eth1", true);
	fk_add_link(3, "eth2", true);
	fk_add_addr(2, "10.0.1.1");
	fk_add_addr(3, "10.0.2.1");
}

static void teardown(void)
{
	fk_teardown();
	l_debug_disable();
	l_log_set_stderr();
	for (unsigned int i = 0; i < n_lines; i++)
		l_free(lines[i]);
	l_main_exit();
}

static void feed_subflow(enum sf_event_type type, uint32_t token,
			 const char *saddr, uint16_t sport, const char *daddr,
			 uint16_t dport, int error)
{
	fk_feed(type, token, saddr, sport, daddr, dport, error);
}

/* A client connection 10.0.1.1 -> 10.0.1.2:5201, established: fullmesh
 * sends one SUBFLOW_CREATE from 10.0.2.1. */
static struct sf_conn *establish(uint32_t token)
{
	feed_subflow(SF_EVENT_ESTABLISHED, token, "10.0.1.1", 40000,
		     "10.0.1.2", 5201, 0);
	return sf_conn_table_lookup(sf_daemon_conns(fk_daemon), token);
}

static void feed_closed(uint32_t token)
{
	fk_feed(SF_EVENT_CLOSED, token, NULL, 0, NULL, 0, 0);
}

/* Run the event loop (the retry timers) for ms milliseconds. */
static void run_for(unsigned int ms)
{
	uint64_t start = l_time_now();

	while (l_time_diff(start, l_time_now()) < ms * 1000ULL)
		l_main_iterate(10);
}

static void assert_subflow_create(unsigned int i, uint32_t token,
				  const char *local, uint8_t id)
{
	fk_assert_subflow_create(i, token, local, id, "10.0.1.2", 5201);
}

/* --- unknown token ------------------------------------------------------- */

/*
 * The connection closed in the kernel before our command reached it: the
 * kernel answers EINVAL, "invalid token". Reported once with the extack,
 * the placeholder subflow is dropped, nothing is sent again.
 */
START_TEST(unknown_token_is_reported_once_and_not_retried)
{
	struct sf_conn *conn = establish(0xabc);
	struct sf_conn *other = establish(0xdef);

	ck_assert_uint_eq(fk_n_sent, 2);
	assert_subflow_create(0, 0xabc, "10.0.2.1", 2);
	ck_assert_uint_eq(sf_conn_subflow_count(conn), 2);

	fk_answer(0, -EINVAL, "invalid token");
	ck_assert_uint_eq(sf_daemon_counters(fk_daemon)->commands_failed, 1);
	ck_assert_uint_eq(log_count("[00000abc] subflow create failed: "
				    "Invalid argument: invalid token", NULL), 1);
	/* Said once: the policy leaves the reporting to the daemon. A
	 * connection gone in the kernel is no news: debug level. */
	ck_assert_uint_eq(log_count("invalid token", NULL), 1);
	ck_assert_int_eq(log_priority("invalid token"), L_LOG_DEBUG);
	ck_assert_uint_eq(sf_conn_subflow_count(conn), 1);

	run_for(1500);
	ck_assert_uint_eq(fk_n_sent, 2);
	ck_assert_uint_eq(log_count("invalid token", NULL), 1);

	/* The kernel's CLOSED follows: the connection is gone for good, the
	 * other one is still managed. */
	feed_closed(0xabc);
	ck_assert_ptr_null(sf_conn_table_lookup(sf_daemon_conns(fk_daemon),
						0xabc));
	fk_add_link(4, "eth3", true);
	fk_add_addr(4, "10.0.3.1");
	ck_assert_uint_eq(fk_n_sent, 3);
	assert_subflow_create(2, 0xdef, "10.0.3.1", 3);
	ck_assert_uint_eq(sf_conn_subflow_count(other), 3);
}
END_TEST

/* The reply comes after the CLOSED event: reported, nothing else. */
START_TEST(unknown_token_after_close_is_reported_once)
{
	establish(0xabc);
	feed_closed(0xabc);
	ck_assert_uint_eq(sf_conn_table_count(sf_daemon_conns(fk_daemon)), 0);

	fk_answer(0, -EINVAL, "invalid token");
	ck_assert_uint_eq(log_count("[00000abc] subflow create failed: "
				    "Invalid argument: invalid token", NULL), 1);
	run_for(1200);
	ck_assert_uint_eq(fk_n_sent, 1);
	ck_assert_uint_eq(sf_conn_table_count(sf_daemon_conns(fk_daemon)), 0);
}
END_TEST

/*
 * A subflow died with an error: re-created after 1 s, not sooner. That
 * re-creation meets a token the kernel no longer knows: nothing more is
 * sent, however long we wait.
 */
START_TEST(retry_refused_with_unknown_token_stops)
{
	uint64_t start;

	establish(0xabc);
	fk_answer(0, 0, NULL);
	feed_subflow(SF_EVENT_SUB_ESTABLISHED, 0xabc, "10.0.2.1", 41000,
		     "10.0.1.2", 5201, 0);
	feed_subflow(SF_EVENT_SUB_CLOSED, 0xabc, "10.0.2.1", 41000,
		     "10.0.1.2", 5201, ECONNRESET);
	start = l_time_now();
	ck_assert_uint_eq(log_count("[00000abc] re-creating subflow 10.0.2.1 "
				    "-> 10.0.1.2:5201 in 1000 ms", NULL), 1);

	run_for(800);
	ck_assert_uint_eq(fk_n_sent, 1);
	while (fk_n_sent == 1 && l_time_diff(start, l_time_now()) < 3000000)
		l_main_iterate(10);
	ck_assert_uint_eq(fk_n_sent, 2);
	ck_assert_uint_ge(l_time_diff(start, l_time_now()), 950000);
	assert_subflow_create(1, 0xabc, "10.0.2.1", 2);

	fk_answer(1, -EINVAL, "invalid token");
	run_for(2500);
	ck_assert_uint_eq(fk_n_sent, 2);
	ck_assert_uint_eq(log_count("re-creating", NULL), 1);
	ck_assert_uint_eq(log_count("invalid token", "subflow create failed",
				    NULL), 1);
}
END_TEST

/*
 * A refusal that passes (the kernel's answer lost to an overrun of the
 * command socket; a connection not fully established yet) is not the end
 * of the path: it is tried again after the retry delay, once; soon for a
 * connection that is about to be established.
 */
static const struct {
	int error;
	const char *extack;
	unsigned int delay_ms;
} passing[] = {
	{ -ENOBUFS, "the kernel's answer was lost", 1000 },
	/* The kernel's word when the join comes before the connection is
	 * fully established. */
	{ -ENOTCONN, "connect error: -107", 100 },
};

START_TEST(passing_refusal_is_retried_with_backoff)
{
	unsigned int delay_ms = passing[_i].delay_ms;
	char expect[80];
	uint64_t start;

	establish(0xabc);
	start = l_time_now();
	fk_answer(0, passing[_i].error, passing[_i].extack);
	snprintf(expect, sizeof(expect),
		 "re-creating subflow 10.0.2.1 -> 10.0.1.2:5201 in %u ms",
		 delay_ms);
	ck_assert_uint_eq(log_count(expect, NULL), 1);

	while (fk_n_sent < 2 && l_time_diff(start, l_time_now()) < 3000000)
		l_main_iterate(10);
	ck_assert_uint_eq(fk_n_sent, 2);
	ck_assert_uint_ge(l_time_diff(start, l_time_now()),
			  delay_ms * 1000ULL - 50000);
	assert_subflow_create(1, 0xabc, "10.0.2.1", 2);
}
END_TEST

/* --- limits -------------------------------------------------------------- */

/*
 * The peer's in-kernel PM refuses joins beyond its limits: the kernel
 * reports SUB_CLOSED without an error. A clean close is never retried.
 */
START_TEST(join_refused_by_peer_limits_is_not_retried)
{
	establish(0xabc);
	fk_answer(0, 0, NULL);
	feed_subflow(SF_EVENT_SUB_ESTABLISHED, 0xabc, "10.0.2.1", 41000,
		     "10.0.1.2", 5201, 0);
	feed_subflow(SF_EVENT_SUB_CLOSED, 0xabc, "10.0.2.1", 41000,
		     "10.0.1.2", 5201, 0);
	ck_assert_uint_eq(sf_daemon_counters(fk_daemon)->subflows_closed, 1);

	run_for(1500);
	ck_assert_uint_eq(fk_n_sent, 1);
	ck_assert_uint_eq(log_count("re-creating", NULL), 0);
}
END_TEST

/* [core] max-subflows reached: -ENOSPC at once, nothing sent, no log. */
START_TEST(max_subflows_refused_without_sending)
{
	struct sf_daemon *d = fk_daemon;
	struct sf_addr l = fk_addr("10.0.3.1", 0), r = fk_addr("10.0.1.2", 5201);
	struct sf_conn *conn;

	/* The test's own config: set before any connection exists. */
	((struct sf_config *) sf_daemon_config(d))->max_subflows = 2;
	conn = establish(0xabc);
	ck_assert_uint_eq(fk_n_sent, 1);
	ck_assert_uint_eq(sf_conn_subflow_count(conn), 2);

	/* A new address: fullmesh asks, the core refuses, quietly. */
	fk_add_link(4, "eth3", true);
	fk_add_addr(4, "10.0.3.1");
	ck_assert_uint_eq(fk_n_sent, 1);
	ck_assert_uint_eq(log_count("No space left", NULL), 0);
	ck_assert_uint_eq(log_count("cannot create", NULL), 0);

	ck_assert_int_eq(sf_subflow_create(conn, &l, &r, false, NULL, NULL,
					   NULL), -ENOSPC);
	ck_assert_uint_eq(fk_n_sent, 1);
	ck_assert_uint_eq(sf_daemon_counters(d)->commands_sent, 1);
	ck_assert_uint_eq(sf_conn_subflow_count(conn), 2);
}
END_TEST

/* --- address ids exhausted ----------------------------------------------- */

/*
 * 300 addresses on one interface: the first 253 take the ids left (the lab
 * holds two), each of the other 47 is reported once, by address, and is
 * not used. Seeing such an address again (an RTM_NEWADDR update) reports
 * nothing more. The live connection keeps its subflows and meshes within
 * max-subflows.
 */
START_TEST(ids_exhausted_reported_once_per_address)
{
	struct sf_conn *conn = establish(0xabc);
	struct sf_idmgr *idmgr = sf_daemon_idmgr(fk_daemon);
	struct sf_addr waiting = fk_addr("10.1.1.100", 0);
	struct sf_addr holder = fk_addr("10.1.0.200", 0);
	struct sf_addr first_waiting = fk_addr("10.1.1.54", 0);
	uint8_t freed;
	char ip[32], line[64];

	fk_answer(0, 0, NULL);
	fk_add_link(4, "eth3", true);
	for (unsigned int i = 0; i < 300; i++) {
		snprintf(ip, sizeof(ip), "10.1.%u.%u", i / 200, 1 + i % 200);
		fk_add_addr(4, ip);
	}

	ck_assert_uint_eq(sf_idmgr_count(idmgr), 255);
	ck_assert_uint_eq(log_count("no free MPTCP address id", NULL), 47);
	ck_assert_uint_eq(log_count("no free MPTCP address id for 10.1.1.54,",
				    NULL), 1);
	ck_assert_uint_eq(log_count("no free MPTCP address id for 10.1.1.100,",
				    NULL), 1);
	ck_assert_uint_eq(log_count("no free MPTCP address id for 10.1.1.53,",
				    NULL), 0);

	/* Updates of known addresses are no news. */
	fk_add_addr(4, "10.1.1.100");
	fk_add_addr(4, "10.1.1.1");
	ck_assert_uint_eq(log_count("no free MPTCP address id", NULL), 47);

	/* fullmesh filled the connection up to max-subflows (8), no more. */
	ck_assert_uint_eq(sf_conn_subflow_count(conn), 8);
	ck_assert_uint_eq(fk_n_sent, 7);
	ck_assert_uint_eq(sf_daemon_counters(fk_daemon)->commands_failed, 0);

	/* An address that never got an id goes quietly. When an id is freed,
	 * the first address still waiting for one takes it at once. */
	freed = sf_idmgr_lookup(idmgr, &holder);
	ck_assert_uint_ne(freed, 0);
	fk_del_addr(4, "10.1.1.100");
	ck_assert_uint_eq(sf_idmgr_count(idmgr), 255);
	fk_del_addr(4, "10.1.0.200");
	ck_assert_uint_eq(sf_idmgr_count(idmgr), 255);
	ck_assert_uint_eq(sf_idmgr_lookup(idmgr, &first_waiting), freed);
	snprintf(line, sizeof(line), "address 10.1.1.54 on eth3 usable, id %u",
		 freed);
	ck_assert_uint_eq(log_count(line, NULL), 1);

	/* One that comes back meanwhile waits, and says so. */
	fk_add_addr(4, "10.1.1.100");
	ck_assert_uint_eq(sf_idmgr_lookup(idmgr, &waiting), 0);
	ck_assert_uint_eq(log_count("no free MPTCP address id", NULL), 48);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("refusals");
	TCase *tc = tcase_create("fake kernel");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, unknown_token_is_reported_once_and_not_retried);
	tcase_add_test(tc, unknown_token_after_close_is_reported_once);
	tcase_add_test(tc, retry_refused_with_unknown_token_stops);
	tcase_add_loop_test(tc, passing_refusal_is_retried_with_backoff, 0,
			    L_ARRAY_SIZE(passing));
	tcase_add_test(tc, join_refused_by_peer_limits_is_not_retried);
	tcase_add_test(tc, max_subflows_refused_without_sending);
	tcase_add_test(tc, ids_exhausted_reported_once_per_address);
	suite_add_tcase(s, tc);

	return sf_unit_run(s);
}
