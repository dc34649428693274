/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine: the table of MPTCP connections, keyed by token, with their
 * subflows and the addresses their peers announced. Fed by decoded kernel
 * events (and by the daemon's own pending commands); no sockets.
 *
 * The public accessors (sf_conn_token() and friends) are declared in
 * <subflowd/plugin.h> and implemented in conn.c.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <ell/ell.h>

#include <subflowd/plugin.h>

struct sf_conn_table;

enum sf_subflow_state {
	SF_SUBFLOW_STATE_CREATING,	/* SUBFLOW_CREATE sent, no event yet */
	SF_SUBFLOW_STATE_ESTABLISHED,
};

struct sf_conn_table *sf_conn_table_new(void);
/* Frees every connection too. */
void sf_conn_table_free(struct sf_conn_table *table);
DEFINE_CLEANUP_FUNC(sf_conn_table_free);

/*
 * Add a connection (CREATED / ESTABLISHED event, or adoption at start).
 * Returns the new connection, or the existing one with that token (whose
 * addresses are then refreshed from the arguments).
 */
struct sf_conn *sf_conn_table_add(struct sf_conn_table *table, uint32_t token,
				  const struct sf_addr *local,
				  const struct sf_addr *remote,
				  bool server_side);
struct sf_conn *sf_conn_table_lookup(const struct sf_conn_table *table,
				     uint32_t token);
/* Remove and free. Returns -ENOENT for an unknown token. */
int sf_conn_table_remove(struct sf_conn_table *table, uint32_t token);
unsigned int sf_conn_table_count(const struct sf_conn_table *table);
/* Visit every connection; func may not add or remove connections. */
void sf_conn_table_foreach(const struct sf_conn_table *table,
			   sf_conn_func_t func, void *user_data);

void sf_conn_set_established(struct sf_conn *conn);
void sf_conn_set_policy(struct sf_conn *conn, const struct sf_plugin_desc *policy);
const struct sf_plugin_desc *sf_conn_get_policy(const struct sf_conn *conn);
/* The peer takes no joins to its initial address and port (it said so with
 * DENY_JOIN_ID0, or refused one): see sf_conn_initial_addr_joinable(). */
void sf_conn_deny_initial_addr(struct sf_conn *conn);
/* The uid that owns the connection's socket, once learned (sock_diag):
 * set once, read as often as wanted. get returns false while unknown. */
void sf_conn_set_owner(struct sf_conn *conn, uint32_t uid);
bool sf_conn_get_owner(const struct sf_conn *conn, uint32_t *ret_uid);
/* Is a query for the owner out (src/owner.c)? */
void sf_conn_set_owner_asked(struct sf_conn *conn, bool asked);
bool sf_conn_owner_asked(const struct sf_conn *conn);
/* Has the D-Bus API announced the connection (InterfacesAdded)? dbus.c
 * decides when; set once. */
void sf_conn_set_published(struct sf_conn *conn);
bool sf_conn_published(const struct sf_conn *conn);

/*
 * Subflows. A subflow is identified by its local IP and its remote IP and
 * port; the local port tells two subflows from the same address apart once
 * the kernel reported it. A struct sf_subflow_info handed out stays where it
 * is until that subflow is removed (adding others never moves it).
 * sf_conn_subflow_find() matches a fully known 4-tuple exactly and a
 * CREATING entry (local port 0) by the other three.
 */
struct sf_subflow_info *sf_conn_subflow_find(const struct sf_conn *conn,
					     const struct sf_addr *local,
					     const struct sf_addr *remote);
/* Is there a subflow (created or being created, not being destroyed)
 * from local IP to remote IP and port? */
bool sf_conn_subflow_exists(const struct sf_conn *conn,
			    const struct sf_addr *local,
			    const struct sf_addr *remote);
/* Record a subflow being created (local port unknown yet). Callers check
 * sf_conn_subflow_exists() first unless they want another one. */
void sf_conn_subflow_add_creating(struct sf_conn *conn,
				  const struct sf_subflow_info *info);
/* Forget the subflows from local that are still being created (their
 * address went away: they cannot be withdrawn, and must not keep the path
 * taken when it comes back). */
void sf_conn_subflow_forget_creating(struct sf_conn *conn,
				     const struct sf_addr *local);
/* SUB_ESTABLISHED / adoption: insert or complete the subflow. */
struct sf_subflow_info *sf_conn_subflow_established(struct sf_conn *conn,
						    const struct sf_subflow_info *info);
/* SUB_CLOSED, or a failed SUBFLOW_CREATE: forget it. -ENOENT if unknown. */
int sf_conn_subflow_remove(struct sf_conn *conn, const struct sf_addr *local,
			   const struct sf_addr *remote);
/*
 * The daemon asked the kernel to close this subflow (info as found): until
 * its SUB_CLOSED it is on its way out, and no longer listed by
 * sf_conn_foreach_subflow(), counted, or in the way of a new subflow on
 * its path (sf_conn_subflow_exists()); sf_conn_subflow_find() still finds
 * it. destroying false: the kernel refused, it stays.
 */
void sf_conn_subflow_set_destroying(struct sf_conn *conn,
				    const struct sf_subflow_info *info,
				    bool destroying);
/* Did the daemon ask the kernel to close it (sf_conn_subflow_set_destroying)? */
bool sf_conn_subflow_is_destroying(const struct sf_conn *conn,
				   const struct sf_subflow_info *info);
/* Subflows listed (created or being created, not being destroyed) from
 * local (port 0: any local port) to remote IP and port. */
unsigned int sf_conn_pair_count(const struct sf_conn *conn,
				const struct sf_addr *local,
				const struct sf_addr *remote);
enum sf_subflow_state sf_conn_subflow_state(const struct sf_conn *conn,
					    const struct sf_subflow_info *info);

/* Peer-announced addresses (ANNOUNCED / REMOVED). An id re-announced
 * replaces the old address. */
void sf_conn_remote_addr_add(struct sf_conn *conn, uint8_t id,
			     const struct sf_addr *addr);
int sf_conn_remote_addr_remove(struct sf_conn *conn, uint8_t id);
/* The address the peer announced under id, or NULL. */
const struct sf_addr *sf_conn_remote_addr_find(const struct sf_conn *conn,
					       uint8_t id);
/* May a subflow go to remote (IP and port)? Its initial address unless the
 * peer denies joins there, or an address it announced and has not
 * withdrawn (an announcement without a port stands for the connection's). */
bool sf_conn_remote_joinable(const struct sf_conn *conn,
			     const struct sf_addr *remote);

/*
 * Plugins' own state on a connection (sf_conn_set_data()), one pointer per
 * owner (a plugin's descriptor). set replaces the owner's data (the old
 * destroy runs unless the pointer is the same; data NULL drops it); drop
 * runs the owner's destroy and forgets it. The connection's own free drops
 * every owner's.
 */
void sf_conn_data_set(struct sf_conn *conn, const void *owner, void *data,
		      sf_destroy_func_t destroy);
void *sf_conn_data_get(const struct sf_conn *conn, const void *owner);
void sf_conn_data_drop(struct sf_conn *conn, const void *owner);
