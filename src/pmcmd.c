/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <libmnl/libmnl.h>

#include "nlmsg.h"
#include "pmcmd.h"
#include "util.h"

/*
 * Wire formats, checked against the kernel's mptcp_pm netlink spec and the
 * running kernel: MPTCP_PM_ADDR_ATTR_PORT is a u16 in host byte order (the
 * kernel converts), FAMILY u16, ID u8, ADDR4 4 bytes and ADDR6 16 bytes in
 * network order, FLAGS u32, IF_IDX s32; the top-level TOKEN, SUBFLOWS and
 * RCV_ADD_ADDRS are u32, LOC_ID u8.
 */

/* Which optional members of an address nest to write. */
enum addr_part {
	ADDR_PART_ID = 1u << 0,
	ADDR_PART_PORT = 1u << 1,	/* only when addr->port != 0 */
	ADDR_PART_FLAGS = 1u << 2,
	ADDR_PART_IFINDEX = 1u << 3,	/* only when ifindex != 0 */
};

/* Start cmd's message: the netlink header (the sender fills in all but its
 * length) and the generic-netlink one, version 0. The buffer is zeroed
 * first: libmnl 1.0.4 leaves an attribute's padding as it finds it. */
static struct nlmsghdr *cmd_start(struct sf_pmcmd *cmd, uint8_t command)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	memset(cmd->buf, 0, sizeof(cmd->buf));
	nlh = mnl_nlmsg_put_header(cmd->buf);

	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = command;
	return nlh;
}

uint8_t sf_pmcmd_command(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	return genl->cmd;
}

static bool addr_valid(const struct sf_addr *addr)
{
	return addr && (addr->family == AF_INET || addr->family == AF_INET6);
}

/* Append an attribute, within the buffer (false when it would not fit). */
static bool put(struct nlmsghdr *nlh, uint16_t type, size_t len,
		const void *data)
{
	return mnl_attr_put_check(nlh, SF_PMCMD_SIZE, type, len, data);
}

static bool put_u8(struct nlmsghdr *nlh, uint16_t type, uint8_t v)
{
	return put(nlh, type, sizeof(v), &v);
}

static bool put_u16(struct nlmsghdr *nlh, uint16_t type, uint16_t v)
{
	return put(nlh, type, sizeof(v), &v);
}

static bool put_u32(struct nlmsghdr *nlh, uint16_t type, uint32_t v)
{
	return put(nlh, type, sizeof(v), &v);
}

/*
 * Append a nested address attribute `type` (MPTCP_PM_ATTR_ADDR or _REMOTE):
 * family, then the parts asked for, then the IP. addr may be NULL for a nest
 * that carries only an id and/or flags.
 */
static bool put_addr(struct nlmsghdr *nlh, uint16_t type,
		     const struct sf_addr *addr, unsigned int parts,
		     uint8_t id, uint32_t flags, int32_t ifindex)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, SF_PMCMD_SIZE,
							type);
	bool ok = nest;

	if (ok && addr)
		ok = put_u16(nlh, MPTCP_PM_ADDR_ATTR_FAMILY, addr->family);
	if (ok && (parts & ADDR_PART_ID))
		ok = put_u8(nlh, MPTCP_PM_ADDR_ATTR_ID, id);
	if (ok && addr) {
		if (addr->family == AF_INET)
			ok = put(nlh, MPTCP_PM_ADDR_ATTR_ADDR4,
				 sizeof(addr->ip.in), &addr->ip.in);
		else
			ok = put(nlh, MPTCP_PM_ADDR_ATTR_ADDR6,
				 sizeof(addr->ip.in6), &addr->ip.in6);
	}
	if (ok && addr && (parts & ADDR_PART_PORT) && addr->port != 0)
		ok = put_u16(nlh, MPTCP_PM_ADDR_ATTR_PORT, addr->port);
	if (ok && (parts & ADDR_PART_FLAGS))
		ok = put_u32(nlh, MPTCP_PM_ADDR_ATTR_FLAGS, flags);
	if (ok && (parts & ADDR_PART_IFINDEX) && ifindex != 0)
		ok = put(nlh, MPTCP_PM_ADDR_ATTR_IF_IDX, sizeof(ifindex),
			 &ifindex);
	if (ok)
		mnl_attr_nest_end(nlh, nest);
	return ok;
}

/* nlh, or NULL unless ok. */
static struct nlmsghdr *msg_or_null(struct nlmsghdr *nlh, bool ok)
{
	return ok ? nlh : NULL;
}

struct nlmsghdr *sf_pmcmd_announce(struct sf_pmcmd *cmd, uint32_t token,
				   const struct sf_addr *addr, uint8_t id)
{
	struct nlmsghdr *nlh;
	bool ok;

	if (!addr_valid(addr))
		return NULL;

	nlh = cmd_start(cmd, MPTCP_PM_CMD_ANNOUNCE);
	ok = put_u32(nlh, MPTCP_PM_ATTR_TOKEN, token) &&
	     put_addr(nlh, MPTCP_PM_ATTR_ADDR, addr,
		      ADDR_PART_ID | ADDR_PART_PORT | ADDR_PART_FLAGS, id,
		      MPTCP_PM_ADDR_FLAG_SIGNAL, 0);
	return msg_or_null(nlh, ok);
}

struct nlmsghdr *sf_pmcmd_remove(struct sf_pmcmd *cmd, uint32_t token,
				 uint8_t id)
{
	struct nlmsghdr *nlh = cmd_start(cmd, MPTCP_PM_CMD_REMOVE);
	bool ok;

	ok = put_u32(nlh, MPTCP_PM_ATTR_TOKEN, token) &&
	     put_u8(nlh, MPTCP_PM_ATTR_LOC_ID, id);
	return msg_or_null(nlh, ok);
}

struct nlmsghdr *sf_pmcmd_subflow_create(struct sf_pmcmd *cmd, uint32_t token,
					 const struct sf_addr *local,
					 uint8_t loc_id, bool backup,
					 const struct sf_addr *remote)
{
	unsigned int local_parts = ADDR_PART_ID | ADDR_PART_PORT;
	struct nlmsghdr *nlh;
	bool ok;

	if (!addr_valid(local) || !addr_valid(remote) || remote->port == 0)
		return NULL;

	if (backup)
		local_parts |= ADDR_PART_FLAGS;

	nlh = cmd_start(cmd, MPTCP_PM_CMD_SUBFLOW_CREATE);
	ok = put_u32(nlh, MPTCP_PM_ATTR_TOKEN, token) &&
	     put_addr(nlh, MPTCP_PM_ATTR_ADDR, local, local_parts, loc_id,
		      MPTCP_PM_ADDR_FLAG_BACKUP, 0) &&
	     put_addr(nlh, MPTCP_PM_ATTR_ADDR_REMOTE, remote, ADDR_PART_PORT,
		      0, 0, 0);
	return msg_or_null(nlh, ok);
}

struct nlmsghdr *sf_pmcmd_subflow_destroy(struct sf_pmcmd *cmd, uint32_t token,
					  const struct sf_addr *local,
					  const struct sf_addr *remote)
{
	struct nlmsghdr *nlh;
	bool ok;

	if (!addr_valid(local) || !addr_valid(remote) ||
	    local->port == 0 || remote->port == 0)
		return NULL;

	nlh = cmd_start(cmd, MPTCP_PM_CMD_SUBFLOW_DESTROY);
	ok = put_u32(nlh, MPTCP_PM_ATTR_TOKEN, token) &&
	     put_addr(nlh, MPTCP_PM_ATTR_ADDR, local, ADDR_PART_PORT, 0, 0, 0) &&
	     put_addr(nlh, MPTCP_PM_ATTR_ADDR_REMOTE, remote, ADDR_PART_PORT,
		      0, 0, 0);
	return msg_or_null(nlh, ok);
}

struct nlmsghdr *sf_pmcmd_subflow_set_backup(struct sf_pmcmd *cmd,
					     uint32_t token,
					     const struct sf_addr *local,
					     const struct sf_addr *remote,
					     bool backup)
{
	struct nlmsghdr *nlh;
	bool ok;

	if (!addr_valid(local) || !addr_valid(remote))
		return NULL;

	nlh = cmd_start(cmd, MPTCP_PM_CMD_SET_FLAGS);
	ok = put_u32(nlh, MPTCP_PM_ATTR_TOKEN, token) &&
	     put_addr(nlh, MPTCP_PM_ATTR_ADDR, local,
		      ADDR_PART_PORT | ADDR_PART_FLAGS, 0,
		      backup ? MPTCP_PM_ADDR_FLAG_BACKUP : 0, 0) &&
	     put_addr(nlh, MPTCP_PM_ATTR_ADDR_REMOTE, remote, ADDR_PART_PORT,
		      0, 0, 0);
	return msg_or_null(nlh, ok);
}

struct nlmsghdr *sf_pmcmd_get_conn_addrs(struct sf_pmcmd *cmd, uint32_t token)
{
	struct nlmsghdr *nlh = cmd_start(cmd, MPTCP_PM_CMD_GET_ADDR);

	return msg_or_null(nlh, put_u32(nlh, MPTCP_PM_ATTR_TOKEN, token));
}

struct nlmsghdr *sf_pmcmd_endpoint_add(struct sf_pmcmd *cmd,
				       const struct sf_endpoint *ep)
{
	unsigned int parts = ADDR_PART_PORT | ADDR_PART_FLAGS | ADDR_PART_IFINDEX;
	struct nlmsghdr *nlh;

	if (!ep || !addr_valid(&ep->addr))
		return NULL;

	if (ep->id != 0)
		parts |= ADDR_PART_ID;

	nlh = cmd_start(cmd, MPTCP_PM_CMD_ADD_ADDR);
	return msg_or_null(nlh, put_addr(nlh, MPTCP_PM_ATTR_ADDR, &ep->addr,
					 parts, ep->id, ep->flags,
					 ep->ifindex));
}

struct nlmsghdr *sf_pmcmd_endpoint_del(struct sf_pmcmd *cmd, uint8_t id)
{
	struct nlmsghdr *nlh = cmd_start(cmd, MPTCP_PM_CMD_DEL_ADDR);

	return msg_or_null(nlh, put_addr(nlh, MPTCP_PM_ATTR_ADDR, NULL,
					 ADDR_PART_ID, id, 0, 0));
}

struct nlmsghdr *sf_pmcmd_endpoint_set_flags(struct sf_pmcmd *cmd, uint8_t id,
					     uint32_t flags)
{
	struct nlmsghdr *nlh = cmd_start(cmd, MPTCP_PM_CMD_SET_FLAGS);

	return msg_or_null(nlh, put_addr(nlh, MPTCP_PM_ATTR_ADDR, NULL,
					 ADDR_PART_ID | ADDR_PART_FLAGS, id,
					 flags, 0));
}

struct nlmsghdr *sf_pmcmd_endpoint_dump(struct sf_pmcmd *cmd)
{
	return cmd_start(cmd, MPTCP_PM_CMD_GET_ADDR);
}

struct nlmsghdr *sf_pmcmd_endpoint_flush(struct sf_pmcmd *cmd)
{
	return cmd_start(cmd, MPTCP_PM_CMD_FLUSH_ADDRS);
}

struct nlmsghdr *sf_pmcmd_set_limits(struct sf_pmcmd *cmd,
				     const struct sf_pm_limits *limits)
{
	struct nlmsghdr *nlh;
	bool ok;

	if (!limits)
		return NULL;

	nlh = cmd_start(cmd, MPTCP_PM_CMD_SET_LIMITS);
	ok = put_u32(nlh, MPTCP_PM_ATTR_RCV_ADD_ADDRS,
		     limits->add_addr_accepted) &&
	     put_u32(nlh, MPTCP_PM_ATTR_SUBFLOWS, limits->subflows);
	return msg_or_null(nlh, ok);
}

struct nlmsghdr *sf_pmcmd_get_limits(struct sf_pmcmd *cmd)
{
	return cmd_start(cmd, MPTCP_PM_CMD_GET_LIMITS);
}

/* The MPTCP_PM_ADDR_ATTR_* of an address nest we read. */
static const struct sf_attr_policy
addr_policy[MPTCP_PM_ADDR_ATTR_IF_IDX + 1] = {
	[MPTCP_PM_ADDR_ATTR_FAMILY] = { MNL_TYPE_U16 },
	[MPTCP_PM_ADDR_ATTR_ID] = { MNL_TYPE_U8 },
	[MPTCP_PM_ADDR_ATTR_ADDR4] = { MNL_TYPE_BINARY, 4 },
	[MPTCP_PM_ADDR_ATTR_ADDR6] = { MNL_TYPE_BINARY, 16 },
	[MPTCP_PM_ADDR_ATTR_PORT] = { MNL_TYPE_U16 },
	[MPTCP_PM_ADDR_ATTR_FLAGS] = { MNL_TYPE_U32 },
	[MPTCP_PM_ADDR_ATTR_IF_IDX] = { MNL_TYPE_U32 },
};

/* The top-level MPTCP_PM_ATTR_* of a reply we read. */
static const struct sf_attr_policy reply_policy[MPTCP_PM_ATTR_SUBFLOWS + 1] = {
	[MPTCP_PM_ATTR_ADDR] = { MNL_TYPE_NESTED },
	[MPTCP_PM_ATTR_RCV_ADD_ADDRS] = { MNL_TYPE_U32 },
	[MPTCP_PM_ATTR_SUBFLOWS] = { MNL_TYPE_U32 },
};

/* The attributes of a reply of the family (a whole message, its
 * nlmsg_len within what was received). */
static int reply_parse(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	if (!nlh || nlh->nlmsg_len < MNL_NLMSG_HDRLEN + GENL_HDRLEN)
		return -EBADMSG;

	return sf_attr_parse(nlh, GENL_HDRLEN, reply_policy,
			     SF_ARRAY_SIZE(reply_policy), tb);
}

int sf_pmcmd_parse_endpoint(const struct nlmsghdr *nlh,
			    struct sf_endpoint *ret_ep)
{
	const struct nlattr *top[SF_ARRAY_SIZE(reply_policy)] = { NULL };
	const struct nlattr *tb[SF_ARRAY_SIZE(addr_policy)] = { NULL };
	struct sf_endpoint ep = { .addr.family = AF_UNSPEC };
	const struct nlattr *ip;
	uint16_t family;
	int r;

	r = reply_parse(nlh, top);
	if (r < 0)
		return r;
	if (!top[MPTCP_PM_ATTR_ADDR])
		return -ENOMSG;

	r = sf_attr_parse_nested(top[MPTCP_PM_ATTR_ADDR], addr_policy,
				 SF_ARRAY_SIZE(addr_policy), tb);
	if (r < 0 || !tb[MPTCP_PM_ADDR_ATTR_FAMILY])
		return -EBADMSG;

	family = mnl_attr_get_u16(tb[MPTCP_PM_ADDR_ATTR_FAMILY]);
	ip = tb[family == AF_INET ? MPTCP_PM_ADDR_ATTR_ADDR4 :
		MPTCP_PM_ADDR_ATTR_ADDR6];
	if ((family != AF_INET && family != AF_INET6) || !ip)
		return -EBADMSG;

	ep.addr.family = family;
	memcpy(&ep.addr.ip, mnl_attr_get_payload(ip),
	       mnl_attr_get_payload_len(ip));
	if (tb[MPTCP_PM_ADDR_ATTR_ID])
		ep.id = mnl_attr_get_u8(tb[MPTCP_PM_ADDR_ATTR_ID]);
	if (tb[MPTCP_PM_ADDR_ATTR_PORT])
		ep.addr.port = mnl_attr_get_u16(tb[MPTCP_PM_ADDR_ATTR_PORT]);
	if (tb[MPTCP_PM_ADDR_ATTR_FLAGS])
		ep.flags = mnl_attr_get_u32(tb[MPTCP_PM_ADDR_ATTR_FLAGS]);
	if (tb[MPTCP_PM_ADDR_ATTR_IF_IDX])
		ep.ifindex = (int32_t)mnl_attr_get_u32(tb[MPTCP_PM_ADDR_ATTR_IF_IDX]);

	*ret_ep = ep;
	return 0;
}

int sf_pmcmd_parse_limits(const struct nlmsghdr *nlh,
			  struct sf_pm_limits *ret_limits)
{
	const struct nlattr *tb[SF_ARRAY_SIZE(reply_policy)] = { NULL };
	int r;

	r = reply_parse(nlh, tb);
	if (r < 0 || !tb[MPTCP_PM_ATTR_SUBFLOWS] ||
	    !tb[MPTCP_PM_ATTR_RCV_ADD_ADDRS])
		return -EBADMSG;

	ret_limits->subflows = mnl_attr_get_u32(tb[MPTCP_PM_ATTR_SUBFLOWS]);
	ret_limits->add_addr_accepted =
		mnl_attr_get_u32(tb[MPTCP_PM_ATTR_RCV_ADD_ADDRS]);
	return 0;
}
