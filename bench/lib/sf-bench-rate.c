/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sf-bench-rate - short MPTCP connections at a steady rate, for the
 * server benchmark (bench/run scenario 7).
 *
 *   sf-bench-rate server -p PORT
 *   sf-bench-rate client -a ADDR -p PORT -r RATE -d SECONDS [-l EVERY -L MS]
 *
 * server: an MPTCP listener on every address. Each connection sends one
 * request of REQ_SIZE bytes; the server answers REPLY_SIZE bytes and waits
 * for the client to close. Prints "READY" once it listens.
 *
 * client: opens RATE connections per second for SECONDS, paced every
 * millisecond (it falls behind when it cannot keep up, and says so: the
 * rate it reached is the connections completed over the time they took).
 * Each connection sends its request, reads the reply and closes; every
 * EVERY-th one (-l) stays open MS milliseconds more (-L): the long-lived
 * connections whose announcements must not be missed. At most MAX_OPEN
 * connections are open at once. Prints each long one's MPTCP token as
 * "long TOKEN" (8 hex digits, as the events show it), then, flushed at
 * the end:
 *   "rate offered=O done=D failed=F seconds=S achieved=A long=N"
 * where S runs from the first connect to the last short connection's
 * close, and A is the short connections completed per second of S.
 * All sockets are non-blocking, in one epoll loop. Errors exit 1, bad
 * usage 64.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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
#include <sys/timerfd.h>

#include <linux/mptcp.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef SOL_MPTCP
#define SOL_MPTCP 284
#endif

#define REQ_SIZE 64
#define REPLY_SIZE 256
#define MAX_OPEN 30000

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void raise_nofile(void)
{
	struct rlimit rl = { MAX_OPEN + 1024, MAX_OPEN + 1024 };

	setrlimit(RLIMIT_NOFILE, &rl);
}

static int server(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	struct epoll_event ev, evs[256];
	char buf[4096], reply[REPLY_SIZE];
	int lfd, ep, one = 1;

	memset(reply, 'r', sizeof(reply));
	raise_nofile();
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_MPTCP);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 65535) < 0) {
		perror("sf-bench-rate: listen");
		return 1;
	}

	ep = epoll_create1(0);
	ev = (struct epoll_event) { .events = EPOLLIN, .data.fd = lfd };
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	printf("READY\n");
	fflush(stdout);

	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			ssize_t r;

			if (fd == lfd) {
				int c;

				while ((c = accept4(lfd, NULL, NULL,
						    SOCK_NONBLOCK)) >= 0) {
					ev = (struct epoll_event) {
						.events = EPOLLIN, .data.fd = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}

			r = read(fd, buf, sizeof(buf));
			if (r > 0) {
				/* One request, one reply (it fits the
				 * socket buffer: no partial write). */
				if (write(fd, reply, sizeof(reply)) < 0)
					r = -1;
				if (r > 0)
					continue;
			}
			if (r < 0 && errno == EAGAIN)
				continue;
			close(fd);
		}
	}
}

enum conn_state { CONN_CONNECTING, CONN_WAITING, CONN_HOLDING };

struct conn {
	enum conn_state state;
	uint64_t close_at;		/* HOLDING: when to close */
	size_t got;
};

static int client(const char *addr, uint16_t port, unsigned int rate,
		  unsigned int seconds, unsigned int every,
		  unsigned int hold_ms)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	struct itimerspec tick = { { 0, 1000000 }, { 0, 1000000 } };
	uint64_t offered = 0, done = 0, failed = 0, longs = 0, opened = 0;
	uint64_t start, end = 0, last_done = 0, shorts = 0;
	uint64_t target = (uint64_t) rate * seconds;
	struct epoll_event ev, evs[512];
	char req[REQ_SIZE], buf[4096];
	struct conn *conns;
	unsigned int open_now = 0, holding = 0;
	int ep, tfd;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return 64;

	memset(req, 'q', sizeof(req));
	raise_nofile();
	conns = calloc(MAX_OPEN + 1024, sizeof(*conns));
	ep = epoll_create1(0);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	if (!conns || ep < 0 || tfd < 0 ||
	    timerfd_settime(tfd, 0, &tick, NULL) < 0)
		return 1;
	ev = (struct epoll_event) { .events = EPOLLIN, .data.fd = tfd };
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);

	start = now_ms();
	while (done + failed < target || open_now) {
		uint64_t now = now_ms();
		int n;

		/* Pacing: as many as the time since the start allows. */
		while (offered < target &&
		       offered < (now - start) * rate / 1000 &&
		       open_now < MAX_OPEN) {
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK,
					IPPROTO_MPTCP);

			offered++;
			if (fd < 0 || fd >= MAX_OPEN + 1024) {
				if (fd >= 0)
					close(fd);
				failed++;
				continue;
			}
			if (connect(fd, (struct sockaddr *)&sin,
				    sizeof(sin)) < 0 && errno != EINPROGRESS) {
				close(fd);
				failed++;
				continue;
			}
			opened++;
			conns[fd] = (struct conn) { CONN_CONNECTING, 0, 0 };
			if (every && opened % every == 0)
				conns[fd].close_at = 1;	/* a long one */
			ev = (struct epoll_event) { .events = EPOLLOUT,
						    .data.fd = fd };
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			open_now++;
		}

		n = epoll_wait(ep, evs, 512, 1);
		now = now_ms();
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			struct conn *c = &conns[fd];
			bool end_it = false, ok = false;

			if (fd == tfd) {
				uint64_t expirations;

				/* It only wakes the loop for the pacing. */
				if (read(tfd, &expirations,
					 sizeof(expirations)) < 0)
					continue;
				continue;
			}

			if (evs[i].events & (EPOLLERR | EPOLLHUP) &&
			    c->state == CONN_CONNECTING) {
				end_it = true;
			} else if (c->state == CONN_CONNECTING) {
				if (write(fd, req, sizeof(req)) !=
				    sizeof(req)) {
					end_it = true;
				} else {
					c->state = CONN_WAITING;
					ev = (struct epoll_event) {
						.events = EPOLLIN,
						.data.fd = fd };
					epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
				}
			} else if (c->state == CONN_WAITING) {
				ssize_t r = read(fd, buf, sizeof(buf));

				if (r > 0)
					c->got += r;
				if (c->got >= REPLY_SIZE) {
					ok = true;
					if (c->close_at) {
						struct mptcp_info mi = { 0 };
						socklen_t len = sizeof(mi);

						if (!getsockopt(fd, SOL_MPTCP,
								MPTCP_INFO, &mi,
								&len))
							printf("long %08x\n",
							       mi.mptcpi_token);
						c->state = CONN_HOLDING;
						c->close_at = now + hold_ms;
						longs++;
						holding++;
						epoll_ctl(ep, EPOLL_CTL_DEL,
							  fd, NULL);
					} else {
						end_it = true;
					}
				} else if (r == 0 ||
					   (r < 0 && errno != EAGAIN)) {
					end_it = true;
				}
			}

			if (!end_it)
				continue;
			if (ok) {
				done++;
				shorts++;
				end = now;
			} else {
				failed++;
			}
			close(fd);
			open_now--;
		}

		/* The long ones: closed when their time is up. */
		if (holding && now - last_done >= 10) {
			last_done = now;
			for (int fd = 0; fd < MAX_OPEN + 1024; fd++) {
				if (conns[fd].state != CONN_HOLDING ||
				    conns[fd].close_at > now)
					continue;
				conns[fd].state = CONN_CONNECTING;
				close(fd);
				open_now--;
				holding--;
				done++;
			}
		}
	}
	if (!end)
		end = now_ms();

	printf("rate offered=%llu done=%llu failed=%llu seconds=%.3f "
	       "achieved=%.0f long=%llu\n", (unsigned long long) offered,
	       (unsigned long long) done, (unsigned long long) failed,
	       (end - start) / 1000.0,
	       shorts * 1000.0 / (end - start ? end - start : 1),
	       (unsigned long long) longs);
	return 0;
}

int main(int argc, char **argv)
{
	const char *addr = NULL;
	unsigned int port = 0, rate = 0, seconds = 0, every = 0, hold = 0;
	int opt;

	if (argc < 2)
		goto usage;

	optind = 2;
	while ((opt = getopt(argc, argv, "a:p:r:d:l:L:")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'r': rate = atoi(optarg); break;
		case 'd': seconds = atoi(optarg); break;
		case 'l': every = atoi(optarg); break;
		case 'L': hold = atoi(optarg); break;
		default: goto usage;
		}
	}

	if (!strcmp(argv[1], "server") && port)
		return server(port);
	if (!strcmp(argv[1], "client") && addr && port && rate && seconds)
		return client(addr, port, rate, seconds, every, hold);

usage:
	fprintf(stderr, "usage: sf-bench-rate server -p PORT\n"
		"       sf-bench-rate client -a ADDR -p PORT -r RATE -d SECONDS"
		" [-l EVERY -L MS]\n");
	return 64;
}
