/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Codec: the nlctrl CTRL_CMD_GETFAMILY request and the multicast-group id in
 * its reply. The daemon reads mptcp_pm events on a netlink socket of its own
 * (so an ENOBUFS overrun is seen and survived) and needs the group's id to
 * join it. Pure: writes into and reads from caller buffers.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Write a CTRL_CMD_GETFAMILY request for family into buf (size bytes), with
 * nlmsg_seq seq. Returns the message length or -ENOSPC.
 */
int sf_genlctrl_build_getfamily(void *buf, size_t size, const char *family,
				uint32_t seq);

/*
 * Find the id of multicast group `group` in a CTRL_CMD_NEWFAMILY reply (a
 * whole netlink message: data starts at the struct nlmsghdr).
 * Returns the id (> 0), -ENOENT when the family has no such group, -EBADMSG
 * when the message is malformed, or the negative error of an NLMSG_ERROR.
 */
int sf_genlctrl_parse_group_id(const void *data, size_t len, const char *group);

/*
 * The family id (CTRL_ATTR_FAMILY_ID) in a CTRL_CMD_NEWFAMILY reply, a whole
 * netlink message. Returns the id (> 0), -EBADMSG when malformed or without
 * an id, or the negative error of an NLMSG_ERROR.
 */
int sf_genlctrl_parse_family_id(const void *data, size_t len);
