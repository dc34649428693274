/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: the rtnetlink socket. Dumps links, addresses and routes into an
 * interface table, then keeps it in step with the kernel's notifications
 * from the main loop. Survives socket overruns (ENOBUFS) by re-dumping.
 */
#pragma once

#include <ell/ell.h>

#include "iface.h"

struct sf_netmon;

/*
 * Open the socket, join the link, address and IPv4/IPv6 route groups, and
 * dump links, then addresses, then routes into table before returning, so
 * the table's callbacks for what exists now have fired by then. table is
 * borrowed and must outlive the monitor. 0 or a negative errno.
 */
int sf_netmon_new(struct sf_iface_table *table, struct sf_netmon **ret_netmon);
void sf_netmon_free(struct sf_netmon *netmon);
DEFINE_CLEANUP_FUNC(sf_netmon_free);

/*
 * Dump everything again; whatever the table knows that the kernel no longer
 * lists is forgotten, with the callbacks that implies. 0 or a negative
 * errno (the table is then left as it was, stale marks aside).
 */
int sf_netmon_resync(struct sf_netmon *netmon);
