/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The interface table: every test feeds decoded rtnetlink updates and
 * compares the exact sequence of callbacks, one line each:
 *   "up IDX NAME", "down IDX NAME", "+ ADDR IDX NAME", "- ADDR IDX NAME".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "iface.h"
#include "util.h"
#include "unit.h"

/* <linux/if.h> clashes with <net/if.h>. */
#define TEST_IFF_LOWER_UP 0x10000
#define FLAGS_UP (IFF_UP | IFF_RUNNING | TEST_IFF_LOWER_UP)
#define FLAGS_NO_CARRIER IFF_UP
#define FLAGS_ADMIN_DOWN 0

struct recorder {
	struct sf_iface_table *table;
	char log[2048];
	/* Eligibility as a lookup from inside each callback saw it. */
	bool lookup_agrees;
	/* An address sits on two links: after one is removed the address
	 * stays eligible through the other. */
	bool shared_addr;
};

static struct recorder rec;
static struct sf_filter_config filter;
static struct sf_iface_table *table;

static void rec_line(const char *fmt, ...)
{
	size_t used = strlen(rec.log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rec.log + used, sizeof(rec.log) - used, fmt, ap);
	va_end(ap);
	ck_assert_uint_lt(strlen(rec.log), sizeof(rec.log) - 1);
}

static void on_link_up(int32_t ifindex, const char *ifname, void *user_data)
{
	ck_assert_ptr_eq(user_data, &rec);
	if (!sf_iface_table_is_up(rec.table, ifindex))
		rec.lookup_agrees = false;
	rec_line("up %d %s\n", ifindex, ifname);
}

static void on_link_down(int32_t ifindex, const char *ifname, void *user_data)
{
	if (sf_iface_table_is_up(rec.table, ifindex))
		rec.lookup_agrees = false;
	rec_line("down %d %s\n", ifindex, ifname);
}

static void on_addr(const struct sf_local_addr *addr, bool added)
{
	char buf[SF_ADDR_STRLEN];

	ck_assert_uint_eq(addr->id, 0);
	ck_assert_uint_eq(addr->addr.port, 0);
	if (sf_iface_table_addr_eligible(rec.table, &addr->addr) != added &&
	    !(rec.shared_addr && !added))
		rec.lookup_agrees = false;
	rec_line("%c %s %d %s\n", added ? '+' : '-',
		 sf_addr_to_str(&addr->addr, false, buf), addr->ifindex,
		 addr->ifname);
}

static void on_addr_added(const struct sf_local_addr *addr, void *user_data)
{
	on_addr(addr, true);
}

static void on_addr_removed(const struct sf_local_addr *addr, void *user_data)
{
	on_addr(addr, false);
}

static const struct sf_iface_table_ops ops = {
	.link_up = on_link_up,
	.link_down = on_link_down,
	.addr_added = on_addr_added,
	.addr_removed = on_addr_removed,
};

static void setup(void)
{
	memset(&filter, 0, sizeof(filter));
	memset(&rec, 0, sizeof(rec));
	rec.lookup_agrees = true;
	table = sf_iface_table_new(&filter, &ops, &rec);
	ck_assert_ptr_nonnull(table);
	rec.table = table;
}

static void teardown(void)
{
	ck_assert(rec.lookup_agrees);
	sf_iface_table_free(table);
	table = NULL;
}

/* What happened since the last call, as one string. */
static const char *events(void)
{
	static char last[sizeof(rec.log)];

	memcpy(last, rec.log, sizeof(last));
	rec.log[0] = '\0';
	return last;
}

static void link_set(int32_t ifindex, const char *name, uint32_t flags)
{
	struct sf_rtnl_link link = { .ifindex = ifindex, .flags = flags };

	l_strlcpy(link.ifname, name, sizeof(link.ifname));
	sf_iface_table_link_update(table, &link);
}

static struct sf_rtnl_addr addr_msg(int32_t ifindex, const char *ip,
				    uint32_t flags)
{
	struct sf_rtnl_addr a = { .ifindex = ifindex, .flags = flags };

	ck_assert_int_eq(sf_addr_parse(ip, &a.addr), 0);
	a.prefixlen = a.addr.family == AF_INET ? 24 : 64;
	return a;
}

static void addr_add(int32_t ifindex, const char *ip, uint32_t flags)
{
	struct sf_rtnl_addr a = addr_msg(ifindex, ip, flags);

	sf_iface_table_addr_update(table, &a);
}

static void addr_del(int32_t ifindex, const char *ip)
{
	struct sf_rtnl_addr a = addr_msg(ifindex, ip, 0);

	sf_iface_table_addr_delete(table, &a);
}

/* sf_iface_table_find_addr() of this address. */
static int32_t owner(const char *ip)
{
	struct sf_addr a;

	ck_assert_int_eq(sf_addr_parse(ip, &a), 0);
	return sf_iface_table_find_addr(table, &a);
}

static bool eligible(const char *ip)
{
	struct sf_addr a;

	ck_assert_int_eq(sf_addr_parse(ip, &a), 0);
	return sf_iface_table_addr_eligible(table, &a);
}

/* A route through oif via gateway gw ("" for none). */
static struct sf_rtnl_route route_msg(uint8_t family, uint32_t rt_table,
				      uint8_t dst_len, uint8_t type,
				      int32_t oif, const char *gw)
{
	struct sf_rtnl_route r = {
		.family = family, .table = rt_table, .dst_len = dst_len,
		.type = type, .n_oifs = 1, .oifs = { oif },
		.priority = family == AF_INET6 ? 1024 : 0,
	};

	if (gw[0])
		ck_assert_int_eq(sf_addr_parse(gw, &r.gateways[0]), 0);
	return r;
}

static struct sf_rtnl_route default_route(uint8_t family, int32_t oif,
					  const char *gw)
{
	return route_msg(family, RT_TABLE_MAIN, 0, RTN_UNICAST, oif, gw);
}

static void route_add(struct sf_rtnl_route r)
{
	sf_iface_table_route_update(table, &r);
}

static void route_del(struct sf_rtnl_route r)
{
	sf_iface_table_route_delete(table, &r);
}

/* --- eligibility basics -------------------------------------------------------- */

START_TEST(address_on_up_link_is_added_once)
{
	link_set(2, "eth0", FLAGS_UP);
	ck_assert_str_eq(events(), "up 2 eth0\n");

	addr_add(2, "10.0.0.1", IFA_F_PERMANENT);
	ck_assert_str_eq(events(), "+ 10.0.0.1 2 eth0\n");

	/* The same RTM_NEWADDR again (lifetimes refreshed, say). */
	addr_add(2, "10.0.0.1", IFA_F_PERMANENT);
	addr_add(2, "10.0.0.1", 0);
	ck_assert_str_eq(events(), "");

	/* And the same link message. */
	link_set(2, "eth0", FLAGS_UP);
	ck_assert_str_eq(events(), "");
}
END_TEST

START_TEST(address_on_down_link_waits_for_link_up)
{
	link_set(2, "eth0", FLAGS_ADMIN_DOWN);
	addr_add(2, "10.0.0.1", 0);
	ck_assert_str_eq(events(), "");
	ck_assert(!eligible("10.0.0.1"));

	link_set(2, "eth0", FLAGS_NO_CARRIER);
	ck_assert_str_eq(events(), "");

	link_set(2, "eth0", FLAGS_UP);
	ck_assert_str_eq(events(), "up 2 eth0\n+ 10.0.0.1 2 eth0\n");
}
END_TEST

START_TEST(carrier_loss_removes_addresses_and_carrier_restores_them)
{
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	addr_add(2, "2001:db8::1", IFA_F_PERMANENT);
	ck_assert_str_eq(events(), "up 2 eth0\n+ 10.0.0.1 2 eth0\n"
			 "+ 2001:db8::1 2 eth0\n");

	link_set(2, "eth0", FLAGS_NO_CARRIER);
	ck_assert_str_eq(events(), "- 10.0.0.1 2 eth0\n- 2001:db8::1 2 eth0\n"
			 "down 2 eth0\n");

	/* No RTM_NEWADDR: the kernel does not resend them. */
	link_set(2, "eth0", FLAGS_UP);
	ck_assert_str_eq(events(), "up 2 eth0\n+ 10.0.0.1 2 eth0\n"
			 "+ 2001:db8::1 2 eth0\n");
}
END_TEST

START_TEST(admin_down_then_up_restores_ipv4_without_newaddr)
{
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	addr_add(2, "2001:db8::1", 0);
	events();

	link_set(2, "eth0", FLAGS_ADMIN_DOWN);
	ck_assert_str_eq(events(), "- 10.0.0.1 2 eth0\n- 2001:db8::1 2 eth0\n"
			 "down 2 eth0\n");
	ck_assert(!sf_iface_table_is_up(table, 2));

	/* The kernel deletes IPv6 addresses on admin down. */
	addr_del(2, "2001:db8::1");
	ck_assert_str_eq(events(), "");

	link_set(2, "eth0", IFF_UP);
	link_set(2, "eth0", FLAGS_UP);
	ck_assert_str_eq(events(), "up 2 eth0\n+ 10.0.0.1 2 eth0\n");
	ck_assert(sf_iface_table_is_up(table, 2));
}
END_TEST

START_TEST(tentative_address_is_added_once_dad_completes)
{
	link_set(2, "eth0", FLAGS_UP);
	events();

	addr_add(2, "2001:db8::1", IFA_F_PERMANENT | IFA_F_TENTATIVE);
	ck_assert_str_eq(events(), "");
	ck_assert_int_eq(owner("2001:db8::1"), 2);

	addr_add(2, "2001:db8::1", IFA_F_PERMANENT);
	ck_assert_str_eq(events(), "+ 2001:db8::1 2 eth0\n");
	addr_add(2, "2001:db8::1", IFA_F_PERMANENT);
	ck_assert_str_eq(events(), "");

	/* Carrier comes back: DAD runs again. */
	addr_add(2, "2001:db8::1", IFA_F_PERMANENT | IFA_F_TENTATIVE);
	ck_assert_str_eq(events(), "- 2001:db8::1 2 eth0\n");
}
END_TEST

START_TEST(dad_failed_address_is_never_added)
{
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "2001:db8::1", IFA_F_TENTATIVE);
	addr_add(2, "2001:db8::1", IFA_F_DADFAILED | IFA_F_TENTATIVE);
	ck_assert_str_eq(events(), "up 2 eth0\n");
}
END_TEST

START_TEST(deleted_address_is_removed_once)
{
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	events();

	addr_del(2, "10.0.0.1");
	ck_assert_str_eq(events(), "- 10.0.0.1 2 eth0\n");
	addr_del(2, "10.0.0.1");
	addr_del(9, "10.0.0.1");
	ck_assert_str_eq(events(), "");
	ck_assert_int_eq(owner("10.0.0.1"), 0);
}
END_TEST

START_TEST(loopback_link_comes_up_but_its_addresses_never_count)
{
	link_set(1, "lo", FLAGS_UP | IFF_LOOPBACK);
	addr_add(1, "127.0.0.1", IFA_F_PERMANENT);
	addr_add(1, "::1", IFA_F_PERMANENT);
	ck_assert_str_eq(events(), "up 1 lo\n");
}
END_TEST

/* --- filter ----------------------------------------------------------- */

START_TEST(excluded_interface_glob_keeps_its_addresses_out)
{
	char *exclude[] = { "veth*", NULL };

	filter.exclude_interfaces = exclude;
	link_set(2, "eth0", FLAGS_UP);
	link_set(3, "veth0", FLAGS_UP);
	addr_add(3, "10.0.3.1", 0);
	addr_add(2, "10.0.0.1", 0);
	ck_assert_str_eq(events(), "up 2 eth0\nup 3 veth0\n+ 10.0.0.1 2 eth0\n");
	ck_assert_int_eq(owner("10.0.3.1"), 3);
	ck_assert(!eligible("10.0.3.1"));
}
END_TEST

START_TEST(set_filter_reevaluates_every_address)
{
	char *exclude_eth[] = { "eth*", NULL };
	struct sf_filter_config other = { .exclude_interfaces = exclude_eth };

	link_set(2, "eth0", FLAGS_UP);
	link_set(3, "wlan0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	addr_add(3, "10.0.3.1", 0);
	events();

	sf_iface_table_set_filter(table, &other);
	ck_assert_str_eq(events(), "- 10.0.0.1 2 eth0\n");
	sf_iface_table_set_filter(table, &other);
	ck_assert_str_eq(events(), "");

	sf_iface_table_set_filter(table, &filter);
	ck_assert_str_eq(events(), "+ 10.0.0.1 2 eth0\n");
}
END_TEST

START_TEST(rename_reevaluates_globs_and_reports_new_name)
{
	char *exclude[] = { "veth*", NULL };

	filter.exclude_interfaces = exclude;
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	events();

	/* Reported under the name the link has now. */
	link_set(2, "veth9", FLAGS_UP);
	ck_assert_str_eq(events(), "- 10.0.0.1 2 veth9\n");
	ck_assert_str_eq(sf_iface_table_name(table, 2), "veth9");

	link_set(2, "uplink", FLAGS_UP);
	ck_assert_str_eq(events(), "+ 10.0.0.1 2 uplink\n");
	ck_assert_str_eq(sf_iface_table_name(table, 2), "uplink");
}
END_TEST

/* --- default routes -------------------------------------------------------- */

START_TEST(required_default_route_gates_each_family)
{
	filter.require_default_route = true;
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	addr_add(2, "2001:db8::1", 0);
	ck_assert_str_eq(events(), "up 2 eth0\n");

	route_add(default_route(AF_INET, 2, "10.0.0.254"));
	ck_assert_str_eq(events(), "+ 10.0.0.1 2 eth0\n");
	route_add(default_route(AF_INET6, 2, "fe80::1"));
	ck_assert_str_eq(events(), "+ 2001:db8::1 2 eth0\n");

	route_del(default_route(AF_INET, 2, "10.0.0.254"));
	ck_assert_str_eq(events(), "- 10.0.0.1 2 eth0\n");
	route_del(default_route(AF_INET6, 2, "fe80::1"));
	ck_assert_str_eq(events(), "- 2001:db8::1 2 eth0\n");
}
END_TEST

START_TEST(only_unicast_default_routes_outside_local_table_count)
{
	filter.require_default_route = true;
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	events();

	route_add(route_msg(AF_INET, RT_TABLE_MAIN, 24, RTN_UNICAST, 2, ""));
	route_add(route_msg(AF_INET, RT_TABLE_LOCAL, 0, RTN_UNICAST, 2, ""));
	route_add(route_msg(AF_INET, RT_TABLE_MAIN, 0, RTN_UNREACHABLE, 2, ""));
	route_add(default_route(AF_INET6, 2, "fe80::1"));
	route_add(default_route(AF_INET, 3, "10.0.3.254"));
	ck_assert_str_eq(events(), "");

	/* Any other table counts (policy routing). */
	route_add(route_msg(AF_INET, 100, 0, RTN_UNICAST, 2, "10.0.0.254"));
	ck_assert_str_eq(events(), "+ 10.0.0.1 2 eth0\n");
}
END_TEST

START_TEST(repeated_route_counts_once_distinct_routes_each)
{
	filter.require_default_route = true;
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "2001:db8::1", 0);
	events();

	/* A dump entry and the notification for the same route. */
	route_add(default_route(AF_INET6, 2, "fe80::1"));
	route_add(default_route(AF_INET6, 2, "fe80::1"));
	ck_assert_str_eq(events(), "+ 2001:db8::1 2 eth0\n");
	route_del(default_route(AF_INET6, 2, "fe80::1"));
	ck_assert_str_eq(events(), "- 2001:db8::1 2 eth0\n");

	/* Two routers on one link: losing one keeps the other. */
	route_add(default_route(AF_INET6, 2, "fe80::1"));
	route_add(default_route(AF_INET6, 2, "fe80::2"));
	ck_assert_str_eq(events(), "+ 2001:db8::1 2 eth0\n");
	route_del(default_route(AF_INET6, 2, "fe80::1"));
	ck_assert_str_eq(events(), "");
	route_del(default_route(AF_INET6, 2, "fe80::2"));
	ck_assert_str_eq(events(), "- 2001:db8::1 2 eth0\n");
}
END_TEST

START_TEST(multipath_default_route_counts_for_each_nexthop)
{
	struct sf_rtnl_route mp = default_route(AF_INET6, 2, "fe80::1");
	struct sf_rtnl_route one = default_route(AF_INET6, 3, "fe80::3");

	filter.require_default_route = true;
	link_set(2, "eth0", FLAGS_UP);
	link_set(3, "eth1", FLAGS_UP);
	addr_add(2, "2001:db8::1", 0);
	addr_add(3, "2001:db8:3::1", 0);
	events();

	mp.n_oifs = 2;
	mp.oifs[1] = 3;
	ck_assert_int_eq(sf_addr_parse("fe80::3", &mp.gateways[1]), 0);
	route_add(mp);
	ck_assert_str_eq(events(), "+ 2001:db8::1 2 eth0\n"
			 "+ 2001:db8:3::1 3 eth1\n");

	/* The kernel deletes one nexthop of an IPv6 multipath route alone. */
	route_del(one);
	ck_assert_str_eq(events(), "- 2001:db8:3::1 3 eth1\n");
	route_del(mp);
	ck_assert_str_eq(events(), "- 2001:db8::1 2 eth0\n");
}
END_TEST

START_TEST(replaced_route_moves_default_to_new_interface)
{
	struct sf_rtnl_route moved = default_route(AF_INET, 3, "10.0.3.254");

	filter.require_default_route = true;
	link_set(2, "eth0", FLAGS_UP);
	link_set(3, "eth1", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	addr_add(3, "10.0.3.1", 0);
	route_add(default_route(AF_INET, 2, "10.0.0.254"));
	events();

	moved.replace = true;
	route_add(moved);
	ck_assert_str_eq(events(), "- 10.0.0.1 2 eth0\n+ 10.0.3.1 3 eth1\n");
}
END_TEST

START_TEST(admin_down_forgets_ipv4_routes_the_kernel_flushed)
{
	filter.require_default_route = true;
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	addr_add(2, "2001:db8::1", 0);
	route_add(default_route(AF_INET, 2, "10.0.0.254"));
	route_add(default_route(AF_INET6, 2, "fe80::1"));
	events();

	/* Carrier loss keeps routes (the kernel marks them linkdown). */
	link_set(2, "eth0", FLAGS_NO_CARRIER);
	link_set(2, "eth0", FLAGS_UP);
	ck_assert_str_eq(events(), "- 10.0.0.1 2 eth0\n- 2001:db8::1 2 eth0\n"
			 "down 2 eth0\nup 2 eth0\n+ 10.0.0.1 2 eth0\n"
			 "+ 2001:db8::1 2 eth0\n");

	/* Admin down flushes IPv4 routes silently; IPv6 ones are notified. */
	link_set(2, "eth0", FLAGS_ADMIN_DOWN);
	link_set(2, "eth0", FLAGS_UP);
	ck_assert_str_eq(events(), "- 10.0.0.1 2 eth0\n- 2001:db8::1 2 eth0\n"
			 "down 2 eth0\nup 2 eth0\n+ 2001:db8::1 2 eth0\n");

	route_add(default_route(AF_INET, 2, "10.0.0.254"));
	ck_assert_str_eq(events(), "+ 10.0.0.1 2 eth0\n");
}
END_TEST

START_TEST(last_ipv4_address_gone_forgets_ipv4_routes)
{
	filter.require_default_route = true;
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	addr_add(2, "10.0.1.1", 0);
	route_add(default_route(AF_INET, 2, "10.0.0.254"));
	events();

	addr_del(2, "10.0.0.1");
	ck_assert_str_eq(events(), "- 10.0.0.1 2 eth0\n");
	addr_del(2, "10.0.1.1");
	ck_assert_str_eq(events(), "- 10.0.1.1 2 eth0\n");

	addr_add(2, "10.0.0.1", 0);
	ck_assert_str_eq(events(), "");
}
END_TEST

/* --- link lifetime --------------------------------------------------------- */

START_TEST(deleted_link_removes_addresses_then_goes_down_and_forgets)
{
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	addr_add(2, "2001:db8::1", 0);
	events();

	sf_iface_table_link_delete(table, 2);
	ck_assert_str_eq(events(), "- 10.0.0.1 2 eth0\n- 2001:db8::1 2 eth0\n"
			 "down 2 eth0\n");
	ck_assert_ptr_null(sf_iface_table_name(table, 2));
	ck_assert_int_eq(owner("10.0.0.1"), 0);

	sf_iface_table_link_delete(table, 2);
	ck_assert_str_eq(events(), "");

	/* The same index again is a new link with no addresses. */
	link_set(2, "eth0", FLAGS_UP);
	ck_assert_str_eq(events(), "up 2 eth0\n");
}
END_TEST

START_TEST(deleted_down_link_reports_nothing)
{
	link_set(2, "eth0", FLAGS_ADMIN_DOWN);
	addr_add(2, "10.0.0.1", 0);
	sf_iface_table_link_delete(table, 2);
	ck_assert_str_eq(events(), "");
}
END_TEST

START_TEST(address_seen_before_its_link_counts_once_link_arrives)
{
	addr_add(4, "10.0.4.1", 0);
	ck_assert_str_eq(events(), "");
	ck_assert_ptr_null(sf_iface_table_name(table, 4));
	ck_assert(!sf_iface_table_is_up(table, 4));
	ck_assert_int_eq(owner("10.0.4.1"), 4);

	link_set(4, "wwan0", FLAGS_UP);
	ck_assert_str_eq(events(), "up 4 wwan0\n+ 10.0.4.1 4 wwan0\n");
}
END_TEST

START_TEST(route_seen_before_its_link_counts_once_link_arrives)
{
	filter.require_default_route = true;
	route_add(default_route(AF_INET, 4, "10.0.4.254"));
	addr_add(4, "10.0.4.1", 0);
	ck_assert_str_eq(events(), "");

	link_set(4, "wwan0", FLAGS_UP);
	ck_assert_str_eq(events(), "up 4 wwan0\n+ 10.0.4.1 4 wwan0\n");
}
END_TEST

START_TEST(same_address_on_two_links_is_two_entries)
{
	rec.shared_addr = true;
	link_set(2, "eth0", FLAGS_UP);
	link_set(3, "eth1", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	addr_add(3, "10.0.0.1", 0);
	ck_assert_str_eq(events(), "up 2 eth0\nup 3 eth1\n+ 10.0.0.1 2 eth0\n"
			 "+ 10.0.0.1 3 eth1\n");

	addr_del(2, "10.0.0.1");
	ck_assert_str_eq(events(), "- 10.0.0.1 2 eth0\n");
	ck_assert_int_eq(owner("10.0.0.1"), 3);
	ck_assert(eligible("10.0.0.1"));
}
END_TEST

/* --- resync -------------------------------------------------------------- */

START_TEST(resync_forgets_what_the_dump_no_longer_lists)
{
	filter.require_default_route = true;
	link_set(2, "eth0", FLAGS_UP);
	link_set(3, "eth1", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	addr_add(2, "10.0.0.2", 0);
	addr_add(3, "10.0.3.1", 0);
	route_add(default_route(AF_INET, 2, "10.0.0.254"));
	route_add(default_route(AF_INET, 3, "10.0.3.254"));
	events();

	/* Lost during the overrun: 10.0.0.2, link 3, eth0's default route
	 * (now through eth0 via another gateway). */
	sf_iface_table_resync_begin(table);
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	route_add(default_route(AF_INET, 2, "10.0.0.253"));
	ck_assert_str_eq(events(), "");
	sf_iface_table_resync_end(table);

	ck_assert_str_eq(events(), "- 10.0.0.2 2 eth0\n- 10.0.3.1 3 eth1\n"
			 "down 3 eth1\n");
	ck_assert_ptr_null(sf_iface_table_name(table, 3));
	ck_assert(eligible("10.0.0.1"));
}
END_TEST

START_TEST(resync_with_nothing_changed_reports_nothing)
{
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	route_add(default_route(AF_INET, 2, "10.0.0.254"));
	events();

	sf_iface_table_resync_begin(table);
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	route_add(default_route(AF_INET, 2, "10.0.0.254"));
	sf_iface_table_resync_end(table);
	ck_assert_str_eq(events(), "");
}
END_TEST

START_TEST(resync_drops_default_route_missing_from_dump)
{
	filter.require_default_route = true;
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	route_add(default_route(AF_INET, 2, "10.0.0.254"));
	events();

	sf_iface_table_resync_begin(table);
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	sf_iface_table_resync_end(table);
	ck_assert_str_eq(events(), "- 10.0.0.1 2 eth0\n");
}
END_TEST

START_TEST(resync_reports_link_that_came_up_during_overrun)
{
	link_set(2, "eth0", FLAGS_NO_CARRIER);
	addr_add(2, "10.0.0.1", 0);
	events();

	sf_iface_table_resync_begin(table);
	link_set(2, "eth0", FLAGS_UP);
	addr_add(2, "10.0.0.1", 0);
	addr_add(2, "10.0.0.9", 0);
	sf_iface_table_resync_end(table);
	ck_assert_str_eq(events(), "up 2 eth0\n+ 10.0.0.1 2 eth0\n"
			 "+ 10.0.0.9 2 eth0\n");
}
END_TEST

/* --- lookups ------------------------------------------------------------- */

static void collect_addr(const struct sf_local_addr *addr, void *user_data)
{
	char buf[SF_ADDR_STRLEN];

	rec_line("%s %d %s\n", sf_addr_to_str(&addr->addr, false, buf),
		 addr->ifindex, addr->ifname);
}

static void collect_link(int32_t ifindex, const char *ifname, bool up,
			 void *user_data)
{
	rec_line("%d %s %s\n", ifindex, ifname, up ? "up" : "down");
}

START_TEST(foreach_walks_links_by_index_then_addresses_in_order)
{
	link_set(3, "eth1", FLAGS_UP);
	link_set(2, "eth0", FLAGS_UP);
	link_set(5, "eth2", FLAGS_NO_CARRIER);
	addr_add(3, "10.0.3.2", 0);
	addr_add(3, "10.0.3.1", 0);
	addr_add(2, "2001:db8::1", IFA_F_TENTATIVE);
	addr_add(2, "10.0.0.1", 0);
	addr_add(5, "10.0.5.1", 0);
	addr_add(7, "10.0.7.1", 0);	/* link not known yet */
	events();

	sf_iface_table_foreach_eligible(table, collect_addr, NULL);
	ck_assert_str_eq(events(), "10.0.0.1 2 eth0\n10.0.3.2 3 eth1\n"
			 "10.0.3.1 3 eth1\n");

	sf_iface_table_foreach_link(table, collect_link, NULL);
	ck_assert_str_eq(events(), "2 eth0 up\n3 eth1 up\n5 eth2 down\n");
}
END_TEST

static Suite *iface_suite(void)
{
	Suite *s = suite_create("iface");
	TCase *tc = tcase_create("eligibility");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, address_on_up_link_is_added_once);
	tcase_add_test(tc, address_on_down_link_waits_for_link_up);
	tcase_add_test(tc, carrier_loss_removes_addresses_and_carrier_restores_them);
	tcase_add_test(tc, admin_down_then_up_restores_ipv4_without_newaddr);
	tcase_add_test(tc, tentative_address_is_added_once_dad_completes);
	tcase_add_test(tc, dad_failed_address_is_never_added);
	tcase_add_test(tc, deleted_address_is_removed_once);
	tcase_add_test(tc, loopback_link_comes_up_but_its_addresses_never_count);
	suite_add_tcase(s, tc);

	tc = tcase_create("filter");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, excluded_interface_glob_keeps_its_addresses_out);
	tcase_add_test(tc, set_filter_reevaluates_every_address);
	tcase_add_test(tc, rename_reevaluates_globs_and_reports_new_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("routes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, required_default_route_gates_each_family);
	tcase_add_test(tc, only_unicast_default_routes_outside_local_table_count);
	tcase_add_test(tc, repeated_route_counts_once_distinct_routes_each);
	tcase_add_test(tc, multipath_default_route_counts_for_each_nexthop);
	tcase_add_test(tc, replaced_route_moves_default_to_new_interface);
	tcase_add_test(tc, admin_down_forgets_ipv4_routes_the_kernel_flushed);
	tcase_add_test(tc, last_ipv4_address_gone_forgets_ipv4_routes);
	suite_add_tcase(s, tc);

	tc = tcase_create("links");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, deleted_link_removes_addresses_then_goes_down_and_forgets);
	tcase_add_test(tc, deleted_down_link_reports_nothing);
	tcase_add_test(tc, address_seen_before_its_link_counts_once_link_arrives);
	tcase_add_test(tc, route_seen_before_its_link_counts_once_link_arrives);
	tcase_add_test(tc, same_address_on_two_links_is_two_entries);
	suite_add_tcase(s, tc);

	tc = tcase_create("resync");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, resync_forgets_what_the_dump_no_longer_lists);
	tcase_add_test(tc, resync_with_nothing_changed_reports_nothing);
	tcase_add_test(tc, resync_drops_default_route_missing_from_dump);
	tcase_add_test(tc, resync_reports_link_that_came_up_during_overrun);
	suite_add_tcase(s, tc);

	tc = tcase_create("lookups");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, foreach_walks_links_by_index_then_addresses_in_order);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return sf_unit_run(iface_suite());
}
