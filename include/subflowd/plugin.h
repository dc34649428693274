/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowd public API for policy plugins. See subflowd-plugins(7).
 *
 * A plugin is a shared object in the plugin directory that exports one
 * descriptor with SF_PLUGIN_DEFINE(). The daemon calls its callbacks from its
 * single event-loop thread; plugins must not block. Every pointer handed to
 * a callback is owned by the daemon and valid only during that call, except
 * struct sf_conn, which stays valid until the conn_closed callback returns.
 */
#ifndef SUBFLOWD_PLUGIN_H
#define SUBFLOWD_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

#include <subflowd/addr.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on every incompatible change; the loader refuses other values. */
#define SF_PLUGIN_ABI_VERSION 2

struct sf_conn;		/* one MPTCP connection, opaque */

/* The path manager a plugin is made for (the daemon's [core] mode). */
enum sf_plugin_mode {
	SF_PLUGIN_MODE_USERSPACE,	/* per-connection control */
	SF_PLUGIN_MODE_KERNEL,		/* in-kernel PM endpoints */
};

/* What a callback tells the dispatcher. */
enum sf_verdict {
	SF_VERDICT_CONTINUE = 0,	/* let lower-priority plugins see it */
	SF_VERDICT_STOP = 1,		/* the event ends here */
};

/* One subflow as the daemon knows it. Ports are 0 until known. */
struct sf_subflow_info {
	struct sf_addr local;		/* with local port */
	struct sf_addr remote;		/* with remote port */
	uint8_t local_id;
	uint8_t remote_id;
	bool backup;
	int32_t ifindex;		/* 0 when unknown */
};

/* An eligible local address (it passed the [filter] rules). */
struct sf_local_addr {
	struct sf_addr addr;		/* port 0 */
	int32_t ifindex;
	const char *ifname;
	uint8_t id;			/* stable MPTCP address id, 1..255 */
};

/* [core] standby: how the handover policy treats backup interfaces. */
enum sf_standby {
	SF_STANDBY_OPEN,		/* backup subflows opened at once */
	SF_STANDBY_ON_DEMAND,		/* opened when the last primary fails */
};

/* An in-kernel PM endpoint (`ip mptcp endpoint`). */
struct sf_endpoint {
	struct sf_addr addr;		/* .port optional (signal endpoints) */
	uint8_t id;			/* 0: the kernel picks one (add) */
	uint32_t flags;			/* MPTCP_PM_ADDR_FLAG_* */
	int32_t ifindex;		/* 0: none */
};

/* In-kernel PM limits (`ip mptcp limits`). */
struct sf_pm_limits {
	uint32_t subflows;
	uint32_t add_addr_accepted;
};

/*
 * A subflow's TCP state, read from the kernel (sock_diag, tcp_info). Times
 * in *_ms are ages: how long ago it last happened. Only the daemon fills
 * it (plugins get a pointer): fields are added at its end, and a field the
 * running kernel does not report reads 0.
 */
struct sf_subflow_stats {
	uint8_t ca_state;		/* TCP_CA_* (4: Loss) */
	uint8_t retransmits;		/* RTOs in a row without progress */
	uint8_t backoff;		/* RTO backoff exponent */
	uint32_t unacked;		/* segments in flight */
	uint32_t lost;			/* segments presumed lost now */
	uint32_t total_retrans;		/* segments retransmitted, ever */
	uint32_t rto_us;
	uint32_t rtt_us;		/* smoothed RTT */
	uint32_t last_data_sent_ms;	/* since the last data sent */
	uint32_t last_data_recv_ms;
	uint32_t last_ack_recv_ms;
	uint64_t bytes_acked;
	uint32_t rttvar_us;		/* RTT mean deviation */
	uint32_t min_rtt_us;		/* windowed minimum RTT */
	uint32_t snd_cwnd;		/* congestion window, segments */
	uint32_t segs_out;		/* segments sent, retransmissions too */
	uint32_t segs_in;
	uint32_t delivered;		/* segments delivered to the peer */
	uint64_t bytes_sent;		/* retransmissions included */
	uint64_t bytes_retrans;
	uint64_t bytes_received;
};

/* Per-interface policy: [interface NAME] keys, or D-Bus overrides. */
struct sf_iface_policy {
	bool backup;			/* subflows on it carry the backup flag */
	bool announce;			/* may be advertised to peers */
	bool enabled;			/* may policies use it? */
	unsigned int subflows;		/* per remote address, >= 1 */
	uint32_t endpoint_flags;	/* kernel mode: MPTCP_PM_ADDR_FLAG_* */
	unsigned int priority;		/* kernel mode: who gets one of the
					 * 8 endpoints first, lower first */
	bool metered;			/* costs money or data cap: the quality
					 * policy uses it only when it must */
};

/*
 * Callbacks; each may be NULL. Connection events reach the connection's
 * policy plugin (see sf_conn_policy()) and every plugin with
 * SF_PLUGIN_FLAG_OBSERVER, in priority order. Global events (interfaces,
 * local addresses, listeners) reach every plugin in priority order.
 * Returning SF_VERDICT_STOP ends delivery of that event.
 */
struct sf_plugin_ops {
	enum sf_verdict (*conn_created)(struct sf_conn *conn);
	enum sf_verdict (*conn_established)(struct sf_conn *conn);
	/* The connection closed, or SetPolicy handed it to another policy:
	 * either way it is no longer this plugin's, and the plugin forgets any
	 * state it keeps for it. The new policy then sees conn_created, and
	 * conn_established and addr_announced as the connection stands. */
	enum sf_verdict (*conn_closed)(struct sf_conn *conn);
	enum sf_verdict (*addr_announced)(struct sf_conn *conn, uint8_t id,
					  const struct sf_addr *addr);
	enum sf_verdict (*addr_removed)(struct sf_conn *conn, uint8_t id);
	enum sf_verdict (*subflow_established)(struct sf_conn *conn,
					       const struct sf_subflow_info *sf);
	/* error: the socket's errno (0: clean close); reset_reason: MP_RST
	 * reason code when the peer reset it, else 0. */
	enum sf_verdict (*subflow_closed)(struct sf_conn *conn,
					  const struct sf_subflow_info *sf,
					  int error, uint32_t reset_reason);
	enum sf_verdict (*subflow_priority)(struct sf_conn *conn,
					    const struct sf_subflow_info *sf);
	enum sf_verdict (*listener_created)(const struct sf_addr *addr);
	enum sf_verdict (*listener_closed)(const struct sf_addr *addr);
	enum sf_verdict (*iface_up)(int32_t ifindex, const char *ifname);
	enum sf_verdict (*iface_down)(int32_t ifindex, const char *ifname);
	enum sf_verdict (*local_addr_added)(const struct sf_local_addr *addr);
	enum sf_verdict (*local_addr_removed)(const struct sf_local_addr *addr);
	/* The interface's policy changed at run time (reload, D-Bus
	 * SetInterfacePolicy); old_policy is what it was, sf_iface_get_policy()
	 * gives the new one. The core has already applied `backup` (MP_PRIO on
	 * the interface's established subflows) and `enabled = false` (its
	 * subflows closed); the policy applies what is its own (opening
	 * subflows on an interface enabled again, `subflows`, `announce`,
	 * endpoint flags) to its live connections. */
	enum sf_verdict (*iface_policy_changed)(int32_t ifindex,
						const char *ifname,
						const struct sf_iface_policy *old_policy);
};

enum sf_plugin_flags {
	/* See connection events of every connection, not only its own. */
	SF_PLUGIN_FLAG_OBSERVER = 1u << 0,
	/* Acts only on the connections it is the policy of, global events
	 * included, and its init may wait: the daemon loads it when a setting
	 * first names it (default policy, a rule, SetPolicy), not at start.
	 * Events from before are not replayed: what it needs of them it
	 * reads through the queries below. Ignored with
	 * SF_PLUGIN_FLAG_OBSERVER. */
	SF_PLUGIN_FLAG_ON_DEMAND = 1u << 1,
};

struct sf_plugin_desc {
	unsigned int abi;		/* SF_PLUGIN_ABI_VERSION */
	const char *name;		/* the policy name, e.g. "fullmesh" */
	int priority;			/* lower runs first */
	enum sf_plugin_mode mode;
	uint32_t flags;			/* enum sf_plugin_flags */
	int (*init)(void);		/* 0 or negative errno: not loaded */
	/* At shutdown, while queries and commands still work: the daemon
	 * waits (2 s at most) for the kernel to answer what exit sends, and
	 * the completions still run, after exit, before the unload. */
	void (*exit)(void);
	const struct sf_plugin_ops *ops;
};

#define SF_PLUGIN_SYMBOL "sf_plugin_descriptor"

/*
 * Define the plugin's descriptor. `name` is a string literal; `init` and
 * `exit` may be NULL. SF_PLUGIN_SELF names the descriptor inside the plugin.
 */
#define SF_PLUGIN_DEFINE(name_, priority_, mode_, flags_, init_, exit_, ops_) \
	__attribute__((visibility("default")))				\
	const struct sf_plugin_desc sf_plugin_descriptor = {		\
		SF_PLUGIN_ABI_VERSION, name_, priority_, mode_, flags_,	\
		init_, exit_, ops_,					\
	}
#define SF_PLUGIN_SELF (&sf_plugin_descriptor)
extern const struct sf_plugin_desc sf_plugin_descriptor;

/*
 * Log through the daemon's log target (journal, syslog or stderr). level is
 * LOG_ERR, LOG_WARNING, LOG_INFO or LOG_DEBUG from <syslog.h>; debug lines
 * appear only when the daemon runs with --debug. Start lines about one
 * connection with its token: "[%08x] ...".
 */
void sf_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Are debug lines on (--debug, its pattern matching src/api-query.c)?
 * sf_debug() asks first, so that a debug line's arguments (an address
 * made a string, say) are not even computed when they would be dropped:
 * write every LOG_DEBUG line with it.
 */
bool sf_log_debug_on(void);
#define sf_debug(...) do {					\
	if (sf_log_debug_on())					\
		sf_log(LOG_DEBUG, __VA_ARGS__);			\
} while (0)

/* --- queries: the daemon's view --------------------------------------- */

uint32_t sf_conn_token(const struct sf_conn *conn);
const struct sf_addr *sf_conn_local(const struct sf_conn *conn);
const struct sf_addr *sf_conn_remote(const struct sf_conn *conn);
bool sf_conn_server_side(const struct sf_conn *conn);
bool sf_conn_established(const struct sf_conn *conn);
/* Established, and opened by this host: a connection whose subflows a
 * client-side policy opens (on the server side the peer opens them). */
bool sf_conn_client_established(const struct sf_conn *conn);
/* Name of the policy plugin that decides for this connection. */
const char *sf_conn_policy(const struct sf_conn *conn);
/* May subflows join the peer's initial address and port? Not when the peer
 * said so (the MP_CAPABLE C flag, DENY_JOIN_ID0) or refused such a join on
 * this connection; then only the addresses it announced may be joined. */
bool sf_conn_initial_addr_joinable(const struct sf_conn *conn);
/* Make plugin the connection's policy (claim it). */
void sf_conn_claim(struct sf_conn *conn, const struct sf_plugin_desc *plugin);
/* Subflows the daemon knows, including ones still being created, but not
 * those it asked the kernel to close (sf_subflow_destroy(), a withdrawn
 * address): a new subflow may take their path at once. The same holds for
 * sf_conn_foreach_subflow(). */
unsigned int sf_conn_subflow_count(const struct sf_conn *conn);

typedef void (*sf_subflow_func_t)(struct sf_conn *conn,
				  const struct sf_subflow_info *sf,
				  void *user_data);
typedef void (*sf_remote_addr_func_t)(struct sf_conn *conn, uint8_t id,
				      const struct sf_addr *addr,
				      void *user_data);
typedef void (*sf_conn_func_t)(struct sf_conn *conn, void *user_data);
typedef void (*sf_local_addr_func_t)(const struct sf_local_addr *addr,
				     void *user_data);
typedef void (*sf_iface_func_t)(int32_t ifindex, const char *ifname, bool up,
				void *user_data);

void sf_conn_foreach_subflow(struct sf_conn *conn, sf_subflow_func_t func,
			     void *user_data);
/* Addresses the peer announced (ANNOUNCED events), by id. */
void sf_conn_foreach_remote_addr(struct sf_conn *conn,
				 sf_remote_addr_func_t func, void *user_data);
/* Connections whose policy is plugin (NULL: all connections). */
void sf_conn_foreach(const struct sf_plugin_desc *plugin, sf_conn_func_t func,
		     void *user_data);
/* Every eligible local address. */
void sf_local_addr_foreach(sf_local_addr_func_t func, void *user_data);
/*
 * The paths of conn, for policies that open subflows along them: every
 * eligible local address (only local, when not NULL) with every remote
 * address of its family (only remote, when not NULL): the peer's initial
 * address unless it takes no joins there, and each address it announced.
 * remote's port is never 0 (an announcement without one stands for the
 * connection's port). func runs once per pair, from inside this call.
 */
typedef void (*sf_path_func_t)(struct sf_conn *conn,
			       const struct sf_local_addr *local,
			       const struct sf_addr *remote, void *user_data);
void sf_conn_foreach_path(struct sf_conn *conn,
			  const struct sf_local_addr *local,
			  const struct sf_addr *remote, sf_path_func_t func,
			  void *user_data);
/* Policy for the interface with this index (defaults if unknown). */
void sf_iface_get_policy(int32_t ifindex, struct sf_iface_policy *ret_policy);
/* Every known interface, by index. */
void sf_iface_foreach(sf_iface_func_t func, void *user_data);
/* Operationally up (administratively up and carrier)? */
bool sf_iface_is_up(int32_t ifindex);
/* Name of the interface, NULL if unknown. */
const char *sf_iface_name(int32_t ifindex);
/* Index of the interface holding this local address, 0 if none. */
int32_t sf_local_addr_ifindex(const struct sf_addr *addr);

/* [core] settings. */
unsigned int sf_config_max_subflows(void);
enum sf_standby sf_config_standby(void);


/* --- path health: the daemon's judgement of each subflow --------------- */

/* [quality] (subflowd.conf(5)): when a path counts as degraded. */
struct sf_quality_config {
	unsigned int poll_ms;		/* watched connections' subflows are
					 * read this often (others: 1 s) */
	unsigned int max_loss_percent;	/* retransmitted more: lossy */
	unsigned int max_rtt_ratio;	/* smoothed RTT above this multiple of
					 * the path's own minimum RTT ... */
	unsigned int min_rtt_increase_ms; /* ... and this far above it: slow */
	unsigned int stall_ms;		/* data in flight, no ACK for this
					 * long: stalled (a blackhole) */
	unsigned int recover_ms;	/* good this long: recovered */
	unsigned int worse_rtt_ratio;	/* RTT above this multiple of the best
					 * path's: far worse than the best */
	unsigned int worse_loss_percent; /* loss this many points above the
					  * best path's: far worse too */
	unsigned int probe_ms;		/* a path benched for being degraded
					 * is tried again this often */
};
void sf_config_quality(struct sf_quality_config *ret_config);

enum sf_health_state {
	SF_HEALTH_UNKNOWN,		/* too little traffic seen to judge */
	SF_HEALTH_GOOD,
	SF_HEALTH_SLOW,			/* RTT far above its own minimum */
	SF_HEALTH_LOSSY,		/* loss above max-loss-percent */
	SF_HEALTH_STALLED,		/* data in flight, no ACK: blackhole */
};
/* "good", "slow" ... as D-Bus and subflowctl show them. */
const char *sf_health_state_to_str(enum sf_health_state state);

/*
 * One subflow's health, judged from its recent tcp_info samples. SLOW and
 * LOSSY are reported only once two samples in a row agree; a subflow
 * that carries no traffic keeps its last judgement.
 */
struct sf_subflow_health {
	enum sf_health_state state;
	uint32_t state_ms;		/* how long it has been in this state */
	uint32_t srtt_us;		/* smoothed RTT, latest sample */
	uint32_t min_rtt_us;		/* the path's own minimum RTT */
	uint32_t loss_permille;		/* retransmitted share of the segments
					 * sent lately (0..1000) */
	uint32_t total_retrans;		/* segments retransmitted, ever */
	uint64_t bytes_sent;		/* retransmissions included */
	uint64_t bytes_acked;
	uint64_t bytes_received;
	uint32_t idle_ms;		/* since it last sent or received */
};

/*
 * The health of one subflow of conn (ports required), as of the latest
 * sample: no I/O. Returns 0, or -ENOENT when it has not been sampled yet.
 * Only measured subflows are sampled: those of the connections of a
 * plugin that watches them (sf_health_watch()), those on metered
 * interfaces, and those of connections a D-Bus client asked about.
 */
int sf_subflow_get_health(struct sf_conn *conn,
			  const struct sf_subflow_info *sf,
			  struct sf_subflow_health *ret_health);

/*
 * Have the subflows of plugin's connections read every [quality] poll-ms,
 * and func called for each of those connections after each read, from the
 * event loop. One watch per plugin: a new call replaces it, func NULL ends
 * it. Start it in init and end it in exit.
 */
void sf_health_watch(const struct sf_plugin_desc *plugin, sf_conn_func_t func,
		     void *user_data);

/* --- commands ----------------------------------------------------------- */

/*
 * Every command and query below takes a callback, user_data and destroy,
 * and returns the command's id (> 0) once it is sent, or a negative errno
 * when nothing was sent (then neither callback nor destroy ever runs and
 * user_data stays the caller's).
 *
 * For a command that was sent, the callback runs exactly once, from the
 * event loop (never from inside the call that sent it), unless
 * sf_cmd_cancel() came first: with the kernel's answer, or with
 * -ECANCELED when the command's connection closes (before conn_closed),
 * when the plugin whose code the callback (or destroy) is is unloaded after
 * its exit ran, or when the daemon stops first. destroy(user_data) then
 * runs exactly once: after the callback, or inside sf_cmd_cancel(). Both
 * may be NULL: the daemon logs every refusal itself, with the connection's
 * token and the kernel's text.
 */

/*
 * Completion of a command: error is 0 or the kernel's negative errno
 * (-ECANCELED: see above), extack the kernel's extended-ack text or NULL.
 */
typedef void (*sf_cmd_done_func_t)(int error, const char *extack,
				   void *user_data);
/* Frees user_data (see above). */
typedef void (*sf_destroy_func_t)(void *user_data);

/*
 * Stop waiting for command id: its callback will not run; destroy runs
 * now. The kernel still carries it out (it was sent). Returns 0, or
 * -ENOENT when id has no callback or destroy left to drop (it ended, or
 * had none).
 */
int sf_cmd_cancel(int id);

/*
 * The TCP state of one subflow, as the kernel reports it (sock_diag,
 * tcp_info): error 0 with stats (valid during the call), -ENOENT when the
 * kernel has no such socket (or only its TIME_WAIT), -ECANCELED (see
 * above), or another negative errno.
 */
typedef void (*sf_subflow_stats_func_t)(int error,
					const struct sf_subflow_stats *stats,
					void *user_data);
/*
 * Ask the kernel for the TCP state of one subflow of conn (ports
 * required): a query, answered like a command (see above; cancel with
 * sf_cmd_cancel()). Returns its id, or -EINVAL, -ENETDOWN, -ENOMEM.
 */
int sf_subflow_query_stats(struct sf_conn *conn,
			   const struct sf_subflow_info *sf,
			   sf_subflow_stats_func_t func, void *user_data,
			   sf_destroy_func_t destroy);

/*
 * Open a subflow from local (port ignored) to remote (port 0: the
 * connection's remote port). Returns the id when sent; -EALREADY when a
 * subflow with this local address and remote address/port exists or is
 * being created; -ENOSPC at [core] max-subflows; -EADDRNOTAVAIL when local
 * is not an eligible local address; -EPERM when remote is the peer's initial
 * address and port and the peer does not take joins there (see
 * sf_conn_initial_addr_joinable()); -ENOTCONN when the connection is not
 * established; -ENOMEM.
 *
 * A subflow that then fails (closes with an error, or the peer refuses the
 * join) is re-created by the daemon with backoff, extra ones included:
 * policies keep no re-open timers of their own.
 */
int sf_subflow_create(struct sf_conn *conn, const struct sf_addr *local,
		      const struct sf_addr *remote, bool backup,
		      sf_cmd_done_func_t done, void *user_data,
		      sf_destroy_func_t destroy);
/*
 * Like sf_subflow_create(), but open another subflow even when one from this
 * local address to this remote address/port exists (the kernel picks a new
 * source port): for policies that want several subflows per address pair.
 */
int sf_subflow_create_extra(struct sf_conn *conn, const struct sf_addr *local,
			    const struct sf_addr *remote, bool backup,
			    sf_cmd_done_func_t done, void *user_data,
			    sf_destroy_func_t destroy);
/* Close the subflow with this 4-tuple (ports required). */
int sf_subflow_destroy(struct sf_conn *conn, const struct sf_addr *local,
		       const struct sf_addr *remote,
		       sf_cmd_done_func_t done, void *user_data,
		       sf_destroy_func_t destroy);
/* Set or clear the backup flag of one subflow (MP_PRIO). */
int sf_subflow_set_backup(struct sf_conn *conn, const struct sf_addr *local,
			  const struct sf_addr *remote, bool backup,
			  sf_cmd_done_func_t done, void *user_data,
			  sf_destroy_func_t destroy);

/*
 * A local address went away: withdraw it from the connection. The peer is
 * told first (REMOVE_ADDR with the address's id, unless it is the initial
 * address, id 0), so it drops its side of the subflows at once instead of
 * on a timeout (packets from a deleted address go nowhere); then every
 * subflow from the address is closed. Returns the number of subflows being
 * closed (0: none used the address; nothing is sent) or a negative errno
 * as for sf_subflow_destroy(). The daemon logs how its commands end.
 */
int sf_conn_withdraw_local_addr(struct sf_conn *conn,
				const struct sf_addr *addr);

/*
 * Announce a local address to the peer (ADD_ADDR) under its id, with port
 * (0: the connection's local port, i.e. the listening port on a server).
 * The daemon makes sure an MPTCP socket listens on addr:port so that the
 * peer's joins are accepted (an application's wildcard listener on that
 * port already does). Returns the id, -EADDRNOTAVAIL when addr is not an
 * eligible local address, -EADDRINUSE when something other than an MPTCP
 * listener (a plain TCP one) holds addr:port, so joins would fail (nothing
 * is sent), or -EINVAL/-ENOTCONN/-EOPNOTSUPP as for subflow creation. When
 * the kernel must first be asked who holds addr:port, the id comes at once
 * and -EADDRINUSE, if so, through the callback.
 */
int sf_addr_announce(struct sf_conn *conn, const struct sf_local_addr *addr,
		     uint16_t port, sf_cmd_done_func_t done, void *user_data,
		     sf_destroy_func_t destroy);

/*
 * Tell the peer that local address id is gone (REMOVE_ADDR); the peer then
 * closes the subflows it has with that address. id must be one the
 * connection uses (a subflow's local_id).
 */
int sf_addr_remove(struct sf_conn *conn, uint8_t id,
		   sf_cmd_done_func_t done, void *user_data,
		   sf_destroy_func_t destroy);

/* --- in-kernel PM (plugins of SF_PLUGIN_MODE_KERNEL) ------------------- */

/* Add an endpoint; on success the completion's error is 0 and the kernel
 * chose ep->id when it was 0 (see sf_endpoint_list to learn it). */
int sf_endpoint_add(const struct sf_endpoint *ep, sf_cmd_done_func_t done,
		    void *user_data, sf_destroy_func_t destroy);
int sf_endpoint_del(uint8_t id, sf_cmd_done_func_t done, void *user_data,
		    sf_destroy_func_t destroy);
/* Change the backup/fullmesh flags of an endpoint. */
int sf_endpoint_set_flags(uint8_t id, uint32_t flags, sf_cmd_done_func_t done,
			  void *user_data, sf_destroy_func_t destroy);

/*
 * Every endpoint of the namespace. func is called like a command's
 * callback: with error 0 and the list (valid during the call), or with a
 * negative errno and n == 0.
 */
typedef void (*sf_endpoint_list_func_t)(int error,
					const struct sf_endpoint *endpoints,
					unsigned int n, void *user_data);
int sf_endpoint_list(sf_endpoint_list_func_t func, void *user_data,
		     sf_destroy_func_t destroy);

int sf_limits_set(const struct sf_pm_limits *limits, sf_cmd_done_func_t done,
		  void *user_data, sf_destroy_func_t destroy);
/* Like sf_endpoint_list(): limits valid during the call, NULL on error. */
typedef void (*sf_limits_func_t)(int error, const struct sf_pm_limits *limits,
				 void *user_data);
int sf_limits_get(sf_limits_func_t func, void *user_data,
		  sf_destroy_func_t destroy);

/* --- timers -------------------------------------------------------------- */

/*
 * A one-shot timer on the daemon's event loop. The plugin owns it from
 * sf_timer_new() to sf_timer_free(); whatever the daemon's event loop
 * library is, these calls are all a plugin needs (it links nothing else of
 * the daemon).
 */
struct sf_timer;

/* The timer fired; timer is the one sf_timer_new() returned. */
typedef void (*sf_timer_func_t)(struct sf_timer *timer, void *user_data);

/*
 * Start a timer: func(timer, user_data) runs once, ms milliseconds from now
 * (0 counts as 1), from the event loop, never from inside this call. After
 * it fired the timer sleeps until sf_timer_modify() arms it again (func may
 * do that, to repeat) or sf_timer_free() frees it. Timers cost no file
 * descriptor: a plugin may keep one per connection, however many there
 * are. Returns NULL only when func is NULL.
 */
struct sf_timer *sf_timer_new(unsigned int ms, sf_timer_func_t func,
			      void *user_data, sf_destroy_func_t destroy);
/* Arm timer again: func runs once, ms (0: 1) from now, whether or not it
 * fired already; an earlier deadline not reached yet is forgotten. */
void sf_timer_modify(struct sf_timer *timer, unsigned int ms);
/*
 * Stop timer and free it (NULL: nothing); destroy(user_data) runs now.
 * Fine from inside func. A timer whose func or destroy is a plugin's code
 * and that is still there after the plugin's exit ran is freed by the
 * daemon (destroy runs) before the plugin is unloaded.
 */
void sf_timer_free(struct sf_timer *timer);

/* --- a plugin's state on a connection ------------------------------------ */

/*
 * Keep data on conn for plugin (SF_PLUGIN_SELF), replacing what plugin kept
 * there: the old data's destroy runs, unless it is data itself; data NULL
 * just drops it. The daemon runs destroy(data) when it stops keeping it:
 * when the connection is freed (after conn_closed reached every plugin),
 * when SetPolicy hands the connection from plugin to another policy (after
 * plugin's conn_closed), or when plugin is unloaded (after its exit).
 * destroy may be NULL; it frees data and calls nothing of this API.
 */
void sf_conn_set_data(struct sf_conn *conn, const struct sf_plugin_desc *plugin,
		      void *data, sf_destroy_func_t destroy);
/* What plugin keeps on conn, NULL when nothing. */
void *sf_conn_get_data(const struct sf_conn *conn,
		       const struct sf_plugin_desc *plugin);

#ifdef __cplusplus
}
#endif

#endif
