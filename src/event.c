/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "event.h"
#include "util.h"

/*
 * How each known MPTCP_ATTR_* is checked: its libmnl type and, for binary
 * attributes, the exact payload length. An attribute of a known type whose
 * payload does not match makes the whole event malformed.
 */
static const struct {
	enum mnl_attr_data_type type;
	uint16_t len;
	uint32_t has;
} attr_policy[] = {
	[MPTCP_ATTR_TOKEN] = { MNL_TYPE_U32, 0, SF_EVENT_HAS_TOKEN },
	[MPTCP_ATTR_FAMILY] = { MNL_TYPE_U16, 0, SF_EVENT_HAS_FAMILY },
	[MPTCP_ATTR_LOC_ID] = { MNL_TYPE_U8, 0, SF_EVENT_HAS_LOC_ID },
	[MPTCP_ATTR_REM_ID] = { MNL_TYPE_U8, 0, SF_EVENT_HAS_REM_ID },
	[MPTCP_ATTR_SADDR4] = { MNL_TYPE_U32, 0, SF_EVENT_HAS_SADDR },
	[MPTCP_ATTR_SADDR6] = { MNL_TYPE_BINARY, 16, SF_EVENT_HAS_SADDR },
	[MPTCP_ATTR_DADDR4] = { MNL_TYPE_U32, 0, SF_EVENT_HAS_DADDR },
	[MPTCP_ATTR_DADDR6] = { MNL_TYPE_BINARY, 16, SF_EVENT_HAS_DADDR },
	[MPTCP_ATTR_SPORT] = { MNL_TYPE_U16, 0, SF_EVENT_HAS_SPORT },
	[MPTCP_ATTR_DPORT] = { MNL_TYPE_U16, 0, SF_EVENT_HAS_DPORT },
	[MPTCP_ATTR_BACKUP] = { MNL_TYPE_U8, 0, SF_EVENT_HAS_BACKUP },
	[MPTCP_ATTR_ERROR] = { MNL_TYPE_U8, 0, SF_EVENT_HAS_ERROR },
	[MPTCP_ATTR_FLAGS] = { MNL_TYPE_U16, 0, SF_EVENT_HAS_FLAGS },
	[MPTCP_ATTR_TIMEOUT] = { MNL_TYPE_U32, 0, SF_EVENT_HAS_TIMEOUT },
	[MPTCP_ATTR_IF_IDX] = { MNL_TYPE_U32, 0, SF_EVENT_HAS_IFINDEX },
	[MPTCP_ATTR_RESET_REASON] = { MNL_TYPE_U32, 0, SF_EVENT_HAS_RESET_REASON },
	[MPTCP_ATTR_RESET_FLAGS] = { MNL_TYPE_U32, 0, SF_EVENT_HAS_RESET_FLAGS },
	[MPTCP_ATTR_SERVER_SIDE] = { MNL_TYPE_U8, 0, SF_EVENT_HAS_SERVER_SIDE },
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

/* Store one validated attribute. Returns 0 or -EBADMSG. */
static int event_put_attr(struct sf_event *ev, const struct nlattr *attr)
{
	uint16_t type = mnl_attr_get_type(attr);
	int r;

	if (attr_policy[type].type == MNL_TYPE_BINARY)
		r = mnl_attr_validate2(attr, MNL_TYPE_BINARY,
				       attr_policy[type].len);
	else
		r = mnl_attr_validate(attr, attr_policy[type].type);
	if (r < 0)
		return -EBADMSG;

	/* The first of duplicate attributes wins, as in iproute2. */
	if (ev->has & attr_policy[type].has)
		return 0;
	ev->has |= attr_policy[type].has;

	switch (type) {
	case MPTCP_ATTR_TOKEN:
		ev->token = mnl_attr_get_u32(attr);
		break;
	case MPTCP_ATTR_FAMILY:
		ev->family = mnl_attr_get_u16(attr);
		break;
	case MPTCP_ATTR_LOC_ID:
		ev->loc_id = mnl_attr_get_u8(attr);
		break;
	case MPTCP_ATTR_REM_ID:
		ev->rem_id = mnl_attr_get_u8(attr);
		break;
	case MPTCP_ATTR_SADDR4:
		ev->saddr.family = AF_INET;
		memcpy(&ev->saddr.ip.in, mnl_attr_get_payload(attr), 4);
		break;
	case MPTCP_ATTR_SADDR6:
		ev->saddr.family = AF_INET6;
		memcpy(&ev->saddr.ip.in6, mnl_attr_get_payload(attr), 16);
		break;
	case MPTCP_ATTR_DADDR4:
		ev->daddr.family = AF_INET;
		memcpy(&ev->daddr.ip.in, mnl_attr_get_payload(attr), 4);
		break;
	case MPTCP_ATTR_DADDR6:
		ev->daddr.family = AF_INET6;
		memcpy(&ev->daddr.ip.in6, mnl_attr_get_payload(attr), 16);
		break;
	case MPTCP_ATTR_SPORT:
		ev->saddr.port = ntohs(mnl_attr_get_u16(attr));
		break;
	case MPTCP_ATTR_DPORT:
		ev->daddr.port = ntohs(mnl_attr_get_u16(attr));
		break;
	case MPTCP_ATTR_BACKUP:
		ev->backup = mnl_attr_get_u8(attr) != 0;
		break;
	case MPTCP_ATTR_ERROR:
		ev->error = mnl_attr_get_u8(attr);
		break;
	case MPTCP_ATTR_FLAGS:
		ev->flags = mnl_attr_get_u16(attr);
		break;
	case MPTCP_ATTR_TIMEOUT:
		ev->timeout = mnl_attr_get_u32(attr);
		break;
	case MPTCP_ATTR_IF_IDX:
		ev->ifindex = (int32_t)mnl_attr_get_u32(attr);
		break;
	case MPTCP_ATTR_RESET_REASON:
		ev->reset_reason = mnl_attr_get_u32(attr);
		break;
	case MPTCP_ATTR_RESET_FLAGS:
		ev->reset_flags = mnl_attr_get_u32(attr);
		break;
	case MPTCP_ATTR_SERVER_SIDE:
		ev->server_side = ev->server_side || mnl_attr_get_u8(attr) != 0;
		break;
	}
	return 0;
}

int sf_event_parse(const void *data, size_t len, struct sf_event *ret_event)
{
	const struct genlmsghdr *genl = data;
	const struct nlattr *attr;
	struct sf_event ev = { 0 };
	const void *payload;
	size_t payload_len;
	ptrdiff_t left;
	int r;

	if (!data || len < GENL_HDRLEN)
		return -EBADMSG;
	if (!event_type_known(genl->cmd))
		return -EOPNOTSUPP;

	ev.type = (enum sf_event_type)genl->cmd;
	payload = (const char *)data + GENL_HDRLEN;
	payload_len = len - GENL_HDRLEN;

	mnl_attr_for_each_payload(payload, payload_len) {
		uint16_t type = mnl_attr_get_type(attr);

		if (type >= SF_ARRAY_SIZE(attr_policy) ||
		    attr_policy[type].has == 0)
			continue;

		r = event_put_attr(&ev, attr);
		if (r < 0)
			return r;
	}

	/* Bytes left over that do not make a whole attribute: truncated. */
	left = (const char *)payload + payload_len - (const char *)attr;
	if (left > 0)
		return -EBADMSG;

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
