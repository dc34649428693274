/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <subflowd/addr.h>

int sf_addr_parse(const char *str, struct sf_addr *ret_addr)
{
	struct sf_addr addr = { .family = AF_UNSPEC };

	if (!str || !ret_addr)
		return -EINVAL;

	if (inet_pton(AF_INET, str, &addr.ip.in) == 1)
		addr.family = AF_INET;
	else if (inet_pton(AF_INET6, str, &addr.ip.in6) == 1)
		addr.family = AF_INET6;
	else
		return -EINVAL;

	*ret_addr = addr;
	return 0;
}

bool sf_addr_ip_equal(const struct sf_addr *a, const struct sf_addr *b)
{
	if (a->family != b->family)
		return false;

	switch (a->family) {
	case AF_INET:
		return a->ip.in.s_addr == b->ip.in.s_addr;
	case AF_INET6:
		return memcmp(&a->ip.in6, &b->ip.in6, sizeof(a->ip.in6)) == 0;
	default:
		/* AF_UNSPEC: "no address" equals "no address". */
		return true;
	}
}

bool sf_addr_equal(const struct sf_addr *a, const struct sf_addr *b)
{
	return a->port == b->port && sf_addr_ip_equal(a, b);
}

const char *sf_addr_to_str(const struct sf_addr *addr, bool with_port,
			   char buf[SF_ADDR_STRLEN])
{
	char ip[INET6_ADDRSTRLEN];

	switch (addr->family) {
	case AF_INET:
	case AF_INET6:
		break;
	default:
		snprintf(buf, SF_ADDR_STRLEN, "none");
		return buf;
	}

	if (!inet_ntop(addr->family, &addr->ip, ip, sizeof(ip)))
		ip[0] = '\0';

	if (!with_port || addr->port == 0)
		snprintf(buf, SF_ADDR_STRLEN, "%s", ip);
	else if (addr->family == AF_INET6)
		snprintf(buf, SF_ADDR_STRLEN, "[%s]:%u", ip, addr->port);
	else
		snprintf(buf, SF_ADDR_STRLEN, "%s:%u", ip, addr->port);

	return buf;
}
