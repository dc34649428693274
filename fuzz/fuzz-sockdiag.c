/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: the sock_diag (inet_diag) reply parser, read as the
 * answer to a TCP query and to an MPTCP one. Input: one whole netlink
 * message; the socket code runs it through mnl_cb_run(), which checks that
 * nlmsg_len fits in what was received; so does this.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <netinet/in.h>

#include <linux/netlink.h>

#include "sockdiag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)data;
	struct sf_sockdiag_sock sock;

	if (size < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
	    nlh->nlmsg_len > size)
		return 0;

	/* A TCP socket has no token of its own... */
	if (sf_sockdiag_parse(nlh, IPPROTO_TCP, &sock) == 0 && sock.has_token)
		abort();
	/* ...and an MPTCP socket's INET_DIAG_INFO is no struct tcp_info. */
	if (sf_sockdiag_parse(nlh, IPPROTO_MPTCP, &sock) == 0 &&
	    (sock.has_tcp_info || sock.is_subflow))
		abort();
	return 0;
}
