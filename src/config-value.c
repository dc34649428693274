/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowd.conf(5) values: one key's value parsed and checked, and the
 * FILE:LINE messages that say what is wrong with it. Pure: no I/O.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-private.h"
#include "mptcp_uapi.h"
#include "util.h"

#define PLUGIN_NAME_CHARS "abcdefghijklmnopqrstuvwxyz" DIGITS "_-"

/* For _auto_(strv_free): ELL 0.56 declares no cleanup for l_strfreev(). */
static void strv_free_cleanup(void *p)
{
	l_strfreev(*(char ***) p);
}

/* --- error messages ------------------------------------------------------ */

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
config_vfail(struct sf_config_cursor *at, unsigned int line,
	     const char *header, const char *key, const char *fmt, va_list ap)
{
	char msg[512];
	char all[1024];

	if (!at->err || !at->err_size)
		return -EINVAL;

	vsnprintf(msg, sizeof(msg), fmt, ap);

	if (header && key)
		snprintf(all, sizeof(all), "%s:%u: %s %s: %s",
			 at->file, line, header, key, msg);
	else if (header || key)
		snprintf(all, sizeof(all), "%s:%u: %s: %s",
			 at->file, line, header ? header : key, msg);
	else
		snprintf(all, sizeof(all), "%s:%u: %s", at->file, line, msg);

	copy_escaped(at->err, at->err_size, all);
	return -EINVAL;
}

/* A syntax error on the current line: no section, no key. */
int sf_config_syntax_fail(struct sf_config_cursor *at, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = config_vfail(at, at->line, NULL, NULL, fmt, ap);
	va_end(ap);
	return r;
}

int sf_config_fail(struct sf_config_cursor *at, unsigned int line,
		   const char *header, const char *key, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = config_vfail(at, line, header, key, fmt, ap);
	va_end(ap);
	return r;
}

/* A problem with the current section as a whole (key may be NULL). */
int sf_config_section_fail(struct sf_config_cursor *at, unsigned int line,
			   const char *key, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = config_vfail(at, line, at->header, key, fmt, ap);
	va_end(ap);
	return r;
}

/* A problem with the value of the key on the current line. */
int sf_config_value_fail(struct sf_config_cursor *at, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = config_vfail(at, at->line, at->header, at->key, fmt, ap);
	va_end(ap);
	return r;
}

/* --- value parsers ------------------------------------------------------- */

bool sf_config_is_all(const char *str, const char *accept)
{
	return *str && strspn(str, accept) == strlen(str);
}

/* Trim blanks (and a CR) on both ends, in place. */
char *sf_config_strip(char *str)
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

int sf_config_parse_bool(struct sf_config_cursor *at, const char *value,
			 bool *ret)
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

	return sf_config_value_fail(at, "'%s' is not a boolean (expected true "
				    "or false)", value);
}

int sf_config_parse_uint(struct sf_config_cursor *at, const char *value,
			 unsigned long min, unsigned long max,
			 unsigned long *ret)
{
	unsigned long v;

	if (!sf_config_is_all(value, DIGITS))
		return sf_config_value_fail(at, "'%s' is not a number "
					    "(expected %lu..%lu)", value, min,
					    max);

	errno = 0;
	v = strtoul(value, NULL, 10);
	if (errno == ERANGE || v < min || v > max)
		return sf_config_value_fail(at, "%s is out of range (expected "
					    "%lu..%lu)", value, min, max);

	*ret = v;
	return 0;
}

int sf_config_parse_plugin_name(struct sf_config_cursor *at, const char *value,
				char **ret)
{
	if (!*value)
		return sf_config_value_fail(at, "empty value (expected a "
					    "plugin name of a-z, 0-9, '_' and "
					    "'-')");

	if (!sf_config_is_all(value, PLUGIN_NAME_CHARS))
		return sf_config_value_fail(at, "'%s' is not a plugin name "
					    "(expected a-z, 0-9, '_' and '-')",
					    value);

	l_free(*ret);
	*ret = l_strdup(value);
	return 0;
}

int sf_config_parse_plugin_list(struct sf_config_cursor *at, const char *value,
				char ***ret)
{
	char **names = split_words(value, LIST_SEPARATORS);

	for (size_t i = 0; names && names[i]; i++) {
		if (sf_config_is_all(names[i], PLUGIN_NAME_CHARS))
			continue;

		sf_config_value_fail(at, "'%s' is not a plugin name (expected "
				     "names of a-z, 0-9, '_' and '-', "
				     "separated by spaces or commas)",
				     names[i]);
		l_strfreev(names);
		return -EINVAL;
	}

	l_strfreev(*ret);
	*ret = names;
	return 0;
}

int sf_config_parse_endpoint_flags(struct sf_config_cursor *at,
				   const char *value, uint32_t *ret)
{
	_auto_(strv_free) char **words = split_words(value, LIST_SEPARATORS);
	uint32_t flags = 0;

	if (!words)
		return sf_config_value_fail(at, "empty value (expected one or "
					    "more of subflow, signal, backup, "
					    "fullmesh, laminar)");

	for (size_t i = 0; words[i]; i++) {
		size_t j;

		for (j = 0; j < sf_config_n_endpoint_flags; j++)
			if (!strcmp(words[i], sf_config_endpoint_flags[j].name))
				break;

		if (j == sf_config_n_endpoint_flags)
			return sf_config_value_fail(at, "'%s' is not an "
						    "endpoint flag (expected "
						    "subflow, signal, backup, "
						    "fullmesh or laminar)",
						    words[i]);

		flags |= sf_config_endpoint_flags[j].flag;
	}

	/* The kernel refuses this pair (ADD_ADDR: -EINVAL). */
	if ((flags & MPTCP_PM_ADDR_FLAG_SIGNAL) &&
	    (flags & MPTCP_PM_ADDR_FLAG_FULLMESH))
		return sf_config_value_fail(at, "signal and fullmesh cannot be "
					    "combined (the kernel refuses such "
					    "an endpoint)");

	*ret = flags;
	return 0;
}

/*
 * Why glob cannot be an interface name pattern, or NULL when it can. The
 * syntax is fnmatch(3) without flags: * ? [...] [!...] and \ escapes.
 */
const char *sf_config_glob_problem(const char *glob)
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

int sf_config_parse_globs(struct sf_config_cursor *at, const char *value,
			  char ***ret)
{
	char **globs = split_words(value, BLANKS);

	for (size_t i = 0; globs && globs[i]; i++) {
		const char *problem = sf_config_glob_problem(globs[i]);

		if (!problem)
			continue;

		sf_config_value_fail(at, "'%s' is not a valid interface glob: "
				     "%s (expected names or fnmatch(3) "
				     "patterns separated by spaces)", globs[i],
				     problem);
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
static int parse_prefix(struct sf_config_cursor *at, const char *str,
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

		if (!sf_config_is_all(len, DIGITS))
			return sf_config_value_fail(at, "'%s' is not a prefix: "
						    "length '%s' is not a "
						    "number (expected 0..%u "
						    "for IPv%c)", str, len, max,
						    max == 32 ? '4' : '6');

		if (strlen(len) > 3 || strtoul(len, NULL, 10) > max)
			return sf_config_value_fail(at, "'%s' is not a prefix: "
						    "length '%s' is out of "
						    "range (expected 0..%u for "
						    "IPv%c)", str, len, max,
						    max == 32 ? '4' : '6');

		ret->len = strtoul(len, NULL, 10);
	}

	prefix_mask(ret);
	return 0;

bad_addr:
	return sf_config_value_fail(at, "'%s' is not a prefix: '%.*s' is not "
				    "an IPv4 or IPv6 address (expected ADDRESS "
				    "or ADDRESS/LENGTH)", str, (int) addr_len,
				    str);
}

int sf_config_parse_remotes(struct sf_config_cursor *at, const char *value,
			    struct sf_config_rule *rule)
{
	_auto_(strv_free) char **words = split_words(value, LIST_SEPARATORS);
	size_t n = words ? l_strv_length(words) : 0;

	if (!n)
		return sf_config_value_fail(at, "empty value (expected one or "
					    "more prefixes such as "
					    "203.0.113.0/24 or 2001:db8::/32)");

	rule->remotes = l_new(struct sf_prefix, n);
	for (size_t i = 0; i < n; i++) {
		int r = parse_prefix(at, words[i], &rule->remotes[i]);

		if (r < 0)
			return r;

		rule->n_remotes++;
	}

	return 0;
}

int sf_config_parse_ports(struct sf_config_cursor *at, const char *value,
			  struct sf_config_rule *rule)
{
	_auto_(strv_free) char **words = split_words(value, LIST_SEPARATORS);
	size_t n = words ? l_strv_length(words) : 0;

	if (!n)
		return sf_config_value_fail(at, "empty value (expected one or "
					    "more ports, 1..65535)");

	rule->ports = l_new(uint16_t, n);
	for (size_t i = 0; i < n; i++) {
		unsigned long port;
		int r = sf_config_parse_uint(at, words[i], 1, 65535, &port);

		if (r < 0)
			return r;

		rule->ports[rule->n_ports++] = port;
	}

	return 0;
}

int sf_config_parse_uid(struct sf_config_cursor *at, const char *value,
			struct sf_config_rule *rule)
{
	unsigned long uid;
	int r;

	if (!sf_config_is_all(value, DIGITS))
		return sf_config_value_fail(at, "'%s' is not a number "
					    "(expected a numeric user id; "
					    "names are not looked up)", value);

	/* (uid_t) -1 means "no user" to the kernel. */
	r = sf_config_parse_uint(at, value, 0, (uid_t) -1 - 1, &uid);
	if (r < 0)
		return r;

	rule->has_uid = true;
	rule->uid = uid;
	return 0;
}

