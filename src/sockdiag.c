/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: the sock_diag queries of sockdiag.h on one persistent, non-blocking
 * NETLINK_SOCK_DIAG socket.
 *
 * The kernel answers a sock_diag request while handling the sendmsg(), so
 * nothing here ever waits: requests queued during one loop iteration leave
 * together in one sendmsg() from an idle callback, and their answers are
 * read when the socket turns readable, matched to their query by sequence
 * number. A query may take several requests in turn (the IPv4-mapped
 * second try of a subflow lookup, a dump per family); it keeps its place
 * at the head of the queue between them.
 *
 * Exact lookups are pipelined, at most SOCKDIAG_WINDOW in flight: their
 * answers always fit the receive buffer. A dump goes out alone and the
 * queue waits behind it: the kernel runs one dump per socket at a time and
 * fills the buffer with it, where any other answer would be dropped.
 * A dump is read SOCKDIAG_RECV_BATCH buffers per loop iteration at most, so
 * that a dump of every subflow cannot hold the events socket off.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/tcp.h>

#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include <libmnl/libmnl.h>

#include "nlmsg.h"
#include "nlwatch.h"
#include "sockdiag.h"
#include "util.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

#define TCP_STATE_LISTEN	10
#define TCP_STATES_ALL		0xfffu

/* Exact lookups in flight at once: each answer is under 1 kB. */
#define SOCKDIAG_WINDOW		64
/*
 * What one recv() takes: the kernel sizes dump parts to what we read. A
 * dump fills every page of the buffer, and they stay dirty: 8 KiB, not
 * 32, costs a resync of thousands of connections four times the reads
 * and saves 24 KiB for good. flush() builds its batch in it too.
 */
#define SOCKDIAG_RECV_SIZE	8192
_Static_assert(SOCKDIAG_WINDOW * SF_SOCKDIAG_REQ_SIZE <= SOCKDIAG_RECV_SIZE,
	       "a window of requests must fit the receive buffer");
/* recv() calls per loop iteration at most. */
#define SOCKDIAG_RECV_BATCH	8
#define SOCKDIAG_RCVBUF		(1 << 20)

enum query_kind {
	QUERY_OWNER,
	QUERY_TCP,
	QUERY_LISTENING,
	QUERY_LIST,
};

struct query {
	unsigned int id;
	enum query_kind kind;
	unsigned int step;		/* which request of the query */
	uint32_t seq;			/* of the request in flight, or 0 */
	bool dump;			/* that request is a dump */
	bool cancelled;			/* answers are read and dropped */
	bool found;
	int error;			/* from a reply that did not parse */
	union {
		struct {
			uint32_t token;
			struct sf_sockdiag_owner owner;
			sf_sockdiag_owner_func_t func;
		} owner;
		struct {
			struct sf_addr local;
			struct sf_addr remote;
			int32_t ifindex;
			struct sf_subflow_stats stats;
			sf_sockdiag_stats_func_t func;
		} tcp;
		struct {
			struct sf_addr addr;
			sf_sockdiag_listening_func_t func;
		} listening;
		struct {
			sf_sockdiag_func_t sock_func;
			sf_sockdiag_done_func_t func;
		} list;
	} u;
	void *user_data;
	sf_sockdiag_destroy_func_t destroy;
};

struct sf_sockdiag {
	struct mnl_socket *nl;
	struct sf_nlwatch *watch;
	struct l_idle *kick;		/* send what is queued */
	struct l_queue *queue;		/* struct query, not sent yet */
	struct l_queue *flight;		/* struct query, awaiting answers */
	unsigned int next_id;
	uint32_t next_seq;
	bool dumping;			/* a dump is in flight */
	uint32_t draining;		/* seq of a dump whose query ended */
	bool freeing;
	char *buf;			/* SOCKDIAG_RECV_SIZE */
};

/* --- the queries' own logic ---------------------------------------------- */

static const uint8_t list_families[] = { AF_INET, AF_INET6 };
static const uint16_t list_protocols[] = { IPPROTO_MPTCP, IPPROTO_TCP };

/* The protocol the current request of q asks about. */
static uint16_t query_protocol(const struct query *q)
{
	switch (q->kind) {
	case QUERY_OWNER:
	case QUERY_LISTENING:
		return IPPROTO_MPTCP;
	case QUERY_TCP:
		return IPPROTO_TCP;
	case QUERY_LIST:
		return list_protocols[q->step / 2];
	}

	return IPPROTO_TCP;
}

/*
 * Build the request for q's current step into buf. Returns 0, 1 when q has
 * no more requests, or a negative errno.
 */
static int query_build(struct query *q, uint32_t seq, void *buf,
		       struct nlmsghdr **ret_nlh)
{
	uint8_t family;

	q->dump = false;
	switch (q->kind) {
	case QUERY_OWNER:
		if (q->step > 0)
			return 1;
		return sf_sockdiag_build_owner_query(q->u.owner.token, seq, buf,
						     ret_nlh);
	case QUERY_TCP:
		/* An IPv4 pair may be a subflow of an AF_INET6 socket. */
		if (q->step > 1 ||
		    (q->step == 1 && q->u.tcp.local.family != AF_INET))
			return 1;
		family = q->step ? AF_INET6 : q->u.tcp.local.family;
		return sf_sockdiag_build_tcp_query(family, &q->u.tcp.local,
						   &q->u.tcp.remote,
						   q->u.tcp.ifindex, seq, buf,
						   ret_nlh);
	case QUERY_LISTENING:
		/* No AF_INET socket listens on an IPv6 address. */
		if (q->step == 0 && q->u.listening.addr.family == AF_INET6)
			q->step = 1;
		if (q->step > 1)
			return 1;
		q->dump = true;
		return sf_sockdiag_build_dump(list_families[q->step],
					      IPPROTO_MPTCP,
					      1u << TCP_STATE_LISTEN, seq, buf,
					      ret_nlh);
	case QUERY_LIST:
		if (q->step >= 4)
			return 1;
		q->dump = true;
		/* Subflows: established ones only. A busy server's TIME_WAIT
		 * sockets, thousands, are no subflows of anyone's. */
		return sf_sockdiag_build_dump(list_families[q->step % 2],
					      list_protocols[q->step / 2],
					      q->step / 2 ? 1u << TCP_ESTABLISHED
							  : TCP_STATES_ALL,
					      seq, buf, ret_nlh);
	}

	return -EINVAL;
}

static bool is_wildcard(const struct sf_addr *addr)
{
	static const uint8_t zero[sizeof(struct in6_addr)];

	if (addr->family == AF_INET)
		return addr->ip.in.s_addr == 0;

	return !memcmp(&addr->ip.in6, zero, sizeof(zero));
}

/* A listener on addr's port, bound to addr or to its family's wildcard
 * (an IPv6 one also takes IPv4 unless it is v6-only). */
static bool covers(const struct sf_sockdiag_sock *sock,
		   const struct sf_addr *addr)
{
	if (sock->local.port != addr->port)
		return false;

	if (is_wildcard(&sock->local))
		return sock->local.family == addr->family ||
		       sock->local.family == AF_INET6;

	return sf_addr_ip_equal(&sock->local, addr);
}

/* One socket of an answer to q. */
static void query_sock(struct query *q, const struct sf_sockdiag_sock *sock)
{
	switch (q->kind) {
	case QUERY_OWNER:
		q->u.owner.owner.uid = sock->uid;
		q->u.owner.owner.cgroup_id = sock->cgroup_id;
		q->found = true;
		return;
	case QUERY_TCP:
		if (!sf_addr_equal(&sock->local, &q->u.tcp.local) ||
		    !sf_addr_equal(&sock->remote, &q->u.tcp.remote))
			return;
		/* A TIME_WAIT socket (no tcp_info): the subflow is gone. */
		if (!sock->has_tcp_info)
			return;
		q->u.tcp.stats = sock->tcp;
		q->found = true;
		return;
	case QUERY_LISTENING:
		if (covers(sock, &q->u.listening.addr))
			q->found = true;
		return;
	case QUERY_LIST:
		if (query_protocol(q) == IPPROTO_MPTCP || sock->is_subflow)
			q->u.list.sock_func(sock, query_protocol(q),
					    q->user_data);
		return;
	}
}

/* The outcome of q once it has no more requests to make. */
static int query_exhausted(const struct query *q)
{
	switch (q->kind) {
	case QUERY_OWNER:
	case QUERY_TCP:
		return q->found ? 0 : q->error ?: -ENOENT;
	case QUERY_LISTENING:
	case QUERY_LIST:
		break;
	}

	return 0;
}

/*
 * q's current request ended with error (0: its ack or NLMSG_DONE). Returns
 * true when q is complete, with *ret_error its outcome; false when it goes
 * on with its next request.
 */
static bool query_step_done(struct query *q, int error, int *ret_error)
{
	if (error == -ENOENT && q->kind != QUERY_LIST)
		error = 0;	/* not found: the outcome says so */

	if (error < 0) {
		*ret_error = error;
		return true;
	}

	switch (q->kind) {
	case QUERY_OWNER:
		*ret_error = query_exhausted(q);
		return true;
	case QUERY_TCP:
	case QUERY_LISTENING:
		if (q->found) {
			*ret_error = 0;
			return true;
		}
		break;
	case QUERY_LIST:
		break;
	}

	q->step++;
	return false;
}

/* The outcome, to q's caller, once; then destroy. */
static void query_finish(struct query *q, int error)
{
	if (!q->cancelled) {
		switch (q->kind) {
		case QUERY_OWNER:
			q->u.owner.func(error, error ? NULL : &q->u.owner.owner,
					q->user_data);
			break;
		case QUERY_TCP:
			q->u.tcp.func(error, error ? NULL : &q->u.tcp.stats,
				      q->user_data);
			break;
		case QUERY_LISTENING:
			q->u.listening.func(error, !error && q->found,
					    q->user_data);
			break;
		case QUERY_LIST:
			q->u.list.func(error, q->user_data);
			break;
		}

		if (q->destroy)
			q->destroy(q->user_data);
	}

	l_free(q);
}

/* --- the socket ---------------------------------------------------------- */

static bool query_by_seq(const void *data, const void *user_data)
{
	return ((const struct query *)data)->seq == L_PTR_TO_UINT(user_data);
}

static bool query_by_id(const void *data, const void *user_data)
{
	return ((const struct query *)data)->id == L_PTR_TO_UINT(user_data);
}

static void kick(struct sf_sockdiag *sd);

/* q leaves the flight; ended, or back to the head of the queue. */
static void query_landed(struct sf_sockdiag *sd, struct query *q, int error)
{
	int outcome = -ECANCELED;

	l_queue_remove(sd->flight, q);
	if (q->dump)
		sd->dumping = false;
	q->seq = 0;

	if (!query_step_done(q, error, &outcome) && !q->cancelled) {
		l_queue_push_head(sd->queue, q);
		kick(sd);
		return;
	}

	query_finish(q, outcome);
}

/* Every query in flight ends with error (lost answers). A dump in the
 * kernel goes on: its remaining parts are read and dropped. */
static void flight_fail(struct sf_sockdiag *sd, int error)
{
	struct query *q;

	while ((q = l_queue_pop_head(sd->flight))) {
		if (q->dump) {
			sd->dumping = false;
			sd->draining = q->seq;
		}
		query_finish(q, error);
	}
}

/*
 * Send every request that may go now: exact lookups up to the window, all
 * in one sendmsg(), or one dump alone.
 */
static void flush(struct sf_sockdiag *sd)
{
	/* The receive buffer, free here (flush() never runs while an
	 * answer is being read): a batch on the stack would put the
	 * callbacks below, which end queries, 8 KiB deeper, and the
	 * stack pages they touch stay dirty. */
	char *batch = sd->buf;
	struct l_queue *sent = l_queue_new();
	size_t len = 0;
	struct query *q;

	while (!sd->dumping && !sd->draining &&
	       l_queue_length(sd->flight) < SOCKDIAG_WINDOW &&
	       (q = l_queue_peek_head(sd->queue))) {
		char req[SF_SOCKDIAG_REQ_SIZE];
		struct nlmsghdr *nlh;
		int r;

		if (!++sd->next_seq)
			sd->next_seq = 1;
		r = query_build(q, sd->next_seq, req, &nlh);
		if (r != 0) {
			/* No more requests: what was found is the outcome. */
			l_queue_pop_head(sd->queue);
			query_finish(q, r == 1 ? query_exhausted(q) : r);
			continue;
		}

		/* A dump goes alone, after what is in flight. */
		if (q->dump && (len || !l_queue_isempty(sd->flight)))
			break;

		l_queue_pop_head(sd->queue);
		q->seq = sd->next_seq;
		memcpy(batch + len, nlh, nlh->nlmsg_len);
		len += MNL_ALIGN(nlh->nlmsg_len);
		l_queue_push_tail(sd->flight, q);
		l_queue_push_tail(sent, q);
		if (q->dump) {
			sd->dumping = true;
			break;
		}
	}

	if (len && mnl_socket_sendto(sd->nl, batch, len) < 0) {
		int error = SF_NEG_ERRNO();

		/* Nothing of it reached the kernel. */
		while ((q = l_queue_pop_head(sent))) {
			l_queue_remove(sd->flight, q);
			if (q->dump)
				sd->dumping = false;
			query_finish(q, error);
		}
	}

	l_queue_destroy(sent, NULL);
}

static void kick_cb(struct l_idle *idle, void *user_data)
{
	struct sf_sockdiag *sd = user_data;

	l_idle_remove(sd->kick);
	sd->kick = NULL;
	flush(sd);
}

static void kick(struct sf_sockdiag *sd)
{
	if (!sd->kick && !sd->freeing)
		sd->kick = l_idle_create(kick_cb, sd, NULL);
}

/* One message of an answer. */
static void handle_msg(struct sf_sockdiag *sd, const struct nlmsghdr *nlh)
{
	struct sf_sockdiag_sock sock;
	const char *extack;
	struct query *q;
	int error, r;

	if (nlh->nlmsg_seq == sd->draining && sd->draining) {
		if (nlh->nlmsg_type == NLMSG_DONE ||
		    nlh->nlmsg_type == NLMSG_ERROR)
			sd->draining = 0;
		return;
	}

	q = l_queue_find(sd->flight, query_by_seq,
			 L_UINT_TO_PTR(nlh->nlmsg_seq));
	if (!q)
		return;		/* an answer to a request that failed */

	r = sf_nlmsg_parse_end(nlh, &error, &extack);
	if (r == 0) {
		query_landed(sd, q, error);
		return;
	}
	if (r != -ENOMSG) {
		query_landed(sd, q, -EBADMSG);
		return;
	}

	if (q->cancelled)
		return;

	r = sf_sockdiag_parse(nlh, query_protocol(q), &sock);
	if (r < 0) {
		q->error = r;
		return;
	}

	query_sock(q, &sock);
}

static void readable(void *user_data)
{
	struct sf_sockdiag *sd = user_data;

	for (int i = 0; i < SOCKDIAG_RECV_BATCH; i++) {
		const struct nlmsghdr *nlh;
		ssize_t n;
		int left;

		n = recv(mnl_socket_get_fd(sd->nl), sd->buf, SOCKDIAG_RECV_SIZE,
			 MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			/* ENOBUFS: answers were lost; none is awaited. */
			flight_fail(sd, SF_NEG_ERRNO());
			break;
		}

		if (!sf_nlmsg_batch_ok(sd->buf, n)) {
			flight_fail(sd, -EBADMSG);
			break;
		}

		nlh = (const struct nlmsghdr *)sd->buf;
		for (left = n; sf_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left))
			handle_msg(sd, nlh);
	}

	flush(sd);
}

int sf_sockdiag_new(struct sf_sockdiag **ret_sd)
{
	_auto_(sf_sockdiag_free) struct sf_sockdiag *sd = NULL;
	int size = SOCKDIAG_RCVBUF;
	int fd;

	if (!ret_sd)
		return -EINVAL;

	sd = l_new(struct sf_sockdiag, 1);
	sd->queue = l_queue_new();
	sd->flight = l_queue_new();
	sd->nl = mnl_socket_open2(NETLINK_SOCK_DIAG,
				  SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!sd->nl)
		return SF_NEG_ERRNO();

	if (mnl_socket_bind(sd->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return SF_NEG_ERRNO();

	fd = mnl_socket_get_fd(sd->nl);
	/* The larger, privileged size when we may; the sysctl cap if not. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
		       sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));

	sd->watch = sf_nlwatch_new(fd, readable, sd);
	if (!sd->watch)
		return -ENOMEM;

	sd->buf = l_malloc(SOCKDIAG_RECV_SIZE);
	*ret_sd = sd;
	sd = NULL;
	return 0;
}

void sf_sockdiag_free(struct sf_sockdiag *sd)
{
	struct query *q;

	if (!sd)
		return;

	/* Callbacks may ask for more: refused from here on. */
	sd->freeing = true;
	l_idle_remove(sd->kick);
	sd->kick = NULL;
	while ((q = l_queue_pop_head(sd->flight)))
		query_finish(q, -ECANCELED);
	while ((q = l_queue_pop_head(sd->queue)))
		query_finish(q, -ECANCELED);
	l_queue_destroy(sd->flight, NULL);
	l_queue_destroy(sd->queue, NULL);
	sf_nlwatch_free(sd->watch);
	if (sd->nl)
		mnl_socket_close(sd->nl);
	l_free(sd->buf);
	l_free(sd);
}

bool sf_sockdiag_cancel(struct sf_sockdiag *sd, unsigned int id)
{
	struct query *q;

	if (!sd || !id)
		return false;

	q = l_queue_remove_if(sd->queue, query_by_id, L_UINT_TO_PTR(id));
	if (q) {
		q->cancelled = true;
		if (q->destroy)
			q->destroy(q->user_data);
		l_free(q);
		return true;
	}

	q = l_queue_find(sd->flight, query_by_id, L_UINT_TO_PTR(id));
	if (!q || q->cancelled)
		return false;

	/* Its answers are on their way: read and dropped, then it ends. */
	q->cancelled = true;
	if (q->destroy)
		q->destroy(q->user_data);
	return true;
}

unsigned int sf_sockdiag_pending(const struct sf_sockdiag *sd)
{
	return sd ? l_queue_length(sd->queue) + l_queue_length(sd->flight) : 0;
}

static int query_add(struct sf_sockdiag *sd, struct query *q, void *user_data,
		     sf_sockdiag_destroy_func_t destroy)
{
	if (sd->freeing) {
		l_free(q);
		return -ECANCELED;
	}

	if (++sd->next_id > INT32_MAX)
		sd->next_id = 1;
	q->id = sd->next_id;
	q->user_data = user_data;
	q->destroy = destroy;
	l_queue_push_tail(sd->queue, q);
	kick(sd);
	return (int)q->id;
}

int sf_sockdiag_query_owner(struct sf_sockdiag *sd, uint32_t token,
			    sf_sockdiag_owner_func_t func, void *user_data,
			    sf_sockdiag_destroy_func_t destroy)
{
	struct query *q;

	if (!sd || !func)
		return -EINVAL;

	q = l_new(struct query, 1);
	q->kind = QUERY_OWNER;
	q->u.owner.token = token;
	q->u.owner.func = func;
	return query_add(sd, q, user_data, destroy);
}

int sf_sockdiag_query_tcp(struct sf_sockdiag *sd, const struct sf_addr *local,
			  const struct sf_addr *remote, int32_t ifindex,
			  sf_sockdiag_stats_func_t func, void *user_data,
			  sf_sockdiag_destroy_func_t destroy)
{
	char req[SF_SOCKDIAG_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct query *q;

	if (!sd || !func || !local || !remote)
		return -EINVAL;

	/* What the builder refuses is refused now, not in the callback. */
	if (sf_sockdiag_build_tcp_query(local->family, local, remote, ifindex,
					0, req, &nlh) < 0)
		return -EINVAL;

	q = l_new(struct query, 1);
	q->kind = QUERY_TCP;
	q->u.tcp.local = *local;
	q->u.tcp.remote = *remote;
	q->u.tcp.ifindex = ifindex;
	q->u.tcp.func = func;
	return query_add(sd, q, user_data, destroy);
}

int sf_sockdiag_query_listening(struct sf_sockdiag *sd,
				const struct sf_addr *addr,
				sf_sockdiag_listening_func_t func,
				void *user_data,
				sf_sockdiag_destroy_func_t destroy)
{
	struct query *q;

	if (!sd || !func || !addr || !addr->port ||
	    (addr->family != AF_INET && addr->family != AF_INET6))
		return -EINVAL;

	q = l_new(struct query, 1);
	q->kind = QUERY_LISTENING;
	q->u.listening.addr = *addr;
	q->u.listening.func = func;
	return query_add(sd, q, user_data, destroy);
}

int sf_sockdiag_query_list(struct sf_sockdiag *sd,
			   sf_sockdiag_func_t sock_func,
			   sf_sockdiag_done_func_t done_func, void *user_data,
			   sf_sockdiag_destroy_func_t destroy)
{
	struct query *q;

	if (!sd || !sock_func || !done_func)
		return -EINVAL;

	q = l_new(struct query, 1);
	q->kind = QUERY_LIST;
	q->u.list.sock_func = sock_func;
	q->u.list.func = done_func;
	return query_add(sd, q, user_data, destroy);
}
