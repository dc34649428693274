/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Our listeners exist for MP_JOINs, which the kernel attaches to their
 * connection without ever queueing them for accept(). What does reach the
 * accept queue is a new connection to an address and port that only we
 * listen on: no application serves it, so it is accepted and reset at once
 * instead of being left to hang in the backlog until the peer gives up.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "listener.h"
#include "util.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

/* Backlog of our listeners: new connections are refused as they come. */
#define SF_LISTENER_BACKLOG 4

struct listener {
	struct sf_addr addr;
	struct l_io *io;	/* owns the socket */
	unsigned int id;
	unsigned int refs;	/* connections that keep it */
};

/* What sock_diag said of an address taken by a socket not ours. */
struct verdict {
	struct sf_addr addr;
	bool covered;		/* by an MPTCP listener */
	uint64_t until;		/* l_time_now() */
};

struct waiter {
	sf_listeners_func_t func;
	void *user_data;
	sf_sockdiag_destroy_func_t destroy;
};

/* A sock_diag check in progress for a taken address. */
struct check {
	struct sf_listeners *ls;
	struct sf_sockdiag *sd;
	unsigned int query;
	struct sf_addr addr;
	struct l_queue *waiters;	/* struct waiter */
};

/* The listeners one connection keeps, by id. */
struct keeper {
	unsigned int n;
	unsigned int ids[];
};

struct sf_listeners {
	struct l_queue *list;		/* struct listener */
	struct l_queue *verdicts;	/* struct verdict */
	struct l_queue *checks;		/* struct check */
	/* token -> struct keeper; NULL until the first */
	struct l_hashmap *keepers;
	unsigned int next_id;
};

static void listener_free(void *data)
{
	struct listener *l = data;

	l_io_destroy(l->io);
	l_free(l);
}

static bool listener_readable(struct l_io *io, void *user_data)
{
	const struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	int fd;

	while ((fd = accept4(l_io_get_fd(io), NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		/* A reset tells the peer at once that nobody serves it. */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
		close(fd);
		l_debug("refused a new connection on a join-only listener");
	}

	return true;
}

struct sf_listeners *sf_listeners_new(void)
{
	struct sf_listeners *ls = l_new(struct sf_listeners, 1);

	ls->list = l_queue_new();
	ls->verdicts = l_queue_new();
	ls->checks = l_queue_new();
	return ls;
}

/* Every waiter of check hears error once, then the check is freed. */
static void check_end(struct check *check, int error)
{
	struct waiter *w;

	l_queue_remove(check->ls->checks, check);
	while ((w = l_queue_pop_head(check->waiters))) {
		w->func(error, w->user_data);
		if (w->destroy)
			w->destroy(w->user_data);
		l_free(w);
	}

	l_queue_destroy(check->waiters, NULL);
	l_free(check);
}

void sf_listeners_free(struct sf_listeners *ls)
{
	if (!ls)
		return;

	while (!l_queue_isempty(ls->checks)) {
		struct check *check = l_queue_peek_head(ls->checks);

		sf_sockdiag_cancel(check->sd, check->query);
		check_end(check, -ECANCELED);
	}
	l_queue_destroy(ls->checks, NULL);
	l_queue_destroy(ls->list, listener_free);
	l_queue_destroy(ls->verdicts, l_free);
	l_hashmap_destroy(ls->keepers, l_free);
	l_free(ls);
}

static bool listener_is(const void *data, const void *user_data)
{
	const struct listener *l = data;

	return sf_addr_equal(&l->addr, user_data);
}

static bool listener_has_id(const void *data, const void *user_data)
{
	return ((const struct listener *)data)->id == L_PTR_TO_UINT(user_data);
}

static bool verdict_is(const void *data, const void *user_data)
{
	const struct verdict *v = data;

	return sf_addr_equal(&v->addr, user_data);
}

static bool check_is(const void *data, const void *user_data)
{
	const struct check *c = data;

	return sf_addr_equal(&c->addr, user_data);
}

static socklen_t to_sockaddr(const struct sf_addr *addr,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));

	if (addr->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *) ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(addr->port);
		sin->sin_addr = addr->ip.in;
		return sizeof(*sin);
	}

	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(addr->port);
	sin6->sin6_addr = addr->ip.in6;
	return sizeof(*sin6);
}

/* token keeps l (once). */
static void keep(struct sf_listeners *ls, struct listener *l, uint32_t token)
{
	struct keeper *k = l_hashmap_lookup(ls->keepers, L_UINT_TO_PTR(token));
	unsigned int n = k ? k->n : 0;

	if (!token)
		return;

	for (unsigned int i = 0; i < n; i++)
		if (k->ids[i] == l->id)
			return;

	k = l_realloc(l_hashmap_remove(ls->keepers, L_UINT_TO_PTR(token)),
		      sizeof(*k) + (n + 1) * sizeof(k->ids[0]));
	k->n = n + 1;
	k->ids[n] = l->id;
	if (!ls->keepers)
		ls->keepers = l_hashmap_new();
	l_hashmap_insert(ls->keepers, L_UINT_TO_PTR(token), k);
	l->refs++;
}

/* What sock_diag said of addr lately, or NULL. */
static const struct verdict *verdict_find(struct sf_listeners *ls,
					  const struct sf_addr *addr)
{
	struct verdict *v = l_queue_find(ls->verdicts, verdict_is, addr);

	if (v && l_time_after(l_time_now(), v->until)) {
		l_queue_remove(ls->verdicts, v);
		l_free(v);
		v = NULL;
	}

	return v;
}

static void check_done(int error, bool listening, void *user_data)
{
	struct check *check = user_data;
	struct sf_listeners *ls = check->ls;
	struct verdict *v;

	if (!error) {
		v = l_queue_remove_if(ls->verdicts, verdict_is, &check->addr);
		if (!v)
			v = l_new(struct verdict, 1);
		v->addr = check->addr;
		v->covered = listening;
		v->until = l_time_offset(l_time_now(), SF_LISTENERS_VERDICT_MS *
					 L_USEC_PER_MSEC);
		l_queue_push_tail(ls->verdicts, v);
		error = listening ? 0 : -EADDRINUSE;
	}

	check_end(check, error);
}

/* Ask sd who holds addr; func hears it. */
static int check_start(struct sf_listeners *ls, struct sf_sockdiag *sd,
		       const struct sf_addr *addr, sf_listeners_func_t func,
		       void *user_data, sf_sockdiag_destroy_func_t destroy)
{
	struct check *check = l_queue_find(ls->checks, check_is, addr);
	struct waiter *w;
	int r;

	if (!func)
		return -EINVAL;

	if (!check) {
		check = l_new(struct check, 1);
		check->ls = ls;
		check->sd = sd;
		check->addr = *addr;
		r = sf_sockdiag_query_listening(sd, addr, check_done, check,
						NULL);
		if (r < 0) {
			l_free(check);
			return r;
		}
		check->query = r;
		check->waiters = l_queue_new();
		l_queue_push_tail(ls->checks, check);
	}

	w = l_new(struct waiter, 1);
	w->func = func;
	w->user_data = user_data;
	w->destroy = destroy;
	l_queue_push_tail(check->waiters, w);
	return -EINPROGRESS;
}

int sf_listeners_ensure(struct sf_listeners *ls, struct sf_sockdiag *sd,
			const struct sf_addr *addr, uint32_t token,
			sf_listeners_func_t func, void *user_data,
			sf_sockdiag_destroy_func_t destroy)
{
	const struct verdict *v;
	struct sockaddr_storage ss;
	struct listener *l;
	socklen_t len;
	int fd, r, one = 1;

	if (!ls || !addr || !addr->port ||
	    (addr->family != AF_INET && addr->family != AF_INET6))
		return -EINVAL;

	l = l_queue_find(ls->list, listener_is, addr);
	if (l) {
		keep(ls, l, token);
		return 0;
	}

	v = verdict_find(ls, addr);
	if (v)
		return v->covered ? 0 : -EADDRINUSE;

	/* sock_diag is being asked already: wait for the same answer. */
	if (sd && l_queue_find(ls->checks, check_is, addr))
		return check_start(ls, sd, addr, func, user_data, destroy);

	fd = socket(addr->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    IPPROTO_MPTCP);
	if (fd < 0)
		return SF_NEG_ERRNO();

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));

	len = to_sockaddr(addr, &ss);
	if (bind(fd, (struct sockaddr *) &ss, len) < 0 ||
	    listen(fd, SF_LISTENER_BACKLOG) < 0) {
		r = SF_NEG_ERRNO();
		close(fd);
		if (r != -EADDRINUSE || !sd)
			return r;

		/* Taken: by the application's own MPTCP listener, which
		 * covers it, or by something else (a plain TCP listener),
		 * where joins would fail. */
		return check_start(ls, sd, addr, func, user_data, destroy);
	}

	l = l_new(struct listener, 1);
	l->addr = *addr;
	l->io = l_io_new(fd);
	if (!l->io) {
		close(fd);
		l_free(l);
		return -ENOMEM;
	}

	if (!++ls->next_id)
		ls->next_id = 1;
	l->id = ls->next_id;
	l_io_set_close_on_destroy(l->io, true);
	l_io_set_read_handler(l->io, listener_readable, l, NULL);
	l_queue_push_tail(ls->list, l);
	keep(ls, l, token);
	return 0;
}

void sf_listeners_release(struct sf_listeners *ls, uint32_t token)
{
	struct keeper *k = l_hashmap_remove(ls->keepers, L_UINT_TO_PTR(token));
	struct listener *l;

	if (!k)
		return;

	for (unsigned int i = 0; i < k->n; i++) {
		l = l_queue_find(ls->list, listener_has_id,
				 L_UINT_TO_PTR(k->ids[i]));
		/* Gone with its address, perhaps. */
		if (l && !--l->refs) {
			l_queue_remove(ls->list, l);
			listener_free(l);
		}
	}

	l_free(k);
}

static bool listener_on_ip(void *data, void *user_data)
{
	struct listener *l = data;

	if (!sf_addr_ip_equal(&l->addr, user_data))
		return false;

	listener_free(l);
	return true;
}

static bool verdict_on_ip(void *data, void *user_data)
{
	struct verdict *v = data;

	if (!sf_addr_ip_equal(&v->addr, user_data))
		return false;

	l_free(v);
	return true;
}

void sf_listeners_drop_ip(struct sf_listeners *ls, const struct sf_addr *addr)
{
	l_queue_foreach_remove(ls->list, listener_on_ip, (void *) addr);
	l_queue_foreach_remove(ls->verdicts, verdict_on_ip, (void *) addr);
}

unsigned int sf_listeners_count(const struct sf_listeners *ls)
{
	return l_queue_length(ls->list);
}
