/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pm.c against a fake kernel on real netlink sockets: NETLINK_USERSOCK,
 * where a process may send to other sockets and to multicast groups. The
 * fake kernel reads the commands pm sends (pm's command socket is
 * connected to it) and answers them, and sends events, by multicast: to
 * group 1, which pm's events socket joined, and group 2, which its command
 * socket joined. The kernel drops what a full socket cannot take and
 * reports ENOBUFS to it, as it does for the real mptcp_pm family, so the
 * overruns here are real ones.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <libmnl/libmnl.h>

#include "pm.h"
#include "pmcmd.h"
#include "unit.h"

#define FAMILY 0x1d
#define GROUP_EVENTS 1
#define GROUP_ANSWERS 2
#define MAX_ENDS 256

static int kernel = -1;		/* the fake kernel's socket */
static struct sf_pm *pm;
static const struct sf_pm_transport *tx;

/* What pm told us. */
static unsigned int n_ready, n_events, n_overruns;
static unsigned int n_backwards;	/* events with a lower token than the last */
static uint32_t last_event_token;

/* How each request ended: its index (user_data) and error, in order. */
static struct {
	unsigned int req;
	int error;
	char extack[64];
	unsigned int messages;	/* reply messages before the end */
} ends[MAX_ENDS];
static unsigned int n_ends;
static unsigned int messages[MAX_ENDS];	/* per request, so far */

static void on_ready(void *user_data)
{
	n_ready++;
}

static void on_event(const struct sf_event *ev, void *user_data)
{
	n_events++;
	n_backwards += ev->token < last_event_token;
	last_event_token = ev->token;
}

static void on_overrun(void *user_data)
{
	n_overruns++;
}

static const struct sf_pm_handlers handlers = {
	.ready = on_ready,
	.event = on_event,
	.overrun = on_overrun,
};

static void reply(int error, const char *extack, const struct nlmsghdr *nlh,
		  void *user_data)
{
	unsigned int req = L_PTR_TO_UINT(user_data);

	ck_assert_uint_lt(req, MAX_ENDS);
	if (nlh) {
		ck_assert_uint_eq(nlh->nlmsg_type, FAMILY);
		ck_assert_int_eq(error, 0);
		messages[req]++;
		return;
	}

	ck_assert_uint_lt(n_ends, MAX_ENDS);
	ends[n_ends].req = req;
	ends[n_ends].error = error;
	snprintf(ends[n_ends].extack, sizeof(ends[n_ends].extack), "%s",
		 extack ? extack : "");
	ends[n_ends].messages = messages[req];
	n_ends++;
}

/* How many times request req has ended so far. */
static unsigned int ended(unsigned int req)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < n_ends; i++)
		n += ends[i].req == req;
	return n;
}

static int usersock(int rcvbuf, unsigned int group)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_USERSOCK);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *) &addr, sizeof(addr)), 0);
	if (rcvbuf)
		ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE,
					    &rcvbuf, sizeof(rcvbuf)), 0);
	if (group)
		ck_assert_int_eq(setsockopt(fd, SOL_NETLINK,
					    NETLINK_ADD_MEMBERSHIP, &group,
					    sizeof(group)), 0);
	return fd;
}

static uint32_t portid(int fd)
{
	struct sockaddr_nl addr;
	socklen_t len = sizeof(addr);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *) &addr, &len), 0);
	return addr.nl_pid;
}

/* pm over fresh sockets with these receive buffers; seq: the last used. */
static void pm_start(int events_rcvbuf, int cmds_rcvbuf, uint32_t seq)
{
	int events = usersock(events_rcvbuf, GROUP_EVENTS);
	int cmds = usersock(cmds_rcvbuf, GROUP_ANSWERS);
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };

	kernel = usersock(4 * 1024 * 1024, 0);
	to.nl_pid = portid(kernel);
	ck_assert_int_eq(connect(cmds, (struct sockaddr *) &to, sizeof(to)), 0);

	ck_assert_int_eq(sf_pm_new_on_sockets(&handlers, NULL, events, cmds,
					      FAMILY, seq, &pm), 0);
	tx = sf_pm_get_transport(pm);
}

static void setup(void)
{
	ck_assert(l_main_init());
	n_ready = n_events = n_overruns = n_ends = n_backwards = 0;
	last_event_token = 0;
	memset(messages, 0, sizeof(messages));
	pm = NULL;
}

static void teardown(void)
{
	sf_pm_free(pm);
	if (kernel >= 0)
		close(kernel);
	kernel = -1;
	l_main_exit();
}

/* Run the main loop until pm has read everything there is. */
static void loop(void)
{
	for (int i = 0; i < 20; i++)
		l_main_iterate(0);
}

/* Send command req (its user_data) through the transport. */
static void send_cmd(unsigned int req, bool dump)
{
	struct sf_pmcmd msg;

	ck_assert_int_eq(tx->send(tx->ctx, sf_pmcmd_endpoint_dump(&msg), dump,
				  reply, L_UINT_TO_PTR(req)), 0);
}

/* The next request pm sent, as the fake kernel reads it: its seq. */
static uint32_t kernel_read(void)
{
	char buf[256];
	const struct nlmsghdr *nlh = (const void *) buf;
	ssize_t n = recv(kernel, buf, sizeof(buf), MSG_DONTWAIT);

	ck_assert_int_ge(n, (ssize_t) (NLMSG_HDRLEN + GENL_HDRLEN));
	ck_assert_uint_eq(nlh->nlmsg_len, n);
	ck_assert_uint_eq(nlh->nlmsg_type, FAMILY);
	ck_assert(nlh->nlmsg_flags & NLM_F_REQUEST);
	ck_assert(nlh->nlmsg_flags & NLM_F_ACK);
	ck_assert_uint_eq(nlh->nlmsg_pid, 0);
	ck_assert_uint_eq(sf_pmcmd_command(nlh), MPTCP_PM_CMD_GET_ADDR);
	return nlh->nlmsg_seq;
}

static void kernel_send(struct nlmsghdr *nlh, unsigned int group)
{
	struct sockaddr_nl to = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1u << (group - 1),
	};

	/* Delivered to the group; the unicast to port 0 that netlink adds
	 * finds no kernel socket on USERSOCK (ECONNREFUSED). */
	sendto(kernel, nlh, nlh->nlmsg_len, 0, (struct sockaddr *) &to,
	       sizeof(to));
}

/* The kernel's ack for seq: a capped NLMSG_ERROR, with an extack text. */
static void kernel_ack(uint32_t seq, int error, const char *extack)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *err;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | (extack ? NLM_F_ACK_TLVS : 0);
	nlh->nlmsg_seq = seq;
	err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
	err->error = error;
	err->msg.nlmsg_len = sizeof(err->msg);
	err->msg.nlmsg_type = FAMILY;
	err->msg.nlmsg_seq = seq;
	if (extack)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, extack);
	kernel_send(nlh, GROUP_ANSWERS);
}

/* A message of the family with seq: an event (seq 0, to the events
 * group: CREATED with this token) or a reply (to the answers group),
 * padded with an attribute of pad bytes the decoder skips (0: none). */
static void kernel_message_padded(uint32_t seq, uint32_t token,
				  unsigned int group, size_t pad)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;
	static const char zeros[4096];

	nlh->nlmsg_type = FAMILY;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = MPTCP_EVENT_CREATED;
	genl->version = 1;
	mnl_attr_put_u32(nlh, MPTCP_ATTR_TOKEN, token);
	if (pad)
		mnl_attr_put(nlh, MPTCP_ATTR_MAX + 1, pad, zeros);
	kernel_send(nlh, group);
}

static void kernel_message(uint32_t seq, uint32_t token, unsigned int group)
{
	kernel_message_padded(seq, token, group, 0);
}

static void kernel_done(uint32_t seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int *error;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = seq;
	error = mnl_nlmsg_put_extra_header(nlh, sizeof(*error));
	*error = 0;
	kernel_send(nlh, GROUP_ANSWERS);
}

START_TEST(ready_comes_once_from_the_loop)
{
	pm_start(0, 0, 0);
	ck_assert_uint_eq(n_ready, 0);
	loop();
	ck_assert_uint_eq(n_ready, 1);
	loop();
	ck_assert_uint_eq(n_ready, 1);
}
END_TEST

START_TEST(events_are_decoded_and_handed_on)
{
	pm_start(0, 0, 0);
	kernel_message(0, 0xabc, GROUP_EVENTS);
	kernel_message(0, 0xdef, GROUP_EVENTS);
	loop();
	ck_assert_uint_eq(n_events, 2);
	ck_assert_uint_eq(last_event_token, 0xdef);
	ck_assert_uint_eq(n_overruns, 0);
}
END_TEST

/* More events than one read takes (16): all are handed on, in order, in
 * one wakeup of the loop. */
START_TEST(events_beyond_one_read_all_arrive_in_order)
{
	pm_start(0, 0, 0);
	loop();
	for (unsigned int i = 0; i < 40; i++)
		kernel_message(0, i + 1, GROUP_EVENTS);
	l_main_iterate(0);
	ck_assert_uint_eq(n_events, 40);
	ck_assert_uint_eq(last_event_token, 40);
	ck_assert_uint_eq(n_backwards, 0);
	ck_assert_uint_eq(n_overruns, 0);
}
END_TEST

/* An event larger than a read's slot would be cut short: it counts as
 * lost (the daemon resyncs), and the events after it are read whole. */
START_TEST(an_event_too_large_to_read_counts_as_lost)
{
	pm_start(0, 0, 0);
	loop();
	kernel_message(0, 1, GROUP_EVENTS);
	kernel_message_padded(0, 2, GROUP_EVENTS, 2000);
	kernel_message(0, 3, GROUP_EVENTS);
	loop();
	ck_assert_uint_eq(n_events, 2);
	ck_assert_uint_eq(last_event_token, 3);
	ck_assert_uint_eq(n_overruns, 1);
}
END_TEST

START_TEST(each_answer_ends_its_own_request_once)
{
	uint32_t seq[3];

	pm_start(0, 0, 0);
	for (unsigned int i = 0; i < 3; i++) {
		send_cmd(i, false);
		seq[i] = kernel_read();
	}
	ck_assert_uint_eq(seq[0], 1);
	ck_assert_uint_eq(seq[1], 2);
	ck_assert_uint_eq(seq[2], 3);

	kernel_ack(seq[0], 0, NULL);
	kernel_ack(seq[1], -EINVAL, "bad address");
	kernel_ack(seq[2], -EEXIST, NULL);
	/* An answer for nothing pending, and one twice: ignored. */
	kernel_ack(77, -EPERM, NULL);
	kernel_ack(seq[1], -ENOENT, NULL);
	loop();

	ck_assert_uint_eq(n_ends, 3);
	ck_assert_uint_eq(ends[0].req, 0);
	ck_assert_int_eq(ends[0].error, 0);
	ck_assert_uint_eq(ends[1].req, 1);
	ck_assert_int_eq(ends[1].error, -EINVAL);
	ck_assert_str_eq(ends[1].extack, "bad address");
	ck_assert_uint_eq(ends[2].req, 2);
	ck_assert_int_eq(ends[2].error, -EEXIST);
	ck_assert_uint_eq(n_overruns, 0);
}
END_TEST

START_TEST(sequence_numbers_wrap_past_zero)
{
	uint32_t seq[4];

	pm_start(0, 0, UINT32_MAX - 1);
	for (unsigned int i = 0; i < 4; i++) {
		send_cmd(i, false);
		seq[i] = kernel_read();
	}
	/* 0 names no request: it is skipped. */
	ck_assert_uint_eq(seq[0], UINT32_MAX);
	ck_assert_uint_eq(seq[1], 1);
	ck_assert_uint_eq(seq[2], 2);
	ck_assert_uint_eq(seq[3], 3);

	for (unsigned int i = 0; i < 4; i++)
		kernel_ack(seq[i], -(int) (i + 1), NULL);
	loop();

	ck_assert_uint_eq(n_ends, 4);
	for (unsigned int i = 0; i < 4; i++) {
		ck_assert_uint_eq(ends[i].req, i);
		ck_assert_int_eq(ends[i].error, -(int) (i + 1));
	}
}
END_TEST

START_TEST(an_answer_skipping_requests_ends_them_as_lost)
{
	uint32_t seq[3];

	pm_start(0, 0, 0);
	for (unsigned int i = 0; i < 3; i++) {
		send_cmd(i, false);
		seq[i] = kernel_read();
	}

	/* The kernel answers in order: the first two answers were lost. */
	kernel_ack(seq[2], 0, NULL);
	loop();
	ck_assert_uint_eq(n_ends, 3);
	ck_assert_uint_eq(ends[0].req, 0);
	ck_assert_int_eq(ends[0].error, -ENOBUFS);
	ck_assert_uint_eq(ends[1].req, 1);
	ck_assert_int_eq(ends[1].error, -ENOBUFS);
	ck_assert_uint_eq(ends[2].req, 2);
	ck_assert_int_eq(ends[2].error, 0);

	/* Their answers, late: nothing ends twice. */
	kernel_ack(seq[0], 0, NULL);
	kernel_ack(seq[1], 0, NULL);
	loop();
	ck_assert_uint_eq(n_ends, 3);
}
END_TEST

START_TEST(query_reply_then_ack_ends_once)
{
	uint32_t seq;

	pm_start(0, 0, 0);
	send_cmd(0, false);
	seq = kernel_read();
	kernel_message(seq, 1, GROUP_ANSWERS);
	kernel_ack(seq, 0, NULL);
	loop();
	ck_assert_uint_eq(n_ends, 1);
	ck_assert_uint_eq(ends[0].messages, 1);
	ck_assert_int_eq(ends[0].error, 0);

	/* A reply, then a failing ack: still one end, with the error. */
	send_cmd(1, false);
	seq = kernel_read();
	kernel_message(seq, 1, GROUP_ANSWERS);
	kernel_ack(seq, -EIO, NULL);
	loop();
	ck_assert_uint_eq(n_ends, 2);
	ck_assert_uint_eq(ended(1), 1);
	ck_assert_int_eq(ends[1].error, -EIO);
}
END_TEST

START_TEST(dump_entries_then_done)
{
	uint32_t seq;

	pm_start(0, 0, 0);
	send_cmd(0, true);
	seq = kernel_read();
	for (unsigned int i = 0; i < 3; i++)
		kernel_message(seq, i, GROUP_ANSWERS);
	kernel_done(seq);
	loop();
	ck_assert_uint_eq(n_ends, 1);
	ck_assert_uint_eq(ends[0].messages, 3);
	ck_assert_int_eq(ends[0].error, 0);
}
END_TEST

START_TEST(ring_wraps_and_grows_in_order)
{
	uint32_t seq[64];
	unsigned int n = 0;

	pm_start(0, 0, 0);
	/* 10 sent, 8 answered: the ring's start moves to 8 of 16. */
	for (; n < 10; n++) {
		send_cmd(n, false);
		seq[n] = kernel_read();
	}
	for (unsigned int i = 0; i < 8; i++)
		kernel_ack(seq[i], 0, NULL);
	loop();
	ck_assert_uint_eq(n_ends, 8);

	/* 40 more: the ring wraps past its end, then grows twice. */
	for (; n < 50; n++) {
		send_cmd(n, false);
		seq[n] = kernel_read();
	}
	for (unsigned int i = 8; i < 50; i++)
		kernel_ack(seq[i], -(int) i, NULL);
	loop();

	ck_assert_uint_eq(n_ends, 50);
	for (unsigned int i = 8; i < 50; i++) {
		ck_assert_uint_eq(ends[i].req, i);
		ck_assert_int_eq(ends[i].error, -(int) i);
	}
}
END_TEST

START_TEST(events_overrun_is_reported_once_after_the_drain)
{
	unsigned int sent = 2000;

	pm_start(4096, 0, 0);
	for (unsigned int i = 0; i < sent; i++)
		kernel_message(0, i + 1, GROUP_EVENTS);
	loop();

	/* Some were dropped, the rest read; one resync for the lot. */
	ck_assert_uint_gt(n_events, 0);
	ck_assert_uint_lt(n_events, sent);
	ck_assert_uint_eq(n_overruns, 1);

	/* Nothing lost since: no new overrun. */
	kernel_message(0, 9, GROUP_EVENTS);
	loop();
	ck_assert_uint_eq(last_event_token, 9);
	ck_assert_uint_eq(n_overruns, 1);
}
END_TEST

START_TEST(answers_overrun_ends_every_request_exactly_once)
{
	enum { N = 200 };
	uint32_t seq[N];

	pm_start(0, 4096, 0);
	for (unsigned int i = 0; i < N; i++) {
		send_cmd(i, false);
		seq[i] = kernel_read();
	}
	/* With a text each, the answers overflow the command socket. */
	for (unsigned int i = 0; i < N; i++)
		kernel_ack(seq[i], 0, "a text that makes every answer longer");
	loop();

	ck_assert_uint_eq(n_ends, N);
	for (unsigned int i = 0; i < N; i++) {
		ck_assert_uint_eq(ended(i), 1);
		ck_assert_uint_eq(ends[i].req, i);
	}
	/* The lost ones got -ENOBUFS, and the daemon is told to resync. */
	ck_assert_int_eq(ends[N - 1].error, -ENOBUFS);
	ck_assert_int_eq(ends[0].error, 0);
	ck_assert_uint_eq(n_overruns, 1);

	/* Their answers are gone for good: late ones change nothing. */
	kernel_ack(seq[N - 1], 0, NULL);
	loop();
	ck_assert_uint_eq(n_ends, N);
}
END_TEST

START_TEST(answers_already_sent_are_read_on_demand)
{
	uint32_t seq;

	pm_start(0, 0, 0);
	send_cmd(0, false);
	seq = kernel_read();
	kernel_ack(seq, -EINVAL, "invalid token");

	/* As when the command's connection closes: no loop needed. */
	tx->read_answers(tx->ctx);
	ck_assert_uint_eq(n_ends, 1);
	ck_assert_int_eq(ends[0].error, -EINVAL);
	ck_assert_str_eq(ends[0].extack, "invalid token");
}
END_TEST

/* Sends from inside an end, as callbacks may. */
static void reply_and_send(int error, const char *extack,
			   const struct nlmsghdr *nlh, void *user_data)
{
	struct sf_pmcmd msg;

	reply(error, extack, nlh, user_data);
	if (!nlh)
		ck_assert_int_lt(tx->send(tx->ctx, sf_pmcmd_endpoint_dump(&msg),
					  false, reply, L_UINT_TO_PTR(99)), 0);
}

START_TEST(shutdown_ends_pending_requests_with_ecanceled)
{
	struct sf_pmcmd msg;

	pm_start(0, 0, 0);
	send_cmd(0, false);
	send_cmd(1, true);
	ck_assert_int_eq(tx->send(tx->ctx, sf_pmcmd_endpoint_dump(&msg), false,
				  reply_and_send, L_UINT_TO_PTR(2)), 0);
	ck_assert_uint_eq(n_ends, 0);

	sf_pm_free(pm);
	pm = NULL;

	/* In the order sent, once each; what an end sends is refused. */
	ck_assert_uint_eq(n_ends, 3);
	for (unsigned int i = 0; i < 3; i++) {
		ck_assert_uint_eq(ends[i].req, i);
		ck_assert_int_eq(ends[i].error, -ECANCELED);
	}
	ck_assert_uint_eq(ended(99), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pm");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ready_comes_once_from_the_loop);
	tcase_add_test(tc, events_are_decoded_and_handed_on);
	tcase_add_test(tc, events_beyond_one_read_all_arrive_in_order);
	tcase_add_test(tc, an_event_too_large_to_read_counts_as_lost);
	tcase_add_test(tc, each_answer_ends_its_own_request_once);
	tcase_add_test(tc, sequence_numbers_wrap_past_zero);
	tcase_add_test(tc, an_answer_skipping_requests_ends_them_as_lost);
	tcase_add_test(tc, query_reply_then_ack_ends_once);
	tcase_add_test(tc, dump_entries_then_done);
	tcase_add_test(tc, ring_wraps_and_grows_in_order);
	tcase_add_test(tc, events_overrun_is_reported_once_after_the_drain);
	tcase_add_test(tc, answers_overrun_ends_every_request_exactly_once);
	tcase_add_test(tc, answers_already_sent_are_read_on_demand);
	tcase_add_test(tc, shutdown_ends_pending_requests_with_ecanceled);
	suite_add_tcase(s, tc);
	return sf_unit_run(s);
}
