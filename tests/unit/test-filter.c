/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The [filter] predicate: one test per rule, each with the default filter
 * and with the setting that flips it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>

#include "filter.h"

/* The built-in [filter] defaults (DESIGN.md). */
static char *default_excludes[] = {
	"lo", "docker*", "veth*", "br-*", "virbr*", NULL
};

static struct sf_filter_config defaults(void)
{
	return (struct sf_filter_config) {
		.exclude_interfaces = default_excludes,
		.include_interfaces = NULL,
		.skip_link_local = true,
		.skip_ula = false,
		.skip_temporary = true,
		.skip_deprecated = true,
		.require_default_route = false,
	};
}

static struct sf_addr addr_of(const char *str)
{
	struct sf_addr addr = { .family = AF_UNSPEC };

	if (inet_pton(AF_INET, str, &addr.ip.in) == 1)
		addr.family = AF_INET;
	else if (inet_pton(AF_INET6, str, &addr.ip.in6) == 1)
		addr.family = AF_INET6;
	else
		ck_abort_msg("bad test address %s", str);

	return addr;
}

/* Eligibility of str on ifname, with these IFA_F_* flags. */
static bool eligible_flags(const struct sf_filter_config *filter,
			   const char *ifname, const char *str, uint32_t flags)
{
	struct sf_addr addr = addr_of(str);
	struct sf_filter_input in = {
		.ifname = ifname,
		.addr = &addr,
		.ifa_flags = flags,
		.has_default_route = true,
	};

	return sf_filter_eligible(filter, &in);
}

static bool eligible(const struct sf_filter_config *filter,
		     const char *ifname, const char *str)
{
	return eligible_flags(filter, ifname, str, 0);
}

/* --- sf_filter_glob_match ---------------------------------------------------- */

START_TEST(test_glob_match_null_or_empty_list_matches_nothing)
{
	char *empty[] = { NULL };

	ck_assert(!sf_filter_glob_match(NULL, "eth0"));
	ck_assert(!sf_filter_glob_match(empty, "eth0"));
	ck_assert(!sf_filter_glob_match(default_excludes, NULL));
}
END_TEST

START_TEST(test_glob_match_uses_fnmatch_patterns)
{
	char *globs[] = { "eth[0-3]", "wl?n*", "exact", "\\*star", NULL };

	ck_assert(sf_filter_glob_match(globs, "eth0"));
	ck_assert(sf_filter_glob_match(globs, "eth3"));
	ck_assert(!sf_filter_glob_match(globs, "eth4"));
	ck_assert(!sf_filter_glob_match(globs, "eth0.100"));
	ck_assert(sf_filter_glob_match(globs, "wlan0"));
	ck_assert(sf_filter_glob_match(globs, "wlxn"));
	ck_assert(sf_filter_glob_match(globs, "exact"));
	ck_assert(!sf_filter_glob_match(globs, "exact1"));
	ck_assert(sf_filter_glob_match(globs, "*star"));
	ck_assert(!sf_filter_glob_match(globs, "xstar"));
}
END_TEST

/* --- always rejected --------------------------------------------------------- */

START_TEST(test_public_addresses_are_eligible_by_default)
{
	struct sf_filter_config f = defaults();

	ck_assert(eligible(&f, "eth0", "192.0.2.1"));
	ck_assert(eligible(&f, "eth0", "10.0.0.1"));
	ck_assert(eligible(&f, "wlan0", "2001:db8::1"));
}
END_TEST

START_TEST(test_loopback_interface_is_never_eligible)
{
	struct sf_filter_config f = defaults();
	struct sf_addr addr = addr_of("192.0.2.1");
	struct sf_filter_input in = {
		.ifname = "eth0",
		.loopback_iface = true,
		.addr = &addr,
		.has_default_route = true,
	};

	f.exclude_interfaces = NULL;
	ck_assert(!sf_filter_eligible(&f, &in));
}
END_TEST

START_TEST(test_special_ipv4_addresses_are_never_eligible)
{
	struct sf_filter_config f = defaults();

	f.exclude_interfaces = NULL;
	ck_assert(!eligible(&f, "eth0", "127.0.0.1"));
	ck_assert(!eligible(&f, "eth0", "127.255.0.9"));
	ck_assert(!eligible(&f, "eth0", "0.0.0.0"));
	ck_assert(!eligible(&f, "eth0", "0.1.2.3"));
	ck_assert(!eligible(&f, "eth0", "224.0.0.1"));
	ck_assert(!eligible(&f, "eth0", "239.255.255.250"));
	ck_assert(!eligible(&f, "eth0", "255.255.255.255"));
	ck_assert(eligible(&f, "eth0", "1.0.0.1"));
	ck_assert(eligible(&f, "eth0", "223.255.255.254"));
}
END_TEST

START_TEST(test_special_ipv6_addresses_are_never_eligible)
{
	struct sf_filter_config f = defaults();

	ck_assert(!eligible(&f, "eth0", "::"));
	ck_assert(!eligible(&f, "eth0", "::1"));
	ck_assert(!eligible(&f, "eth0", "ff02::1"));
	ck_assert(!eligible(&f, "eth0", "::ffff:192.0.2.1"));
}
END_TEST

START_TEST(test_missing_or_unknown_address_is_not_eligible)
{
	struct sf_filter_config f = defaults();
	struct sf_addr unspec = { .family = AF_UNSPEC };
	struct sf_filter_input in = {
		.ifname = "eth0",
		.addr = NULL,
		.has_default_route = true,
	};

	ck_assert(!sf_filter_eligible(&f, &in));
	in.addr = &unspec;
	ck_assert(!sf_filter_eligible(&f, &in));
}
END_TEST

START_TEST(test_tentative_and_dadfailed_are_never_eligible)
{
	struct sf_filter_config f = {
		.skip_link_local = false,
		.skip_temporary = false,
		.skip_deprecated = false,
	};

	ck_assert(!eligible_flags(&f, "eth0", "2001:db8::1",
				  IFA_F_TENTATIVE));
	ck_assert(!eligible_flags(&f, "eth0", "2001:db8::1",
				  IFA_F_DADFAILED));
	ck_assert(!eligible_flags(&f, "eth0", "2001:db8::1",
				  IFA_F_DADFAILED | IFA_F_TENTATIVE));
	ck_assert(!eligible_flags(&f, "eth0", "192.0.2.1", IFA_F_TENTATIVE));
	/* optimistic DAD (RFC 4429) addresses may be used */
	ck_assert(eligible_flags(&f, "eth0", "2001:db8::1", IFA_F_OPTIMISTIC));
	ck_assert(eligible_flags(&f, "eth0", "2001:db8::1",
				 IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE));
}
END_TEST

/* --- configurable address rules ---------------------------------------------- */

START_TEST(test_ipv4_link_local_follows_skip_link_local)
{
	struct sf_filter_config f = defaults();

	ck_assert(!eligible(&f, "eth0", "169.254.0.1"));
	ck_assert(!eligible(&f, "eth0", "169.254.255.254"));
	ck_assert(eligible(&f, "eth0", "169.253.255.255"));
	ck_assert(eligible(&f, "eth0", "169.255.0.1"));

	f.skip_link_local = false;
	ck_assert(eligible(&f, "eth0", "169.254.0.1"));
}
END_TEST

START_TEST(test_ipv6_link_local_follows_skip_link_local)
{
	struct sf_filter_config f = defaults();

	ck_assert(!eligible(&f, "eth0", "fe80::1"));
	ck_assert(!eligible(&f, "eth0", "febf:ffff::1"));
	ck_assert(eligible(&f, "eth0", "fec0::1"));

	f.skip_link_local = false;
	ck_assert(eligible(&f, "eth0", "fe80::1"));
	ck_assert(eligible(&f, "eth0", "febf:ffff::1"));
}
END_TEST

START_TEST(test_ula_follows_skip_ula)
{
	struct sf_filter_config f = defaults();

	ck_assert(eligible(&f, "eth0", "fd00::1"));
	ck_assert(eligible(&f, "eth0", "fc00::1"));

	f.skip_ula = true;
	ck_assert(!eligible(&f, "eth0", "fd12:3456::1"));
	ck_assert(!eligible(&f, "eth0", "fc00::1"));
	ck_assert(!eligible(&f, "eth0", "fdff:ffff::1"));
	ck_assert(eligible(&f, "eth0", "fbff::1"));
	ck_assert(eligible(&f, "eth0", "fe00::1"));
	ck_assert(eligible(&f, "eth0", "2001:db8::1"));
}
END_TEST

START_TEST(test_temporary_follows_skip_temporary)
{
	struct sf_filter_config f = defaults();

	ck_assert(!eligible_flags(&f, "eth0", "2001:db8::1", IFA_F_TEMPORARY));

	f.skip_temporary = false;
	ck_assert(eligible_flags(&f, "eth0", "2001:db8::1", IFA_F_TEMPORARY));
}
END_TEST

START_TEST(test_ipv4_secondary_is_not_temporary)
{
	struct sf_filter_config f = defaults();

	/* IFA_F_SECONDARY has the value of IFA_F_TEMPORARY */
	ck_assert(eligible_flags(&f, "eth0", "192.0.2.9", IFA_F_SECONDARY));
}
END_TEST

START_TEST(test_deprecated_follows_skip_deprecated)
{
	struct sf_filter_config f = defaults();

	ck_assert(!eligible_flags(&f, "eth0", "2001:db8::1", IFA_F_DEPRECATED));
	ck_assert(!eligible_flags(&f, "eth0", "192.0.2.1", IFA_F_DEPRECATED));

	f.skip_deprecated = false;
	ck_assert(eligible_flags(&f, "eth0", "2001:db8::1", IFA_F_DEPRECATED));
	ck_assert(eligible_flags(&f, "eth0", "192.0.2.1", IFA_F_DEPRECATED));
}
END_TEST

/* --- interfaces and routes --------------------------------------------------- */

START_TEST(test_default_excludes_reject_virtual_interfaces)
{
	struct sf_filter_config f = defaults();

	ck_assert(!eligible(&f, "lo", "192.0.2.1"));
	ck_assert(!eligible(&f, "docker0", "192.0.2.1"));
	ck_assert(!eligible(&f, "veth1a2b", "192.0.2.1"));
	ck_assert(!eligible(&f, "br-0123abcd", "192.0.2.1"));
	ck_assert(!eligible(&f, "virbr0", "192.0.2.1"));
	ck_assert(eligible(&f, "br0", "192.0.2.1"));
	ck_assert(eligible(&f, "eth0", "192.0.2.1"));
}
END_TEST

START_TEST(test_no_excludes_allow_veth)
{
	struct sf_filter_config f = defaults();

	f.exclude_interfaces = NULL;
	ck_assert(eligible(&f, "veth0", "10.0.1.1"));
	ck_assert(eligible(&f, "lo", "10.0.1.1"));
}
END_TEST

START_TEST(test_include_list_limits_interfaces)
{
	struct sf_filter_config f = defaults();
	char *includes[] = { "eth*", "wlan0", NULL };
	char *empty[] = { NULL };

	f.include_interfaces = includes;
	ck_assert(eligible(&f, "eth1", "192.0.2.1"));
	ck_assert(eligible(&f, "wlan0", "192.0.2.1"));
	ck_assert(!eligible(&f, "wlan1", "192.0.2.1"));
	ck_assert(!eligible(&f, NULL, "192.0.2.1"));

	f.include_interfaces = empty;
	ck_assert(eligible(&f, "wlan1", "192.0.2.1"));
}
END_TEST

START_TEST(test_exclude_wins_over_include)
{
	struct sf_filter_config f = defaults();
	char *includes[] = { "veth*", "eth0", NULL };

	f.include_interfaces = includes;
	ck_assert(!eligible(&f, "veth0", "192.0.2.1"));
	ck_assert(eligible(&f, "eth0", "192.0.2.1"));
}
END_TEST

START_TEST(test_require_default_route)
{
	struct sf_filter_config f = defaults();
	struct sf_addr addr = addr_of("192.0.2.1");
	struct sf_filter_input in = {
		.ifname = "eth0",
		.addr = &addr,
		.has_default_route = false,
	};

	ck_assert(sf_filter_eligible(&f, &in));

	f.require_default_route = true;
	ck_assert(!sf_filter_eligible(&f, &in));

	in.has_default_route = true;
	ck_assert(sf_filter_eligible(&f, &in));
}
END_TEST

static Suite *filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc;

	tc = tcase_create("glob");
	tcase_add_test(tc, test_glob_match_null_or_empty_list_matches_nothing);
	tcase_add_test(tc, test_glob_match_uses_fnmatch_patterns);
	suite_add_tcase(s, tc);

	tc = tcase_create("always");
	tcase_add_test(tc, test_public_addresses_are_eligible_by_default);
	tcase_add_test(tc, test_loopback_interface_is_never_eligible);
	tcase_add_test(tc, test_special_ipv4_addresses_are_never_eligible);
	tcase_add_test(tc, test_special_ipv6_addresses_are_never_eligible);
	tcase_add_test(tc, test_missing_or_unknown_address_is_not_eligible);
	tcase_add_test(tc, test_tentative_and_dadfailed_are_never_eligible);
	suite_add_tcase(s, tc);

	tc = tcase_create("address");
	tcase_add_test(tc, test_ipv4_link_local_follows_skip_link_local);
	tcase_add_test(tc, test_ipv6_link_local_follows_skip_link_local);
	tcase_add_test(tc, test_ula_follows_skip_ula);
	tcase_add_test(tc, test_temporary_follows_skip_temporary);
	tcase_add_test(tc, test_ipv4_secondary_is_not_temporary);
	tcase_add_test(tc, test_deprecated_follows_skip_deprecated);
	suite_add_tcase(s, tc);

	tc = tcase_create("interface");
	tcase_add_test(tc, test_default_excludes_reject_virtual_interfaces);
	tcase_add_test(tc, test_no_excludes_allow_veth);
	tcase_add_test(tc, test_include_list_limits_interfaces);
	tcase_add_test(tc, test_exclude_wins_over_include);
	tcase_add_test(tc, test_require_default_route);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(filter_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
