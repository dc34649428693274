/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Codec: rtnetlink link, address and route messages (libmnl). Pure.
 *
 * The parsers read nlh->nlmsg_len bytes from nlh and trust nothing else:
 * the caller only has to check that nlmsg_len fits in what it received
 * (mnl_nlmsg_ok). Attributes they do not know are skipped; of duplicates,
 * the first wins (nlmsg.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include <subflowd/addr.h>

/* Carrier present; in <linux/if.h>, which clashes with glibc's <net/if.h>. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

struct nlmsghdr;

struct sf_rtnl_link {
	int32_t ifindex;
	char ifname[IF_NAMESIZE];
	uint32_t flags;			/* IFF_* (ifi_flags) */
};

struct sf_rtnl_addr {
	int32_t ifindex;
	struct sf_addr addr;		/* IFA_LOCAL if present, else IFA_ADDRESS */
	uint8_t prefixlen;
	uint8_t scope;
	uint32_t flags;			/* IFA_FLAGS if present, else ifa_flags */
};

#define SF_RTNL_MAX_NEXTHOPS 8

/* A route; only what the interface table needs. */
struct sf_rtnl_route {
	uint8_t family;
	uint32_t table;			/* RTA_TABLE if present, else rtm_table */
	uint8_t dst_len;		/* 0: default route */
	uint8_t type;			/* RTN_* */
	int32_t oifs[SF_RTNL_MAX_NEXTHOPS];	/* RTA_OIF or RTA_MULTIPATH */
	unsigned int n_oifs;
	/* What tells two default routes through one interface apart. */
	uint8_t tos;
	uint32_t priority;		/* RTA_PRIORITY, 0 if absent */
	/* gateways[i] belongs to oifs[i]; family AF_UNSPEC: no gateway. */
	struct sf_addr gateways[SF_RTNL_MAX_NEXTHOPS];
	/* NLM_F_REPLACE: this route replaces the one with the same table,
	 * tos and priority (the kernel sends no RTM_DELROUTE for the old). */
	bool replace;
};

/*
 * Parse one RTM_NEWLINK/DELLINK message. 0, -EBADMSG, or -EAFNOSUPPORT for
 * a family-specific one (ifi_family != AF_UNSPEC, e.g. the AF_BRIDGE
 * RTM_DELLINK sent when a port leaves its bridge: the link stays).
 */
int sf_rtnl_parse_link(const struct nlmsghdr *nlh, struct sf_rtnl_link *ret);
/* Parse one RTM_NEWADDR/DELADDR message. 0, -EBADMSG, -EAFNOSUPPORT. */
int sf_rtnl_parse_addr(const struct nlmsghdr *nlh, struct sf_rtnl_addr *ret);
/*
 * Parse one RTM_NEWROUTE/DELROUTE message. 0, -EBADMSG, -EAFNOSUPPORT.
 * Nexthops without an interface are left out; beyond SF_RTNL_MAX_NEXTHOPS
 * they are ignored.
 */
int sf_rtnl_parse_route(const struct nlmsghdr *nlh, struct sf_rtnl_route *ret);

/*
 * Write an NLM_F_DUMP request of type RTM_GETLINK, RTM_GETADDR or
 * RTM_GETROUTE (family AF_UNSPEC for all) into buf. Returns its length or
 * -ENOSPC / -EINVAL.
 */
int sf_rtnl_build_dump(void *buf, size_t size, uint16_t type, uint8_t family,
		       uint32_t seq);
