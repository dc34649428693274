/* SPDX-License-Identifier: LGPL-2.1-or-later */
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

struct listener {
	struct sf_addr addr;
	int fd;
};

struct sf_listeners {
	struct l_queue *list;	/* struct listener */
};

static void listener_free(void *data)
{
	struct listener *l = data;

	close(l->fd);
	l_free(l);
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

int sf_listeners_ensure(struct sf_listeners *ls, const struct sf_addr *addr)
{
	struct sockaddr_storage ss;
	struct listener *l;
	socklen_t len;
	int fd, one = 1;

	if (!addr->port ||
	    (addr->family != AF_INET && addr->family != AF_INET6))
		return -EINVAL;

	if (l_queue_find(ls->list, listener_is, addr))
		return 0;

	fd = socket(addr->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    IPPROTO_MPTCP);
	if (fd < 0)
		return SF_NEG_ERRNO();

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));

	len = to_sockaddr(addr, &ss);
	if (bind(fd, (struct sockaddr *) &ss, len) < 0 || listen(fd, 8) < 0) {
		int r = SF_NEG_ERRNO();

		close(fd);
		/* Taken: the application's own listener covers it. */
		return r == -EADDRINUSE ? 0 : r;
	}

	l = l_new(struct listener, 1);
	l->addr = *addr;
	l->fd = fd;
	l_queue_push_tail(ls->list, l);
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

unsigned int sf_listeners_count(const struct sf_listeners *ls)
{
	return l_queue_length(ls->list);
}
