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
#include "sockdiag.h"
#include "util.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

/* Backlog of our listeners: new connections are refused as they come. */
#define SF_LISTENER_BACKLOG 4

struct listener {
	struct sf_addr addr;
	struct l_io *io;	/* owns the socket */
	/* Connections that announced it on a port not their own. */
	uint32_t *keepers;
	unsigned int n_keepers;
};

struct sf_listeners {
	struct l_queue *list;	/* struct listener */
};

static void listener_free(void *data)
{
	struct listener *l = data;

	l_io_destroy(l->io);
	l_free(l->keepers);
	l_free(l);
}

static void listener_keep(struct listener *l, uint32_t token)
{
	for (unsigned int i = 0; i < l->n_keepers; i++)
		if (l->keepers[i] == token)
			return;

	l->keepers = l_realloc(l->keepers,
			       (l->n_keepers + 1) * sizeof(*l->keepers));
	l->keepers[l->n_keepers++] = token;
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
	return ls;
}

void sf_listeners_free(struct sf_listeners *ls)
{
	if (!ls)
		return;

	l_queue_destroy(ls->list, listener_free);
	l_free(ls);
}

static bool listener_is(const void *data, const void *user_data)
{
	const struct listener *l = data;

	return sf_addr_equal(&l->addr, user_data);
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

int sf_listeners_ensure(struct sf_listeners *ls, const struct sf_addr *addr,
			uint32_t token)
{
	struct sockaddr_storage ss;
	struct listener *l;
	socklen_t len;
	int fd, one = 1;

	if (!addr->port ||
	    (addr->family != AF_INET && addr->family != AF_INET6))
		return -EINVAL;

	l = l_queue_find(ls->list, listener_is, addr);
	if (l) {
		if (token)
			listener_keep(l, token);
		return 0;
	}

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
		int r = SF_NEG_ERRNO();

		close(fd);
		if (r != -EADDRINUSE)
			return r;

		/* Taken: by the application's own MPTCP listener, which
		 * covers it, or by something else (a plain TCP listener),
		 * where joins would fail. */
		r = sf_sockdiag_mptcp_listening(addr);
		return r > 0 ? 0 : r < 0 ? r : -EADDRINUSE;
	}

	l = l_new(struct listener, 1);
	l->addr = *addr;
	l->io = l_io_new(fd);
	if (!l->io) {
		close(fd);
		l_free(l);
		return -ENOMEM;
	}

	l_io_set_close_on_destroy(l->io, true);
	l_io_set_read_handler(l->io, listener_readable, l, NULL);
	l_queue_push_tail(ls->list, l);
	if (token)
		listener_keep(l, token);
	return 0;
}

static bool listener_on_ip(void *data, void *user_data)
{
	struct listener *l = data;

	if (!sf_addr_ip_equal(&l->addr, user_data))
		return false;

	listener_free(l);
	return true;
}

void sf_listeners_drop_ip(struct sf_listeners *ls, const struct sf_addr *addr)
{
	l_queue_foreach_remove(ls->list, listener_on_ip, (void *) addr);
}

static void listener_release(void *data, void *user_data)
{
	struct listener *l = data;
	uint32_t token = L_PTR_TO_UINT(user_data);

	for (unsigned int i = 0; i < l->n_keepers; i++) {
		if (l->keepers[i] != token)
			continue;

		l->keepers[i] = l->keepers[--l->n_keepers];
		return;
	}
}

void sf_listeners_release(struct sf_listeners *ls, uint32_t token)
{
	l_queue_foreach(ls->list, listener_release, L_UINT_TO_PTR(token));
}

static bool listener_unused(void *data, void *user_data)
{
	struct listener *l = data;

	if (l->n_keepers || l_uintset_contains(user_data, l->addr.port))
		return false;

	listener_free(l);
	return true;
}

void sf_listeners_drop_unused(struct sf_listeners *ls,
			      const struct l_uintset *ports)
{
	l_queue_foreach_remove(ls->list, listener_unused, (void *) ports);
}

unsigned int sf_listeners_count(const struct sf_listeners *ls)
{
	return l_queue_length(ls->list);
}
