/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Codec: the kernel's mptcp_pm multicast events, decoded into one typed
 * struct. Pure: no I/O, no globals, no logging.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <subflowd/addr.h>

#include "mptcp_uapi.h"

/* Values are the kernel's MPTCP_EVENT_* numbers. */
enum sf_event_type {
	SF_EVENT_CREATED = MPTCP_EVENT_CREATED,
	SF_EVENT_ESTABLISHED = MPTCP_EVENT_ESTABLISHED,
	SF_EVENT_CLOSED = MPTCP_EVENT_CLOSED,
	SF_EVENT_ANNOUNCED = MPTCP_EVENT_ANNOUNCED,
	SF_EVENT_REMOVED = MPTCP_EVENT_REMOVED,
	SF_EVENT_SUB_ESTABLISHED = MPTCP_EVENT_SUB_ESTABLISHED,
	SF_EVENT_SUB_CLOSED = MPTCP_EVENT_SUB_CLOSED,
	SF_EVENT_SUB_PRIORITY = MPTCP_EVENT_SUB_PRIORITY,
	SF_EVENT_LISTENER_CREATED = MPTCP_EVENT_LISTENER_CREATED,
	SF_EVENT_LISTENER_CLOSED = MPTCP_EVENT_LISTENER_CLOSED,
};

/* Presence bits for struct sf_event fields: an id or port of 0 is valid. */
enum sf_event_has {
	SF_EVENT_HAS_TOKEN = 1u << 0,
	SF_EVENT_HAS_FAMILY = 1u << 1,
	SF_EVENT_HAS_LOC_ID = 1u << 2,
	SF_EVENT_HAS_REM_ID = 1u << 3,
	SF_EVENT_HAS_SADDR = 1u << 4,
	SF_EVENT_HAS_DADDR = 1u << 5,
	SF_EVENT_HAS_SPORT = 1u << 6,
	SF_EVENT_HAS_DPORT = 1u << 7,
	SF_EVENT_HAS_BACKUP = 1u << 8,
	SF_EVENT_HAS_ERROR = 1u << 9,
	SF_EVENT_HAS_FLAGS = 1u << 10,
	SF_EVENT_HAS_TIMEOUT = 1u << 11,
	SF_EVENT_HAS_IFINDEX = 1u << 12,
	SF_EVENT_HAS_RESET_REASON = 1u << 13,
	SF_EVENT_HAS_RESET_FLAGS = 1u << 14,
	SF_EVENT_HAS_SERVER_SIDE = 1u << 15,
};

/*
 * One decoded event. saddr/daddr carry sport/dport in their .port when
 * present. server_side is true when either the deprecated SERVER_SIDE
 * attribute or the SERVER_SIDE bit of flags says so.
 */
struct sf_event {
	enum sf_event_type type;
	uint32_t has;			/* enum sf_event_has bits */
	uint32_t token;
	uint16_t family;
	uint8_t loc_id;
	uint8_t rem_id;
	struct sf_addr saddr;
	struct sf_addr daddr;
	bool backup;
	uint8_t error;
	uint16_t flags;			/* MPTCP_PM_EV_FLAG_* */
	uint32_t timeout;
	int32_t ifindex;
	uint32_t reset_reason;
	uint32_t reset_flags;
	bool server_side;
};

/*
 * Decode one genetlink message payload: data points at the struct
 * genlmsghdr, len covers it and its attributes (i.e. the nlmsg payload).
 * Returns 0; -EBADMSG for a truncated header or a malformed attribute of a
 * known type; -EOPNOTSUPP for an event type not in enum sf_event_type.
 * Unknown attribute types are skipped.
 */
int sf_event_parse(const void *data, size_t len, struct sf_event *ret_event);

/* "created", "sub_established", ...; NULL for an unknown value. */
const char *sf_event_type_name(enum sf_event_type type);

/*
 * One line in the same format as `ip mptcp monitor` (iproute2 6.1) prints
 * the event, without the trailing newline, e.g.
 * "[       CREATED] token=1a2b3c4d remid=0 locid=0 saddr4=10.0.1.1 ...".
 * Returns the length written (truncated to size, always NUL-terminated).
 */
int sf_event_format(const struct sf_event *ev, char *buf, size_t size);

/*
 * A connection on an AF_INET6 socket that talks IPv4 (a dual-stack
 * listener, or a client that connected to ::ffff:a.b.c.d) is reported with
 * IPv4-mapped IPv6 addresses. Make them plain IPv4 (and the family
 * AF_INET), as sock_diag's view is read: a path has one family, and
 * subflows from IPv4 addresses serve such a connection.
 */
void sf_event_unmap_v4(struct sf_event *event);
