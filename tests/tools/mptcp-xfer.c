// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mptcp-xfer - a bulk-transfer test tool over IPPROTO_MPTCP sockets.
 *
 *   mptcp-xfer server [-p PORT] [-b ADDR] [-1] [-i MS] [-v]
 *   mptcp-xfer client -a ADDR [-p PORT] [-B ADDR] [-t SECONDS | -n BYTES]
 *                     [-i MS] [--hold SECONDS] [-v]
 *
 * The server prints "READY" (after "port N" when asked for port 0) once it
 * listens, then reads and discards; on each connection's end it prints the
 * summary lines below. The client sends for -t SECONDS (default 10) or -n
 * BYTES, whichever ends first; with --hold alone it sends nothing and keeps
 * the connection open and idle (0: until SIGTERM or the peer closes).
 *
 * Output on stdout, one record a line, flushed as written:
 *   connected token=TTTTTTTT local=A:P remote=A:P      (client, once up)
 *   accepted token=TTTTTTTT local=A:P remote=A:P       (server, per conn)
 *   t=SECS bytes=N mbit=X                               (-i: per interval)
 *   bytes=N seconds=S mbit=X                            (summary)
 *   token=TTTTTTTT subflows=N[ fallback]               (after the summary)
 *   subflow LOCAL:PORT REMOTE:PORT                      (-v, one per subflow)
 * Interval lines count the bytes of that interval only; "t" is the end of the
 * interval in seconds since the connection was established. "subflows" is
 * the number of TCP subflows the connection holds, the initial one included.
 * The client's summary covers the time until the server has read all the
 * data and closed, so buffered data is not counted as sent too early.
 *
 * SIGTERM and SIGINT end the transfer cleanly: the summary is printed and
 * the exit status is 0. Errors print one line on stderr and exit 1; bad
 * usage exits 64.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/mptcp.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef SOL_MPTCP
#define SOL_MPTCP 284
#endif

#define XFER_DEFAULT_PORT "5201"
#define XFER_BUF_SIZE (128 * 1024)
#define XFER_MAX_CONNS 64
#define XFER_CONNECT_TIMEOUT_S 10.0
#define XFER_DRAIN_TIMEOUT_S 10.0

struct xfer_opts {
	bool server;
	const char *addr;
	const char *bind_addr;
	const char *port;
	double seconds;		/* < 0: not given */
	uint64_t bytes;		/* 0: not given */
	double hold;		/* < 0: not given; 0: until stopped */
	unsigned int interval_ms;
	bool once;
	bool verbose;
};

/* Bytes moved on one connection, with optional per-interval reports. */
struct xfer_meter {
	double start;
	double next_tick;
	double interval;	/* seconds; 0: no interval reports */
	uint64_t total;
	uint64_t tick_bytes;
};

struct xfer_conn {
	int fd;
	struct xfer_meter meter;
};

static volatile sig_atomic_t xfer_stop;
static char xfer_buf[XFER_BUF_SIZE];

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("mptcp-xfer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((format(printf, 1, 2))) warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("mptcp-xfer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void __attribute__((noreturn)) usage(void)
{
	fputs("usage: mptcp-xfer server [-p PORT] [-b ADDR] [-1] [-i MS] [-v]\n"
	      "       mptcp-xfer client -a ADDR [-p PORT] [-B ADDR]"
	      " [-t SECONDS | -n BYTES] [-i MS] [--hold SECONDS] [-v]\n",
	      stderr);
	exit(64);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
	xfer_stop = 1;
}

static void signals_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() must return EINTR so the loops see the flag. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static double mbit(uint64_t bytes, double seconds)
{
	return seconds > 0 ? (double)bytes * 8.0 / seconds / 1e6 : 0.0;
}

static void meter_start(struct xfer_meter *m, unsigned int interval_ms)
{
	memset(m, 0, sizeof(*m));
	m->start = now();
	m->interval = interval_ms / 1000.0;
	m->next_tick = m->start + m->interval;
}

static void meter_add(struct xfer_meter *m, size_t n)
{
	m->total += n;
	m->tick_bytes += n;
}

/* Print every interval that ended by @t. */
static void meter_tick(struct xfer_meter *m, double t)
{
	if (m->interval <= 0)
		return;

	while (t >= m->next_tick) {
		printf("t=%.2f bytes=%" PRIu64 " mbit=%.2f\n",
		       m->next_tick - m->start, m->tick_bytes,
		       mbit(m->tick_bytes, m->interval));
		fflush(stdout);
		m->tick_bytes = 0;
		m->next_tick += m->interval;
	}
}

/* Milliseconds until the next interval ends, capped by @cap_ms. */
static int meter_timeout(const struct xfer_meter *m, int cap_ms)
{
	double left;

	if (m->interval <= 0)
		return cap_ms;

	left = (m->next_tick - now()) * 1000.0;
	if (left < 0)
		left = 0;
	if (cap_ms >= 0 && left > cap_ms)
		return cap_ms;
	return (int)left + 1;
}

static void meter_summary(const struct xfer_meter *m, double end)
{
	double secs = end - m->start;

	printf("bytes=%" PRIu64 " seconds=%.2f mbit=%.2f\n", m->total, secs,
	       mbit(m->total, secs));
	fflush(stdout);
}

static const char *sockaddr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	unsigned int port;

	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
		snprintf(buf, len, "%s:%u", host, port);
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		port = ntohs(sin6->sin6_port);
		/* A dual-stack socket's IPv4 peer: print it as IPv4. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], host,
				  sizeof(host));
			snprintf(buf, len, "%s:%u", host, port);
			break;
		}
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, port);
		break;
	}
	default:
		snprintf(buf, len, "?");
		break;
	}
	return buf;
}

/* Fill @ret_token and @ret_subflows (all subflows, the initial one too). */
static int mptcp_state(int fd, uint32_t *ret_token, unsigned int *ret_subflows,
		       bool *ret_fallback)
{
	struct mptcp_info info;
	struct mptcp_subflow_data sfd;
	socklen_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (getsockopt(fd, SOL_MPTCP, MPTCP_INFO, &info, &len) < 0)
		return -errno;

	*ret_token = info.mptcpi_token;
	*ret_fallback = info.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK;
	*ret_subflows = info.mptcpi_subflows + 1u;

	/* A header-only buffer: the kernel counts the subflows, copies none. */
	memset(&sfd, 0, sizeof(sfd));
	sfd.size_subflow_data = sizeof(sfd);
	sfd.size_user = sizeof(struct mptcp_subflow_addrs);
	len = sizeof(sfd);
	if (getsockopt(fd, SOL_MPTCP, MPTCP_SUBFLOW_ADDRS, &sfd, &len) == 0)
		*ret_subflows = sfd.num_subflows;
	return 0;
}

static uint32_t token_of(int fd)
{
	uint32_t token = 0;
	unsigned int subflows;
	bool fallback;

	mptcp_state(fd, &token, &subflows, &fallback);
	return token;
}

static void print_subflows(int fd)
{
	struct {
		struct mptcp_subflow_data d;
		struct mptcp_subflow_addrs a[16];
	} buf;
	socklen_t len = sizeof(buf);
	char l[80], r[80];
	uint32_t i;

	memset(&buf, 0, sizeof(buf));
	buf.d.size_subflow_data = sizeof(buf.d);
	buf.d.size_user = sizeof(buf.a[0]);
	if (getsockopt(fd, SOL_MPTCP, MPTCP_SUBFLOW_ADDRS, &buf, &len) < 0) {
		warn("MPTCP_SUBFLOW_ADDRS: %s", strerror(errno));
		return;
	}
	for (i = 0; i < buf.d.num_subflows && i < 16; i++)
		printf("subflow %s %s\n",
		       sockaddr_str(&buf.a[i].sa_local, l, sizeof(l)),
		       sockaddr_str(&buf.a[i].sa_remote, r, sizeof(r)));
	fflush(stdout);
}

static void print_state(int fd, bool verbose)
{
	uint32_t token;
	unsigned int subflows;
	bool fallback;
	int err;

	err = mptcp_state(fd, &token, &subflows, &fallback);
	if (err < 0) {
		printf("token=00000000 subflows=0 fallback\n");
		fflush(stdout);
		warn("MPTCP_INFO: %s", strerror(-err));
		return;
	}
	printf("token=%08x subflows=%u%s\n", token, subflows,
	       fallback ? " fallback" : "");
	fflush(stdout);
	if (verbose)
		print_subflows(fd);
}

static void print_endpoints(const char *what, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char l[80] = "?", r[80] = "?";

	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		sockaddr_str((struct sockaddr *)&ss, l, sizeof(l));
	len = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		sockaddr_str((struct sockaddr *)&ss, r, sizeof(r));
	printf("%s token=%08x local=%s remote=%s\n", what, token_of(fd), l, r);
	fflush(stdout);
}

static struct addrinfo *resolve(const char *host, const char *port, bool passive)
{
	struct addrinfo hints, *res = NULL;
	int err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	err = getaddrinfo(host, port, &hints, &res);
	if (err != 0)
		die("cannot resolve %s port %s: %s", host ? host : "*", port,
		    gai_strerror(err));
	return res;
}

static int mptcp_socket(int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);

	if (fd < 0) {
		if (errno == EPROTONOSUPPORT || errno == ENOPROTOOPT || errno == EINVAL)
			die("the kernel refuses MPTCP sockets (%s); "
			    "is net.mptcp.enabled=1 in this namespace?",
			    strerror(errno));
		die("socket(IPPROTO_MPTCP): %s", strerror(errno));
	}
	return fd;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		die("fcntl: %s", strerror(errno));
}

/* ---- server --------------------------------------------------------------- */

static void conn_finish(struct xfer_conn *c, bool verbose)
{
	meter_summary(&c->meter, now());
	print_state(c->fd, verbose);
	close(c->fd);
	c->fd = -1;
}

/* Read everything available. Returns 1 on EOF, 0 if more may come, or a
 * negative errno. */
static int conn_read(struct xfer_conn *c)
{
	ssize_t n;

	for (;;) {
		n = recv(c->fd, xfer_buf, sizeof(xfer_buf), MSG_DONTWAIT);
		if (n > 0) {
			meter_add(&c->meter, (size_t)n);
			continue;
		}
		if (n == 0)
			return 1;
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		return -errno;
	}
}

static int run_server(const struct xfer_opts *o)
{
	struct xfer_conn conns[XFER_MAX_CONNS];
	struct pollfd pfd[XFER_MAX_CONNS + 1];
	struct addrinfo *ai;
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd, one = 1, zero = 0, i, nconn = 0;
	bool accepting = true;

	ai = resolve(o->bind_addr, o->port, true);
	/* With no -b, AI_PASSIVE gives 0.0.0.0 first; prefer a dual-stack :: */
	if (!o->bind_addr && ai->ai_family != AF_INET6 && ai->ai_next &&
	    ai->ai_next->ai_family == AF_INET6) {
		struct addrinfo *v6 = ai->ai_next;

		ai->ai_next = v6->ai_next;
		v6->ai_next = ai;
		ai = v6;
	}
	lfd = mptcp_socket(ai->ai_family);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6 && !o->bind_addr)
		setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(lfd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("bind %s port %s: %s", o->bind_addr ? o->bind_addr : "*",
		    o->port, strerror(errno));
	freeaddrinfo(ai);
	if (listen(lfd, 64) < 0)
		die("listen: %s", strerror(errno));
	set_nonblock(lfd);

	if (strcmp(o->port, "0") == 0) {
		len = sizeof(ss);
		getsockname(lfd, (struct sockaddr *)&ss, &len);
		printf("port %u\n", ss.ss_family == AF_INET6 ?
		       ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
		       ntohs(((struct sockaddr_in *)&ss)->sin_port));
	}
	printf("READY\n");
	fflush(stdout);

	for (i = 0; i < XFER_MAX_CONNS; i++)
		conns[i].fd = -1;

	while (!xfer_stop && (accepting || nconn > 0)) {
		int timeout = -1, n, map[XFER_MAX_CONNS];

		n = 0;
		pfd[n].fd = accepting && nconn < XFER_MAX_CONNS ? lfd : -1;
		pfd[n++].events = POLLIN;
		for (i = 0; i < XFER_MAX_CONNS; i++) {
			if (conns[i].fd < 0)
				continue;
			map[n - 1] = i;
			pfd[n].fd = conns[i].fd;
			pfd[n++].events = POLLIN;
			timeout = meter_timeout(&conns[i].meter, timeout);
		}

		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}

		for (i = 1; i < n; i++) {
			struct xfer_conn *c = &conns[map[i - 1]];

			int r = pfd[i].revents ? conn_read(c) : 0;

			meter_tick(&c->meter, now());
			if (r == 0)
				continue;
			if (r < 0)
				warn("recv: %s", strerror(-r));
			conn_finish(c, o->verbose);
			nconn--;
			if (r < 0 && o->once)
				exit(1);
		}

		if (pfd[0].revents & POLLIN) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

			if (cfd < 0) {
				if (errno != EAGAIN && errno != EINTR &&
				    errno != ECONNABORTED)
					die("accept: %s", strerror(errno));
				continue;
			}
			for (i = 0; conns[i].fd >= 0; i++)
				;
			conns[i].fd = cfd;
			meter_start(&conns[i].meter, o->interval_ms);
			nconn++;
			print_endpoints("accepted", cfd);
			/* Keep listening: MP_JOINs arrive through the listener. */
			if (o->once)
				accepting = false;
		}
	}

	for (i = 0; i < XFER_MAX_CONNS; i++)
		if (conns[i].fd >= 0)
			conn_finish(&conns[i], o->verbose);
	close(lfd);
	return 0;
}

/* ---- client --------------------------------------------------------------- */

static int client_connect(const struct xfer_opts *o)
{
	struct addrinfo *ai, *bai = NULL;
	struct pollfd pfd;
	int fd, err = 0, left_ms;
	socklen_t len = sizeof(err);
	double deadline;

	ai = resolve(o->addr, o->port, false);
	fd = mptcp_socket(ai->ai_family);
	if (o->bind_addr) {
		bai = resolve(o->bind_addr, "0", true);
		if (bind(fd, bai->ai_addr, bai->ai_addrlen) < 0)
			die("bind %s: %s", o->bind_addr, strerror(errno));
		freeaddrinfo(bai);
	}
	set_nonblock(fd);

	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS)
		die("connect %s port %s: %s", o->addr, o->port, strerror(errno));
	freeaddrinfo(ai);

	deadline = now() + XFER_CONNECT_TIMEOUT_S;
	for (;;) {
		left_ms = (int)((deadline - now()) * 1000.0);
		if (left_ms <= 0)
			die("connect %s port %s: timed out", o->addr, o->port);
		if (xfer_stop)
			exit(0);
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, left_ms) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (pfd.revents)
			break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0)
		die("connect %s port %s: %s", o->addr, o->port,
		    strerror(err ? err : errno));
	return fd;
}

/* Wait until the peer closes its side; false on timeout or stop. */
static bool client_wait_eof(int fd, double timeout)
{
	double deadline = now() + timeout;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	while (!xfer_stop) {
		int left_ms = (int)((deadline - now()) * 1000.0);

		if (left_ms <= 0)
			return false;
		if (poll(&pfd, 1, left_ms) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		n = recv(fd, xfer_buf, sizeof(xfer_buf), MSG_DONTWAIT);
		if (n == 0)
			return true;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			die("recv: %s", strerror(errno));
	}
	return false;
}

/* Send until the time or byte budget is spent or a signal arrives. */
static void client_send(int fd, const struct xfer_opts *o, struct xfer_meter *m)
{
	double deadline = o->seconds >= 0 ? m->start + o->seconds : 0;
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	while (!xfer_stop) {
		double t = now();
		int timeout = -1;
		size_t want = sizeof(xfer_buf);
		ssize_t n;

		meter_tick(m, t);
		if (deadline > 0 && t >= deadline)
			break;
		if (o->bytes && m->total >= o->bytes)
			break;
		if (deadline > 0)
			timeout = (int)((deadline - t) * 1000.0) + 1;
		timeout = meter_timeout(m, timeout);

		if (poll(&pfd, 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (!pfd.revents)
			continue;
		if (o->bytes && o->bytes - m->total < want)
			want = (size_t)(o->bytes - m->total);
		n = send(fd, xfer_buf, want, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("send: %s", strerror(errno));
		}
		meter_add(m, (size_t)n);
	}
}

/* Keep the connection open and idle; false if the peer closed it. */
static bool client_hold(int fd, double seconds)
{
	double deadline = seconds > 0 ? now() + seconds : 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	while (!xfer_stop) {
		int timeout = -1;

		if (deadline > 0) {
			timeout = (int)((deadline - now()) * 1000.0);
			if (timeout <= 0)
				return true;
		}
		if (poll(&pfd, 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (!pfd.revents)
			continue;
		n = recv(fd, xfer_buf, sizeof(xfer_buf), MSG_DONTWAIT);
		if (n == 0)
			return false;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			die("recv: %s", strerror(errno));
	}
	return true;
}

static int run_client(const struct xfer_opts *o)
{
	struct xfer_meter m;
	bool sending = o->seconds >= 0 || o->bytes > 0;
	double end;
	int fd;

	fd = client_connect(o);
	meter_start(&m, o->interval_ms);
	print_endpoints("connected", fd);

	if (sending) {
		client_send(fd, o, &m);
	} else {
		/*
		 * An idle client stays "not fully established" until the
		 * server acknowledges data at the MPTCP level, and no path
		 * manager opens subflows before that: send one byte.
		 */
		if (send(fd, "!", 1, MSG_NOSIGNAL) != 1)
			die("send: %s", strerror(errno));
		meter_add(&m, 1);
	}
	end = now();
	meter_tick(&m, end);

	if (o->hold >= 0 && !xfer_stop && !client_hold(fd, o->hold))
		die("the server closed the connection during --hold");

	/* Subflows are still all there before our DATA_FIN. */
	print_state(fd, o->verbose);
	if (shutdown(fd, SHUT_WR) < 0)
		die("shutdown: %s", strerror(errno));
	if (client_wait_eof(fd, XFER_DRAIN_TIMEOUT_S) && sending)
		end = now();
	else if (!xfer_stop && sending)
		warn("the server did not close within %.0f s", XFER_DRAIN_TIMEOUT_S);
	if (!sending)
		end = m.start;
	meter_summary(&m, end);
	close(fd);
	return 0;
}

/* ---- command line --------------------------------------------------------- */

static double parse_seconds(const char *s, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v > 86400)
		die("bad %s '%s'", what, s);
	return v;
}

static uint64_t parse_u64(const char *s, const char *what, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		die("bad %s '%s'", what, s);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'b' },
		{ "addr", required_argument, NULL, 'a' },
		{ "time", required_argument, NULL, 't' },
		{ "bytes", required_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' },
		{ "hold", required_argument, NULL, 'H' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xfer_opts o = {
		.port = XFER_DEFAULT_PORT,
		.seconds = -1,
		.hold = -1,
	};
	int opt;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "server") == 0)
		o.server = true;
	else if (strcmp(argv[1], "client") != 0)
		usage();
	argv++;
	argc--;

	while ((opt = getopt_long(argc, argv, "p:b:B:a:t:n:i:1vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			parse_u64(optarg, "port", 65535);
			o.port = optarg;
			break;
		case 'b':
		case 'B':
			o.bind_addr = optarg;
			break;
		case 'a':
			o.addr = optarg;
			break;
		case 't':
			o.seconds = parse_seconds(optarg, "time");
			break;
		case 'n':
			o.bytes = parse_u64(optarg, "byte count", UINT64_MAX);
			if (!o.bytes)
				die("bad byte count '%s'", optarg);
			break;
		case 'i':
			o.interval_ms = (unsigned int)parse_u64(optarg, "interval", 3600000);
			break;
		case 'H':
			o.hold = parse_seconds(optarg, "hold time");
			break;
		case '1':
			o.once = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	signals_setup();
	memset(xfer_buf, 0x5a, sizeof(xfer_buf));

	if (o.server) {
		if (o.addr || o.seconds >= 0 || o.bytes || o.hold >= 0)
			usage();
		return run_server(&o);
	}
	if (!o.addr || o.once)
		usage();
	if (o.seconds < 0 && !o.bytes && o.hold < 0)
		o.seconds = 10;
	return run_client(&o);
}
