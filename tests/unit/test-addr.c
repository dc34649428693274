/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <subflowd/addr.h>

#include "unit.h"

START_TEST(parse_accepts_ipv4_and_ipv6_without_port)
{
	struct sf_addr a;

	ck_assert_int_eq(sf_addr_parse("192.0.2.1", &a), 0);
	ck_assert_uint_eq(a.family, AF_INET);
	ck_assert_uint_eq(a.port, 0);
	ck_assert_uint_eq(a.ip.in.s_addr, htonl(0xc0000201));

	ck_assert_int_eq(sf_addr_parse("2001:db8::1", &a), 0);
	ck_assert_uint_eq(a.family, AF_INET6);
	ck_assert_uint_eq(a.port, 0);
	ck_assert_uint_eq(a.ip.in6.s6_addr[0], 0x20);
	ck_assert_uint_eq(a.ip.in6.s6_addr[15], 0x01);
}
END_TEST

START_TEST(parse_rejects_garbage_ports_and_prefixes)
{
	static const char *const bad[] = {
		"", "10.0.0", "10.0.0.256", "10.0.0.1:80", "[2001:db8::1]",
		"2001:db8::1/64", "10.0.0.1 ", "host.example", "::g",
	};
	struct sf_addr a = { .family = AF_INET, .port = 7 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sf_addr_parse(bad[i], &a) == -EINVAL, "%s", bad[i]);
	ck_assert_int_eq(sf_addr_parse(NULL, &a), -EINVAL);
	/* A failed parse leaves the output alone. */
	ck_assert_uint_eq(a.family, AF_INET);
	ck_assert_uint_eq(a.port, 7);
}
END_TEST

START_TEST(equality_compares_family_ip_and_only_then_port)
{
	struct sf_addr a, b, c, v6;

	sf_addr_parse("10.0.1.1", &a);
	sf_addr_parse("10.0.1.1", &b);
	sf_addr_parse("10.0.1.2", &c);
	sf_addr_parse("::ffff:10.0.1.1", &v6);
	b.port = 5000;

	ck_assert(sf_addr_ip_equal(&a, &b));
	ck_assert(!sf_addr_equal(&a, &b));
	a.port = 5000;
	ck_assert(sf_addr_equal(&a, &b));
	ck_assert(!sf_addr_ip_equal(&a, &c));
	ck_assert(!sf_addr_ip_equal(&a, &v6));
}
END_TEST

START_TEST(to_str_brackets_ipv6_only_with_a_port)
{
	char buf[SF_ADDR_STRLEN];
	struct sf_addr a, none = { .family = AF_UNSPEC };

	sf_addr_parse("10.0.1.1", &a);
	ck_assert_str_eq(sf_addr_to_str(&a, true, buf), "10.0.1.1");
	a.port = 5201;
	ck_assert_str_eq(sf_addr_to_str(&a, true, buf), "10.0.1.1:5201");
	ck_assert_str_eq(sf_addr_to_str(&a, false, buf), "10.0.1.1");

	sf_addr_parse("2001:db8::1", &a);
	a.port = 443;
	ck_assert_str_eq(sf_addr_to_str(&a, true, buf), "[2001:db8::1]:443");
	ck_assert_str_eq(sf_addr_to_str(&a, false, buf), "2001:db8::1");

	ck_assert_str_eq(sf_addr_to_str(&none, true, buf), "none");
}
END_TEST

START_TEST(to_str_fits_the_longest_address_and_port)
{
	const char *want = "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535";
	char buf[SF_ADDR_STRLEN];
	struct sf_addr a;

	ck_assert_int_eq(sf_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
				       &a), 0);
	a.port = 65535;
	ck_assert_str_eq(sf_addr_to_str(&a, true, buf), want);
}
END_TEST

static void assert_like_inet_ntop(const struct sf_addr *a)
{
	char want[INET6_ADDRSTRLEN], buf[SF_ADDR_STRLEN];

	ck_assert_ptr_nonnull(inet_ntop(a->family, &a->ip, want, sizeof(want)));
	ck_assert_str_eq(sf_addr_to_str(a, false, buf), want);
}

/* The formatter is ours (src/addr.c): byte for byte what libc writes, on
 * the forms that differ (zero runs, embedded IPv4) and on 200,000
 * addresses drawn from the same fixed sequence every run. */
START_TEST(to_str_writes_what_inet_ntop_writes)
{
	static const char *const forms[] = {
		"::", "::1", "1::", "1::2", "::ffff:10.0.1.1", "::10.0.1.1",
		"::2:3", "::ffff:0:1", "0:0:1::", "1:0:0:2::3", "1::2:0:0:3",
		"1:0:1:0:1:0:1:0", "fe80::1:0:0:0", "2001:db8:0:0:1:0:0:1",
		"0:0:0:0:0:ffff:ffff:ffff", "0:0:0:0:1:ffff:1:1", "ff02::1:ff00:1",
		"0.0.0.0", "255.255.255.255", "1.10.100.200", "10.0.0.9",
	};
	static const uint16_t groups[] = { 0, 0, 0, 1, 0xffff, 0xab, 0xf00 };
	uint32_t x = 2463534242u;
	struct sf_addr a;

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		ck_assert_int_eq(sf_addr_parse(forms[i], &a), 0);
		assert_like_inet_ntop(&a);
	}

	for (int n = 0; n < 200000; n++) {
		memset(&a, 0, sizeof(a));
		a.family = n % 4 ? AF_INET6 : AF_INET;
		for (int i = 0; i < 8; i++) {
			uint16_t g;

			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			g = x & 8 ? (uint16_t)(x >> 16) : groups[x % 7];
			a.ip.in6.s6_addr[2 * i] = (uint8_t)(g >> 8);
			a.ip.in6.s6_addr[2 * i + 1] = (uint8_t)g;
		}
		assert_like_inet_ntop(&a);
	}
}
END_TEST

static Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("core");

	/* 200,000 comparisons with inet_ntop(): about a second under ASan on
	 * a quiet machine, and CI's is not quiet (Check's default is 4 s). */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, parse_accepts_ipv4_and_ipv6_without_port);
	tcase_add_test(tc, parse_rejects_garbage_ports_and_prefixes);
	tcase_add_test(tc, equality_compares_family_ip_and_only_then_port);
	tcase_add_test(tc, to_str_brackets_ipv6_only_with_a_port);
	tcase_add_test(tc, to_str_fits_the_longest_address_and_port);
	tcase_add_test(tc, to_str_writes_what_inet_ntop_writes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sf_unit_run(addr_suite());
}
