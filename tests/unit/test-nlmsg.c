/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The safe netlink message walk (nlmsg.h) that every receive loop uses. */
#include <string.h>

#include "nlmsg.h"
#include "unit.h"

/* Two 20-byte messages back to back. */
static uint32_t buf[10];

static struct nlmsghdr *msg_at(size_t offset)
{
	return (struct nlmsghdr *)((char *)buf + offset);
}

static void two_messages(void)
{
	memset(buf, 0, sizeof(buf));
	msg_at(0)->nlmsg_len = 20;
	msg_at(20)->nlmsg_len = 20;
}

START_TEST(well_formed_batch_is_ok)
{
	two_messages();
	ck_assert(sf_nlmsg_ok(msg_at(0), 40));
	ck_assert(sf_nlmsg_batch_ok(buf, 40));
	/* Exactly one message, too. */
	ck_assert(sf_nlmsg_batch_ok(buf, 20));
}
END_TEST

START_TEST(length_above_int32_max_is_refused)
{
	two_messages();
	/* libmnl's check reads this as -2147483628 and lets it through. */
	msg_at(20)->nlmsg_len = 0x80000014u;
	ck_assert(mnl_nlmsg_ok(msg_at(20), 20));
	ck_assert(!sf_nlmsg_ok(msg_at(20), 20));
	ck_assert(!sf_nlmsg_batch_ok(buf, 40));
}
END_TEST

START_TEST(padding_past_the_end_is_refused)
{
	two_messages();
	/* 18 bytes fit, but the attribute walk reads up to 20. */
	msg_at(20)->nlmsg_len = 18;
	ck_assert(mnl_nlmsg_ok(msg_at(20), 18));
	ck_assert(!sf_nlmsg_ok(msg_at(20), 18));
	ck_assert(!sf_nlmsg_batch_ok(buf, 38));
}
END_TEST

START_TEST(short_or_trailing_bytes_are_refused)
{
	two_messages();
	msg_at(0)->nlmsg_len = 12;	/* shorter than its own header */
	ck_assert(!sf_nlmsg_ok(msg_at(0), 40));
	ck_assert(!sf_nlmsg_batch_ok(buf, 40));

	two_messages();
	ck_assert(!sf_nlmsg_batch_ok(buf, 36));	/* second one cut short */
	ck_assert(!sf_nlmsg_batch_ok(buf, 24));	/* 4 stray bytes */
	ck_assert(!sf_nlmsg_batch_ok(buf, (size_t)INT32_MAX + 1));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nlmsg");
	TCase *tc = tcase_create("walk");

	tcase_add_test(tc, well_formed_batch_is_ok);
	tcase_add_test(tc, length_above_int32_max_is_refused);
	tcase_add_test(tc, padding_past_the_end_is_refused);
	tcase_add_test(tc, short_or_trailing_bytes_are_refused);
	suite_add_tcase(s, tc);

	return sf_unit_run(s);
}
