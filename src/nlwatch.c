/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "nlwatch.h"

struct sf_nlwatch {
	int fd;
	sf_nlwatch_read_func_t read;
	void *user_data;
	struct l_io *io;
	struct l_idle *rearm;
	bool freeing;
};

static bool watch_readable(struct l_io *io, void *user_data)
{
	struct sf_nlwatch *w = user_data;

	w->read(w->user_data);
	return true;
}

static void watch_disconnected(struct l_io *io, void *user_data);

static bool watch_arm(struct sf_nlwatch *w)
{
	/* A dropped io has already run (and forgotten) its disconnect
	 * handler, so destroying it schedules nothing. */
	l_io_destroy(w->io);
	w->io = l_io_new(w->fd);
	if (!w->io)
		return false;

	l_io_set_read_handler(w->io, watch_readable, w, NULL);
	l_io_set_disconnect_handler(w->io, watch_disconnected, w, NULL);
	return true;
}

static void watch_rearm(struct l_idle *idle, void *user_data)
{
	struct sf_nlwatch *w = user_data;

	l_idle_remove(w->rearm);
	w->rearm = NULL;

	if (!watch_arm(w)) {
		l_error("cannot watch netlink socket %d again; its messages "
			"are no longer read", w->fd);
		return;
	}

	/* Take the pending error before epoll reports it again. */
	w->read(w->user_data);
}

/* EPOLLERR: not a close for a netlink socket. Re-arm outside l_io's
 * dispatch. */
static void watch_disconnected(struct l_io *io, void *user_data)
{
	struct sf_nlwatch *w = user_data;

	if (w->freeing)
		return;

	l_debug("netlink socket %d reported an error, watching it again",
		w->fd);
	if (!w->rearm)
		w->rearm = l_idle_create(watch_rearm, w, NULL);
}

struct sf_nlwatch *sf_nlwatch_new(int fd, sf_nlwatch_read_func_t read,
				  void *user_data)
{
	struct sf_nlwatch *w = l_new(struct sf_nlwatch, 1);

	w->fd = fd;
	w->read = read;
	w->user_data = user_data;
	if (!watch_arm(w)) {
		l_free(w);
		return NULL;
	}

	return w;
}

void sf_nlwatch_free(struct sf_nlwatch *w)
{
	if (!w)
		return;

	/* l_io_destroy() runs the disconnect handler: it must not re-arm. */
	w->freeing = true;
	l_io_destroy(w->io);
	l_idle_remove(w->rearm);
	l_free(w);
}
