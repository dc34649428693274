/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nlmsg.h: the safe netlink message walk that every receive loop uses,
 * and how a command ends (acks, NLMSG_DONE). */
#include <errno.h>
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

/* Captured from the kernel: SUBFLOW_CREATE without addresses, answered
 * EINVAL with a "missing attribute" TLV, capped (NETLINK_CAP_ACK). */
static const uint8_t ack_einval_capped[] = {
	0x2c, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03, 0x07, 0x00, 0x00, 0x00,
	0xc9, 0x62, 0xca, 0xc1, 0xea, 0xff, 0xff, 0xff, 0x1c, 0x00, 0x00, 0x00,
	0x1c, 0x00, 0x05, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00,
};

/* The same, not capped: our request comes back inside the ack. */
static const uint8_t ack_einval_full[] = {
	0x38, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x02, 0x07, 0x00, 0x00, 0x00,
	0xfb, 0x20, 0x00, 0xb5, 0xea, 0xff, 0xff, 0xff, 0x1c, 0x00, 0x00, 0x00,
	0x1c, 0x00, 0x05, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x01, 0x00, 0x00, 0x08, 0x00, 0x04, 0x00, 0xef, 0xbe, 0xad, 0xde,
	0x08, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00,
};

START_TEST(kernel_acks_give_their_errno)
{
	const char *extack = "x";
	int error = 0;

	ck_assert(sf_nlmsg_batch_ok(ack_einval_capped, sizeof(ack_einval_capped)));
	ck_assert_int_eq(sf_nlmsg_parse_end((const void *)ack_einval_capped,
					    &error, &extack), 0);
	ck_assert_int_eq(error, -EINVAL);
	ck_assert_ptr_null(extack);

	error = 0;
	extack = "x";
	ck_assert_int_eq(sf_nlmsg_parse_end((const void *)ack_einval_full,
					    &error, &extack), 0);
	ck_assert_int_eq(error, -EINVAL);
	ck_assert_ptr_null(extack);
}
END_TEST

/* An ack with a text, as the kernel writes NL_SET_ERR_MSG. */
START_TEST(extack_text_is_found_and_bounded)
{
	char msg[64] = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)msg;
	struct nlmsgerr *err = mnl_nlmsg_put_extra_header(
		mnl_nlmsg_put_header(msg), sizeof(*err));
	const char *extack = NULL;
	int error = 0;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	err->error = -ENOENT;
	err->msg.nlmsg_len = 36;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "invalid token");
	ck_assert_int_eq(sf_nlmsg_parse_end(nlh, &error, &extack), 0);
	ck_assert_int_eq(error, -ENOENT);
	ck_assert_str_eq(extack, "invalid token");

	/* Without its NUL the text is not taken. */
	msg[nlh->nlmsg_len - 4] = 'x';
	msg[nlh->nlmsg_len - 3] = 'x';
	msg[nlh->nlmsg_len - 2] = 'x';
	msg[nlh->nlmsg_len - 1] = 'x';
	ck_assert_int_eq(sf_nlmsg_parse_end(nlh, &error, &extack), 0);
	ck_assert_ptr_null(extack);

	/* An echoed request longer than the ack is malformed. */
	nlh->nlmsg_flags = NLM_F_ACK_TLVS;
	err->msg.nlmsg_len = 200;
	ck_assert_int_eq(sf_nlmsg_parse_end(nlh, &error, &extack), -EBADMSG);
}
END_TEST

START_TEST(dump_end_and_other_messages)
{
	uint32_t done[5] = { 20, NLMSG_DONE | NLM_F_MULTI << 16, 9, 0, 0 };
	const char *extack;
	int error = 1;

	ck_assert_int_eq(sf_nlmsg_parse_end((struct nlmsghdr *)done, &error,
					    &extack), 0);
	ck_assert_int_eq(error, 0);

	done[4] = (uint32_t)-EOPNOTSUPP;
	ck_assert_int_eq(sf_nlmsg_parse_end((struct nlmsghdr *)done, &error,
					    &extack), 0);
	ck_assert_int_eq(error, -EOPNOTSUPP);

	done[4] = 5;	/* a positive "error" is nonsense */
	ck_assert_int_eq(sf_nlmsg_parse_end((struct nlmsghdr *)done, &error,
					    &extack), -EBADMSG);

	done[1] = 0x1c;	/* a family message: not an end */
	ck_assert_int_eq(sf_nlmsg_parse_end((struct nlmsghdr *)done, &error,
					    &extack), -ENOMSG);
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
	tcase_add_test(tc, kernel_acks_give_their_errno);
	tcase_add_test(tc, extack_text_is_found_and_bounded);
	tcase_add_test(tc, dump_end_and_other_messages);
	suite_add_tcase(s, tc);

	return sf_unit_run(s);
}
