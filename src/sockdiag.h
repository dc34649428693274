/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sock_diag (inet_diag) queries about the sockets behind connections:
 * a subflow's TCP state (retransmissions, for silent-blackhole detection)
 * and an MPTCP socket's owner (uid, cgroup) for [rule] matching.
 * Synchronous, on a netlink socket opened for each query and closed before
 * it returns (no state to keep, no stale reply to skip). The request/reply
 * codecs are pure functions in sockdiag.c.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <linux/netlink.h>

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

/*
 * Does an MPTCP socket listen on addr (IP and port, port required), bound
 * to that IP or to the wildcard address? Returns 1, 0, or a negative errno.
 */
int sf_sockdiag_mptcp_listening(const struct sf_addr *addr);

/*
 * The TCP state of the subflow with this 4-tuple (the public
 * sf_subflow_get_stats() uses it). ifindex is the interface the subflow
 * may be bound to, 0 when unknown: the kernel's exact lookup finds a socket
 * bound to a device (as the in-kernel PM binds those of endpoints with
 * "dev") only when asked with that device, and an unbound one either way.
 * Returns 0, -ENOENT when no such socket exists (or only its TIME_WAIT
 * remains), or a negative errno.
 */
int sf_sockdiag_tcp_stats(const struct sf_addr *local,
			  const struct sf_addr *remote, int32_t ifindex,
			  struct sf_subflow_stats *ret_stats);

/* --- codec: pure functions, no I/O ---------------------------------------- */

/* Room for any request the builders below write. */
#define SF_SOCKDIAG_REQ_SIZE 128

/* One socket as an inet_diag reply describes it. */
struct sf_sockdiag_sock {
	uint8_t family;			/* AF_INET or AF_INET6, the socket's */
	uint8_t state;			/* TCP_ESTABLISHED, ... */
	struct sf_addr local;		/* with port; IPv4-mapped IPv6 */
	struct sf_addr remote;		/* addresses are given as IPv4 */
	uint32_t uid;
	uint64_t cgroup_id;		/* 0: the kernel gave none */
	bool has_tcp_info;
	struct sf_subflow_stats tcp;	/* valid when has_tcp_info */
	bool has_token;			/* an MPTCP socket with mptcp_info */
	uint32_t token;
	bool is_subflow;		/* a TCP socket with the mptcp ULP */
	uint32_t subflow_token;		/* its connection's local token */
	uint8_t subflow_local_id;
	uint8_t subflow_remote_id;
	uint32_t subflow_flags;		/* MPTCP_SUBFLOW_FLAG_* */
};

/*
 * Build into buf (SF_SOCKDIAG_REQ_SIZE bytes) the exact-match lookup of the
 * TCP socket local -> remote (ports required) on interface ifindex (0: no
 * device), asking for its tcp_info.
 * family is the socket family to look in: AF_INET6 with IPv4 addresses
 * looks for their IPv4-mapped form. The request asks for an ACK, so the
 * answer is one socket then the ACK, or an error. Returns 0 and the
 * message in *ret_nlh (inside buf), or -EINVAL.
 */
int sf_sockdiag_build_tcp_query(uint8_t family, const struct sf_addr *local,
				const struct sf_addr *remote, int32_t ifindex,
				uint32_t seq, void *buf,
				struct nlmsghdr **ret_nlh);

/*
 * Build into buf (SF_SOCKDIAG_REQ_SIZE bytes) a dump of the MPTCP sockets
 * of family in any state but LISTEN whose local and remote ports are these
 * (an inet_diag bytecode filter: the kernel sends only those). Returns 0
 * and the message in *ret_nlh (inside buf), or -EINVAL.
 */
int sf_sockdiag_build_mptcp_dump(uint8_t family, uint16_t local_port,
				 uint16_t remote_port, uint32_t seq, void *buf,
				 struct nlmsghdr **ret_nlh);

/*
 * A dump of every socket of protocol (IPPROTO_TCP or IPPROTO_MPTCP) and
 * family in the given states (a bit mask of 1 << TCP state), with
 * INET_DIAG_INFO. Pure, like the builders above.
 */
int sf_sockdiag_build_dump(uint8_t family, uint16_t protocol, uint32_t states,
			   uint32_t seq, void *buf, struct nlmsghdr **ret_nlh);

/*
 * Every MPTCP connection, listener and subflow of the namespace, read now
 * (both families): every MPTCP socket (protocol IPPROTO_MPTCP) comes before
 * the first subflow (IPPROTO_TCP). func is called for each socket; the
 * sockets are valid during the call only. Returns 0 or a negative errno.
 */
typedef void (*sf_sockdiag_func_t)(const struct sf_sockdiag_sock *sock,
				   uint16_t protocol, void *user_data);
int sf_sockdiag_list(sf_sockdiag_func_t func, void *user_data);

/*
 * Parse one SOCK_DIAG_BY_FAMILY reply. protocol is what the request asked
 * for: INET_DIAG_INFO is read as struct tcp_info for IPPROTO_TCP, and as
 * struct mptcp_info (its token) for IPPROTO_MPTCP. Returns 0 or -EBADMSG.
 */
int sf_sockdiag_parse(const struct nlmsghdr *nlh, uint16_t protocol,
		      struct sf_sockdiag_sock *ret_sock);
