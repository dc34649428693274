/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Codec: rtnetlink link, address and route messages. No I/O, no state.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "nlmsg.h"
#include "rtnl.h"
#include "util.h"

/* What each attribute we read must look like (nlmsg.h); the others are
 * skipped. Addresses are checked against their family when read. */
#define POLICY_U32	{ MNL_TYPE_U32, 0, 0 }
#define POLICY_IP	{ MNL_TYPE_BINARY, 0, 16 }
/* struct rtvia: a 16-bit family, then the address. */
#define POLICY_VIA	{ MNL_TYPE_BINARY, 0, 2 + 16 }

static const struct sf_attr_policy link_policy[IFLA_IFNAME + 1] = {
	[IFLA_IFNAME] = { MNL_TYPE_NUL_STRING, 0, IF_NAMESIZE },
};

static const struct sf_attr_policy addr_policy[IFA_FLAGS + 1] = {
	[IFA_ADDRESS] = POLICY_IP,
	[IFA_LOCAL] = POLICY_IP,
	[IFA_FLAGS] = POLICY_U32,
};

static const struct sf_attr_policy route_policy[RTA_VIA + 1] = {
	[RTA_OIF] = POLICY_U32,
	[RTA_GATEWAY] = POLICY_IP,
	[RTA_PRIORITY] = POLICY_U32,
	[RTA_MULTIPATH] = { MNL_TYPE_BINARY, 0, 0 },
	[RTA_TABLE] = POLICY_U32,
	[RTA_VIA] = POLICY_VIA,
};

/* Attributes inside one struct rtnexthop of RTA_MULTIPATH. */
static const struct sf_attr_policy nexthop_policy[RTA_VIA + 1] = {
	[RTA_GATEWAY] = POLICY_IP,
	[RTA_VIA] = POLICY_VIA,
};

/*
 * Check nlh is of one of two types and long enough for its family header of
 * hdr_size bytes; return that header and the attributes after it.
 */
static int msg_split(const struct nlmsghdr *nlh, uint16_t type_a,
		     uint16_t type_b, size_t hdr_size, const void **ret_hdr,
		     const void **ret_attrs, size_t *ret_attrs_len)
{
	size_t payload;

	if (!nlh || nlh->nlmsg_len < NLMSG_HDRLEN)
		return -EBADMSG;
	if (nlh->nlmsg_type != type_a && nlh->nlmsg_type != type_b)
		return -EBADMSG;

	payload = nlh->nlmsg_len - NLMSG_HDRLEN;
	if (payload < hdr_size)
		return -EBADMSG;

	*ret_hdr = mnl_nlmsg_get_payload(nlh);
	if (payload <= MNL_ALIGN(hdr_size)) {
		*ret_attrs = NULL;
		*ret_attrs_len = 0;
	} else {
		*ret_attrs = (const uint8_t *)*ret_hdr + MNL_ALIGN(hdr_size);
		*ret_attrs_len = payload - MNL_ALIGN(hdr_size);
	}
	return 0;
}

static size_t family_addr_len(uint8_t family)
{
	switch (family) {
	case AF_INET:
		return sizeof(struct in_addr);
	case AF_INET6:
		return sizeof(struct in6_addr);
	}
	return 0;
}

/* An address of family whose length must match the family's. */
static int addr_set(uint8_t family, const void *data, size_t len,
		    struct sf_addr *ret)
{
	if (!family_addr_len(family) || len != family_addr_len(family))
		return -EBADMSG;

	memset(ret, 0, sizeof(*ret));
	ret->family = family;
	memcpy(&ret->ip, data, len);
	return 0;
}

static int addr_from_attr(uint8_t family, const struct nlattr *attr,
			  struct sf_addr *ret)
{
	return addr_set(family, mnl_attr_get_payload(attr),
			mnl_attr_get_payload_len(attr), ret);
}

/* RTA_VIA carries its own family (an IPv4 route may go via IPv6). */
static int via_from_attr(const struct nlattr *attr, struct sf_addr *ret)
{
	const uint8_t *data = mnl_attr_get_payload(attr);
	uint16_t len = mnl_attr_get_payload_len(attr);
	uint16_t family;

	if (len < sizeof(family))
		return -EBADMSG;
	memcpy(&family, data, sizeof(family));
	if (family > UINT8_MAX)
		return -EBADMSG;
	return addr_set(family, data + sizeof(family), len - sizeof(family),
			ret);
}

/* The gateway named by RTA_VIA, else RTA_GATEWAY, else none. */
static int gateway_from_attrs(uint8_t family, const struct nlattr **tb,
			      struct sf_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (tb[RTA_VIA])
		return via_from_attr(tb[RTA_VIA], ret);
	if (tb[RTA_GATEWAY])
		return addr_from_attr(family, tb[RTA_GATEWAY], ret);
	return 0;
}

int sf_rtnl_parse_link(const struct nlmsghdr *nlh, struct sf_rtnl_link *ret)
{
	const struct nlattr *tb[SF_ARRAY_SIZE(link_policy)] = { NULL };
	const struct ifinfomsg *ifi;
	const void *attrs;
	size_t attrs_len;
	int r;

	r = msg_split(nlh, RTM_NEWLINK, RTM_DELLINK, sizeof(*ifi),
		      (const void **)&ifi, &attrs, &attrs_len);
	if (r < 0)
		return r;
	if (ifi->ifi_family != AF_UNSPEC)
		return -EAFNOSUPPORT;

	r = sf_attr_parse_payload(attrs, attrs_len, link_policy,
				  SF_ARRAY_SIZE(link_policy), tb);
	if (r < 0)
		return r;
	if (ifi->ifi_index <= 0)
		return -EBADMSG;
	/* A name has one character at least. */
	if (tb[IFLA_IFNAME] && mnl_attr_get_payload_len(tb[IFLA_IFNAME]) < 2)
		return -EBADMSG;

	memset(ret, 0, sizeof(*ret));
	ret->ifindex = ifi->ifi_index;
	ret->flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME])
		memcpy(ret->ifname, mnl_attr_get_payload(tb[IFLA_IFNAME]),
		       mnl_attr_get_payload_len(tb[IFLA_IFNAME]));
	return 0;
}

int sf_rtnl_parse_addr(const struct nlmsghdr *nlh, struct sf_rtnl_addr *ret)
{
	const struct nlattr *tb[SF_ARRAY_SIZE(addr_policy)] = { NULL };
	const struct ifaddrmsg *ifa;
	const struct nlattr *which;
	const void *attrs;
	size_t attrs_len;
	int r;

	r = msg_split(nlh, RTM_NEWADDR, RTM_DELADDR, sizeof(*ifa),
		      (const void **)&ifa, &attrs, &attrs_len);
	if (r < 0)
		return r;
	if (!family_addr_len(ifa->ifa_family))
		return -EAFNOSUPPORT;

	r = sf_attr_parse_payload(attrs, attrs_len, addr_policy,
				  SF_ARRAY_SIZE(addr_policy), tb);
	if (r < 0)
		return r;
	if (ifa->ifa_index == 0 || ifa->ifa_index > INT32_MAX)
		return -EBADMSG;
	if (ifa->ifa_prefixlen > family_addr_len(ifa->ifa_family) * 8)
		return -EBADMSG;

	/* On point-to-point links IFA_ADDRESS is the peer's. */
	which = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!which)
		return -EBADMSG;

	memset(ret, 0, sizeof(*ret));
	r = addr_from_attr(ifa->ifa_family, which, &ret->addr);
	if (r < 0)
		return r;
	ret->ifindex = (int32_t)ifa->ifa_index;
	ret->prefixlen = ifa->ifa_prefixlen;
	ret->scope = ifa->ifa_scope;
	/* ifa_flags has room for the first 8 flags only. */
	ret->flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) :
				     ifa->ifa_flags;
	return 0;
}

static int route_add_nexthop(struct sf_rtnl_route *route, int32_t oif,
			     const struct nlattr **tb)
{
	struct sf_addr gateway;
	int r;

	r = gateway_from_attrs(route->family, tb, &gateway);
	if (r < 0)
		return r;
	if (oif <= 0 || route->n_oifs == SF_RTNL_MAX_NEXTHOPS)
		return 0;

	route->oifs[route->n_oifs] = oif;
	route->gateways[route->n_oifs] = gateway;
	route->n_oifs++;
	return 0;
}

/* RTA_MULTIPATH: struct rtnexthop, each followed by its attributes. */
static int route_parse_multipath(struct sf_rtnl_route *route,
				 const struct nlattr *mp)
{
	const uint8_t *pos = mnl_attr_get_payload(mp);
	size_t len = mnl_attr_get_payload_len(mp);

	while (len > 0) {
		const struct nlattr *tb[SF_ARRAY_SIZE(nexthop_policy)] = { NULL };
		const struct rtnexthop *nh = (const struct rtnexthop *)pos;
		size_t step;
		int r;

		if (len < sizeof(*nh) || nh->rtnh_len < sizeof(*nh) ||
		    nh->rtnh_len > len)
			return -EBADMSG;

		r = sf_attr_parse_payload(pos + RTNH_ALIGN(sizeof(*nh)),
					  nh->rtnh_len - RTNH_ALIGN(sizeof(*nh)),
					  nexthop_policy,
					  SF_ARRAY_SIZE(nexthop_policy), tb);
		if (r < 0)
			return r;

		r = route_add_nexthop(route, nh->rtnh_ifindex, tb);
		if (r < 0)
			return r;

		step = RTNH_ALIGN(nh->rtnh_len);
		if (step >= len)
			break;
		len -= step;
		pos += step;
	}

	return 0;
}

int sf_rtnl_parse_route(const struct nlmsghdr *nlh, struct sf_rtnl_route *ret)
{
	const struct nlattr *tb[SF_ARRAY_SIZE(route_policy)] = { NULL };
	const struct rtmsg *rtm;
	const void *attrs;
	size_t attrs_len;
	int r;

	r = msg_split(nlh, RTM_NEWROUTE, RTM_DELROUTE, sizeof(*rtm),
		      (const void **)&rtm, &attrs, &attrs_len);
	if (r < 0)
		return r;
	if (!family_addr_len(rtm->rtm_family))
		return -EAFNOSUPPORT;

	r = sf_attr_parse_payload(attrs, attrs_len, route_policy,
				  SF_ARRAY_SIZE(route_policy), tb);
	if (r < 0)
		return r;
	if (rtm->rtm_dst_len > family_addr_len(rtm->rtm_family) * 8)
		return -EBADMSG;

	memset(ret, 0, sizeof(*ret));
	ret->family = rtm->rtm_family;
	ret->table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) :
				     rtm->rtm_table;
	ret->dst_len = rtm->rtm_dst_len;
	ret->type = rtm->rtm_type;
	ret->tos = rtm->rtm_tos;
	ret->priority = tb[RTA_PRIORITY] ? mnl_attr_get_u32(tb[RTA_PRIORITY]) :
					   0;
	ret->replace = nlh->nlmsg_type == RTM_NEWROUTE &&
		       (nlh->nlmsg_flags & NLM_F_REPLACE);

	if (tb[RTA_MULTIPATH])
		return route_parse_multipath(ret, tb[RTA_MULTIPATH]);
	if (tb[RTA_OIF])
		return route_add_nexthop(ret, (int32_t)mnl_attr_get_u32(tb[RTA_OIF]),
					 tb);
	return 0;
}

int sf_rtnl_build_dump(void *buf, size_t size, uint16_t type, uint8_t family,
		       uint32_t seq)
{
	struct nlmsghdr *nlh;
	size_t hdr_size;

	switch (type) {
	case RTM_GETLINK:
		hdr_size = sizeof(struct ifinfomsg);
		break;
	case RTM_GETADDR:
		hdr_size = sizeof(struct ifaddrmsg);
		break;
	case RTM_GETROUTE:
		hdr_size = sizeof(struct rtmsg);
		break;
	default:
		return -EINVAL;
	}

	if (!buf || size < MNL_NLMSG_HDRLEN + MNL_ALIGN(hdr_size))
		return -ENOSPC;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;

	/* Every family header starts with its family byte. */
	*(uint8_t *)mnl_nlmsg_put_extra_header(nlh, hdr_size) = family;
	return (int)nlh->nlmsg_len;
}
