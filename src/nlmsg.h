/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Codec: netlink framing shared by every socket of ours: walking a buffer
 * of messages safely, and reading the kernel's acks. Pure.
 *
 * libmnl's mnl_nlmsg_ok() compares (int)nlmsg_len with the bytes left, so
 * an nlmsg_len above INT32_MAX passes as negative and mnl_nlmsg_next() then
 * steps outside the buffer; and its attribute walkers read up to nlmsg_len
 * rounded up to 4. Every loop over received messages, and every buffer
 * handed to mnl_cb_run(), goes through these instead.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/* Does a whole message, padded to 4 bytes, start at nlh within len? */
static inline bool sf_nlmsg_ok(const struct nlmsghdr *nlh, int len)
{
	return len >= (int)sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	       MNL_ALIGN((size_t)nlh->nlmsg_len) <= (size_t)len;
}

/* Is buf exactly a sequence of such messages? */
static inline bool sf_nlmsg_batch_ok(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int left;

	if (len > INT32_MAX)
		return false;

	for (left = (int)len; sf_nlmsg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left))
		;

	return left == 0;
}

/*
 * How a request ends: an NLMSG_ERROR (the ack: error 0, or a negative
 * errno) or, for a dump, NLMSG_DONE (error 0 or negative). Sets *ret_error
 * and *ret_extack (the kernel's extended-ack text, pointing into nlh, NULL
 * when there is none). nlh must have passed sf_nlmsg_ok(). Returns 0,
 * -ENOMSG when nlh is neither kind, -EBADMSG when it is malformed.
 */
int sf_nlmsg_parse_end(const struct nlmsghdr *nlh, int *ret_error,
		       const char **ret_extack);

/*
 * The one way attributes are read in the whole tree: libmnl's attribute
 * loop (mnl_attr_for_each_payload()) and validation rules, in one walk
 * (nlmsg.c). policy[type] says how an
 * attribute we read must look: its libmnl type (MNL_TYPE_UNSPEC: not
 * ours, skipped, as is any type >= n); len, when non-zero, its exact
 * payload length (mnl_attr_validate2()), else the type's own
 * (mnl_attr_validate()); max, when non-zero, a bound on the payload length.
 * A valid attribute lands in tb[type] (tb has n entries, zeroed by the
 * caller): the FIRST of duplicates wins, everywhere.
 */
struct sf_attr_policy {
	enum mnl_attr_data_type type;
	uint16_t len;
	uint16_t max;
};

/*
 * Walk the attributes after the first offset bytes of nlh's payload (nlh
 * must have passed sf_nlmsg_ok(): like libmnl, this reads up to nlmsg_len
 * rounded up to 4), of the payload [buf, buf + len), or of a nest.
 * Returns 0, or -EBADMSG when an attribute of ours breaks its policy or
 * non-zero bytes are left over that make no whole attribute (an attribute
 * cut short; zeros are padding).
 */
int sf_attr_parse(const struct nlmsghdr *nlh, size_t offset,
		  const struct sf_attr_policy *policy, unsigned int n,
		  const struct nlattr **tb);
int sf_attr_parse_payload(const void *buf, size_t len,
			  const struct sf_attr_policy *policy, unsigned int n,
			  const struct nlattr **tb);
int sf_attr_parse_nested(const struct nlattr *nest,
			 const struct sf_attr_policy *policy, unsigned int n,
			 const struct nlattr **tb);

/*
 * mnl_attr_parse_nested(), with the same check for bytes left over, for
 * nests that are lists (the attribute type is an index): cb sees every
 * attribute. Returns 0, cb's MNL_CB_STOP as 0, or -EBADMSG.
 */
int sf_attr_for_each_nested(const struct nlattr *nest, mnl_attr_cb_t cb,
			    void *data);
