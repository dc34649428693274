/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <libmnl/libmnl.h>

#include "genlctrl.h"
#include "nlmsg.h"
#include "nlwatch.h"
#include "pm.h"
#include "util.h"

/* Room for bursts of thousands of events before the kernel drops any. */
#define SF_PM_EVENTS_RCVBUF (8 * 1024 * 1024)
/* One read of the command socket: what MNL_SOCKET_BUFFER_SIZE * 4 gives on
 * 4 KiB pages, without its sysconf() call on every read. */
#define SF_PM_READ_SIZE 16384
/* The mptcp_pm family's description (GETFAMILY): 360 bytes on Linux 6.18;
 * a reply that grew past this would fail loudly (ENOSPC), not be cut. */
#define SF_PM_CTRL_SIZE 4096
/* Events are read in batches, one system call each: an event is a few
 * hundred bytes (addresses, ports, ids, flags), one per datagram. */
#define SF_PM_EVENT_BATCH 16
#define SF_PM_EVENT_SIZE 1024
/* Answers pile up while a batch of events is handled (commands run in the
 * kernel as they are sent); the events loop reads them between batches. */
#define SF_PM_CMDS_RCVBUF (4 * 1024 * 1024)
/* The ring of pending requests is freed once empty when it has grown past
 * this: only a resync adopting thousands of connections at once makes it
 * that large, and kept, its pages (24 B a request) would stay dirty. */
#define SF_PM_RING_KEEP 256

struct sf_pm {
	const struct sf_pm_handlers *handlers;
	void *user_data;
	uint16_t family_id;
	struct l_idle *ready;		/* until handlers->ready has run */
	bool freeing;			/* sends are refused */
	bool reading;			/* commands_read() runs */
	struct mnl_socket *events;
	struct sf_nlwatch *events_watch;
	struct events_batch *batch;	/* from the first read on */
	uint64_t overruns;
	struct mnl_socket *cmds;
	struct sf_nlwatch *cmds_watch;
	uint32_t seq;			/* of the last command sent */
	struct pm_request *pending;	/* ring of cap (a power of 2) */
	unsigned int first, n_pending, cap;
	struct sf_pm_transport transport;
};

/*
 * Where a read of the events socket lands: set up once, as it is the same
 * for every read (recvmmsg() writes only each header's msg_len and
 * msg_flags), rather than on each wake-up, where its 16 headers cost more
 * instructions than the events they carry.
 */
struct events_batch {
	struct mmsghdr msgs[SF_PM_EVENT_BATCH];
	struct iovec iov[SF_PM_EVENT_BATCH];
	char buf[SF_PM_EVENT_BATCH][SF_PM_EVENT_SIZE];
};

/*
 * A request sent on the command socket, waiting for its end: the ack (or
 * NLMSG_DONE for a dump). Kept in a ring in the order sent, which is the
 * order the kernel answers in.
 */
struct pm_request {
	uint32_t seq;
	sf_pm_reply_func_t reply;
	void *user_data;
};

/* Find the pending request seq, or NULL. */
static struct pm_request *request_find(struct sf_pm *pm, uint32_t seq)
{
	for (unsigned int i = 0; i < pm->n_pending; i++) {
		struct pm_request *req = &pm->pending[(pm->first + i) &
						      (pm->cap - 1)];

		if (req->seq == seq)
			return req;
	}

	return NULL;
}

static struct pm_request *request_push(struct sf_pm *pm)
{
	if (pm->n_pending == pm->cap) {
		unsigned int cap = pm->cap ? pm->cap * 2 : 16;
		struct pm_request *ring = l_new(struct pm_request, cap);

		for (unsigned int i = 0; i < pm->n_pending; i++)
			ring[i] = pm->pending[(pm->first + i) & (pm->cap - 1)];
		l_free(pm->pending);
		pm->pending = ring;
		pm->cap = cap;
		pm->first = 0;
	}

	return &pm->pending[(pm->first + pm->n_pending++) & (pm->cap - 1)];
}

/* Free a large ring that is empty; the next request_push() starts over. */
static void requests_shrink(struct sf_pm *pm)
{
	if (pm->n_pending || pm->cap <= SF_PM_RING_KEEP)
		return;

	l_free(pm->pending);
	pm->pending = NULL;
	pm->cap = 0;
	pm->first = 0;
}

/*
 * Request seq ended with error (and extack). The requests sent before it
 * that are still pending lost their ends to an overrun of the command
 * socket (the kernel answers in order): they end with -ENOBUFS. seq 0
 * names no request: every pending one ends with error. Each request
 * leaves the ring before its end is passed on, so each ends exactly once,
 * and the callbacks may send more.
 */
static void request_end(struct sf_pm *pm, uint32_t seq, int error,
			const char *extack)
{
	while (pm->n_pending) {
		struct pm_request done = pm->pending[pm->first];

		pm->first = (pm->first + 1) & (pm->cap - 1);
		pm->n_pending--;

		if (done.seq == seq) {
			done.reply(error, extack, NULL, done.user_data);
			return;
		}

		done.reply(seq ? -ENOBUFS : error,
			   seq ? "the kernel's answer was lost" : extack, NULL,
			   done.user_data);
	}
}

/* A message of the answer to a pending request (a dump's entry, a
 * query's reply); anything else of the family's type is dropped. */
static void command_reply(struct sf_pm *pm, const struct nlmsghdr *nlh)
{
	struct pm_request *req = request_find(pm, nlh->nlmsg_seq);

	if (req)
		req->reply(0, NULL, nlh, req->user_data);
}

static void commands_read_batch(struct sf_pm *pm, const char *buf, size_t len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *) buf;
	int left = len;

	for (; sf_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		const char *extack;
		int error, r;

		if (nlh->nlmsg_type == pm->family_id) {
			command_reply(pm, nlh);
			continue;
		}

		r = sf_nlmsg_parse_end(nlh, &error, &extack);
		if (r < 0) {
			l_debug("unexpected message %u on the command socket: "
				"%s, ignoring", nlh->nlmsg_type, strerror(-r));
			continue;
		}

		if (request_find(pm, nlh->nlmsg_seq))
			request_end(pm, nlh->nlmsg_seq, error, extack);
	}
}

/*
 * Read the answers to our commands. all: until the socket is empty (its
 * watch saw it readable); else only while requests are pending: each
 * ends with its own message, so once none is left a further read would
 * only meet an empty socket. Returns how many times the kernel reported
 * dropping messages (ENOBUFS) meanwhile.
 */
static unsigned int commands_drain(struct sf_pm *pm, bool all)
{
	char buf[SF_PM_READ_SIZE];
	unsigned int overruns = 0;

	while (all || pm->n_pending) {
		ssize_t n = recv(mnl_socket_get_fd(pm->cmds), buf, sizeof(buf),
				 MSG_DONTWAIT);

		if (n > 0) {
			commands_read_batch(pm, buf, n);
			continue;
		}

		if (n < 0 && errno == EINTR)
			continue;

		if (n < 0 && errno == ENOBUFS) {
			overruns++;
			continue;
		}

		if (n < 0 && errno != EAGAIN)
			l_warn("mptcp_pm command socket: %s, ignoring",
			       strerror(errno));
		break;
	}

	return overruns;
}

/*
 * Pass on the answers to our commands, in order. When the socket overran,
 * the answers lost were to requests the kernel has finished (it runs each
 * one while we send it): once the queue is read empty, those still
 * pending get -ENOBUFS and the daemon resyncs, as after an events overrun.
 */
static void commands_read(struct sf_pm *pm, bool all)
{
	unsigned int overruns;

	/* Not again from a callback: answers are passed on in order. */
	if (pm->reading)
		return;

	pm->reading = true;
	overruns = commands_drain(pm, all);
	pm->reading = false;
	requests_shrink(pm);
	if (!overruns)
		return;

	l_warn("mptcp_pm command socket overrun: %u answers lost, resyncing",
	       pm->n_pending);
	request_end(pm, 0, -ENOBUFS, NULL);
	if (pm->handlers->overrun)
		pm->handlers->overrun(pm->user_data);
}

/* The command socket's watch: it is readable. */
static void commands_readable(void *user_data)
{
	commands_read(user_data, true);
}

/* The transport's read_answers: what the kernel has answered already. */
static void commands_answered(void *user_data)
{
	commands_read(user_data, false);
}

/* Commands leave at once, in order, on the command socket: no queue. */
static int pm_send(void *ctx, struct nlmsghdr *msg, bool dump,
		   sf_pm_reply_func_t reply, void *user_data)
{
	struct sf_pm *pm = ctx;
	struct pm_request *req;
	ssize_t n;

	if (pm->freeing)
		return -ESHUTDOWN;

	/* 0 never names a request (request_end() takes it for "all"). */
	if (!++pm->seq)
		pm->seq++;

	msg->nlmsg_type = pm->family_id;
	msg->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
	msg->nlmsg_seq = pm->seq;
	msg->nlmsg_pid = 0;
	do {
		n = send(mnl_socket_get_fd(pm->cmds), msg, msg->nlmsg_len, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return SF_NEG_ERRNO();

	req = request_push(pm);
	*req = (struct pm_request) {
		.seq = pm->seq,
		.reply = reply,
		.user_data = user_data,
	};
	return 0;
}

static void events_read_batch(struct sf_pm *pm, const char *buf, size_t len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *) buf;
	int left = len;

	for (; sf_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct sf_event ev;
		int r;

		if (nlh->nlmsg_type != pm->family_id)
			continue;

		r = sf_event_parse(mnl_nlmsg_get_payload(nlh),
				   mnl_nlmsg_get_payload_len(nlh), &ev);
		if (r < 0) {
			l_debug("undecodable mptcp_pm event: %s, ignoring",
				strerror(-r));
			continue;
		}

		pm->handlers->event(&ev, pm->user_data);
	}
}

static struct events_batch *events_batch_new(void)
{
	struct events_batch *b = l_new(struct events_batch, 1);

	for (unsigned int i = 0; i < SF_PM_EVENT_BATCH; i++) {
		b->iov[i] = (struct iovec) { b->buf[i], sizeof(b->buf[i]) };
		b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
		b->msgs[i].msg_hdr.msg_iovlen = 1;
	}

	return b;
}

/*
 * Read every queued event, up to SF_PM_EVENT_BATCH per system call, and
 * after each one the answers to the commands it made, before they fill
 * the command socket. Returns how many events the kernel reported
 * dropping (ENOBUFS) meanwhile, counting one too large for its slot
 * (MSG_TRUNC) as dropped.
 */
static unsigned int events_drain(struct sf_pm *pm)
{
	struct mmsghdr *msgs;
	unsigned int overruns = 0;
	int n;

	if (!pm->batch)
		pm->batch = events_batch_new();
	msgs = pm->batch->msgs;

	do {
		n = recvmmsg(mnl_socket_get_fd(pm->events), msgs,
			     SF_PM_EVENT_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				overruns++;
				continue;
			}
			if (errno != EAGAIN)
				l_warn("mptcp_pm event socket: %s, ignoring",
				       strerror(errno));
			break;
		}

		for (int i = 0; i < n; i++) {
			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				overruns++;
				continue;
			}

			events_read_batch(pm, pm->batch->buf[i],
					  msgs[i].msg_len);
			commands_read(pm, false);
		}
	/* Fewer than asked for: the queue was empty. */
	} while (n < 0 || n == SF_PM_EVENT_BATCH);

	return overruns;
}

/*
 * An overrun (ENOBUFS) means the kernel dropped events; it marks the
 * socket congested and drops further events silently until the queue has
 * been read empty. So the daemon is told to resync only once the queue is
 * drained: from then on, any new drop raises ENOBUFS again, and nothing
 * lost goes unnoticed.
 */
static void events_read(void *user_data)
{
	struct sf_pm *pm = user_data;
	unsigned int overruns;

	overruns = events_drain(pm);
	if (!overruns)
		return;

	pm->overruns += overruns;
	l_warn("mptcp_pm event socket overrun (%" PRIu64 " so far), "
	       "resyncing", pm->overruns);
	if (pm->handlers->overrun)
		pm->handlers->overrun(pm->user_data);
}

int sf_pm_join_events(struct mnl_socket *nl, int *ret_family_id)
{
	char buf[SF_PM_CTRL_SIZE];
	uint32_t seq = l_getrandom_uint32();
	int len, family, group;
	ssize_t n;

	len = sf_genlctrl_build_getfamily(buf, sizeof(buf), MPTCP_PM_NAME, seq);
	if (len < 0)
		return len;

	if (mnl_socket_sendto(nl, buf, len) < 0)
		return SF_NEG_ERRNO();

	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return SF_NEG_ERRNO();

	family = sf_genlctrl_parse_family_id(buf, n);
	if (family < 0)
		return family;

	group = sf_genlctrl_parse_group_id(buf, n, MPTCP_PM_EV_GRP_NAME);
	if (group < 0)
		return group;

	if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
		return SF_NEG_ERRNO();

	if (ret_family_id)
		*ret_family_id = family;
	return 0;
}

/*
 * The events socket's receive buffer: SF_PM_EVENTS_RCVBUF, or bytes from
 * the environment variable SUBFLOWD_EVENTS_RCVBUF (tests make it small to
 * provoke overruns; see subflowd(8) ENVIRONMENT).
 */
static int events_rcvbuf(void)
{
	const char *env = getenv("SUBFLOWD_EVENTS_RCVBUF");
	char *end;
	long size;

	if (!env)
		return SF_PM_EVENTS_RCVBUF;

	size = strtol(env, &end, 10);
	if (*end || size < 1024 || size > SF_PM_EVENTS_RCVBUF * 16L) {
		l_warn("SUBFLOWD_EVENTS_RCVBUF=%s is not 1024..%d, ignoring",
		       env, SF_PM_EVENTS_RCVBUF * 16);
		return SF_PM_EVENTS_RCVBUF;
	}

	return size;
}

/*
 * Size fd's receive buffer to rcvbuf bytes. Command answers come capped
 * (without our request echoed back) and with the kernel's extended-ack
 * text.
 */
static void socket_setup(int fd, int rcvbuf)
{
	static const int on = 1;

	/* FORCE needs CAP_NET_ADMIN, which we have; else the capped size. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* Both are optional: without them answers are only longer or
	 * without a text. */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof(on));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on));
}

static void pm_ready(struct l_idle *idle, void *user_data)
{
	struct sf_pm *pm = user_data;

	l_idle_remove(pm->ready);
	pm->ready = NULL;
	l_debug("mptcp_pm family %u ready", pm->family_id);
	pm->handlers->ready(pm->user_data);
}

/* pm over events and cmds, which it takes (and closes, even on failure). */
static int pm_new(const struct sf_pm_handlers *handlers, void *user_data,
		  struct mnl_socket *events, struct mnl_socket *cmds,
		  uint16_t family_id, uint32_t seq, struct sf_pm **ret_pm)
{
	_auto_(sf_pm_free) struct sf_pm *pm = l_new(struct sf_pm, 1);

	pm->handlers = handlers;
	pm->user_data = user_data;
	pm->events = events;
	pm->cmds = cmds;
	pm->family_id = family_id;
	pm->seq = seq;
	pm->transport.send = pm_send;
	pm->transport.ctx = pm;
	pm->transport.read_answers = commands_answered;
	if (!events || !cmds)
		return -ENOMEM;

	pm->events_watch = sf_nlwatch_new(mnl_socket_get_fd(events),
					  events_read, pm);
	pm->cmds_watch = sf_nlwatch_new(mnl_socket_get_fd(cmds),
					commands_readable, pm);
	pm->ready = l_idle_create(pm_ready, pm, NULL);
	if (!pm->events_watch || !pm->cmds_watch || !pm->ready)
		return -EIO;

	*ret_pm = pm;
	pm = NULL;
	return 0;
}

int sf_pm_new_on_sockets(const struct sf_pm_handlers *handlers,
			 void *user_data, int events_fd, int cmds_fd,
			 uint16_t family_id, uint32_t seq,
			 struct sf_pm **ret_pm)
{
	struct mnl_socket *events = mnl_socket_fdopen(events_fd);
	struct mnl_socket *cmds = mnl_socket_fdopen(cmds_fd);

	if (!events)
		close(events_fd);
	if (!cmds)
		close(cmds_fd);
	return pm_new(handlers, user_data, events, cmds, family_id, seq,
		      ret_pm);
}

/* A bound generic-netlink socket with a receive buffer of rcvbuf bytes. */
static int genl_socket_open(int rcvbuf, struct mnl_socket **ret_nl)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	int r;

	if (!nl)
		return SF_NEG_ERRNO();

	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = SF_NEG_ERRNO();
		mnl_socket_close(nl);
		return r;
	}

	socket_setup(mnl_socket_get_fd(nl), rcvbuf);
	*ret_nl = nl;
	return 0;
}

int sf_pm_new(const struct sf_pm_handlers *handlers, void *user_data,
	      struct sf_pm **ret_pm)
{
	struct mnl_socket *events, *cmds;
	int family, r;

	r = genl_socket_open(events_rcvbuf(), &events);
	if (r < 0)
		return r;

	/* Joined before anything is read: no event falls in between. */
	r = sf_pm_join_events(events, &family);
	if (r == 0)
		r = genl_socket_open(SF_PM_CMDS_RCVBUF, &cmds);
	if (r < 0) {
		mnl_socket_close(events);
		return r;
	}

	return pm_new(handlers, user_data, events, cmds, family, 0, ret_pm);
}

void sf_pm_free(struct sf_pm *pm)
{
	if (!pm)
		return;

	pm->freeing = true;
	sf_nlwatch_free(pm->events_watch);
	sf_nlwatch_free(pm->cmds_watch);
	l_idle_remove(pm->ready);
	request_end(pm, 0, -ECANCELED, NULL);
	if (pm->events)
		mnl_socket_close(pm->events);
	if (pm->cmds)
		mnl_socket_close(pm->cmds);
	l_free(pm->pending);
	l_free(pm->batch);
	l_free(pm);
}

const struct sf_pm_transport *sf_pm_get_transport(struct sf_pm *pm)
{
	return &pm->transport;
}
