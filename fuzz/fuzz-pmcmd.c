/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: the mptcp_pm reply parsers (GET_ADDR endpoint,
 * GET_LIMITS) on messages made as ELL makes them from what it received,
 * and the parser of how a command ends (ack or NLMSG_DONE, extack text).
 * Input: one whole netlink message.
 *
 * Left out, as the daemon never parses them: NLMSG_ERROR messages (the
 * reply callbacks see the error first) and messages too short for a
 * genetlink header. ELL 0.56's l_genl_msg_new_from_data() reads the
 * genlmsghdr of any message of 16 bytes or more, past the end of the
 * copy it made when nlmsg_len < 20: a flaw of the library, not ours.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ell/ell.h>
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
	struct l_genl_msg *msg;

	if (size <= INT32_MAX && sf_nlmsg_ok(nlh, (int)size)) {
		const char *extack;
		int error;

		if (sf_nlmsg_parse_end(nlh, &error, &extack) == 0 &&
		    (error > 0 || (extack && (extack < (const char *)data ||
		     extack + strlen(extack) >= (const char *)data + size))))
			abort();
	}

	if (size < NLMSG_HDRLEN + GENL_HDRLEN ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
	    nlh->nlmsg_len > size || nlh->nlmsg_type == NLMSG_ERROR)
		return 0;

	msg = l_genl_msg_new_from_data(data, size);
	if (!msg)
		return 0;

	if (sf_pmcmd_parse_endpoint(msg, &ep) == 0 &&
	    ep.addr.family != AF_INET && ep.addr.family != AF_INET6)
		abort();
	sf_pmcmd_parse_limits(msg, &limits);

	l_genl_msg_unref(msg);
	return 0;
}
