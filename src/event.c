/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "event.h"
#include "nlmsg.h"
#include "util.h"

/* How each MPTCP_ATTR_* we read is checked: a known attribute that does
 * not match makes the whole event malformed. */
static const struct sf_attr_policy attr_policy[MPTCP_ATTR_SERVER_SIDE + 1] = {
	[MPTCP_ATTR_TOKEN] = { MNL_TYPE_U32 },
	[MPTCP_ATTR_FAMILY] = { MNL_TYPE_U16 },
	[MPTCP_ATTR_LOC_ID] = { MNL_TYPE_U8 },
	[MPTCP_ATTR_REM_ID] = { MNL_TYPE_U8 },
	[MPTCP_ATTR_SADDR4] = { MNL_TYPE_U32 },
	[MPTCP_ATTR_SADDR6] = { MNL_TYPE_BINARY, 16 },
	[MPTCP_ATTR_DADDR4] = { MNL_TYPE_U32 },
	[MPTCP_ATTR_DADDR6] = { MNL_TYPE_BINARY, 16 },
	[MPTCP_ATTR_SPORT] = { MNL_TYPE_U16 },
	[MPTCP_ATTR_DPORT] = { MNL_TYPE_U16 },
	[MPTCP_ATTR_BACKUP] = { MNL_TYPE_U8 },
	[MPTCP_ATTR_ERROR] = { MNL_TYPE_U8 },
	[MPTCP_ATTR_FLAGS] = { MNL_TYPE_U16 },
	[MPTCP_ATTR_TIMEOUT] = { MNL_TYPE_U32 },
	[MPTCP_ATTR_IF_IDX] = { MNL_TYPE_U32 },
	[MPTCP_ATTR_RESET_REASON] = { MNL_TYPE_U32 },
	[MPTCP_ATTR_RESET_FLAGS] = { MNL_TYPE_U32 },
	[MPTCP_ATTR_SERVER_SIDE] = { MNL_TYPE_U8 },
};

static bool event_type_known(uint8_t cmd)
{
	switch ((enum sf_event_type)cmd) {
	case SF_EVENT_CREATED:
	case SF_EVENT_ESTABLISHED:
	case SF_EVENT_CLOSED:
	case SF_EVENT_ANNOUNCED:
	case SF_EVENT_REMOVED:
	case SF_EVENT_SUB_ESTABLISHED:
	case SF_EVENT_SUB_CLOSED:
	case SF_EVENT_SUB_PRIORITY:
	case SF_EVENT_LISTENER_CREATED:
	case SF_EVENT_LISTENER_CLOSED:
		return true;
	}
	return false;
}

/*
 * The address of v4 or v6 (either may be NULL) into addr: the one that
 * came first, as for any other duplicate. Returns whether there was one.
 */
static bool addr_from_attrs(const struct nlattr *v4, const struct nlattr *v6,
			    struct sf_addr *addr)
{
	if (v4 && (!v6 || v4 < v6)) {
		addr->family = AF_INET;
		memcpy(&addr->ip.in, mnl_attr_get_payload(v4), 4);
		return true;
	}
	if (v6) {
		addr->family = AF_INET6;
		memcpy(&addr->ip.in6, mnl_attr_get_payload(v6), 16);
		return true;
	}
	return false;
}

#define HAS(ev, bit, attr) ((attr) && ((ev)->has |= (bit), true))

int sf_event_parse(const void *data, size_t len, struct sf_event *ret_event)
{
	const struct nlattr *tb[SF_ARRAY_SIZE(attr_policy)] = { NULL };
	const struct genlmsghdr *genl = data;
	struct sf_event ev = { 0 };
	int r;

	if (!data || len < GENL_HDRLEN)
		return -EBADMSG;
	if (!event_type_known(genl->cmd))
		return -EOPNOTSUPP;

	r = sf_attr_parse_payload((const char *)data + GENL_HDRLEN,
				  len - GENL_HDRLEN, attr_policy,
				  SF_ARRAY_SIZE(attr_policy), tb);
	if (r < 0)
		return r;

	ev.type = (enum sf_event_type)genl->cmd;
	if (HAS(&ev, SF_EVENT_HAS_TOKEN, tb[MPTCP_ATTR_TOKEN]))
		ev.token = mnl_attr_get_u32(tb[MPTCP_ATTR_TOKEN]);
	if (HAS(&ev, SF_EVENT_HAS_FAMILY, tb[MPTCP_ATTR_FAMILY]))
		ev.family = mnl_attr_get_u16(tb[MPTCP_ATTR_FAMILY]);
	if (HAS(&ev, SF_EVENT_HAS_LOC_ID, tb[MPTCP_ATTR_LOC_ID]))
		ev.loc_id = mnl_attr_get_u8(tb[MPTCP_ATTR_LOC_ID]);
	if (HAS(&ev, SF_EVENT_HAS_REM_ID, tb[MPTCP_ATTR_REM_ID]))
		ev.rem_id = mnl_attr_get_u8(tb[MPTCP_ATTR_REM_ID]);
	if (addr_from_attrs(tb[MPTCP_ATTR_SADDR4], tb[MPTCP_ATTR_SADDR6],
			    &ev.saddr))
		ev.has |= SF_EVENT_HAS_SADDR;
	if (addr_from_attrs(tb[MPTCP_ATTR_DADDR4], tb[MPTCP_ATTR_DADDR6],
			    &ev.daddr))
		ev.has |= SF_EVENT_HAS_DADDR;
	if (HAS(&ev, SF_EVENT_HAS_SPORT, tb[MPTCP_ATTR_SPORT]))
		ev.saddr.port = ntohs(mnl_attr_get_u16(tb[MPTCP_ATTR_SPORT]));
	if (HAS(&ev, SF_EVENT_HAS_DPORT, tb[MPTCP_ATTR_DPORT]))
		ev.daddr.port = ntohs(mnl_attr_get_u16(tb[MPTCP_ATTR_DPORT]));
	if (HAS(&ev, SF_EVENT_HAS_BACKUP, tb[MPTCP_ATTR_BACKUP]))
		ev.backup = mnl_attr_get_u8(tb[MPTCP_ATTR_BACKUP]) != 0;
	if (HAS(&ev, SF_EVENT_HAS_ERROR, tb[MPTCP_ATTR_ERROR]))
		ev.error = mnl_attr_get_u8(tb[MPTCP_ATTR_ERROR]);
	if (HAS(&ev, SF_EVENT_HAS_FLAGS, tb[MPTCP_ATTR_FLAGS]))
		ev.flags = mnl_attr_get_u16(tb[MPTCP_ATTR_FLAGS]);
	if (HAS(&ev, SF_EVENT_HAS_TIMEOUT, tb[MPTCP_ATTR_TIMEOUT]))
		ev.timeout = mnl_attr_get_u32(tb[MPTCP_ATTR_TIMEOUT]);
	if (HAS(&ev, SF_EVENT_HAS_IFINDEX, tb[MPTCP_ATTR_IF_IDX]))
		ev.ifindex = (int32_t)mnl_attr_get_u32(tb[MPTCP_ATTR_IF_IDX]);
	if (HAS(&ev, SF_EVENT_HAS_RESET_REASON, tb[MPTCP_ATTR_RESET_REASON]))
		ev.reset_reason = mnl_attr_get_u32(tb[MPTCP_ATTR_RESET_REASON]);
	if (HAS(&ev, SF_EVENT_HAS_RESET_FLAGS, tb[MPTCP_ATTR_RESET_FLAGS]))
		ev.reset_flags = mnl_attr_get_u32(tb[MPTCP_ATTR_RESET_FLAGS]);
	if (HAS(&ev, SF_EVENT_HAS_SERVER_SIDE, tb[MPTCP_ATTR_SERVER_SIDE]))
		ev.server_side = mnl_attr_get_u8(tb[MPTCP_ATTR_SERVER_SIDE]) != 0;

	if ((ev.has & SF_EVENT_HAS_FLAGS) &&
	    (ev.flags & MPTCP_PM_EV_FLAG_SERVER_SIDE)) {
		ev.server_side = true;
		ev.has |= SF_EVENT_HAS_SERVER_SIDE;
	}

	*ret_event = ev;
	return 0;
}

const char *sf_event_type_name(enum sf_event_type type)
{
	switch (type) {
	case SF_EVENT_CREATED:
		return "created";
	case SF_EVENT_ESTABLISHED:
		return "established";
	case SF_EVENT_CLOSED:
		return "closed";
	case SF_EVENT_ANNOUNCED:
		return "announced";
	case SF_EVENT_REMOVED:
		return "removed";
	case SF_EVENT_SUB_ESTABLISHED:
		return "sub_established";
	case SF_EVENT_SUB_CLOSED:
		return "sub_closed";
	case SF_EVENT_SUB_PRIORITY:
		return "sub_priority";
	case SF_EVENT_LISTENER_CREATED:
		return "listener_created";
	case SF_EVENT_LISTENER_CLOSED:
		return "listener_closed";
	}
	return NULL;
}

/* The label iproute2 6.1 prints, NULL where it prints "[UNKNOWN n]". */
static const char *event_monitor_label(enum sf_event_type type)
{
	switch (type) {
	case SF_EVENT_CREATED:
		return "CREATED";
	case SF_EVENT_ESTABLISHED:
		return "ESTABLISHED";
	case SF_EVENT_CLOSED:
		return "CLOSED";
	case SF_EVENT_ANNOUNCED:
		return "ANNOUNCED";
	case SF_EVENT_REMOVED:
		return "REMOVED";
	case SF_EVENT_SUB_ESTABLISHED:
		return "SF_ESTABLISHED";
	case SF_EVENT_SUB_CLOSED:
		return "SF_CLOSED";
	case SF_EVENT_SUB_PRIORITY:
		return "SF_PRIO";
	case SF_EVENT_LISTENER_CREATED:
	case SF_EVENT_LISTENER_CLOSED:
		/* iproute2 6.1 predates listener events. */
		return NULL;
	}
	return NULL;
}

/* An snprintf() that appends at *pos and never moves past size - 1. */
__attribute__((format(printf, 4, 5)))
static void buf_append(char *buf, size_t size, size_t *pos,
		       const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos + 1 >= size)
		return;

	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, size - *pos, fmt, ap);
	va_end(ap);

	if (n < 0)
		return;
	if ((size_t)n >= size - *pos)
		*pos = size - 1;
	else
		*pos += (size_t)n;
}

static void buf_append_ip(char *buf, size_t size, size_t *pos,
			  const char *key, const struct sf_addr *addr)
{
	char ip[SF_ADDR_STRLEN];

	if (addr->family == AF_INET || addr->family == AF_INET6)
		buf_append(buf, size, pos, " %s=%s", key,
			   sf_addr_to_str(addr, false, ip));
}

int sf_event_format(const struct sf_event *ev, char *buf, size_t size)
{
	bool has_saddr = ev->has & SF_EVENT_HAS_SADDR;
	bool has_daddr = ev->has & SF_EVENT_HAS_DADDR;
	const char *label;
	size_t pos = 0;

	if (size == 0)
		return 0;
	buf[0] = '\0';

	label = event_monitor_label(ev->type);
	if (!label) {
		buf_append(buf, size, &pos, "[UNKNOWN %u]", (unsigned int)ev->type);
		return (int)pos;
	}

	/* Field order, names and number formats are iproute2 6.1's. */
	buf_append(buf, size, &pos, "[%14s]", label);
	if (ev->has & SF_EVENT_HAS_TOKEN)
		buf_append(buf, size, &pos, " token=%08x", ev->token);
	if (ev->has & SF_EVENT_HAS_REM_ID)
		buf_append(buf, size, &pos, " remid=%u", ev->rem_id);
	if (ev->has & SF_EVENT_HAS_LOC_ID)
		buf_append(buf, size, &pos, " locid=%u", ev->loc_id);
	if (has_saddr && ev->saddr.family == AF_INET)
		buf_append_ip(buf, size, &pos, "saddr4", &ev->saddr);
	if (has_daddr && ev->daddr.family == AF_INET)
		buf_append_ip(buf, size, &pos, "daddr4", &ev->daddr);
	if (has_saddr && ev->saddr.family == AF_INET6)
		buf_append_ip(buf, size, &pos, "saddr6", &ev->saddr);
	if (has_daddr && ev->daddr.family == AF_INET6)
		buf_append_ip(buf, size, &pos, "daddr6", &ev->daddr);
	if (ev->has & SF_EVENT_HAS_SPORT)
		buf_append(buf, size, &pos, " sport=%u", ev->saddr.port);
	if (ev->has & SF_EVENT_HAS_DPORT)
		buf_append(buf, size, &pos, " dport=%u", ev->daddr.port);
	if (ev->has & SF_EVENT_HAS_BACKUP)
		buf_append(buf, size, &pos, " backup=%d", ev->backup ? 1 : 0);
	if (ev->has & SF_EVENT_HAS_ERROR)
		buf_append(buf, size, &pos, " error=%d", ev->error);
	if (ev->has & SF_EVENT_HAS_FLAGS)
		buf_append(buf, size, &pos, " flags=%x", ev->flags);
	if (ev->has & SF_EVENT_HAS_TIMEOUT)
		buf_append(buf, size, &pos, " timeout=%u", ev->timeout);
	if (ev->has & SF_EVENT_HAS_IFINDEX)
		buf_append(buf, size, &pos, " ifindex=%d", ev->ifindex);
	if (ev->has & SF_EVENT_HAS_RESET_REASON)
		buf_append(buf, size, &pos, " reset_reason=%u", ev->reset_reason);
	if (ev->has & SF_EVENT_HAS_RESET_FLAGS)
		buf_append(buf, size, &pos, " reset_flags=0x%x", ev->reset_flags);

	return (int)pos;
}

static bool unmap(struct sf_addr *addr)
{
	struct in_addr in;

	if (addr->family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&addr->ip.in6))
		return false;

	memcpy(&in, &addr->ip.in6.s6_addr[12], sizeof(in));
	addr->family = AF_INET;
	addr->ip.in6 = (struct in6_addr) { 0 };
	addr->ip.in = in;
	return true;
}

void sf_event_unmap_v4(struct sf_event *ev)
{
	bool s = ev->has & SF_EVENT_HAS_SADDR && unmap(&ev->saddr);
	bool d = ev->has & SF_EVENT_HAS_DADDR && unmap(&ev->daddr);

	if ((s || d) && ev->family == AF_INET6)
		ev->family = AF_INET;
}
