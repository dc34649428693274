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

#include "config.h"
#include "mptcp_uapi.h"
#include "util.h"

/* Larger files are refused: a config file is a few hundred bytes. */
#define CONFIG_MAX_SIZE (1024 * 1024)

/* Marks an [interface] endpoint-flags not given, until [core] is known. */
#define ENDPOINT_FLAGS_UNSET UINT32_MAX

#define DIGITS "0123456789"
#define PLUGIN_NAME_CHARS "abcdefghijklmnopqrstuvwxyz" DIGITS "_-"
#define KEY_NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	DIGITS "_-."
#define BLANKS " \t"
#define LIST_SEPARATORS " \t,"

static const char * const default_exclude_interfaces[] = {
	"lo", "docker*", "veth*", "br-*", "virbr*", NULL
};

static const struct {
	const char *name;
	uint32_t flag;
} endpoint_flag_names[] = {
	{ "signal", MPTCP_PM_ADDR_FLAG_SIGNAL },
	{ "subflow", MPTCP_PM_ADDR_FLAG_SUBFLOW },
	{ "backup", MPTCP_PM_ADDR_FLAG_BACKUP },
	{ "fullmesh", MPTCP_PM_ADDR_FLAG_FULLMESH },
	{ "laminar", MPTCP_PM_ADDR_FLAG_LAMINAR },
};

enum section {
	SECTION_NONE,
	SECTION_CORE,
	SECTION_FILTER,
	SECTION_IFACE,
	SECTION_RULE,
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
	KEY_RULE_MATCH_REMOTE,
	KEY_RULE_MATCH_PORT,
	KEY_RULE_MATCH_UID,
	KEY_RULE_MATCH_CGROUP,
	KEY_RULE_POLICY,
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
	[KEY_RULE_MATCH_REMOTE] = { SECTION_RULE, "match-remote" },
	[KEY_RULE_MATCH_PORT] = { SECTION_RULE, "match-port" },
	[KEY_RULE_MATCH_UID] = { SECTION_RULE, "match-uid" },
	[KEY_RULE_MATCH_CGROUP] = { SECTION_RULE, "match-cgroup" },
	[KEY_RULE_POLICY] = { SECTION_RULE, "policy" },
};

#define N_KEYS SF_ARRAY_SIZE(keys)

struct parser {
	const char *file;		/* FILE in messages */
	char *err;
	size_t err_size;
	struct sf_config *config;

	unsigned int line;		/* the line being read, from 1 */
	const char *key;		/* the key being read, for messages */

	/* The current section. */
	enum section section;
	char *header;			/* "[interface wlan0]", for messages */
	unsigned int header_line;
	unsigned int key_line[N_KEYS];	/* where a key was set; 0: not yet */
	struct sf_config_iface *iface;
	struct sf_config_rule *rule;

	unsigned int core_line;		/* of [core]; 0: not seen */
	unsigned int filter_line;
};

/* For _auto_(strv_free): ELL 0.56 declares no cleanup for l_strfreev(). */
static void strv_free_cleanup(void *p)
{
	l_strfreev(*(char ***) p);
}

/* --- enum names ------------------------------------------------------------ */

const char *sf_mode_to_str(enum sf_mode mode)
{
	switch (mode) {
	case SF_MODE_USERSPACE:
		return "userspace";
	case SF_MODE_KERNEL:
		return "kernel";
	}

	return "unknown";
}

int sf_mode_from_str(const char *str, enum sf_mode *ret_mode)
{
	static const enum sf_mode modes[] = {
		SF_MODE_USERSPACE, SF_MODE_KERNEL,
	};

	for (size_t i = 0; str && i < SF_ARRAY_SIZE(modes); i++) {
		if (!strcmp(str, sf_mode_to_str(modes[i]))) {
			*ret_mode = modes[i];
			return 0;
		}
	}

	return -EINVAL;
}

const char *sf_log_target_to_str(enum sf_log_target target)
{
	switch (target) {
	case SF_LOG_STDERR:
		return "stderr";
	case SF_LOG_JOURNAL:
		return "journal";
	case SF_LOG_SYSLOG:
		return "syslog";
	}

	return "unknown";
}

int sf_log_target_from_str(const char *str, enum sf_log_target *ret_target)
{
	static const enum sf_log_target targets[] = {
		SF_LOG_STDERR, SF_LOG_JOURNAL, SF_LOG_SYSLOG,
	};

	for (size_t i = 0; str && i < SF_ARRAY_SIZE(targets); i++) {
		if (!strcmp(str, sf_log_target_to_str(targets[i]))) {
			*ret_target = targets[i];
			return 0;
		}
	}

	return -EINVAL;
}

static const char *standby_to_str(enum sf_standby standby)
{
	switch (standby) {
	case SF_STANDBY_OPEN:
		return "open";
	case SF_STANDBY_ON_DEMAND:
		return "on-demand";
	}

	return "unknown";
}

static int standby_from_str(const char *str, enum sf_standby *ret_standby)
{
	static const enum sf_standby modes[] = {
		SF_STANDBY_OPEN, SF_STANDBY_ON_DEMAND,
	};

	for (size_t i = 0; i < SF_ARRAY_SIZE(modes); i++) {
		if (!strcmp(str, standby_to_str(modes[i]))) {
			*ret_standby = modes[i];
			return 0;
		}
	}

	return -EINVAL;
}

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

/* --- error messages --------------------------------------------------------- */

/*
 * Copy src into dst (size > 0 bytes), truncated, with every byte outside
 * printable ASCII written as \xNN: a message quotes the file, and the
 * file's control characters must not reach a terminal or the journal.
 */
static void copy_escaped(char *dst, size_t size, const char *src)
{
	size_t pos = 0;

	for (; *src && pos + 1 < size; src++) {
		unsigned char c = *src;

		if (c >= 0x20 && c < 0x7f) {
			dst[pos++] = c;
			continue;
		}
		if (pos + 4 >= size)
			break;
		snprintf(dst + pos, 5, "\\x%02x", c);
		pos += 4;
	}
	dst[pos] = '\0';
}

/*
 * Write "FILE:LINE: [section] key: message" into the caller's buffer,
 * leaving out the section and the key when NULL. Returns -EINVAL.
 */
static int __attribute__((format(printf, 5, 0)))
parser_vfail(struct parser *p, unsigned int line, const char *header,
	     const char *key, const char *fmt, va_list ap)
{
	char msg[512];
	char all[1024];

	if (!p->err || !p->err_size)
		return -EINVAL;

	vsnprintf(msg, sizeof(msg), fmt, ap);

	if (header && key)
		snprintf(all, sizeof(all), "%s:%u: %s %s: %s",
			 p->file, line, header, key, msg);
	else if (header || key)
		snprintf(all, sizeof(all), "%s:%u: %s: %s",
			 p->file, line, header ? header : key, msg);
	else
		snprintf(all, sizeof(all), "%s:%u: %s", p->file, line, msg);

	copy_escaped(p->err, p->err_size, all);
	return -EINVAL;
}

/* A syntax error on the current line: no section, no key. */
static int __attribute__((format(printf, 2, 3)))
syntax_fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = parser_vfail(p, p->line, NULL, NULL, fmt, ap);
	va_end(ap);
	return r;
}

static int __attribute__((format(printf, 5, 6)))
parser_fail(struct parser *p, unsigned int line, const char *header,
	    const char *key, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = parser_vfail(p, line, header, key, fmt, ap);
	va_end(ap);
	return r;
}

/* A problem with the current section as a whole (key may be NULL). */
static int __attribute__((format(printf, 4, 5)))
section_fail(struct parser *p, unsigned int line, const char *key,
	     const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = parser_vfail(p, line, p->header, key, fmt, ap);
	va_end(ap);
	return r;
}

/* A problem with the value of the key on the current line. */
static int __attribute__((format(printf, 2, 3)))
value_fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = parser_vfail(p, p->line, p->header, p->key, fmt, ap);
	va_end(ap);
	return r;
}

/* --- value parsers ---------------------------------------------------------- */

static bool is_all(const char *str, const char *accept)
{
	return *str && strspn(str, accept) == strlen(str);
}

/* Trim blanks (and a CR) on both ends, in place. */
static char *strip(char *str)
{
	size_t len;

	str += strspn(str, BLANKS);
	len = strlen(str);
	while (len && (str[len - 1] == ' ' || str[len - 1] == '\t' ||
		       str[len - 1] == '\r'))
		str[--len] = '\0';

	return str;
}

/* Split on any of seps, dropping empty words. NULL when there is none. */
static char **split_words(const char *value, const char *seps)
{
	char **words = l_strsplit_set(value, seps);
	size_t n = 0;

	for (size_t i = 0; words && words[i]; i++) {
		if (*words[i])
			words[n++] = words[i];
		else
			l_free(words[i]);
	}

	if (!n) {
		l_free(words);
		return NULL;
	}

	words[n] = NULL;
	return words;
}

static int parse_bool(struct parser *p, const char *value, bool *ret)
{
	static const char * const yes[] = { "true", "yes", "on", "1" };
	static const char * const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < SF_ARRAY_SIZE(yes); i++) {
		if (!strcmp(value, yes[i])) {
			*ret = true;
			return 0;
		}

		if (!strcmp(value, no[i])) {
			*ret = false;
			return 0;
		}
	}

	return value_fail(p, "'%s' is not a boolean (expected true or false)",
			  value);
}

static int parse_uint(struct parser *p, const char *value, unsigned long min,
		      unsigned long max, unsigned long *ret)
{
	unsigned long v;

	if (!is_all(value, DIGITS))
		return value_fail(p, "'%s' is not a number (expected %lu..%lu)",
				  value, min, max);

	errno = 0;
	v = strtoul(value, NULL, 10);
	if (errno == ERANGE || v < min || v > max)
		return value_fail(p, "%s is out of range (expected %lu..%lu)",
				  value, min, max);

	*ret = v;
	return 0;
}

static int parse_plugin_name(struct parser *p, const char *value, char **ret)
{
	if (!*value)
		return value_fail(p, "empty value (expected a plugin name of "
				  "a-z, 0-9, '_' and '-')");

	if (!is_all(value, PLUGIN_NAME_CHARS))
		return value_fail(p, "'%s' is not a plugin name (expected a-z, "
				  "0-9, '_' and '-')", value);

	l_free(*ret);
	*ret = l_strdup(value);
	return 0;
}

static int parse_plugin_list(struct parser *p, const char *value, char ***ret)
{
	char **names = split_words(value, LIST_SEPARATORS);

	for (size_t i = 0; names && names[i]; i++) {
		if (is_all(names[i], PLUGIN_NAME_CHARS))
			continue;

		value_fail(p, "'%s' is not a plugin name (expected names of "
			   "a-z, 0-9, '_' and '-', separated by spaces or "
			   "commas)", names[i]);
		l_strfreev(names);
		return -EINVAL;
	}

	l_strfreev(*ret);
	*ret = names;
	return 0;
}

static int parse_endpoint_flags(struct parser *p, const char *value,
				uint32_t *ret)
{
	_auto_(strv_free) char **words = split_words(value, LIST_SEPARATORS);
	uint32_t flags = 0;

	if (!words)
		return value_fail(p, "empty value (expected one or more of "
				  "subflow, signal, backup, fullmesh, laminar)");

	for (size_t i = 0; words[i]; i++) {
		size_t j;

		for (j = 0; j < SF_ARRAY_SIZE(endpoint_flag_names); j++)
			if (!strcmp(words[i], endpoint_flag_names[j].name))
				break;

		if (j == SF_ARRAY_SIZE(endpoint_flag_names))
			return value_fail(p, "'%s' is not an endpoint flag "
					  "(expected subflow, signal, backup, "
					  "fullmesh or laminar)", words[i]);

		flags |= endpoint_flag_names[j].flag;
	}

	/* The kernel refuses this pair (ADD_ADDR: -EINVAL). */
	if ((flags & MPTCP_PM_ADDR_FLAG_SIGNAL) &&
	    (flags & MPTCP_PM_ADDR_FLAG_FULLMESH))
		return value_fail(p, "signal and fullmesh cannot be combined "
				  "(the kernel refuses such an endpoint)");

	*ret = flags;
	return 0;
}

/*
 * Why glob cannot be an interface name pattern, or NULL when it can. The
 * syntax is fnmatch(3) without flags: * ? [...] [!...] and \ escapes.
 */
static const char *glob_problem(const char *glob)
{
	bool meta = false;

	for (size_t i = 0; glob[i]; i++) {
		size_t j;

		switch (glob[i]) {
		case '/':
			return "'/' cannot appear in an interface name";
		case '\\':
			if (!glob[i + 1])
				return "it ends with a lone '\\'";
			meta = true;
			i++;
			break;
		case '*':
		case '?':
			meta = true;
			break;
		case '[':
			meta = true;
			j = i + 1;
			if (glob[j] == '!' || glob[j] == '^')
				j++;
			if (glob[j] == ']')
				j++;

			while (glob[j] && glob[j] != ']') {
				if (glob[j] == '[' && glob[j + 1] == ':') {
					const char *end = strstr(glob + j + 2,
								 ":]");

					if (!end)
						return "unbalanced '[:'";
					j = end - glob + 2;
					continue;
				}

				if (glob[j] == '\\' && glob[j + 1])
					j++;
				j++;
			}

			if (!glob[j])
				return "unbalanced '['";

			i = j;
			break;
		}
	}

	if (!meta && strlen(glob) >= IFNAMSIZ)
		return "an interface name has at most 15 characters";

	return NULL;
}

static int parse_globs(struct parser *p, const char *value, char ***ret)
{
	char **globs = split_words(value, BLANKS);

	for (size_t i = 0; globs && globs[i]; i++) {
		const char *problem = glob_problem(globs[i]);

		if (!problem)
			continue;

		value_fail(p, "'%s' is not a valid interface glob: %s "
			   "(expected names or fnmatch(3) patterns separated "
			   "by spaces)", globs[i], problem);
		l_strfreev(globs);
		return -EINVAL;
	}

	l_strfreev(*ret);
	*ret = globs;
	return 0;
}

/* Clear the bits of addr past the first len. */
static void prefix_mask(struct sf_prefix *prefix)
{
	uint8_t *bytes;
	size_t size;

	if (prefix->addr.family == AF_INET) {
		bytes = (uint8_t *) &prefix->addr.ip.in;
		size = sizeof(prefix->addr.ip.in);
	} else {
		bytes = prefix->addr.ip.in6.s6_addr;
		size = sizeof(prefix->addr.ip.in6);
	}

	for (size_t i = 0; i < size; i++) {
		unsigned int bit = i * 8;

		if (bit >= prefix->len)
			bytes[i] = 0;
		else if (bit + 8 > prefix->len)
			bytes[i] &= (uint8_t) (0xff << (bit + 8 - prefix->len));
	}
}

/* "ADDRESS" (a host prefix) or "ADDRESS/LENGTH"; host bits are cleared. */
static int parse_prefix(struct parser *p, const char *str,
			struct sf_prefix *ret)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(str, '/');
	size_t addr_len = slash ? (size_t) (slash - str) : strlen(str);
	unsigned int max;

	memset(ret, 0, sizeof(*ret));

	if (addr_len >= sizeof(addr))
		goto bad_addr;

	memcpy(addr, str, addr_len);
	addr[addr_len] = '\0';

	if (inet_pton(AF_INET, addr, &ret->addr.ip.in) == 1) {
		ret->addr.family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, &ret->addr.ip.in6) == 1) {
		ret->addr.family = AF_INET6;
		max = 128;
	} else {
		goto bad_addr;
	}

	ret->len = max;
	if (slash) {
		const char *len = slash + 1;

		if (!is_all(len, DIGITS))
			return value_fail(p, "'%s' is not a prefix: length '%s' "
					  "is not a number (expected 0..%u for "
					  "IPv%c)", str, len, max,
					  max == 32 ? '4' : '6');

		if (strlen(len) > 3 || strtoul(len, NULL, 10) > max)
			return value_fail(p, "'%s' is not a prefix: length '%s' "
					  "is out of range (expected 0..%u for "
					  "IPv%c)", str, len, max,
					  max == 32 ? '4' : '6');

		ret->len = strtoul(len, NULL, 10);
	}

	prefix_mask(ret);
	return 0;

bad_addr:
	return value_fail(p, "'%s' is not a prefix: '%.*s' is not an IPv4 or "
			  "IPv6 address (expected ADDRESS or ADDRESS/LENGTH)",
			  str, (int) addr_len, str);
}

static int parse_remotes(struct parser *p, const char *value,
			 struct sf_config_rule *rule)
{
	_auto_(strv_free) char **words = split_words(value, LIST_SEPARATORS);
	size_t n = words ? l_strv_length(words) : 0;

	if (!n)
		return value_fail(p, "empty value (expected one or more "
				  "prefixes such as 203.0.113.0/24 or "
				  "2001:db8::/32)");

	rule->remotes = l_new(struct sf_prefix, n);
	for (size_t i = 0; i < n; i++) {
		int r = parse_prefix(p, words[i], &rule->remotes[i]);

		if (r < 0)
			return r;

		rule->n_remotes++;
	}

	return 0;
}

static int parse_ports(struct parser *p, const char *value,
		       struct sf_config_rule *rule)
{
	_auto_(strv_free) char **words = split_words(value, LIST_SEPARATORS);
	size_t n = words ? l_strv_length(words) : 0;

	if (!n)
		return value_fail(p, "empty value (expected one or more ports, "
				  "1..65535)");

	rule->ports = l_new(uint16_t, n);
	for (size_t i = 0; i < n; i++) {
		unsigned long port;
		int r = parse_uint(p, words[i], 1, 65535, &port);

		if (r < 0)
			return r;

		rule->ports[rule->n_ports++] = port;
	}

	return 0;
}

static int parse_uid(struct parser *p, const char *value,
		     struct sf_config_rule *rule)
{
	unsigned long uid;
	int r;

	if (!is_all(value, DIGITS))
		return value_fail(p, "'%s' is not a number (expected a numeric "
				  "user id; names are not looked up)", value);

	/* (uid_t) -1 means "no user" to the kernel. */
	r = parse_uint(p, value, 0, (uid_t) -1 - 1, &uid);
	if (r < 0)
		return r;

	rule->has_uid = true;
	rule->uid = uid;
	return 0;
}

/* --- keys ------------------------------------------------------------------- */

static int apply_key(struct parser *p, enum key key, const char *value)
{
	struct sf_config *c = p->config;
	struct sf_filter_config *f = &c->filter;
	unsigned long n;
	int r;

	switch (key) {
	case KEY_CORE_MODE:
		if (sf_mode_from_str(value, &c->mode) < 0)
			return value_fail(p, "'%s' is not a mode (expected "
					  "userspace or kernel)", value);
		return 0;
	case KEY_CORE_POLICY:
		return parse_plugin_name(p, value, &c->policy);
	case KEY_CORE_PLUGINS:
		return parse_plugin_list(p, value, &c->plugins);
	case KEY_CORE_MAX_SUBFLOWS:
		r = parse_uint(p, value, 1, 255, &n);
		if (r == 0)
			c->max_subflows = n;
		return r;
	case KEY_CORE_STANDBY:
		if (standby_from_str(value, &c->standby) < 0)
			return value_fail(p, "'%s' is not a standby mode "
					  "(expected open or on-demand)",
					  value);
		return 0;
	case KEY_CORE_CONTROL_GROUP:
		if (!*value)
			return value_fail(p, "empty value (expected a group "
					  "name)");
		if (strpbrk(value, BLANKS))
			return value_fail(p, "'%s' is not a group name "
					  "(expected a single word)", value);
		l_free(c->control_group);
		c->control_group = l_strdup(value);
		return 0;
	case KEY_CORE_LOG:
		if (sf_log_target_from_str(value, &c->log) < 0)
			return value_fail(p, "'%s' is not a log target "
					  "(expected stderr, journal or "
					  "syslog)", value);
		return 0;
	case KEY_CORE_ENDPOINT_FLAGS:
		return parse_endpoint_flags(p, value, &c->endpoint_flags);
	case KEY_FILTER_EXCLUDE_INTERFACES:
		return parse_globs(p, value, &f->exclude_interfaces);
	case KEY_FILTER_INCLUDE_INTERFACES:
		return parse_globs(p, value, &f->include_interfaces);
	case KEY_FILTER_SKIP_LINK_LOCAL:
		return parse_bool(p, value, &f->skip_link_local);
	case KEY_FILTER_SKIP_ULA:
		return parse_bool(p, value, &f->skip_ula);
	case KEY_FILTER_SKIP_TEMPORARY:
		return parse_bool(p, value, &f->skip_temporary);
	case KEY_FILTER_SKIP_DEPRECATED:
		return parse_bool(p, value, &f->skip_deprecated);
	case KEY_FILTER_REQUIRE_DEFAULT_ROUTE:
		return parse_bool(p, value, &f->require_default_route);
	case KEY_IFACE_BACKUP:
		return parse_bool(p, value, &p->iface->policy.backup);
	case KEY_IFACE_ANNOUNCE:
		return parse_bool(p, value, &p->iface->policy.announce);
	case KEY_IFACE_SUBFLOWS:
		r = parse_uint(p, value, 1, 8, &n);
		if (r == 0)
			p->iface->policy.subflows = n;
		return r;
	case KEY_IFACE_ENABLED:
		return parse_bool(p, value, &p->iface->policy.enabled);
	case KEY_IFACE_ENDPOINT_FLAGS:
		return parse_endpoint_flags(p, value,
					    &p->iface->policy.endpoint_flags);
	case KEY_IFACE_PRIORITY:
		r = parse_uint(p, value, 0, 255, &n);
		if (r == 0)
			p->iface->policy.priority = n;
		return r;
	case KEY_RULE_MATCH_REMOTE:
		return parse_remotes(p, value, p->rule);
	case KEY_RULE_MATCH_PORT:
		return parse_ports(p, value, p->rule);
	case KEY_RULE_MATCH_UID:
		return parse_uid(p, value, p->rule);
	case KEY_RULE_MATCH_CGROUP:
		if (value[0] != '/')
			return value_fail(p, "'%s' is not a cgroup path "
					  "(expected an absolute path such as "
					  "/system.slice/nginx.service)",
					  value);
		p->rule->cgroup = l_strdup(value);
		return 0;
	case KEY_RULE_POLICY:
		return parse_plugin_name(p, value, &p->rule->policy);
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
		return section_fail(p, p->header_line, NULL,
				    "matches nothing (expected at least one of "
				    "match-remote, match-port, match-uid, "
				    "match-cgroup)");

	if (!rule->policy)
		return section_fail(p, p->header_line, "policy",
				    "missing (expected the policy plugin for "
				    "connections this rule matches)");

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
		return section_fail(p, p->line, NULL, "unexpected name '%s' "
				    "(this section takes none)", name);

	if (*first_line)
		return section_fail(p, p->line, NULL, "duplicate section "
				    "(first on line %u)", *first_line);

	*first_line = p->line;
	return 0;
}

static int start_iface(struct parser *p, const char *name)
{
	const struct sf_config_iface *other;
	const char *problem;

	if (!*name)
		return section_fail(p, p->line, NULL, "missing interface name "
				    "(expected [interface NAME], NAME an "
				    "interface name or glob)");

	if (strpbrk(name, BLANKS))
		return section_fail(p, p->line, NULL, "'%s' is not an "
				    "interface name or glob (it contains "
				    "blanks)", name);

	problem = glob_problem(name);
	if (problem)
		return section_fail(p, p->line, NULL, "'%s' is not a valid "
				    "interface glob: %s", name, problem);

	other = l_queue_find(p->config->ifaces, iface_has_pattern, name);
	if (other)
		return section_fail(p, p->line, NULL, "duplicate section "
				    "(first on line %u)", other->line);

	p->iface = l_new(struct sf_config_iface, 1);
	p->iface->pattern = l_strdup(name);
	p->iface->line = p->line;
	iface_policy_defaults(&p->iface->policy, ENDPOINT_FLAGS_UNSET);
	l_queue_push_tail(p->config->ifaces, p->iface);
	return 0;
}

static int start_rule(struct parser *p, const char *name)
{
	const struct sf_config_rule *other;

	if (!*name)
		return section_fail(p, p->line, NULL, "missing rule name "
				    "(expected [rule NAME])");

	if (strpbrk(name, BLANKS))
		return section_fail(p, p->line, NULL, "'%s' is not a rule name "
				    "(expected a single word)", name);

	other = l_queue_find(p->config->rules, rule_has_name, name);
	if (other)
		return section_fail(p, p->line, NULL, "duplicate section "
				    "(first on line %u)", other->line);

	p->rule = l_new(struct sf_config_rule, 1);
	p->rule->name = l_strdup(name);
	p->rule->line = p->line;
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
		return syntax_fail(p, "syntax error: text after the section "
				   "header (expected [SECTION] or [SECTION "
				   "NAME] and at most a comment)");

	if (!close)
		return syntax_fail(p, "syntax error: section header without "
				   "its closing ']' (expected [SECTION] or "
				   "[SECTION NAME])");

	r = finish_section(p);
	if (r < 0)
		return r;

	*close = '\0';
	inner = strip(line + 1);
	name = inner + strcspn(inner, BLANKS);
	if (*name) {
		*name++ = '\0';
		name = strip(name);
	}

	l_free(p->header);
	p->header = l_strdup_printf("[%s%s%s]", inner, *name ? " " : "", name);
	p->header_line = p->line;
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

	return section_fail(p, p->line, NULL, "unknown section (expected "
			    "[core], [filter], [interface NAME] or "
			    "[rule NAME])");
}

/* A KEY = VALUE line (already stripped, not a comment or header). */
static int parse_key_line(struct parser *p, char *line)
{
	char *eq = strchr(line, '=');
	char *key;
	char *value;
	size_t k;

	if (!eq)
		return syntax_fail(p, "syntax error: '%s' is neither KEY = "
				   "VALUE nor [SECTION]", line);

	*eq = '\0';
	key = strip(line);
	value = eq + 1;

	if (!*key)
		return syntax_fail(p, "syntax error: no key before '='");

	if (!is_all(key, KEY_NAME_CHARS))
		return syntax_fail(p, "syntax error: '%s' is not a key name "
				   "(expected letters, digits and '-')", key);

	/* '#' starts a comment at the start of the value or after a blank. */
	for (char *c = value; *c; c++) {
		if (*c == '#' && (c == value || c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			break;
		}
	}
	value = strip(value);

	if (p->section == SECTION_NONE)
		return parser_fail(p, p->line, NULL, key, "key outside any "
				   "section (expected a [SECTION] line before "
				   "it)");

	for (k = 0; k < N_KEYS; k++)
		if (keys[k].section == p->section && !strcmp(keys[k].name, key))
			break;

	if (k == N_KEYS) {
		_auto_(l_free) char *known = section_key_list(p->section);

		return section_fail(p, p->line, key, "unknown key (expected "
				    "one of %s)", known);
	}

	if (p->key_line[k])
		return section_fail(p, p->line, key, "duplicate key (first set "
				    "on line %u)", p->key_line[k]);

	p->key_line[k] = p->line;
	p->key = keys[k].name;
	return apply_key(p, k, value);
}

static int parse_line(struct parser *p, char *line)
{
	line = strip(line);

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
		p->line++;
		p->key = NULL;

		if (memchr(start, '\0', n))
			return syntax_fail(p, "syntax error: NUL byte (expected "
					   "a text file)");

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
		.file = name,
		.err = ret_err,
		.err_size = err_size,
		.config = config,
	};
	int r;

	config->path = l_strdup(name);

	r = parse_data(&p, data, len);
	l_free(p.header);
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

/* --- printing --------------------------------------------------------------- */

static void print_words(FILE *out, const char *key, char **words)
{
	fprintf(out, "%s =", key);
	for (size_t i = 0; words && words[i]; i++)
		fprintf(out, " %s", words[i]);
	fputc('\n', out);
}

static void print_bool(FILE *out, const char *key, bool value)
{
	fprintf(out, "%s = %s\n", key, value ? "true" : "false");
}

static void print_endpoint_flags(FILE *out, uint32_t flags)
{
	fputs("endpoint-flags =", out);
	for (size_t i = 0; i < SF_ARRAY_SIZE(endpoint_flag_names); i++)
		if (flags & endpoint_flag_names[i].flag)
			fprintf(out, " %s", endpoint_flag_names[i].name);
	fputc('\n', out);
}

static void print_iface(void *data, void *user_data)
{
	const struct sf_config_iface *iface = data;
	FILE *out = user_data;

	fprintf(out, "\n[interface %s]\n", iface->pattern);
	print_bool(out, "backup", iface->policy.backup);
	print_bool(out, "announce", iface->policy.announce);
	fprintf(out, "subflows = %u\n", iface->policy.subflows);
	print_bool(out, "enabled", iface->policy.enabled);
	print_endpoint_flags(out, iface->policy.endpoint_flags);
	fprintf(out, "priority = %u\n", iface->policy.priority);
}

static void print_rule(void *data, void *user_data)
{
	const struct sf_config_rule *rule = data;
	FILE *out = user_data;

	fprintf(out, "\n[rule %s]\n", rule->name);

	if (rule->n_remotes) {
		fputs("match-remote =", out);
		for (size_t i = 0; i < rule->n_remotes; i++) {
			char buf[SF_ADDR_STRLEN];
			const struct sf_prefix *prefix = &rule->remotes[i];

			fprintf(out, " %s/%u",
				sf_addr_to_str(&prefix->addr, false, buf),
				prefix->len);
		}
		fputc('\n', out);
	}

	if (rule->n_ports) {
		fputs("match-port =", out);
		for (size_t i = 0; i < rule->n_ports; i++)
			fprintf(out, " %u", rule->ports[i]);
		fputc('\n', out);
	}

	if (rule->has_uid)
		fprintf(out, "match-uid = %u\n", (unsigned int) rule->uid);

	if (rule->cgroup)
		fprintf(out, "match-cgroup = %s\n", rule->cgroup);

	if (rule->policy)
		fprintf(out, "policy = %s\n", rule->policy);
}

void sf_config_print(const struct sf_config *config, FILE *out)
{
	const struct sf_filter_config *filter = &config->filter;

	fprintf(out, "# subflowd effective settings (%s)\n",
		config->path ? config->path : "built-in defaults");

	fputs("[core]\n", out);
	fprintf(out, "mode = %s\n", sf_mode_to_str(config->mode));
	if (config->policy)
		fprintf(out, "policy = %s\n", config->policy);
	print_words(out, "plugins", config->plugins);
	fprintf(out, "max-subflows = %u\n", config->max_subflows);
	fprintf(out, "standby = %s\n", standby_to_str(config->standby));
	if (config->control_group)
		fprintf(out, "control-group = %s\n", config->control_group);
	fprintf(out, "log = %s\n", sf_log_target_to_str(config->log));
	print_endpoint_flags(out, config->endpoint_flags);

	fputs("\n[filter]\n", out);
	print_words(out, "exclude-interfaces", filter->exclude_interfaces);
	print_words(out, "include-interfaces", filter->include_interfaces);
	print_bool(out, "skip-link-local", filter->skip_link_local);
	print_bool(out, "skip-ula", filter->skip_ula);
	print_bool(out, "skip-temporary", filter->skip_temporary);
	print_bool(out, "skip-deprecated", filter->skip_deprecated);
	print_bool(out, "require-default-route",
		   filter->require_default_route);

	l_queue_foreach(config->ifaces, print_iface, out);
	l_queue_foreach(config->rules, print_rule, out);
}
