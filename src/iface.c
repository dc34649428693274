/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine: the interface table. Every change ends in a reconcile step
 * (link_reconcile(), or addr_reconcile() when one address changed), which
 * compares what the table now knows with what it last reported and fires
 * exactly the difference, so no transition is reported twice.
 */
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <linux/rtnetlink.h>

#include "filter.h"
#include "iface.h"
#include "util.h"

/* <linux/if.h> has it but clashes with <net/if.h>. */

struct iface_addr {
	struct sf_addr addr;
	uint8_t prefixlen;
	uint8_t scope;
	uint32_t flags;			/* IFA_F_* */
	bool reported;			/* addr_added fired, addr_removed not */
	bool stale;			/* not seen since resync_begin */
};

/* One nexthop of a default route through the link it belongs to. */
struct iface_route {
	uint8_t family;
	uint32_t table;
	uint8_t tos;
	uint32_t priority;
	struct sf_addr gateway;
	bool stale;
};

struct iface_link {
	int32_t ifindex;
	char name[IF_NAMESIZE];
	uint32_t flags;			/* IFF_* */
	/* RTM_NEWLINK seen; addresses and routes may come before it. */
	bool known;
	bool reported_up;		/* link_up fired, link_down not */
	bool stale;
	struct l_queue *addrs;		/* struct iface_addr, insertion order */
	struct l_queue *routes;		/* struct iface_route */
};

struct sf_iface_table {
	const struct sf_filter_config *filter;
	const struct sf_iface_table_ops *ops;
	void *user_data;
	struct l_queue *links;		/* struct iface_link, by ifindex */
};

static void iface_link_free(void *data)
{
	struct iface_link *link = data;

	l_queue_destroy(link->addrs, l_free);
	l_queue_destroy(link->routes, l_free);
	l_free(link);
}

static bool link_match_index(const void *a, const void *b)
{
	const struct iface_link *link = a;

	return link->ifindex == L_PTR_TO_INT(b);
}

static int link_compare(const void *a, const void *b, void *user_data)
{
	const struct iface_link *la = a, *lb = b;

	return la->ifindex < lb->ifindex ? -1 : la->ifindex > lb->ifindex;
}

static struct iface_link *link_find(const struct sf_iface_table *table,
				    int32_t ifindex)
{
	return l_queue_find(table->links, link_match_index,
			    L_INT_TO_PTR(ifindex));
}

static struct iface_link *link_get(struct sf_iface_table *table,
				   int32_t ifindex)
{
	struct iface_link *link = link_find(table, ifindex);

	if (link)
		return link;

	link = l_new(struct iface_link, 1);
	link->ifindex = ifindex;
	link->addrs = l_queue_new();
	link->routes = l_queue_new();
	l_queue_insert(table->links, link, link_compare, NULL);
	return link;
}

static bool link_is_up(const struct iface_link *link)
{
	return link->known && (link->flags & IFF_UP) &&
	       (link->flags & IFF_LOWER_UP);
}

static struct iface_addr *addr_find(const struct iface_link *link,
				    const struct sf_addr *addr)
{
	const struct l_queue_entry *e;

	for (e = l_queue_get_entries(link->addrs); e; e = e->next) {
		struct iface_addr *a = e->data;

		if (sf_addr_ip_equal(&a->addr, addr))
			return a;
	}
	return NULL;
}

static bool link_has_default_route(const struct iface_link *link,
				   sa_family_t family)
{
	const struct l_queue_entry *e;

	for (e = l_queue_get_entries(link->routes); e; e = e->next) {
		const struct iface_route *r = e->data;

		if (r->family == family)
			return true;
	}
	return false;
}

static bool link_has_family_addr(const struct iface_link *link,
				 sa_family_t family)
{
	const struct l_queue_entry *e;

	for (e = l_queue_get_entries(link->addrs); e; e = e->next) {
		const struct iface_addr *a = e->data;

		if (a->addr.family == family)
			return true;
	}
	return false;
}

static bool addr_eligible(const struct sf_iface_table *table,
			  const struct iface_link *link,
			  const struct iface_addr *a)
{
	struct sf_filter_input in = {
		.ifname = link->name,
		.loopback_iface = link->flags & IFF_LOOPBACK,
		.addr = &a->addr,
		.ifa_flags = a->flags,
		.has_default_route = link_has_default_route(link,
							    a->addr.family),
	};

	return link_is_up(link) && sf_filter_eligible(table->filter, &in);
}

/* Flip a's reported state first, so lookups from the callback agree. */
static void addr_report(struct sf_iface_table *table,
			const struct iface_link *link, struct iface_addr *a,
			bool added)
{
	struct sf_local_addr local = {
		.addr = a->addr,
		.ifindex = link->ifindex,
		.ifname = link->name,
	};

	a->reported = added;
	local.addr.port = 0;
	if (added && table->ops->addr_added)
		table->ops->addr_added(&local, table->user_data);
	else if (!added && table->ops->addr_removed)
		table->ops->addr_removed(&local, table->user_data);
}

/*
 * Fire what changed on link since last reported: addr_removed for each
 * address no longer eligible, then link_down, then link_up, then addr_added
 * for each address newly eligible. gone: the link is being forgotten.
 */
static void link_reconcile(struct sf_iface_table *table,
			   struct iface_link *link, bool gone)
{
	const struct sf_iface_table_ops *ops = table->ops;
	bool up = !gone && link_is_up(link);
	bool going_down = link->reported_up && !up;
	const struct l_queue_entry *e;

	/* Queries from the callbacks see a link going down as down. */
	if (going_down)
		link->reported_up = false;

	for (e = l_queue_get_entries(link->addrs); e; e = e->next) {
		struct iface_addr *a = e->data;

		if (a->reported && (!up || !addr_eligible(table, link, a)))
			addr_report(table, link, a, false);
	}

	if (going_down) {
		if (ops->link_down)
			ops->link_down(link->ifindex, link->name,
				       table->user_data);
	} else if (!link->reported_up && up) {
		link->reported_up = true;
		if (ops->link_up)
			ops->link_up(link->ifindex, link->name,
				     table->user_data);
	}

	if (!up)
		return;

	for (e = l_queue_get_entries(link->addrs); e; e = e->next) {
		struct iface_addr *a = e->data;

		if (!a->reported && addr_eligible(table, link, a))
			addr_report(table, link, a, true);
	}
}

/* An address change touches that address alone (the link's state and the
 * other addresses stay as they are). */
static void addr_reconcile(struct sf_iface_table *table,
			   struct iface_link *link, struct iface_addr *a)
{
	bool want = link->reported_up && addr_eligible(table, link, a);

	if (a->reported != want)
		addr_report(table, link, a, want);
}

static void table_reconcile(struct sf_iface_table *table)
{
	const struct l_queue_entry *e;

	for (e = l_queue_get_entries(table->links); e; e = e->next)
		link_reconcile(table, e->data, false);
}

static void link_forget(struct sf_iface_table *table, struct iface_link *link)
{
	link_reconcile(table, link, true);
	l_queue_remove(table->links, link);
	iface_link_free(link);
}

struct sf_iface_table *sf_iface_table_new(const struct sf_filter_config *filter,
					  const struct sf_iface_table_ops *ops,
					  void *user_data)
{
	struct sf_iface_table *table;

	if (!filter || !ops)
		return NULL;

	table = l_new(struct sf_iface_table, 1);
	table->filter = filter;
	table->ops = ops;
	table->user_data = user_data;
	table->links = l_queue_new();
	return table;
}

void sf_iface_table_free(struct sf_iface_table *table)
{
	if (!table)
		return;

	l_queue_destroy(table->links, iface_link_free);
	l_free(table);
}

void sf_iface_table_set_filter(struct sf_iface_table *table,
			       const struct sf_filter_config *filter)
{
	if (!table || !filter)
		return;

	table->filter = filter;
	table_reconcile(table);
}

/* --- routes ---------------------------------------------------------------- */

struct route_key {
	const struct sf_rtnl_route *route;
	const struct sf_addr *gateway;	/* NULL: any gateway */
};

static bool route_match(const void *a, const void *b)
{
	const struct iface_route *r = a;
	const struct route_key *key = b;

	if (r->family != key->route->family || r->table != key->route->table ||
	    r->tos != key->route->tos || r->priority != key->route->priority)
		return false;
	if (!key->gateway)
		return true;
	return r->gateway.family == key->gateway->family &&
	       (r->gateway.family == AF_UNSPEC ||
		sf_addr_ip_equal(&r->gateway, key->gateway));
}

/* l_queue_foreach_remove() helpers: free and drop the matching routes. */
static bool route_remove_match(void *data, void *user_data)
{
	if (!route_match(data, user_data))
		return false;
	l_free(data);
	return true;
}

static bool route_remove_family(void *data, void *user_data)
{
	struct iface_route *r = data;

	if (r->family != L_PTR_TO_UINT(user_data))
		return false;
	l_free(r);
	return true;
}

static bool route_remove_stale(void *data, void *user_data)
{
	struct iface_route *r = data;

	if (!r->stale)
		return false;
	l_free(r);
	return true;
}

/* The kernel drops routes of a family through a link without telling. */
static void link_flush_routes(struct iface_link *link, sa_family_t family)
{
	l_queue_foreach_remove(link->routes, route_remove_family,
			       L_UINT_TO_PTR(family));
}

static bool route_is_default(const struct sf_rtnl_route *route)
{
	return route && route->dst_len == 0 && route->type == RTN_UNICAST &&
	       route->table != RT_TABLE_LOCAL &&
	       (route->family == AF_INET || route->family == AF_INET6);
}

void sf_iface_table_route_update(struct sf_iface_table *table,
				 const struct sf_rtnl_route *route)
{
	const struct l_queue_entry *e;
	unsigned int i;

	if (!table || !route_is_default(route))
		return;

	if (route->replace) {
		struct route_key key = { .route = route };

		for (e = l_queue_get_entries(table->links); e; e = e->next) {
			struct iface_link *link = e->data;

			l_queue_foreach_remove(link->routes,
					       route_remove_match, &key);
		}
	}

	for (i = 0; i < route->n_oifs && i < SF_RTNL_MAX_NEXTHOPS; i++) {
		struct route_key key = { route, &route->gateways[i] };
		struct iface_link *link;
		struct iface_route *r;

		if (route->oifs[i] <= 0)
			continue;

		link = link_get(table, route->oifs[i]);
		r = l_queue_find(link->routes, route_match, &key);
		if (!r) {
			r = l_new(struct iface_route, 1);
			r->family = route->family;
			r->table = route->table;
			r->tos = route->tos;
			r->priority = route->priority;
			r->gateway = route->gateways[i];
			l_queue_push_tail(link->routes, r);
		}
		r->stale = false;
	}

	table_reconcile(table);
}

void sf_iface_table_route_delete(struct sf_iface_table *table,
				 const struct sf_rtnl_route *route)
{
	unsigned int i;

	if (!table || !route_is_default(route))
		return;

	for (i = 0; i < route->n_oifs && i < SF_RTNL_MAX_NEXTHOPS; i++) {
		struct route_key key = { route, &route->gateways[i] };
		struct iface_link *link = link_find(table, route->oifs[i]);

		if (link)
			l_queue_foreach_remove(link->routes,
					       route_remove_match, &key);
	}

	table_reconcile(table);
}

/* --- links and addresses ----------------------------------------------------- */

void sf_iface_table_link_update(struct sf_iface_table *table,
				const struct sf_rtnl_link *link_msg)
{
	struct iface_link *link;
	bool was_admin_up;

	if (!table || !link_msg || link_msg->ifindex <= 0)
		return;

	link = link_get(table, link_msg->ifindex);
	was_admin_up = link->known && (link->flags & IFF_UP);
	link->known = true;
	link->stale = false;
	link->flags = link_msg->flags;
	if (link_msg->ifname[0])
		l_strlcpy(link->name, link_msg->ifname, sizeof(link->name));

	if (was_admin_up && !(link->flags & IFF_UP))
		link_flush_routes(link, AF_INET);

	link_reconcile(table, link, false);
}

void sf_iface_table_link_delete(struct sf_iface_table *table, int32_t ifindex)
{
	struct iface_link *link;

	if (!table)
		return;

	link = link_find(table, ifindex);
	if (link)
		link_forget(table, link);
}

void sf_iface_table_addr_update(struct sf_iface_table *table,
				const struct sf_rtnl_addr *addr)
{
	struct iface_link *link;
	struct iface_addr *a;

	if (!table || !addr || addr->ifindex <= 0 ||
	    (addr->addr.family != AF_INET && addr->addr.family != AF_INET6))
		return;

	link = link_get(table, addr->ifindex);
	a = addr_find(link, &addr->addr);
	if (!a) {
		a = l_new(struct iface_addr, 1);
		a->addr = addr->addr;
		a->addr.port = 0;
		l_queue_push_tail(link->addrs, a);
	}

	a->prefixlen = addr->prefixlen;
	a->scope = addr->scope;
	a->flags = addr->flags;
	a->stale = false;

	addr_reconcile(table, link, a);
}

void sf_iface_table_addr_delete(struct sf_iface_table *table,
				const struct sf_rtnl_addr *addr)
{
	struct iface_link *link;
	struct iface_addr *a;

	if (!table || !addr)
		return;

	link = link_find(table, addr->ifindex);
	if (!link)
		return;
	a = addr_find(link, &addr->addr);
	if (!a)
		return;

	if (a->reported)
		addr_report(table, link, a, false);
	l_queue_remove(link->addrs, a);
	l_free(a);

	/* No IPv4 address is left to lose its default route. */
	if (addr->addr.family == AF_INET &&
	    !link_has_family_addr(link, AF_INET))
		link_flush_routes(link, AF_INET);
}

/* --- resync -------------------------------------------------------------------- */

static void addr_mark_stale(void *data, void *user_data)
{
	struct iface_addr *a = data;

	a->stale = true;
}

static void route_mark_stale(void *data, void *user_data)
{
	struct iface_route *r = data;

	r->stale = true;
}

void sf_iface_table_resync_begin(struct sf_iface_table *table)
{
	const struct l_queue_entry *e;

	if (!table)
		return;

	for (e = l_queue_get_entries(table->links); e; e = e->next) {
		struct iface_link *link = e->data;

		link->stale = true;
		l_queue_foreach(link->addrs, addr_mark_stale, NULL);
		l_queue_foreach(link->routes, route_mark_stale, NULL);
	}
}

void sf_iface_table_resync_end(struct sf_iface_table *table)
{
	const struct l_queue_entry *e;
	struct l_queue *doomed;

	if (!table)
		return;

	doomed = l_queue_new();
	for (e = l_queue_get_entries(table->links); e; e = e->next) {
		struct iface_link *link = e->data;
		const struct l_queue_entry *ae = l_queue_get_entries(link->addrs);

		while (ae) {
			struct iface_addr *a = ae->data;

			ae = ae->next;
			if (!a->stale)
				continue;
			if (a->reported)
				addr_report(table, link, a, false);
			l_queue_remove(link->addrs, a);
			l_free(a);
		}
		l_queue_foreach_remove(link->routes, route_remove_stale, NULL);

		/* A link the dump did not list is gone; so is a placeholder
		 * left with nothing. */
		if ((link->stale && link->known) ||
		    (!link->known && l_queue_isempty(link->addrs) &&
		     l_queue_isempty(link->routes)))
			l_queue_push_tail(doomed, link);
		else
			link_reconcile(table, link, false);
	}

	while (!l_queue_isempty(doomed))
		link_forget(table, l_queue_pop_head(doomed));
	l_queue_destroy(doomed, NULL);
}

/* --- lookups ------------------------------------------------------------------ */

const char *sf_iface_table_name(const struct sf_iface_table *table,
				int32_t ifindex)
{
	const struct iface_link *link;

	if (!table)
		return NULL;

	link = link_find(table, ifindex);
	return link && link->known ? link->name : NULL;
}

bool sf_iface_table_is_up(const struct sf_iface_table *table, int32_t ifindex)
{
	const struct iface_link *link;

	if (!table)
		return false;

	link = link_find(table, ifindex);
	return link && link->reported_up;
}

/* The link holding addr (the first by index), and the address. */
static struct iface_link *table_find_addr(const struct sf_iface_table *table,
					  const struct sf_addr *addr,
					  struct iface_addr **ret_addr)
{
	const struct l_queue_entry *e;

	if (!table || !addr)
		return NULL;

	for (e = l_queue_get_entries(table->links); e; e = e->next) {
		struct iface_link *link = e->data;
		struct iface_addr *a = addr_find(link, addr);

		if (a) {
			*ret_addr = a;
			return link;
		}
	}
	return NULL;
}

int32_t sf_iface_table_find_addr(const struct sf_iface_table *table,
				 const struct sf_addr *addr)
{
	struct iface_addr *a;
	const struct iface_link *link = table_find_addr(table, addr, &a);

	return link ? link->ifindex : 0;
}

bool sf_iface_table_addr_eligible(const struct sf_iface_table *table,
				  const struct sf_addr *addr)
{
	const struct l_queue_entry *e;

	if (!table || !addr)
		return false;

	/* The same address may sit on two links; any eligible one counts. */
	for (e = l_queue_get_entries(table->links); e; e = e->next) {
		const struct iface_addr *a = addr_find(e->data, addr);

		if (a && a->reported)
			return true;
	}
	return false;
}

void sf_iface_table_foreach_eligible(const struct sf_iface_table *table,
				     sf_local_addr_func_t func,
				     void *user_data)
{
	const struct l_queue_entry *e, *ae;

	if (!table || !func)
		return;

	for (e = l_queue_get_entries(table->links); e; e = e->next) {
		const struct iface_link *link = e->data;

		for (ae = l_queue_get_entries(link->addrs); ae; ae = ae->next) {
			const struct iface_addr *a = ae->data;
			struct sf_local_addr local = {
				.addr = a->addr,
				.ifindex = link->ifindex,
				.ifname = link->name,
			};

			if (a->reported)
				func(&local, user_data);
		}
	}
}

void sf_iface_table_foreach_link(const struct sf_iface_table *table,
				 sf_iface_func_t func, void *user_data)
{
	const struct l_queue_entry *e;

	if (!table || !func)
		return;

	for (e = l_queue_get_entries(table->links); e; e = e->next) {
		const struct iface_link *link = e->data;

		if (link->known)
			func(link->ifindex, link->name, link->reported_up,
			     user_data);
	}
}
