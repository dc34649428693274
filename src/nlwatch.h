/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: watch a netlink socket in the ELL main loop so that an overrun does
 * not end the watch.
 *
 * When the kernel drops messages it sets the socket's error to ENOBUFS,
 * which epoll reports as EPOLLERR; ELL 0.56's l_io takes that for a closed
 * socket and stops watching the fd for good. The socket itself is fine, so
 * this watch re-arms itself from the next loop iteration and then calls the
 * read handler once, which must take the pending error (recv returns
 * ENOBUFS) and resync.
 */
#pragma once

#include <stdbool.h>

#include <ell/ell.h>

/* Called when the fd is readable (level-triggered: again while data is
 * left), and once after every re-arm. The handler must not block. */
typedef void (*sf_nlwatch_read_func_t)(void *user_data);

struct sf_nlwatch;

/* fd stays owned by the caller and must outlive the watch. */
struct sf_nlwatch *sf_nlwatch_new(int fd, sf_nlwatch_read_func_t read,
				  void *user_data);
void sf_nlwatch_free(struct sf_nlwatch *watch);
DEFINE_CLEANUP_FUNC(sf_nlwatch_free);
