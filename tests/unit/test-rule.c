/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rule.h"
#include "unit.h"
#include "util.h"

static struct sf_config *load(const char *text)
{
	struct sf_config *config = NULL;
	char err[256];

	ck_assert_msg(sf_config_load_data("test.conf", text, strlen(text),
					  &config, err, sizeof(err)) == 0,
		      "%s", err);
	return config;
}

static struct sf_addr addr(const char *s)
{
	struct sf_addr a;

	ck_assert_int_eq(sf_addr_parse(s, &a), 0);
	return a;
}

static const char *match(struct sf_config *config, const char *remote,
			 uint16_t port, bool has_owner, uid_t uid,
			 uint64_t cgroup_id, const char *cgroup_root)
{
	struct sf_addr r = addr(remote);
	struct sf_rule_input in = {
		.remote = &r, .service_port = port, .has_owner = has_owner,
		.uid = uid, .cgroup_id = cgroup_id,
	};
	const struct sf_config_rule *rule = sf_rule_match(config->rules, &in,
							  cgroup_root);

	return rule ? rule->name : NULL;
}

static bool in(const struct sf_prefix *prefix, const char *a)
{
	struct sf_addr x = addr(a);

	return sf_prefix_contains(prefix, &x);
}

START_TEST(prefix_contains_checks_only_the_prefix_bits)
{
	struct sf_prefix p = { .addr = addr("203.0.113.0"), .len = 24 };
	struct sf_prefix p6 = { .addr = addr("2001:db8::"), .len = 33 };
	struct sf_prefix odd = { .addr = addr("10.0.0.0"), .len = 9 };
	struct sf_prefix all = { .addr = addr("0.0.0.0"), .len = 0 };

	struct sf_addr none = { 0 };

	ck_assert(!sf_prefix_contains(&p, &none));
	ck_assert(in(&p, "203.0.113.77"));
	ck_assert(!in(&p, "203.0.114.1"));
	ck_assert(in(&p6, "2001:db8:7fff::1"));
	ck_assert(!in(&p6, "2001:db8:8000::1"));
	ck_assert(in(&odd, "10.127.255.255"));
	ck_assert(!in(&odd, "10.128.0.0"));
	ck_assert(in(&all, "198.51.100.1"));
	/* Families never mix. */
	ck_assert(!in(&all, "::1"));
}
END_TEST

START_TEST(first_matching_rule_in_file_order_wins)
{
	struct sf_config *c = load(
		"[rule web]\nmatch-port = 443 80\npolicy = handover\n"
		"[rule lan]\nmatch-remote = 10.0.0.0/8\npolicy = sspi\n"
		"[rule lan-web]\nmatch-remote = 10.0.0.0/8\nmatch-port = 443\n"
		"policy = ndiffports\n");

	ck_assert_str_eq(match(c, "10.1.2.3", 443, false, 0, 0, "/"), "web");
	ck_assert_str_eq(match(c, "10.1.2.3", 22, false, 0, 0, "/"), "lan");
	ck_assert_str_eq(match(c, "192.0.2.1", 80, false, 0, 0, "/"), "web");
	ck_assert_ptr_null(match(c, "192.0.2.1", 22, false, 0, 0, "/"));
	sf_config_free(c);
}
END_TEST

START_TEST(every_key_of_a_rule_must_match)
{
	struct sf_config *c = load(
		"[rule both]\nmatch-remote = 2001:db8::/32\nmatch-port = 443\n"
		"policy = handover\n");

	ck_assert_str_eq(match(c, "2001:db8::5", 443, false, 0, 0, "/"), "both");
	ck_assert_ptr_null(match(c, "2001:db8::5", 444, false, 0, 0, "/"));
	ck_assert_ptr_null(match(c, "2001:db9::5", 443, false, 0, 0, "/"));
	sf_config_free(c);
}
END_TEST

START_TEST(uid_rule_needs_a_known_owner)
{
	struct sf_config *c = load("[rule user]\nmatch-uid = 1000\n"
				   "policy = handover\n");

	ck_assert(sf_rules_need_owner(c->rules));
	ck_assert_str_eq(match(c, "192.0.2.1", 80, true, 1000, 0, "/"), "user");
	ck_assert_ptr_null(match(c, "192.0.2.1", 80, true, 1001, 0, "/"));
	ck_assert_ptr_null(match(c, "192.0.2.1", 80, false, 1000, 0, "/"));
	sf_config_free(c);
}
END_TEST

START_TEST(cgroup_rule_matches_the_cgroup_directory_inode)
{
	char root[] = "/tmp/sf-cgroup-XXXXXX";
	_auto_(l_free) char *dir = NULL;
	struct sf_config *c;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(root));
	dir = l_strdup_printf("%s/system.slice", root);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	l_free(dir);
	dir = l_strdup_printf("%s/system.slice/nginx.service", root);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(stat(dir, &st), 0);

	c = load("[rule nginx]\nmatch-cgroup = /system.slice/nginx.service\n"
		 "policy = sspi\n");
	ck_assert(sf_rules_need_owner(c->rules));
	ck_assert_uint_eq(sf_rule_cgroup_id(root, "/system.slice/nginx.service"),
			  st.st_ino);
	ck_assert_uint_eq(sf_rule_cgroup_id(root, "/nope.slice"), 0);
	ck_assert_str_eq(match(c, "192.0.2.1", 80, true, 0, st.st_ino, root),
			 "nginx");
	ck_assert_ptr_null(match(c, "192.0.2.1", 80, true, 0, st.st_ino + 1,
				 root));
	ck_assert_ptr_null(match(c, "192.0.2.1", 80, true, 0, 0, root));

	rmdir(dir);
	l_free(dir);
	dir = l_strdup_printf("%s/system.slice", root);
	rmdir(dir);
	rmdir(root);
	sf_config_free(c);
}
END_TEST

START_TEST(rules_without_owner_keys_need_no_lookup)
{
	struct sf_config *c = load("[rule web]\nmatch-port = 443\n"
				   "policy = handover\n");

	ck_assert(!sf_rules_need_owner(c->rules));
	sf_config_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rule");
	TCase *tc = tcase_create("match");

	tcase_add_test(tc, prefix_contains_checks_only_the_prefix_bits);
	tcase_add_test(tc, first_matching_rule_in_file_order_wins);
	tcase_add_test(tc, every_key_of_a_rule_must_match);
	tcase_add_test(tc, uid_rule_needs_a_known_owner);
	tcase_add_test(tc, cgroup_rule_matches_the_cgroup_directory_inode);
	tcase_add_test(tc, rules_without_owner_keys_need_no_lookup);
	suite_add_tcase(s, tc);

	return sf_unit_run(s);
}
