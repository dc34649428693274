/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sf-bench-conns - MPTCP connection load for the benchmarks.
 *
 *   sf-bench-conns server -p PORT
 *   sf-bench-conns seq   -a ADDR -p PORT -n N -s K [-T MS]
 *   sf-bench-conns burst -a ADDR -p PORT -n N -s K [-T SECONDS] [-H]
 *
 * server: an MPTCP listener on every address that accepts any number of
 * connections, reads and discards, and closes each when its peer does.
 * Prints "READY" once it listens.
 *
 * seq: N connections one after another. Each connects, sends one byte (an
 * MPTCP client is "fully established", and gets its subflows, only once the
 * server has acknowledged data), waits until the kernel shows K more
 * ESTABLISHED subflows than the initial one or MS milliseconds (default
 * 2000) have passed, and closes. Prints
 *   "seq n=N with=W without=M seconds=S".
 *
 * burst: N non-blocking connects at once, each sending one byte once up;
 * then sweeps the connections every 20 ms until each shows K more
 * ESTABLISHED subflows or SECONDS (default 30) have passed. Prints
 *   "start NS" (CLOCK_MONOTONIC, when the first connect was issued),
 *   "burst n=N connected=C failed=F with=W without=M seconds=S"
 * where S is when the last sweep found the last connection complete. With
 * -H it then prints "holding" and keeps every connection open until SIGTERM
 * or SIGINT (the idle-cost measurement), then closes them all.
 *
 * "ESTABLISHED subflows" are read with MPTCP_TCPINFO (tcpi_state of each
 * subflow): the kernel's view, independent of any path manager's events.
 * Output lines are flushed as written. Errors exit 1, bad usage 64.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <linux/mptcp.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef SOL_MPTCP
#define SOL_MPTCP 284
#endif

#define MAX_SUBFLOWS 16

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "sf-bench-conns: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Raise the soft descriptor limit towards n (the hard limit caps it). */
static void raise_nofile(unsigned long n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit(RLIMIT_NOFILE)");
	if (rl.rlim_cur >= n + 64)
		return;
	rl.rlim_cur = n + 64 < rl.rlim_max ? n + 64 : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit(RLIMIT_NOFILE)");
	if (rl.rlim_cur < n + 64)
		fprintf(stderr, "sf-bench-conns: only %lu descriptors allowed\n",
			(unsigned long)rl.rlim_cur);
}

/* How many of fd's subflows are ESTABLISHED, the initial one included. */
static unsigned int established_subflows(int fd)
{
	struct {
		struct mptcp_subflow_data d;
		struct tcp_info ti[MAX_SUBFLOWS];
	} buf;
	socklen_t len = sizeof(buf);
	unsigned int i, n = 0;

	memset(&buf.d, 0, sizeof(buf.d));
	buf.d.size_subflow_data = sizeof(buf.d);
	buf.d.size_user = sizeof(struct tcp_info);
	if (getsockopt(fd, SOL_MPTCP, MPTCP_TCPINFO, &buf, &len) < 0)
		return 0;
	for (i = 0; i < buf.d.num_subflows && i < MAX_SUBFLOWS; i++)
		if (buf.ti[i].tcpi_state == TCP_ESTABLISHED)
			n++;
	return n;
}

static int mptcp_socket(bool nonblock)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
			(nonblock ? SOCK_NONBLOCK : 0), IPPROTO_MPTCP);

	if (fd < 0)
		die("socket(IPPROTO_MPTCP)");
	return fd;
}

static int run_server(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct epoll_event ev = { .events = EPOLLIN }, evs[256];
	int lfd, ep, one = 1, i, n;
	char buf[4096];

	raise_nofile(1u << 20);
	lfd = mptcp_socket(true);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	if (listen(lfd, 65535) < 0)
		die("listen");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	printf("READY\n");

	while (!stop) {
		n = epoll_wait(ep, evs, 256, 500);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd) {
				int c;

				while ((c = accept4(lfd, NULL, NULL,
						    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					ev.data.fd = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			for (;;) {
				ssize_t r = read(fd, buf, sizeof(buf));

				if (r > 0)
					continue;
				if (r < 0 && (errno == EAGAIN || errno == EINTR))
					break;
				close(fd);
				break;
			}
		}
	}
	return 0;
}

static int run_seq(const struct sockaddr_in *dst, unsigned int count,
		   unsigned int want, unsigned int timeout_ms)
{
	const struct timespec tick = { .tv_nsec = 200000 };
	unsigned int i, with = 0;
	double start = now_s();

	for (i = 0; i < count && !stop; i++) {
		int fd = mptcp_socket(false);
		double deadline;

		if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) < 0)
			die("connect");
		if (send(fd, "!", 1, MSG_NOSIGNAL) != 1)
			die("send");
		deadline = now_s() + timeout_ms / 1000.0;
		for (;;) {
			if (established_subflows(fd) >= want + 1) {
				with++;
				break;
			}
			if (now_s() >= deadline)
				break;
			nanosleep(&tick, NULL);
		}
		close(fd);
	}
	printf("seq n=%u with=%u without=%u seconds=%.3f\n", i, with, i - with,
	       now_s() - start);
	return 0;
}

enum conn_state { CONN_CONNECTING, CONN_UP, CONN_DONE, CONN_FAILED };

static int run_burst(const struct sockaddr_in *dst, unsigned int count,
		     unsigned int want, unsigned int timeout_s, bool hold)
{
	const struct timespec sweep = { .tv_nsec = 20000000 };
	struct epoll_event ev = { .events = EPOLLOUT }, evs[256];
	unsigned int i, connecting = 0, failed = 0, done = 0;
	enum conn_state *state = calloc(count, sizeof(*state));
	int *fds = calloc(count, sizeof(*fds));
	double start, deadline, last_done = 0;
	int ep;

	if (!state || !fds)
		die("calloc");
	raise_nofile(count + 16);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");

	printf("start %llu\n", now_ns());
	start = now_s();
	deadline = start + timeout_s;
	for (i = 0; i < count; i++) {
		fds[i] = mptcp_socket(true);
		if (connect(fds[i], (const struct sockaddr *)dst, sizeof(*dst)) < 0 &&
		    errno != EINPROGRESS) {
			state[i] = CONN_FAILED;
			failed++;
			continue;
		}
		ev.data.u32 = i;
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
		connecting++;
	}

	while (connecting && now_s() < deadline && !stop) {
		int n = epoll_wait(ep, evs, 256, 100);

		for (int k = 0; k < n; k++) {
			unsigned int c = evs[k].data.u32;
			int err = 0;
			socklen_t len = sizeof(err);

			epoll_ctl(ep, EPOLL_CTL_DEL, fds[c], NULL);
			connecting--;
			getsockopt(fds[c], SOL_SOCKET, SO_ERROR, &err, &len);
			if (err || send(fds[c], "!", 1, MSG_NOSIGNAL) != 1) {
				state[c] = CONN_FAILED;
				failed++;
			} else {
				state[c] = CONN_UP;
			}
		}
	}

	while (done + failed < count && now_s() < deadline && !stop) {
		for (i = 0; i < count; i++) {
			if (state[i] != CONN_UP)
				continue;
			if (established_subflows(fds[i]) >= want + 1) {
				state[i] = CONN_DONE;
				done++;
				last_done = now_s();
			}
		}
		if (done + failed < count)
			nanosleep(&sweep, NULL);
	}

	printf("burst n=%u connected=%u failed=%u with=%u without=%u seconds=%.3f\n",
	       count, count - failed - connecting, failed, done, count - done,
	       last_done ? last_done - start : 0.0);
	if (hold) {
		printf("holding\n");
		while (!stop)
			pause();
	}
	for (i = 0; i < count; i++)
		close(fds[i]);
	free(fds);
	free(state);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: sf-bench-conns server -p PORT\n"
		"       sf-bench-conns seq -a ADDR -p PORT -n N -s K [-T MS]\n"
		"       sf-bench-conns burst -a ADDR -p PORT -n N -s K [-T SECONDS] [-H]\n");
	return 64;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sockaddr_in dst = { .sin_family = AF_INET };
	unsigned long port = 0, count = 0, want = 0, timeout = 0;
	const char *mode, *addr = NULL;
	bool hold = false;
	int opt;

	if (argc < 2)
		return usage();
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "a:p:n:s:T:H")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p': port = strtoul(optarg, NULL, 10); break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 's': want = strtoul(optarg, NULL, 10); break;
		case 'T': timeout = strtoul(optarg, NULL, 10); break;
		case 'H': hold = true; break;
		default: return usage();
		}
	}
	if (optind != argc || port == 0 || port > 65535)
		return usage();

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!strcmp(mode, "server"))
		return run_server(port);

	if (!addr || inet_pton(AF_INET, addr, &dst.sin_addr) != 1 || count == 0 ||
	    count > 1000000 || want > MAX_SUBFLOWS - 1)
		return usage();
	dst.sin_port = htons(port);
	if (!strcmp(mode, "seq"))
		return run_seq(&dst, count, want, timeout ? timeout : 2000);
	if (!strcmp(mode, "burst"))
		return run_burst(&dst, count, want, timeout ? timeout : 30, hold);
	return usage();
}
