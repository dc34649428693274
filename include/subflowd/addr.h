/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowd public API: IP endpoint addresses.
 */
#ifndef SUBFLOWD_ADDR_H
#define SUBFLOWD_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest string sf_addr_to_str() writes, NUL included ("[v6]:port"). */
#define SF_ADDR_STRLEN (INET6_ADDRSTRLEN + 8)

/*
 * An IPv4 or IPv6 address with an optional port. family is AF_UNSPEC for "no
 * address". port is in host byte order; 0 means "no port" (MPTCP never uses
 * port 0 on the wire, so there is no ambiguity).
 */
struct sf_addr {
	sa_family_t family;
	uint16_t port;
	union {
		struct in_addr in;
		struct in6_addr in6;
	} ip;
};

/* Parse "192.0.2.1" or "2001:db8::1" (no port). Returns 0 or -EINVAL. */
int sf_addr_parse(const char *str, struct sf_addr *ret_addr);

/* Same family and IP; ports are ignored. */
bool sf_addr_ip_equal(const struct sf_addr *a, const struct sf_addr *b);

/* Same family, IP and port. */
bool sf_addr_equal(const struct sf_addr *a, const struct sf_addr *b);

/*
 * Write the IP (and ":port" / "[v6]:port" when with_port and port != 0) into
 * buf, which must hold SF_ADDR_STRLEN bytes. Returns buf.
 */
const char *sf_addr_to_str(const struct sf_addr *addr, bool with_port,
			   char buf[SF_ADDR_STRLEN]);

#ifdef __cplusplus
}
#endif

#endif
