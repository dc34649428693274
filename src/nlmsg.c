/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/netlink.h>

#include "nlmsg.h"

static const struct sf_attr_policy ack_policy[NLMSGERR_ATTR_MSG + 1] = {
	[NLMSGERR_ATTR_MSG] = { MNL_TYPE_NUL_STRING },
};

/* The NLMSGERR_ATTR_MSG text among the TLVs from offset on, or NULL (also
 * when they are malformed: the text is optional). */
static const char *find_extack(const struct nlmsghdr *nlh, size_t offset)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MSG + 1] = { NULL };

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    offset > nlh->nlmsg_len - MNL_NLMSG_HDRLEN ||
	    sf_attr_parse(nlh, offset, ack_policy, NLMSGERR_ATTR_MSG + 1,
			  tb) < 0 || !tb[NLMSGERR_ATTR_MSG])
		return NULL;

	return mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]);
}

int sf_nlmsg_parse_end(const struct nlmsghdr *nlh, int *ret_error,
		       const char **ret_extack)
{
	size_t payload = nlh->nlmsg_len - MNL_NLMSG_HDRLEN;
	const int *error = mnl_nlmsg_get_payload(nlh);
	size_t tlvs;

	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR: {
		const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

		if (payload < sizeof(*err))
			return -EBADMSG;
		/* Our request comes back whole unless the ack was capped. */
		tlvs = sizeof(*err);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (err->msg.nlmsg_len < sizeof(err->msg) ||
			    err->msg.nlmsg_len > payload - sizeof(err->error))
				return -EBADMSG;
			tlvs = MNL_ALIGN(sizeof(err->error) +
					 err->msg.nlmsg_len);
		}
		break;
	}
	case NLMSG_DONE:
		if (payload < sizeof(*error))
			return -EBADMSG;
		tlvs = sizeof(*error);
		break;
	default:
		return -ENOMSG;
	}

	if (*error > 0 || *error < -4095)
		return -EBADMSG;

	*ret_error = *error;
	*ret_extack = find_extack(nlh, tlvs);
	return 0;
}

/*
 * What follows the last whole attribute, [p, end), must be zeros
 * (padding): anything else is an attribute cut short.
 */
static int rest_is_padding(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p)
			return -EBADMSG;
	return 0;
}

/* Where the attribute after attr would start: libmnl's mnl_attr_next(). */
static const char *attr_end(const struct nlattr *attr)
{
	return (const char *) attr + MNL_ALIGN(attr->nla_len);
}

/*
 * Does attr look as p says (see struct sf_attr_policy)? A payload of a
 * fixed size, an integer or p->len bytes, is checked here for what
 * mnl_attr_validate2() checks of it, its exact length, without libmnl's
 * three calls (every attribute of an event has a fixed size). Any other
 * goes to libmnl's validators. attr has passed mnl_attr_ok().
 */
static bool attr_valid(const struct nlattr *attr,
		       const struct sf_attr_policy *p)
{
	uint16_t len = attr->nla_len - MNL_ATTR_HDRLEN;
	uint16_t exact = p->type == MNL_TYPE_U8 ? 1 :
			 p->type == MNL_TYPE_U16 ? 2 :
			 p->type == MNL_TYPE_U32 ? 4 :
			 p->type == MNL_TYPE_U64 ? 8 : 0;

	if (exact || p->type == MNL_TYPE_BINARY) {
		if (p->len)
			exact = p->len;
		/* Binary of no set length: any, as libmnl has it. */
		if (exact && len != exact)
			return false;
	} else if ((p->len ? mnl_attr_validate2(attr, p->type, p->len) :
			     mnl_attr_validate(attr, p->type)) < 0) {
		return false;
	}

	return !p->max || len <= p->max;
}

/*
 * The one walk: libmnl's loop (mnl_attr_ok(), mnl_attr_next()) over
 * [buf, buf + len), cb on each attribute; an error or a stop from cb ends
 * it, as in mnl_attr_parse(). Always inlined, so that table_walk()'s
 * callback runs in the loop rather than through a call per attribute:
 * this runs for every attribute of every event, about 25 a connection.
 */
static inline __attribute__((always_inline)) int
walk(const void *buf, size_t len, mnl_attr_cb_t cb, void *data)
{
	const char *done = buf;
	const struct nlattr *attr;

	mnl_attr_for_each_payload(buf, len) {
		int r = cb(attr, data);

		if (r <= MNL_CB_STOP)
			return r == MNL_CB_ERROR ? -EBADMSG : 0;
		done = attr_end(attr);
	}

	return rest_is_padding(done, (const char *) buf + len);
}

struct table {
	const struct sf_attr_policy *policy;
	unsigned int n;
	const struct nlattr **tb;
};

/* Each attribute of ours checked and put in tb (see sf_attr_policy). */
static int table_attr(const struct nlattr *attr, void *data)
{
	const struct table *t = data;
	/* mnl_attr_get_type(), without a call per attribute. */
	uint16_t type = attr->nla_type & NLA_TYPE_MASK;

	if (type >= t->n || t->policy[type].type == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;

	if (!attr_valid(attr, &t->policy[type]))
		return MNL_CB_ERROR;

	if (!t->tb[type])
		t->tb[type] = attr;
	return MNL_CB_OK;
}

static int table_walk(const void *buf, size_t len,
		      const struct sf_attr_policy *policy, unsigned int n,
		      const struct nlattr **tb)
{
	struct table t = { policy, n, tb };

	return walk(buf, len, table_attr, &t);
}

int sf_attr_parse(const struct nlmsghdr *nlh, size_t offset,
		  const struct sf_attr_policy *policy, unsigned int n,
		  const struct nlattr **tb)
{
	const char *start = mnl_nlmsg_get_payload_offset(nlh, offset);
	const char *tail = mnl_nlmsg_get_payload_tail(nlh);

	if (start >= tail)
		return 0;
	return table_walk(start, tail - start, policy, n, tb);
}

int sf_attr_parse_payload(const void *buf, size_t len,
			  const struct sf_attr_policy *policy, unsigned int n,
			  const struct nlattr **tb)
{
	/* No attributes; buf may be NULL then. */
	if (!len)
		return 0;
	return table_walk(buf, len, policy, n, tb);
}

int sf_attr_parse_nested(const struct nlattr *nest,
			 const struct sf_attr_policy *policy, unsigned int n,
			 const struct nlattr **tb)
{
	return table_walk(mnl_attr_get_payload(nest),
			  mnl_attr_get_payload_len(nest), policy, n, tb);
}

int sf_attr_for_each_nested(const struct nlattr *nest, mnl_attr_cb_t cb,
			    void *data)
{
	return walk(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest),
		    cb, data);
}
