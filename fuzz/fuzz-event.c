/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: the mptcp_pm event decoder and the monitor-line
 * formatter. Input: one genetlink payload (struct genlmsghdr, then the
 * attributes), as pm.c hands it to sf_event_parse().
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sf_event ev;
	char line[512];
	char tiny[16];
	int n;

	if (sf_event_parse(data, size, &ev) < 0)
		return 0;

	/* A decoded event always formats, whole or truncated, NUL-terminated. */
	n = sf_event_format(&ev, line, sizeof(line));
	if (n < 0 || (size_t)n >= sizeof(line) || strlen(line) != (size_t)n)
		abort();

	n = sf_event_format(&ev, tiny, sizeof(tiny));
	if (n < 0 || (size_t)n >= sizeof(tiny) || strlen(tiny) != (size_t)n ||
	    strncmp(line, tiny, (size_t)n) != 0)
		abort();

	if (sf_event_format(&ev, tiny, 0) != 0)
		abort();
	return 0;
}
