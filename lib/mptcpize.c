/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmptcpize.so: preloaded by mptcpize(1), it turns an application's TCP
 * stream sockets into Multipath TCP sockets.
 *
 * socket(AF_INET or AF_INET6, SOCK_STREAM [| SOCK_NONBLOCK | SOCK_CLOEXEC],
 * 0 or IPPROTO_TCP) is asked of the kernel as IPPROTO_MPTCP. If the kernel
 * refuses (no MPTCP, net.mptcp.enabled=0 in this namespace, a security
 * policy), the original call is made instead, so the application gets
 * exactly the socket, or the error, it would have had without this library.
 * Every other socket (UDP, UNIX, raw, netlink, an explicit protocol) is
 * passed through untouched.
 *
 * With MPTCPIZE_DEBUG set to a non-empty value other than "0", each rewrite
 * and each fallback is reported on stderr, one line each.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

typedef int (*socket_func_t)(int domain, int type, int protocol);

/* The flags that may be or-ed into socket()'s type argument. */
#define SOCK_TYPE_FLAGS (SOCK_NONBLOCK | SOCK_CLOEXEC)

#define EXPORT __attribute__((visibility("default")))

static bool debug_enabled(void)
{
	const char *v = getenv("MPTCPIZE_DEBUG");

	return v && *v && strcmp(v, "0");
}

static const char *domain_name(int domain)
{
	return domain == AF_INET ? "AF_INET" : "AF_INET6";
}

/* One line on stderr; errno is preserved. */
__attribute__((format(printf, 1, 2)))
static void debug(const char *fmt, ...)
{
	int saved = errno;
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n > 0) {
		if ((size_t) n > sizeof(line) - 2)
			n = sizeof(line) - 2;
		line[n++] = '\n';
		(void) !write(STDERR_FILENO, line, n);
	}
	errno = saved;
}

/* Whether socket(domain, type, protocol) asks for a TCP stream socket. */
static bool is_tcp_stream(int domain, int type, int protocol)
{
	if (domain != AF_INET && domain != AF_INET6)
		return false;
	if ((type & ~SOCK_TYPE_FLAGS) != SOCK_STREAM)
		return false;
	return protocol == 0 || protocol == IPPROTO_TCP;
}

EXPORT int socket(int domain, int type, int protocol)
{
	static socket_func_t next_socket;
	int fd, err;

	if (!next_socket) {
		next_socket = (socket_func_t) dlsym(RTLD_NEXT, "socket");
		if (!next_socket) {
			errno = ENOSYS;
			return -1;
		}
	}

	if (!is_tcp_stream(domain, type, protocol))
		return next_socket(domain, type, protocol);

	fd = next_socket(domain, type, IPPROTO_MPTCP);
	if (fd >= 0) {
		if (debug_enabled())
			debug("mptcpize: socket(%s, SOCK_STREAM, %d) = %d: "
			      "IPPROTO_MPTCP", domain_name(domain), protocol,
			      fd);
		return fd;
	}

	err = errno;
	fd = next_socket(domain, type, protocol);
	if (debug_enabled())
		debug("mptcpize: socket(%s, SOCK_STREAM, %d): MPTCP refused "
		      "(%s), falling back to TCP: %d", domain_name(domain),
		      protocol, strerror(err), fd);
	return fd;
}
