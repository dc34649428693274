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

/*
 * Look through one CTRL_ATTR_MCAST_GRP_* nest for the group's name and id.
 * Returns the id when the name matches, 0 when it does not, -EBADMSG.
 */
static int mcast_grp_match(const struct nlattr *grp, const char *group)
{
	const struct nlattr *attr;
	const char *name = NULL;
	uint32_t id = 0;
	bool has_id = false;
	ptrdiff_t left;

	if (mnl_attr_validate(grp, MNL_TYPE_NESTED) < 0)
		return -EBADMSG;

	mnl_attr_for_each_nested(attr, grp) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				return -EBADMSG;
			name = mnl_attr_get_str(attr);
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			id = mnl_attr_get_u32(attr);
			has_id = true;
			break;
		default:
			break;
		}
	}
	left = (const char *)mnl_attr_get_payload(grp) +
	       mnl_attr_get_payload_len(grp) - (const char *)attr;
	if (left > 0)
		return -EBADMSG;

	if (!name || strcmp(name, group) != 0)
		return 0;
	if (!has_id || id == 0 || id > INT32_MAX)
		return -EBADMSG;
	return (int)id;
}

static int mcast_groups_find(const struct nlattr *groups, const char *group)
{
	const struct nlattr *grp;
	ptrdiff_t left;
	int r;

	if (mnl_attr_validate(groups, MNL_TYPE_NESTED) < 0)
		return -EBADMSG;

	mnl_attr_for_each_nested(grp, groups) {
		r = mcast_grp_match(grp, group);
		if (r != 0)
			return r;
	}
	left = (const char *)mnl_attr_get_payload(groups) +
	       mnl_attr_get_payload_len(groups) - (const char *)grp;
	if (left > 0)
		return -EBADMSG;

	return -ENOENT;
}

/*
 * Check that data holds a CTRL_CMD_NEWFAMILY reply and find its top-level
 * attribute `type`. Returns 0 with *ret_attr set (NULL when absent),
 * -EBADMSG, or the negative error of an NLMSG_ERROR.
 */
static int reply_find_attr(const void *data, size_t len, uint16_t type,
			   const struct nlattr **ret_attr)
{
	const struct nlmsghdr *nlh = data;
	const struct nlattr *attr;
	const char *tail;
	ptrdiff_t left;

	*ret_attr = NULL;
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

	tail = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) == type) {
			*ret_attr = attr;
			return 0;
		}
	}
	left = tail - (const char *)attr;
	if (left > 0)
		return -EBADMSG;

	return 0;
}

int sf_genlctrl_parse_group_id(const void *data, size_t len, const char *group)
{
	const struct nlattr *groups;
	int r;

	if (!group)
		return -EINVAL;

	r = reply_find_attr(data, len, CTRL_ATTR_MCAST_GROUPS, &groups);
	if (r < 0)
		return r;
	if (!groups)
		return -ENOENT;
	return mcast_groups_find(groups, group);
}

int sf_genlctrl_parse_family_id(const void *data, size_t len)
{
	const struct nlattr *id;
	int r;

	r = reply_find_attr(data, len, CTRL_ATTR_FAMILY_ID, &id);
	if (r < 0)
		return r;
	if (!id || mnl_attr_validate(id, MNL_TYPE_U16) < 0 ||
	    mnl_attr_get_u16(id) == 0)
		return -EBADMSG;
	return mnl_attr_get_u16(id);
}
