/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: the kernel's mptcp_pm generic-netlink family, on two netlink
 * sockets of our own (libmnl). Events: so that an ENOBUFS overrun is seen
 * and survived (ELL's l_genl stops reading a socket after one). Commands:
 * sent the moment they are made (no queue: a burst of connections costs
 * no memory for waiting commands), answers matched by sequence number.
 * MPTCP is built into the kernel, so the family exists from boot on and
 * never goes: it is resolved once, at start.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <ell/ell.h>

#include "event.h"

struct nlmsghdr;

/*
 * How a request sent through the transport is answered. For every message
 * of the answer (the entries of a dump, the reply to a query) reply is
 * called with error 0 and that message as nlh (valid during the call).
 * Then it is called exactly once with nlh NULL: the end, with error 0 or a
 * negative errno and the kernel's extended-ack text (or NULL). An end of
 * -ENOBUFS means the answer was lost to an overrun; -ECANCELED, that the
 * transport went away first. Never called from inside send.
 */
typedef void (*sf_pm_reply_func_t)(int error, const char *extack,
				   const struct nlmsghdr *nlh, void *user_data);

/* The one seam through which every command reaches the kernel; unit tests
 * install a fake. send fills in the netlink header of msg (a command of
 * the family, as pmcmd.h builds it) but for its length, and is done with
 * msg when it returns; on 0, reply is called as above. read_answers (may
 * be NULL) passes on, now, the answers the kernel has already sent (a
 * no-op while they are being read): before requests are given up on, as
 * when their connection closes. */
struct sf_pm_transport {
	int (*send)(void *ctx, struct nlmsghdr *msg, bool dump,
		    sf_pm_reply_func_t reply, void *user_data);
	void *ctx;
	void (*read_answers)(void *ctx);
};

struct sf_pm_handlers {
	/* Events are subscribed (from the main loop, once, after
	 * sf_pm_new() returned). */
	void (*ready)(void *user_data);
	void (*event)(const struct sf_event *event, void *user_data);
	/* Events or answers were lost (ENOBUFS); the daemon must resync. */
	void (*overrun)(void *user_data);
};

struct sf_pm;

/*
 * Resolve the mptcp_pm family and join its events group (one blocking
 * round trip to the kernel's nlctrl, at start), then read events and
 * answers from the main loop. Returns 0, -EPERM without CAP_NET_ADMIN,
 * -ENOENT without MPTCP, or another negative errno.
 */
int sf_pm_new(const struct sf_pm_handlers *handlers, void *user_data,
	      struct sf_pm **ret_pm);

/*
 * Test seam: the same over two netlink sockets the caller opened and
 * bound (a fake kernel may use NETLINK_USERSOCK), which pm takes and
 * closes. family_id is the nlmsg_type of events and replies; seq is the
 * sequence number before the first command's.
 */
int sf_pm_new_on_sockets(const struct sf_pm_handlers *handlers,
			 void *user_data, int events_fd, int cmds_fd,
			 uint16_t family_id, uint32_t seq,
			 struct sf_pm **ret_pm);

/* Requests still waiting end with -ECANCELED, in the order sent. */
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
