/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Codec: the inet_diag request builders and the reply parser of sockdiag.h.
 * Pure: no I/O, no globals.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#include <libmnl/libmnl.h>

#include "mptcp_uapi.h"
#include "nlmsg.h"
#include "sockdiag.h"
#include "util.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

/* TCP states, as bits of inet_diag_req_v2.idiag_states (<net/tcp_states.h>). */
#define TCP_STATE_LISTEN	10
#define TCP_STATES_ALL		0xfffu

static const uint8_t v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

/* The address as idiag_src/idiag_dst hold it for a socket of family. */
static int sockid_addr_put(uint8_t family, const struct sf_addr *addr,
			   __be32 ret_words[4])
{
	uint8_t *out = (uint8_t *)ret_words;

	memset(ret_words, 0, 16);
	switch (addr->family) {
	case AF_INET:
		if (family == AF_INET) {
			memcpy(out, &addr->ip.in, 4);
			return 0;
		}
		if (family != AF_INET6)
			return -EINVAL;
		memcpy(out, v4mapped_prefix, sizeof(v4mapped_prefix));
		memcpy(out + 12, &addr->ip.in, 4);
		return 0;
	case AF_INET6:
		if (family != AF_INET6)
			return -EINVAL;
		memcpy(out, &addr->ip.in6, 16);
		return 0;
	}
	return -EINVAL;
}

/* idiag_src/idiag_dst of a socket of family; IPv4-mapped comes out IPv4. */
static int sockid_addr_get(uint8_t family, const __be32 words[4],
			   uint16_t port_be, struct sf_addr *ret)
{
	const uint8_t *in = (const uint8_t *)words;

	memset(ret, 0, sizeof(*ret));
	ret->port = ntohs(port_be);
	switch (family) {
	case AF_INET:
		ret->family = AF_INET;
		memcpy(&ret->ip.in, in, 4);
		return 0;
	case AF_INET6:
		if (!memcmp(in, v4mapped_prefix, sizeof(v4mapped_prefix))) {
			ret->family = AF_INET;
			memcpy(&ret->ip.in, in + 12, 4);
		} else {
			ret->family = AF_INET6;
			memcpy(&ret->ip.in6, in, 16);
		}
		return 0;
	}
	return -EBADMSG;
}

static struct inet_diag_req_v2 *request_start(void *buf, uint32_t seq,
					      uint16_t flags, uint8_t family,
					      struct nlmsghdr **ret_nlh)
{
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;

	memset(buf, 0, SF_SOCKDIAG_REQ_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	*ret_nlh = nlh;
	return req;
}

int sf_sockdiag_build_tcp_query(uint8_t family, const struct sf_addr *local,
				const struct sf_addr *remote, int32_t ifindex,
				uint32_t seq, void *buf,
				struct nlmsghdr **ret_nlh)
{
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;

	if (!local || !remote || !buf || !ret_nlh || !local->port ||
	    !remote->port || local->family != remote->family || ifindex < 0)
		return -EINVAL;

	req = request_start(buf, seq, NLM_F_ACK, family, &nlh);
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_ext = 1u << (INET_DIAG_INFO - 1);
	req->idiag_states = TCP_STATES_ALL;
	req->id.idiag_sport = htons(local->port);
	req->id.idiag_dport = htons(remote->port);
	req->id.idiag_if = ifindex;
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (sockid_addr_put(family, local, req->id.idiag_src) < 0 ||
	    sockid_addr_put(family, remote, req->id.idiag_dst) < 0)
		return -EINVAL;

	*ret_nlh = nlh;
	return 0;
}

int sf_sockdiag_build_owner_query(uint32_t token, uint32_t seq, void *buf,
				  struct nlmsghdr **ret_nlh)
{
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;

	if (!buf || !ret_nlh)
		return -EINVAL;

	/* The kernel finds an MPTCP socket by the token in idiag_cookie[0];
	 * either inet family reaches its handler. */
	req = request_start(buf, seq, NLM_F_ACK, AF_INET, &nlh);
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = TCP_STATES_ALL;
	req->id.idiag_cookie[0] = token;
	req->id.idiag_cookie[1] = 0;
	mnl_attr_put_u32(nlh, INET_DIAG_REQ_PROTOCOL, IPPROTO_MPTCP);

	*ret_nlh = nlh;
	return 0;
}

int sf_sockdiag_build_dump(uint8_t family, uint16_t protocol, uint32_t states,
			   uint32_t seq, void *buf, struct nlmsghdr **ret_nlh)
{
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;

	if (!buf || !ret_nlh || (family != AF_INET && family != AF_INET6) ||
	    (protocol != IPPROTO_TCP && protocol != IPPROTO_MPTCP))
		return -EINVAL;

	req = request_start(buf, seq, NLM_F_DUMP, family, &nlh);
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_ext = 1u << (INET_DIAG_INFO - 1);
	req->idiag_states = states;
	if (protocol == IPPROTO_MPTCP)
		mnl_attr_put_u32(nlh, INET_DIAG_REQ_PROTOCOL, IPPROTO_MPTCP);

	*ret_nlh = nlh;
	return 0;
}

static const struct sf_attr_policy ulp_policy[INET_ULP_INFO_MAX + 1] = {
	[INET_ULP_INFO_NAME] = { MNL_TYPE_NUL_STRING },
	[INET_ULP_INFO_MPTCP] = { MNL_TYPE_NESTED },
};

static const struct sf_attr_policy
subflow_policy[MPTCP_SUBFLOW_ATTR_MAX + 1] = {
	[MPTCP_SUBFLOW_ATTR_TOKEN_LOC] = { MNL_TYPE_U32 },
	[MPTCP_SUBFLOW_ATTR_ID_LOC] = { MNL_TYPE_U8 },
	[MPTCP_SUBFLOW_ATTR_ID_REM] = { MNL_TYPE_U8 },
	[MPTCP_SUBFLOW_ATTR_FLAGS] = { MNL_TYPE_U32 },
};

/* INET_DIAG_ULP_INFO of a TCP socket: is it an MPTCP subflow, of which
 * connection? Other ULPs (kTLS) are not subflows. */
static int parse_ulp(const struct nlattr *ulp, struct sf_sockdiag_sock *sock)
{
	const struct nlattr *tb[INET_ULP_INFO_MAX + 1] = { 0 };
	const struct nlattr *sf[MPTCP_SUBFLOW_ATTR_MAX + 1] = { 0 };

	if (sf_attr_parse_nested(ulp, ulp_policy, SF_ARRAY_SIZE(ulp_policy),
				 tb) < 0)
		return -EBADMSG;

	sock->is_subflow = tb[INET_ULP_INFO_NAME] &&
			   !strcmp(mnl_attr_get_str(tb[INET_ULP_INFO_NAME]),
				   "mptcp");
	if (!tb[INET_ULP_INFO_MPTCP])
		return 0;

	if (sf_attr_parse_nested(tb[INET_ULP_INFO_MPTCP], subflow_policy,
				 SF_ARRAY_SIZE(subflow_policy), sf) < 0)
		return -EBADMSG;

	if (sf[MPTCP_SUBFLOW_ATTR_TOKEN_LOC])
		sock->subflow_token =
			mnl_attr_get_u32(sf[MPTCP_SUBFLOW_ATTR_TOKEN_LOC]);
	if (sf[MPTCP_SUBFLOW_ATTR_FLAGS])
		sock->subflow_flags =
			mnl_attr_get_u32(sf[MPTCP_SUBFLOW_ATTR_FLAGS]);
	if (sf[MPTCP_SUBFLOW_ATTR_ID_LOC])
		sock->subflow_local_id =
			mnl_attr_get_u8(sf[MPTCP_SUBFLOW_ATTR_ID_LOC]);
	if (sf[MPTCP_SUBFLOW_ATTR_ID_REM])
		sock->subflow_remote_id =
			mnl_attr_get_u8(sf[MPTCP_SUBFLOW_ATTR_ID_REM]);
	return 0;
}

static void stats_from_tcp_info(const struct tcp_info *ti,
				struct sf_subflow_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->ca_state = ti->tcpi_ca_state;
	ret->retransmits = ti->tcpi_retransmits;
	ret->backoff = ti->tcpi_backoff;
	ret->unacked = ti->tcpi_unacked;
	ret->lost = ti->tcpi_lost;
	ret->total_retrans = ti->tcpi_total_retrans;
	ret->rto_us = ti->tcpi_rto;
	ret->rtt_us = ti->tcpi_rtt;
	ret->last_data_sent_ms = ti->tcpi_last_data_sent;
	ret->last_data_recv_ms = ti->tcpi_last_data_recv;
	ret->last_ack_recv_ms = ti->tcpi_last_ack_recv;
	ret->bytes_acked = ti->tcpi_bytes_acked;
	ret->rttvar_us = ti->tcpi_rttvar;
	ret->min_rtt_us = ti->tcpi_min_rtt;
	ret->snd_cwnd = ti->tcpi_snd_cwnd;
	ret->segs_out = ti->tcpi_segs_out;
	ret->segs_in = ti->tcpi_segs_in;
	ret->delivered = ti->tcpi_delivered;
	ret->bytes_sent = ti->tcpi_bytes_sent;
	ret->bytes_retrans = ti->tcpi_bytes_retrans;
	ret->bytes_received = ti->tcpi_bytes_received;
}

/* Every kernel since 2.6 sends at least up to tcpi_total_retrans; what an
 * older kernel leaves out of the rest reads as 0. */
#define TCP_INFO_MIN_LEN \
	(offsetof(struct tcp_info, tcpi_total_retrans) + sizeof(uint32_t))

/* One walk, libmnl's (nlmsg.h): the first of duplicates wins, a bad
 * length of ours fails the message. */
static const struct sf_attr_policy diag_policy[INET_DIAG_MAX + 1] = {
	[INET_DIAG_INFO] = { MNL_TYPE_BINARY },
	[INET_DIAG_CGROUP_ID] = { MNL_TYPE_U64 },
	[INET_DIAG_ULP_INFO] = { MNL_TYPE_NESTED },
};

int sf_sockdiag_parse(const struct nlmsghdr *nlh, uint16_t protocol,
		      struct sf_sockdiag_sock *ret_sock)
{
	const struct nlattr *tb[INET_DIAG_MAX + 1] = { 0 };
	const struct inet_diag_msg *msg;
	const struct nlattr *attr;
	struct sf_sockdiag_sock sock = { 0 };
	uint16_t len;

	/* libmnl walks the attributes up to nlmsg_len rounded up to 4: one
	 * that is not a multiple of 4 (the kernel's always is) would be read
	 * past its end. */
	if (!nlh || !ret_sock || nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*msg) ||
	    nlh->nlmsg_len % MNL_ALIGNTO)
		return -EBADMSG;

	msg = mnl_nlmsg_get_payload(nlh);
	sock.family = msg->idiag_family;
	sock.state = msg->idiag_state;
	sock.uid = msg->idiag_uid;
	if (sockid_addr_get(msg->idiag_family, msg->id.idiag_src,
			    msg->id.idiag_sport, &sock.local) < 0 ||
	    sockid_addr_get(msg->idiag_family, msg->id.idiag_dst,
			    msg->id.idiag_dport, &sock.remote) < 0)
		return -EBADMSG;

	if (sf_attr_parse(nlh, sizeof(*msg), diag_policy,
			  SF_ARRAY_SIZE(diag_policy), tb) < 0)
		return -EBADMSG;

	attr = tb[INET_DIAG_INFO];
	len = attr ? mnl_attr_get_payload_len(attr) : 0;
	if (attr && protocol == IPPROTO_MPTCP) {
		/* struct mptcp_info: the token is all we use. */
		if (len < offsetof(struct mptcp_info, mptcpi_token) + 4)
			return -EBADMSG;
		memcpy(&sock.token, (const char *)mnl_attr_get_payload(attr) +
		       offsetof(struct mptcp_info, mptcpi_token),
		       sizeof(sock.token));
		sock.has_token = true;
	} else if (attr && protocol == IPPROTO_TCP) {
		struct tcp_info ti = { 0 };

		if (len < TCP_INFO_MIN_LEN)
			return -EBADMSG;
		memcpy(&ti, mnl_attr_get_payload(attr),
		       len < sizeof(ti) ? len : sizeof(ti));
		stats_from_tcp_info(&ti, &sock.tcp);
		sock.has_tcp_info = true;
	}

	if (tb[INET_DIAG_CGROUP_ID])
		sock.cgroup_id = mnl_attr_get_u64(tb[INET_DIAG_CGROUP_ID]);
	if (tb[INET_DIAG_ULP_INFO] && protocol == IPPROTO_TCP &&
	    parse_ulp(tb[INET_DIAG_ULP_INFO], &sock) < 0)
		return -EBADMSG;

	*ret_sock = sock;
	return 0;
}
