/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's MPTCP uapi, completed for older system headers.
 *
 * Always include this instead of <linux/mptcp.h>. The system header comes
 * first, so whatever it defines wins; below are only the names that Debian
 * 12's header (Linux 6.1) lacks, with the values of the current kernel uapi.
 * The MPTCP_ATTR_* event attributes (up to SERVER_SIDE 18) and the
 * MPTCP_PM_* commands and attributes used here are all in 6.1's header.
 */
#pragma once

#include <linux/mptcp.h>

/* Event flags (MPTCP_ATTR_FLAGS): bit 1 came after 6.1. */
#ifndef MPTCP_PM_EV_FLAG_SERVER_SIDE
#define MPTCP_PM_EV_FLAG_SERVER_SIDE	_BITUL(1)

/*
 * Listener events (Linux 6.2) are enum constants, which #ifndef cannot see.
 * A header that defines MPTCP_PM_EV_FLAG_SERVER_SIDE certainly has them; an
 * in-between header (6.2 .. 6.x) may have them as enum constants too, and
 * then these macros merely shadow the already-parsed enum names with the
 * same values, which is harmless because the system header is included above.
 */
#define MPTCP_EVENT_LISTENER_CREATED	15
#define MPTCP_EVENT_LISTENER_CLOSED	16
#endif

/* Endpoint flag added in Linux 6.18. */
#ifndef MPTCP_PM_ADDR_FLAG_LAMINAR
#define MPTCP_PM_ADDR_FLAG_LAMINAR	_BITUL(5)
#endif
