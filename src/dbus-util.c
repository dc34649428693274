/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the D-Bus service and subflowctl share: opening a bus by name or
 * address, the one errno -> error-name table, object paths and argument
 * parsing. No daemon state.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbus.h"
#include "util.h"

#define E(e) { e, SF_DBUS_ERROR_PREFIX #e }

/* Errnos the kernel's mptcp_pm family and the command API return. */
static const struct {
	int error;
	const char *name;
} errno_names[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(EBADF), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY),
	E(EEXIST), E(ENODEV), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOSPC),
	E(ERANGE), E(ENOSYS), E(ENODATA), E(ETIME), E(EPROTO), E(EBADMSG),
	E(EOVERFLOW), E(EMSGSIZE), E(EPROTONOSUPPORT), E(EOPNOTSUPP),
	E(EAFNOSUPPORT), E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN),
	E(ENETUNREACH), E(ECONNABORTED), E(ECONNRESET), E(ENOBUFS),
	E(EISCONN), E(ENOTCONN), E(ETIMEDOUT), E(ECONNREFUSED),
	E(EHOSTDOWN), E(EHOSTUNREACH), E(EALREADY), E(EINPROGRESS),
	E(ECANCELED),
};

#undef E

const char *sf_dbus_error_name(int error)
{
	for (size_t i = 0; i < SF_ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].error == -error)
			return errno_names[i].name;

	return SF_DBUS_ERROR_PREFIX "Failed";
}

int sf_dbus_error_errno(sd_bus_error *ret_error, int error,
			const char *extack, const char *context)
{
	sd_bus_error_setf(ret_error, sf_dbus_error_name(error), "%s: %s%s%s",
			  context, strerror(-error), extack ? ": " : "",
			  extack ? extack : "");
	return error;
}

int sf_dbus_error_invalid(sd_bus_error *ret_error, const char *fmt, ...)
{
	_auto_(l_free) char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = l_strdup_vprintf(fmt, ap);
	va_end(ap);

	sd_bus_error_set(ret_error, SD_BUS_ERROR_INVALID_ARGS, msg);
	return -EINVAL;
}

const char *sf_dbus_conn_path(uint32_t token, char buf[SF_DBUS_PATH_MAX])
{
	snprintf(buf, SF_DBUS_PATH_MAX, SF_DBUS_CONN_PREFIX "/%08x", token);
	return buf;
}

const char *sf_dbus_iface_path(int32_t ifindex, char buf[SF_DBUS_PATH_MAX])
{
	snprintf(buf, SF_DBUS_PATH_MAX, SF_DBUS_IFACE_PREFIX "/%d", ifindex);
	return buf;
}

/* The last element of path below prefix, or NULL. */
static const char *path_leaf(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!path || strncmp(path, prefix, n) || path[n] != '/')
		return NULL;

	return path + n + 1;
}

int sf_dbus_conn_path_parse(const char *path, uint32_t *ret_token)
{
	const char *leaf = path_leaf(path, SF_DBUS_CONN_PREFIX);
	uint32_t token = 0;

	if (!leaf || strlen(leaf) != 8)
		return -EINVAL;

	for (const char *p = leaf; *p; p++) {
		if (*p >= '0' && *p <= '9')
			token = token << 4 | (uint32_t)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			token = token << 4 | (uint32_t)(*p - 'a' + 10);
		else
			return -EINVAL;
	}

	*ret_token = token;
	return 0;
}

int sf_dbus_iface_path_parse(const char *path, int32_t *ret_ifindex)
{
	const char *leaf = path_leaf(path, SF_DBUS_IFACE_PREFIX);
	int64_t v = 0;

	if (!leaf || !*leaf || *leaf == '0' || strlen(leaf) > 10)
		return -EINVAL;

	for (const char *p = leaf; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (*p - '0');
	}

	if (v > INT32_MAX)
		return -EINVAL;

	*ret_ifindex = (int32_t)v;
	return 0;
}

static const char *family_name(sa_family_t family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

int sf_dbus_parse_addr_arg(const char *name, const char *str,
			   sa_family_t family, const char *other,
			   struct sf_addr *ret_addr, sd_bus_error *ret_error)
{
	struct sf_addr addr;

	if (sf_addr_parse(str, &addr) < 0)
		return sf_dbus_error_invalid(ret_error, "%s: '%s' is not an IPv4 "
					     "or IPv6 address", name, str);

	if (family != AF_UNSPEC && addr.family != family)
		return sf_dbus_error_invalid(ret_error, "%s: %s is %s but %s is "
					     "%s", name, str,
					     family_name(addr.family), other,
					     family_name(family));

	*ret_addr = addr;
	return 0;
}

int sf_dbus_open(const char *name, sd_bus **ret_bus)
{
	sd_bus *bus = NULL;
	int r;

	if (!strcmp(name, "system"))
		return sd_bus_open_system(ret_bus);

	if (!strcmp(name, "session"))
		return sd_bus_open_user(ret_bus);

	r = sd_bus_new(&bus);
	if (r < 0)
		return r;

	r = sd_bus_set_address(bus, name);
	if (r >= 0)
		r = sd_bus_set_bus_client(bus, true);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r < 0) {
		sd_bus_unref(bus);
		return r;
	}

	*ret_bus = bus;
	return 0;
}
