/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon core with real plugins (fullmesh; handover where a policy that
 * opens replacements itself matters) and a fake kernel: events are fed in
 * directly, interfaces through the interface table, and every command that
 * would reach the kernel is captured at the transport seam.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "fake-kernel.h"
#include "pmcmd.h"
#include "unit.h"
#include "util.h"

static const char *const plugins[] = { "fullmesh", NULL };

static void setup(void)
{
	fk_setup(plugins);
	fk_add_link(2, "eth1", true);
	fk_add_link(3, "eth2", true);
	fk_add_link(4, "eth3", true);
	fk_add_addr(2, "10.0.1.1");
	fk_add_addr(3, "10.0.2.1");
	fk_add_addr(4, "10.0.3.1");
}

static void teardown(void)
{
	fk_teardown();
}

static void feed(enum sf_event_type type, uint32_t token, const char *saddr,
		 uint16_t sport, const char *daddr, uint16_t dport)
{
	fk_feed(type, token, saddr, sport, daddr, dport, 0);
}

START_TEST(established_client_connection_gets_a_subflow_per_address)
{
	feed(SF_EVENT_CREATED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	ck_assert_uint_eq(fk_n_sent, 0);	/* nothing before ESTABLISHED */

	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	/* The initial address already has its subflow. */
	ck_assert_uint_eq(fk_n_sent, 2);
	fk_assert_subflow_create(0, 0xabc, "10.0.2.1", 2, "10.0.1.2", 5201);
	fk_assert_subflow_create(1, 0xabc, "10.0.3.1", 3, "10.0.1.2", 5201);
	ck_assert_uint_eq(sf_conn_subflow_count(
		sf_conn_table_lookup(sf_daemon_conns(fk_daemon), 0xabc)), 3);
}
END_TEST

START_TEST(server_side_connection_is_left_to_the_client)
{
	struct sf_event ev = { .type = SF_EVENT_ESTABLISHED, .token = 9 };

	ev.saddr = fk_addr("10.0.1.1", 5201);
	ev.daddr = fk_addr("10.0.1.2", 40000);
	ev.server_side = true;
	sf_daemon_handle_event(fk_daemon, &ev);
	ck_assert_uint_eq(fk_n_sent, 0);
}
END_TEST

START_TEST(failed_create_is_reported_and_may_be_retried)
{
	struct sf_conn *conn;

	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	ck_assert_uint_eq(fk_n_sent, 2);
	conn = sf_conn_table_lookup(sf_daemon_conns(fk_daemon), 0xabc);

	fk_answer(0, -EINVAL, "bad address");
	ck_assert_uint_eq(sf_daemon_counters(fk_daemon)->commands_failed, 1);
	ck_assert_uint_eq(sf_conn_subflow_count(conn), 2);

	/* The path is free again: a new address event re-meshes it. */
	fk_del_addr(3, "10.0.2.1");
	fk_add_addr(3, "10.0.2.1");
	ck_assert_uint_eq(fk_n_sent, 3);
	fk_assert_subflow_create(2, 0xabc, "10.0.2.1", 2, "10.0.1.2", 5201);
	fk_answer(1, 0, NULL);
	fk_answer(2, 0, NULL);
}
END_TEST

START_TEST(new_local_address_meshes_live_connections)
{
	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	ck_assert_uint_eq(fk_n_sent, 2);

	fk_add_link(5, "eth4", true);
	fk_add_addr(5, "10.0.4.1");
	ck_assert_uint_eq(fk_n_sent, 3);
	fk_assert_subflow_create(2, 0xabc, "10.0.4.1", 4, "10.0.1.2", 5201);
}
END_TEST

START_TEST(announced_peer_address_gets_a_subflow_from_each_address)
{
	struct sf_event ev = { .type = SF_EVENT_ANNOUNCED, .token = 0xabc };

	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	ck_assert_uint_eq(fk_n_sent, 2);

	ev.rem_id = 5;
	ev.daddr = fk_addr("10.0.9.2", 0);	/* no port: the connection's */
	sf_daemon_handle_event(fk_daemon, &ev);
	ck_assert_uint_eq(fk_n_sent, 5);
	fk_assert_subflow_create(2, 0xabc, "10.0.1.1", 1, "10.0.9.2", 5201);
	fk_assert_subflow_create(3, 0xabc, "10.0.2.1", 2, "10.0.9.2", 5201);
	fk_assert_subflow_create(4, 0xabc, "10.0.3.1", 3, "10.0.9.2", 5201);
}
END_TEST

START_TEST(removed_address_closes_its_subflows)
{
	struct sf_pmcmd want;
	struct sf_event ev = { .type = SF_EVENT_SUB_ESTABLISHED, .token = 0xabc };
	struct sf_addr l = fk_addr("10.0.3.1", 41000), r = fk_addr("10.0.1.2", 5201);

	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	ev.saddr = l;
	ev.daddr = r;
	ev.loc_id = 3;
	sf_daemon_handle_event(fk_daemon, &ev);

	/* The peer is told first, then our side of the subflow goes. */
	fk_del_addr(4, "10.0.3.1");
	ck_assert_uint_eq(fk_n_sent, 4);
	fk_assert_sent(2, sf_pmcmd_remove(&want, 0xabc, 3));
	fk_assert_sent(3, sf_pmcmd_subflow_destroy(&want, 0xabc, &l, &r));
}
END_TEST

/*
 * The address flaps while its subflow is being opened: the daemon forgets
 * the attempt and opens another when the address is back, but the kernel
 * completes both. fullmesh keeps one subflow per pair: the second closes.
 */
START_TEST(subflow_doubled_by_a_flap_is_closed)
{
	struct sf_pmcmd want;
	struct sf_addr l2 = fk_addr("10.0.2.1", 41001);
	struct sf_addr r = fk_addr("10.0.1.2", 5201);

	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	ck_assert_uint_eq(fk_n_sent, 2);
	fk_answer(0, 0, NULL);

	fk_del_addr(3, "10.0.2.1");
	fk_add_addr(3, "10.0.2.1");
	ck_assert_uint_eq(fk_n_sent, 3);
	fk_assert_subflow_create(2, 0xabc, "10.0.2.1", 2, "10.0.1.2", 5201);
	fk_answer(2, 0, NULL);

	feed(SF_EVENT_SUB_ESTABLISHED, 0xabc, "10.0.2.1", 41000, "10.0.1.2", 5201);
	ck_assert_uint_eq(fk_n_sent, 3);
	feed(SF_EVENT_SUB_ESTABLISHED, 0xabc, "10.0.2.1", 41001, "10.0.1.2", 5201);
	ck_assert_uint_eq(fk_n_sent, 4);
	fk_assert_sent(3, sf_pmcmd_subflow_destroy(&want, 0xabc, &l2, &r));
}
END_TEST

/*
 * The address flaps while its subflow lives: the daemon withdraws it and
 * closes the subflow, and when the address is back before the kernel
 * reported the close, the path gets a new subflow at once; the old one's
 * close and the new one's arrival leave exactly one.
 */
START_TEST(flapped_address_gets_its_subflow_back_before_the_old_one_closed)
{
	struct sf_pmcmd want;
	struct sf_event ev = { .type = SF_EVENT_SUB_ESTABLISHED, .token = 0xabc };
	struct sf_addr l = fk_addr("10.0.2.1", 41000), r = fk_addr("10.0.1.2", 5201);

	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	fk_answer(0, 0, NULL);
	ev.saddr = l;
	ev.daddr = r;
	ev.loc_id = 2;
	sf_daemon_handle_event(fk_daemon, &ev);
	ck_assert_uint_eq(fk_n_sent, 2);

	fk_del_addr(3, "10.0.2.1");
	ck_assert_uint_eq(fk_n_sent, 4);
	fk_assert_sent(2, sf_pmcmd_remove(&want, 0xabc, 2));
	fk_assert_sent(3, sf_pmcmd_subflow_destroy(&want, 0xabc, &l, &r));

	fk_add_addr(3, "10.0.2.1");
	ck_assert_uint_eq(fk_n_sent, 5);
	fk_assert_subflow_create(4, 0xabc, "10.0.2.1", 2, "10.0.1.2", 5201);

	/* REMOVE closed it already: the destroy finds nothing. */
	fk_answer(3, -ESRCH, "subflow not found");
	feed(SF_EVENT_SUB_CLOSED, 0xabc, "10.0.2.1", 41000, "10.0.1.2", 5201);
	fk_answer(4, 0, NULL);
	feed(SF_EVENT_SUB_ESTABLISHED, 0xabc, "10.0.2.1", 41001, "10.0.1.2", 5201);
	ck_assert_uint_eq(fk_n_sent, 5);
	ck_assert_uint_eq(sf_conn_subflow_count(
		sf_conn_table_lookup(sf_daemon_conns(fk_daemon), 0xabc)), 3);
}
END_TEST

START_TEST(closed_connection_is_freed)
{
	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	feed(SF_EVENT_CLOSED, 0xabc, NULL, 0, NULL, 0);
	ck_assert_uint_eq(sf_conn_table_count(sf_daemon_conns(fk_daemon)), 0);

	/* Late replies for a gone connection are harmless. */
	fk_answer(0, -ENOENT, NULL);
	fk_answer(1, 0, NULL);
}
END_TEST

/* --- a policy that opens a replacement itself (handover) ----------------- */

static const char *const handover[] = { "handover", NULL };

/* handover with eth1 primary and eth2 standby (backup = true). */
static void setup_handover(void)
{
	struct sf_iface_policy policy;

	ck_assert(l_main_init());
	fk_setup(handover);
	fk_add_link(2, "eth1", true);
	fk_add_link(3, "eth2", true);
	fk_add_addr(2, "10.0.1.1");
	fk_add_addr(3, "10.0.2.1");
	sf_daemon_get_iface_policy(fk_daemon, "eth2", &policy);
	policy.backup = true;
	ck_assert_int_eq(sf_daemon_set_iface_policy(fk_daemon, "eth2", &policy,
						    NULL, NULL), 0);
}

static void teardown_handover(void)
{
	fk_teardown();
	l_main_exit();
}

/* How many of the commands sent are SUBFLOW_CREATE. */
static unsigned int creates_sent(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < fk_n_sent; i++)
		n += sf_pmcmd_command(fk_sent[i].msg) ==
		     MPTCP_PM_CMD_SUBFLOW_CREATE;
	return n;
}

/*
 * The primary subflow fails and handover opens a new one on the same pair
 * at once, in its subflow_closed handler. The retry engine must count that
 * one as the replacement: when its timer fires, the pair has what it had,
 * and no second subflow opens on it.
 */
START_TEST(replacement_opened_by_the_policy_is_not_doubled_by_the_retry)
{
	uint64_t start;

	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	ck_assert_uint_eq(creates_sent(), 1);		/* the standby path */
	fk_answer(0, 0, NULL);
	feed(SF_EVENT_SUB_ESTABLISHED, 0xabc, "10.0.2.1", 41000, "10.0.1.2",
	     5201);

	fk_feed(SF_EVENT_SUB_CLOSED, 0xabc, "10.0.1.1", 40000, "10.0.1.2",
		5201, ECONNRESET);
	ck_assert_uint_eq(creates_sent(), 2);		/* the replacement */

	/* Past the first retry delay (1 s): nothing more is opened. */
	start = l_time_now();
	while (l_time_diff(start, l_time_now()) < 1500000)
		l_main_iterate(10);
	ck_assert_uint_eq(creates_sent(), 2);
}
END_TEST

/*
 * The standby address flaps while its subflow is being opened (as a path
 * whose stalled subflow was just replaced can when its link goes): the
 * daemon forgets the attempt and handover opens another when the address is
 * back, but the kernel completes both. The pair keeps one: the second
 * closes.
 */
START_TEST(handover_subflow_doubled_by_a_flap_is_closed)
{
	struct sf_pmcmd want;
	struct sf_addr l2 = fk_addr("10.0.2.1", 41001);
	struct sf_addr r = fk_addr("10.0.1.2", 5201);

	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	ck_assert_uint_eq(fk_n_sent, 1);
	ck_assert_uint_eq(creates_sent(), 1);		/* the standby path */
	fk_answer(0, 0, NULL);

	fk_del_addr(3, "10.0.2.1");
	fk_add_addr(3, "10.0.2.1");
	ck_assert_uint_eq(fk_n_sent, 2);
	ck_assert_uint_eq(creates_sent(), 2);		/* the path again */
	fk_answer(1, 0, NULL);

	feed(SF_EVENT_SUB_ESTABLISHED, 0xabc, "10.0.2.1", 41000, "10.0.1.2", 5201);
	ck_assert_uint_eq(fk_n_sent, 2);
	feed(SF_EVENT_SUB_ESTABLISHED, 0xabc, "10.0.2.1", 41001, "10.0.1.2", 5201);
	ck_assert_uint_eq(fk_n_sent, 3);
	fk_assert_sent(2, sf_pmcmd_subflow_destroy(&want, 0xabc, &l2, &r));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc = tcase_create("fullmesh");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, established_client_connection_gets_a_subflow_per_address);
	tcase_add_test(tc, server_side_connection_is_left_to_the_client);
	tcase_add_test(tc, failed_create_is_reported_and_may_be_retried);
	tcase_add_test(tc, new_local_address_meshes_live_connections);
	tcase_add_test(tc, announced_peer_address_gets_a_subflow_from_each_address);
	tcase_add_test(tc, removed_address_closes_its_subflows);
	tcase_add_test(tc, subflow_doubled_by_a_flap_is_closed);
	tcase_add_test(tc, flapped_address_gets_its_subflow_back_before_the_old_one_closed);
	tcase_add_test(tc, closed_connection_is_freed);
	suite_add_tcase(s, tc);

	tc = tcase_create("handover");
	tcase_add_checked_fixture(tc, setup_handover, teardown_handover);
	tcase_add_test(tc, replacement_opened_by_the_policy_is_not_doubled_by_the_retry);
	tcase_add_test(tc, handover_subflow_doubled_by_a_flap_is_closed);
	suite_add_tcase(s, tc);

	return sf_unit_run(s);
}
