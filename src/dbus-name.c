/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bus name of an instance (subflowd@NAME.service, subflowctl -n NAME):
 * one well-known name per network namespace on the one system bus. Pure;
 * shared by the daemon's systemd module and subflowctl.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <ell/ell.h>

#include "dbus.h"

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

int sf_dbus_instance_name(const char *instance, char **ret_name)
{
	static const char hex[] = "0123456789abcdef";
	size_t len;
	char *name, *p;

	if (!ret_name)
		return -EINVAL;

	if (!instance || !*instance) {
		*ret_name = l_strdup(SF_DBUS_NAME);
		return 0;
	}

	/* What "ip netns" accepts as a name: a file name in /run/netns. */
	len = strlen(instance);
	if (len > SF_DBUS_INSTANCE_MAX || strchr(instance, '/') ||
	    !strcmp(instance, ".") || !strcmp(instance, ".."))
		return -EINVAL;

	/* "org.subflowd." and at most three bytes per byte, NUL. */
	name = l_malloc(sizeof(SF_DBUS_NAME) + 1 + 3 * len);
	p = stpcpy(name, SF_DBUS_NAME ".");
	for (const char *s = instance; *s; s++) {
		unsigned char c = *s;

		/* A name element must not start with a digit. */
		if (is_alnum(c) && !(s == instance && c >= '0' && c <= '9')) {
			*p++ = c;
			continue;
		}

		*p++ = '_';
		*p++ = hex[c >> 4];
		*p++ = hex[c & 15];
	}
	*p = '\0';

	*ret_name = name;
	return 0;
}
