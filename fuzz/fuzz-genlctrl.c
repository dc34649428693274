/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: the nlctrl CTRL_CMD_NEWFAMILY reply parsers. Input:
 * what one recv() returned (the parsers check the netlink header).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "genlctrl.h"
#include "mptcp_uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int r;

	r = sf_genlctrl_parse_group_id(data, size, MPTCP_PM_EV_GRP_NAME);
	/* An id (> 0) or a negative errno; never 0. */
	if (r == 0)
		abort();
	r = sf_genlctrl_parse_family_id(data, size);
	if (r == 0 || r > UINT16_MAX)
		abort();
	return 0;
}
