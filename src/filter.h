/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The [filter] rules: which local addresses are eligible for subflows and
 * announcements at all. Pure predicate, no state.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <subflowd/addr.h>

#include "config.h"

struct sf_filter_input {
	const char *ifname;
	bool loopback_iface;		/* IFF_LOOPBACK */
	const struct sf_addr *addr;
	uint32_t ifa_flags;		/* IFA_F_* (extended IFA_FLAGS) */
	bool has_default_route;		/* this interface, this family */
};

/*
 * True when the address may be used. Always false for loopback interfaces
 * and addresses, multicast/unspecified addresses, and IPv6 addresses that are
 * tentative (DAD not finished) or failed DAD. The [filter] config decides the
 * rest: interface globs (exclude wins over include), link-local, ULA
 * (fc00::/7), temporary, deprecated, and require-default-route.
 */
bool sf_filter_eligible(const struct sf_filter_config *filter,
			const struct sf_filter_input *in);

/* True when name matches any glob in the NULL-terminated list. */
bool sf_filter_glob_match(char **globs, const char *name);
