/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: MPTCP listening sockets the daemon owns so that joins to addresses
 * it announces are accepted. A peer's MP_JOIN to an announced address and
 * port needs a listener there; when an application already listens on that
 * port (its wildcard listener covers every address), none is added.
 */
#pragma once

#include <ell/ell.h>

#include <subflowd/addr.h>

struct sf_listeners;

struct sf_listeners *sf_listeners_new(void);
/* Closes every listener. */
void sf_listeners_free(struct sf_listeners *listeners);
DEFINE_CLEANUP_FUNC(sf_listeners_free);

/*
 * Make sure something listens on addr (IP and port, port required).
 * Returns 0 when a listener of ours or another covering MPTCP listener is
 * there, -EADDRINUSE when a socket that is not an MPTCP listener (a plain
 * TCP one) holds addr, else a negative errno. token, when not 0, is a
 * connection that needs the listener on a port other than its own: the
 * listener is kept for it until sf_listeners_release(token).
 */
int sf_listeners_ensure(struct sf_listeners *listeners,
			const struct sf_addr *addr, uint32_t token);

/* The connection token closed: it keeps no listener any more. */
void sf_listeners_release(struct sf_listeners *listeners, uint32_t token);

/* Close our listeners on this IP (any port): the address went away. */
void sf_listeners_drop_ip(struct sf_listeners *listeners,
			  const struct sf_addr *addr);

/*
 * Close our listeners that no connection keeps and whose port is none of
 * ports (the local ports of the live connections, whose joins they serve).
 * A listener of ours left on a specific address would also keep an
 * application from binding the port's wildcard address again.
 */
void sf_listeners_drop_unused(struct sf_listeners *listeners,
			      const struct l_uintset *ports);

/* Number of listening sockets we own. */
unsigned int sf_listeners_count(const struct sf_listeners *listeners);
