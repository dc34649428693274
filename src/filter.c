/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The [filter] rules: which local addresses may carry subflows or be
 * announced. A pure predicate over one address and the config.
 */
#include <fnmatch.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>

#include "filter.h"

bool sf_filter_glob_match(char **globs, const char *name)
{
	if (!globs || !name)
		return false;

	for (; *globs; globs++)
		if (fnmatch(*globs, name, 0) == 0)
			return true;

	return false;
}

static bool addr4_eligible(const struct sf_filter_config *filter,
			   const struct in_addr *in)
{
	uint32_t a = ntohl(in->s_addr);

	/* 0.0.0.0/8 ("this network"), 127/8, multicast, broadcast. */
	if ((a >> 24) == 0 || (a >> 24) == 127 || IN_MULTICAST(a) ||
	    a == INADDR_BROADCAST)
		return false;

	/* 169.254.0.0/16 */
	if ((a & 0xffff0000) == 0xa9fe0000)
		return !filter->skip_link_local;

	return true;
}

static bool addr6_eligible(const struct sf_filter_config *filter,
			   const struct in6_addr *in6, uint32_t ifa_flags)
{
	if (IN6_IS_ADDR_UNSPECIFIED(in6) || IN6_IS_ADDR_LOOPBACK(in6) ||
	    IN6_IS_ADDR_MULTICAST(in6) || IN6_IS_ADDR_V4MAPPED(in6))
		return false;

	/* fe80::/10 */
	if (in6->s6_addr[0] == 0xfe && (in6->s6_addr[1] & 0xc0) == 0x80 &&
	    filter->skip_link_local)
		return false;

	/* fc00::/7 */
	if ((in6->s6_addr[0] & 0xfe) == 0xfc && filter->skip_ula)
		return false;

	/* For IPv4 the same bit means IFA_F_SECONDARY, a normal address. */
	if ((ifa_flags & IFA_F_TEMPORARY) && filter->skip_temporary)
		return false;

	return true;
}

bool sf_filter_eligible(const struct sf_filter_config *filter,
			const struct sf_filter_input *in)
{
	const char *ifname = in->ifname ? in->ifname : "";

	if (in->loopback_iface || !in->addr)
		return false;

	/* Not usable until DAD succeeds; never usable when it failed. */
	if (in->ifa_flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
		return false;

	if ((in->ifa_flags & IFA_F_DEPRECATED) && filter->skip_deprecated)
		return false;

	switch (in->addr->family) {
	case AF_INET:
		if (!addr4_eligible(filter, &in->addr->ip.in))
			return false;
		break;
	case AF_INET6:
		if (!addr6_eligible(filter, &in->addr->ip.in6, in->ifa_flags))
			return false;
		break;
	default:
		return false;
	}

	if (sf_filter_glob_match(filter->exclude_interfaces, ifname))
		return false;

	if (filter->include_interfaces && filter->include_interfaces[0] &&
	    !sf_filter_glob_match(filter->include_interfaces, ifname))
		return false;

	if (filter->require_default_route && !in->has_default_route)
		return false;

	return true;
}
