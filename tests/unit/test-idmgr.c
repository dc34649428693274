/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>

#include "idmgr.h"
#include "unit.h"

static struct sf_addr v4(const char *s)
{
	struct sf_addr a;

	ck_assert_int_eq(sf_addr_parse(s, &a), 0);
	return a;
}

START_TEST(first_address_gets_id_1_never_0)
{
	struct sf_idmgr *m = sf_idmgr_new();
	struct sf_addr a = v4("10.0.1.1");

	ck_assert_int_eq(sf_idmgr_ref(m, &a), 1);
	ck_assert_uint_eq(sf_idmgr_lookup(m, &a), 1);
	sf_idmgr_free(m);
}
END_TEST

START_TEST(same_address_keeps_its_id_and_port_is_ignored)
{
	struct sf_idmgr *m = sf_idmgr_new();
	struct sf_addr a = v4("10.0.1.1"), b = v4("10.0.2.1");
	struct sf_addr a_port = a;

	a_port.port = 4242;
	ck_assert_int_eq(sf_idmgr_ref(m, &a), 1);
	ck_assert_int_eq(sf_idmgr_ref(m, &b), 2);
	ck_assert_int_eq(sf_idmgr_ref(m, &a_port), 1);
	ck_assert_uint_eq(sf_idmgr_count(m), 2);
	sf_idmgr_free(m);
}
END_TEST

START_TEST(id_freed_after_last_unref_and_lowest_reused)
{
	struct sf_idmgr *m = sf_idmgr_new();
	struct sf_addr a = v4("10.0.1.1"), b = v4("10.0.2.1"), c = v4("10.0.3.1");

	ck_assert_int_eq(sf_idmgr_ref(m, &a), 1);
	ck_assert_int_eq(sf_idmgr_ref(m, &b), 2);
	ck_assert_int_eq(sf_idmgr_ref(m, &a), 1);

	ck_assert_int_eq(sf_idmgr_unref(m, &a), 0);
	ck_assert_uint_eq(sf_idmgr_lookup(m, &a), 1);	/* one ref left */
	ck_assert_int_eq(sf_idmgr_unref(m, &a), 0);
	ck_assert_uint_eq(sf_idmgr_lookup(m, &a), 0);
	ck_assert_uint_eq(sf_idmgr_count(m), 1);

	ck_assert_int_eq(sf_idmgr_ref(m, &c), 1);	/* lowest free */
	ck_assert_int_eq(sf_idmgr_unref(m, &a), -ENOENT);
	sf_idmgr_free(m);
}
END_TEST

START_TEST(ipv4_and_ipv6_get_distinct_ids)
{
	struct sf_idmgr *m = sf_idmgr_new();
	struct sf_addr a = v4("10.0.1.1"), b = v4("fd00:1::1");

	ck_assert_int_eq(sf_idmgr_ref(m, &a), 1);
	ck_assert_int_eq(sf_idmgr_ref(m, &b), 2);
	sf_idmgr_free(m);
}
END_TEST

START_TEST(all_255_ids_then_enospc)
{
	struct sf_idmgr *m = sf_idmgr_new();
	struct sf_addr a;
	char buf[32];

	for (int i = 1; i <= 255; i++) {
		snprintf(buf, sizeof(buf), "10.1.%d.%d", i / 200, i % 200 + 1);
		a = v4(buf);
		ck_assert_int_eq(sf_idmgr_ref(m, &a), i);
	}

	a = v4("10.9.9.9");
	ck_assert_int_eq(sf_idmgr_ref(m, &a), -ENOSPC);
	ck_assert_uint_eq(sf_idmgr_count(m), 255);
	sf_idmgr_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("idmgr");
	TCase *tc = tcase_create("ids");

	tcase_add_test(tc, first_address_gets_id_1_never_0);
	tcase_add_test(tc, same_address_keeps_its_id_and_port_is_ignored);
	tcase_add_test(tc, id_freed_after_last_unref_and_lowest_reused);
	tcase_add_test(tc, ipv4_and_ipv6_get_distinct_ids);
	tcase_add_test(tc, all_255_ids_then_enospc);
	suite_add_tcase(s, tc);

	return sf_unit_run(s);
}
