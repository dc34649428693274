/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "conn.h"

struct sf_subflow {
	struct sf_subflow_info info;	/* first: info pointers map back */
	enum sf_subflow_state state;
};

struct sf_remote_addr {
	uint8_t id;
	struct sf_addr addr;
};

struct sf_conn {
	uint32_t token;
	struct sf_addr local;
	struct sf_addr remote;
	bool server_side;
	bool established;
	bool has_owner;
	uid_t owner;
	const struct sf_plugin_desc *policy;
	struct l_queue *subflows;	/* struct sf_subflow */
	struct l_queue *remote_addrs;	/* struct sf_remote_addr */
};

struct sf_conn_table {
	struct l_hashmap *conns;	/* token -> struct sf_conn */
};

static void conn_free(void *data)
{
	struct sf_conn *conn = data;

	if (!conn)
		return;

	l_queue_destroy(conn->subflows, l_free);
	l_queue_destroy(conn->remote_addrs, l_free);
	l_free(conn);
}

struct sf_conn_table *sf_conn_table_new(void)
{
	struct sf_conn_table *table = l_new(struct sf_conn_table, 1);

	table->conns = l_hashmap_new();
	return table;
}

void sf_conn_table_free(struct sf_conn_table *table)
{
	if (!table)
		return;

	l_hashmap_destroy(table->conns, conn_free);
	l_free(table);
}

struct sf_conn *sf_conn_table_add(struct sf_conn_table *table, uint32_t token,
				  const struct sf_addr *local,
				  const struct sf_addr *remote,
				  bool server_side)
{
	struct sf_conn *conn = sf_conn_table_lookup(table, token);

	if (!conn) {
		conn = l_new(struct sf_conn, 1);
		conn->token = token;
		conn->subflows = l_queue_new();
		conn->remote_addrs = l_queue_new();
		l_hashmap_insert(table->conns, L_UINT_TO_PTR(token), conn);
	}

	conn->local = *local;
	conn->remote = *remote;
	conn->server_side = server_side;
	return conn;
}

struct sf_conn *sf_conn_table_lookup(const struct sf_conn_table *table,
				     uint32_t token)
{
	return l_hashmap_lookup(table->conns, L_UINT_TO_PTR(token));
}

int sf_conn_table_remove(struct sf_conn_table *table, uint32_t token)
{
	struct sf_conn *conn = l_hashmap_remove(table->conns,
						L_UINT_TO_PTR(token));

	if (!conn)
		return -ENOENT;

	conn_free(conn);
	return 0;
}

unsigned int sf_conn_table_count(const struct sf_conn_table *table)
{
	return l_hashmap_size(table->conns);
}

struct foreach_ctx {
	sf_conn_func_t func;
	void *user_data;
};

static void foreach_conn(const void *key, void *value, void *user_data)
{
	struct foreach_ctx *ctx = user_data;

	ctx->func(value, ctx->user_data);
}

void sf_conn_table_foreach(const struct sf_conn_table *table,
			   sf_conn_func_t func, void *user_data)
{
	struct foreach_ctx ctx = { func, user_data };

	l_hashmap_foreach(table->conns, foreach_conn, &ctx);
}

void sf_conn_set_established(struct sf_conn *conn)
{
	conn->established = true;
}

void sf_conn_set_policy(struct sf_conn *conn, const struct sf_plugin_desc *policy)
{
	conn->policy = policy;
}

const struct sf_plugin_desc *sf_conn_get_policy(const struct sf_conn *conn)
{
	return conn->policy;
}

void sf_conn_set_owner(struct sf_conn *conn, uid_t uid)
{
	conn->owner = uid;
	conn->has_owner = true;
}

/* --- subflows --- */

static bool subflow_matches(const struct sf_subflow *sf,
			    const struct sf_addr *local,
			    const struct sf_addr *remote)
{
	if (!sf_addr_ip_equal(&sf->info.local, local) ||
	    !sf_addr_equal(&sf->info.remote, remote))
		return false;

	/* A port of 0 on either side is "not known yet". */
	return !sf->info.local.port || !local->port ||
	       sf->info.local.port == local->port;
}

static struct sf_subflow *subflow_find(const struct sf_conn *conn,
				       const struct sf_addr *local,
				       const struct sf_addr *remote)
{
	const struct l_queue_entry *e;
	struct sf_subflow *partial = NULL;

	/* Prefer an exact 4-tuple over an entry whose local port is open. */
	for (e = l_queue_get_entries(conn->subflows); e; e = e->next) {
		struct sf_subflow *sf = e->data;

		if (!subflow_matches(sf, local, remote))
			continue;

		if (sf->info.local.port == local->port)
			return sf;

		if (!partial)
			partial = sf;
	}

	return partial;
}

struct sf_subflow_info *sf_conn_subflow_find(const struct sf_conn *conn,
					     const struct sf_addr *local,
					     const struct sf_addr *remote)
{
	struct sf_subflow *sf = subflow_find(conn, local, remote);

	return sf ? &sf->info : NULL;
}

bool sf_conn_subflow_exists(const struct sf_conn *conn,
			    const struct sf_addr *local,
			    const struct sf_addr *remote)
{
	struct sf_addr any_port = *local;

	any_port.port = 0;
	return subflow_find(conn, &any_port, remote) != NULL;
}

void sf_conn_subflow_add_creating(struct sf_conn *conn,
				  const struct sf_subflow_info *info)
{
	struct sf_subflow *sf;

	sf = l_new(struct sf_subflow, 1);
	sf->info = *info;
	sf->info.local.port = 0;
	sf->state = SF_SUBFLOW_STATE_CREATING;
	l_queue_push_tail(conn->subflows, sf);
}

static bool creating_from(void *data, void *user_data)
{
	struct sf_subflow *sf = data;

	if (sf->state != SF_SUBFLOW_STATE_CREATING ||
	    !sf_addr_ip_equal(&sf->info.local, user_data))
		return false;

	l_free(sf);
	return true;
}

void sf_conn_subflow_forget_creating(struct sf_conn *conn,
				     const struct sf_addr *local)
{
	l_queue_foreach_remove(conn->subflows, creating_from, (void *) local);
}

struct sf_subflow_info *sf_conn_subflow_established(struct sf_conn *conn,
						    const struct sf_subflow_info *info)
{
	struct sf_subflow *sf = subflow_find(conn, &info->local, &info->remote);

	/* Only a CREATING entry may be completed by a new local port. */
	if (sf && sf->info.local.port != info->local.port &&
	    sf->state != SF_SUBFLOW_STATE_CREATING)
		sf = NULL;

	if (!sf) {
		sf = l_new(struct sf_subflow, 1);
		l_queue_push_tail(conn->subflows, sf);
	}

	/* Keep an ifindex we already knew: userspace-PM events lack it. */
	if (!info->ifindex && sf->info.ifindex) {
		int32_t ifindex = sf->info.ifindex;

		sf->info = *info;
		sf->info.ifindex = ifindex;
	} else {
		sf->info = *info;
	}

	sf->state = SF_SUBFLOW_STATE_ESTABLISHED;
	return &sf->info;
}

int sf_conn_subflow_remove(struct sf_conn *conn, const struct sf_addr *local,
			   const struct sf_addr *remote)
{
	struct sf_subflow *sf = subflow_find(conn, local, remote);

	if (!sf)
		return -ENOENT;

	l_queue_remove(conn->subflows, sf);
	l_free(sf);
	return 0;
}

enum sf_subflow_state sf_conn_subflow_state(const struct sf_conn *conn,
					    const struct sf_subflow_info *info)
{
	const struct sf_subflow *sf = (const struct sf_subflow *) info;

	return sf->state;
}

/* --- remote addresses --- */

static bool remote_addr_has_id(const void *data, const void *user_data)
{
	const struct sf_remote_addr *ra = data;

	return ra->id == L_PTR_TO_UINT(user_data);
}

void sf_conn_remote_addr_add(struct sf_conn *conn, uint8_t id,
			     const struct sf_addr *addr)
{
	struct sf_remote_addr *ra = l_queue_find(conn->remote_addrs,
						 remote_addr_has_id,
						 L_UINT_TO_PTR(id));

	if (!ra) {
		ra = l_new(struct sf_remote_addr, 1);
		ra->id = id;
		l_queue_push_tail(conn->remote_addrs, ra);
	}

	ra->addr = *addr;
}

int sf_conn_remote_addr_remove(struct sf_conn *conn, uint8_t id)
{
	struct sf_remote_addr *ra = l_queue_remove_if(conn->remote_addrs,
						      remote_addr_has_id,
						      L_UINT_TO_PTR(id));

	if (!ra)
		return -ENOENT;

	l_free(ra);
	return 0;
}

/* --- public accessors (<subflowd/plugin.h>) --- */

uint32_t sf_conn_token(const struct sf_conn *conn)
{
	return conn->token;
}

const struct sf_addr *sf_conn_local(const struct sf_conn *conn)
{
	return &conn->local;
}

const struct sf_addr *sf_conn_remote(const struct sf_conn *conn)
{
	return &conn->remote;
}

bool sf_conn_server_side(const struct sf_conn *conn)
{
	return conn->server_side;
}

bool sf_conn_established(const struct sf_conn *conn)
{
	return conn->established;
}

const char *sf_conn_policy(const struct sf_conn *conn)
{
	return conn->policy ? conn->policy->name : NULL;
}

void sf_conn_claim(struct sf_conn *conn, const struct sf_plugin_desc *plugin)
{
	conn->policy = plugin;
}

unsigned int sf_conn_subflow_count(const struct sf_conn *conn)
{
	return l_queue_length(conn->subflows);
}

void sf_conn_foreach_subflow(struct sf_conn *conn, sf_subflow_func_t func,
			     void *user_data)
{
	const struct l_queue_entry *e;

	for (e = l_queue_get_entries(conn->subflows); e; e = e->next) {
		const struct sf_subflow *sf = e->data;

		func(conn, &sf->info, user_data);
	}
}

void sf_conn_foreach_remote_addr(struct sf_conn *conn,
				 sf_remote_addr_func_t func, void *user_data)
{
	const struct l_queue_entry *e;

	for (e = l_queue_get_entries(conn->remote_addrs); e; e = e->next) {
		const struct sf_remote_addr *ra = e->data;

		func(conn, ra->id, &ra->addr, user_data);
	}
}
