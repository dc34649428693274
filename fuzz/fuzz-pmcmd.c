/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: the mptcp_pm reply parsers (GET_ADDR endpoint,
 * GET_LIMITS) on one message as the command socket hands it on (it
 * passed sf_nlmsg_ok()), and the parser of how a command
 * ends (ack or NLMSG_DONE, extack text). Input: one whole netlink message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nlmsg.h"
#include "pmcmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)data;
	struct sf_pm_limits limits;
	struct sf_endpoint ep;

	if (size <= INT32_MAX && sf_nlmsg_ok(nlh, (int)size)) {
		const char *extack;
		int error;

		if (sf_nlmsg_parse_end(nlh, &error, &extack) == 0 &&
		    (error > 0 || (extack && (extack < (const char *)data ||
		     extack + strlen(extack) >= (const char *)data + size))))
			abort();
	}

	if (size > INT32_MAX || !sf_nlmsg_ok(nlh, (int)size))
		return 0;

	if (sf_pmcmd_parse_endpoint(nlh, &ep) == 0 &&
	    ep.addr.family != AF_INET && ep.addr.family != AF_INET6)
		abort();
	sf_pmcmd_parse_limits(nlh, &limits);
	return 0;
}
