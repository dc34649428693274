/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sock_diag (inet_diag) queries about the sockets behind connections:
 * a subflow's TCP state (retransmissions, for silent-blackhole detection)
 * and an MPTCP socket's owner (uid, cgroup) for [rule] matching.
 * Synchronous, on a netlink socket of its own; the request/reply codecs are
 * pure functions in sockdiag.c.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <subflowd/addr.h>
#include <subflowd/plugin.h>

/*
 * The owner of the MPTCP socket with this local and remote address and
 * port: its uid and its cgroup v2 id (0 when the kernel gives none).
 * Returns 0, -ENOENT when no such socket exists, or a negative errno.
 */
int sf_sockdiag_mptcp_owner(const struct sf_addr *local,
			    const struct sf_addr *remote,
			    uid_t *ret_uid, uint64_t *ret_cgroup_id);

/* The TCP state of the subflow with this 4-tuple (the public
 * sf_subflow_get_stats() uses it). */
int sf_sockdiag_tcp_stats(const struct sf_addr *local,
			  const struct sf_addr *remote,
			  struct sf_subflow_stats *ret_stats);
