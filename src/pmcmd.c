/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <linux/netlink.h>

#include "pmcmd.h"

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

static bool addr_valid(const struct sf_addr *addr)
{
	return addr && (addr->family == AF_INET || addr->family == AF_INET6);
}

static bool append_u8(struct l_genl_msg *msg, uint16_t type, uint8_t v)
{
	return l_genl_msg_append_attr(msg, type, sizeof(v), &v);
}

static bool append_u16(struct l_genl_msg *msg, uint16_t type, uint16_t v)
{
	return l_genl_msg_append_attr(msg, type, sizeof(v), &v);
}

static bool append_u32(struct l_genl_msg *msg, uint16_t type, uint32_t v)
{
	return l_genl_msg_append_attr(msg, type, sizeof(v), &v);
}

/*
 * Append a nested address attribute `type` (MPTCP_PM_ATTR_ADDR or _REMOTE):
 * family, then the parts asked for, then the IP. addr may be NULL for a nest
 * that carries only an id and/or flags.
 */
static bool append_addr(struct l_genl_msg *msg, uint16_t type,
			const struct sf_addr *addr, unsigned int parts,
			uint8_t id, uint32_t flags, int32_t ifindex)
{
	bool ok = l_genl_msg_enter_nested(msg, type);

	if (ok && addr)
		ok = append_u16(msg, MPTCP_PM_ADDR_ATTR_FAMILY, addr->family);
	if (ok && (parts & ADDR_PART_ID))
		ok = append_u8(msg, MPTCP_PM_ADDR_ATTR_ID, id);
	if (ok && addr) {
		if (addr->family == AF_INET)
			ok = l_genl_msg_append_attr(msg, MPTCP_PM_ADDR_ATTR_ADDR4,
						    sizeof(addr->ip.in),
						    &addr->ip.in);
		else
			ok = l_genl_msg_append_attr(msg, MPTCP_PM_ADDR_ATTR_ADDR6,
						    sizeof(addr->ip.in6),
						    &addr->ip.in6);
	}
	if (ok && addr && (parts & ADDR_PART_PORT) && addr->port != 0)
		ok = append_u16(msg, MPTCP_PM_ADDR_ATTR_PORT, addr->port);
	if (ok && (parts & ADDR_PART_FLAGS))
		ok = append_u32(msg, MPTCP_PM_ADDR_ATTR_FLAGS, flags);
	if (ok && (parts & ADDR_PART_IFINDEX) && ifindex != 0)
		ok = l_genl_msg_append_attr(msg, MPTCP_PM_ADDR_ATTR_IF_IDX,
					    sizeof(ifindex), &ifindex);
	if (ok)
		ok = l_genl_msg_leave_nested(msg);
	return ok;
}

/* Unref msg and return NULL unless ok. */
static struct l_genl_msg *msg_or_null(struct l_genl_msg *msg, bool ok)
{
	if (ok)
		return msg;
	l_genl_msg_unref(msg);
	return NULL;
}

struct l_genl_msg *sf_pmcmd_announce(uint32_t token, const struct sf_addr *addr,
				     uint8_t id)
{
	struct l_genl_msg *msg;
	bool ok;

	if (!addr_valid(addr))
		return NULL;

	msg = l_genl_msg_new(MPTCP_PM_CMD_ANNOUNCE);
	ok = append_u32(msg, MPTCP_PM_ATTR_TOKEN, token) &&
	     append_addr(msg, MPTCP_PM_ATTR_ADDR, addr,
			 ADDR_PART_ID | ADDR_PART_PORT | ADDR_PART_FLAGS, id,
			 MPTCP_PM_ADDR_FLAG_SIGNAL, 0);
	return msg_or_null(msg, ok);
}

struct l_genl_msg *sf_pmcmd_remove(uint32_t token, uint8_t id)
{
	struct l_genl_msg *msg = l_genl_msg_new(MPTCP_PM_CMD_REMOVE);
	bool ok;

	ok = append_u32(msg, MPTCP_PM_ATTR_TOKEN, token) &&
	     append_u8(msg, MPTCP_PM_ATTR_LOC_ID, id);
	return msg_or_null(msg, ok);
}

struct l_genl_msg *sf_pmcmd_subflow_create(uint32_t token,
					   const struct sf_addr *local,
					   uint8_t loc_id, bool backup,
					   const struct sf_addr *remote)
{
	unsigned int local_parts = ADDR_PART_ID | ADDR_PART_PORT;
	struct l_genl_msg *msg;
	bool ok;

	if (!addr_valid(local) || !addr_valid(remote) || remote->port == 0)
		return NULL;

	if (backup)
		local_parts |= ADDR_PART_FLAGS;

	msg = l_genl_msg_new(MPTCP_PM_CMD_SUBFLOW_CREATE);
	ok = append_u32(msg, MPTCP_PM_ATTR_TOKEN, token) &&
	     append_addr(msg, MPTCP_PM_ATTR_ADDR, local, local_parts, loc_id,
			 MPTCP_PM_ADDR_FLAG_BACKUP, 0) &&
	     append_addr(msg, MPTCP_PM_ATTR_ADDR_REMOTE, remote,
			 ADDR_PART_PORT, 0, 0, 0);
	return msg_or_null(msg, ok);
}

struct l_genl_msg *sf_pmcmd_subflow_destroy(uint32_t token,
					    const struct sf_addr *local,
					    const struct sf_addr *remote)
{
	struct l_genl_msg *msg;
	bool ok;

	if (!addr_valid(local) || !addr_valid(remote) ||
	    local->port == 0 || remote->port == 0)
		return NULL;

	msg = l_genl_msg_new(MPTCP_PM_CMD_SUBFLOW_DESTROY);
	ok = append_u32(msg, MPTCP_PM_ATTR_TOKEN, token) &&
	     append_addr(msg, MPTCP_PM_ATTR_ADDR, local, ADDR_PART_PORT,
			 0, 0, 0) &&
	     append_addr(msg, MPTCP_PM_ATTR_ADDR_REMOTE, remote,
			 ADDR_PART_PORT, 0, 0, 0);
	return msg_or_null(msg, ok);
}

struct l_genl_msg *sf_pmcmd_subflow_set_backup(uint32_t token,
					       const struct sf_addr *local,
					       const struct sf_addr *remote,
					       bool backup)
{
	struct l_genl_msg *msg;
	bool ok;

	if (!addr_valid(local) || !addr_valid(remote))
		return NULL;

	msg = l_genl_msg_new(MPTCP_PM_CMD_SET_FLAGS);
	ok = append_u32(msg, MPTCP_PM_ATTR_TOKEN, token) &&
	     append_addr(msg, MPTCP_PM_ATTR_ADDR, local,
			 ADDR_PART_PORT | ADDR_PART_FLAGS, 0,
			 backup ? MPTCP_PM_ADDR_FLAG_BACKUP : 0, 0) &&
	     append_addr(msg, MPTCP_PM_ATTR_ADDR_REMOTE, remote,
			 ADDR_PART_PORT, 0, 0, 0);
	return msg_or_null(msg, ok);
}

struct l_genl_msg *sf_pmcmd_get_conn_addrs(uint32_t token)
{
	struct l_genl_msg *msg = l_genl_msg_new(MPTCP_PM_CMD_GET_ADDR);

	return msg_or_null(msg, append_u32(msg, MPTCP_PM_ATTR_TOKEN, token));
}

struct l_genl_msg *sf_pmcmd_endpoint_add(const struct sf_endpoint *ep)
{
	unsigned int parts = ADDR_PART_PORT | ADDR_PART_FLAGS | ADDR_PART_IFINDEX;
	struct l_genl_msg *msg;

	if (!ep || !addr_valid(&ep->addr))
		return NULL;

	if (ep->id != 0)
		parts |= ADDR_PART_ID;

	msg = l_genl_msg_new(MPTCP_PM_CMD_ADD_ADDR);
	return msg_or_null(msg, append_addr(msg, MPTCP_PM_ATTR_ADDR, &ep->addr,
					    parts, ep->id, ep->flags,
					    ep->ifindex));
}

struct l_genl_msg *sf_pmcmd_endpoint_del(uint8_t id)
{
	struct l_genl_msg *msg = l_genl_msg_new(MPTCP_PM_CMD_DEL_ADDR);

	return msg_or_null(msg, append_addr(msg, MPTCP_PM_ATTR_ADDR, NULL,
					    ADDR_PART_ID, id, 0, 0));
}

struct l_genl_msg *sf_pmcmd_endpoint_set_flags(uint8_t id, uint32_t flags)
{
	struct l_genl_msg *msg = l_genl_msg_new(MPTCP_PM_CMD_SET_FLAGS);

	return msg_or_null(msg, append_addr(msg, MPTCP_PM_ATTR_ADDR, NULL,
					    ADDR_PART_ID | ADDR_PART_FLAGS,
					    id, flags, 0));
}

struct l_genl_msg *sf_pmcmd_endpoint_dump(void)
{
	return l_genl_msg_new(MPTCP_PM_CMD_GET_ADDR);
}

struct l_genl_msg *sf_pmcmd_endpoint_flush(void)
{
	return l_genl_msg_new(MPTCP_PM_CMD_FLUSH_ADDRS);
}

struct l_genl_msg *sf_pmcmd_set_limits(const struct sf_pm_limits *limits)
{
	struct l_genl_msg *msg;
	bool ok;

	if (!limits)
		return NULL;

	msg = l_genl_msg_new(MPTCP_PM_CMD_SET_LIMITS);
	ok = append_u32(msg, MPTCP_PM_ATTR_RCV_ADD_ADDRS,
			limits->add_addr_accepted) &&
	     append_u32(msg, MPTCP_PM_ATTR_SUBFLOWS, limits->subflows);
	return msg_or_null(msg, ok);
}

struct l_genl_msg *sf_pmcmd_get_limits(void)
{
	return l_genl_msg_new(MPTCP_PM_CMD_GET_LIMITS);
}

/*
 * The end of the attributes that attr (fresh from l_genl_attr_init() or
 * l_genl_attr_recurse()) walks.
 */
static const char *attrs_end(const struct l_genl_attr *attr)
{
	return (const char *)attr->next_data + attr->next_len;
}

/*
 * l_genl_attr_next(), kept within [.., end). ELL 0.56 counts the bytes left
 * in an unsigned integer that wraps when the last attribute's length is not
 * a multiple of 4, and would then walk on past the message.
 */
static bool attr_next(struct l_genl_attr *attr, const char *end,
		      uint16_t *type, uint16_t *len, const void **data)
{
	if ((const char *)attr->next_data + NLA_HDRLEN > end)
		return false;
	return l_genl_attr_next(attr, type, len, data) &&
	       (const char *)*data + *len <= end;
}

/* Copy a fixed-size attribute payload; false when the length differs. */
static bool attr_get(uint16_t len, const void *data, void *out, size_t size)
{
	if (len != size)
		return false;
	memcpy(out, data, size);
	return true;
}

/* Decode the MPTCP_PM_ADDR_ATTR_* inside one address nest. */
static int endpoint_parse_nest(struct l_genl_attr *nest,
			       struct sf_endpoint *ret_ep)
{
	struct sf_endpoint ep = { .addr.family = AF_UNSPEC };
	bool has_family = false, has_v4 = false, has_v6 = false;
	const char *end = attrs_end(nest);
	struct in6_addr in6;
	struct in_addr in;
	uint16_t family = 0, type, len;
	const void *data;
	bool ok = true;

	while (ok && attr_next(nest, end, &type, &len, &data)) {
		switch (type & NLA_TYPE_MASK) {
		case MPTCP_PM_ADDR_ATTR_FAMILY:
			ok = attr_get(len, data, &family, sizeof(family));
			has_family = true;
			break;
		case MPTCP_PM_ADDR_ATTR_ID:
			ok = attr_get(len, data, &ep.id, sizeof(ep.id));
			break;
		case MPTCP_PM_ADDR_ATTR_ADDR4:
			ok = attr_get(len, data, &in, sizeof(in));
			has_v4 = true;
			break;
		case MPTCP_PM_ADDR_ATTR_ADDR6:
			ok = attr_get(len, data, &in6, sizeof(in6));
			has_v6 = true;
			break;
		case MPTCP_PM_ADDR_ATTR_PORT:
			ok = attr_get(len, data, &ep.addr.port,
				      sizeof(ep.addr.port));
			break;
		case MPTCP_PM_ADDR_ATTR_FLAGS:
			ok = attr_get(len, data, &ep.flags, sizeof(ep.flags));
			break;
		case MPTCP_PM_ADDR_ATTR_IF_IDX:
			ok = attr_get(len, data, &ep.ifindex,
				      sizeof(ep.ifindex));
			break;
		default:
			break;
		}
	}
	if (!ok || !has_family)
		return -EBADMSG;

	if (family == AF_INET && has_v4)
		ep.addr.ip.in = in;
	else if (family == AF_INET6 && has_v6)
		ep.addr.ip.in6 = in6;
	else
		return -EBADMSG;
	ep.addr.family = family;

	*ret_ep = ep;
	return 0;
}

int sf_pmcmd_parse_endpoint(struct l_genl_msg *msg, struct sf_endpoint *ret_ep)
{
	struct l_genl_attr attr, nest;
	uint16_t type, len;
	const void *data;
	const char *end;

	if (!msg || !ret_ep || !l_genl_attr_init(&attr, msg))
		return -EBADMSG;

	end = attrs_end(&attr);
	while (attr_next(&attr, end, &type, &len, &data)) {
		if ((type & NLA_TYPE_MASK) != MPTCP_PM_ATTR_ADDR)
			continue;
		if (!l_genl_attr_recurse(&attr, &nest))
			return -EBADMSG;
		return endpoint_parse_nest(&nest, ret_ep);
	}
	return -ENOMSG;
}

int sf_pmcmd_parse_limits(struct l_genl_msg *msg,
			  struct sf_pm_limits *ret_limits)
{
	struct sf_pm_limits limits = { 0 };
	bool has_subflows = false, has_accepted = false;
	struct l_genl_attr attr;
	uint16_t type, len;
	const void *data;
	const char *end;

	if (!msg || !ret_limits || !l_genl_attr_init(&attr, msg))
		return -EBADMSG;

	end = attrs_end(&attr);
	while (attr_next(&attr, end, &type, &len, &data)) {
		switch (type & NLA_TYPE_MASK) {
		case MPTCP_PM_ATTR_SUBFLOWS:
			if (!attr_get(len, data, &limits.subflows,
				      sizeof(limits.subflows)))
				return -EBADMSG;
			has_subflows = true;
			break;
		case MPTCP_PM_ATTR_RCV_ADD_ADDRS:
			if (!attr_get(len, data, &limits.add_addr_accepted,
				      sizeof(limits.add_addr_accepted)))
				return -EBADMSG;
			has_accepted = true;
			break;
		default:
			break;
		}
	}
	if (!has_subflows || !has_accepted)
		return -EBADMSG;

	*ret_limits = limits;
	return 0;
}
