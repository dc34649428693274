/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon core with the real fullmesh plugin and a fake kernel: events
 * are fed in directly, interfaces through the interface table, and every
 * command that would reach the kernel is captured at the transport seam.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "pmcmd.h"
#include "unit.h"
#include "util.h"

struct sent {
	struct l_genl_msg *msg;
	sf_pm_reply_func_t reply;
	void *user_data;
	bool replied;
};

static struct sent sent[16];
static unsigned int n_sent;

static int fake_send(void *ctx, struct l_genl_msg *msg, bool dump,
		     sf_pm_reply_func_t reply, void *user_data)
{
	ck_assert_uint_lt(n_sent, L_ARRAY_SIZE(sent));
	sent[n_sent++] = (struct sent) { msg, reply, user_data, false };
	return 0;
}

/* The kernel answers command i. */
static void answer(unsigned int i, int error, const char *extack)
{
	ck_assert_uint_lt(i, n_sent);
	ck_assert(!sent[i].replied);
	sent[i].replied = true;
	sent[i].reply(error, extack, NULL, sent[i].user_data);
}

static const struct sf_pm_transport fake_transport = { fake_send, NULL };

static struct sf_daemon *daemon_;

static struct sf_addr addr(const char *s, uint16_t port)
{
	struct sf_addr a;

	ck_assert_int_eq(sf_addr_parse(s, &a), 0);
	a.port = port;
	return a;
}

static void add_link(int32_t ifindex, const char *name, bool up)
{
	struct sf_rtnl_link link = { .ifindex = ifindex };

	snprintf(link.ifname, sizeof(link.ifname), "%s", name);
	link.flags = up ? (IFF_UP | IFF_RUNNING | IFF_LOWER_UP) : 0;
	sf_iface_table_link_update(sf_daemon_ifaces(daemon_), &link);
}

static void add_addr(int32_t ifindex, const char *ip)
{
	struct sf_rtnl_addr a = {
		.ifindex = ifindex, .addr = addr(ip, 0), .prefixlen = 24,
	};

	sf_iface_table_addr_update(sf_daemon_ifaces(daemon_), &a);
}

static void del_addr(int32_t ifindex, const char *ip)
{
	struct sf_rtnl_addr a = {
		.ifindex = ifindex, .addr = addr(ip, 0), .prefixlen = 24,
	};

	sf_iface_table_addr_delete(sf_daemon_ifaces(daemon_), &a);
}

static void setup(void)
{
	struct sf_config *config = sf_config_new_defaults();
	struct sf_plugins *plugins;
	const char *top = getenv("top_builddir");
	_auto_(l_free) char *dir = l_strdup_printf("%s/plugins/.libs",
						   top ? top : ".");
	char *names[] = { "fullmesh", NULL };
	char err[512];

	/* The lab's interfaces are veths: let every interface through. */
	l_strv_free(config->filter.exclude_interfaces);
	config->filter.exclude_interfaces = NULL;

	ck_assert_msg(sf_plugins_load(dir, names, &plugins, err,
				      sizeof(err)) == 0, "%s", err);
	daemon_ = sf_daemon_new(config, plugins);
	sf_daemon_set_transport(daemon_, &fake_transport);
	n_sent = 0;

	add_link(2, "eth1", true);
	add_link(3, "eth2", true);
	add_link(4, "eth3", true);
	add_addr(2, "10.0.1.1");
	add_addr(3, "10.0.2.1");
	add_addr(4, "10.0.3.1");
}

static void teardown(void)
{
	/* Every command gets its one reply, as from the real transport. */
	for (unsigned int i = 0; i < n_sent; i++) {
		if (!sent[i].replied)
			answer(i, -ECANCELED, NULL);
		l_genl_msg_unref(sent[i].msg);
	}
	sf_daemon_free(daemon_);
}

static void feed(enum sf_event_type type, uint32_t token, const char *saddr,
		 uint16_t sport, const char *daddr, uint16_t dport)
{
	struct sf_event ev = { .type = type, .token = token };

	ev.has = SF_EVENT_HAS_TOKEN;
	if (saddr) {
		ev.saddr = addr(saddr, sport);
		ev.daddr = addr(daddr, dport);
		ev.family = ev.saddr.family;
		ev.has |= SF_EVENT_HAS_FAMILY | SF_EVENT_HAS_SADDR |
			  SF_EVENT_HAS_DADDR | SF_EVENT_HAS_SPORT |
			  SF_EVENT_HAS_DPORT;
	}

	sf_daemon_handle_event(daemon_, &ev);
}

/* The bytes of a message, for comparing what was sent with what should. */
static void assert_same_msg(struct l_genl_msg *got, struct l_genl_msg *want)
{
	size_t got_len, want_len;
	const void *g = l_genl_msg_to_data(got, 0x20, 0, 1, 0, &got_len);
	const void *w = l_genl_msg_to_data(want, 0x20, 0, 1, 0, &want_len);

	ck_assert_uint_eq(got_len, want_len);
	ck_assert_mem_eq(g, w, want_len);
	l_genl_msg_unref(want);
}

static void assert_subflow_create(unsigned int i, uint32_t token,
				  const char *local, uint8_t id,
				  const char *remote, uint16_t port)
{
	struct sf_addr l = addr(local, 0), r = addr(remote, port);

	ck_assert_uint_lt(i, n_sent);
	assert_same_msg(sent[i].msg,
			sf_pmcmd_subflow_create(token, &l, id, false, &r));
}

START_TEST(established_client_connection_gets_a_subflow_per_address)
{
	feed(SF_EVENT_CREATED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	ck_assert_uint_eq(n_sent, 0);	/* nothing before ESTABLISHED */

	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	/* The initial address already has its subflow. */
	ck_assert_uint_eq(n_sent, 2);
	assert_subflow_create(0, 0xabc, "10.0.2.1", 2, "10.0.1.2", 5201);
	assert_subflow_create(1, 0xabc, "10.0.3.1", 3, "10.0.1.2", 5201);
	ck_assert_uint_eq(sf_conn_subflow_count(
		sf_conn_table_lookup(sf_daemon_conns(daemon_), 0xabc)), 3);
}
END_TEST

START_TEST(server_side_connection_is_left_to_the_client)
{
	struct sf_event ev = { .type = SF_EVENT_ESTABLISHED, .token = 9 };

	ev.saddr = addr("10.0.1.1", 5201);
	ev.daddr = addr("10.0.1.2", 40000);
	ev.server_side = true;
	sf_daemon_handle_event(daemon_, &ev);
	ck_assert_uint_eq(n_sent, 0);
}
END_TEST

START_TEST(failed_create_is_reported_and_may_be_retried)
{
	struct sf_conn *conn;

	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	ck_assert_uint_eq(n_sent, 2);
	conn = sf_conn_table_lookup(sf_daemon_conns(daemon_), 0xabc);

	answer(0, -EINVAL, "bad address");
	ck_assert_uint_eq(sf_daemon_counters(daemon_)->commands_failed, 1);
	ck_assert_uint_eq(sf_conn_subflow_count(conn), 2);

	/* The path is free again: a new address event re-meshes it. */
	del_addr(3, "10.0.2.1");
	add_addr(3, "10.0.2.1");
	ck_assert_uint_eq(n_sent, 3);
	assert_subflow_create(2, 0xabc, "10.0.2.1", 2, "10.0.1.2", 5201);
	answer(1, 0, NULL);
	answer(2, 0, NULL);
}
END_TEST

START_TEST(new_local_address_meshes_live_connections)
{
	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	ck_assert_uint_eq(n_sent, 2);

	add_link(5, "eth4", true);
	add_addr(5, "10.0.4.1");
	ck_assert_uint_eq(n_sent, 3);
	assert_subflow_create(2, 0xabc, "10.0.4.1", 4, "10.0.1.2", 5201);
}
END_TEST

START_TEST(announced_peer_address_gets_a_subflow_from_each_address)
{
	struct sf_event ev = { .type = SF_EVENT_ANNOUNCED, .token = 0xabc };

	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	ck_assert_uint_eq(n_sent, 2);

	ev.rem_id = 5;
	ev.daddr = addr("10.0.9.2", 0);	/* no port: the connection's */
	sf_daemon_handle_event(daemon_, &ev);
	ck_assert_uint_eq(n_sent, 5);
	assert_subflow_create(2, 0xabc, "10.0.1.1", 1, "10.0.9.2", 5201);
	assert_subflow_create(3, 0xabc, "10.0.2.1", 2, "10.0.9.2", 5201);
	assert_subflow_create(4, 0xabc, "10.0.3.1", 3, "10.0.9.2", 5201);
}
END_TEST

START_TEST(removed_address_closes_its_subflows)
{
	struct sf_event ev = { .type = SF_EVENT_SUB_ESTABLISHED, .token = 0xabc };
	struct sf_addr l = addr("10.0.3.1", 41000), r = addr("10.0.1.2", 5201);

	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	ev.saddr = l;
	ev.daddr = r;
	ev.loc_id = 3;
	sf_daemon_handle_event(daemon_, &ev);

	/* The peer is told first, then our side of the subflow goes. */
	del_addr(4, "10.0.3.1");
	ck_assert_uint_eq(n_sent, 4);
	assert_same_msg(sent[2].msg, sf_pmcmd_remove(0xabc, 3));
	assert_same_msg(sent[3].msg, sf_pmcmd_subflow_destroy(0xabc, &l, &r));
}
END_TEST

START_TEST(closed_connection_is_freed)
{
	feed(SF_EVENT_ESTABLISHED, 0xabc, "10.0.1.1", 40000, "10.0.1.2", 5201);
	feed(SF_EVENT_CLOSED, 0xabc, NULL, 0, NULL, 0);
	ck_assert_uint_eq(sf_conn_table_count(sf_daemon_conns(daemon_)), 0);

	/* Late replies for a gone connection are harmless. */
	answer(0, -ENOENT, NULL);
	answer(1, 0, NULL);
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
	tcase_add_test(tc, closed_connection_is_freed);
	suite_add_tcase(s, tc);

	return sf_unit_run(s);
}
