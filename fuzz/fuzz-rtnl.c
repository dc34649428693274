/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: the rtnetlink link, address and route parsers.
 * Input: one whole netlink message. netmon.c only checks that nlmsg_len
 * fits in what it received (mnl_nlmsg_ok) before parsing; so does this.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <linux/netlink.h>

#include "rtnl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)data;
	struct sf_rtnl_route route;
	struct sf_rtnl_link link;
	struct sf_rtnl_addr addr;

	if (size < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
	    nlh->nlmsg_len > size)
		return 0;

	/* Each parser checks nlmsg_type itself. */
	if (sf_rtnl_parse_link(nlh, &link) == 0 && link.ifindex <= 0)
		abort();
	if (sf_rtnl_parse_addr(nlh, &addr) == 0 &&
	    addr.addr.family != AF_INET && addr.addr.family != AF_INET6)
		abort();
	if (sf_rtnl_parse_route(nlh, &route) == 0 &&
	    route.n_oifs > SF_RTNL_MAX_NEXTHOPS)
		abort();
	return 0;
}
