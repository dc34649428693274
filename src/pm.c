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
/* One read: what MNL_SOCKET_BUFFER_SIZE * 4 gives on 4 KiB pages, without
 * its sysconf() call on every read. */
#define SF_PM_READ_SIZE 16384
/* Answers pile up while a batch of events is handled (commands run in the
 * kernel as they are sent); the events loop reads them between batches. */
#define SF_PM_CMDS_RCVBUF (4 * 1024 * 1024)

struct sf_pm {
	const struct sf_pm_handlers *handlers;
	void *user_data;
	struct l_genl *genl;		/* finds the family, watches it */
	unsigned int family_watch;
	uint32_t family_id;		/* 0 while the family is absent */
	struct mnl_socket *events;
	struct sf_nlwatch *events_watch;
	uint64_t overruns;
	struct mnl_socket *cmds;
	struct sf_nlwatch *cmds_watch;
	uint32_t seq;			/* of the last command sent */
	struct pm_request *pending;	/* ring of cap (a power of 2) */
	unsigned int first, n_pending, cap;
	struct sf_pm_transport transport;
};

/*
 * A request sent on the command socket, waiting for its end: the ack (or
 * NLMSG_DONE for a dump). Kept in a ring in the order sent, which is the
 * order the kernel answers in.
 */
struct pm_request {
	uint32_t seq;
	bool dump;
	bool replied;		/* a query's reply message was passed on */
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

/*
 * Request seq ended with error (and extack): pass it on, once. The requests
 * sent before it that are still pending lost their ends to an overrun of
 * the command socket (the kernel answers in order): they get -ENOBUFS.
 * seq 0 ends every pending request that way. Callbacks may send more.
 */
static void request_end(struct sf_pm *pm, uint32_t seq, int error,
			const char *extack)
{
	while (pm->n_pending) {
		struct pm_request done = pm->pending[pm->first];

		pm->first = (pm->first + 1) & (pm->cap - 1);
		pm->n_pending--;

		if (done.seq == seq) {
			if (!done.replied || error)
				done.reply(error, extack, NULL, done.user_data);
			return;
		}

		done.reply(-ENOBUFS, "the kernel's answer was lost", NULL,
			   done.user_data);
	}
}

/* A reply of the family to request seq: an entry of a dump or the answer
 * to a query. */
static void command_reply(struct sf_pm *pm, const struct nlmsghdr *nlh)
{
	struct pm_request *req = request_find(pm, nlh->nlmsg_seq);
	struct l_genl_msg *msg;

	if (!req || (!req->dump && req->replied))
		return;

	msg = l_genl_msg_new_from_data(nlh, nlh->nlmsg_len);
	if (!msg)
		return;

	req->replied = !req->dump;
	req->reply(0, NULL, msg, req->user_data);
	l_genl_msg_unref(msg);
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

typedef void (*batch_func_t)(struct sf_pm *pm, const char *buf, size_t len);

/*
 * Read nl (the socket named what) until it is empty, handing each batch of
 * messages to batch. Returns how many times the kernel reported dropping
 * messages (ENOBUFS) meanwhile.
 */
static unsigned int socket_drain(struct sf_pm *pm, struct mnl_socket *nl,
				 const char *what, batch_func_t batch)
{
	char buf[SF_PM_READ_SIZE];
	unsigned int overruns = 0;

	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl), buf, sizeof(buf),
				 MSG_DONTWAIT);

		if (n > 0) {
			batch(pm, buf, n);
			continue;
		}

		if (n < 0 && errno == EINTR)
			continue;

		if (n < 0 && errno == ENOBUFS) {
			overruns++;
			continue;
		}

		if (n < 0 && errno != EAGAIN)
			l_warn("mptcp_pm %s socket: %s, ignoring", what,
			       strerror(errno));
		return overruns;
	}
}

/*
 * Read the answers to our commands. When the socket overran, the answers
 * lost were to requests the kernel has finished (it runs each one while we
 * send it): once the queue is read empty, those still pending get -ENOBUFS
 * and the daemon resyncs, as after an events overrun.
 */
static void commands_read(void *user_data)
{
	struct sf_pm *pm = user_data;

	if (!socket_drain(pm, pm->cmds, "command", commands_read_batch))
		return;

	l_warn("mptcp_pm command socket overrun: %u answers lost, resyncing",
	       pm->n_pending);
	request_end(pm, 0, -ENOBUFS, NULL);
	if (pm->handlers->overrun)
		pm->handlers->overrun(pm->user_data);
}

/* Commands leave at once, in order, on the command socket: no queue. */
static int pm_send(void *ctx, struct l_genl_msg *msg, bool dump,
		   sf_pm_reply_func_t reply, void *user_data)
{
	struct sf_pm *pm = ctx;
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
	struct pm_request *req;
	const void *data;
	size_t size;
	ssize_t n;
	int r;

	if (!pm->family_id) {
		l_genl_msg_unref(msg);
		return -ENETDOWN;
	}

	/* 0 never names a request (request_end() takes it for "all"). */
	if (!++pm->seq)
		pm->seq++;

	data = l_genl_msg_to_data(msg, pm->family_id, flags, pm->seq, 0,
				  &size);
	if (!data) {
		l_genl_msg_unref(msg);
		return -ENOMEM;
	}

	do {
		n = send(mnl_socket_get_fd(pm->cmds), data, size, 0);
	} while (n < 0 && errno == EINTR);
	r = n < 0 ? SF_NEG_ERRNO() : 0;
	l_genl_msg_unref(msg);
	if (r < 0)
		return r;

	req = request_push(pm);
	*req = (struct pm_request) {
		.seq = pm->seq,
		.dump = dump,
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

/* A batch of events, then the answers to the commands it made: read now,
 * before they fill the command socket (the socket's own watch reads them
 * otherwise). */
static void events_and_answers(struct sf_pm *pm, const char *buf, size_t len)
{
	events_read_batch(pm, buf, len);
	if (pm->n_pending)
		commands_read(pm);
}

/*
 * Read every queued event. An overrun (ENOBUFS) means the kernel dropped
 * events; it marks the socket congested and drops further events silently
 * until the queue has been read empty. So the daemon is told to resync only
 * once the queue is drained: from then on, any new drop raises ENOBUFS
 * again, and nothing lost goes unnoticed.
 */
static void events_read(void *user_data)
{
	struct sf_pm *pm = user_data;
	unsigned int overruns;

	overruns = socket_drain(pm, pm->events, "event", events_and_answers);
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
	char buf[SF_PM_READ_SIZE];
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

static void family_appeared(const struct l_genl_family_info *info,
			    void *user_data)
{
	struct sf_pm *pm = user_data;
	int r;

	if (pm->family_id)
		return;

	r = sf_pm_join_events(pm->events, NULL);
	if (r < 0) {
		/* Without events there is nothing to manage. */
		pm->handlers->failed(r, pm->user_data);
		return;
	}

	pm->family_id = l_genl_family_info_get_id(info);
	l_debug("mptcp_pm family %u ready", pm->family_id);
	pm->handlers->ready(pm->user_data);
}

static void family_vanished(const char *name, void *user_data)
{
	struct sf_pm *pm = user_data;

	pm->family_id = 0;
	if (pm->handlers->vanished)
		pm->handlers->vanished(pm->user_data);
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
 * A generic-netlink socket of ours with a receive buffer of rcvbuf bytes,
 * watched with read. Command answers come capped (without our request
 * echoed back) and with the kernel's extended-ack text.
 */
static int socket_open(struct sf_pm *pm, int rcvbuf, sf_nlwatch_read_func_t read,
		       struct mnl_socket **ret_nl, struct sf_nlwatch **ret_watch)
{
	static const int on = 1;
	int fd;

	*ret_nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!*ret_nl)
		return SF_NEG_ERRNO();

	if (mnl_socket_bind(*ret_nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return SF_NEG_ERRNO();

	fd = mnl_socket_get_fd(*ret_nl);
	/* FORCE needs CAP_NET_ADMIN, which we have; else the capped size. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* Both are optional: without them answers are only longer or
	 * without a text. */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof(on));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on));

	*ret_watch = sf_nlwatch_new(fd, read, pm);
	return *ret_watch ? 0 : -EIO;
}

int sf_pm_new(const struct sf_pm_handlers *handlers, void *user_data,
	      struct sf_pm **ret_pm)
{
	_auto_(sf_pm_free) struct sf_pm *pm = l_new(struct sf_pm, 1);
	int r;

	pm->handlers = handlers;
	pm->user_data = user_data;
	pm->transport.send = pm_send;
	pm->transport.ctx = pm;

	r = socket_open(pm, events_rcvbuf(), events_read, &pm->events,
			&pm->events_watch);
	if (r < 0)
		return r;

	r = socket_open(pm, SF_PM_CMDS_RCVBUF, commands_read, &pm->cmds,
			&pm->cmds_watch);
	if (r < 0)
		return r;

	pm->genl = l_genl_new();
	if (!pm->genl)
		return -EIO;

	pm->family_watch = l_genl_add_family_watch(pm->genl, MPTCP_PM_NAME,
						   family_appeared,
						   family_vanished, pm, NULL);
	if (!l_genl_request_family(pm->genl, MPTCP_PM_NAME, family_appeared,
				   pm, NULL))
		return -EIO;

	*ret_pm = pm;
	pm = NULL;
	return 0;
}

void sf_pm_free(struct sf_pm *pm)
{
	if (!pm)
		return;

	/* Requests still pending get no answer: their users go with us. */
	if (pm->family_watch)
		l_genl_remove_family_watch(pm->genl, pm->family_watch);
	l_genl_unref(pm->genl);
	sf_nlwatch_free(pm->events_watch);
	if (pm->events)
		mnl_socket_close(pm->events);
	sf_nlwatch_free(pm->cmds_watch);
	if (pm->cmds)
		mnl_socket_close(pm->cmds);
	l_free(pm->pending);
	l_free(pm);
}

const struct sf_pm_transport *sf_pm_get_transport(struct sf_pm *pm)
{
	return &pm->transport;
}
