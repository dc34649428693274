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

/* A walk: the callback it wraps, and how far whole attributes reached. */
struct walk {
	mnl_attr_cb_t cb;
	void *data;
	const char *end;
	bool stopped;		/* by the callback: the rest is not looked at */
};

static int walk_attr(const struct nlattr *attr, void *data)
{
	struct walk *w = data;
	int r;

	w->end = (const char *) attr + MNL_ALIGN(attr->nla_len);
	r = w->cb(attr, w->data);
	w->stopped = r == MNL_CB_STOP;
	return r;
}

/*
 * r from an mnl_attr_parse*() of w, whose bytes end at end. What follows
 * the last whole attribute must be zeros (padding): anything else is an
 * attribute cut short.
 */
static int walk_result(int r, const struct walk *w, const char *end)
{
	if (r == MNL_CB_ERROR)
		return -EBADMSG;

	for (const char *p = w->end; !w->stopped && p < end; p++)
		if (*p)
			return -EBADMSG;
	return 0;
}

struct table {
	const struct sf_attr_policy *policy;
	unsigned int n;
	const struct nlattr **tb;
};

static int table_attr(const struct nlattr *attr, void *data)
{
	const struct table *t = data;
	uint16_t type = mnl_attr_get_type(attr);
	const struct sf_attr_policy *p;
	int r;

	if (type >= t->n || t->policy[type].type == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;

	p = &t->policy[type];
	r = p->len ? mnl_attr_validate2(attr, p->type, p->len) :
		     mnl_attr_validate(attr, p->type);
	if (r < 0 || (p->max && mnl_attr_get_payload_len(attr) > p->max))
		return MNL_CB_ERROR;

	if (!t->tb[type])
		t->tb[type] = attr;
	return MNL_CB_OK;
}

int sf_attr_parse(const struct nlmsghdr *nlh, size_t offset,
		  const struct sf_attr_policy *policy, unsigned int n,
		  const struct nlattr **tb)
{
	struct table t = { policy, n, tb };
	struct walk w = { table_attr, &t,
			  mnl_nlmsg_get_payload_offset(nlh, offset) };

	return walk_result(mnl_attr_parse(nlh, offset, walk_attr, &w), &w,
			   mnl_nlmsg_get_payload_tail(nlh));
}

int sf_attr_parse_payload(const void *buf, size_t len,
			  const struct sf_attr_policy *policy, unsigned int n,
			  const struct nlattr **tb)
{
	struct table t = { policy, n, tb };
	struct walk w = { table_attr, &t, buf };

	/* No attributes; buf may be NULL then. */
	if (!len)
		return 0;
	return walk_result(mnl_attr_parse_payload(buf, len, walk_attr, &w), &w,
			   (const char *) buf + len);
}

int sf_attr_parse_nested(const struct nlattr *nest,
			 const struct sf_attr_policy *policy, unsigned int n,
			 const struct nlattr **tb)
{
	struct table t = { policy, n, tb };

	return sf_attr_for_each_nested(nest, table_attr, &t);
}

int sf_attr_for_each_nested(const struct nlattr *nest, mnl_attr_cb_t cb,
			    void *data)
{
	struct walk w = { cb, data, mnl_attr_get_payload(nest) };

	return walk_result(mnl_attr_parse_nested(nest, walk_attr, &w), &w,
			   (const char *) mnl_attr_get_payload(nest) +
			   mnl_attr_get_payload_len(nest));
}
