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
#include "nlwatch.h"
#include "pm.h"
#include "util.h"

/* Room for bursts of thousands of events before the kernel drops any. */
#define SF_PM_EVENTS_RCVBUF (8 * 1024 * 1024)

struct sf_pm {
	const struct sf_pm_handlers *handlers;
	void *user_data;
	struct l_genl *genl;
	struct l_genl_family *family;
	unsigned int family_watch;
	struct mnl_socket *events;
	struct sf_nlwatch *events_watch;
	uint32_t family_id;
	struct sf_pm_transport transport;
	bool freeing;
	uint64_t overruns;
};

struct pm_request {
	struct sf_pm *pm;
	sf_pm_reply_func_t reply;
	void *user_data;
	bool dump;
	bool replied;
};

static void request_reply(struct pm_request *req, int error, const char *extack,
			  struct l_genl_msg *msg)
{
	req->replied = true;
	req->reply(error, extack, msg, req->user_data);
}

static void request_callback(struct l_genl_msg *msg, void *user_data)
{
	struct pm_request *req = user_data;
	int error = l_genl_msg_get_error(msg);

	if (req->replied)
		return;

	if (req->dump && error == 0) {
		req->reply(0, NULL, msg, req->user_data);
		return;
	}

	request_reply(req, error, l_genl_msg_get_extended_error(msg),
		      error ? NULL : msg);
}

static void request_destroy(void *user_data)
{
	struct pm_request *req = user_data;

	/* A dump ends here; a request torn down with the pm gets nothing. */
	if (!req->replied && !req->pm->freeing)
		request_reply(req, req->dump ? 0 : -ECANCELED, NULL, NULL);

	l_free(req);
}

static int pm_send(void *ctx, struct l_genl_msg *msg, bool dump,
		   sf_pm_reply_func_t reply, void *user_data)
{
	struct sf_pm *pm = ctx;
	struct pm_request *req;
	unsigned int id;

	if (!pm->family) {
		l_genl_msg_unref(msg);
		return -ENETDOWN;
	}

	req = l_new(struct pm_request, 1);
	req->pm = pm;
	req->reply = reply;
	req->user_data = user_data;
	req->dump = dump;

	if (dump)
		id = l_genl_family_dump(pm->family, msg, request_callback, req,
					request_destroy);
	else
		id = l_genl_family_send(pm->family, msg, request_callback, req,
					request_destroy);
	if (!id) {
		/* Neither msg nor req was taken. */
		l_genl_msg_unref(msg);
		l_free(req);
		return -EIO;
	}

	return 0;
}

static void events_read_batch(struct sf_pm *pm, const char *buf, size_t len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *) buf;
	int left = len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
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
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	bool overrun = false;

	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(pm->events), buf,
				 sizeof(buf), MSG_DONTWAIT);

		if (n > 0) {
			events_read_batch(pm, buf, n);
			continue;
		}

		if (n < 0 && errno == EINTR)
			continue;

		if (n < 0 && errno == ENOBUFS) {
			pm->overruns++;
			overrun = true;
			continue;
		}

		if (n < 0 && errno != EAGAIN)
			l_warn("mptcp_pm event socket: %s, ignoring",
			       strerror(errno));
		break;
	}

	if (overrun) {
		l_warn("mptcp_pm event socket overrun (%" PRIu64 " so far), "
		       "resyncing", pm->overruns);
		if (pm->handlers->overrun)
			pm->handlers->overrun(pm->user_data);
	}
}

/* Resolve the events group id on our own socket and join it. Blocking. */
static int events_subscribe(struct sf_pm *pm)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t seq = l_getrandom_uint32();
	int len, group;
	ssize_t n;

	len = sf_genlctrl_build_getfamily(buf, sizeof(buf), MPTCP_PM_NAME, seq);
	if (len < 0)
		return len;

	if (mnl_socket_sendto(pm->events, buf, len) < 0)
		return SF_NEG_ERRNO();

	do {
		n = mnl_socket_recvfrom(pm->events, buf, sizeof(buf));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return SF_NEG_ERRNO();

	group = sf_genlctrl_parse_group_id(buf, n, MPTCP_PM_EV_GRP_NAME);
	if (group < 0)
		return group;

	if (mnl_socket_setsockopt(pm->events, NETLINK_ADD_MEMBERSHIP,
				  &group, sizeof(group)) < 0)
		return SF_NEG_ERRNO();

	return 0;
}

static void family_appeared(const struct l_genl_family_info *info,
			    void *user_data)
{
	struct sf_pm *pm = user_data;
	int r;

	if (pm->family)
		return;

	pm->family_id = l_genl_family_info_get_id(info);
	r = events_subscribe(pm);
	if (r < 0) {
		/* Without events there is nothing to manage. */
		pm->handlers->failed(r, pm->user_data);
		return;
	}

	pm->family = l_genl_family_new(pm->genl, MPTCP_PM_NAME);
	l_debug("mptcp_pm family %u ready", pm->family_id);
	pm->handlers->ready(pm->user_data);
}

static void family_vanished(const char *name, void *user_data)
{
	struct sf_pm *pm = user_data;

	l_genl_family_free(pm->family);
	pm->family = NULL;
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

static int events_socket_open(struct sf_pm *pm)
{
	int size = events_rcvbuf();
	int fd;

	pm->events = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!pm->events)
		return SF_NEG_ERRNO();

	if (mnl_socket_bind(pm->events, 0, MNL_SOCKET_AUTOPID) < 0)
		return SF_NEG_ERRNO();

	fd = mnl_socket_get_fd(pm->events);
	/* FORCE needs CAP_NET_ADMIN, which we have; else the capped size. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));

	pm->events_watch = sf_nlwatch_new(fd, events_read, pm);
	return pm->events_watch ? 0 : -EIO;
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

	r = events_socket_open(pm);
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

	pm->freeing = true;
	l_genl_family_free(pm->family);
	if (pm->family_watch)
		l_genl_remove_family_watch(pm->genl, pm->family_watch);
	l_genl_unref(pm->genl);
	sf_nlwatch_free(pm->events_watch);
	if (pm->events)
		mnl_socket_close(pm->events);
	l_free(pm);
}

const struct sf_pm_transport *sf_pm_get_transport(struct sf_pm *pm)
{
	return &pm->transport;
}
