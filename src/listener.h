/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: MPTCP listening sockets the daemon owns so that joins to addresses
 * it announces are accepted. A peer's MP_JOIN to an announced address and
 * port needs a listener there; when an application already listens on that
 * port (its wildcard listener covers every address), none is added.
 *
 * Our listeners are counted by the connections that announced them: one
 * lives while a connection that needed it does, and closing a connection
 * touches its own listeners only.
 */
#pragma once

#include <ell/ell.h>

#include <subflowd/addr.h>

#include "sockdiag.h"

struct sf_listeners;

struct sf_listeners *sf_listeners_new(void);
/* Closes every listener; checks still waiting end with -ECANCELED. */
void sf_listeners_free(struct sf_listeners *listeners);
DEFINE_CLEANUP_FUNC(sf_listeners_free);

typedef void (*sf_listeners_func_t)(int error, void *user_data);

/*
 * Make sure something listens on addr (IP and port, port required) for the
 * connection token, which keeps our listener there (if one is ours) until
 * sf_listeners_release(token).
 *
 * Returns 0 when a listener of ours, or an MPTCP listener known to cover
 * addr, is there now; -EINPROGRESS when addr is taken and sd must tell by
 * whom: func (not NULL) then runs once, from the event loop, with 0 (an
 * MPTCP listener covers it), -EADDRINUSE (another socket, such as a plain
 * TCP listener, holds it: joins would fail) or another negative errno
 * (-ECANCELED when the listeners are freed first), then destroy (may be
 * NULL). Otherwise a negative errno (-EADDRINUSE when taken and sd is
 * NULL), and neither runs. What sd says of addr is believed for
 * SF_LISTENERS_VERDICT_MS.
 */
#define SF_LISTENERS_VERDICT_MS 1000
int sf_listeners_ensure(struct sf_listeners *listeners, struct sf_sockdiag *sd,
			const struct sf_addr *addr, uint32_t token,
			sf_listeners_func_t func, void *user_data,
			sf_sockdiag_destroy_func_t destroy);

/* The connection token closed: its listeners lose it, and those that no
 * connection keeps any more close. */
void sf_listeners_release(struct sf_listeners *listeners, uint32_t token);

/* Close our listeners on this IP (any port), and forget what sock_diag
 * said of it: the address went away. */
void sf_listeners_drop_ip(struct sf_listeners *listeners,
			  const struct sf_addr *addr);

/* Number of listening sockets we own. */
unsigned int sf_listeners_count(const struct sf_listeners *listeners);
