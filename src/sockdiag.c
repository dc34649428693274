/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sock_diag: the inet_diag request builders and reply parser (pure), then
 * the synchronous queries on a NETLINK_SOCK_DIAG socket of their own.
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

/* --- codec ---------------------------------------------------------------- */

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

/*
 * The bytecode "local port == sport && remote port == dport". A program is
 * run op by op; each jumps by its yes or no offset, and the socket passes
 * when the program ends exactly at its end: no = remaining + 4 rejects.
 * A port comparison is two ops, the second carrying the port in .no.
 */
struct port_filter {
	struct inet_diag_bc_op sport_op;
	struct inet_diag_bc_op sport_val;
	struct inet_diag_bc_op dport_op;
	struct inet_diag_bc_op dport_val;
};

int sf_sockdiag_build_mptcp_dump(uint8_t family, uint16_t local_port,
				 uint16_t remote_port, uint32_t seq, void *buf,
				 struct nlmsghdr **ret_nlh)
{
	const uint8_t step = 2 * sizeof(struct inet_diag_bc_op);
	struct port_filter filter = {
		.sport_op = { INET_DIAG_BC_S_EQ, step, 2 * step + 4 },
		.sport_val = { 0, 0, local_port },
		.dport_op = { INET_DIAG_BC_D_EQ, step, step + 4 },
		.dport_val = { 0, 0, remote_port },
	};
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;

	if (!buf || !ret_nlh || (family != AF_INET && family != AF_INET6))
		return -EINVAL;

	req = request_start(buf, seq, NLM_F_DUMP, family, &nlh);
	/* The u8 sdiag_protocol cannot say 262: the attribute does. */
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = TCP_STATES_ALL & ~(1u << TCP_STATE_LISTEN);
	mnl_attr_put_u32(nlh, INET_DIAG_REQ_PROTOCOL, IPPROTO_MPTCP);
	mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, sizeof(filter), &filter);

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

/* INET_DIAG_ULP_INFO of a TCP socket: is it an MPTCP subflow, of which
 * connection? Other ULPs (kTLS) are not subflows. */
static int parse_ulp(const struct nlattr *ulp, struct sf_sockdiag_sock *sock)
{
	const struct nlattr *attr, *inner;
	bool mptcp = false;

	mnl_attr_for_each_nested(attr, ulp) {
		switch (mnl_attr_get_type(attr)) {
		case INET_ULP_INFO_NAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				return -EBADMSG;
			mptcp = !strcmp(mnl_attr_get_str(attr), "mptcp");
			break;
		case INET_ULP_INFO_MPTCP:
			mnl_attr_for_each_nested(inner, attr) {
				uint16_t type = mnl_attr_get_type(inner);
				enum mnl_attr_data_type want;

				switch (type) {
				case MPTCP_SUBFLOW_ATTR_TOKEN_LOC:
				case MPTCP_SUBFLOW_ATTR_FLAGS:
					want = MNL_TYPE_U32;
					break;
				case MPTCP_SUBFLOW_ATTR_ID_LOC:
				case MPTCP_SUBFLOW_ATTR_ID_REM:
					want = MNL_TYPE_U8;
					break;
				default:
					continue;
				}
				if (mnl_attr_validate(inner, want) < 0)
					return -EBADMSG;
				if (type == MPTCP_SUBFLOW_ATTR_TOKEN_LOC)
					sock->subflow_token = mnl_attr_get_u32(inner);
				else if (type == MPTCP_SUBFLOW_ATTR_FLAGS)
					sock->subflow_flags = mnl_attr_get_u32(inner);
				else if (type == MPTCP_SUBFLOW_ATTR_ID_LOC)
					sock->subflow_local_id = mnl_attr_get_u8(inner);
				else
					sock->subflow_remote_id = mnl_attr_get_u8(inner);
			}
			break;
		}
	}

	sock->is_subflow = mptcp;
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
}

/* Every kernel since 2.6 sends at least up to tcpi_total_retrans; what an
 * older kernel leaves out of the rest reads as 0. */
#define TCP_INFO_MIN_LEN \
	(offsetof(struct tcp_info, tcpi_total_retrans) + sizeof(uint32_t))

int sf_sockdiag_parse(const struct nlmsghdr *nlh, uint16_t protocol,
		      struct sf_sockdiag_sock *ret_sock)
{
	const struct inet_diag_msg *msg;
	const struct nlattr *attr;
	struct sf_sockdiag_sock sock = { 0 };

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

	mnl_attr_for_each(attr, nlh, sizeof(*msg)) {
		uint16_t len = mnl_attr_get_payload_len(attr);

		switch (mnl_attr_get_type(attr)) {
		case INET_DIAG_INFO: {
			struct tcp_info ti = { 0 };

			if (protocol == IPPROTO_MPTCP) {
				/* struct mptcp_info: the token is all we use. */
				if (len < offsetof(struct mptcp_info,
						   mptcpi_token) + 4)
					return -EBADMSG;
				memcpy(&sock.token, (const char *)
				       mnl_attr_get_payload(attr) +
				       offsetof(struct mptcp_info, mptcpi_token),
				       sizeof(sock.token));
				sock.has_token = true;
				break;
			}
			if (protocol != IPPROTO_TCP)
				break;
			if (len < TCP_INFO_MIN_LEN)
				return -EBADMSG;
			memcpy(&ti, mnl_attr_get_payload(attr),
			       len < sizeof(ti) ? len : sizeof(ti));
			stats_from_tcp_info(&ti, &sock.tcp);
			sock.has_tcp_info = true;
			break;
		}
		case INET_DIAG_CGROUP_ID:
			if (len != sizeof(uint64_t))
				return -EBADMSG;
			sock.cgroup_id = mnl_attr_get_u64(attr);
			break;
		case INET_DIAG_ULP_INFO:
			if (protocol == IPPROTO_TCP && parse_ulp(attr, &sock) < 0)
				return -EBADMSG;
			break;
		}
	}

	/* mnl_attr_for_each stops at the first attribute that does not fit. */
	if ((const void *)attr < mnl_nlmsg_get_payload_tail(nlh))
		return -EBADMSG;

	*ret_sock = sock;
	return 0;
}

/* --- the queries ---------------------------------------------------------- */

#define SOCKDIAG_RECV_SIZE 32768
/* The kernel answers while handling the request; this only guards against
 * a kernel that never does, so that the event loop cannot hang. */
#define SOCKDIAG_TIMEOUT_MS 1000

typedef bool (*sock_match_func_t)(const struct sf_sockdiag_sock *sock,
				  void *user_data);

struct query {
	uint16_t protocol;
	sock_match_func_t match;
	void *user_data;
	bool found;
	int error;
	struct sf_sockdiag_sock sock;
};

static int query_reply(const struct nlmsghdr *nlh, void *data)
{
	struct query *q = data;
	struct sf_sockdiag_sock sock;
	int r;

	if (q->found)
		return MNL_CB_OK;	/* read the rest of the dump */

	r = sf_sockdiag_parse(nlh, q->protocol, &sock);
	if (r < 0) {
		q->error = r;
		return MNL_CB_OK;
	}

	if (q->match(&sock, q->user_data)) {
		q->sock = sock;
		q->found = true;
	}
	return MNL_CB_OK;
}

/*
 * Send nlh on a new NETLINK_SOCK_DIAG socket and run every reply through
 * q->match until the dump's end or the ACK. Returns 0 (q->found tells
 * whether a socket matched) or a negative errno, the kernel's included.
 */
static int query_run(struct nlmsghdr *nlh, struct query *q)
{
	struct timeval tv = {
		.tv_sec = SOCKDIAG_TIMEOUT_MS / 1000,
		.tv_usec = (SOCKDIAG_TIMEOUT_MS % 1000) * 1000,
	};
	struct mnl_socket *nl;
	unsigned int portid;
	_auto_(l_free) char *buf = NULL;
	int r = 0;

	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl)
		return SF_NEG_ERRNO();

	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		       sizeof(tv)) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		r = SF_NEG_ERRNO();
		goto out;
	}

	portid = mnl_socket_get_portid(nl);
	buf = l_malloc(SOCKDIAG_RECV_SIZE);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, SOCKDIAG_RECV_SIZE);

		if (n < 0) {
			r = errno == EAGAIN ? -ETIMEDOUT : SF_NEG_ERRNO();
			break;
		}

		if (!sf_nlmsg_batch_ok(buf, n)) {
			r = -EBADMSG;
			break;
		}

		r = mnl_cb_run(buf, n, nlh->nlmsg_seq, portid, query_reply, q);
		if (r == MNL_CB_OK)
			continue;
		r = r < 0 ? SF_NEG_ERRNO() : 0;
		break;
	}

out:
	mnl_socket_close(nl);
	if (!r && !q->found && q->error)
		r = q->error;
	return r;
}

/* --- the TCP socket of a subflow --- */

struct tuple {
	const struct sf_addr *local;
	const struct sf_addr *remote;
};

static bool tuple_match(const struct sf_sockdiag_sock *sock, void *user_data)
{
	const struct tuple *t = user_data;

	return sf_addr_equal(&sock->local, t->local) &&
	       sf_addr_equal(&sock->remote, t->remote);
}

static int tcp_lookup(uint8_t family, const struct sf_addr *local,
		      const struct sf_addr *remote, int32_t ifindex,
		      struct sf_subflow_stats *ret_stats)
{
	struct tuple t = { local, remote };
	struct query q = {
		.protocol = IPPROTO_TCP,
		.match = tuple_match,
		.user_data = &t,
	};
	char req[SF_SOCKDIAG_REQ_SIZE];
	struct nlmsghdr *nlh;
	int r;

	r = sf_sockdiag_build_tcp_query(family, local, remote, ifindex, 1, req,
					&nlh);
	if (r < 0)
		return r;

	r = query_run(nlh, &q);
	if (r < 0)
		return r;
	/* A TIME_WAIT socket (no tcp_info) is a subflow that is gone. */
	if (!q.found || !q.sock.has_tcp_info)
		return -ENOENT;

	*ret_stats = q.sock.tcp;
	return 0;
}

int sf_sockdiag_tcp_stats(const struct sf_addr *local,
			  const struct sf_addr *remote, int32_t ifindex,
			  struct sf_subflow_stats *ret_stats)
{
	int r;

	if (!local || !remote || !ret_stats)
		return -EINVAL;

	r = tcp_lookup(local->family, local, remote, ifindex, ret_stats);
	/* A subflow of an AF_INET6 MPTCP socket may carry IPv4-mapped
	 * addresses. */
	if (r == -ENOENT && local->family == AF_INET)
		r = tcp_lookup(AF_INET6, local, remote, ifindex, ret_stats);
	return r;
}

int sf_subflow_get_stats(const struct sf_subflow_info *sf,
			 struct sf_subflow_stats *ret_stats)
{
	if (!sf || !sf->local.port || !sf->remote.port)
		return -EINVAL;

	return sf_sockdiag_tcp_stats(&sf->local, &sf->remote, sf->ifindex,
				     ret_stats);
}

/* --- the owner of an MPTCP socket --- */

static int mptcp_find(uint8_t family, const struct sf_addr *local,
		      const struct sf_addr *remote,
		      struct sf_sockdiag_sock *ret_sock)
{
	struct tuple t = { local, remote };
	struct query q = {
		.protocol = IPPROTO_MPTCP,
		.match = tuple_match,
		.user_data = &t,
	};
	char req[SF_SOCKDIAG_REQ_SIZE];
	struct nlmsghdr *nlh;
	int r;

	r = sf_sockdiag_build_mptcp_dump(family, local->port, remote->port, 1,
					 req, &nlh);
	if (r < 0)
		return r;

	r = query_run(nlh, &q);
	if (r < 0)
		return r;
	if (!q.found)
		return -ENOENT;

	*ret_sock = q.sock;
	return 0;
}

int sf_sockdiag_mptcp_owner(const struct sf_addr *local,
			    const struct sf_addr *remote,
			    uid_t *ret_uid, uint64_t *ret_cgroup_id)
{
	struct sf_sockdiag_sock sock;
	int r;

	if (!local || !remote || !ret_uid || !ret_cgroup_id ||
	    local->family != remote->family)
		return -EINVAL;

	r = mptcp_find(local->family, local, remote, &sock);
	/* An AF_INET6 socket may hold an IPv4 connection (IPv4-mapped). */
	if (r == -ENOENT && local->family == AF_INET)
		r = mptcp_find(AF_INET6, local, remote, &sock);
	if (r < 0)
		return r;

	*ret_uid = sock.uid;
	*ret_cgroup_id = sock.cgroup_id;
	return 0;
}

/* --- every MPTCP socket and subflow --- */

struct list_ctx {
	sf_sockdiag_func_t func;
	void *user_data;
	uint16_t protocol;
};

/* A match function that never matches: it sees every socket of the dump. */
static bool list_visit(const struct sf_sockdiag_sock *sock, void *user_data)
{
	const struct list_ctx *ctx = user_data;

	if (ctx->protocol == IPPROTO_MPTCP || sock->is_subflow)
		ctx->func(sock, ctx->protocol, ctx->user_data);

	return false;
}

int sf_sockdiag_list(sf_sockdiag_func_t func, void *user_data)
{
	static const uint16_t protocols[] = { IPPROTO_MPTCP, IPPROTO_TCP };
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	char req[SF_SOCKDIAG_REQ_SIZE];
	struct nlmsghdr *nlh;
	int r;

	for (size_t p = 0; p < SF_ARRAY_SIZE(protocols); p++) {
		for (size_t f = 0; f < SF_ARRAY_SIZE(families); f++) {
			struct list_ctx ctx = { func, user_data, protocols[p] };
			struct query q = {
				.protocol = protocols[p],
				.match = list_visit,
				.user_data = &ctx,
			};

			r = sf_sockdiag_build_dump(families[f], protocols[p],
						   TCP_STATES_ALL, 1, req, &nlh);
			if (r == 0)
				r = query_run(nlh, &q);
			if (r < 0)
				return r;
		}
	}

	return 0;
}

/* --- MPTCP listeners --- */

static bool is_wildcard(const struct sf_addr *addr)
{
	static const uint8_t zero[sizeof(struct in6_addr)];

	if (addr->family == AF_INET)
		return addr->ip.in.s_addr == 0;

	return !memcmp(&addr->ip.in6, zero, sizeof(zero));
}

/* A listener on addr's port, bound to addr or to its family's wildcard
 * (an IPv6 one also takes IPv4 unless it is v6-only). */
static bool covers(const struct sf_sockdiag_sock *sock, void *user_data)
{
	const struct sf_addr *addr = user_data;

	if (sock->local.port != addr->port)
		return false;

	if (is_wildcard(&sock->local))
		return sock->local.family == addr->family ||
		       sock->local.family == AF_INET6;

	return sf_addr_ip_equal(&sock->local, addr);
}

int sf_sockdiag_mptcp_listening(const struct sf_addr *addr)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	char req[SF_SOCKDIAG_REQ_SIZE];
	struct nlmsghdr *nlh;
	int r;

	if (!addr || !addr->port ||
	    (addr->family != AF_INET && addr->family != AF_INET6))
		return -EINVAL;

	for (size_t f = 0; f < SF_ARRAY_SIZE(families); f++) {
		struct query q = {
			.protocol = IPPROTO_MPTCP,
			.match = covers,
			.user_data = (void *) addr,
		};

		/* No AF_INET socket listens on an IPv6 address. */
		if (families[f] == AF_INET && addr->family == AF_INET6)
			continue;

		r = sf_sockdiag_build_dump(families[f], IPPROTO_MPTCP,
					   1u << TCP_STATE_LISTEN, 1, req, &nlh);
		if (r == 0)
			r = query_run(nlh, &q);
		if (r < 0)
			return r;
		if (q.found)
			return 1;
	}

	return 0;
}
