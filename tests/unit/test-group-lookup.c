/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A group looked up by a child process: the answer, its absence, the
 * callback contract (from the loop, once, then destroy; cancel suppresses
 * it) and that every child is reaped. Against this machine's own user and
 * group databases: the groups "root" and "daemon" exist everywhere.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>

#include <ell/ell.h>

#include "group-lookup.h"
#include "unit.h"

struct result {
	unsigned int calls;
	unsigned int destroys;
	bool destroyed_after_call;
	int error;
	gid_t gid;
	bool has_uid;			/* the uid asked for is a member */
	uid_t uid;
};

static void answered(int error, const struct sf_group *group, void *user_data)
{
	struct result *res = user_data;

	res->calls++;
	res->error = error;
	if (error)
		return;

	res->gid = group->gid;
	for (unsigned int i = 0; i < group->n_uids; i++)
		res->has_uid |= group->uids[i] == res->uid;
}

static void destroyed(void *user_data)
{
	struct result *res = user_data;

	res->destroys++;
	res->destroyed_after_call = res->calls > 0;
}

/* Run the loop until every child is reaped and its lookup freed. */
static void run_until_reaped(void)
{
	for (int i = 0; i < 1000 && sf_group_lookup_children(); i++)
		l_main_iterate(10);
	ck_assert_uint_eq(sf_group_lookup_children(), 0);
}

static void setup(void)
{
	ck_assert(l_main_init());
}

static void teardown(void)
{
	l_main_exit();
}

START_TEST(daemon_group_has_its_gid_and_its_user)
{
	const struct group *gr = getgrnam("daemon");
	const struct passwd *pw = getpwnam("daemon");
	struct result res = { 0 };
	gid_t gid;
	int id;

	ck_assert_ptr_nonnull(gr);
	ck_assert_ptr_nonnull(pw);
	gid = gr->gr_gid;
	res.uid = pw->pw_uid;

	id = sf_group_lookup("daemon", 10000, answered, &res, destroyed);
	ck_assert_int_gt(id, 0);
	ck_assert_uint_eq(res.calls, 0);	/* never from inside the call */
	run_until_reaped();

	ck_assert_uint_eq(res.calls, 1);
	ck_assert_int_eq(res.error, 0);
	ck_assert_uint_eq(res.gid, gid);
	/* The user daemon has it as its primary group. */
	ck_assert(res.has_uid);
	ck_assert_uint_eq(res.destroys, 1);
	ck_assert(res.destroyed_after_call);
}
END_TEST

START_TEST(root_group_is_gid_0_with_root_in_it)
{
	struct result res = { .uid = 0 };

	ck_assert_int_gt(sf_group_lookup("root", 10000, answered, &res, NULL),
			 0);
	run_until_reaped();
	ck_assert_uint_eq(res.calls, 1);
	ck_assert_int_eq(res.error, 0);
	ck_assert_uint_eq(res.gid, 0);
	ck_assert(res.has_uid);
}
END_TEST

START_TEST(unknown_group_is_enoent)
{
	struct result res = { 0 };

	ck_assert_int_gt(sf_group_lookup("sf-no-such-group-4711", 10000,
					 answered, &res, destroyed), 0);
	run_until_reaped();
	ck_assert_uint_eq(res.calls, 1);
	ck_assert_int_eq(res.error, -ENOENT);
	ck_assert_uint_eq(res.destroys, 1);
}
END_TEST

START_TEST(cancel_suppresses_the_answer_and_destroys_at_once)
{
	struct result res = { 0 };
	int id;

	id = sf_group_lookup("root", 10000, answered, &res, destroyed);
	ck_assert_int_gt(id, 0);
	ck_assert(sf_group_lookup_cancel(id));
	ck_assert_uint_eq(res.destroys, 1);
	ck_assert(!sf_group_lookup_cancel(id));	/* once */

	/* The killed child is reaped all the same, and says nothing. */
	ck_assert_uint_eq(sf_group_lookup_children(), 1);
	run_until_reaped();
	ck_assert_uint_eq(res.calls, 0);
	ck_assert_uint_eq(res.destroys, 1);
}
END_TEST

START_TEST(lookups_run_side_by_side_with_their_own_ids)
{
	struct result a = { 0 }, b = { 0 };
	int ida, idb;

	ida = sf_group_lookup("root", 10000, answered, &a, NULL);
	idb = sf_group_lookup("sf-no-such-group-4711", 10000, answered, &b,
			      NULL);
	ck_assert_int_gt(ida, 0);
	ck_assert_int_gt(idb, 0);
	ck_assert_int_ne(ida, idb);
	run_until_reaped();
	ck_assert_uint_eq(a.calls, 1);
	ck_assert_int_eq(a.error, 0);
	ck_assert_uint_eq(b.calls, 1);
	ck_assert_int_eq(b.error, -ENOENT);
	ck_assert(!sf_group_lookup_cancel(ida));	/* answered */
}
END_TEST

START_TEST(bad_arguments_start_nothing)
{
	struct result res = { 0 };

	ck_assert_int_eq(sf_group_lookup(NULL, 0, answered, &res, destroyed),
			 -EINVAL);
	ck_assert_int_eq(sf_group_lookup("root", 0, NULL, &res, destroyed),
			 -EINVAL);
	ck_assert_uint_eq(sf_group_lookup_children(), 0);
	ck_assert_uint_eq(res.destroys, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("group-lookup");
	TCase *tc = tcase_create("child");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, daemon_group_has_its_gid_and_its_user);
	tcase_add_test(tc, root_group_is_gid_0_with_root_in_it);
	tcase_add_test(tc, unknown_group_is_enoent);
	tcase_add_test(tc, cancel_suppresses_the_answer_and_destroys_at_once);
	tcase_add_test(tc, lookups_run_side_by_side_with_their_own_ids);
	tcase_add_test(tc, bad_arguments_start_nothing);
	suite_add_tcase(s, tc);
	return sf_unit_run(s);
}
