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
#include <stdint.h>

#include <subflowd/addr.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on every incompatible change; the loader refuses other values. */
#define SF_PLUGIN_ABI_VERSION 1

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

/* Per-interface policy: [interface NAME] keys, or D-Bus overrides. */
struct sf_iface_policy {
	bool backup;			/* subflows on it carry the backup flag */
	bool announce;			/* may be advertised to peers */
	bool enabled;			/* may be used at all */
	unsigned int subflows;		/* per remote address, >= 1 */
	uint32_t endpoint_flags;	/* kernel mode: MPTCP_PM_ADDR_FLAG_* */
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
};

enum sf_plugin_flags {
	/* See connection events of every connection, not only its own. */
	SF_PLUGIN_FLAG_OBSERVER = 1u << 0,
};

struct sf_plugin_desc {
	unsigned int abi;		/* SF_PLUGIN_ABI_VERSION */
	const char *name;		/* the policy name, e.g. "fullmesh" */
	int priority;			/* lower runs first */
	enum sf_plugin_mode mode;
	uint32_t flags;			/* enum sf_plugin_flags */
	int (*init)(void);		/* 0 or negative errno: not loaded */
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

/* --- queries: the daemon's view --------------------------------------- */

uint32_t sf_conn_token(const struct sf_conn *conn);
const struct sf_addr *sf_conn_local(const struct sf_conn *conn);
const struct sf_addr *sf_conn_remote(const struct sf_conn *conn);
bool sf_conn_server_side(const struct sf_conn *conn);
bool sf_conn_established(const struct sf_conn *conn);
/* Name of the policy plugin that decides for this connection. */
const char *sf_conn_policy(const struct sf_conn *conn);
/* Make plugin the connection's policy (claim it). */
void sf_conn_claim(struct sf_conn *conn, const struct sf_plugin_desc *plugin);
/* Subflows the daemon knows, including ones still being created. */
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
/* Policy for the interface with this index (defaults if unknown). */
void sf_iface_get_policy(int32_t ifindex, struct sf_iface_policy *ret_policy);

/* --- commands ----------------------------------------------------------- */

/*
 * Completion of a command: error is 0 or the kernel's negative errno, extack
 * the kernel's extended-ack text or NULL. Called exactly once for every
 * command that returned 0, from the event loop (never from inside the
 * command call itself).
 */
typedef void (*sf_cmd_done_func_t)(int error, const char *extack,
				   void *user_data);

/*
 * Open a subflow from local (port ignored) to remote (port 0: the
 * connection's remote port). Returns 0 when sent; -EALREADY when a subflow
 * with this local address and remote address/port exists or is being
 * created; -ENOSPC at [core] max-subflows; -EADDRNOTAVAIL when local is not
 * an eligible local address; -ENOTCONN when the connection is not
 * established; -ENOMEM.
 */
int sf_subflow_create(struct sf_conn *conn, const struct sf_addr *local,
		      const struct sf_addr *remote, bool backup,
		      sf_cmd_done_func_t done, void *user_data);
/* Close the subflow with this 4-tuple (ports required). */
int sf_subflow_destroy(struct sf_conn *conn, const struct sf_addr *local,
		       const struct sf_addr *remote,
		       sf_cmd_done_func_t done, void *user_data);
/* Set or clear the backup flag of one subflow (MP_PRIO). */
int sf_subflow_set_backup(struct sf_conn *conn, const struct sf_addr *local,
			  const struct sf_addr *remote, bool backup,
			  sf_cmd_done_func_t done, void *user_data);

/*
 * Tell the peer that local address id is gone (REMOVE_ADDR); the peer then
 * closes the subflows it has with that address. id must be one the
 * connection uses (a subflow's local_id).
 */
int sf_addr_remove(struct sf_conn *conn, uint8_t id,
		   sf_cmd_done_func_t done, void *user_data);

#ifdef __cplusplus
}
#endif

#endif
