/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <sys/stat.h>

#include "rule.h"
#include "util.h"

uint64_t sf_rule_cgroup_id(const char *cgroup_root, const char *path)
{
	_auto_(l_free) char *dir = l_strdup_printf("%s%s", cgroup_root, path);
	struct stat st;

	/* On cgroup v2, a cgroup's id is its directory's inode number. */
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;

	return st.st_ino;
}

static bool rule_needs_owner(const void *data, const void *user_data)
{
	const struct sf_config_rule *rule = data;

	return rule->has_uid || rule->cgroup;
}

bool sf_rules_need_owner(struct l_queue *rules)
{
	return l_queue_find(rules, rule_needs_owner, NULL) != NULL;
}

bool sf_prefix_contains(const struct sf_prefix *prefix,
			const struct sf_addr *addr)
{
	const uint8_t *p, *a;
	unsigned int full, rest;

	if (prefix->addr.family != addr->family)
		return false;

	if (addr->family == AF_INET) {
		p = (const uint8_t *) &prefix->addr.ip.in;
		a = (const uint8_t *) &addr->ip.in;
	} else {
		p = prefix->addr.ip.in6.s6_addr;
		a = addr->ip.in6.s6_addr;
	}

	full = prefix->len / 8;
	rest = prefix->len % 8;
	if (memcmp(p, a, full))
		return false;

	return !rest || !((p[full] ^ a[full]) & (uint8_t) (0xff << (8 - rest)));
}

static bool match_remote(const struct sf_config_rule *rule,
			 const struct sf_addr *remote)
{
	for (size_t i = 0; i < rule->n_remotes; i++)
		if (sf_prefix_contains(&rule->remotes[i], remote))
			return true;

	return !rule->n_remotes;
}

static bool match_port(const struct sf_config_rule *rule, uint16_t port)
{
	for (size_t i = 0; i < rule->n_ports; i++)
		if (rule->ports[i] == port)
			return true;

	return !rule->n_ports;
}

static bool rule_matches(const struct sf_config_rule *rule,
			 const struct sf_rule_input *in,
			 const char *cgroup_root)
{
	if (!match_remote(rule, in->remote) || !match_port(rule, in->service_port))
		return false;

	if (rule->has_uid && (!in->has_owner || in->uid != rule->uid))
		return false;

	if (rule->cgroup) {
		uint64_t id;

		if (!in->has_owner || !in->cgroup_id)
			return false;

		id = sf_rule_cgroup_id(cgroup_root, rule->cgroup);
		if (!id || id != in->cgroup_id)
			return false;
	}

	return true;
}

const struct sf_config_rule *sf_rule_match(struct l_queue *rules,
					   const struct sf_rule_input *in,
					   const char *cgroup_root)
{
	const struct l_queue_entry *e;

	for (e = l_queue_get_entries(rules); e; e = e->next)
		if (rule_matches(e->data, in, cgroup_root))
			return e->data;

	return NULL;
}
