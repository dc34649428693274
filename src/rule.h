/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine: which [rule] a connection matches. Pure: the caller supplies what
 * is known about the connection (the socket owner only when some rule needs
 * it, see sf_rules_need_owner).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <ell/ell.h>

#include <subflowd/addr.h>

#include "config.h"

struct sf_rule_input {
	const struct sf_addr *remote;	/* the peer's address */
	uint16_t service_port;		/* remote port (client side) or local
					 * port (server side) */
	bool has_owner;
	uid_t uid;
	uint64_t cgroup_id;		/* 0: unknown */
};

/*
 * Resolve a rule's match-cgroup path to the cgroup v2 id (the inode of its
 * directory under cgroup_root, e.g. "/sys/fs/cgroup"). Returns 0 when the
 * cgroup does not exist (it then matches nothing).
 */
uint64_t sf_rule_cgroup_id(const char *cgroup_root, const char *path);

/* Does any rule have match-uid or match-cgroup? */
bool sf_rules_need_owner(struct l_queue *rules);

/* Is addr inside prefix (same family, first len bits equal)? */
bool sf_prefix_contains(const struct sf_prefix *prefix,
			const struct sf_addr *addr);

/*
 * The first rule (file order) whose every match-* key matches, or NULL.
 * cgroup_root is where match-cgroup paths are resolved.
 */
const struct sf_config_rule *sf_rule_match(struct l_queue *rules,
					   const struct sf_rule_input *in,
					   const char *cgroup_root);
