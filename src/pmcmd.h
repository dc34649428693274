/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Codec: mptcp_pm generic-netlink commands (userspace PM and in-kernel PM
 * endpoints) and the replies they get. Pure: builds and parses messages
 * with libmnl, never sends.
 *
 * Every builder writes its command into the caller's struct sf_pmcmd and
 * returns the message there, or NULL when an argument is invalid
 * (AF_UNSPEC address, missing port where one is required). The netlink
 * header's type, flags, sequence number and port are left to the sender.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <linux/netlink.h>

#include <subflowd/addr.h>
#include <subflowd/plugin.h>

#include "mptcp_uapi.h"

/* Room for the largest command, SUBFLOW_CREATE with two IPv6 address
 * nests: about 150 bytes with its headers. */
#define SF_PMCMD_SIZE 256

/* Where a builder writes a command: on the caller's stack, nothing to free. */
struct sf_pmcmd {
	union {
		struct nlmsghdr nlh;
		uint8_t buf[SF_PMCMD_SIZE];
	};
};

/* The generic-netlink command (MPTCP_PM_CMD_*) of a built message. */
uint8_t sf_pmcmd_command(const struct nlmsghdr *nlh);

/* struct sf_endpoint and struct sf_pm_limits are public: <subflowd/plugin.h>. */

/* --- userspace PM (per connection, by token) --- */

/* ANNOUNCE addr (with .port when non-zero) under local id to the peer. */
struct nlmsghdr *sf_pmcmd_announce(struct sf_pmcmd *cmd, uint32_t token,
				   const struct sf_addr *addr, uint8_t id);
/* REMOVE the local address id from the peer's view. */
struct nlmsghdr *sf_pmcmd_remove(struct sf_pmcmd *cmd, uint32_t token,
				 uint8_t id);
/*
 * SUBFLOW_CREATE from local (id loc_id) to remote (port required). A
 * non-zero local->port binds the subflow's source port.
 */
struct nlmsghdr *sf_pmcmd_subflow_create(struct sf_pmcmd *cmd, uint32_t token,
					 const struct sf_addr *local,
					 uint8_t loc_id, bool backup,
					 const struct sf_addr *remote);
/* SUBFLOW_DESTROY the subflow with this exact 4-tuple (ports required). */
struct nlmsghdr *sf_pmcmd_subflow_destroy(struct sf_pmcmd *cmd, uint32_t token,
					  const struct sf_addr *local,
					  const struct sf_addr *remote);
/*
 * SET_FLAGS on one subflow: backup on or off (sends MP_PRIO). The kernel
 * flags the first subflow whose addresses match, comparing ports only when
 * they are non-zero: give both ports to pick one subflow out of several on
 * the same address pair.
 */
struct nlmsghdr *sf_pmcmd_subflow_set_backup(struct sf_pmcmd *cmd,
					     uint32_t token,
					     const struct sf_addr *local,
					     const struct sf_addr *remote,
					     bool backup);
/*
 * GET_ADDR with a token (kernel >= 6.9), to be sent as a dump: one reply
 * per local address of the connection (sf_pmcmd_parse_endpoint()).
 */
struct nlmsghdr *sf_pmcmd_get_conn_addrs(struct sf_pmcmd *cmd, uint32_t token);

/* --- in-kernel PM (per namespace) --- */

struct nlmsghdr *sf_pmcmd_endpoint_add(struct sf_pmcmd *cmd,
				       const struct sf_endpoint *ep);
/* DEL_ADDR by id (the kernel matches on id; addr is optional context). */
struct nlmsghdr *sf_pmcmd_endpoint_del(struct sf_pmcmd *cmd, uint8_t id);
/* SET_FLAGS on an endpoint by id: backup/fullmesh bits of flags. */
struct nlmsghdr *sf_pmcmd_endpoint_set_flags(struct sf_pmcmd *cmd, uint8_t id,
					     uint32_t flags);
/* GET_ADDR without token, sent as a dump: every endpoint. */
struct nlmsghdr *sf_pmcmd_endpoint_dump(struct sf_pmcmd *cmd);
struct nlmsghdr *sf_pmcmd_endpoint_flush(struct sf_pmcmd *cmd);
struct nlmsghdr *sf_pmcmd_set_limits(struct sf_pmcmd *cmd,
				     const struct sf_pm_limits *limits);
struct nlmsghdr *sf_pmcmd_get_limits(struct sf_pmcmd *cmd);

/*
 * Parse a GET_ADDR reply (one endpoint, nested MPTCP_PM_ATTR_ADDR): a whole
 * message of the family, its nlmsg_len within what was received.
 * Returns 0, -ENOMSG without an address attribute, -EBADMSG when malformed.
 */
int sf_pmcmd_parse_endpoint(const struct nlmsghdr *nlh,
			    struct sf_endpoint *ret_ep);
/* Parse a GET_LIMITS reply, likewise. Returns 0 or -EBADMSG. */
int sf_pmcmd_parse_limits(const struct nlmsghdr *nlh,
			  struct sf_pm_limits *ret_limits);
