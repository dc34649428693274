/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sf-bench-events: timestamp this network namespace's mptcp_pm events for
 * the benchmarks, whichever path manager produces them (subflowd, the
 * in-kernel PM, mptcpd). Until SIGINT or SIGTERM it writes one line per
 * event to stdout:
 *
 *   NS TYPE TOKEN SADDR DADDR
 *
 * NS is CLOCK_MONOTONIC in nanoseconds when the event was read, TYPE the
 * event's name ("established", "sub_established", ...), TOKEN eight hex
 * digits, SADDR and DADDR "ip:port" ("-" when absent). A lost batch (the
 * socket overflowed) is the line "NS overrun". The first line, "NS ready",
 * is flushed once the events group is joined; the rest are buffered and
 * flushed at exit, so that writing costs nothing while measuring.
 *
 * It uses its own netlink socket with a 64 MiB receive buffer and the
 * project's event codec. Needs CAP_NET_ADMIN in the namespace.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "event.h"
#include "pm.h"

#define EVENTS_RCVBUF (64 * 1024 * 1024)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void print_event(unsigned long long t, const void *data, size_t len)
{
	char s[SF_ADDR_STRLEN], d[SF_ADDR_STRLEN];
	struct sf_event ev;
	const char *name;

	if (sf_event_parse(data, len, &ev) < 0)
		return;
	name = sf_event_type_name(ev.type);
	printf("%llu %s %08x %s %s\n", t, name ? name : "unknown", ev.token,
	       ev.has & SF_EVENT_HAS_SADDR ? sf_addr_to_str(&ev.saddr, true, s) : "-",
	       ev.has & SF_EVENT_HAS_DADDR ? sf_addr_to_str(&ev.daddr, true, d) : "-");
}

int main(void)
{
	static char buf[1 << 17];
	struct sigaction sa = { .sa_handler = on_signal };
	struct mnl_socket *nl;
	int family = 0, r, size = EVENTS_RCVBUF, fd;

	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("sf-bench-events: netlink socket");
		return 1;
	}
	fd = mnl_socket_get_fd(nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));

	r = sf_pm_join_events(nl, &family);
	if (r < 0) {
		fprintf(stderr, "sf-bench-events: cannot join %s: %s\n",
			MPTCP_PM_EV_GRP_NAME, strerror(-r));
		mnl_socket_close(nl);
		return 69;
	}
	printf("%llu ready\n", now_ns());
	fflush(stdout);

	while (!stop) {
		const struct nlmsghdr *nlh;
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		unsigned long long t = now_ns();
		int left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				printf("%llu overrun\n", t);
				continue;
			}
			perror("sf-bench-events: recv");
			break;
		}

		left = (int)n;
		for (nlh = (const void *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_type != family)
				continue;
			print_event(t, mnl_nlmsg_get_payload(nlh),
				    mnl_nlmsg_get_payload_len(nlh));
		}
	}

	fflush(stdout);
	mnl_socket_close(nl);
	return 0;
}
