/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sf-evdump [-x]: print every mptcp_pm event of this network namespace, one
 * line each, in the format of `ip mptcp monitor` (iproute2 6.1), until
 * SIGINT or SIGTERM. With -x, each line is followed by the raw generic
 * netlink payload as a commented C array body, ready for unit-test vectors.
 *
 * It uses its own NETLINK_GENERIC socket (libmnl) and the project's codecs,
 * so what it prints is what the daemon decodes. Needs CAP_NET_ADMIN.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "event.h"
#include "pm.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *const attr_names[] = {
	[MPTCP_ATTR_TOKEN] = "token",
	[MPTCP_ATTR_FAMILY] = "family",
	[MPTCP_ATTR_LOC_ID] = "loc_id",
	[MPTCP_ATTR_REM_ID] = "rem_id",
	[MPTCP_ATTR_SADDR4] = "saddr4",
	[MPTCP_ATTR_SADDR6] = "saddr6",
	[MPTCP_ATTR_DADDR4] = "daddr4",
	[MPTCP_ATTR_DADDR6] = "daddr6",
	[MPTCP_ATTR_SPORT] = "sport (be16)",
	[MPTCP_ATTR_DPORT] = "dport (be16)",
	[MPTCP_ATTR_BACKUP] = "backup",
	[MPTCP_ATTR_ERROR] = "error",
	[MPTCP_ATTR_FLAGS] = "flags",
	[MPTCP_ATTR_TIMEOUT] = "timeout",
	[MPTCP_ATTR_IF_IDX] = "if_idx",
	[MPTCP_ATTR_RESET_REASON] = "reset_reason",
	[MPTCP_ATTR_RESET_FLAGS] = "reset_flags",
	[MPTCP_ATTR_SERVER_SIDE] = "server_side",
};

static void hex_line(const unsigned char *p, size_t n, const char *comment)
{
	size_t i;

	putchar('\t');
	for (i = 0; i < n; i++)
		printf("0x%02x,%s", p[i], i + 1 < n ? " " : "");
	if (comment)
		printf(" /* %s */", comment);
	putchar('\n');
}

/* Dump the genl header, then each attribute with its name. */
static void hex_dump(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t off = GENL_HDRLEN;
	char comment[64];

	if (len < GENL_HDRLEN) {
		hex_line(p, len, "truncated genl header");
		return;
	}
	snprintf(comment, sizeof(comment), "genl: cmd %u, version %u",
		 p[0], p[1]);
	hex_line(p, GENL_HDRLEN, comment);

	while (off + sizeof(struct nlattr) <= len) {
		const struct nlattr *a = (const void *)(p + off);
		size_t alen = MNL_ALIGN(a->nla_len), i;
		uint16_t type = a->nla_type & NLA_TYPE_MASK;
		const char *name = NULL;

		if (a->nla_len < sizeof(*a) || off + alen > len)
			break;
		if (type < sizeof(attr_names) / sizeof(attr_names[0]))
			name = attr_names[type];
		if (name)
			snprintf(comment, sizeof(comment), "%s, len %u", name,
				 (unsigned int)a->nla_len);
		else
			snprintf(comment, sizeof(comment), "attr %u, len %u",
				 type, (unsigned int)a->nla_len);

		if (alen <= 8) {
			hex_line(p + off, alen, comment);
		} else {
			hex_line(p + off, sizeof(*a), comment);
			for (i = sizeof(*a); i < alen; i += 8)
				hex_line(p + off + i, alen - i < 8 ? alen - i : 8,
					 NULL);
		}
		off += alen;
	}
	if (off < len)
		hex_line(p + off, len - off, "trailing bytes");
}

static void print_event(const void *data, size_t len, bool hex)
{
	const struct genlmsghdr *genl = data;
	struct sf_event ev;
	char line[512];
	int r;

	r = sf_event_parse(data, len, &ev);
	if (r == 0) {
		sf_event_format(&ev, line, sizeof(line));
		printf("%s\n", line);
	} else if (r == -EOPNOTSUPP) {
		printf("[UNKNOWN %u]\n", genl->cmd);
	} else {
		fprintf(stderr, "sf-evdump: malformed event: %s\n",
			strerror(-r));
	}
	if (hex)
		hex_dump(data, len);
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	struct sigaction sa = { .sa_handler = on_signal };
	struct mnl_socket *nl;
	int family = 0, r, rcvbuf = 4 << 20;
	bool hex = false;

	if (argc == 2 && strcmp(argv[1], "-x") == 0) {
		hex = true;
	} else if (argc != 1) {
		fprintf(stderr, "usage: sf-evdump [-x]\n");
		return 64;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("sf-evdump: netlink socket");
		return 1;
	}
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		   sizeof(rcvbuf));

	r = sf_pm_join_events(nl, &family);
	if (r < 0) {
		fprintf(stderr, "sf-evdump: cannot join %s of %s: %s\n",
			MPTCP_PM_EV_GRP_NAME, MPTCP_PM_NAME, strerror(-r));
		mnl_socket_close(nl);
		return 69;
	}

	while (!stop) {
		const struct nlmsghdr *nlh;
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		int left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				fprintf(stderr, "sf-evdump: overrun, events lost\n");
				continue;
			}
			perror("sf-evdump: recv");
			break;
		}

		left = (int)n;
		for (nlh = (const void *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_type != family)
				continue;
			print_event(mnl_nlmsg_get_payload(nlh),
				    mnl_nlmsg_get_payload_len(nlh), hex);
		}
	}

	mnl_socket_close(nl);
	return 0;
}
