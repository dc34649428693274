/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
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

/* Write v in decimal at p; returns the end. */
static char *put_dec(char *p, unsigned int v)
{
	char digits[10];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);

	while (n)
		*p++ = digits[--n];
	return p;
}

static char *put_ip4(char *p, const uint8_t b[4])
{
	for (int i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = put_dec(p, b[i]);
	}
	return p;
}

/*
 * The text inet_ntop() gives, byte for byte: groups in lowercase hex
 * without leading zeros; the longest run of two or more zero groups (the
 * first of equal runs) as "::"; the last 32 bits as a dotted quad for
 * ::ffff:a.b.c.d and for ::a.b.c.d (a zero run of exactly six groups
 * first). Ours so that the daemon does not map one more 64 KiB stretch of
 * libc for it; test-addr compares the two.
 */
static char *put_ip6(char *p, const uint8_t b[16])
{
	static const char hex[] = "0123456789abcdef";
	int best = -1, best_len = 0, run = -1;
	unsigned int w[8];

	for (int i = 0; i < 8; i++) {
		w[i] = (unsigned int)b[2 * i] << 8 | b[2 * i + 1];
		if (w[i] == 0 && run < 0)
			run = i;
		if (run >= 0 && (w[i] != 0 || i == 7)) {
			int len = (w[i] == 0 ? i + 1 : i) - run;

			if (len > best_len) {
				best = run;
				best_len = len;
			}
			run = -1;
		}
	}
	if (best_len < 2)
		best = -1;

	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			i += best_len - 1;
			if (i == 7)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && best == 0 &&
		    (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
			return put_ip4(p, b + 12);
		for (int shift = 12, started = 0; shift >= 0; shift -= 4) {
			unsigned int nib = w[i] >> shift & 0xf;

			if (nib || started || shift == 0) {
				*p++ = hex[nib];
				started = 1;
			}
		}
	}
	return p;
}

const char *sf_addr_to_str(const struct sf_addr *addr, bool with_port,
			   char buf[SF_ADDR_STRLEN])
{
	bool port = with_port && addr->port;
	char *p = buf;

	switch (addr->family) {
	case AF_INET:
		p = put_ip4(p, (const uint8_t *)&addr->ip.in);
		break;
	case AF_INET6:
		if (port)
			*p++ = '[';
		p = put_ip6(p, addr->ip.in6.s6_addr);
		if (port)
			*p++ = ']';
		break;
	default:
		snprintf(buf, SF_ADDR_STRLEN, "none");
		return buf;
	}

	if (port) {
		*p++ = ':';
		p = put_dec(p, addr->port);
	}
	*p = '\0';
	return buf;
}
