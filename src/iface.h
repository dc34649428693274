/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine: the interface table. Fed with decoded rtnetlink link, address and
 * route messages (see rtnl.h); keeps every link and address it was told of,
 * and reports when an address becomes eligible (link up, DAD done, passes
 * [filter], default route present when required) or stops being eligible.
 * No sockets.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <subflowd/addr.h>
#include <subflowd/plugin.h>

#include "config.h"
#include "rtnl.h"

struct sf_iface_table;

/*
 * Notifications, each may be NULL. addr_added/addr_removed fire on every
 * change of eligibility (so a link going down reports each of its eligible
 * addresses removed, and coming back up reports them added again, without
 * any new RTM_NEWADDR). link_up/link_down fire on operational state changes
 * (IFF_UP and IFF_LOWER_UP both set = up). The struct sf_local_addr passed is
 * valid during the call only; its id is 0 (the id manager assigns ids).
 * Lookups made from a callback already see the change it reports; a
 * callback must not feed the table.
 */
struct sf_iface_table_ops {
	void (*link_up)(int32_t ifindex, const char *ifname, void *user_data);
	void (*link_down)(int32_t ifindex, const char *ifname, void *user_data);
	void (*addr_added)(const struct sf_local_addr *addr, void *user_data);
	void (*addr_removed)(const struct sf_local_addr *addr, void *user_data);
};

/* filter is borrowed and must outlive the table (or be replaced with
 * sf_iface_table_set_filter). */
struct sf_iface_table *sf_iface_table_new(const struct sf_filter_config *filter,
					  const struct sf_iface_table_ops *ops,
					  void *user_data);
void sf_iface_table_free(struct sf_iface_table *table);
DEFINE_CLEANUP_FUNC(sf_iface_table_free);

/* Re-evaluate every address against a new filter (config reload). */
void sf_iface_table_set_filter(struct sf_iface_table *table,
			       const struct sf_filter_config *filter);

/* RTM_NEWLINK / RTM_DELLINK. */
void sf_iface_table_link_update(struct sf_iface_table *table,
				const struct sf_rtnl_link *link);
void sf_iface_table_link_delete(struct sf_iface_table *table, int32_t ifindex);
/* RTM_NEWADDR / RTM_DELADDR. */
void sf_iface_table_addr_update(struct sf_iface_table *table,
				const struct sf_rtnl_addr *addr);
void sf_iface_table_addr_delete(struct sf_iface_table *table,
				const struct sf_rtnl_addr *addr);
/*
 * RTM_NEWROUTE / RTM_DELROUTE; only default routes matter: dst_len 0,
 * RTN_UNICAST, any table but RT_TABLE_LOCAL. Each nexthop is one route of
 * its interface, known by (table, tos, priority, gateway), so a repeated
 * RTM_NEWROUTE counts once. The kernel flushes IPv4 routes without telling
 * when a link goes administratively down or loses its last IPv4 address;
 * the table forgets them then too.
 */
void sf_iface_table_route_update(struct sf_iface_table *table,
				 const struct sf_rtnl_route *route);
void sf_iface_table_route_delete(struct sf_iface_table *table,
				 const struct sf_rtnl_route *route);

/*
 * A full re-dump (after a netlink overrun): resync_begin marks every link,
 * address and default route stale; each update received afterwards
 * refreshes what it names; resync_end forgets whatever is still stale,
 * firing the transitions that implies. Nothing is reported twice.
 */
void sf_iface_table_resync_begin(struct sf_iface_table *table);
void sf_iface_table_resync_end(struct sf_iface_table *table);

/* Lookups; NULL / false when unknown. "Up" and "eligible" are what the
 * callbacks last reported. */
const char *sf_iface_table_name(const struct sf_iface_table *table,
				int32_t ifindex);
bool sf_iface_table_is_up(const struct sf_iface_table *table, int32_t ifindex);
/* Interface index owning this (eligible or not) local address, or 0. */
int32_t sf_iface_table_find_addr(const struct sf_iface_table *table,
				 const struct sf_addr *addr);
/* Is addr currently eligible? */
bool sf_iface_table_addr_eligible(const struct sf_iface_table *table,
				  const struct sf_addr *addr);

/* Every eligible address, in interface-index then insertion order. */
void sf_iface_table_foreach_eligible(const struct sf_iface_table *table,
				     sf_local_addr_func_t func,
				     void *user_data);

/* Every known link, by index. */
void sf_iface_table_foreach_link(const struct sf_iface_table *table,
				 sf_iface_func_t func, void *user_data);
