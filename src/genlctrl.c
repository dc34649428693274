/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "genlctrl.h"
#include "nlmsg.h"
#include "util.h"

int sf_genlctrl_build_getfamily(void *buf, size_t size, const char *family,
				uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	size_t name_len;

	if (!buf || !family)
		return -EINVAL;

	name_len = strlen(family) + 1;
	if (name_len > GENL_NAMSIZ)
		return -EINVAL;
	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*genl)) +
		   MNL_ATTR_HDRLEN + MNL_ALIGN(name_len))
		return -ENOSPC;

	memset(buf, 0, size);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;

	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	return (int)nlh->nlmsg_len;
}

static const struct sf_attr_policy ctrl_policy[CTRL_ATTR_MCAST_GROUPS + 1] = {
	[CTRL_ATTR_FAMILY_ID] = { MNL_TYPE_U16 },
	[CTRL_ATTR_MCAST_GROUPS] = { MNL_TYPE_NESTED },
};

static const struct sf_attr_policy grp_policy[CTRL_ATTR_MCAST_GRP_ID + 1] = {
	[CTRL_ATTR_MCAST_GRP_NAME] = { MNL_TYPE_NUL_STRING },
	[CTRL_ATTR_MCAST_GRP_ID] = { MNL_TYPE_U32 },
};

/* The group looked for, and what was found: its id, or an error. */
struct grp_search {
	const char *name;
	int result;
};

/* One CTRL_ATTR_MCAST_GRP_* nest: stop at the group's name. */
static int grp_match(const struct nlattr *grp, void *data)
{
	const struct nlattr *tb[SF_ARRAY_SIZE(grp_policy)] = { NULL };
	struct grp_search *search = data;
	uint32_t id;

	if (mnl_attr_validate(grp, MNL_TYPE_NESTED) < 0 ||
	    sf_attr_parse_nested(grp, grp_policy, SF_ARRAY_SIZE(grp_policy),
				 tb) < 0) {
		search->result = -EBADMSG;
		return MNL_CB_ERROR;
	}

	if (!tb[CTRL_ATTR_MCAST_GRP_NAME] ||
	    strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]), search->name))
		return MNL_CB_OK;

	id = tb[CTRL_ATTR_MCAST_GRP_ID] ?
	     mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]) : 0;
	search->result = id == 0 || id > INT32_MAX ? -EBADMSG : (int)id;
	return MNL_CB_STOP;
}

/*
 * Check that data holds a CTRL_CMD_NEWFAMILY reply and read its top-level
 * attributes into tb. Returns 0, -EBADMSG, or the negative error of an
 * NLMSG_ERROR.
 */
static int reply_parse(const void *data, size_t len, const struct nlattr **tb)
{
	const struct nlmsghdr *nlh = data;

	if (!data || len > INT32_MAX || !sf_nlmsg_ok(nlh, (int)len))
		return -EBADMSG;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err;

		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err)))
			return -EBADMSG;
		err = mnl_nlmsg_get_payload(nlh);
		/* An ACK (error 0) carries no family. */
		return err->error < 0 ? err->error : -EBADMSG;
	}

	if (nlh->nlmsg_type != GENL_ID_CTRL ||
	    nlh->nlmsg_len < mnl_nlmsg_size(GENL_HDRLEN))
		return -EBADMSG;

	return sf_attr_parse(nlh, GENL_HDRLEN, ctrl_policy,
			     SF_ARRAY_SIZE(ctrl_policy), tb);
}

int sf_genlctrl_parse_group_id(const void *data, size_t len, const char *group)
{
	const struct nlattr *tb[SF_ARRAY_SIZE(ctrl_policy)] = { NULL };
	struct grp_search search = { group, -ENOENT };
	int r;

	if (!group)
		return -EINVAL;

	r = reply_parse(data, len, tb);
	if (r < 0)
		return r;
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return -ENOENT;

	r = sf_attr_for_each_nested(tb[CTRL_ATTR_MCAST_GROUPS], grp_match,
				    &search);
	return r < 0 ? r : search.result;
}

int sf_genlctrl_parse_family_id(const void *data, size_t len)
{
	const struct nlattr *tb[SF_ARRAY_SIZE(ctrl_policy)] = { NULL };
	int r;

	r = reply_parse(data, len, tb);
	if (r < 0)
		return r;
	if (!tb[CTRL_ATTR_FAMILY_ID] ||
	    mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]) == 0)
		return -EBADMSG;
	return mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
}
