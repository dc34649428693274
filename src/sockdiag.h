/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sock_diag (inet_diag) queries about the sockets behind connections: a
 * subflow's TCP state (health, silent-blackhole detection), an MPTCP
 * socket's owner (uid, cgroup) for [rule] matching and D-Bus, whether an
 * MPTCP listener covers an address, and every MPTCP socket and subflow
 * (adoption at start, resync after lost events). Glue: the queries share
 * one socket and are answered asynchronously (sockdiag.c); the
 * request/reply codecs below them are pure functions (sockdiag-codec.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <ell/ell.h>

#include <linux/netlink.h>

#include <subflowd/addr.h>
#include <subflowd/plugin.h>

/* --- the queries: one persistent socket, asynchronous -------------------- */

/*
 * One NETLINK_SOCK_DIAG socket per daemon, non-blocking, watched by an l_io.
 * Nothing waits: a query is queued, written when the socket is free for it,
 * and answered from the event loop. Exact lookups are pipelined (a bounded
 * window in flight, so their replies always fit the receive buffer); a dump
 * goes out alone, and lookups wait behind it (the kernel takes one dump per
 * socket at a time, and a reply arriving while a dump fills the buffer would
 * be lost). Dumps are read in bounded slices, so other sockets are served
 * in between.
 *
 * Every query returns its id (> 0), or a negative errno, and then neither
 * func nor destroy ever runs. Otherwise func runs exactly once, from the
 * event loop and never from inside the call, and destroy (may be NULL) runs
 * once after it, or after sf_sockdiag_cancel(), which suppresses func.
 */
struct sf_sockdiag;

typedef void (*sf_sockdiag_destroy_func_t)(void *user_data);

/* Returns 0 or a negative errno. */
int sf_sockdiag_new(struct sf_sockdiag **ret_sd);
/* Queries still pending end with -ECANCELED (func), then destroy. */
void sf_sockdiag_free(struct sf_sockdiag *sd);
DEFINE_CLEANUP_FUNC(sf_sockdiag_free);

/* Drop a pending query: func never runs, destroy does. false: unknown id. */
bool sf_sockdiag_cancel(struct sf_sockdiag *sd, unsigned int id);

/* Queries not answered yet (for tests and shutdown). */
unsigned int sf_sockdiag_pending(const struct sf_sockdiag *sd);

/* The owner of an MPTCP connection's socket. */
struct sf_sockdiag_owner {
	uint32_t uid;
	uint64_t cgroup_id;		/* cgroup v2 id; 0: none given */
};
typedef void (*sf_sockdiag_owner_func_t)(int error,
					 const struct sf_sockdiag_owner *owner,
					 void *user_data);
/*
 * Who owns the MPTCP connection with this token: an exact lookup in the
 * kernel's token table, no dump. func gets 0 and the owner (valid during
 * the call), -ENOENT when no such connection exists, or another errno.
 */
int sf_sockdiag_query_owner(struct sf_sockdiag *sd, uint32_t token,
			    sf_sockdiag_owner_func_t func, void *user_data,
			    sf_sockdiag_destroy_func_t destroy);

typedef void (*sf_sockdiag_stats_func_t)(int error,
					 const struct sf_subflow_stats *stats,
					 void *user_data);
/*
 * The TCP state of the subflow with this 4-tuple (ports required).
 * ifindex is the interface the subflow may be bound to, 0 when unknown:
 * the kernel's exact lookup finds a socket bound to a device (as the
 * in-kernel PM binds those of endpoints with "dev") only when asked with
 * that device, and an unbound one either way. An IPv4 pair not found is
 * looked up again as IPv4-mapped (a subflow of an AF_INET6 socket). func
 * gets 0 and the stats (valid during the call), -ENOENT when no such socket
 * exists (or only its TIME_WAIT remains), or another errno.
 */
int sf_sockdiag_query_tcp(struct sf_sockdiag *sd, const struct sf_addr *local,
			  const struct sf_addr *remote, int32_t ifindex,
			  sf_sockdiag_stats_func_t func, void *user_data,
			  sf_sockdiag_destroy_func_t destroy);

typedef void (*sf_sockdiag_listening_func_t)(int error, bool listening,
					     void *user_data);
/*
 * Does an MPTCP socket listen on addr (IP and port, port required), bound
 * to that IP or to the wildcard address (an IPv6 one also covers IPv4)?
 */
int sf_sockdiag_query_listening(struct sf_sockdiag *sd,
				const struct sf_addr *addr,
				sf_sockdiag_listening_func_t func,
				void *user_data,
				sf_sockdiag_destroy_func_t destroy);

struct sf_sockdiag_sock;
typedef void (*sf_sockdiag_func_t)(const struct sf_sockdiag_sock *sock,
				   uint16_t protocol, void *user_data);
typedef void (*sf_sockdiag_done_func_t)(int error, void *user_data);
/*
 * Every MPTCP connection and listener (any state) and every established
 * subflow of the namespace (both families), as the dumps are read: every
 * MPTCP socket (protocol IPPROTO_MPTCP) comes before the first subflow
 * (IPPROTO_TCP). sock_func
 * runs for each socket (valid during the call), across several loop
 * iterations; then done_func (the query's func) once, with 0 or a negative
 * errno. Neither runs after a cancel.
 */
int sf_sockdiag_query_list(struct sf_sockdiag *sd,
			   sf_sockdiag_func_t sock_func,
			   sf_sockdiag_done_func_t done_func, void *user_data,
			   sf_sockdiag_destroy_func_t destroy);

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
 * Build into buf (SF_SOCKDIAG_REQ_SIZE bytes) the exact lookup of the MPTCP
 * connection with this token (the kernel's token table), asking for an
 * ACK: the answer is one socket then the ACK, or an error (-ENOENT).
 * Returns 0 and the message in *ret_nlh (inside buf), or -EINVAL.
 */
int sf_sockdiag_build_owner_query(uint32_t token, uint32_t seq, void *buf,
				  struct nlmsghdr **ret_nlh);

/*
 * A dump of every socket of protocol (IPPROTO_TCP or IPPROTO_MPTCP) and
 * family in the given states (a bit mask of 1 << TCP state), with
 * INET_DIAG_INFO. Pure, like the builders above.
 */
int sf_sockdiag_build_dump(uint8_t family, uint16_t protocol, uint32_t states,
			   uint32_t seq, void *buf, struct nlmsghdr **ret_nlh);

/*
 * Parse one SOCK_DIAG_BY_FAMILY reply. protocol is what the request asked
 * for: INET_DIAG_INFO is read as struct tcp_info for IPPROTO_TCP, and as
 * struct mptcp_info (its token) for IPPROTO_MPTCP. Returns 0 or -EBADMSG.
 */
int sf_sockdiag_parse(const struct nlmsghdr *nlh, uint16_t protocol,
		      struct sf_sockdiag_sock *ret_sock);
