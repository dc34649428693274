/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's view of the connections, read from sock_diag, applied to the
 * connection table: at start (connections made before us: adopted) and
 * after the kernel dropped events (connections made, established or closed
 * unseen). The dump is read asynchronously, over several loop iterations,
 * while events keep coming; the rules below keep the two in order:
 *
 * - a connection is forgotten only when it was in the table when the dump
 *   started and the dump did not show it (one made meanwhile is not);
 * - a connection the dump shows and the table lacks is added at once, with
 *   its subflows, so that its events in between find it; its policy hears
 *   of it (adopt) only when the dump is complete;
 * - a known connection the dump shows established while the table does not
 *   is caught up at the end, unless its ESTABLISHED event came meanwhile;
 * - a token whose events are held (ops->held: its policy waits for its
 *   owner) is left to those events;
 * - a resync asked for while one runs runs once more after it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"
#include "iface.h"
#include "sockdiag.h"

struct sf_resync_ops {
	/* Are token's events held? Then the resync leaves it alone. */
	bool (*held)(uint32_t token, void *user_data);
	/* conn (established, with the subflows the dump showed) was unknown;
	 * owner is its socket's, from the dump. */
	void (*adopt)(struct sf_conn *conn, bool server_side,
		      const struct sf_sockdiag_owner *owner, void *user_data);
	/* conn's ESTABLISHED was lost: it is established now. */
	void (*catch_up)(struct sf_conn *conn, void *user_data);
	/* conn closed unseen: forget it. */
	void (*forget)(struct sf_conn *conn, void *user_data);
	/* A resync ended: 0, or the negative errno of a failed dump (what
	 * was learned before the failure is applied all the same). */
	void (*done)(int error, void *user_data);
};

struct sf_resync;

/* conns, ifaces and sockdiag must outlive the resync engine. */
struct sf_resync *sf_resync_new(struct sf_conn_table *conns,
				struct sf_iface_table *ifaces,
				struct sf_sockdiag *sockdiag,
				const struct sf_resync_ops *ops,
				void *user_data);
/* A resync in progress is abandoned: no callback runs. */
void sf_resync_free(struct sf_resync *resync);
DEFINE_CLEANUP_FUNC(sf_resync_free);

/* Start a resync, or ask for one more after the one running. Returns 0 or
 * a negative errno (the dump cannot be asked for). */
int sf_resync_start(struct sf_resync *resync);
bool sf_resync_running(const struct sf_resync *resync);
