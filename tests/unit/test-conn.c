/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "conn.h"
#include "unit.h"

static struct sf_addr addr(const char *s, uint16_t port)
{
	struct sf_addr a;

	ck_assert_int_eq(sf_addr_parse(s, &a), 0);
	a.port = port;
	return a;
}

static struct sf_conn *new_conn(struct sf_conn_table *t, uint32_t token)
{
	struct sf_addr l = addr("10.0.1.1", 40000), r = addr("10.0.1.2", 5201);

	return sf_conn_table_add(t, token, &l, &r, false);
}

static void count_subflow(struct sf_conn *conn, const struct sf_subflow_info *sf,
			  void *user_data)
{
	(*(unsigned int *) user_data)++;
}

START_TEST(add_lookup_remove_by_token)
{
	struct sf_conn_table *t = sf_conn_table_new();
	struct sf_conn *c = new_conn(t, 0xdeadbeef);

	ck_assert_ptr_eq(sf_conn_table_lookup(t, 0xdeadbeef), c);
	ck_assert_ptr_null(sf_conn_table_lookup(t, 0x1));
	ck_assert_uint_eq(sf_conn_token(c), 0xdeadbeef);
	ck_assert_uint_eq(sf_conn_local(c)->port, 40000);
	ck_assert_uint_eq(sf_conn_remote(c)->port, 5201);
	ck_assert(!sf_conn_established(c));
	ck_assert(!sf_conn_server_side(c));
	ck_assert_uint_eq(sf_conn_table_count(t), 1);

	ck_assert_int_eq(sf_conn_table_remove(t, 0xdeadbeef), 0);
	ck_assert_int_eq(sf_conn_table_remove(t, 0xdeadbeef), -ENOENT);
	ck_assert_uint_eq(sf_conn_table_count(t), 0);
	sf_conn_table_free(t);
}
END_TEST

START_TEST(adding_a_known_token_returns_the_same_connection)
{
	struct sf_conn_table *t = sf_conn_table_new();
	struct sf_conn *c = new_conn(t, 7);
	struct sf_addr l = addr("10.0.1.1", 40001), r = addr("10.0.1.2", 80);

	ck_assert_ptr_eq(sf_conn_table_add(t, 7, &l, &r, true), c);
	ck_assert_uint_eq(sf_conn_local(c)->port, 40001);
	ck_assert(sf_conn_server_side(c));
	ck_assert_uint_eq(sf_conn_table_count(t), 1);
	sf_conn_table_free(t);
}
END_TEST

START_TEST(many_connections_closed_leave_nothing_behind)
{
	struct sf_conn_table *t = sf_conn_table_new();

	for (uint32_t tok = 1; tok <= 1000; tok++) {
		struct sf_conn *c = new_conn(t, tok);
		struct sf_subflow_info sf = {
			.local = addr("10.0.2.1", 0),
			.remote = addr("10.0.1.2", 5201),
		};

		sf_conn_subflow_add_creating(c, &sf);
		sf_conn_remote_addr_add(c, 1, &sf.remote);
	}
	ck_assert_uint_eq(sf_conn_table_count(t), 1000);

	for (uint32_t tok = 1; tok <= 1000; tok++)
		ck_assert_int_eq(sf_conn_table_remove(t, tok), 0);
	ck_assert_uint_eq(sf_conn_table_count(t), 0);
	sf_conn_table_free(t);	/* valgrind: no leak */
}
END_TEST

START_TEST(creating_subflow_is_completed_by_sub_established)
{
	struct sf_conn_table *t = sf_conn_table_new();
	struct sf_conn *c = new_conn(t, 1);
	struct sf_subflow_info want = {
		.local = addr("10.0.2.1", 0), .remote = addr("10.0.1.2", 5201),
		.local_id = 2, .ifindex = 5,
	};
	struct sf_subflow_info got = want;
	struct sf_subflow_info *sf;
	unsigned int n = 0;

	sf_conn_subflow_add_creating(c, &want);
	sf = sf_conn_subflow_find(c, &want.local, &want.remote);
	ck_assert_ptr_nonnull(sf);
	ck_assert_int_eq(sf_conn_subflow_state(c, sf), SF_SUBFLOW_STATE_CREATING);

	/* The event carries the local port, the remote id, no ifindex. */
	got.local.port = 41000;
	got.remote_id = 0;
	got.ifindex = 0;
	sf = sf_conn_subflow_established(c, &got);
	ck_assert_int_eq(sf_conn_subflow_state(c, sf), SF_SUBFLOW_STATE_ESTABLISHED);
	ck_assert_uint_eq(sf->local.port, 41000);
	ck_assert_int_eq(sf->ifindex, 5);	/* kept from creation */
	ck_assert_uint_eq(sf_conn_subflow_count(c), 1);

	sf_conn_foreach_subflow(c, count_subflow, &n);
	ck_assert_uint_eq(n, 1);
	sf_conn_table_free(t);
}
END_TEST

START_TEST(a_creating_subflow_exists_for_its_address_pair_only)
{
	struct sf_conn_table *t = sf_conn_table_new();
	struct sf_conn *c = new_conn(t, 1);
	struct sf_subflow_info sf = {
		.local = addr("10.0.2.1", 0), .remote = addr("10.0.1.2", 5201),
	};
	struct sf_subflow_info other_port = sf;

	ck_assert(!sf_conn_subflow_exists(c, &sf.local, &sf.remote));
	sf_conn_subflow_add_creating(c, &sf);
	ck_assert(sf_conn_subflow_exists(c, &sf.local, &sf.remote));

	/* Another remote port is another subflow. */
	other_port.remote.port = 443;
	ck_assert(!sf_conn_subflow_exists(c, &other_port.local,
					  &other_port.remote));
	sf_conn_subflow_add_creating(c, &other_port);
	ck_assert_uint_eq(sf_conn_subflow_count(c), 2);
	sf_conn_table_free(t);
}
END_TEST

START_TEST(two_established_subflows_from_one_address_are_distinct)
{
	struct sf_conn_table *t = sf_conn_table_new();
	struct sf_conn *c = new_conn(t, 1);
	struct sf_subflow_info a = {
		.local = addr("10.0.1.1", 40000), .remote = addr("10.0.1.2", 5201),
	};
	struct sf_subflow_info b = a;

	b.local.port = 40002;
	sf_conn_subflow_established(c, &a);
	sf_conn_subflow_established(c, &b);
	ck_assert_uint_eq(sf_conn_subflow_count(c), 2);

	ck_assert_int_eq(sf_conn_subflow_remove(c, &b.local, &b.remote), 0);
	ck_assert_ptr_nonnull(sf_conn_subflow_find(c, &a.local, &a.remote));
	ck_assert_uint_eq(sf_conn_subflow_find(c, &a.local, &a.remote)->local.port,
			  40000);
	ck_assert_int_eq(sf_conn_subflow_remove(c, &b.local, &b.remote), -ENOENT);
	sf_conn_table_free(t);
}
END_TEST

START_TEST(creating_subflows_of_a_gone_address_are_forgotten)
{
	struct sf_conn_table *t = sf_conn_table_new();
	struct sf_conn *c = new_conn(t, 1);
	struct sf_subflow_info creating = {
		.local = addr("10.0.2.1", 0), .remote = addr("10.0.1.2", 5201),
	};
	struct sf_subflow_info up = {
		.local = addr("10.0.2.1", 40002), .remote = addr("10.0.1.2", 443),
	};

	sf_conn_subflow_add_creating(c, &creating);
	sf_conn_subflow_established(c, &up);
	sf_conn_subflow_forget_creating(c, &creating.local);
	ck_assert(!sf_conn_subflow_exists(c, &creating.local, &creating.remote));
	/* Established ones stay: they are withdrawn with commands. */
	ck_assert_uint_eq(sf_conn_subflow_count(c), 1);
	sf_conn_table_free(t);
}
END_TEST

static void collect_remote(struct sf_conn *conn, uint8_t id,
			   const struct sf_addr *a, void *user_data)
{
	unsigned int *ids = user_data;

	ids[0]++;
	ids[ids[0]] = id;
}

START_TEST(peer_addresses_replace_by_id_and_remove)
{
	struct sf_conn_table *t = sf_conn_table_new();
	struct sf_conn *c = new_conn(t, 1);
	struct sf_addr a1 = addr("10.0.2.2", 0), a2 = addr("10.0.3.2", 8080);
	unsigned int ids[8] = { 0 };

	sf_conn_remote_addr_add(c, 3, &a1);
	sf_conn_remote_addr_add(c, 3, &a2);	/* same id: replaced */
	sf_conn_remote_addr_add(c, 4, &a1);
	sf_conn_foreach_remote_addr(c, collect_remote, ids);
	ck_assert_uint_eq(ids[0], 2);
	ck_assert_uint_eq(ids[1], 3);
	ck_assert_uint_eq(ids[2], 4);

	ck_assert_int_eq(sf_conn_remote_addr_remove(c, 3), 0);
	ck_assert_int_eq(sf_conn_remote_addr_remove(c, 3), -ENOENT);
	sf_conn_table_free(t);
}
END_TEST

/* Every token still in the table is found, every removed one is not. */
static void assert_table_holds(struct sf_conn_table *t, const uint32_t *tokens,
			       const bool *live, unsigned int n)
{
	unsigned int expect = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct sf_conn *c = sf_conn_table_lookup(t, tokens[i]);

		if (live[i]) {
			ck_assert_ptr_nonnull(c);
			ck_assert_uint_eq(sf_conn_token(c), tokens[i]);
			expect++;
		} else {
			ck_assert_ptr_null(c);
		}
	}
	ck_assert_uint_eq(sf_conn_table_count(t), expect);
}

static void count_conn(struct sf_conn *conn, void *user_data)
{
	(*(unsigned int *) user_data)++;
}

START_TEST(table_survives_growth_collisions_and_shrinking)
{
	enum { N = 3000 };
	struct sf_conn_table *t = sf_conn_table_new();
	static uint32_t tokens[N];
	static bool live[N];
	uint32_t x = 0x12345678;
	unsigned int visited = 0;

	/* Tokens that differ only in their high bits, and pseudo-random ones:
	 * both kinds pile onto neighbouring slots while the table is small. */
	for (unsigned int i = 0; i < N; i++) {
		if (i % 3 == 0) {
			tokens[i] = (uint32_t)i << 20 | 7;
		} else {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			tokens[i] = x;
		}
		for (unsigned int j = 0; j < i; j++)
			if (tokens[j] == tokens[i])
				tokens[i] ^= 0x80000001;
		new_conn(t, tokens[i]);
		live[i] = true;
	}
	assert_table_holds(t, tokens, live, N);
	sf_conn_table_foreach(t, count_conn, &visited);
	ck_assert_uint_eq(visited, N);

	/* Remove in an order unrelated to insertion, checking on the way. */
	for (unsigned int k = 0; k < N; k++) {
		unsigned int i = (k * 7919) % N;

		ck_assert_int_eq(sf_conn_table_remove(t, tokens[i]), 0);
		ck_assert_int_eq(sf_conn_table_remove(t, tokens[i]), -ENOENT);
		live[i] = false;
		if (k % 250 == 0 || k > N - 20)
			assert_table_holds(t, tokens, live, N);
	}

	/* Empty after shrinking: still usable. */
	new_conn(t, 42);
	ck_assert_ptr_nonnull(sf_conn_table_lookup(t, 42));
	sf_conn_table_free(t);
}
END_TEST

struct seen {
	const struct sf_subflow_info *sf[16];
	unsigned int n;
};

static void collect_subflow(struct sf_conn *conn,
			    const struct sf_subflow_info *sf, void *user_data)
{
	struct seen *seen = user_data;

	ck_assert_uint_lt(seen->n, 16);
	seen->sf[seen->n++] = sf;
}

START_TEST(many_subflows_keep_their_place)
{
	struct sf_conn_table *t = sf_conn_table_new();
	struct sf_conn *c = new_conn(t, 1);
	struct sf_addr remote = addr("10.0.1.2", 5201);
	const struct sf_subflow_info *kept[10];
	struct seen seen = { .n = 0 };

	/* More than one slab of them, each from its own local port. */
	for (uint16_t i = 0; i < 10; i++) {
		struct sf_subflow_info sf = {
			.local = addr("10.0.2.1", (uint16_t)(40000 + i)),
			.remote = remote,
			.local_id = (uint8_t)i,
			.ifindex = 3,
		};

		kept[i] = sf_conn_subflow_established(c, &sf);
		ck_assert_uint_eq(kept[i]->local_id, i);
	}
	ck_assert_uint_eq(sf_conn_subflow_count(c), 10);

	/* Removing some moves none of the others. */
	for (uint16_t i = 0; i < 10; i += 3) {
		struct sf_addr local = addr("10.0.2.1", (uint16_t)(40000 + i));

		ck_assert_int_eq(sf_conn_subflow_remove(c, &local, &remote), 0);
		ck_assert_int_eq(sf_conn_subflow_remove(c, &local, &remote),
				 -ENOENT);
	}
	ck_assert_uint_eq(sf_conn_subflow_count(c), 6);
	for (uint16_t i = 0; i < 10; i++) {
		struct sf_addr local = addr("10.0.2.1", (uint16_t)(40000 + i));

		if (i % 3 == 0) {
			ck_assert_ptr_null(sf_conn_subflow_find(c, &local,
								&remote));
			continue;
		}
		ck_assert_ptr_eq(sf_conn_subflow_find(c, &local, &remote),
				 kept[i]);
		ck_assert_uint_eq(kept[i]->local_id, i);
		ck_assert_uint_eq(kept[i]->local.port, 40000 + i);
		ck_assert_int_eq(sf_conn_subflow_state(c, kept[i]),
				 SF_SUBFLOW_STATE_ESTABLISHED);
	}

	sf_conn_foreach_subflow(c, collect_subflow, &seen);
	ck_assert_uint_eq(seen.n, 6);
	for (unsigned int k = 0; k < seen.n; k++)
		ck_assert_uint_ne(seen.sf[k]->local_id % 3, 0);

	/* A freed slot is reused clean: no ifindex left from before. */
	{
		struct sf_subflow_info sf = {
			.local = addr("10.0.4.1", 0),
			.remote = remote,
		};
		const struct sf_subflow_info *got;

		sf_conn_subflow_add_creating(c, &sf);
		sf.local.port = 41000;
		got = sf_conn_subflow_established(c, &sf);
		ck_assert_int_eq(got->ifindex, 0);
		ck_assert_uint_eq(got->local.port, 41000);
		ck_assert_uint_eq(sf_conn_subflow_count(c), 7);
	}
	sf_conn_table_free(t);	/* valgrind: the chunks too */
}
END_TEST

START_TEST(a_subflow_being_destroyed_is_out_of_the_way)
{
	struct sf_conn_table *t = sf_conn_table_new();
	struct sf_conn *c = new_conn(t, 1);
	struct sf_subflow_info sf = {
		.local = addr("10.0.2.1", 41000),
		.remote = addr("10.0.1.2", 5201),
	};
	struct sf_subflow_info *got = sf_conn_subflow_established(c, &sf);
	unsigned int n = 0;

	sf_conn_subflow_set_destroying(c, got, true);
	ck_assert_uint_eq(sf_conn_subflow_count(c), 0);
	sf_conn_foreach_subflow(c, count_subflow, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert(!sf_conn_subflow_exists(c, &sf.local, &sf.remote));
	/* Still found, so that its SUB_CLOSED forgets it. */
	ck_assert_ptr_eq(sf_conn_subflow_find(c, &sf.local, &sf.remote), got);

	/* A new subflow on the path meanwhile, then the old one goes. */
	sf.local.port = 0;
	sf_conn_subflow_add_creating(c, &sf);
	ck_assert_uint_eq(sf_conn_subflow_count(c), 1);
	sf.local.port = 41000;
	ck_assert_int_eq(sf_conn_subflow_remove(c, &sf.local, &sf.remote), 0);
	ck_assert_uint_eq(sf_conn_subflow_count(c), 1);
	sf.local.port = 0;
	ck_assert(sf_conn_subflow_exists(c, &sf.local, &sf.remote));

	/* Refused: it stays. */
	sf.local = addr("10.0.3.1", 42000);
	got = sf_conn_subflow_established(c, &sf);
	sf_conn_subflow_set_destroying(c, got, true);
	sf_conn_subflow_set_destroying(c, got, false);
	ck_assert_uint_eq(sf_conn_subflow_count(c), 2);
	sf_conn_table_free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conn");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, add_lookup_remove_by_token);
	tcase_add_test(tc, adding_a_known_token_returns_the_same_connection);
	tcase_add_test(tc, many_connections_closed_leave_nothing_behind);
	tcase_add_test(tc, creating_subflow_is_completed_by_sub_established);
	tcase_add_test(tc, a_creating_subflow_exists_for_its_address_pair_only);
	tcase_add_test(tc, two_established_subflows_from_one_address_are_distinct);
	tcase_add_test(tc, creating_subflows_of_a_gone_address_are_forgotten);
	tcase_add_test(tc, peer_addresses_replace_by_id_and_remove);
	tcase_add_test(tc, table_survives_growth_collisions_and_shrinking);
	tcase_add_test(tc, many_subflows_keep_their_place);
	tcase_add_test(tc, a_subflow_being_destroyed_is_out_of_the_way);
	suite_add_tcase(s, tc);

	return sf_unit_run(s);
}
