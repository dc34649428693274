/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The documented example and the load helpers the config tests share. */
#include <errno.h>
#include <string.h>

#include <check.h>

#include "config-fixture.h"

const char cf_design_example[] =
	"[core]\n"
	"mode = userspace          # userspace: per-connection control (needs pm_type=1)\n"
	"                          # kernel: manage in-kernel PM endpoints (like NetworkManager)\n"
	"policy = fullmesh         # default policy for new connections\n"
	"plugins =                 # empty: load every plugin in plugin-dir\n"
	"max-subflows = 8          # per connection, across all policies\n"
	"standby = open            # handover: open | on-demand\n"
	"control-group = subflowd  # may call mutating D-Bus methods\n"
	"log = journal\n"
	"\n"
	"[filter]                  # which local addresses are eligible at all\n"
	"exclude-interfaces = lo docker* veth* br-* virbr*\n"
	"include-interfaces =      # non-empty: only these (globs)\n"
	"skip-link-local = true\n"
	"skip-ula = false\n"
	"skip-temporary = true     # IPv6 privacy addresses (IFA_F_TEMPORARY)\n"
	"require-default-route = false\n"
	"\n"
	"[interface wlan0]         # per-interface policy, name or glob\n"
	"backup = false            # subflows on it carry the backup flag\n"
	"announce = true           # may be advertised to peers (privacy: set false)\n"
	"subflows = 1              # subflows per remote address from this interface\n"
	"enabled = true\n"
	"endpoint-flags = subflow  # kernel mode: flags of this address's endpoint\n"
	"                          # (subflow, signal, backup, fullmesh, laminar);\n"
	"                          # default from [core] endpoint-flags = subflow\n"
	"\n"
	"[rule video]              # per-connection policy; first match wins\n"
	"match-remote = 203.0.113.0/24 2001:db8::/32\n"
	"match-port = 443\n"
	"match-uid = 1000          # owner of the socket, from sock_diag\n"
	"match-cgroup = /system.slice/nginx.service\n"
	"policy = handover\n";

int cf_load(const char *text, struct sf_config **ret_config,
	    char *err, size_t err_size)
{
	return sf_config_load_data(CF_NAME, text, strlen(text), ret_config,
				   err, err_size);
}

void cf_check_error(const char *text, const char *expected)
{
	struct sf_config *config = NULL;
	char err[512] = "";
	int r;

	r = cf_load(text, &config, err, sizeof(err));
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_null(config);
	ck_assert_str_eq(err, expected);
}

struct sf_config *cf_load_ok(const char *text)
{
	struct sf_config *config = NULL;
	char err[512] = "unchanged";
	int r;

	r = cf_load(text, &config, err, sizeof(err));
	ck_assert_msg(r == 0, "load failed: %d %s", r, err);
	ck_assert_ptr_nonnull(config);
	ck_assert_str_eq(err, "");
	return config;
}

