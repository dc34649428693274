/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "event.h"
#include "unit.h"

/*
 * Events captured from Linux 6.18 with tests/tools/sf-evdump -x in two
 * network namespaces (client "a", server "b"; 10.0.1.0/24, 10.0.2.0/24,
 * fd00:1::/64, fd00:2::/64), with in-kernel and userspace path managers.
 * Each vector is the genetlink payload (genlmsghdr + attributes) and is
 * paired with the line `ip mptcp monitor` (iproute2 6.1) printed for the
 * very same event.
 */
struct vector {
	const char *name;
	const uint8_t *data;
	size_t len;
	const char *line;
};

static const uint8_t ev_created_v4_server[] = {
	0x01, 0x01, 0x00, 0x00, /* genl: cmd 1, version 1 */
	0x08, 0x00, 0x01, 0x00, 0x1f, 0xf3, 0xc4, 0x47, /* token, len 8 */
	0x05, 0x00, 0x12, 0x00, 0x01, 0x00, 0x00, 0x00, /* server_side, len 5 */
	0x06, 0x00, 0x0d, 0x00, 0x02, 0x00, 0x00, 0x00, /* flags, len 6 */
	0x06, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, /* family, len 6 */
	0x08, 0x00, 0x05, 0x00, 0x0a, 0x00, 0x01, 0x02, /* saddr4, len 8 */
	0x08, 0x00, 0x07, 0x00, 0x0a, 0x00, 0x01, 0x01, /* daddr4, len 8 */
	0x06, 0x00, 0x09, 0x00, 0x13, 0x88, 0x00, 0x00, /* sport (be16), len 6 */
	0x06, 0x00, 0x0a, 0x00, 0xd3, 0xdc, 0x00, 0x00, /* dport (be16), len 6 */
	0x05, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, /* loc_id, len 5 */
	0x05, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, /* rem_id, len 5 */
};

static const uint8_t ev_established_v4[] = {
	0x02, 0x01, 0x00, 0x00, /* genl: cmd 2, version 1 */
	0x08, 0x00, 0x01, 0x00, 0xb3, 0x19, 0x0b, 0xe2, /* token, len 8 */
	0x06, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, /* family, len 6 */
	0x08, 0x00, 0x05, 0x00, 0x0a, 0x00, 0x01, 0x01, /* saddr4, len 8 */
	0x08, 0x00, 0x07, 0x00, 0x0a, 0x00, 0x01, 0x02, /* daddr4, len 8 */
	0x06, 0x00, 0x09, 0x00, 0xd3, 0xdc, 0x00, 0x00, /* sport (be16), len 6 */
	0x06, 0x00, 0x0a, 0x00, 0x13, 0x88, 0x00, 0x00, /* dport (be16), len 6 */
	0x05, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, /* loc_id, len 5 */
	0x05, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, /* rem_id, len 5 */
};

static const uint8_t ev_closed_client[] = {
	0x03, 0x01, 0x00, 0x00, /* genl: cmd 3, version 1 */
	0x08, 0x00, 0x01, 0x00, 0xb3, 0x19, 0x0b, 0xe2, /* token, len 8 */
};

static const uint8_t ev_announced_v4[] = {
	0x06, 0x01, 0x00, 0x00, /* genl: cmd 6, version 1 */
	0x08, 0x00, 0x01, 0x00, 0xb3, 0x19, 0x0b, 0xe2, /* token, len 8 */
	0x05, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00, /* rem_id, len 5 */
	0x06, 0x00, 0x0a, 0x00, 0x13, 0x88, 0x00, 0x00, /* dport (be16), len 6 */
	0x08, 0x00, 0x07, 0x00, 0x0a, 0x00, 0x02, 0x02, /* daddr4, len 8 */
};

static const uint8_t ev_removed_announced_v4[] = {
	0x07, 0x01, 0x00, 0x00, /* genl: cmd 7, version 1 */
	0x08, 0x00, 0x01, 0x00, 0xb3, 0x19, 0x0b, 0xe2, /* token, len 8 */
	0x05, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00, /* rem_id, len 5 */
};

static const uint8_t ev_sub_established_v4_ifindex[] = {
	0x0a, 0x01, 0x00, 0x00, /* genl: cmd 10, version 1 */
	0x08, 0x00, 0x01, 0x00, 0x1e, 0xe8, 0x0f, 0xd5, /* token, len 8 */
	0x06, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, /* family, len 6 */
	0x08, 0x00, 0x05, 0x00, 0x0a, 0x00, 0x02, 0x01, /* saddr4, len 8 */
	0x08, 0x00, 0x07, 0x00, 0x0a, 0x00, 0x02, 0x02, /* daddr4, len 8 */
	0x06, 0x00, 0x09, 0x00, 0xa1, 0x01, 0x00, 0x00, /* sport (be16), len 6 */
	0x06, 0x00, 0x0a, 0x00, 0x13, 0x88, 0x00, 0x00, /* dport (be16), len 6 */
	0x05, 0x00, 0x03, 0x00, 0x07, 0x00, 0x00, 0x00, /* loc_id, len 5 */
	0x05, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00, /* rem_id, len 5 */
	0x05, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, /* backup, len 5 */
	0x08, 0x00, 0x0f, 0x00, 0x03, 0x00, 0x00, 0x00, /* if_idx, len 8 */
};

static const uint8_t ev_sub_closed_v4_error[] = {
	0x0b, 0x01, 0x00, 0x00, /* genl: cmd 11, version 1 */
	0x08, 0x00, 0x01, 0x00, 0xb3, 0x19, 0x0b, 0xe2, /* token, len 8 */
	0x06, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, /* family, len 6 */
	0x08, 0x00, 0x05, 0x00, 0x0a, 0x00, 0x02, 0x01, /* saddr4, len 8 */
	0x08, 0x00, 0x07, 0x00, 0x0a, 0x00, 0x02, 0x02, /* daddr4, len 8 */
	0x06, 0x00, 0x09, 0x00, 0x9a, 0x07, 0x00, 0x00, /* sport (be16), len 6 */
	0x06, 0x00, 0x0a, 0x00, 0x13, 0x88, 0x00, 0x00, /* dport (be16), len 6 */
	0x05, 0x00, 0x03, 0x00, 0x07, 0x00, 0x00, 0x00, /* loc_id, len 5 */
	0x05, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00, /* rem_id, len 5 */
	0x05, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, /* backup, len 5 */
	0x05, 0x00, 0x0c, 0x00, 0x6f, 0x00, 0x00, 0x00, /* error, len 5 */
};

static const uint8_t ev_sub_priority_v4[] = {
	0x0d, 0x01, 0x00, 0x00, /* genl: cmd 13, version 1 */
	0x08, 0x00, 0x01, 0x00, 0x1f, 0xf3, 0xc4, 0x47, /* token, len 8 */
	0x06, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, /* family, len 6 */
	0x08, 0x00, 0x05, 0x00, 0x0a, 0x00, 0x01, 0x02, /* saddr4, len 8 */
	0x08, 0x00, 0x07, 0x00, 0x0a, 0x00, 0x02, 0x01, /* daddr4, len 8 */
	0x06, 0x00, 0x09, 0x00, 0x13, 0x88, 0x00, 0x00, /* sport (be16), len 6 */
	0x06, 0x00, 0x0a, 0x00, 0x86, 0x57, 0x00, 0x00, /* dport (be16), len 6 */
	0x05, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, /* loc_id, len 5 */
	0x05, 0x00, 0x04, 0x00, 0x07, 0x00, 0x00, 0x00, /* rem_id, len 5 */
	0x05, 0x00, 0x0b, 0x00, 0x01, 0x00, 0x00, 0x00, /* backup, len 5 */
};

static const uint8_t ev_listener_created_v4[] = {
	0x0f, 0x01, 0x00, 0x00, /* genl: cmd 15, version 1 */
	0x06, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, /* family, len 6 */
	0x06, 0x00, 0x09, 0x00, 0x13, 0x88, 0x00, 0x00, /* sport (be16), len 6 */
	0x08, 0x00, 0x05, 0x00, 0x0a, 0x00, 0x01, 0x02, /* saddr4, len 8 */
};

static const uint8_t ev_listener_closed_v4[] = {
	0x10, 0x01, 0x00, 0x00, /* genl: cmd 16, version 1 */
	0x06, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, /* family, len 6 */
	0x06, 0x00, 0x09, 0x00, 0x13, 0x88, 0x00, 0x00, /* sport (be16), len 6 */
	0x08, 0x00, 0x05, 0x00, 0x0a, 0x00, 0x01, 0x02, /* saddr4, len 8 */
};

static const uint8_t ev_created_v6[] = {
	0x01, 0x01, 0x00, 0x00, /* genl: cmd 1, version 1 */
	0x08, 0x00, 0x01, 0x00, 0x0d, 0x77, 0xb6, 0xaf, /* token, len 8 */
	0x06, 0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x00, /* family, len 6 */
	0x14, 0x00, 0x06, 0x00, /* saddr6, len 20 */
	0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x14, 0x00, 0x08, 0x00, /* daddr6, len 20 */
	0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x06, 0x00, 0x09, 0x00, 0xce, 0xe0, 0x00, 0x00, /* sport (be16), len 6 */
	0x06, 0x00, 0x0a, 0x00, 0x13, 0x88, 0x00, 0x00, /* dport (be16), len 6 */
	0x05, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, /* loc_id, len 5 */
	0x05, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, /* rem_id, len 5 */
};

static const uint8_t ev_established_v6_server[] = {
	0x02, 0x01, 0x00, 0x00, /* genl: cmd 2, version 1 */
	0x08, 0x00, 0x01, 0x00, 0x4c, 0x47, 0x65, 0x73, /* token, len 8 */
	0x05, 0x00, 0x12, 0x00, 0x01, 0x00, 0x00, 0x00, /* server_side, len 5 */
	0x06, 0x00, 0x0d, 0x00, 0x02, 0x00, 0x00, 0x00, /* flags, len 6 */
	0x06, 0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x00, /* family, len 6 */
	0x14, 0x00, 0x06, 0x00, /* saddr6, len 20 */
	0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x14, 0x00, 0x08, 0x00, /* daddr6, len 20 */
	0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x06, 0x00, 0x09, 0x00, 0x13, 0x88, 0x00, 0x00, /* sport (be16), len 6 */
	0x06, 0x00, 0x0a, 0x00, 0xce, 0xe0, 0x00, 0x00, /* dport (be16), len 6 */
	0x05, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, /* loc_id, len 5 */
	0x05, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, /* rem_id, len 5 */
};

static const uint8_t ev_closed_server[] = {
	0x03, 0x01, 0x00, 0x00, /* genl: cmd 3, version 1 */
	0x08, 0x00, 0x01, 0x00, 0x4c, 0x47, 0x65, 0x73, /* token, len 8 */
};

static const uint8_t ev_announced_v6[] = {
	0x06, 0x01, 0x00, 0x00, /* genl: cmd 6, version 1 */
	0x08, 0x00, 0x01, 0x00, 0x0d, 0x77, 0xb6, 0xaf, /* token, len 8 */
	0x05, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00, /* rem_id, len 5 */
	0x06, 0x00, 0x0a, 0x00, 0x13, 0x88, 0x00, 0x00, /* dport (be16), len 6 */
	0x14, 0x00, 0x08, 0x00, /* daddr6, len 20 */
	0xfd, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
};

static const uint8_t ev_removed_announced_v6[] = {
	0x07, 0x01, 0x00, 0x00, /* genl: cmd 7, version 1 */
	0x08, 0x00, 0x01, 0x00, 0x0d, 0x77, 0xb6, 0xaf, /* token, len 8 */
	0x05, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00, /* rem_id, len 5 */
};

static const uint8_t ev_sub_established_v6[] = {
	0x0a, 0x01, 0x00, 0x00, /* genl: cmd 10, version 1 */
	0x08, 0x00, 0x01, 0x00, 0x0d, 0x77, 0xb6, 0xaf, /* token, len 8 */
	0x06, 0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x00, /* family, len 6 */
	0x14, 0x00, 0x06, 0x00, /* saddr6, len 20 */
	0xfd, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x14, 0x00, 0x08, 0x00, /* daddr6, len 20 */
	0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x06, 0x00, 0x09, 0x00, 0x9d, 0x6d, 0x00, 0x00, /* sport (be16), len 6 */
	0x06, 0x00, 0x0a, 0x00, 0x13, 0x88, 0x00, 0x00, /* dport (be16), len 6 */
	0x05, 0x00, 0x03, 0x00, 0x07, 0x00, 0x00, 0x00, /* loc_id, len 5 */
	0x05, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, /* rem_id, len 5 */
	0x05, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, /* backup, len 5 */
};

static const uint8_t ev_sub_closed_v6_error[] = {
	0x0b, 0x01, 0x00, 0x00, /* genl: cmd 11, version 1 */
	0x08, 0x00, 0x01, 0x00, 0x0d, 0x77, 0xb6, 0xaf, /* token, len 8 */
	0x06, 0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x00, /* family, len 6 */
	0x14, 0x00, 0x06, 0x00, /* saddr6, len 20 */
	0xfd, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x14, 0x00, 0x08, 0x00, /* daddr6, len 20 */
	0xfd, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x06, 0x00, 0x09, 0x00, 0x8b, 0xa9, 0x00, 0x00, /* sport (be16), len 6 */
	0x06, 0x00, 0x0a, 0x00, 0x13, 0x88, 0x00, 0x00, /* dport (be16), len 6 */
	0x05, 0x00, 0x03, 0x00, 0x07, 0x00, 0x00, 0x00, /* loc_id, len 5 */
	0x05, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00, /* rem_id, len 5 */
	0x05, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, /* backup, len 5 */
	0x05, 0x00, 0x0c, 0x00, 0x6f, 0x00, 0x00, 0x00, /* error, len 5 */
};

static const uint8_t ev_sub_priority_v6[] = {
	0x0d, 0x01, 0x00, 0x00, /* genl: cmd 13, version 1 */
	0x08, 0x00, 0x01, 0x00, 0x4c, 0x47, 0x65, 0x73, /* token, len 8 */
	0x06, 0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x00, /* family, len 6 */
	0x14, 0x00, 0x06, 0x00, /* saddr6, len 20 */
	0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x14, 0x00, 0x08, 0x00, /* daddr6, len 20 */
	0xfd, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x06, 0x00, 0x09, 0x00, 0x13, 0x88, 0x00, 0x00, /* sport (be16), len 6 */
	0x06, 0x00, 0x0a, 0x00, 0x9d, 0x6d, 0x00, 0x00, /* dport (be16), len 6 */
	0x05, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, /* loc_id, len 5 */
	0x05, 0x00, 0x04, 0x00, 0x07, 0x00, 0x00, 0x00, /* rem_id, len 5 */
	0x05, 0x00, 0x0b, 0x00, 0x01, 0x00, 0x00, 0x00, /* backup, len 5 */
};

static const uint8_t ev_listener_created_v6[] = {
	0x0f, 0x01, 0x00, 0x00, /* genl: cmd 15, version 1 */
	0x06, 0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x00, /* family, len 6 */
	0x06, 0x00, 0x09, 0x00, 0x13, 0x88, 0x00, 0x00, /* sport (be16), len 6 */
	0x14, 0x00, 0x06, 0x00, /* saddr6, len 20 */
	0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
};

static const uint8_t ev_listener_closed_v6[] = {
	0x10, 0x01, 0x00, 0x00, /* genl: cmd 16, version 1 */
	0x06, 0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x00, /* family, len 6 */
	0x06, 0x00, 0x09, 0x00, 0x13, 0x88, 0x00, 0x00, /* sport (be16), len 6 */
	0x14, 0x00, 0x06, 0x00, /* saddr6, len 20 */
	0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
};

static const struct vector vectors[] = {
	{ "created_v4_server", ev_created_v4_server, sizeof(ev_created_v4_server),
	  "[       CREATED] token=47c4f31f remid=0 locid=0 saddr4=10.0.1.2 daddr4=10.0.1.1 sport=5000 dport=54236 flags=2" },
	{ "established_v4", ev_established_v4, sizeof(ev_established_v4),
	  "[   ESTABLISHED] token=e20b19b3 remid=0 locid=0 saddr4=10.0.1.1 daddr4=10.0.1.2 sport=54236 dport=5000" },
	{ "closed_client", ev_closed_client, sizeof(ev_closed_client),
	  "[        CLOSED] token=e20b19b3" },
	{ "announced_v4", ev_announced_v4, sizeof(ev_announced_v4),
	  "[     ANNOUNCED] token=e20b19b3 remid=5 daddr4=10.0.2.2 dport=5000" },
	{ "removed_announced_v4", ev_removed_announced_v4, sizeof(ev_removed_announced_v4),
	  "[       REMOVED] token=e20b19b3 remid=5" },
	{ "sub_established_v4_ifindex", ev_sub_established_v4_ifindex, sizeof(ev_sub_established_v4_ifindex),
	  "[SF_ESTABLISHED] token=d50fe81e remid=5 locid=7 saddr4=10.0.2.1 daddr4=10.0.2.2 sport=41217 dport=5000 backup=0 ifindex=3" },
	{ "sub_closed_v4_error", ev_sub_closed_v4_error, sizeof(ev_sub_closed_v4_error),
	  "[     SF_CLOSED] token=e20b19b3 remid=5 locid=7 saddr4=10.0.2.1 daddr4=10.0.2.2 sport=39431 dport=5000 backup=0 error=111" },
	{ "sub_priority_v4", ev_sub_priority_v4, sizeof(ev_sub_priority_v4),
	  "[       SF_PRIO] token=47c4f31f remid=7 locid=0 saddr4=10.0.1.2 daddr4=10.0.2.1 sport=5000 dport=34391 backup=1" },
	{ "listener_created_v4", ev_listener_created_v4, sizeof(ev_listener_created_v4),
	  "[UNKNOWN 15]" },
	{ "listener_closed_v4", ev_listener_closed_v4, sizeof(ev_listener_closed_v4),
	  "[UNKNOWN 16]" },
	{ "created_v6", ev_created_v6, sizeof(ev_created_v6),
	  "[       CREATED] token=afb6770d remid=0 locid=0 saddr6=fd00:1::1 daddr6=fd00:1::2 sport=52960 dport=5000" },
	{ "established_v6_server", ev_established_v6_server, sizeof(ev_established_v6_server),
	  "[   ESTABLISHED] token=7365474c remid=0 locid=0 saddr6=fd00:1::2 daddr6=fd00:1::1 sport=5000 dport=52960 flags=2" },
	{ "closed_server", ev_closed_server, sizeof(ev_closed_server),
	  "[        CLOSED] token=7365474c" },
	{ "announced_v6", ev_announced_v6, sizeof(ev_announced_v6),
	  "[     ANNOUNCED] token=afb6770d remid=5 daddr6=fd00:2::2 dport=5000" },
	{ "removed_announced_v6", ev_removed_announced_v6, sizeof(ev_removed_announced_v6),
	  "[       REMOVED] token=afb6770d remid=5" },
	{ "sub_established_v6", ev_sub_established_v6, sizeof(ev_sub_established_v6),
	  "[SF_ESTABLISHED] token=afb6770d remid=0 locid=7 saddr6=fd00:2::1 daddr6=fd00:1::2 sport=40301 dport=5000 backup=0" },
	{ "sub_closed_v6_error", ev_sub_closed_v6_error, sizeof(ev_sub_closed_v6_error),
	  "[     SF_CLOSED] token=afb6770d remid=5 locid=7 saddr6=fd00:2::1 daddr6=fd00:2::2 sport=35753 dport=5000 backup=0 error=111" },
	{ "sub_priority_v6", ev_sub_priority_v6, sizeof(ev_sub_priority_v6),
	  "[       SF_PRIO] token=7365474c remid=7 locid=0 saddr6=fd00:1::2 daddr6=fd00:2::1 sport=5000 dport=40301 backup=1" },
	{ "listener_created_v6", ev_listener_created_v6, sizeof(ev_listener_created_v6),
	  "[UNKNOWN 15]" },
	{ "listener_closed_v6", ev_listener_closed_v6, sizeof(ev_listener_closed_v6),
	  "[UNKNOWN 16]" },
};

static struct sf_event parse_ok(const uint8_t *data, size_t len)
{
	struct sf_event ev;

	memset(&ev, 0xa5, sizeof(ev));
	ck_assert_int_eq(sf_event_parse(data, len, &ev), 0);
	return ev;
}

static void assert_addr(const struct sf_addr *a, const char *ip, uint16_t port)
{
	char buf[SF_ADDR_STRLEN];

	ck_assert_str_eq(sf_addr_to_str(a, false, buf), ip);
	ck_assert_uint_eq(a->port, port);
}

START_TEST(captured_event_formats_exactly_like_ip_mptcp_monitor)
{
	const struct vector *v = &vectors[_i];
	struct sf_event ev = parse_ok(v->data, v->len);
	char line[256];
	int n;

	n = sf_event_format(&ev, line, sizeof(line));
	ck_assert_msg(strcmp(line, v->line) == 0, "%s:\n got  '%s'\n want '%s'",
		      v->name, line, v->line);
	ck_assert_int_eq(n, (int)strlen(v->line));
}
END_TEST

START_TEST(server_created_v4_decodes_every_field)
{
	struct sf_event ev = parse_ok(ev_created_v4_server,
				      sizeof(ev_created_v4_server));

	ck_assert_int_eq(ev.type, SF_EVENT_CREATED);
	ck_assert_uint_eq(ev.has, SF_EVENT_HAS_TOKEN | SF_EVENT_HAS_FAMILY |
			  SF_EVENT_HAS_LOC_ID | SF_EVENT_HAS_REM_ID |
			  SF_EVENT_HAS_SADDR | SF_EVENT_HAS_DADDR |
			  SF_EVENT_HAS_SPORT | SF_EVENT_HAS_DPORT |
			  SF_EVENT_HAS_FLAGS | SF_EVENT_HAS_SERVER_SIDE);
	ck_assert_uint_eq(ev.token, 0x47c4f31f);
	ck_assert_uint_eq(ev.family, AF_INET);
	ck_assert_uint_eq(ev.loc_id, 0);
	ck_assert_uint_eq(ev.rem_id, 0);
	ck_assert_uint_eq(ev.saddr.family, AF_INET);
	assert_addr(&ev.saddr, "10.0.1.2", 5000);
	assert_addr(&ev.daddr, "10.0.1.1", 54236);
	ck_assert_uint_eq(ev.flags, MPTCP_PM_EV_FLAG_SERVER_SIDE);
	ck_assert(ev.server_side);
	ck_assert(!ev.backup);
}
END_TEST

START_TEST(client_created_v6_is_not_server_side)
{
	struct sf_event ev = parse_ok(ev_created_v6, sizeof(ev_created_v6));

	ck_assert_int_eq(ev.type, SF_EVENT_CREATED);
	ck_assert_uint_eq(ev.token, 0xafb6770d);
	ck_assert_uint_eq(ev.family, AF_INET6);
	ck_assert_uint_eq(ev.saddr.family, AF_INET6);
	ck_assert_uint_eq(ev.daddr.family, AF_INET6);
	assert_addr(&ev.saddr, "fd00:1::1", 52960);
	assert_addr(&ev.daddr, "fd00:1::2", 5000);
	ck_assert(!ev.server_side);
	ck_assert_uint_eq(ev.has & (SF_EVENT_HAS_SERVER_SIDE |
				    SF_EVENT_HAS_FLAGS), 0);
}
END_TEST

START_TEST(closed_carries_only_the_token)
{
	struct sf_event ev = parse_ok(ev_closed_client, sizeof(ev_closed_client));

	ck_assert_int_eq(ev.type, SF_EVENT_CLOSED);
	ck_assert_uint_eq(ev.has, SF_EVENT_HAS_TOKEN);
	ck_assert_uint_eq(ev.token, 0xe20b19b3);
	ck_assert_uint_eq(ev.saddr.family, AF_UNSPEC);
	ck_assert_uint_eq(ev.daddr.family, AF_UNSPEC);
}
END_TEST

START_TEST(announced_has_remote_address_and_port_only)
{
	struct sf_event ev = parse_ok(ev_announced_v6, sizeof(ev_announced_v6));

	ck_assert_int_eq(ev.type, SF_EVENT_ANNOUNCED);
	ck_assert_uint_eq(ev.has, SF_EVENT_HAS_TOKEN | SF_EVENT_HAS_REM_ID |
			  SF_EVENT_HAS_DADDR | SF_EVENT_HAS_DPORT);
	ck_assert_uint_eq(ev.rem_id, 5);
	assert_addr(&ev.daddr, "fd00:2::2", 5000);
}
END_TEST

START_TEST(removed_has_token_and_remote_id)
{
	struct sf_event ev = parse_ok(ev_removed_announced_v4,
				      sizeof(ev_removed_announced_v4));

	ck_assert_int_eq(ev.type, SF_EVENT_REMOVED);
	ck_assert_uint_eq(ev.has, SF_EVENT_HAS_TOKEN | SF_EVENT_HAS_REM_ID);
	ck_assert_uint_eq(ev.rem_id, 5);
}
END_TEST

START_TEST(sub_established_on_bound_endpoint_has_ifindex)
{
	struct sf_event ev = parse_ok(ev_sub_established_v4_ifindex,
				      sizeof(ev_sub_established_v4_ifindex));

	ck_assert_int_eq(ev.type, SF_EVENT_SUB_ESTABLISHED);
	ck_assert(ev.has & SF_EVENT_HAS_IFINDEX);
	ck_assert_int_eq(ev.ifindex, 3);
	ck_assert_uint_eq(ev.loc_id, 7);
	ck_assert_uint_eq(ev.rem_id, 5);
	assert_addr(&ev.saddr, "10.0.2.1", 41217);
	assert_addr(&ev.daddr, "10.0.2.2", 5000);
	ck_assert(ev.has & SF_EVENT_HAS_BACKUP);
	ck_assert(!ev.backup);
}
END_TEST

START_TEST(sub_closed_carries_socket_error)
{
	struct sf_event ev = parse_ok(ev_sub_closed_v6_error,
				      sizeof(ev_sub_closed_v6_error));

	ck_assert_int_eq(ev.type, SF_EVENT_SUB_CLOSED);
	ck_assert(ev.has & SF_EVENT_HAS_ERROR);
	ck_assert_uint_eq(ev.error, ECONNREFUSED);
	ck_assert(!(ev.has & SF_EVENT_HAS_IFINDEX));
}
END_TEST

START_TEST(sub_priority_carries_backup)
{
	struct sf_event ev = parse_ok(ev_sub_priority_v4,
				      sizeof(ev_sub_priority_v4));

	ck_assert_int_eq(ev.type, SF_EVENT_SUB_PRIORITY);
	ck_assert(ev.has & SF_EVENT_HAS_BACKUP);
	ck_assert(ev.backup);
	ck_assert_uint_eq(ev.rem_id, 7);
}
END_TEST

START_TEST(listener_events_have_local_address_and_port)
{
	struct sf_event ev = parse_ok(ev_listener_created_v6,
				      sizeof(ev_listener_created_v6));

	ck_assert_int_eq(ev.type, SF_EVENT_LISTENER_CREATED);
	ck_assert_uint_eq(ev.has, SF_EVENT_HAS_FAMILY | SF_EVENT_HAS_SADDR |
			  SF_EVENT_HAS_SPORT);
	assert_addr(&ev.saddr, "fd00:1::2", 5000);

	ev = parse_ok(ev_listener_closed_v4, sizeof(ev_listener_closed_v4));
	ck_assert_int_eq(ev.type, SF_EVENT_LISTENER_CLOSED);
	assert_addr(&ev.saddr, "10.0.1.2", 5000);
}
END_TEST

/* CREATED of a server-side connection as a kernel with only the flag sends. */
static const uint8_t ev_created_flags_only[] = {
	0x01, 0x01, 0x00, 0x00,				/* genl: CREATED */
	0x08, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,	/* token 1 */
	0x06, 0x00, 0x0d, 0x00, 0x02, 0x00, 0x00, 0x00,	/* flags SERVER_SIDE */
};

/* The same as a kernel with only the deprecated attribute sends. */
static const uint8_t ev_created_attr_only[] = {
	0x01, 0x01, 0x00, 0x00,				/* genl: CREATED */
	0x08, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,	/* token 1 */
	0x05, 0x00, 0x12, 0x00, 0x01, 0x00, 0x00, 0x00,	/* server_side 1 */
};

START_TEST(server_side_comes_from_flag_or_deprecated_attribute)
{
	struct sf_event ev;

	ev = parse_ok(ev_created_flags_only, sizeof(ev_created_flags_only));
	ck_assert(ev.server_side);
	ck_assert(ev.has & SF_EVENT_HAS_SERVER_SIDE);

	ev = parse_ok(ev_created_attr_only, sizeof(ev_created_attr_only));
	ck_assert(ev.server_side);
	ck_assert(ev.has & SF_EVENT_HAS_SERVER_SIDE);
	ck_assert(!(ev.has & SF_EVENT_HAS_FLAGS));
}
END_TEST

/* REMOVED with an attribute from a future kernel (type 99) in the middle. */
static const uint8_t ev_removed_unknown_attr[] = {
	0x07, 0x01, 0x00, 0x00,				/* genl: REMOVED */
	0x08, 0x00, 0x01, 0x00, 0x0d, 0x77, 0xb6, 0xaf,	/* token */
	0x0c, 0x00, 0x63, 0x00,				/* attr 99, len 12 */
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
	0x05, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00,	/* rem_id 5 */
	0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,	/* attr 0 (unspec) */
};

START_TEST(unknown_attributes_are_skipped)
{
	struct sf_event ev = parse_ok(ev_removed_unknown_attr,
				      sizeof(ev_removed_unknown_attr));
	char line[128];

	ck_assert_uint_eq(ev.has, SF_EVENT_HAS_TOKEN | SF_EVENT_HAS_REM_ID);
	sf_event_format(&ev, line, sizeof(line));
	ck_assert_str_eq(line, "[       REMOVED] token=afb6770d remid=5");
}
END_TEST

static const uint8_t ev_unknown_type[] = {
	0x04, 0x01, 0x00, 0x00,				/* genl: cmd 4 */
	0x08, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,	/* token */
};

START_TEST(unknown_event_type_is_not_supported)
{
	static const uint8_t cmds[] = { 0, 4, 5, 8, 9, 12, 14, 17, 255 };
	uint8_t buf[sizeof(ev_unknown_type)];
	struct sf_event ev;
	size_t i;

	memcpy(buf, ev_unknown_type, sizeof(buf));
	for (i = 0; i < sizeof(cmds); i++) {
		buf[0] = cmds[i];
		ck_assert_int_eq(sf_event_parse(buf, sizeof(buf), &ev),
				 -EOPNOTSUPP);
	}
}
END_TEST

START_TEST(truncated_genl_header_is_malformed)
{
	struct sf_event ev;
	size_t len;

	for (len = 0; len < 4; len++)
		ck_assert_int_eq(sf_event_parse(ev_closed_client, len, &ev),
				 -EBADMSG);
	ck_assert_int_eq(sf_event_parse(NULL, 0, &ev), -EBADMSG);
}
END_TEST

START_TEST(truncated_attribute_is_malformed)
{
	size_t len = sizeof(ev_sub_established_v6);
	struct sf_event ev;

	/* Cut inside the last attribute's payload and inside a header. */
	ck_assert_int_eq(sf_event_parse(ev_sub_established_v6, len - 4, &ev),
			 -EBADMSG);
	ck_assert_int_eq(sf_event_parse(ev_sub_established_v6, len - 6, &ev),
			 -EBADMSG);
	/* Inside saddr6: header present, 16-byte payload cut short. */
	ck_assert_int_eq(sf_event_parse(ev_sub_established_v6, 4 + 8 + 8 + 10,
					&ev), -EBADMSG);
	/* Only the final attribute's alignment padding missing: accepted. */
	ck_assert_int_eq(sf_event_parse(ev_sub_established_v6, len - 3, &ev), 0);
}
END_TEST

static const uint8_t ev_short_token[] = {
	0x03, 0x01, 0x00, 0x00,				/* genl: CLOSED */
	0x06, 0x00, 0x01, 0x00, 0x01, 0x02, 0x00, 0x00,	/* token, 2 bytes */
};

static const uint8_t ev_short_saddr6[] = {
	0x0f, 0x01, 0x00, 0x00,				/* genl: LISTENER_CREATED */
	0x08, 0x00, 0x06, 0x00, 0xfd, 0x00, 0x00, 0x01,	/* saddr6, 4 bytes */
};

static const uint8_t ev_long_saddr4[] = {
	0x0f, 0x01, 0x00, 0x00,				/* genl: LISTENER_CREATED */
	0x0c, 0x00, 0x05, 0x00,				/* saddr4, 8 bytes */
	0x0a, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t ev_long_port[] = {
	0x0f, 0x01, 0x00, 0x00,				/* genl: LISTENER_CREATED */
	0x08, 0x00, 0x09, 0x00, 0x13, 0x88, 0x00, 0x00,	/* sport, 4 bytes */
};

static const uint8_t ev_long_loc_id[] = {
	0x0a, 0x01, 0x00, 0x00,				/* genl: SUB_ESTABLISHED */
	0x06, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,	/* loc_id, 2 bytes */
};

static const uint8_t ev_attr_len_below_header[] = {
	0x03, 0x01, 0x00, 0x00,				/* genl: CLOSED */
	0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,	/* nla_len 2 */
};

START_TEST(known_attribute_with_wrong_length_is_malformed)
{
	struct sf_event ev;

	ck_assert_int_eq(sf_event_parse(ev_short_token, sizeof(ev_short_token),
					&ev), -EBADMSG);
	ck_assert_int_eq(sf_event_parse(ev_short_saddr6,
					sizeof(ev_short_saddr6), &ev), -EBADMSG);
	ck_assert_int_eq(sf_event_parse(ev_long_saddr4, sizeof(ev_long_saddr4),
					&ev), -EBADMSG);
	ck_assert_int_eq(sf_event_parse(ev_long_port, sizeof(ev_long_port),
					&ev), -EBADMSG);
	ck_assert_int_eq(sf_event_parse(ev_long_loc_id, sizeof(ev_long_loc_id),
					&ev), -EBADMSG);
	ck_assert_int_eq(sf_event_parse(ev_attr_len_below_header,
					sizeof(ev_attr_len_below_header), &ev),
			 -EBADMSG);
}
END_TEST

static const uint8_t ev_duplicate_token[] = {
	0x03, 0x01, 0x00, 0x00,				/* genl: CLOSED */
	0x08, 0x00, 0x01, 0x00, 0x11, 0x11, 0x11, 0x11,	/* token 11111111 */
	0x08, 0x00, 0x01, 0x00, 0x22, 0x22, 0x22, 0x22,	/* token 22222222 */
};

START_TEST(first_of_duplicate_attributes_wins_like_iproute2)
{
	struct sf_event ev = parse_ok(ev_duplicate_token,
				      sizeof(ev_duplicate_token));

	ck_assert_uint_eq(ev.token, 0x11111111);
}
END_TEST

/*
 * SUB_CLOSED after an MP_TCPRST (not captured: no scenario here made the
 * kernel see one): the client's captured v4 SUB_ESTABLISHED turned into a
 * SUB_CLOSED plus the two attributes the kernel appends when the peer's
 * reset carried a reason (RESET_REASON, then RESET_FLAGS, both u32).
 */
static const uint8_t ev_sub_closed_reset[] = {
	0x0b, 0x01, 0x00, 0x00,				/* genl: SUB_CLOSED */
	0x08, 0x00, 0x01, 0x00, 0xb3, 0x19, 0x0b, 0xe2,	/* token */
	0x06, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00,	/* family AF_INET */
	0x08, 0x00, 0x05, 0x00, 0x0a, 0x00, 0x02, 0x01,	/* saddr4 10.0.2.1 */
	0x08, 0x00, 0x07, 0x00, 0x0a, 0x00, 0x01, 0x02,	/* daddr4 10.0.1.2 */
	0x06, 0x00, 0x09, 0x00, 0x86, 0x57, 0x00, 0x00,	/* sport 34391 */
	0x06, 0x00, 0x0a, 0x00, 0x13, 0x88, 0x00, 0x00,	/* dport 5000 */
	0x05, 0x00, 0x03, 0x00, 0x07, 0x00, 0x00, 0x00,	/* loc_id 7 */
	0x05, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,	/* rem_id 0 */
	0x05, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00,	/* backup 0 */
	0x08, 0x00, 0x10, 0x00, 0x02, 0x00, 0x00, 0x00,	/* reset_reason 2 */
	0x08, 0x00, 0x11, 0x00, 0x01, 0x00, 0x00, 0x00,	/* reset_flags 1 */
};

START_TEST(reset_reason_and_flags_are_decoded_and_printed)
{
	struct sf_event ev = parse_ok(ev_sub_closed_reset,
				      sizeof(ev_sub_closed_reset));
	char line[256];

	ck_assert(ev.has & SF_EVENT_HAS_RESET_REASON);
	ck_assert(ev.has & SF_EVENT_HAS_RESET_FLAGS);
	ck_assert_uint_eq(ev.reset_reason, MPTCP_RST_ERESOURCE);
	ck_assert_uint_eq(ev.reset_flags, 1);
	sf_event_format(&ev, line, sizeof(line));
	ck_assert_str_eq(line, "[     SF_CLOSED] token=e20b19b3 remid=0 locid=7 "
			 "saddr4=10.0.2.1 daddr4=10.0.1.2 sport=34391 "
			 "dport=5000 backup=0 reset_reason=2 reset_flags=0x1");
}
END_TEST

START_TEST(format_prints_every_field_in_iproute2_order)
{
	struct sf_event ev = {
		.type = SF_EVENT_SUB_CLOSED,
		.has = SF_EVENT_HAS_TOKEN | SF_EVENT_HAS_REM_ID |
		       SF_EVENT_HAS_LOC_ID | SF_EVENT_HAS_SADDR |
		       SF_EVENT_HAS_DADDR | SF_EVENT_HAS_SPORT |
		       SF_EVENT_HAS_DPORT | SF_EVENT_HAS_BACKUP |
		       SF_EVENT_HAS_ERROR | SF_EVENT_HAS_FLAGS |
		       SF_EVENT_HAS_TIMEOUT | SF_EVENT_HAS_IFINDEX |
		       SF_EVENT_HAS_RESET_REASON | SF_EVENT_HAS_RESET_FLAGS |
		       SF_EVENT_HAS_SERVER_SIDE | SF_EVENT_HAS_FAMILY,
		.token = 0xab, .rem_id = 2, .loc_id = 1, .backup = true,
		.error = 104, .flags = 0x3, .timeout = 120, .ifindex = -1,
		.reset_reason = 6, .reset_flags = 0x10, .server_side = true,
		.family = AF_INET6,
	};
	char line[256];

	ck_assert_int_eq(sf_addr_parse("2001:db8::1", &ev.saddr), 0);
	ck_assert_int_eq(sf_addr_parse("2001:db8::2", &ev.daddr), 0);
	ev.saddr.port = 1;
	ev.daddr.port = 65535;
	sf_event_format(&ev, line, sizeof(line));
	ck_assert_str_eq(line, "[     SF_CLOSED] token=000000ab remid=2 locid=1 "
			 "saddr6=2001:db8::1 daddr6=2001:db8::2 sport=1 "
			 "dport=65535 backup=1 error=104 flags=3 timeout=120 "
			 "ifindex=-1 reset_reason=6 reset_flags=0x10");
}
END_TEST

START_TEST(format_truncates_and_terminates)
{
	struct sf_event ev = parse_ok(ev_closed_client, sizeof(ev_closed_client));
	char line[10];

	memset(line, 'x', sizeof(line));
	ck_assert_int_eq(sf_event_format(&ev, line, sizeof(line)), 9);
	ck_assert_str_eq(line, "[        ");
	ck_assert_int_eq(sf_event_format(&ev, line, 0), 0);
	ck_assert_int_eq(sf_event_format(&ev, line, 1), 0);
	ck_assert_str_eq(line, "");
}
END_TEST

START_TEST(type_names_are_lowercase_kernel_names)
{
	ck_assert_str_eq(sf_event_type_name(SF_EVENT_CREATED), "created");
	ck_assert_str_eq(sf_event_type_name(SF_EVENT_ESTABLISHED), "established");
	ck_assert_str_eq(sf_event_type_name(SF_EVENT_CLOSED), "closed");
	ck_assert_str_eq(sf_event_type_name(SF_EVENT_ANNOUNCED), "announced");
	ck_assert_str_eq(sf_event_type_name(SF_EVENT_REMOVED), "removed");
	ck_assert_str_eq(sf_event_type_name(SF_EVENT_SUB_ESTABLISHED),
			 "sub_established");
	ck_assert_str_eq(sf_event_type_name(SF_EVENT_SUB_CLOSED), "sub_closed");
	ck_assert_str_eq(sf_event_type_name(SF_EVENT_SUB_PRIORITY),
			 "sub_priority");
	ck_assert_str_eq(sf_event_type_name(SF_EVENT_LISTENER_CREATED),
			 "listener_created");
	ck_assert_str_eq(sf_event_type_name(SF_EVENT_LISTENER_CLOSED),
			 "listener_closed");
	ck_assert_ptr_null(sf_event_type_name((enum sf_event_type)4));
}
END_TEST

START_TEST(ipv4_mapped_addresses_become_ipv4)
{
	struct sf_event ev = {
		.type = SF_EVENT_ESTABLISHED,
		.family = AF_INET6,
		.has = SF_EVENT_HAS_FAMILY | SF_EVENT_HAS_SADDR |
		       SF_EVENT_HAS_DADDR,
	};
	struct sf_addr want_s, want_d, v6;

	ck_assert_int_eq(sf_addr_parse("::ffff:10.0.1.1", &ev.saddr), 0);
	ck_assert_int_eq(sf_addr_parse("::ffff:10.0.1.2", &ev.daddr), 0);
	ev.saddr.port = 40000;
	ck_assert_int_eq(sf_addr_parse("10.0.1.1", &want_s), 0);
	ck_assert_int_eq(sf_addr_parse("10.0.1.2", &want_d), 0);
	want_s.port = 40000;

	sf_event_unmap_v4(&ev);
	ck_assert_int_eq(ev.family, AF_INET);
	ck_assert(sf_addr_equal(&ev.saddr, &want_s));
	ck_assert(sf_addr_equal(&ev.daddr, &want_d));

	/* Real IPv6 stays as it is. */
	ev.family = AF_INET6;
	ck_assert_int_eq(sf_addr_parse("fd00:1::1", &ev.saddr), 0);
	ck_assert_int_eq(sf_addr_parse("fd00:1::2", &ev.daddr), 0);
	v6 = ev.saddr;
	sf_event_unmap_v4(&ev);
	ck_assert_int_eq(ev.family, AF_INET6);
	ck_assert(sf_addr_equal(&ev.saddr, &v6));
}
END_TEST

static Suite *event_suite(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, captured_event_formats_exactly_like_ip_mptcp_monitor,
			    0, (int)(sizeof(vectors) / sizeof(vectors[0])));
	tcase_add_test(tc, server_created_v4_decodes_every_field);
	tcase_add_test(tc, client_created_v6_is_not_server_side);
	tcase_add_test(tc, closed_carries_only_the_token);
	tcase_add_test(tc, announced_has_remote_address_and_port_only);
	tcase_add_test(tc, removed_has_token_and_remote_id);
	tcase_add_test(tc, sub_established_on_bound_endpoint_has_ifindex);
	tcase_add_test(tc, sub_closed_carries_socket_error);
	tcase_add_test(tc, sub_priority_carries_backup);
	tcase_add_test(tc, listener_events_have_local_address_and_port);
	tcase_add_test(tc, server_side_comes_from_flag_or_deprecated_attribute);
	tcase_add_test(tc, unknown_attributes_are_skipped);
	tcase_add_test(tc, unknown_event_type_is_not_supported);
	tcase_add_test(tc, truncated_genl_header_is_malformed);
	tcase_add_test(tc, truncated_attribute_is_malformed);
	tcase_add_test(tc, known_attribute_with_wrong_length_is_malformed);
	tcase_add_test(tc, first_of_duplicate_attributes_wins_like_iproute2);
	tcase_add_test(tc, reset_reason_and_flags_are_decoded_and_printed);
	tcase_add_test(tc, format_prints_every_field_in_iproute2_order);
	tcase_add_test(tc, format_truncates_and_terminates);
	tcase_add_test(tc, type_names_are_lowercase_kernel_names);
	tcase_add_test(tc, ipv4_mapped_addresses_become_ipv4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return sf_unit_run(event_suite());
}
