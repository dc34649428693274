/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: the rtnetlink socket (libmnl) feeding the interface table.
 *
 * The socket stays blocking: dumps are read synchronously (the kernel
 * answers at once; SO_RCVTIMEO bounds a stuck one) and the main loop's
 * handler reads with MSG_DONTWAIT. Multicast notifications that arrive in
 * the middle of a dump are applied in the order received.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "netmon.h"
#include "nlmsg.h"
#include "nlwatch.h"
#include "rtnl.h"
#include "util.h"

/* Large enough for any rtnetlink message we ask for; the kernel sizes a
 * dump's batches to what recvmsg() accepts. */
#define NETMON_BUF_SIZE 65536
#define NETMON_RCVBUF (4 * 1024 * 1024)
#define NETMON_DUMP_TIMEOUT_SEC 5
/* A re-dump disturbed by another overrun is tried this many times... */
#define NETMON_RESYNC_ATTEMPTS 3
/* ...then again after this long, from the main loop. */
#define NETMON_RETRY_SEC 1

struct sf_netmon {
	struct sf_iface_table *table;	/* borrowed */
	struct mnl_socket *nl;
	struct sf_nlwatch *watch;
	struct l_timeout *retry;
	uint32_t portid;
	uint32_t seq;
	bool overrun_warned;
	void *buf;
};

static const unsigned int netmon_groups[] = {
	RTNLGRP_LINK,
	RTNLGRP_IPV4_IFADDR,
	RTNLGRP_IPV6_IFADDR,
	RTNLGRP_IPV4_ROUTE,
	RTNLGRP_IPV6_ROUTE,
};

/* Routes matter only as default routes ([filter] require-default-route):
 * they are dumped per family, and only unicast ones (with strict checking,
 * the kernel skips the local table's local and broadcast routes). */
static const struct {
	uint16_t type;
	uint8_t family;
} netmon_dumps[] = {
	{ RTM_GETLINK, AF_UNSPEC },
	{ RTM_GETADDR, AF_UNSPEC },
	{ RTM_GETROUTE, AF_INET },
	{ RTM_GETROUTE, AF_INET6 },
};


static const char *msg_name(uint16_t type)
{
	switch (type) {
	case RTM_NEWLINK: return "RTM_NEWLINK";
	case RTM_DELLINK: return "RTM_DELLINK";
	case RTM_NEWADDR: return "RTM_NEWADDR";
	case RTM_DELADDR: return "RTM_DELADDR";
	case RTM_NEWROUTE: return "RTM_NEWROUTE";
	case RTM_DELROUTE: return "RTM_DELROUTE";
	}
	return "rtnetlink";
}

/* Decode one link/address/route message into the table. */
static void netmon_dispatch(struct sf_netmon *nm, const struct nlmsghdr *nlh)
{
	struct sf_rtnl_link link;
	struct sf_rtnl_addr addr;
	struct sf_rtnl_route route;
	int r;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		r = sf_rtnl_parse_link(nlh, &link);
		if (r < 0)
			break;
		if (nlh->nlmsg_type == RTM_NEWLINK)
			sf_iface_table_link_update(nm->table, &link);
		else
			sf_iface_table_link_delete(nm->table, link.ifindex);
		return;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		r = sf_rtnl_parse_addr(nlh, &addr);
		if (r < 0)
			break;
		if (nlh->nlmsg_type == RTM_NEWADDR)
			sf_iface_table_addr_update(nm->table, &addr);
		else
			sf_iface_table_addr_delete(nm->table, &addr);
		return;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		r = sf_rtnl_parse_route(nlh, &route);
		if (r < 0)
			break;
		if (nlh->nlmsg_type == RTM_NEWROUTE)
			sf_iface_table_route_update(nm->table, &route);
		else
			sf_iface_table_route_delete(nm->table, &route);
		return;
	default:
		return;
	}

	/* Other families (bridge ports, multicast routes) are not ours. */
	if (r == -EAFNOSUPPORT)
		return;
	l_warn("netmon: malformed %s message (%u bytes): %s, ignoring",
	       msg_name(nlh->nlmsg_type), nlh->nlmsg_len, strerror(-r));
}

/*
 * One recvfrom() into nm->buf. Returns the length (0: the datagram was not
 * from the kernel and is dropped), or a negative errno: -EAGAIN when nothing
 * is there (or the dump timeout expired), -ENOBUFS on overrun, -EMSGSIZE
 * when a datagram did not fit (it is lost, like an overrun).
 */
static int netmon_recv(struct sf_netmon *nm, int flags, bool *ret_multicast)
{
	struct sockaddr_nl sa;
	socklen_t sa_len = sizeof(sa);
	ssize_t n;

	do {
		n = recvfrom(mnl_socket_get_fd(nm->nl), nm->buf,
			     NETMON_BUF_SIZE, flags | MSG_TRUNC,
			     (struct sockaddr *)&sa, &sa_len);
	} while (n < 0 && errno == EINTR);

	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : SF_NEG_ERRNO();
	if (n > NETMON_BUF_SIZE)
		return -EMSGSIZE;

	/* Only the kernel may speak to us; a unicast is a dump's reply. */
	*ret_multicast = sa.nl_pid == 0 && sa.nl_groups != 0;
	if (sa.nl_pid != 0)
		return 0;
	return (int)n;
}

/*
 * Send one dump request and read up to its NLMSG_DONE, applying the
 * notifications that come in between. 0 or a negative errno; -EINTR when
 * the kernel flagged the dump as inconsistent (NLM_F_DUMP_INTR).
 */
static int netmon_dump(struct sf_netmon *nm, uint16_t type, uint8_t family)
{
	uint32_t seq = ++nm->seq;
	bool interrupted = false;
	int len;

	len = sf_rtnl_build_dump(nm->buf, NETMON_BUF_SIZE, type, family, seq);
	if (len < 0)
		return len;
	if (type == RTM_GETROUTE)
		((struct rtmsg *)mnl_nlmsg_get_payload(nm->buf))->rtm_type =
			RTN_UNICAST;
	if (mnl_socket_sendto(nm->nl, nm->buf, len) < 0)
		return SF_NEG_ERRNO();

	for (;;) {
		const struct nlmsghdr *nlh = nm->buf;
		bool multicast;
		int n;

		n = netmon_recv(nm, 0, &multicast);
		if (n == -EAGAIN)
			return -ETIMEDOUT;
		if (n < 0)
			return n;

		for (; sf_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
			if (multicast) {
				netmon_dispatch(nm, nlh);
				continue;
			}
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nm->portid)
				continue;	/* tail of an abandoned dump */
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				interrupted = true;

			if (nlh->nlmsg_type == NLMSG_DONE)
				return interrupted ? -EINTR : 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

				if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
					return -EBADMSG;
				return err->error < 0 ? err->error : -EPROTO;
			}
			netmon_dispatch(nm, nlh);
		}
	}
}

static int netmon_dump_all(struct sf_netmon *nm)
{
	size_t i;
	int r;

	sf_iface_table_resync_begin(nm->table);
	for (i = 0; i < SF_ARRAY_SIZE(netmon_dumps); i++) {
		r = netmon_dump(nm, netmon_dumps[i].type,
				netmon_dumps[i].family);
		if (r < 0)
			return r;
	}
	sf_iface_table_resync_end(nm->table);
	return 0;
}

int sf_netmon_resync(struct sf_netmon *netmon)
{
	int attempt;
	int r = -EINVAL;

	if (!netmon)
		return -EINVAL;

	for (attempt = 0; attempt < NETMON_RESYNC_ATTEMPTS; attempt++) {
		r = netmon_dump_all(netmon);
		if (r != -ENOBUFS && r != -EMSGSIZE && r != -EINTR)
			break;
		l_debug("netmon: dump disturbed (%s), dumping again",
			strerror(-r));
	}

	if (r == 0) {
		l_timeout_remove(netmon->retry);
		netmon->retry = NULL;
	}
	return r;
}

static void netmon_retry_expired(struct l_timeout *timeout, void *user_data);

/* From the main loop: re-dump now, and keep trying until it works. */
static void netmon_resync_or_retry(struct sf_netmon *nm)
{
	int r = sf_netmon_resync(nm);

	if (r >= 0)
		return;

	l_warn("netmon: re-reading interfaces failed: %s, retrying in %u s",
	       strerror(-r), NETMON_RETRY_SEC);
	if (nm->retry)
		l_timeout_modify(nm->retry, NETMON_RETRY_SEC);
	else
		nm->retry = l_timeout_create(NETMON_RETRY_SEC,
					     netmon_retry_expired, nm, NULL);
}

static void netmon_retry_expired(struct l_timeout *timeout, void *user_data)
{
	netmon_resync_or_retry(user_data);
}

static void netmon_overrun(struct sf_netmon *nm, int err)
{
	if (!nm->overrun_warned) {
		l_warn("netmon: rtnetlink notifications lost (%s), re-reading "
		       "interfaces; later overruns are logged at debug level",
		       strerror(-err));
		nm->overrun_warned = true;
	} else {
		l_debug("netmon: notifications lost (%s), re-reading",
			strerror(-err));
	}
	netmon_resync_or_retry(nm);
}

static void netmon_read(void *user_data)
{
	struct sf_netmon *nm = user_data;
	const struct nlmsghdr *nlh = nm->buf;
	bool multicast;
	int n;

	n = netmon_recv(nm, MSG_DONTWAIT, &multicast);
	if (n == -EAGAIN)
		return;
	if (n == -ENOBUFS || n == -EMSGSIZE) {
		netmon_overrun(nm, n);
		return;
	}
	if (n < 0) {
		l_warn("netmon: recv: %s, ignoring", strerror(-n));
		return;
	}
	if (!multicast)
		return;	/* a late reply to a dump we gave up on */

	for (; sf_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n))
		netmon_dispatch(nm, nlh);
}

static void netmon_set_rcvbuf(struct sf_netmon *nm)
{
	int fd = mnl_socket_get_fd(nm->nl);
	int size = NETMON_RCVBUF;

	/* FORCE ignores net.core.rmem_max but needs CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		l_warn("netmon: SO_RCVBUF %d: %s, ignoring", size,
		       strerror(errno));
}

#define NLMSG_TYPE_OFFSET	offsetof(struct nlmsghdr, nlmsg_type)
#define NLMSG_FLAGS_OFFSET	offsetof(struct nlmsghdr, nlmsg_flags)
#define RTMSG_OFFSET(field)	(sizeof(struct nlmsghdr) + \
				 offsetof(struct rtmsg, field))

/*
 * The route groups carry every route change of every table (a router's
 * full table churns all day): this socket filter lets only unicast
 * default routes through among route notifications. Every other message
 * passes, dump replies too (NLM_F_MULTI; the kernel filters them as well,
 * a datagram at a time, by its first message). Halfwords load in network
 * order: the constants they are compared with are converted alike.
 */
static int attach_route_filter(int fd)
{
	const struct sock_filter code[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, NLMSG_TYPE_OFFSET),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
				 htons(RTM_NEWROUTE), 1, 0),
		/* 2 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
				 htons(RTM_DELROUTE), 0, 6),
		/* 3 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, NLMSG_FLAGS_OFFSET),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
				 htons(NLM_F_MULTI), 4, 0),
		/* 5 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS,
				 RTMSG_OFFSET(rtm_dst_len)),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3),
		/* 7 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS,
				 RTMSG_OFFSET(rtm_type)),
		/* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RTN_UNICAST, 0, 1),
		/* 9 */ BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
		/* 10 */ BPF_STMT(BPF_RET | BPF_K, 0),
	};
	const struct sock_fprog prog = {
		.len = SF_ARRAY_SIZE(code),
		.filter = (struct sock_filter *)code,
	};

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
			  sizeof(prog)) < 0 ? SF_NEG_ERRNO() : 0;
}

static int netmon_open(struct sf_netmon *nm)
{
	struct timeval timeout = { .tv_sec = NETMON_DUMP_TIMEOUT_SEC };
	int one = 1, r;
	size_t i;

	nm->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nm->nl)
		return SF_NEG_ERRNO();

	netmon_set_rcvbuf(nm);
	if (setsockopt(mnl_socket_get_fd(nm->nl), SOL_SOCKET, SO_RCVTIMEO,
		       &timeout, sizeof(timeout)) < 0)
		return SF_NEG_ERRNO();

	if (mnl_socket_bind(nm->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return SF_NEG_ERRNO();
	nm->portid = mnl_socket_get_portid(nm->nl);

	/* Without them (before 4.20) more is read, and dropped by iface.c. */
	if (setsockopt(mnl_socket_get_fd(nm->nl), SOL_NETLINK,
		       NETLINK_GET_STRICT_CHK, &one, sizeof(one)) < 0)
		l_debug("netmon: no strict dump filters: %s", strerror(errno));
	r = attach_route_filter(mnl_socket_get_fd(nm->nl));
	if (r < 0)
		l_debug("netmon: no route notification filter: %s",
			strerror(-r));

	for (i = 0; i < SF_ARRAY_SIZE(netmon_groups); i++) {
		int group = (int)netmon_groups[i];

		if (mnl_socket_setsockopt(nm->nl, NETLINK_ADD_MEMBERSHIP,
					  &group, sizeof(group)) < 0)
			return SF_NEG_ERRNO();
	}
	return 0;
}

int sf_netmon_new(struct sf_iface_table *table, struct sf_netmon **ret_netmon)
{
	_auto_(sf_netmon_free) struct sf_netmon *nm = NULL;
	int r;

	if (!table || !ret_netmon)
		return -EINVAL;

	nm = l_new(struct sf_netmon, 1);
	nm->table = table;
	nm->buf = l_malloc(NETMON_BUF_SIZE);
	nm->seq = l_getrandom_uint32();

	r = netmon_open(nm);
	if (r < 0)
		return r;

	r = sf_netmon_resync(nm);
	if (r < 0)
		return r;

	nm->watch = sf_nlwatch_new(mnl_socket_get_fd(nm->nl), netmon_read, nm);
	if (!nm->watch)
		return -EIO;

	*ret_netmon = l_steal_ptr(nm);
	return 0;
}

void sf_netmon_free(struct sf_netmon *netmon)
{
	if (!netmon)
		return;

	sf_nlwatch_free(netmon->watch);
	l_timeout_remove(netmon->retry);
	if (netmon->nl)
		mnl_socket_close(netmon->nl);
	l_free(netmon->buf);
	l_free(netmon);
}
