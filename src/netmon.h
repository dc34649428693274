/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: the rtnetlink socket. Dumps links, addresses and routes into an
 * interface table, then keeps it in step with the kernel's notifications
 * from the main loop. Survives socket overruns (ENOBUFS) by re-dumping,
 * without blocking the main loop.
 */
#pragma once

#include <ell/ell.h>

#include "iface.h"

struct sf_netmon;

/*
 * Open the socket, join the link, address and IPv4/IPv6 route groups, and
 * dump links, then addresses, then routes into table before returning (this
 * blocks: call it before the main loop runs), so the table's callbacks for
 * what exists now have fired by then. From then on the monitor works from
 * the main loop; after an overrun it re-dumps there, and the table forgets
 * what the kernel no longer lists, with the callbacks that implies. table
 * is borrowed and must outlive the monitor. 0 or a negative errno.
 */
int sf_netmon_new(struct sf_iface_table *table, struct sf_netmon **ret_netmon);
void sf_netmon_free(struct sf_netmon *netmon);
DEFINE_CLEANUP_FUNC(sf_netmon_free);
