/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: the kernel's mptcp_pm generic-netlink family. ELL's l_genl finds
 * the family and watches it come and go. Events arrive on a netlink socket
 * of our own (libmnl, large receive buffer) so that an ENOBUFS overrun is
 * seen and survived rather than silently ending event delivery. Commands
 * leave on another socket of ours the moment they are sent (no queue: a
 * burst of connections costs no memory for waiting commands), and their
 * answers are matched by sequence number.
 */
#pragma once

#include <stdbool.h>

#include <ell/ell.h>

#include "event.h"

/*
 * The one seam through which every command reaches the kernel; unit tests
 * install a fake. reply is called exactly once when send returned 0: with
 * the kernel's ack (error 0 or negative errno, extack text or NULL) for a
 * plain command, or for a dump with error 0 and msg NULL after every entry
 * has been passed as msg. send takes ownership of msg in every case.
 */
typedef void (*sf_pm_reply_func_t)(int error, const char *extack,
				   struct l_genl_msg *msg, void *user_data);

struct sf_pm_transport {
	int (*send)(void *ctx, struct l_genl_msg *msg, bool dump,
		    sf_pm_reply_func_t reply, void *user_data);
	void *ctx;
};

struct sf_pm_handlers {
	/* The family appeared and events are subscribed. */
	void (*ready)(void *user_data);
	/* The family went away (module unloaded). */
	void (*vanished)(void *user_data);
	void (*event)(const struct sf_event *event, void *user_data);
	/* Events were lost (ENOBUFS); the daemon must resync. */
	void (*overrun)(void *user_data);
	/* The events group cannot be joined (error: -EPERM without
	 * CAP_NET_ADMIN): fatal. */
	void (*failed)(int error, void *user_data);
};

struct sf_pm;

/*
 * Start watching for the mptcp_pm family. handlers->ready fires once the
 * family exists and the events group is joined (maybe later, e.g. after a
 * module load). Returns 0 or a negative errno.
 */
int sf_pm_new(const struct sf_pm_handlers *handlers, void *user_data,
	      struct sf_pm **ret_pm);
void sf_pm_free(struct sf_pm *pm);
DEFINE_CLEANUP_FUNC(sf_pm_free);

/*
 * Resolve the mptcp_pm family and join its events group on nl, a bound
 * NETLINK_GENERIC socket (the daemon's events socket, or a tool's).
 * Blocking. Returns 0 with *ret_family_id (may be NULL) set, or a negative
 * errno (-EPERM without CAP_NET_ADMIN, -ENOENT without MPTCP).
 */
struct mnl_socket;
int sf_pm_join_events(struct mnl_socket *nl, int *ret_family_id);

/* The transport for commands; valid while pm lives. */
const struct sf_pm_transport *sf_pm_get_transport(struct sf_pm *pm);
