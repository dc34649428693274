/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the config unit tests (test-config, test-config-errors,
 * test-config-print): the documented example, and text loaded as if it
 * were the file CF_NAME.
 */
#pragma once

#include <stddef.h>

#include "config.h"

#define CF_NAME "test.conf"

/* The example of DESIGN.md, section "Config file", byte for byte. */
extern const char cf_design_example[];

/* sf_config_load_data() of text, named CF_NAME in messages. */
int cf_load(const char *text, struct sf_config **ret_config,
	    char *err, size_t err_size);
/* text loads, with an empty message; the caller frees the config. */
struct sf_config *cf_load_ok(const char *text);
/* text must be refused with -EINVAL and exactly this message. */
void cf_check_error(const char *text, const char *expected);
