/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: the rtnetlink socket (libmnl) feeding the interface table.
 *
 * Only the start-up dump blocks: sf_netmon_new() reads links, addresses
 * and routes with blocking recv() calls, each bounded by SO_RCVTIMEO
 * (NETMON_DUMP_TIMEOUT_SEC), so that the table is whole before the daemon
 * acts on it. That runs before the main loop, when no other socket has
 * anything to be served yet, and the kernel answers a dump at once.
 *
 * From the main loop nothing waits: netmon_read() takes what is queued with
 * MSG_DONTWAIT, NETMON_READ_BATCH datagrams per call at most (the watch is
 * level-triggered and calls again), so that a flood of notifications cannot
 * hold the other sockets off.
 *
 * A dump is a state machine driven by those reads (the start-up dump's
 * replies are awaited with blocking ones). An attempt marks the table stale
 * (sf_iface_table_resync_begin()), sends the requests of netmon_dumps[]
 * one after the other (the kernel runs one dump per socket at a time and
 * answers EBUSY to a second), applies their replies and the multicast
 * notifications among them in the order received, and after the last
 * NLMSG_DONE ends the resync (sf_iface_table_resync_end()).
 *
 * A request leaves only when a read has found the socket empty. Once it has
 * overrun, the kernel drops every notification for the socket, and says so
 * no more, until its queue has been emptied (NETLINK_S_CONGESTED): a dump
 * sent earlier could miss a change that no notification would tell either.
 *
 * An overrun or NLM_F_DUMP_INTR disturbs the attempt: the request under way
 * is read to its NLMSG_DONE (the kernel goes on dumping through an overrun)
 * and the attempt starts again, marking the table stale anew. After
 * NETMON_RESYNC_ATTEMPTS disturbed attempts in a row, an error reply, a
 * failed send, or a request that nothing answers for
 * NETMON_DUMP_TIMEOUT_SEC (ahead of its first reply there is at most a
 * receive buffer of notifications, read in milliseconds), the next attempt
 * starts NETMON_RETRY_SEC later from a timer; at start-up, sf_netmon_new()
 * fails instead. Meanwhile the table keeps what it knows, and notifications
 * still apply.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/mman.h>
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
 * dump's batches to what recvmsg() accepts. Not smaller to save its
 * touched pages: read 4 KiB at a time, Linux 6.18 leaves a link whose
 * message does not fit (6 kB with 40 altnames) out of a dump, silently,
 * and ends it with NLMSG_DONE as if whole. Its own mapping instead, whose
 * pages go back to the kernel after each read (netmon_buf_release()). */
#define NETMON_BUF_SIZE 65536
#define NETMON_RCVBUF (4 * 1024 * 1024)
/* A dump request that nothing answers for this long has failed. */
#define NETMON_DUMP_TIMEOUT_SEC 5
/* A dump disturbed by another overrun is tried this many times in a row... */
#define NETMON_RESYNC_ATTEMPTS 3
/* ...then again after this long, from a timer; so is one that failed. */
#define NETMON_RETRY_SEC 1
/* Datagrams netmon_read() takes per call at most. */
#define NETMON_READ_BATCH 256

struct sf_netmon {
	struct sf_iface_table *table;	/* borrowed */
	struct mnl_socket *nl;
	/* NULL during the start-up dump, which neither arms the timer nor
	 * warns. */
	struct sf_nlwatch *watch;
	/* While a request is under way, its deadline; otherwise, when set,
	 * the start of the next attempt. */
	struct l_timeout *timer;
	uint32_t portid;
	uint32_t seq;			/* of the last request sent */
	int dump;			/* index in netmon_dumps[], or -1 */
	bool sent;			/* its request is out */
	int disturbed;			/* 0, or why the attempt starts over */
	unsigned int attempts;		/* disturbed attempts in a row */
	int error;			/* why the last attempt failed, or 0 */
	bool overrun_warned;
	bool error_warned;
	bool tell_done;			/* a warning awaits its happy end */
	void *buf;			/* what recv() reads */
	bool buf_spent;			/* read into: release its pages */
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
 * is there (or the start-up read timed out), -ENOBUFS on overrun, -EMSGSIZE
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
	/* Written, even if refused below: its pages go back after. */
	nm->buf_spent = true;
	if (n > NETMON_BUF_SIZE)
		return -EMSGSIZE;

	/* Only the kernel may speak to us; a unicast is a dump's reply. */
	*ret_multicast = sa.nl_pid == 0 && sa.nl_groups != 0;
	if (sa.nl_pid != 0)
		return 0;
	return (int)n;
}

static void netmon_timer_expired(struct l_timeout *timeout, void *user_data);

/* Arm the timer; not at start-up, where SO_RCVTIMEO bounds each read. */
static void netmon_timer_set(struct sf_netmon *nm, unsigned int seconds)
{
	if (!nm->watch)
		return;

	if (nm->timer)
		l_timeout_modify(nm->timer, seconds);
	else
		nm->timer = l_timeout_create(seconds, netmon_timer_expired, nm,
					     NULL);
}

/* The attempt failed: the next starts NETMON_RETRY_SEC from now. */
static void netmon_give_up(struct sf_netmon *nm, int err)
{
	nm->dump = -1;
	nm->sent = false;
	nm->disturbed = 0;
	nm->attempts = 0;
	nm->error = err;
	if (!nm->watch)
		return;		/* sf_netmon_new() fails with err */

	if (!nm->error_warned) {
		l_warn("netmon: re-reading interfaces failed: %s, retrying "
		       "every %u s", strerror(-err), NETMON_RETRY_SEC);
		nm->error_warned = true;
		nm->tell_done = true;
	} else {
		l_debug("netmon: re-reading interfaces failed: %s, retrying "
			"in %u s", strerror(-err), NETMON_RETRY_SEC);
	}
	netmon_timer_set(nm, NETMON_RETRY_SEC);
}

/* Send the request of netmon_dumps[nm->dump]. */
static void netmon_send(struct sf_netmon *nm)
{
	union {
		struct nlmsghdr nlh;
		uint8_t buf[64];
	} req;
	int len;

	len = sf_rtnl_build_dump(&req, sizeof(req),
				 netmon_dumps[nm->dump].type,
				 netmon_dumps[nm->dump].family, ++nm->seq);
	if (len < 0) {
		netmon_give_up(nm, len);
		return;
	}
	if (req.nlh.nlmsg_type == RTM_GETROUTE)
		((struct rtmsg *)mnl_nlmsg_get_payload(&req.nlh))->rtm_type =
			RTN_UNICAST;
	if (mnl_socket_sendto(nm->nl, &req, len) < 0) {
		netmon_give_up(nm, SF_NEG_ERRNO());
		return;
	}

	nm->sent = true;
	netmon_timer_set(nm, NETMON_DUMP_TIMEOUT_SEC);
}

/* Mark the table stale; the first request leaves once the socket is empty. */
static void netmon_attempt(struct sf_netmon *nm)
{
	nm->dump = 0;
	nm->sent = false;
	nm->disturbed = 0;
	sf_iface_table_resync_begin(nm->table);
}

static void netmon_resync_start(struct sf_netmon *nm)
{
	nm->attempts = 0;
	nm->error = 0;
	netmon_attempt(nm);
}

static void netmon_resync_done(struct sf_netmon *nm)
{
	nm->dump = -1;
	nm->attempts = 0;
	nm->error = 0;
	nm->error_warned = false;
	l_timeout_remove(nm->timer);
	nm->timer = NULL;

	sf_iface_table_resync_end(nm->table);

	if (nm->tell_done)
		l_info("netmon: interfaces re-read");
	else
		l_debug("netmon: interfaces re-read");
	nm->tell_done = false;
}

/*
 * The request under way ended: NLMSG_DONE (done) or NLMSG_ERROR, with
 * error. Go on with the next dump, start the attempt over, finish, or give
 * up.
 */
static void netmon_dump_end(struct sf_netmon *nm, bool done, int error)
{
	/* Could not queue a part for want of room: the kernel goes on with
	 * the dump once we have read, up to its NLMSG_DONE. */
	if (!done && error == -ENOBUFS) {
		if (!nm->disturbed)
			nm->disturbed = error;
		return;
	}
	if (!done && error == 0)
		error = -EPROTO;	/* an ack is no answer to a dump */
	if (error < 0) {
		netmon_give_up(nm, error);
		return;
	}

	if (nm->disturbed) {
		if (++nm->attempts >= NETMON_RESYNC_ATTEMPTS) {
			netmon_give_up(nm, nm->disturbed);
			return;
		}
		l_debug("netmon: dump disturbed (%s), dumping again",
			strerror(-nm->disturbed));
		netmon_attempt(nm);
		return;
	}

	/* The next request leaves once the socket is empty. */
	nm->sent = false;
	if (++nm->dump < (int)SF_ARRAY_SIZE(netmon_dumps))
		return;
	netmon_resync_done(nm);
}

/*
 * Notifications were lost. During a dump, its attempt starts over once the
 * request under way is done (before the attempt's first request, the dumps
 * to come tell everything anyway); otherwise a re-dump starts now, unless
 * one is due from the timer anyway.
 */
static void netmon_overrun(struct sf_netmon *nm, int err)
{
	if (nm->dump >= 0) {
		l_debug("netmon: notifications lost (%s) during a dump",
			strerror(-err));
		if ((nm->dump > 0 || nm->sent) && !nm->disturbed)
			nm->disturbed = err;
		return;
	}

	if (!nm->overrun_warned) {
		l_warn("netmon: rtnetlink notifications lost (%s), re-reading "
		       "interfaces; later overruns are logged at debug level",
		       strerror(-err));
		nm->overrun_warned = true;
		nm->tell_done = true;
	} else {
		l_debug("netmon: notifications lost (%s), re-reading",
			strerror(-err));
	}

	if (!nm->timer)
		netmon_resync_start(nm);
}

/* Apply one datagram of n bytes in nm->buf, received from the kernel. */
static void netmon_take(struct sf_netmon *nm, int n, bool multicast)
{
	const struct nlmsghdr *nlh = nm->buf;

	for (; sf_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
		const char *extack;
		int error, r;

		if (multicast) {
			netmon_dispatch(nm, nlh);
			continue;
		}
		if (nm->dump < 0 || !nm->sent || nlh->nlmsg_seq != nm->seq ||
		    nlh->nlmsg_pid != nm->portid)
			continue;	/* tail of an abandoned dump */
		if (nlh == nm->buf)	/* the dump goes on: a new deadline */
			netmon_timer_set(nm, NETMON_DUMP_TIMEOUT_SEC);

		if ((nlh->nlmsg_flags & NLM_F_DUMP_INTR) && !nm->disturbed)
			nm->disturbed = -EINTR;

		r = sf_nlmsg_parse_end(nlh, &error, &extack);
		if (r == -ENOMSG) {
			netmon_dispatch(nm, nlh);
			continue;
		}
		/* Nothing of the request follows its end. */
		netmon_dump_end(nm, nlh->nlmsg_type == NLMSG_DONE,
				r < 0 ? r : error);
		return;
	}
}

/* What netmon_recv() returned: 0, or the negative errno of a failed read
 * (an overrun is no failure). */
static int netmon_handle(struct sf_netmon *nm, int n, bool multicast)
{
	if (n == -ENOBUFS || n == -EMSGSIZE) {
		netmon_overrun(nm, n);
		return 0;
	}
	if (n < 0)
		return n;

	netmon_take(nm, n, multicast);
	return 0;
}

/*
 * A dump's batches fill many of the buffer's pages, a notification one or
 * two; the content is dead once read. So after each round of reads the
 * pages go back to the kernel (they read as zeros when touched again): an
 * idle daemon keeps neither its start-up dump's 30-odd kB nor the page
 * the last notification filled. Not from inside a read, where the caller
 * still walks the buffer. Notifications are rare (links, addresses,
 * default routes): one madvise() each costs nothing that matters.
 */
static void netmon_buf_release(struct sf_netmon *nm)
{
	if (!nm->buf_spent)
		return;

	nm->buf_spent = false;
	if (madvise(nm->buf, NETMON_BUF_SIZE, MADV_DONTNEED) < 0)
		l_debug("netmon: madvise: %s", strerror(errno));
}

static void netmon_read_batch(struct sf_netmon *nm)
{
	unsigned int i;

	for (i = 0; i < NETMON_READ_BATCH; i++) {
		bool multicast = false;
		int n, r;

		n = netmon_recv(nm, MSG_DONTWAIT, &multicast);
		if (n == -EAGAIN) {
			if (nm->dump >= 0 && !nm->sent)
				netmon_send(nm);
			return;
		}

		r = netmon_handle(nm, n, multicast);
		if (r < 0) {
			l_warn("netmon: recv: %s, ignoring", strerror(-r));
			return;
		}
	}
}

static void netmon_read(void *user_data)
{
	struct sf_netmon *nm = user_data;

	netmon_read_batch(nm);
	netmon_buf_release(nm);
}

static void netmon_timer_expired(struct l_timeout *timeout, void *user_data)
{
	struct sf_netmon *nm = user_data;

	if (nm->dump >= 0) {
		netmon_give_up(nm, -ETIMEDOUT);
		return;
	}

	/* Empty the socket and send the first request, if nothing else
	 * is there to make the watch fire. */
	netmon_resync_start(nm);
	netmon_read(nm);
}

/* The start-up dump, its replies read with blocking recv() calls. */
static int netmon_dump_now(struct sf_netmon *nm)
{
	netmon_resync_start(nm);
	while (nm->dump >= 0) {
		bool multicast = false;
		int n;

		n = netmon_recv(nm, nm->sent ? 0 : MSG_DONTWAIT, &multicast);
		if (n == -EAGAIN && !nm->sent) {
			netmon_send(nm);
			continue;
		}
		if (n == -EAGAIN)
			return -ETIMEDOUT;

		n = netmon_handle(nm, n, multicast);
		if (n < 0)
			return n;
	}
	netmon_buf_release(nm);
	return nm->error;
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
	nm->buf = mmap(NULL, NETMON_BUF_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (nm->buf == MAP_FAILED) {
		nm->buf = NULL;
		return -ENOMEM;
	}
	nm->seq = l_getrandom_uint32();
	nm->dump = -1;

	r = netmon_open(nm);
	if (r < 0)
		return r;

	r = netmon_dump_now(nm);
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

	/*
	 * Closing the socket ends a dump under way in the kernel. The table
	 * keeps the stale marks of its resync_begin, which only a
	 * resync_end acts on: nothing is forgotten, nothing reported.
	 */
	sf_nlwatch_free(netmon->watch);
	l_timeout_remove(netmon->timer);
	if (netmon->nl)
		mnl_socket_close(netmon->nl);
	if (netmon->buf)
		munmap(netmon->buf, NETMON_BUF_SIZE);
	l_free(netmon);
}
