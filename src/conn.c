/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory layout, for the "bytes per tracked connection" budget (README,
 * Benchmarks): a connection is one allocation holding its first
 * SLAB_SLOTS subflows; more subflows go to chunks of SLAB_SLOTS allocated
 * on demand and kept until the connection is freed. Slots never move, so a
 * struct sf_subflow_info pointer stays valid until its subflow is removed.
 * The table is an open-addressing array of connection pointers (linear
 * probing on the token, backward-shift deletion), at most 3/4 full.
 */
#include <errno.h>
#include <stddef.h>

#include "conn.h"

#define SLAB_SLOTS 4

/* SLAB_SLOTS subflow slots; bit i of the masks describes sf[i]. */
struct subflow_slab {
	uint8_t used;
	uint8_t creating;
	uint8_t destroying;
	struct sf_subflow_info sf[SLAB_SLOTS];
};

struct subflow_chunk {
	struct subflow_chunk *next;
	struct subflow_slab slab;
};

struct sf_remote_addr {
	uint8_t id;
	struct sf_addr addr;
};

/* One plugin's state on a connection (sf_conn_set_data()). */
struct conn_data {
	struct conn_data *next;
	const void *owner;		/* the plugin's descriptor */
	void *data;
	sf_destroy_func_t destroy;
};

/* What few connections need, allocated on first use. */
struct conn_extra {
	struct subflow_chunk *chunks;
	struct l_queue *remote_addrs;	/* struct sf_remote_addr */
	struct conn_data *data;		/* a few at most: one per plugin */
};

struct sf_conn {
	uint32_t token;
	struct sf_addr local;
	struct sf_addr remote;
	bool server_side : 1;
	bool established : 1;
	bool initial_addr_denied : 1;	/* no joins to the peer's initial
					 * address and port */
	bool has_owner : 1;
	bool owner_asked : 1;		/* a sock_diag query is out */
	bool published : 1;		/* announced on D-Bus */
	struct subflow_slab subflows;
	uint32_t owner;			/* the socket's uid, if has_owner */
	const struct sf_plugin_desc *policy;
	struct conn_extra *extra;
};

#define TABLE_MIN_BITS 4

struct sf_conn_table {
	struct sf_conn **slots;		/* 1 << bits of them, NULL: empty */
	unsigned int bits;
	unsigned int count;
};

static void conn_data_free(struct conn_data *cd)
{
	if (cd->destroy)
		cd->destroy(cd->data);

	l_free(cd);
}

static void conn_free(struct sf_conn *conn)
{
	if (conn->extra) {
		struct subflow_chunk *ch = conn->extra->chunks;

		while (conn->extra->data) {
			struct conn_data *cd = conn->extra->data;

			conn->extra->data = cd->next;
			conn_data_free(cd);
		}

		while (ch) {
			struct subflow_chunk *next = ch->next;

			l_free(ch);
			ch = next;
		}

		l_queue_destroy(conn->extra->remote_addrs, l_free);
		l_free(conn->extra);
	}

	l_free(conn);
}

static struct conn_extra *conn_extra(struct sf_conn *conn)
{
	if (!conn->extra)
		conn->extra = l_new(struct conn_extra, 1);

	return conn->extra;
}

/* --- the table --- */

/* Fibonacci hashing: tokens are hashes already, this only spreads
 * tokens that differ in their high bits over the low slots too. */
static uint32_t home_slot(const struct sf_conn_table *table, uint32_t token)
{
	return (uint32_t)(token * 0x9e3779b1u) >> (32 - table->bits);
}

static uint32_t table_mask(const struct sf_conn_table *table)
{
	return (1u << table->bits) - 1;
}

/* The slot holding token, or the empty slot where it would go. */
static uint32_t table_probe(const struct sf_conn_table *table, uint32_t token)
{
	uint32_t i = home_slot(table, token);

	while (table->slots[i] && table->slots[i]->token != token)
		i = (i + 1) & table_mask(table);

	return i;
}

static void table_resize(struct sf_conn_table *table, unsigned int bits)
{
	struct sf_conn **old = table->slots;
	uint32_t old_size = 1u << table->bits;

	table->bits = bits;
	table->slots = l_new(struct sf_conn *, 1u << bits);

	for (uint32_t i = 0; i < old_size; i++)
		if (old[i])
			table->slots[table_probe(table, old[i]->token)] = old[i];

	l_free(old);
}

/* Empty slot i and close the gap, so that every entry stays reachable
 * from its home slot without crossing an empty one. */
static void table_clear_slot(struct sf_conn_table *table, uint32_t i)
{
	uint32_t mask = table_mask(table);
	uint32_t j = i;

	table->slots[i] = NULL;

	for (;;) {
		uint32_t home;

		j = (j + 1) & mask;
		if (!table->slots[j])
			return;

		/* Stays when its home lies cyclically in (i, j]. */
		home = home_slot(table, table->slots[j]->token);
		if (((j - home) & mask) < ((j - i) & mask))
			continue;

		table->slots[i] = table->slots[j];
		table->slots[j] = NULL;
		i = j;
	}
}

struct sf_conn_table *sf_conn_table_new(void)
{
	struct sf_conn_table *table = l_new(struct sf_conn_table, 1);

	table->bits = TABLE_MIN_BITS;
	table->slots = l_new(struct sf_conn *, 1u << TABLE_MIN_BITS);
	return table;
}

void sf_conn_table_free(struct sf_conn_table *table)
{
	if (!table)
		return;

	for (uint32_t i = 0; i <= table_mask(table); i++)
		if (table->slots[i])
			conn_free(table->slots[i]);

	l_free(table->slots);
	l_free(table);
}

struct sf_conn *sf_conn_table_add(struct sf_conn_table *table, uint32_t token,
				  const struct sf_addr *local,
				  const struct sf_addr *remote,
				  bool server_side)
{
	struct sf_conn *conn = sf_conn_table_lookup(table, token);

	if (!conn) {
		if ((table->count + 1) * 4 > (3u << table->bits))
			table_resize(table, table->bits + 1);

		conn = l_new(struct sf_conn, 1);
		conn->token = token;
		table->slots[table_probe(table, token)] = conn;
		table->count++;
	}

	conn->local = *local;
	conn->remote = *remote;
	conn->server_side = server_side;
	return conn;
}

struct sf_conn *sf_conn_table_lookup(const struct sf_conn_table *table,
				     uint32_t token)
{
	return table->slots[table_probe(table, token)];
}

int sf_conn_table_remove(struct sf_conn_table *table, uint32_t token)
{
	uint32_t i = table_probe(table, token);
	struct sf_conn *conn = table->slots[i];

	if (!conn)
		return -ENOENT;

	table_clear_slot(table, i);
	table->count--;
	conn_free(conn);

	/* Give the memory of a burst back once it is over. */
	if (table->bits > TABLE_MIN_BITS && table->count * 8 < (1u << table->bits))
		table_resize(table, table->bits - 1);

	return 0;
}

unsigned int sf_conn_table_count(const struct sf_conn_table *table)
{
	return table->count;
}

void sf_conn_table_foreach(const struct sf_conn_table *table,
			   sf_conn_func_t func, void *user_data)
{
	for (uint32_t i = 0; i <= table_mask(table); i++)
		if (table->slots[i])
			func(table->slots[i], user_data);
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

void sf_conn_deny_initial_addr(struct sf_conn *conn)
{
	conn->initial_addr_denied = true;
}

void sf_conn_set_owner(struct sf_conn *conn, uint32_t uid)
{
	conn->owner = uid;
	conn->has_owner = true;
}

bool sf_conn_get_owner(const struct sf_conn *conn, uint32_t *ret_uid)
{
	if (conn->has_owner)
		*ret_uid = conn->owner;
	return conn->has_owner;
}

void sf_conn_set_owner_asked(struct sf_conn *conn, bool asked)
{
	conn->owner_asked = asked;
}

bool sf_conn_owner_asked(const struct sf_conn *conn)
{
	return conn->owner_asked;
}

void sf_conn_set_published(struct sf_conn *conn)
{
	conn->published = true;
}

bool sf_conn_published(const struct sf_conn *conn)
{
	return conn->published;
}

/* --- subflows --- */

/* The slab after slab (the connection's own one comes first), or NULL. */
static struct subflow_slab *slab_next(const struct sf_conn *conn,
				      const struct subflow_slab *slab)
{
	struct subflow_chunk *ch;

	if (slab == &conn->subflows)
		ch = conn->extra ? conn->extra->chunks : NULL;
	else
		ch = l_container_of(slab, struct subflow_chunk, slab)->next;

	return ch ? &ch->slab : NULL;
}

#define foreach_slab(conn, slab)					\
	for (struct subflow_slab *slab = (struct subflow_slab *)	\
		&(conn)->subflows; slab; slab = slab_next(conn, slab))

/* Where info lives. Only for pointers this table handed out. */
static struct subflow_slab *slab_of(const struct sf_conn *conn,
				    const struct sf_subflow_info *info,
				    unsigned int *ret_slot)
{
	foreach_slab(conn, slab) {
		if (info >= slab->sf && info < slab->sf + SLAB_SLOTS) {
			*ret_slot = info - slab->sf;
			return slab;
		}
	}

	return NULL;
}

static bool subflow_matches(const struct sf_subflow_info *sf,
			    const struct sf_addr *local,
			    const struct sf_addr *remote)
{
	if (!sf_addr_ip_equal(&sf->local, local) ||
	    !sf_addr_equal(&sf->remote, remote))
		return false;

	/* A port of 0 on either side is "not known yet". */
	return !sf->local.port || !local->port ||
	       sf->local.port == local->port;
}

/* Is slot i of slab a subflow the policies see (not on its way out)? */
static bool slot_listed(const struct subflow_slab *slab, unsigned int i)
{
	return (slab->used & ~slab->destroying) & 1u << i;
}

static struct sf_subflow_info *subflow_find(const struct sf_conn *conn,
					    const struct sf_addr *local,
					    const struct sf_addr *remote,
					    bool destroying_too)
{
	struct sf_subflow_info *partial = NULL;

	/* Prefer an exact 4-tuple over an entry whose local port is open. */
	foreach_slab(conn, slab) {
		for (unsigned int i = 0; i < SLAB_SLOTS; i++) {
			struct sf_subflow_info *sf = &slab->sf[i];

			if (!(slab->used & 1u << i) ||
			    (!destroying_too && !slot_listed(slab, i)) ||
			    !subflow_matches(sf, local, remote))
				continue;

			if (sf->local.port == local->port)
				return sf;

			if (!partial)
				partial = sf;
		}
	}

	return partial;
}

/* A free slot, in a new chunk when every slab is full. */
static struct sf_subflow_info *subflow_new(struct sf_conn *conn, bool creating)
{
	struct subflow_chunk *ch;
	struct conn_extra *extra;

	foreach_slab(conn, slab) {
		for (unsigned int i = 0; i < SLAB_SLOTS; i++) {
			if (slab->used & 1u << i)
				continue;

			slab->used |= 1u << i;
			slab->destroying &= ~(1u << i);
			slab->sf[i] = (struct sf_subflow_info){ 0 };
			if (creating)
				slab->creating |= 1u << i;
			else
				slab->creating &= ~(1u << i);
			return &slab->sf[i];
		}
	}

	extra = conn_extra(conn);
	ch = l_new(struct subflow_chunk, 1);
	ch->next = extra->chunks;
	extra->chunks = ch;
	ch->slab.used = 1;
	ch->slab.creating = creating;
	return &ch->slab.sf[0];
}

static void subflow_free(struct subflow_slab *slab, unsigned int slot)
{
	slab->used &= ~(1u << slot);
	slab->creating &= ~(1u << slot);
	slab->destroying &= ~(1u << slot);
}

struct sf_subflow_info *sf_conn_subflow_find(const struct sf_conn *conn,
					     const struct sf_addr *local,
					     const struct sf_addr *remote)
{
	return subflow_find(conn, local, remote, true);
}

bool sf_conn_subflow_exists(const struct sf_conn *conn,
			    const struct sf_addr *local,
			    const struct sf_addr *remote)
{
	struct sf_addr any_port = *local;

	any_port.port = 0;
	return subflow_find(conn, &any_port, remote, false) != NULL;
}

void sf_conn_subflow_add_creating(struct sf_conn *conn,
				  const struct sf_subflow_info *info)
{
	struct sf_subflow_info *sf = subflow_new(conn, true);

	*sf = *info;
	sf->local.port = 0;
}

void sf_conn_subflow_forget_creating(struct sf_conn *conn,
				     const struct sf_addr *local)
{
	foreach_slab(conn, slab)
		for (unsigned int i = 0; i < SLAB_SLOTS; i++)
			if (slab->creating & 1u << i &&
			    sf_addr_ip_equal(&slab->sf[i].local, local))
				subflow_free(slab, i);
}

struct sf_subflow_info *sf_conn_subflow_established(struct sf_conn *conn,
						    const struct sf_subflow_info *info)
{
	struct sf_subflow_info *sf = subflow_find(conn, &info->local,
						  &info->remote, true);
	struct subflow_slab *slab = NULL;
	unsigned int slot = 0;
	int32_t ifindex;

	/* Only a CREATING entry may be completed by a new local port. */
	if (sf) {
		slab = slab_of(conn, sf, &slot);
		if (sf->local.port != info->local.port &&
		    !(slab->creating & 1u << slot))
			sf = NULL;
	}

	if (sf)
		slab->creating &= ~(1u << slot);
	else
		sf = subflow_new(conn, false);

	/* Keep an ifindex we already knew: userspace-PM events lack it. */
	ifindex = info->ifindex ? info->ifindex : sf->ifindex;
	*sf = *info;
	sf->ifindex = ifindex;
	return sf;
}

int sf_conn_subflow_remove(struct sf_conn *conn, const struct sf_addr *local,
			   const struct sf_addr *remote)
{
	struct sf_subflow_info *sf = subflow_find(conn, local, remote, true);
	struct subflow_slab *slab;
	unsigned int slot = 0;

	if (!sf)
		return -ENOENT;

	slab = slab_of(conn, sf, &slot);
	subflow_free(slab, slot);
	return 0;
}

void sf_conn_subflow_set_destroying(struct sf_conn *conn,
				    const struct sf_subflow_info *info,
				    bool destroying)
{
	unsigned int slot = 0;
	struct subflow_slab *slab = slab_of(conn, info, &slot);

	if (!slab)
		return;

	if (destroying)
		slab->destroying |= 1u << slot;
	else
		slab->destroying &= ~(1u << slot);
}

bool sf_conn_subflow_is_destroying(const struct sf_conn *conn,
				   const struct sf_subflow_info *info)
{
	unsigned int slot = 0;
	struct subflow_slab *slab = slab_of(conn, info, &slot);

	return slab && slab->destroying & 1u << slot;
}

unsigned int sf_conn_pair_count(const struct sf_conn *conn,
				const struct sf_addr *local,
				const struct sf_addr *remote)
{
	unsigned int n = 0;

	foreach_slab(conn, slab)
		for (unsigned int i = 0; i < SLAB_SLOTS; i++)
			if (slot_listed(slab, i) &&
			    subflow_matches(&slab->sf[i], local, remote))
				n++;

	return n;
}

enum sf_subflow_state sf_conn_subflow_state(const struct sf_conn *conn,
					    const struct sf_subflow_info *info)
{
	unsigned int slot = 0;
	struct subflow_slab *slab = slab_of(conn, info, &slot);

	return slab && slab->creating & 1u << slot ?
		SF_SUBFLOW_STATE_CREATING : SF_SUBFLOW_STATE_ESTABLISHED;
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
	struct conn_extra *extra = conn_extra(conn);
	struct sf_remote_addr *ra;

	if (!extra->remote_addrs)
		extra->remote_addrs = l_queue_new();

	ra = l_queue_find(extra->remote_addrs, remote_addr_has_id,
			  L_UINT_TO_PTR(id));
	if (!ra) {
		ra = l_new(struct sf_remote_addr, 1);
		ra->id = id;
		l_queue_push_tail(extra->remote_addrs, ra);
	}

	ra->addr = *addr;
}

int sf_conn_remote_addr_remove(struct sf_conn *conn, uint8_t id)
{
	struct sf_remote_addr *ra = NULL;

	if (conn->extra)
		ra = l_queue_remove_if(conn->extra->remote_addrs,
				       remote_addr_has_id, L_UINT_TO_PTR(id));
	if (!ra)
		return -ENOENT;

	l_free(ra);
	return 0;
}

const struct sf_addr *sf_conn_remote_addr_find(const struct sf_conn *conn,
					       uint8_t id)
{
	const struct sf_remote_addr *ra = NULL;

	if (conn->extra)
		ra = l_queue_find(conn->extra->remote_addrs,
				  remote_addr_has_id, L_UINT_TO_PTR(id));
	return ra ? &ra->addr : NULL;
}

/* Announced addresses without a port stand for the connection's port. */
static bool remote_addr_is(const void *data, const void *user_data)
{
	const struct sf_remote_addr *ra = data;
	const struct sf_addr *want = user_data;

	return sf_addr_ip_equal(&ra->addr, want) &&
	       (ra->addr.port ? ra->addr.port : want->port) == want->port;
}

bool sf_conn_remote_joinable(const struct sf_conn *conn,
			     const struct sf_addr *remote)
{
	if (sf_addr_equal(remote, &conn->remote))
		return !conn->initial_addr_denied;

	return conn->extra && l_queue_find(conn->extra->remote_addrs,
					   remote_addr_is, remote);
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

bool sf_conn_client_established(const struct sf_conn *conn)
{
	return conn->established && !conn->server_side;
}

bool sf_conn_initial_addr_joinable(const struct sf_conn *conn)
{
	return !conn->initial_addr_denied;
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
	unsigned int n = 0;

	foreach_slab(conn, slab)
		n += __builtin_popcount(slab->used & ~slab->destroying);

	return n;
}

void sf_conn_foreach_subflow(struct sf_conn *conn, sf_subflow_func_t func,
			     void *user_data)
{
	foreach_slab(conn, slab)
		for (unsigned int i = 0; i < SLAB_SLOTS; i++)
			if (slot_listed(slab, i))
				func(conn, &slab->sf[i], user_data);
}

void sf_conn_foreach_remote_addr(struct sf_conn *conn,
				 sf_remote_addr_func_t func, void *user_data)
{
	const struct l_queue_entry *e = NULL;

	if (conn->extra)
		e = l_queue_get_entries(conn->extra->remote_addrs);

	for (; e; e = e->next) {
		const struct sf_remote_addr *ra = e->data;

		func(conn, ra->id, &ra->addr, user_data);
	}
}

/* --- plugins' state --- */

static struct conn_data **conn_data_link(const struct sf_conn *conn,
					 const void *owner)
{
	struct conn_data **link;

	if (!conn->extra)
		return NULL;

	for (link = &conn->extra->data; *link; link = &(*link)->next)
		if ((*link)->owner == owner)
			return link;

	return NULL;
}

void sf_conn_data_set(struct sf_conn *conn, const void *owner, void *data,
		      sf_destroy_func_t destroy)
{
	struct conn_data **link = conn_data_link(conn, owner);
	struct conn_data *cd;
	sf_destroy_func_t old_destroy;
	void *old;

	if (!data) {
		sf_conn_data_drop(conn, owner);
		return;
	}

	if (!link) {
		struct conn_extra *extra = conn_extra(conn);

		cd = l_new(struct conn_data, 1);
		cd->owner = owner;
		cd->data = data;
		cd->destroy = destroy;
		cd->next = extra->data;
		extra->data = cd;
		return;
	}

	/* Replaced before the old destroy runs: it finds the new state. */
	cd = *link;
	old = cd->data;
	old_destroy = cd->destroy;
	cd->data = data;
	cd->destroy = destroy;
	if (old != data && old_destroy)
		old_destroy(old);
}

void *sf_conn_data_get(const struct sf_conn *conn, const void *owner)
{
	struct conn_data **link = conn_data_link(conn, owner);

	return link ? (*link)->data : NULL;
}

void sf_conn_data_drop(struct sf_conn *conn, const void *owner)
{
	struct conn_data **link = conn_data_link(conn, owner);
	struct conn_data *cd;

	if (!link)
		return;

	cd = *link;
	*link = cd->next;
	conn_data_free(cd);
}
