/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the three parts of the config reader share: config.c reads the file,
 * its sections and keys; config-value.c parses one value and writes the
 * error messages; config-print.c names the enums and prints the effective
 * settings. Not for the rest of the daemon: config.h is its interface.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define DIGITS "0123456789"
#define BLANKS " \t"
#define LIST_SEPARATORS " \t,"

/*
 * Where the parser is. Every message names FILE:LINE and, when set, the
 * section header and the key: "FILE:LINE: [section] key: what is wrong".
 */
struct sf_config_cursor {
	const char *file;		/* FILE in messages */
	char *err;			/* the caller's buffer, or NULL */
	size_t err_size;
	unsigned int line;		/* the line being read, from 1 */
	char *header;			/* "[interface wlan0]"; owned by the
					 * parser; NULL before any section */
	const char *key;		/* the key being read, or NULL */
};

/* --- error messages: each writes into at->err and returns -EINVAL -------- */

/* A syntax error on the current line: no section, no key. */
int sf_config_syntax_fail(struct sf_config_cursor *at, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* At line, with header and key when not NULL. */
int sf_config_fail(struct sf_config_cursor *at, unsigned int line,
		   const char *header, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* A problem with the current section as a whole (key may be NULL). */
int sf_config_section_fail(struct sf_config_cursor *at, unsigned int line,
			   const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A problem with the value of the key on the current line. */
int sf_config_value_fail(struct sf_config_cursor *at, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --- text ---------------------------------------------------------------- */

/* Is str non-empty and made only of bytes in accept? */
bool sf_config_is_all(const char *str, const char *accept);
/* Trim blanks (and a CR) on both ends, in place; returns the new start. */
char *sf_config_strip(char *str);
/*
 * Why glob cannot be an interface name pattern, or NULL when it can. The
 * syntax is fnmatch(3) without flags: * ? [...] [!...] and \ escapes.
 */
const char *sf_config_glob_problem(const char *glob);

/* --- values: 0 with *ret set, or -EINVAL with the message written -------- */

int sf_config_parse_bool(struct sf_config_cursor *at, const char *value,
			 bool *ret);
int sf_config_parse_uint(struct sf_config_cursor *at, const char *value,
			 unsigned long min, unsigned long max,
			 unsigned long *ret);
/* *ret is replaced (the old value freed). */
int sf_config_parse_plugin_name(struct sf_config_cursor *at, const char *value,
				char **ret);
int sf_config_parse_plugin_list(struct sf_config_cursor *at, const char *value,
				char ***ret);
int sf_config_parse_endpoint_flags(struct sf_config_cursor *at,
				   const char *value, uint32_t *ret);
int sf_config_parse_globs(struct sf_config_cursor *at, const char *value,
			  char ***ret);
/* match-remote, match-port, match-uid: set in rule. */
int sf_config_parse_remotes(struct sf_config_cursor *at, const char *value,
			    struct sf_config_rule *rule);
int sf_config_parse_ports(struct sf_config_cursor *at, const char *value,
			  struct sf_config_rule *rule);
int sf_config_parse_uid(struct sf_config_cursor *at, const char *value,
			struct sf_config_rule *rule);

/* --- names --------------------------------------------------------------- */

/* The words of endpoint-flags, in the order they are printed. */
struct sf_config_flag_name {
	const char *name;
	uint32_t flag;			/* MPTCP_PM_ADDR_FLAG_* */
};
extern const struct sf_config_flag_name sf_config_endpoint_flags[];
extern const size_t sf_config_n_endpoint_flags;

const char *sf_config_standby_to_str(enum sf_standby standby);
int sf_config_standby_from_str(const char *str, enum sf_standby *ret_standby);
