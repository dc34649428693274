/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/netlink.h>

#include "nlmsg.h"

/* The NLMSGERR_ATTR_MSG text among the TLVs from offset on, or NULL. */
static const char *find_extack(const struct nlmsghdr *nlh, size_t offset)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    offset > nlh->nlmsg_len - MNL_NLMSG_HDRLEN)
		return NULL;

	mnl_attr_for_each(attr, nlh, offset)
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(attr);

	return NULL;
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
