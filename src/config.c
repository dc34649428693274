/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowd.conf(5): an INI file read in one pass, line by line.
 *
 * ELL's l_settings is not used for the parse itself: in ELL 0.56 it keeps an
 * inline "# comment" as part of the value, refuses a comment after a section
 * header (both appear in the documented example), silently keeps the first
 * of two equal keys, hides the keys of a repeated section and records no
 * line numbers, while every error here must name FILE:LINE of the key. So
 * the scanner below owns the syntax, and each key is validated the moment it
 * is read, which makes the first error reported the first one in the file.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-private.h"
#include "mptcp_uapi.h"
#include "util.h"

/* Larger files are refused: a config file is a few hundred bytes. */
#define CONFIG_MAX_SIZE (1024 * 1024)

/* Marks an [interface] endpoint-flags not given, until [core] is known. */
#define ENDPOINT_FLAGS_UNSET UINT32_MAX

#define KEY_NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	DIGITS "_-."

static const char * const default_exclude_interfaces[] = {
	"lo", "docker*", "veth*", "br-*", "virbr*", NULL
};

enum section {
	SECTION_NONE,
	SECTION_CORE,
	SECTION_FILTER,
	SECTION_IFACE,
	SECTION_RULE,
	SECTION_QUALITY,
};

enum key {
	KEY_CORE_MODE,
	KEY_CORE_POLICY,
	KEY_CORE_PLUGINS,
	KEY_CORE_MAX_SUBFLOWS,
	KEY_CORE_STANDBY,
	KEY_CORE_CONTROL_GROUP,
	KEY_CORE_LOG,
	KEY_CORE_ENDPOINT_FLAGS,
	KEY_FILTER_EXCLUDE_INTERFACES,
	KEY_FILTER_INCLUDE_INTERFACES,
	KEY_FILTER_SKIP_LINK_LOCAL,
	KEY_FILTER_SKIP_ULA,
	KEY_FILTER_SKIP_TEMPORARY,
	KEY_FILTER_SKIP_DEPRECATED,
	KEY_FILTER_REQUIRE_DEFAULT_ROUTE,
	KEY_IFACE_BACKUP,
	KEY_IFACE_ANNOUNCE,
	KEY_IFACE_SUBFLOWS,
	KEY_IFACE_ENABLED,
	KEY_IFACE_ENDPOINT_FLAGS,
	KEY_IFACE_PRIORITY,
	KEY_IFACE_METERED,
	KEY_RULE_MATCH_REMOTE,
	KEY_RULE_MATCH_PORT,
	KEY_RULE_MATCH_UID,
	KEY_RULE_MATCH_CGROUP,
	KEY_RULE_POLICY,
	KEY_QUALITY_POLL_MS,
	KEY_QUALITY_MAX_LOSS_PERCENT,
	KEY_QUALITY_MAX_RTT_RATIO,
	KEY_QUALITY_MIN_RTT_INCREASE_MS,
	KEY_QUALITY_STALL_MS,
	KEY_QUALITY_RECOVER_MS,
	KEY_QUALITY_WORSE_RTT_RATIO,
	KEY_QUALITY_WORSE_LOSS_PERCENT,
	KEY_QUALITY_PROBE_MS,
};

static const struct {
	enum section section;
	const char *name;
} keys[] = {
	[KEY_CORE_MODE] = { SECTION_CORE, "mode" },
	[KEY_CORE_POLICY] = { SECTION_CORE, "policy" },
	[KEY_CORE_PLUGINS] = { SECTION_CORE, "plugins" },
	[KEY_CORE_MAX_SUBFLOWS] = { SECTION_CORE, "max-subflows" },
	[KEY_CORE_STANDBY] = { SECTION_CORE, "standby" },
	[KEY_CORE_CONTROL_GROUP] = { SECTION_CORE, "control-group" },
	[KEY_CORE_LOG] = { SECTION_CORE, "log" },
	[KEY_CORE_ENDPOINT_FLAGS] = { SECTION_CORE, "endpoint-flags" },
	[KEY_FILTER_EXCLUDE_INTERFACES] = { SECTION_FILTER, "exclude-interfaces" },
	[KEY_FILTER_INCLUDE_INTERFACES] = { SECTION_FILTER, "include-interfaces" },
	[KEY_FILTER_SKIP_LINK_LOCAL] = { SECTION_FILTER, "skip-link-local" },
	[KEY_FILTER_SKIP_ULA] = { SECTION_FILTER, "skip-ula" },
	[KEY_FILTER_SKIP_TEMPORARY] = { SECTION_FILTER, "skip-temporary" },
	[KEY_FILTER_SKIP_DEPRECATED] = { SECTION_FILTER, "skip-deprecated" },
	[KEY_FILTER_REQUIRE_DEFAULT_ROUTE] = { SECTION_FILTER,
					       "require-default-route" },
	[KEY_IFACE_BACKUP] = { SECTION_IFACE, "backup" },
	[KEY_IFACE_ANNOUNCE] = { SECTION_IFACE, "announce" },
	[KEY_IFACE_SUBFLOWS] = { SECTION_IFACE, "subflows" },
	[KEY_IFACE_ENABLED] = { SECTION_IFACE, "enabled" },
	[KEY_IFACE_ENDPOINT_FLAGS] = { SECTION_IFACE, "endpoint-flags" },
	[KEY_IFACE_PRIORITY] = { SECTION_IFACE, "priority" },
	[KEY_IFACE_METERED] = { SECTION_IFACE, "metered" },
	[KEY_RULE_MATCH_REMOTE] = { SECTION_RULE, "match-remote" },
	[KEY_RULE_MATCH_PORT] = { SECTION_RULE, "match-port" },
	[KEY_RULE_MATCH_UID] = { SECTION_RULE, "match-uid" },
	[KEY_RULE_MATCH_CGROUP] = { SECTION_RULE, "match-cgroup" },
	[KEY_RULE_POLICY] = { SECTION_RULE, "policy" },
	[KEY_QUALITY_POLL_MS] = { SECTION_QUALITY, "poll-ms" },
	[KEY_QUALITY_MAX_LOSS_PERCENT] = { SECTION_QUALITY, "max-loss-percent" },
	[KEY_QUALITY_MAX_RTT_RATIO] = { SECTION_QUALITY, "max-rtt-ratio" },
	[KEY_QUALITY_MIN_RTT_INCREASE_MS] = { SECTION_QUALITY,
					      "min-rtt-increase-ms" },
	[KEY_QUALITY_STALL_MS] = { SECTION_QUALITY, "stall-ms" },
	[KEY_QUALITY_RECOVER_MS] = { SECTION_QUALITY, "recover-ms" },
	[KEY_QUALITY_WORSE_RTT_RATIO] = { SECTION_QUALITY, "worse-rtt-ratio" },
	[KEY_QUALITY_WORSE_LOSS_PERCENT] = { SECTION_QUALITY,
					     "worse-loss-percent" },
	[KEY_QUALITY_PROBE_MS] = { SECTION_QUALITY, "probe-ms" },
};

#define N_KEYS SF_ARRAY_SIZE(keys)

struct parser {
	struct sf_config_cursor at;	/* where, for messages; owns .header */
	struct sf_config *config;

	/* The current section. */
	enum section section;
	unsigned int header_line;
	unsigned int key_line[N_KEYS];	/* where a key was set; 0: not yet */
	struct sf_config_iface *iface;
	struct sf_config_rule *rule;

	unsigned int core_line;		/* of [core]; 0: not seen */
	unsigned int filter_line;
	unsigned int quality_line;
};

/* --- construction and destruction ------------------------------------------ */

static void config_iface_free(void *data)
{
	struct sf_config_iface *iface = data;

	if (!iface)
		return;

	l_free(iface->pattern);
	l_free(iface);
}

static void config_rule_free(void *data)
{
	struct sf_config_rule *rule = data;

	if (!rule)
		return;

	l_free(rule->name);
	l_free(rule->remotes);
	l_free(rule->ports);
	l_free(rule->cgroup);
	l_free(rule->policy);
	l_free(rule);
}

static void iface_policy_defaults(struct sf_iface_policy *policy,
				  uint32_t endpoint_flags)
{
	policy->backup = false;
	policy->announce = true;
	policy->enabled = true;
	policy->subflows = 1;
	policy->endpoint_flags = endpoint_flags;
	policy->priority = SF_IFACE_PRIORITY_DEFAULT;
	policy->metered = false;
}

struct sf_config *sf_config_new_defaults(void)
{
	struct sf_config *config = l_new(struct sf_config, 1);

	config->mode = SF_MODE_USERSPACE;
	config->policy = l_strdup("fullmesh");
	config->max_subflows = 8;
	config->standby = SF_STANDBY_OPEN;
	config->control_group = l_strdup("subflowd");
	config->log = SF_LOG_JOURNAL;
	config->endpoint_flags = MPTCP_PM_ADDR_FLAG_SUBFLOW;

	config->quality = (struct sf_quality_config) {
		.poll_ms = 100,
		.max_loss_percent = 20,
		.max_rtt_ratio = 4,
		.min_rtt_increase_ms = 100,
		.stall_ms = 1000,
		.recover_ms = 2000,
		.worse_rtt_ratio = 5,
		.worse_loss_percent = 10,
		.probe_ms = 3000,
	};

	config->filter.exclude_interfaces =
		l_strv_copy((char **) default_exclude_interfaces);
	config->filter.skip_link_local = true;
	config->filter.skip_ula = false;
	config->filter.skip_temporary = true;
	config->filter.skip_deprecated = true;
	config->filter.require_default_route = false;

	config->ifaces = l_queue_new();
	config->rules = l_queue_new();

	return config;
}

void sf_config_free(struct sf_config *config)
{
	if (!config)
		return;

	l_free(config->path);
	l_free(config->policy);
	l_strfreev(config->plugins);
	l_free(config->control_group);
	l_strfreev(config->filter.exclude_interfaces);
	l_strfreev(config->filter.include_interfaces);
	l_queue_destroy(config->ifaces, config_iface_free);
	l_queue_destroy(config->rules, config_rule_free);
	l_free(config);
}

/* --- keys ------------------------------------------------------------------- */

/* A [quality] number: unsigned, min..max. */
static int parse_setting(struct parser *p, const char *value,
			 unsigned long min, unsigned long max,
			 unsigned int *ret)
{
	unsigned long n;
	int r = sf_config_parse_uint(&p->at, value, min, max, &n);

	if (r == 0)
		*ret = n;
	return r;
}

static int apply_key(struct parser *p, enum key key, const char *value)
{
	struct sf_config *c = p->config;
	struct sf_filter_config *f = &c->filter;
	struct sf_quality_config *q = &c->quality;
	unsigned long n;
	int r;

	switch (key) {
	case KEY_CORE_MODE:
		if (sf_mode_from_str(value, &c->mode) < 0)
			return sf_config_value_fail(&p->at, "'%s' is not a "
						    "mode (expected userspace "
						    "or kernel)", value);
		return 0;
	case KEY_CORE_POLICY:
		return sf_config_parse_plugin_name(&p->at, value, &c->policy);
	case KEY_CORE_PLUGINS:
		return sf_config_parse_plugin_list(&p->at, value, &c->plugins);
	case KEY_CORE_MAX_SUBFLOWS:
		r = sf_config_parse_uint(&p->at, value, 1, 255, &n);
		if (r == 0)
			c->max_subflows = n;
		return r;
	case KEY_CORE_STANDBY:
		if (sf_config_standby_from_str(value, &c->standby) < 0)
			return sf_config_value_fail(&p->at, "'%s' is not a "
						    "standby mode (expected "
						    "open or on-demand)",
						    value);
		return 0;
	case KEY_CORE_CONTROL_GROUP:
		if (!*value)
			return sf_config_value_fail(&p->at, "empty value "
						    "(expected a group name)");
		if (strpbrk(value, BLANKS))
			return sf_config_value_fail(&p->at, "'%s' is not a "
						    "group name (expected a "
						    "single word)", value);
		l_free(c->control_group);
		c->control_group = l_strdup(value);
		return 0;
	case KEY_CORE_LOG:
		if (sf_log_target_from_str(value, &c->log) < 0)
			return sf_config_value_fail(&p->at, "'%s' is not a log "
						    "target (expected stderr, "
						    "journal or syslog)",
						    value);
		return 0;
	case KEY_CORE_ENDPOINT_FLAGS:
		return sf_config_parse_endpoint_flags(&p->at, value,
						      &c->endpoint_flags);
	case KEY_FILTER_EXCLUDE_INTERFACES:
		return sf_config_parse_globs(&p->at, value,
					     &f->exclude_interfaces);
	case KEY_FILTER_INCLUDE_INTERFACES:
		return sf_config_parse_globs(&p->at, value,
					     &f->include_interfaces);
	case KEY_FILTER_SKIP_LINK_LOCAL:
		return sf_config_parse_bool(&p->at, value, &f->skip_link_local);
	case KEY_FILTER_SKIP_ULA:
		return sf_config_parse_bool(&p->at, value, &f->skip_ula);
	case KEY_FILTER_SKIP_TEMPORARY:
		return sf_config_parse_bool(&p->at, value, &f->skip_temporary);
	case KEY_FILTER_SKIP_DEPRECATED:
		return sf_config_parse_bool(&p->at, value, &f->skip_deprecated);
	case KEY_FILTER_REQUIRE_DEFAULT_ROUTE:
		return sf_config_parse_bool(&p->at, value,
					    &f->require_default_route);
	case KEY_IFACE_BACKUP:
		return sf_config_parse_bool(&p->at, value,
					    &p->iface->policy.backup);
	case KEY_IFACE_ANNOUNCE:
		return sf_config_parse_bool(&p->at, value,
					    &p->iface->policy.announce);
	case KEY_IFACE_SUBFLOWS:
		r = sf_config_parse_uint(&p->at, value, 1, 8, &n);
		if (r == 0)
			p->iface->policy.subflows = n;
		return r;
	case KEY_IFACE_ENABLED:
		return sf_config_parse_bool(&p->at, value,
					    &p->iface->policy.enabled);
	case KEY_IFACE_ENDPOINT_FLAGS:
		return sf_config_parse_endpoint_flags(
			&p->at, value, &p->iface->policy.endpoint_flags);
	case KEY_IFACE_PRIORITY:
		r = sf_config_parse_uint(&p->at, value, 0, 255, &n);
		if (r == 0)
			p->iface->policy.priority = n;
		return r;
	case KEY_IFACE_METERED:
		return sf_config_parse_bool(&p->at, value,
					    &p->iface->policy.metered);
	case KEY_RULE_MATCH_REMOTE:
		return sf_config_parse_remotes(&p->at, value, p->rule);
	case KEY_RULE_MATCH_PORT:
		return sf_config_parse_ports(&p->at, value, p->rule);
	case KEY_RULE_MATCH_UID:
		return sf_config_parse_uid(&p->at, value, p->rule);
	case KEY_RULE_MATCH_CGROUP:
		if (value[0] != '/')
			return sf_config_value_fail(&p->at, "'%s' is not a "
						    "cgroup path (expected an "
						    "absolute path such as /system"
						    ".slice/nginx.service)",
						    value);
		p->rule->cgroup = l_strdup(value);
		return 0;
	case KEY_RULE_POLICY:
		return sf_config_parse_plugin_name(&p->at, value,
						   &p->rule->policy);
	case KEY_QUALITY_POLL_MS:
		return parse_setting(p, value, 50, 10000, &q->poll_ms);
	case KEY_QUALITY_MAX_LOSS_PERCENT:
		return parse_setting(p, value, 1, 100, &q->max_loss_percent);
	case KEY_QUALITY_MAX_RTT_RATIO:
		return parse_setting(p, value, 2, 1000, &q->max_rtt_ratio);
	case KEY_QUALITY_MIN_RTT_INCREASE_MS:
		return parse_setting(p, value, 0, 60000,
				     &q->min_rtt_increase_ms);
	case KEY_QUALITY_STALL_MS:
		return parse_setting(p, value, 100, 60000, &q->stall_ms);
	case KEY_QUALITY_RECOVER_MS:
		return parse_setting(p, value, 0, 600000, &q->recover_ms);
	case KEY_QUALITY_WORSE_RTT_RATIO:
		return parse_setting(p, value, 2, 1000, &q->worse_rtt_ratio);
	case KEY_QUALITY_WORSE_LOSS_PERCENT:
		return parse_setting(p, value, 1, 100, &q->worse_loss_percent);
	case KEY_QUALITY_PROBE_MS:
		return parse_setting(p, value, 100, 600000, &q->probe_ms);
	}

	return -EINVAL;
}

/* "mode, policy, ..." for an unknown-key message. */
static char *section_key_list(enum section section)
{
	struct l_string *list = l_string_new(128);

	for (size_t i = 0; i < N_KEYS; i++) {
		if (keys[i].section != section)
			continue;

		l_string_append_printf(list, "%s%s",
				       l_string_length(list) ? ", " : "",
				       keys[i].name);
	}

	return l_string_unwrap(list);
}

/* --- sections --------------------------------------------------------------- */

/* Checks that need the whole section; run when the next one starts. */
static int finish_section(struct parser *p)
{
	struct sf_config_rule *rule = p->rule;

	if (p->section != SECTION_RULE || !rule)
		return 0;

	if (!rule->n_remotes && !rule->n_ports && !rule->has_uid &&
	    !rule->cgroup)
		return sf_config_section_fail(&p->at, p->header_line, NULL,
					      "matches nothing (expected at "
					      "least one of match-remote, "
					      "match-port, match-uid, "
					      "match-cgroup)");

	if (!rule->policy)
		return sf_config_section_fail(&p->at, p->header_line, "policy",
					      "missing (expected the policy "
					      "plugin for connections this "
					      "rule matches)");

	return 0;
}

static bool iface_has_pattern(const void *data, const void *user_data)
{
	const struct sf_config_iface *iface = data;

	return !strcmp(iface->pattern, user_data);
}

static bool rule_has_name(const void *data, const void *user_data)
{
	const struct sf_config_rule *rule = data;

	return !strcmp(rule->name, user_data);
}

static int start_core_or_filter(struct parser *p, const char *name,
				unsigned int *first_line)
{
	if (*name)
		return sf_config_section_fail(&p->at, p->at.line, NULL,
					      "unexpected name '%s' (this "
					      "section takes none)", name);

	if (*first_line)
		return sf_config_section_fail(&p->at, p->at.line, NULL,
					      "duplicate section (first on "
					      "line %u)", *first_line);

	*first_line = p->at.line;
	return 0;
}

static int start_iface(struct parser *p, const char *name)
{
	const struct sf_config_iface *other;
	const char *problem;

	if (!*name)
		return sf_config_section_fail(&p->at, p->at.line, NULL,
					      "missing interface name "
					      "(expected [interface NAME], "
					      "NAME an interface name or "
					      "glob)");

	if (strpbrk(name, BLANKS))
		return sf_config_section_fail(&p->at, p->at.line, NULL, "'%s' "
					      "is not an interface name or "
					      "glob (it contains blanks)",
					      name);

	problem = sf_config_glob_problem(name);
	if (problem)
		return sf_config_section_fail(&p->at, p->at.line, NULL, "'%s' "
					      "is not a valid interface glob: "
					      "%s", name, problem);

	other = l_queue_find(p->config->ifaces, iface_has_pattern, name);
	if (other)
		return sf_config_section_fail(&p->at, p->at.line, NULL,
					      "duplicate section (first on "
					      "line %u)", other->line);

	p->iface = l_new(struct sf_config_iface, 1);
	p->iface->pattern = l_strdup(name);
	p->iface->line = p->at.line;
	iface_policy_defaults(&p->iface->policy, ENDPOINT_FLAGS_UNSET);
	l_queue_push_tail(p->config->ifaces, p->iface);
	return 0;
}

static int start_rule(struct parser *p, const char *name)
{
	const struct sf_config_rule *other;

	if (!*name)
		return sf_config_section_fail(&p->at, p->at.line, NULL,
					      "missing rule name (expected "
					      "[rule NAME])");

	if (strpbrk(name, BLANKS))
		return sf_config_section_fail(&p->at, p->at.line, NULL, "'%s' "
					      "is not a rule name (expected a "
					      "single word)", name);

	other = l_queue_find(p->config->rules, rule_has_name, name);
	if (other)
		return sf_config_section_fail(&p->at, p->at.line, NULL,
					      "duplicate section (first on "
					      "line %u)", other->line);

	p->rule = l_new(struct sf_config_rule, 1);
	p->rule->name = l_strdup(name);
	p->rule->line = p->at.line;
	l_queue_push_tail(p->config->rules, p->rule);
	return 0;
}

/* line starts with '['. */
static int parse_header(struct parser *p, char *line)
{
	char *close = NULL;
	char *inner;
	char *name;
	int r;

	/* The header ends at the ']' followed by nothing or a comment, so
	 * that a glob such as [interface eth[0-9]] keeps its brackets. */
	for (char *c = line + 1; *c; c++) {
		const char *rest = c + 1 + strspn(c + 1, BLANKS);

		if (*c == ']' && (!*rest || *rest == '#' || *rest == ';')) {
			close = c;
			break;
		}
	}

	if (!close && strchr(line, ']'))
		return sf_config_syntax_fail(&p->at, "syntax error: text after "
					     "the section header (expected "
					     "[SECTION] or [SECTION NAME] and "
					     "at most a comment)");

	if (!close)
		return sf_config_syntax_fail(&p->at, "syntax error: section "
					     "header without its closing ']' "
					     "(expected [SECTION] or [SECTION "
					     "NAME])");

	r = finish_section(p);
	if (r < 0)
		return r;

	*close = '\0';
	inner = sf_config_strip(line + 1);
	name = inner + strcspn(inner, BLANKS);
	if (*name) {
		*name++ = '\0';
		name = sf_config_strip(name);
	}

	l_free(p->at.header);
	p->at.header = l_strdup_printf("[%s%s%s]", inner, *name ? " " : "",
				       name);
	p->header_line = p->at.line;
	memset(p->key_line, 0, sizeof(p->key_line));
	p->section = SECTION_NONE;
	p->iface = NULL;
	p->rule = NULL;

	if (!strcmp(inner, "core")) {
		p->section = SECTION_CORE;
		return start_core_or_filter(p, name, &p->core_line);
	}

	if (!strcmp(inner, "filter")) {
		p->section = SECTION_FILTER;
		return start_core_or_filter(p, name, &p->filter_line);
	}

	if (!strcmp(inner, "interface")) {
		p->section = SECTION_IFACE;
		return start_iface(p, name);
	}

	if (!strcmp(inner, "rule")) {
		p->section = SECTION_RULE;
		return start_rule(p, name);
	}

	if (!strcmp(inner, "quality")) {
		p->section = SECTION_QUALITY;
		return start_core_or_filter(p, name, &p->quality_line);
	}

	return sf_config_section_fail(&p->at, p->at.line, NULL, "unknown "
				      "section (expected [core], [filter], "
				      "[interface NAME], [rule NAME] or "
				      "[quality])");
}

/* A KEY = VALUE line (already stripped, not a comment or header). */
static int parse_key_line(struct parser *p, char *line)
{
	char *eq = strchr(line, '=');
	char *key;
	char *value;
	size_t k;

	if (!eq)
		return sf_config_syntax_fail(&p->at, "syntax error: '%s' is "
					     "neither KEY = VALUE nor "
					     "[SECTION]", line);

	*eq = '\0';
	key = sf_config_strip(line);
	value = eq + 1;

	if (!*key)
		return sf_config_syntax_fail(&p->at, "syntax error: no key "
					     "before '='");

	if (!sf_config_is_all(key, KEY_NAME_CHARS))
		return sf_config_syntax_fail(&p->at, "syntax error: '%s' is "
					     "not a key name (expected "
					     "letters, digits and '-')", key);

	/* '#' starts a comment at the start of the value or after a blank. */
	for (char *c = value; *c; c++) {
		if (*c == '#' && (c == value || c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			break;
		}
	}
	value = sf_config_strip(value);

	if (p->section == SECTION_NONE)
		return sf_config_fail(&p->at, p->at.line, NULL, key, "key "
				      "outside any section (expected a "
				      "[SECTION] line before it)");

	for (k = 0; k < N_KEYS; k++)
		if (keys[k].section == p->section && !strcmp(keys[k].name, key))
			break;

	if (k == N_KEYS) {
		_auto_(l_free) char *known = section_key_list(p->section);

		return sf_config_section_fail(&p->at, p->at.line, key,
					      "unknown key (expected one of "
					      "%s)", known);
	}

	if (p->key_line[k])
		return sf_config_section_fail(&p->at, p->at.line, key,
					      "duplicate key (first set on "
					      "line %u)", p->key_line[k]);

	p->key_line[k] = p->at.line;
	p->at.key = keys[k].name;
	return apply_key(p, k, value);
}

static int parse_line(struct parser *p, char *line)
{
	line = sf_config_strip(line);

	if (!*line || *line == '#' || *line == ';')
		return 0;

	if (*line == '[')
		return parse_header(p, line);

	return parse_key_line(p, line);
}

static int parse_data(struct parser *p, const char *data, size_t len)
{
	size_t pos = 0;
	int r;

	while (pos < len) {
		const char *start = data + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t) (nl - start) : len - pos;
		_auto_(l_free) char *line = NULL;

		pos += n + (nl ? 1 : 0);
		p->at.line++;
		p->at.key = NULL;

		if (memchr(start, '\0', n))
			return sf_config_syntax_fail(&p->at, "syntax error: "
						     "NUL byte (expected a "
						     "text file)");

		line = l_strndup(start, n);
		r = parse_line(p, line);
		if (r < 0)
			return r;
	}

	return finish_section(p);
}

/* [interface] endpoint-flags default to [core]'s, wherever [core] is. */
static void resolve_iface_defaults(void *data, void *user_data)
{
	struct sf_config_iface *iface = data;
	const struct sf_config *config = user_data;

	if (iface->policy.endpoint_flags == ENDPOINT_FLAGS_UNSET)
		iface->policy.endpoint_flags = config->endpoint_flags;
}

int sf_config_load_data(const char *name, const char *data, size_t len,
			struct sf_config **ret_config,
			char *ret_err, size_t err_size)
{
	_auto_(sf_config_free) struct sf_config *config =
		sf_config_new_defaults();
	struct parser p = {
		.at = {
			.file = name,
			.err = ret_err,
			.err_size = err_size,
		},
		.config = config,
	};
	int r;

	config->path = l_strdup(name);

	r = parse_data(&p, data, len);
	l_free(p.at.header);
	if (r < 0)
		return r;

	l_queue_foreach(config->ifaces, resolve_iface_defaults, config);

	if (ret_err && err_size)
		ret_err[0] = '\0';

	*ret_config = config;
	config = NULL;
	return 0;
}

/*
 * The file steers the daemon, so nobody but root and the daemon's own user
 * may be able to write it: not its group (unless root's), not others. st
 * is of the opened file, so a symlink is judged by its target.
 */
static int check_file_writers(const char *path, const struct stat *st,
			      char *ret_err, size_t err_size)
{
	if ((st->st_uid == 0 || st->st_uid == geteuid()) &&
	    !(st->st_mode & S_IWOTH) &&
	    (!(st->st_mode & S_IWGRP) || st->st_gid == 0))
		return 0;

	if (ret_err && err_size)
		snprintf(ret_err, err_size, "%s: refusing a config file that "
			 "others can write (mode %04o, uid %u, gid %u): it "
			 "must be owned by root and not group- or "
			 "world-writable", path,
			 (unsigned int) (st->st_mode & 07777),
			 (unsigned int) st->st_uid, (unsigned int) st->st_gid);
	return -EPERM;
}

/*
 * Read all of path; at most CONFIG_MAX_SIZE bytes. On failure, ret_err
 * says why, as sf_config_load() does.
 */
static int read_file(const char *path, char **ret_data, size_t *ret_len,
		     char *ret_err, size_t err_size)
{
	_auto_(l_free) char *data = NULL;
	size_t len = 0;
	size_t size = 0;
	struct stat st;
	int fd;
	int r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = SF_NEG_ERRNO();
		goto fail;
	}

	if (fstat(fd, &st) < 0) {
		r = SF_NEG_ERRNO();
		goto out;
	}

	if (S_ISDIR(st.st_mode)) {
		r = -EISDIR;
		goto out;
	}

	r = check_file_writers(path, &st, ret_err, err_size);
	if (r < 0) {
		close(fd);
		return r;
	}

	for (;;) {
		ssize_t n;

		if (len == size) {
			if (size > CONFIG_MAX_SIZE) {
				r = -EFBIG;
				goto out;
			}

			size = size ? size * 2 : 4096;
			data = l_realloc(data, size);
		}

		n = read(fd, data + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = SF_NEG_ERRNO();
			goto out;
		}
		if (n == 0)
			break;

		len += n;
	}

	if (len > CONFIG_MAX_SIZE) {
		r = -EFBIG;
		goto out;
	}

	*ret_data = data;
	*ret_len = len;
	data = NULL;
out:
	close(fd);
fail:
	if (r < 0 && ret_err && err_size)
		snprintf(ret_err, err_size, "%s: %s", path, strerror(-r));
	return r;
}

int sf_config_load(const char *path, struct sf_config **ret_config,
		   char *ret_err, size_t err_size)
{
	_auto_(l_free) char *data = NULL;
	size_t len = 0;
	int r;

	r = read_file(path, &data, &len, ret_err, err_size);
	if (r < 0)
		return r;

	return sf_config_load_data(path, data ? data : "", len, ret_config,
				   ret_err, err_size);
}

/* --- queries ---------------------------------------------------------------- */

void sf_config_iface_policy(const struct sf_config *config, const char *ifname,
			    struct sf_iface_policy *ret_policy)
{
	const struct l_queue_entry *entry;
	const struct sf_config_iface *glob_match = NULL;

	for (entry = l_queue_get_entries(config->ifaces); entry;
	     entry = entry->next) {
		const struct sf_config_iface *iface = entry->data;

		if (!strcmp(iface->pattern, ifname)) {
			*ret_policy = iface->policy;
			return;
		}

		if (!glob_match && fnmatch(iface->pattern, ifname, 0) == 0)
			glob_match = iface;
	}

	if (glob_match) {
		*ret_policy = glob_match->policy;
		return;
	}

	iface_policy_defaults(ret_policy, config->endpoint_flags);
}

