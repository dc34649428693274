/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowd.conf(5) parsing: defaults, the documented example, every error
 * with its exact message, interface policy lookup, and print/load round
 * trips.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include "config.h"
#include "mptcp_uapi.h"
#include "util.h"

#define NAME "test.conf"

/* The example of DESIGN.md, section "Config file", byte for byte. */
static const char design_example[] =
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

static int load(const char *text, struct sf_config **ret_config,
		char *err, size_t err_size)
{
	return sf_config_load_data(NAME, text, strlen(text), ret_config,
				   err, err_size);
}

/* text must be refused with -EINVAL and exactly this message. */
static void check_error(const char *text, const char *expected)
{
	struct sf_config *config = NULL;
	char err[512] = "";
	int r;

	r = load(text, &config, err, sizeof(err));
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_null(config);
	ck_assert_str_eq(err, expected);
}

static struct sf_config *load_ok(const char *text)
{
	struct sf_config *config = NULL;
	char err[512] = "unchanged";
	int r;

	r = load(text, &config, err, sizeof(err));
	ck_assert_msg(r == 0, "load failed: %d %s", r, err);
	ck_assert_ptr_nonnull(config);
	ck_assert_str_eq(err, "");
	return config;
}

static char *print_to_string(const struct sf_config *config)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	sf_config_print(config, out);
	ck_assert_int_eq(fclose(out), 0);
	return text;
}

static void check_strv(char **strv, const char * const *expected)
{
	size_t i;

	for (i = 0; expected[i]; i++) {
		ck_assert_ptr_nonnull(strv);
		ck_assert_ptr_nonnull(strv[i]);
		ck_assert_str_eq(strv[i], expected[i]);
	}

	if (strv)
		ck_assert_ptr_null(strv[i]);
}

static void check_prefix(const struct sf_prefix *prefix, int family,
			 const char *addr, unsigned int len)
{
	char buf[INET6_ADDRSTRLEN];

	ck_assert_int_eq(prefix->addr.family, family);
	ck_assert_ptr_nonnull(inet_ntop(family, &prefix->addr.ip, buf,
					sizeof(buf)));
	ck_assert_str_eq(buf, addr);
	ck_assert_uint_eq(prefix->len, len);
}

static const char * const default_excludes[] = {
	"lo", "docker*", "veth*", "br-*", "virbr*", NULL
};

static void check_defaults(const struct sf_config *config)
{
	ck_assert_int_eq(config->mode, SF_MODE_USERSPACE);
	ck_assert_str_eq(config->policy, "fullmesh");
	ck_assert_ptr_null(config->plugins);
	ck_assert_uint_eq(config->max_subflows, 8);
	ck_assert_int_eq(config->standby, SF_STANDBY_OPEN);
	ck_assert_str_eq(config->control_group, "subflowd");
	ck_assert_int_eq(config->log, SF_LOG_JOURNAL);
	ck_assert_uint_eq(config->endpoint_flags, MPTCP_PM_ADDR_FLAG_SUBFLOW);

	check_strv(config->filter.exclude_interfaces, default_excludes);
	ck_assert_ptr_null(config->filter.include_interfaces);
	ck_assert(config->filter.skip_link_local);
	ck_assert(!config->filter.skip_ula);
	ck_assert(config->filter.skip_temporary);
	ck_assert(config->filter.skip_deprecated);
	ck_assert(!config->filter.require_default_route);

	ck_assert_uint_eq(l_queue_length(config->ifaces), 0);
	ck_assert_uint_eq(l_queue_length(config->rules), 0);
}

/* --- defaults and the documented example -------------------------------- */

START_TEST(test_new_defaults_match_design)
{
	struct sf_config *config = sf_config_new_defaults();

	check_defaults(config);
	ck_assert_ptr_null(config->path);
	sf_config_free(config);
}
END_TEST

START_TEST(test_empty_file_gives_defaults)
{
	struct sf_config *config = load_ok("");

	check_defaults(config);
	ck_assert_str_eq(config->path, NAME);
	sf_config_free(config);
}
END_TEST

START_TEST(test_comments_and_blank_lines_only_give_defaults)
{
	struct sf_config *config = load_ok("# comment\n"
					   "; another\n"
					   "   \t\n"
					   "   # indented comment\n"
					   "[core]  ; after a header\n");

	check_defaults(config);
	sf_config_free(config);
}
END_TEST

START_TEST(test_design_example_parses_as_is)
{
	struct sf_config *config = load_ok(design_example);
	const struct sf_config_iface *iface;
	const struct sf_config_rule *rule;

	ck_assert_int_eq(config->mode, SF_MODE_USERSPACE);
	ck_assert_str_eq(config->policy, "fullmesh");
	ck_assert_ptr_null(config->plugins);
	ck_assert_uint_eq(config->max_subflows, 8);
	ck_assert_int_eq(config->standby, SF_STANDBY_OPEN);
	ck_assert_str_eq(config->control_group, "subflowd");
	ck_assert_int_eq(config->log, SF_LOG_JOURNAL);
	ck_assert_uint_eq(config->endpoint_flags, MPTCP_PM_ADDR_FLAG_SUBFLOW);

	check_strv(config->filter.exclude_interfaces, default_excludes);
	ck_assert_ptr_null(config->filter.include_interfaces);
	ck_assert(config->filter.skip_link_local);
	ck_assert(!config->filter.skip_ula);
	ck_assert(config->filter.skip_temporary);
	ck_assert(config->filter.skip_deprecated);
	ck_assert(!config->filter.require_default_route);

	ck_assert_uint_eq(l_queue_length(config->ifaces), 1);
	iface = l_queue_peek_head(config->ifaces);
	ck_assert_str_eq(iface->pattern, "wlan0");
	ck_assert_uint_eq(iface->line, 19);
	ck_assert(!iface->policy.backup);
	ck_assert(iface->policy.announce);
	ck_assert_uint_eq(iface->policy.subflows, 1);
	ck_assert(iface->policy.enabled);
	ck_assert_uint_eq(iface->policy.endpoint_flags,
			  MPTCP_PM_ADDR_FLAG_SUBFLOW);

	ck_assert_uint_eq(l_queue_length(config->rules), 1);
	rule = l_queue_peek_head(config->rules);
	ck_assert_str_eq(rule->name, "video");
	ck_assert_uint_eq(rule->line, 28);
	ck_assert_uint_eq(rule->n_remotes, 2);
	check_prefix(&rule->remotes[0], AF_INET, "203.0.113.0", 24);
	check_prefix(&rule->remotes[1], AF_INET6, "2001:db8::", 32);
	ck_assert_uint_eq(rule->n_ports, 1);
	ck_assert_uint_eq(rule->ports[0], 443);
	ck_assert(rule->has_uid);
	ck_assert_uint_eq(rule->uid, 1000);
	ck_assert_str_eq(rule->cgroup, "/system.slice/nginx.service");
	ck_assert_str_eq(rule->policy, "handover");

	sf_config_free(config);
}
END_TEST

START_TEST(test_every_key_is_read)
{
	struct sf_config *config = load_ok(
		"[core]\n"
		"mode = kernel\n"
		"policy = endpoints\n"
		"plugins = endpoints, handover sspi\n"
		"max-subflows = 255\n"
		"standby = on-demand\n"
		"control-group = netadmin\n"
		"log = syslog\n"
		"endpoint-flags = signal backup laminar\n"
		"[filter]\n"
		"exclude-interfaces = lo wg*\n"
		"include-interfaces = eth* wlan?\n"
		"skip-link-local = false\n"
		"skip-ula = yes\n"
		"skip-temporary = off\n"
		"skip-deprecated = 0\n"
		"require-default-route = on\n");
	static const char * const plugins[] = {
		"endpoints", "handover", "sspi", NULL
	};
	static const char * const excludes[] = { "lo", "wg*", NULL };
	static const char * const includes[] = { "eth*", "wlan?", NULL };

	ck_assert_int_eq(config->mode, SF_MODE_KERNEL);
	ck_assert_str_eq(config->policy, "endpoints");
	check_strv(config->plugins, plugins);
	ck_assert_uint_eq(config->max_subflows, 255);
	ck_assert_int_eq(config->standby, SF_STANDBY_ON_DEMAND);
	ck_assert_str_eq(config->control_group, "netadmin");
	ck_assert_int_eq(config->log, SF_LOG_SYSLOG);
	ck_assert_uint_eq(config->endpoint_flags,
			  MPTCP_PM_ADDR_FLAG_SIGNAL | MPTCP_PM_ADDR_FLAG_BACKUP |
			  MPTCP_PM_ADDR_FLAG_LAMINAR);
	check_strv(config->filter.exclude_interfaces, excludes);
	check_strv(config->filter.include_interfaces, includes);
	ck_assert(!config->filter.skip_link_local);
	ck_assert(config->filter.skip_ula);
	ck_assert(!config->filter.skip_temporary);
	ck_assert(!config->filter.skip_deprecated);
	ck_assert(config->filter.require_default_route);
	sf_config_free(config);
}
END_TEST

START_TEST(test_laminar_is_bit_5)
{
	struct sf_config *config = load_ok("[core]\n"
					   "endpoint-flags = laminar\n");

	ck_assert_uint_eq(config->endpoint_flags, 1u << 5);
	sf_config_free(config);
}
END_TEST

START_TEST(test_empty_exclude_interfaces_overrides_default)
{
	struct sf_config *config = load_ok("[filter]\n"
					   "exclude-interfaces =   # lab: veth\n");

	ck_assert_ptr_null(config->filter.exclude_interfaces);
	sf_config_free(config);
}
END_TEST

START_TEST(test_inline_hash_without_blank_is_part_of_value)
{
	struct sf_config *config = load_ok("[core]\n"
					   "control-group = wheel#2 # comment\n"
					   "policy=sspi\t# after a tab\n");

	ck_assert_str_eq(config->control_group, "wheel#2");
	ck_assert_str_eq(config->policy, "sspi");
	sf_config_free(config);
}
END_TEST

START_TEST(test_crlf_line_endings_are_accepted)
{
	struct sf_config *config = load_ok("[core]\r\n"
					   "mode = kernel\r\n"
					   "[interface eth0]\r\n"
					   "subflows = 2\r\n");
	struct sf_iface_policy policy;

	ck_assert_int_eq(config->mode, SF_MODE_KERNEL);
	sf_config_iface_policy(config, "eth0", &policy);
	ck_assert_uint_eq(policy.subflows, 2);
	sf_config_free(config);
}
END_TEST

START_TEST(test_last_line_without_newline_is_read)
{
	struct sf_config *config = load_ok("[core]\nmax-subflows = 3");

	ck_assert_uint_eq(config->max_subflows, 3);
	sf_config_free(config);
}
END_TEST

START_TEST(test_iface_endpoint_flags_default_from_core_given_later)
{
	struct sf_config *config = load_ok("[interface eth0]\n"
					   "backup = true\n"
					   "[interface eth1]\n"
					   "endpoint-flags = subflow fullmesh\n"
					   "[core]\n"
					   "endpoint-flags = signal\n");
	const struct sf_config_iface *eth0 = l_queue_peek_head(config->ifaces);
	const struct sf_config_iface *eth1 = l_queue_peek_tail(config->ifaces);

	ck_assert_uint_eq(eth0->policy.endpoint_flags,
			  MPTCP_PM_ADDR_FLAG_SIGNAL);
	ck_assert_uint_eq(eth1->policy.endpoint_flags,
			  MPTCP_PM_ADDR_FLAG_SUBFLOW |
			  MPTCP_PM_ADDR_FLAG_FULLMESH);
	sf_config_free(config);
}
END_TEST

START_TEST(test_iface_section_defaults)
{
	struct sf_config *config = load_ok("[interface eth0]\n");
	const struct sf_config_iface *iface = l_queue_peek_head(config->ifaces);

	ck_assert_str_eq(iface->pattern, "eth0");
	ck_assert_uint_eq(iface->line, 1);
	ck_assert(!iface->policy.backup);
	ck_assert(iface->policy.announce);
	ck_assert(iface->policy.enabled);
	ck_assert_uint_eq(iface->policy.subflows, 1);
	ck_assert_uint_eq(iface->policy.endpoint_flags,
			  MPTCP_PM_ADDR_FLAG_SUBFLOW);
	ck_assert_uint_eq(iface->policy.priority, 100);
	sf_config_free(config);
}
END_TEST

START_TEST(test_iface_priority_is_read_and_defaults_to_100)
{
	struct sf_config *config = load_ok("[interface wwan*]\n"
					   "priority = 200\n"
					   "[interface eth0]\n"
					   "priority = 0\n");
	struct sf_iface_policy policy;

	sf_config_iface_policy(config, "wwan0", &policy);
	ck_assert_uint_eq(policy.priority, 200);
	sf_config_iface_policy(config, "eth0", &policy);
	ck_assert_uint_eq(policy.priority, 0);
	sf_config_iface_policy(config, "wlan0", &policy);
	ck_assert_uint_eq(policy.priority, 100);
	sf_config_free(config);
}
END_TEST

START_TEST(test_error_priority_out_of_range)
{
	check_error("[interface eth0]\npriority = 256\n",
		    "test.conf:2: [interface eth0] priority: 256 is out of "
		    "range (expected 0..255)");
	check_error("[interface eth0]\npriority = -1\n",
		    "test.conf:2: [interface eth0] priority: '-1' is not a "
		    "number (expected 0..255)");
}
END_TEST

START_TEST(test_iface_metered_is_read_and_defaults_to_false)
{
	struct sf_config *config = load_ok("[interface wwan*]\n"
					   "metered = yes\n"
					   "[interface eth0]\n"
					   "metered = false\n");
	struct sf_iface_policy policy;

	sf_config_iface_policy(config, "wwan0", &policy);
	ck_assert(policy.metered);
	sf_config_iface_policy(config, "eth0", &policy);
	ck_assert(!policy.metered);
	sf_config_iface_policy(config, "wlan0", &policy);
	ck_assert(!policy.metered);
	sf_config_free(config);

	check_error("[interface wwan0]\nmetered = sometimes\n",
		    "test.conf:2: [interface wwan0] metered: 'sometimes' is "
		    "not a boolean (expected true or false)");
}
END_TEST

START_TEST(test_quality_keys_are_read_and_checked)
{
	struct sf_config *config = load_ok("[quality]\n"
					   "poll-ms = 100\n"
					   "max-loss-percent = 20\n"
					   "max-rtt-ratio = 3\n"
					   "min-rtt-increase-ms = 0\n"
					   "stall-ms = 500\n"
					   "recover-ms = 0\n"
					   "worse-rtt-ratio = 8\n"
					   "worse-loss-percent = 15\n"
					   "probe-ms = 2000\n");
	const struct sf_quality_config *q = &config->quality;

	ck_assert_uint_eq(q->poll_ms, 100);
	ck_assert_uint_eq(q->max_loss_percent, 20);
	ck_assert_uint_eq(q->max_rtt_ratio, 3);
	ck_assert_uint_eq(q->min_rtt_increase_ms, 0);
	ck_assert_uint_eq(q->stall_ms, 500);
	ck_assert_uint_eq(q->recover_ms, 0);
	ck_assert_uint_eq(q->worse_rtt_ratio, 8);
	ck_assert_uint_eq(q->worse_loss_percent, 15);
	ck_assert_uint_eq(q->probe_ms, 2000);
	sf_config_free(config);

	check_error("[quality]\npoll-ms = 20\n",
		    "test.conf:2: [quality] poll-ms: 20 is out of range "
		    "(expected 50..10000)");
	check_error("[quality]\nmax-loss-percent = 0\n",
		    "test.conf:2: [quality] max-loss-percent: 0 is out of "
		    "range (expected 1..100)");
	check_error("[quality]\nmax-rtt-ratio = 1.5\n",
		    "test.conf:2: [quality] max-rtt-ratio: '1.5' is not a "
		    "number (expected 2..1000)");
	check_error("[quality]\n\n[quality]\n",
		    "test.conf:3: [quality]: duplicate section (first on "
		    "line 1)");
	check_error("[quality]\nloss = 5\n",
		    "test.conf:2: [quality] loss: unknown key (expected one "
		    "of poll-ms, max-loss-percent, max-rtt-ratio, "
		    "min-rtt-increase-ms, stall-ms, recover-ms, "
		    "worse-rtt-ratio, worse-loss-percent, probe-ms)");
}
END_TEST

START_TEST(test_iface_glob_header_keeps_brackets)
{
	struct sf_config *config = load_ok("[interface eth[0-9]]   # ports\n"
					   "backup = true\n");
	const struct sf_config_iface *iface = l_queue_peek_head(config->ifaces);

	ck_assert_str_eq(iface->pattern, "eth[0-9]");
	ck_assert(iface->policy.backup);
	sf_config_free(config);
}
END_TEST

START_TEST(test_rule_bare_addresses_are_host_prefixes)
{
	struct sf_config *config = load_ok("[rule r]\n"
					   "match-remote = 192.0.2.7, 2001:db8::1\n"
					   "policy = sspi\n");
	const struct sf_config_rule *rule = l_queue_peek_head(config->rules);

	ck_assert_uint_eq(rule->n_remotes, 2);
	check_prefix(&rule->remotes[0], AF_INET, "192.0.2.7", 32);
	check_prefix(&rule->remotes[1], AF_INET6, "2001:db8::1", 128);
	sf_config_free(config);
}
END_TEST

START_TEST(test_rule_prefix_host_bits_are_cleared)
{
	struct sf_config *config = load_ok("[rule r]\n"
					   "match-remote = 10.1.2.3/8 "
					   "2001:db8:ffff::1/33 0.0.0.0/0\n"
					   "policy = sspi\n");
	const struct sf_config_rule *rule = l_queue_peek_head(config->rules);

	ck_assert_uint_eq(rule->n_remotes, 3);
	check_prefix(&rule->remotes[0], AF_INET, "10.0.0.0", 8);
	check_prefix(&rule->remotes[1], AF_INET6, "2001:db8:8000::", 33);
	check_prefix(&rule->remotes[2], AF_INET, "0.0.0.0", 0);
	sf_config_free(config);
}
END_TEST

START_TEST(test_rule_single_match_keys)
{
	struct sf_config *config = load_ok("[rule ports]\n"
					   "match-port = 80, 443 65535 1\n"
					   "policy = ndiffports\n"
					   "[rule uid]\n"
					   "match-uid = 0\n"
					   "policy = sspi\n"
					   "[rule cg]\n"
					   "match-cgroup = /user.slice\n"
					   "policy = handover\n");
	const struct l_queue_entry *entry = l_queue_get_entries(config->rules);
	const struct sf_config_rule *rule = entry->data;

	ck_assert_str_eq(rule->name, "ports");
	ck_assert_uint_eq(rule->n_ports, 4);
	ck_assert_uint_eq(rule->ports[0], 80);
	ck_assert_uint_eq(rule->ports[1], 443);
	ck_assert_uint_eq(rule->ports[2], 65535);
	ck_assert_uint_eq(rule->ports[3], 1);
	ck_assert_uint_eq(rule->n_remotes, 0);
	ck_assert(!rule->has_uid);
	ck_assert_ptr_null(rule->cgroup);
	ck_assert_str_eq(rule->policy, "ndiffports");

	rule = entry->next->data;
	ck_assert_str_eq(rule->name, "uid");
	ck_assert(rule->has_uid);
	ck_assert_uint_eq(rule->uid, 0);
	ck_assert_uint_eq(rule->n_ports, 0);

	rule = entry->next->next->data;
	ck_assert_str_eq(rule->name, "cg");
	ck_assert_uint_eq(rule->line, 7);
	ck_assert_str_eq(rule->cgroup, "/user.slice");
	ck_assert_str_eq(rule->policy, "handover");
	sf_config_free(config);
}
END_TEST

/* --- files ------------------------------------------------------------------ */

START_TEST(test_missing_file_is_enoent_with_message)
{
	char dir[] = "/tmp/sf-test-config.XXXXXX";
	struct sf_config *config = NULL;
	char path[64], want[128], err[512] = "";
	int r;

	/* A directory of our own: nothing else can put the file there. */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/subflowd.conf", dir);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);

	r = sf_config_load(path, &config, err, sizeof(err));
	rmdir(dir);
	ck_assert_int_eq(r, -ENOENT);
	ck_assert_ptr_null(config);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_directory_is_eisdir)
{
	struct sf_config *config = NULL;
	char err[512] = "";
	int r;

	r = sf_config_load("/", &config, err, sizeof(err));
	ck_assert_int_eq(r, -EISDIR);
	ck_assert_ptr_null(config);
	ck_assert_str_eq(err, "/: Is a directory");
}
END_TEST

/* Writes text to a new temporary file; returns its path (l_free it). */
static char *write_temp(const char *text)
{
	char *path = l_strdup("/tmp/test-config-XXXXXX");
	int fd = mkstemp(path);
	size_t len = strlen(text);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t) len);
	ck_assert_int_eq(close(fd), 0);
	return path;
}

START_TEST(test_file_design_example_loads)
{
	_auto_(l_free) char *path = write_temp(design_example);
	struct sf_config *config = NULL;
	char err[512] = "";

	ck_assert_int_eq(sf_config_load(path, &config, err, sizeof(err)), 0);
	ck_assert_str_eq(config->path, path);
	ck_assert_uint_eq(l_queue_length(config->rules), 1);
	sf_config_free(config);
	unlink(path);
}
END_TEST

START_TEST(test_file_error_names_path_and_line)
{
	_auto_(l_free) char *path = write_temp("[core]\n\nmode = both\n");
	_auto_(l_free) char *expected = l_strdup_printf(
		"%s:3: [core] mode: 'both' is not a mode (expected userspace "
		"or kernel)", path);
	struct sf_config *config = NULL;
	char err[512] = "";

	ck_assert_int_eq(sf_config_load(path, &config, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_null(config);
	ck_assert_str_eq(err, expected);
	unlink(path);
}
END_TEST

START_TEST(test_file_writable_by_others_is_refused)
{
	_auto_(l_free) char *path = write_temp("[core]\n");
	_auto_(l_free) char *expected = l_strdup_printf(
		"%s: refusing a config file that others can write (mode 0602, "
		"uid %u, gid %u): it must be owned by root and not group- or "
		"world-writable", path, (unsigned int) geteuid(),
		(unsigned int) getegid());
	struct sf_config *config = NULL;
	char err[512] = "";

	ck_assert_int_eq(chmod(path, 0602), 0);
	ck_assert_int_eq(sf_config_load(path, &config, err, sizeof(err)),
			 -EPERM);
	ck_assert_ptr_null(config);
	ck_assert_str_eq(err, expected);

	/* Writable by its owner only: read. */
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(sf_config_load(path, &config, err, sizeof(err)), 0);
	sf_config_free(config);
	unlink(path);
}
END_TEST

START_TEST(test_error_message_escapes_control_bytes)
{
	struct sf_config *config = NULL;
	char err[512];

	/* An ANSI escape and a non-ASCII byte, as in a binary file. */
	ck_assert_int_eq(load("\x1b[2J\xff\n", &config, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "test.conf:1: syntax error: '\\x1b[2J\\xff' is "
			 "neither KEY = VALUE nor [SECTION]");
}
END_TEST

START_TEST(test_error_message_is_truncated_to_buffer)
{
	struct sf_config *config = NULL;
	char err[12];

	ck_assert_int_eq(load("[core]\nmode = x\n", &config, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "test.conf:2");
	ck_assert_int_eq(load("[core]\nmode = x\n", &config, NULL, 0), -EINVAL);
	ck_assert_ptr_null(config);
}
END_TEST

/* --- syntax errors ------------------------------------------------------------ */

START_TEST(test_error_unterminated_header)
{
	check_error("[core\nmode = kernel\n",
		    "test.conf:1: syntax error: section header without its "
		    "closing ']' (expected [SECTION] or [SECTION NAME])");
	check_error("[core] junk\n",
		    "test.conf:1: syntax error: text after the section header "
		    "(expected [SECTION] or [SECTION NAME] and at most a "
		    "comment)");
}
END_TEST

START_TEST(test_error_line_without_equals)
{
	check_error("[core]\nmode kernel\n",
		    "test.conf:2: syntax error: 'mode kernel' is neither KEY = "
		    "VALUE nor [SECTION]");
}
END_TEST

START_TEST(test_error_missing_key)
{
	check_error("[core]\n = kernel\n",
		    "test.conf:2: syntax error: no key before '='");
}
END_TEST

START_TEST(test_error_bad_key_name)
{
	check_error("[core]\nmax subflows = 2\n",
		    "test.conf:2: syntax error: 'max subflows' is not a key "
		    "name (expected letters, digits and '-')");
}
END_TEST

START_TEST(test_error_nul_byte)
{
	static const char data[] = "[core]\nmode = ker\0nel\n";
	struct sf_config *config = NULL;
	char err[512] = "";

	ck_assert_int_eq(sf_config_load_data(NAME, data, sizeof(data) - 1,
					     &config, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "test.conf:2: syntax error: NUL byte (expected "
			 "a text file)");
}
END_TEST

START_TEST(test_error_key_outside_section)
{
	check_error("# top\nmode = kernel\n[core]\n",
		    "test.conf:2: mode: key outside any section (expected a "
		    "[SECTION] line before it)");
}
END_TEST

/* --- section errors ------------------------------------------------------------ */

START_TEST(test_error_unknown_section)
{
	check_error("[core]\n[global]\n",
		    "test.conf:2: [global]: unknown section (expected [core], "
		    "[filter], [interface NAME], [rule NAME] or [quality])");
	check_error("[]\n",
		    "test.conf:1: []: unknown section (expected [core], "
		    "[filter], [interface NAME], [rule NAME] or [quality])");
}
END_TEST

START_TEST(test_error_core_with_name)
{
	check_error("[core main]\n",
		    "test.conf:1: [core main]: unexpected name 'main' (this "
		    "section takes none)");
	check_error("[filter x]\n",
		    "test.conf:1: [filter x]: unexpected name 'x' (this "
		    "section takes none)");
}
END_TEST

START_TEST(test_error_duplicate_core_and_filter)
{
	check_error("[core]\nmode = kernel\n[core]\n",
		    "test.conf:3: [core]: duplicate section (first on line 1)");
	check_error("\n[filter]\n[filter]\n",
		    "test.conf:3: [filter]: duplicate section (first on line "
		    "2)");
}
END_TEST

START_TEST(test_error_interface_without_name)
{
	check_error("[interface]\n",
		    "test.conf:1: [interface]: missing interface name "
		    "(expected [interface NAME], NAME an interface name or "
		    "glob)");
}
END_TEST

START_TEST(test_error_interface_bad_glob)
{
	check_error("[interface eth[0]\n",
		    "test.conf:1: [interface eth[0]: 'eth[0' is not a valid "
		    "interface glob: unbalanced '['");
	check_error("[interface a/b]\n",
		    "test.conf:1: [interface a/b]: 'a/b' is not a valid "
		    "interface glob: '/' cannot appear in an interface name");
	check_error("[interface abcdefghijklmnop]\n",
		    "test.conf:1: [interface abcdefghijklmnop]: "
		    "'abcdefghijklmnop' is not a valid interface glob: an "
		    "interface name has at most 15 characters");
	check_error("[interface eth 0]\n",
		    "test.conf:1: [interface eth 0]: 'eth 0' is not an "
		    "interface name or glob (it contains blanks)");
}
END_TEST

START_TEST(test_error_duplicate_interface)
{
	check_error("[interface wlan0]\nbackup = true\n\n[interface wlan0]\n",
		    "test.conf:4: [interface wlan0]: duplicate section (first "
		    "on line 1)");
}
END_TEST

START_TEST(test_error_rule_without_name)
{
	check_error("[rule]\n",
		    "test.conf:1: [rule]: missing rule name (expected "
		    "[rule NAME])");
	check_error("[rule a b]\n",
		    "test.conf:1: [rule a b]: 'a b' is not a rule name "
		    "(expected a single word)");
}
END_TEST

START_TEST(test_error_duplicate_rule)
{
	check_error("[rule web]\nmatch-port = 80\npolicy = sspi\n"
		    "[rule web]\nmatch-port = 443\npolicy = sspi\n",
		    "test.conf:4: [rule web]: duplicate section (first on line "
		    "1)");
}
END_TEST

START_TEST(test_error_rule_without_match)
{
	check_error("[core]\n[rule video]\npolicy = handover\n[filter]\n",
		    "test.conf:2: [rule video]: matches nothing (expected at "
		    "least one of match-remote, match-port, match-uid, "
		    "match-cgroup)");
	/* also at the end of the file */
	check_error("[rule video]\npolicy = handover\n",
		    "test.conf:1: [rule video]: matches nothing (expected at "
		    "least one of match-remote, match-port, match-uid, "
		    "match-cgroup)");
}
END_TEST

START_TEST(test_error_rule_without_policy)
{
	check_error("[core]\n\n[rule video]\nmatch-port = 443\n",
		    "test.conf:3: [rule video] policy: missing (expected the "
		    "policy plugin for connections this rule matches)");
}
END_TEST

/* --- key errors --------------------------------------------------------------- */

START_TEST(test_error_unknown_keys)
{
	check_error("[core]\npolicy = sspi\nmax_subflows = 2\n",
		    "test.conf:3: [core] max_subflows: unknown key (expected "
		    "one of mode, policy, plugins, max-subflows, standby, "
		    "control-group, log, endpoint-flags)");
	check_error("[filter]\nskip-loopback = true\n",
		    "test.conf:2: [filter] skip-loopback: unknown key "
		    "(expected one of exclude-interfaces, include-interfaces, "
		    "skip-link-local, skip-ula, skip-temporary, "
		    "skip-deprecated, require-default-route)");
	check_error("[interface eth0]\npolicy = sspi\n",
		    "test.conf:2: [interface eth0] policy: unknown key "
		    "(expected one of backup, announce, subflows, enabled, "
		    "endpoint-flags, priority, metered)");
	check_error("[rule r]\nmatch-port = 1\nmatch-proto = tcp\n",
		    "test.conf:3: [rule r] match-proto: unknown key (expected "
		    "one of match-remote, match-port, match-uid, match-cgroup, "
		    "policy)");
}
END_TEST

START_TEST(test_error_duplicate_key)
{
	check_error("[core]\nmode = kernel\n# again\nmode = userspace\n",
		    "test.conf:4: [core] mode: duplicate key (first set on "
		    "line 2)");
	check_error("[interface eth0]\nbackup = true\nbackup = true\n",
		    "test.conf:3: [interface eth0] backup: duplicate key "
		    "(first set on line 2)");
}
END_TEST

START_TEST(test_same_key_in_two_sections_is_fine)
{
	struct sf_config *config = load_ok("[interface eth0]\nbackup = true\n"
					   "[interface eth1]\nbackup = true\n");

	ck_assert_uint_eq(l_queue_length(config->ifaces), 2);
	sf_config_free(config);
}
END_TEST

START_TEST(test_error_bad_mode_standby_log)
{
	check_error("[core]\nmode = Userspace\n",
		    "test.conf:2: [core] mode: 'Userspace' is not a mode "
		    "(expected userspace or kernel)");
	check_error("[core]\nstandby = lazy\n",
		    "test.conf:2: [core] standby: 'lazy' is not a standby mode "
		    "(expected open or on-demand)");
	check_error("[core]\nlog = file\n",
		    "test.conf:2: [core] log: 'file' is not a log target "
		    "(expected stderr, journal or syslog)");
	check_error("[core]\nlog =\n",
		    "test.conf:2: [core] log: '' is not a log target "
		    "(expected stderr, journal or syslog)");
}
END_TEST

START_TEST(test_error_bad_policy_names)
{
	check_error("[core]\npolicy =   # none\n",
		    "test.conf:2: [core] policy: empty value (expected a plugin "
		    "name of a-z, 0-9, '_' and '-')");
	check_error("[core]\npolicy = Full/Mesh\n",
		    "test.conf:2: [core] policy: 'Full/Mesh' is not a plugin "
		    "name (expected a-z, 0-9, '_' and '-')");
	check_error("[core]\nplugins = fullmesh, ../evil\n",
		    "test.conf:2: [core] plugins: '../evil' is not a plugin "
		    "name (expected names of a-z, 0-9, '_' and '-', separated "
		    "by spaces or commas)");
	check_error("[rule r]\nmatch-port = 1\npolicy = a b\n",
		    "test.conf:3: [rule r] policy: 'a b' is not a plugin name "
		    "(expected a-z, 0-9, '_' and '-')");
}
END_TEST

START_TEST(test_error_bad_max_subflows)
{
	check_error("[core]\nmax-subflows = 0\n",
		    "test.conf:2: [core] max-subflows: 0 is out of range "
		    "(expected 1..255)");
	check_error("[core]\nmax-subflows = 256\n",
		    "test.conf:2: [core] max-subflows: 256 is out of range "
		    "(expected 1..255)");
	check_error("[core]\nmax-subflows = 99999999999999999999999\n",
		    "test.conf:2: [core] max-subflows: 99999999999999999999999 "
		    "is out of range (expected 1..255)");
	check_error("[core]\nmax-subflows = -1\n",
		    "test.conf:2: [core] max-subflows: '-1' is not a number "
		    "(expected 1..255)");
	check_error("[core]\nmax-subflows = eight\n",
		    "test.conf:2: [core] max-subflows: 'eight' is not a number "
		    "(expected 1..255)");
	check_error("[core]\nmax-subflows =\n",
		    "test.conf:2: [core] max-subflows: '' is not a number "
		    "(expected 1..255)");
}
END_TEST

START_TEST(test_error_bad_control_group)
{
	check_error("[core]\ncontrol-group =\n",
		    "test.conf:2: [core] control-group: empty value (expected "
		    "a group name)");
	check_error("[core]\ncontrol-group = net admins\n",
		    "test.conf:2: [core] control-group: 'net admins' is not a "
		    "group name (expected a single word)");
}
END_TEST

START_TEST(test_error_bad_endpoint_flags)
{
	check_error("[core]\nendpoint-flags = subflow implicit\n",
		    "test.conf:2: [core] endpoint-flags: 'implicit' is not an "
		    "endpoint flag (expected subflow, signal, backup, fullmesh "
		    "or laminar)");
	check_error("[core]\nendpoint-flags =\n",
		    "test.conf:2: [core] endpoint-flags: empty value (expected "
		    "one or more of subflow, signal, backup, fullmesh, "
		    "laminar)");
	check_error("[interface eth0]\nendpoint-flags = signal fullmesh\n",
		    "test.conf:2: [interface eth0] endpoint-flags: signal and "
		    "fullmesh cannot be combined (the kernel refuses such an "
		    "endpoint)");
}
END_TEST

START_TEST(test_error_bad_bools)
{
	check_error("[filter]\nskip-ula = maybe\n",
		    "test.conf:2: [filter] skip-ula: 'maybe' is not a boolean "
		    "(expected true or false)");
	check_error("[interface *]\nannounce = TRUE\n",
		    "test.conf:2: [interface *] announce: 'TRUE' is not a "
		    "boolean (expected true or false)");
	check_error("[interface *]\nenabled =\n",
		    "test.conf:2: [interface *] enabled: '' is not a boolean "
		    "(expected true or false)");
}
END_TEST

START_TEST(test_error_bad_filter_globs)
{
	check_error("[filter]\nexclude-interfaces = lo docker*  veth[0-\n",
		    "test.conf:2: [filter] exclude-interfaces: 'veth[0-' is not "
		    "a valid interface glob: unbalanced '[' (expected names or "
		    "fnmatch(3) patterns separated by spaces)");
	check_error("[filter]\ninclude-interfaces = eth0 net/1\n",
		    "test.conf:2: [filter] include-interfaces: 'net/1' is not "
		    "a valid interface glob: '/' cannot appear in an interface "
		    "name (expected names or fnmatch(3) patterns separated by "
		    "spaces)");
	check_error("[filter]\ninclude-interfaces = eth\\\n",
		    "test.conf:2: [filter] include-interfaces: 'eth\\' is not a "
		    "valid interface glob: it ends with a lone '\\' (expected "
		    "names or fnmatch(3) patterns separated by spaces)");
	check_error("[filter]\ninclude-interfaces = e[[:digit]\n",
		    "test.conf:2: [filter] include-interfaces: 'e[[:digit]' is "
		    "not a valid interface glob: unbalanced '[:' (expected "
		    "names or fnmatch(3) patterns separated by spaces)");
}
END_TEST

START_TEST(test_valid_globs_are_accepted)
{
	struct sf_config *config = load_ok(
		"[filter]\n"
		"include-interfaces = eth[]] en[!0-9]* w? [[:alpha:]]x \\*\n");
	static const char * const globs[] = {
		"eth[]]", "en[!0-9]*", "w?", "[[:alpha:]]x", "\\*", NULL
	};

	check_strv(config->filter.include_interfaces, globs);
	sf_config_free(config);
}
END_TEST

START_TEST(test_error_bad_iface_subflows)
{
	check_error("[interface eth0]\nsubflows = 9\n",
		    "test.conf:2: [interface eth0] subflows: 9 is out of range "
		    "(expected 1..8)");
	check_error("[interface eth0]\nsubflows = 0\n",
		    "test.conf:2: [interface eth0] subflows: 0 is out of range "
		    "(expected 1..8)");
}
END_TEST

START_TEST(test_error_bad_prefixes)
{
	check_error("[rule r]\nmatch-remote = 10.0.0.0/33\n",
		    "test.conf:2: [rule r] match-remote: '10.0.0.0/33' is not a "
		    "prefix: length '33' is out of range (expected 0..32 for "
		    "IPv4)");
	check_error("[rule r]\nmatch-remote = 2001:db8::/129\n",
		    "test.conf:2: [rule r] match-remote: '2001:db8::/129' is "
		    "not a prefix: length '129' is out of range (expected "
		    "0..128 for IPv6)");
	check_error("[rule r]\nmatch-remote = 192.0.2.0/24 300.1.1.1/8\n",
		    "test.conf:2: [rule r] match-remote: '300.1.1.1/8' is not a "
		    "prefix: '300.1.1.1' is not an IPv4 or IPv6 address "
		    "(expected ADDRESS or ADDRESS/LENGTH)");
	check_error("[rule r]\nmatch-remote = 10.0.0.0/\n",
		    "test.conf:2: [rule r] match-remote: '10.0.0.0/' is not a "
		    "prefix: length '' is not a number (expected 0..32 for "
		    "IPv4)");
	check_error("[rule r]\nmatch-remote = 10.0.0.0/-8\n",
		    "test.conf:2: [rule r] match-remote: '10.0.0.0/-8' is not a "
		    "prefix: length '-8' is not a number (expected 0..32 for "
		    "IPv4)");
	check_error("[rule r]\nmatch-remote = example.com\n",
		    "test.conf:2: [rule r] match-remote: 'example.com' is not a "
		    "prefix: 'example.com' is not an IPv4 or IPv6 address "
		    "(expected ADDRESS or ADDRESS/LENGTH)");
	check_error("[rule r]\nmatch-remote =\n",
		    "test.conf:2: [rule r] match-remote: empty value (expected "
		    "one or more prefixes such as 203.0.113.0/24 or "
		    "2001:db8::/32)");
}
END_TEST

START_TEST(test_error_bad_ports)
{
	check_error("[rule r]\nmatch-port = 443 0\n",
		    "test.conf:2: [rule r] match-port: 0 is out of range "
		    "(expected 1..65535)");
	check_error("[rule r]\nmatch-port = 65536\n",
		    "test.conf:2: [rule r] match-port: 65536 is out of range "
		    "(expected 1..65535)");
	check_error("[rule r]\nmatch-port = https\n",
		    "test.conf:2: [rule r] match-port: 'https' is not a number "
		    "(expected 1..65535)");
	check_error("[rule r]\nmatch-port = , \n",
		    "test.conf:2: [rule r] match-port: empty value (expected "
		    "one or more ports, 1..65535)");
}
END_TEST

START_TEST(test_error_bad_uid)
{
	check_error("[rule r]\nmatch-uid = root\n",
		    "test.conf:2: [rule r] match-uid: 'root' is not a number "
		    "(expected a numeric user id; names are not looked up)");
	check_error("[rule r]\nmatch-uid = 4294967295\n",
		    "test.conf:2: [rule r] match-uid: 4294967295 is out of "
		    "range (expected 0..4294967294)");
}
END_TEST

START_TEST(test_error_bad_cgroup)
{
	check_error("[rule r]\nmatch-cgroup = system.slice/nginx.service\n",
		    "test.conf:2: [rule r] match-cgroup: "
		    "'system.slice/nginx.service' is not a cgroup path "
		    "(expected an absolute path such as "
		    "/system.slice/nginx.service)");
}
END_TEST

START_TEST(test_first_error_in_file_order_is_reported)
{
	check_error("[core]\nmode = bad\n[filter]\nskip-ula = bad\n",
		    "test.conf:2: [core] mode: 'bad' is not a mode (expected "
		    "userspace or kernel)");
}
END_TEST

/* --- interface policy lookup ------------------------------------------------- */

START_TEST(test_iface_policy_exact_beats_earlier_glob)
{
	struct sf_config *config = load_ok("[interface eth*]\n"
					   "subflows = 2\n"
					   "[interface e*]\n"
					   "subflows = 4\n"
					   "[interface eth0]\n"
					   "subflows = 3\n"
					   "backup = true\n"
					   "[core]\n"
					   "endpoint-flags = signal\n");
	struct sf_iface_policy policy;

	sf_config_iface_policy(config, "eth0", &policy);
	ck_assert_uint_eq(policy.subflows, 3);
	ck_assert(policy.backup);

	/* the first matching glob wins, not the most specific */
	sf_config_iface_policy(config, "eth1", &policy);
	ck_assert_uint_eq(policy.subflows, 2);
	ck_assert(!policy.backup);

	sf_config_iface_policy(config, "enp1s0", &policy);
	ck_assert_uint_eq(policy.subflows, 4);

	sf_config_iface_policy(config, "wlan0", &policy);
	ck_assert(!policy.backup);
	ck_assert(policy.announce);
	ck_assert(policy.enabled);
	ck_assert_uint_eq(policy.subflows, 1);
	ck_assert_uint_eq(policy.endpoint_flags, MPTCP_PM_ADDR_FLAG_SIGNAL);
	sf_config_free(config);
}
END_TEST

START_TEST(test_iface_policy_defaults_without_sections)
{
	struct sf_config *config = sf_config_new_defaults();
	struct sf_iface_policy policy;

	sf_config_iface_policy(config, "eth0", &policy);
	ck_assert(!policy.backup);
	ck_assert(policy.announce);
	ck_assert(policy.enabled);
	ck_assert_uint_eq(policy.subflows, 1);
	ck_assert_uint_eq(policy.endpoint_flags, MPTCP_PM_ADDR_FLAG_SUBFLOW);
	sf_config_free(config);
}
END_TEST

/* --- printing ---------------------------------------------------------------- */

static void check_same_config(const struct sf_config *a,
			      const struct sf_config *b)
{
	const struct l_queue_entry *ea, *eb;

	ck_assert_int_eq(a->mode, b->mode);
	ck_assert_str_eq(a->policy, b->policy);
	ck_assert(l_strv_length(a->plugins) == l_strv_length(b->plugins));
	for (size_t i = 0; a->plugins && a->plugins[i]; i++)
		ck_assert_str_eq(a->plugins[i], b->plugins[i]);
	ck_assert_uint_eq(a->max_subflows, b->max_subflows);
	ck_assert_int_eq(a->standby, b->standby);
	ck_assert_str_eq(a->control_group, b->control_group);
	ck_assert_int_eq(a->log, b->log);
	ck_assert_uint_eq(a->endpoint_flags, b->endpoint_flags);

	ck_assert_uint_eq(l_strv_length(a->filter.exclude_interfaces),
			  l_strv_length(b->filter.exclude_interfaces));
	for (size_t i = 0; a->filter.exclude_interfaces &&
			   a->filter.exclude_interfaces[i]; i++)
		ck_assert_str_eq(a->filter.exclude_interfaces[i],
				 b->filter.exclude_interfaces[i]);
	ck_assert_uint_eq(l_strv_length(a->filter.include_interfaces),
			  l_strv_length(b->filter.include_interfaces));
	for (size_t i = 0; a->filter.include_interfaces &&
			   a->filter.include_interfaces[i]; i++)
		ck_assert_str_eq(a->filter.include_interfaces[i],
				 b->filter.include_interfaces[i]);
	ck_assert_int_eq(a->filter.skip_link_local, b->filter.skip_link_local);
	ck_assert_int_eq(a->filter.skip_ula, b->filter.skip_ula);
	ck_assert_int_eq(a->filter.skip_temporary, b->filter.skip_temporary);
	ck_assert_int_eq(a->filter.skip_deprecated, b->filter.skip_deprecated);
	ck_assert_int_eq(a->filter.require_default_route,
			 b->filter.require_default_route);

	ck_assert_uint_eq(l_queue_length(a->ifaces), l_queue_length(b->ifaces));
	for (ea = l_queue_get_entries(a->ifaces),
	     eb = l_queue_get_entries(b->ifaces); ea && eb;
	     ea = ea->next, eb = eb->next) {
		const struct sf_config_iface *ia = ea->data, *ib = eb->data;

		ck_assert_str_eq(ia->pattern, ib->pattern);
		ck_assert_int_eq(ia->policy.backup, ib->policy.backup);
		ck_assert_int_eq(ia->policy.announce, ib->policy.announce);
		ck_assert_int_eq(ia->policy.enabled, ib->policy.enabled);
		ck_assert_uint_eq(ia->policy.subflows, ib->policy.subflows);
		ck_assert_uint_eq(ia->policy.endpoint_flags,
				  ib->policy.endpoint_flags);
		ck_assert_uint_eq(ia->policy.priority, ib->policy.priority);
	}

	ck_assert_uint_eq(l_queue_length(a->rules), l_queue_length(b->rules));
	for (ea = l_queue_get_entries(a->rules),
	     eb = l_queue_get_entries(b->rules); ea && eb;
	     ea = ea->next, eb = eb->next) {
		const struct sf_config_rule *ra = ea->data, *rb = eb->data;

		ck_assert_str_eq(ra->name, rb->name);
		ck_assert_uint_eq(ra->n_remotes, rb->n_remotes);
		for (size_t i = 0; i < ra->n_remotes; i++) {
			ck_assert_int_eq(ra->remotes[i].addr.family,
					 rb->remotes[i].addr.family);
			ck_assert_mem_eq(&ra->remotes[i].addr.ip,
					 &rb->remotes[i].addr.ip,
					 sizeof(ra->remotes[i].addr.ip));
			ck_assert_uint_eq(ra->remotes[i].len,
					  rb->remotes[i].len);
		}
		ck_assert_uint_eq(ra->n_ports, rb->n_ports);
		for (size_t i = 0; i < ra->n_ports; i++)
			ck_assert_uint_eq(ra->ports[i], rb->ports[i]);
		ck_assert_int_eq(ra->has_uid, rb->has_uid);
		ck_assert_uint_eq(ra->uid, rb->uid);
		if (ra->cgroup || rb->cgroup)
			ck_assert_str_eq(ra->cgroup, rb->cgroup);
		ck_assert_str_eq(ra->policy, rb->policy);
	}
}

/* print(config) loads back to the same settings and prints identically. */
static void check_round_trip(const struct sf_config *config)
{
	_auto_(l_free) char *first = print_to_string(config);
	_auto_(l_free) char *second = NULL;
	struct sf_config *again = NULL;
	char err[512] = "";
	int r;

	r = sf_config_load_data(config->path ? config->path : NAME, first,
				strlen(first), &again, err, sizeof(err));
	ck_assert_msg(r == 0, "printed config refused: %s\n%s", err, first);
	check_same_config(config, again);

	l_free(again->path);
	again->path = config->path ? l_strdup(config->path) : NULL;
	second = print_to_string(again);
	ck_assert_str_eq(second, first);
	sf_config_free(again);
}

START_TEST(test_print_defaults_round_trip)
{
	struct sf_config *config = sf_config_new_defaults();

	check_round_trip(config);
	sf_config_free(config);
}
END_TEST

START_TEST(test_print_design_example_round_trip)
{
	struct sf_config *config = load_ok(design_example);

	check_round_trip(config);
	sf_config_free(config);
}
END_TEST

START_TEST(test_print_everything_round_trip)
{
	struct sf_config *config = load_ok(
		"[core]\n"
		"mode = kernel\n"
		"policy = endpoints\n"
		"plugins = endpoints handover\n"
		"max-subflows = 1\n"
		"standby = on-demand\n"
		"control-group = wheel\n"
		"log = stderr\n"
		"endpoint-flags = signal backup laminar\n"
		"[filter]\n"
		"exclude-interfaces =\n"
		"include-interfaces = eth[0-9] wlan*\n"
		"skip-link-local = false\n"
		"skip-ula = true\n"
		"skip-temporary = false\n"
		"skip-deprecated = false\n"
		"require-default-route = true\n"
		"[interface wlan*]\n"
		"backup = true\n"
		"announce = false\n"
		"subflows = 8\n"
		"enabled = false\n"
		"priority = 255\n"
		"[interface eth0]\n"
		"endpoint-flags = subflow fullmesh\n"
		"[rule all]\n"
		"match-remote = 10.0.0.1/8 2001:db8::/32 ::1 192.0.2.1\n"
		"match-port = 443 8443\n"
		"match-uid = 4294967294\n"
		"match-cgroup = /system.slice/a b.service\n"
		"policy = handover\n"
		"[rule cg]\n"
		"match-cgroup = /user.slice\n"
		"policy = sspi\n");

	check_round_trip(config);
	sf_config_free(config);
}
END_TEST

START_TEST(test_print_default_output_is_exact)
{
	struct sf_config *config = sf_config_new_defaults();
	_auto_(l_free) char *text = print_to_string(config);

	ck_assert_str_eq(text,
		"# subflowd effective settings (built-in defaults)\n"
		"[core]\n"
		"mode = userspace\n"
		"policy = fullmesh\n"
		"plugins =\n"
		"max-subflows = 8\n"
		"standby = open\n"
		"control-group = subflowd\n"
		"log = journal\n"
		"endpoint-flags = subflow\n"
		"\n"
		"[filter]\n"
		"exclude-interfaces = lo docker* veth* br-* virbr*\n"
		"include-interfaces =\n"
		"skip-link-local = true\n"
		"skip-ula = false\n"
		"skip-temporary = true\n"
		"skip-deprecated = true\n"
		"require-default-route = false\n"
		"\n"
		"[quality]\n"
		"poll-ms = 100\n"
		"max-loss-percent = 20\n"
		"max-rtt-ratio = 4\n"
		"min-rtt-increase-ms = 100\n"
		"stall-ms = 1000\n"
		"recover-ms = 2000\n"
		"worse-rtt-ratio = 5\n"
		"worse-loss-percent = 10\n"
		"probe-ms = 3000\n");
	sf_config_free(config);
}
END_TEST

/* --- enum helpers ------------------------------------------------------------- */

START_TEST(test_mode_strings)
{
	enum sf_mode mode = SF_MODE_USERSPACE;

	ck_assert_int_eq(sf_mode_from_str("kernel", &mode), 0);
	ck_assert_int_eq(mode, SF_MODE_KERNEL);
	ck_assert_int_eq(sf_mode_from_str("userspace", &mode), 0);
	ck_assert_int_eq(mode, SF_MODE_USERSPACE);
	ck_assert_int_eq(sf_mode_from_str("Kernel", &mode), -EINVAL);
	ck_assert_int_eq(sf_mode_from_str("", &mode), -EINVAL);
	ck_assert_int_eq(sf_mode_from_str(NULL, &mode), -EINVAL);
	ck_assert_int_eq(mode, SF_MODE_USERSPACE);
	ck_assert_str_eq(sf_mode_to_str(SF_MODE_USERSPACE), "userspace");
	ck_assert_str_eq(sf_mode_to_str(SF_MODE_KERNEL), "kernel");
}
END_TEST

START_TEST(test_log_target_strings)
{
	enum sf_log_target target = SF_LOG_JOURNAL;

	ck_assert_int_eq(sf_log_target_from_str("stderr", &target), 0);
	ck_assert_int_eq(target, SF_LOG_STDERR);
	ck_assert_int_eq(sf_log_target_from_str("syslog", &target), 0);
	ck_assert_int_eq(target, SF_LOG_SYSLOG);
	ck_assert_int_eq(sf_log_target_from_str("journal", &target), 0);
	ck_assert_int_eq(target, SF_LOG_JOURNAL);
	ck_assert_int_eq(sf_log_target_from_str("file", &target), -EINVAL);
	ck_assert_int_eq(target, SF_LOG_JOURNAL);
	ck_assert_str_eq(sf_log_target_to_str(SF_LOG_STDERR), "stderr");
	ck_assert_str_eq(sf_log_target_to_str(SF_LOG_JOURNAL), "journal");
	ck_assert_str_eq(sf_log_target_to_str(SF_LOG_SYSLOG), "syslog");
}
END_TEST

START_TEST(test_free_accepts_null)
{
	sf_config_free(NULL);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("values");
	tcase_add_test(tc, test_new_defaults_match_design);
	tcase_add_test(tc, test_empty_file_gives_defaults);
	tcase_add_test(tc, test_comments_and_blank_lines_only_give_defaults);
	tcase_add_test(tc, test_design_example_parses_as_is);
	tcase_add_test(tc, test_every_key_is_read);
	tcase_add_test(tc, test_laminar_is_bit_5);
	tcase_add_test(tc, test_empty_exclude_interfaces_overrides_default);
	tcase_add_test(tc, test_inline_hash_without_blank_is_part_of_value);
	tcase_add_test(tc, test_crlf_line_endings_are_accepted);
	tcase_add_test(tc, test_last_line_without_newline_is_read);
	tcase_add_test(tc, test_iface_endpoint_flags_default_from_core_given_later);
	tcase_add_test(tc, test_iface_section_defaults);
	tcase_add_test(tc, test_iface_priority_is_read_and_defaults_to_100);
	tcase_add_test(tc, test_error_priority_out_of_range);
	tcase_add_test(tc, test_iface_metered_is_read_and_defaults_to_false);
	tcase_add_test(tc, test_quality_keys_are_read_and_checked);
	tcase_add_test(tc, test_iface_glob_header_keeps_brackets);
	tcase_add_test(tc, test_rule_bare_addresses_are_host_prefixes);
	tcase_add_test(tc, test_rule_prefix_host_bits_are_cleared);
	tcase_add_test(tc, test_rule_single_match_keys);
	tcase_add_test(tc, test_same_key_in_two_sections_is_fine);
	tcase_add_test(tc, test_valid_globs_are_accepted);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_test(tc, test_missing_file_is_enoent_with_message);
	tcase_add_test(tc, test_directory_is_eisdir);
	tcase_add_test(tc, test_file_design_example_loads);
	tcase_add_test(tc, test_file_error_names_path_and_line);
	tcase_add_test(tc, test_file_writable_by_others_is_refused);
	tcase_add_test(tc, test_error_message_escapes_control_bytes);
	tcase_add_test(tc, test_error_message_is_truncated_to_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_error_unterminated_header);
	tcase_add_test(tc, test_error_line_without_equals);
	tcase_add_test(tc, test_error_missing_key);
	tcase_add_test(tc, test_error_bad_key_name);
	tcase_add_test(tc, test_error_nul_byte);
	tcase_add_test(tc, test_error_key_outside_section);
	tcase_add_test(tc, test_error_unknown_section);
	tcase_add_test(tc, test_error_core_with_name);
	tcase_add_test(tc, test_error_duplicate_core_and_filter);
	tcase_add_test(tc, test_error_interface_without_name);
	tcase_add_test(tc, test_error_interface_bad_glob);
	tcase_add_test(tc, test_error_duplicate_interface);
	tcase_add_test(tc, test_error_rule_without_name);
	tcase_add_test(tc, test_error_duplicate_rule);
	tcase_add_test(tc, test_error_rule_without_match);
	tcase_add_test(tc, test_error_rule_without_policy);
	tcase_add_test(tc, test_error_unknown_keys);
	tcase_add_test(tc, test_error_duplicate_key);
	tcase_add_test(tc, test_error_bad_mode_standby_log);
	tcase_add_test(tc, test_error_bad_policy_names);
	tcase_add_test(tc, test_error_bad_max_subflows);
	tcase_add_test(tc, test_error_bad_control_group);
	tcase_add_test(tc, test_error_bad_endpoint_flags);
	tcase_add_test(tc, test_error_bad_bools);
	tcase_add_test(tc, test_error_bad_filter_globs);
	tcase_add_test(tc, test_error_bad_iface_subflows);
	tcase_add_test(tc, test_error_bad_prefixes);
	tcase_add_test(tc, test_error_bad_ports);
	tcase_add_test(tc, test_error_bad_uid);
	tcase_add_test(tc, test_error_bad_cgroup);
	tcase_add_test(tc, test_first_error_in_file_order_is_reported);
	suite_add_tcase(s, tc);

	tc = tcase_create("lookup");
	tcase_add_test(tc, test_iface_policy_exact_beats_earlier_glob);
	tcase_add_test(tc, test_iface_policy_defaults_without_sections);
	suite_add_tcase(s, tc);

	tc = tcase_create("print");
	tcase_add_test(tc, test_print_defaults_round_trip);
	tcase_add_test(tc, test_print_design_example_round_trip);
	tcase_add_test(tc, test_print_everything_round_trip);
	tcase_add_test(tc, test_print_default_output_is_exact);
	suite_add_tcase(s, tc);

	tc = tcase_create("strings");
	tcase_add_test(tc, test_mode_strings);
	tcase_add_test(tc, test_log_target_strings);
	tcase_add_test(tc, test_free_accepts_null);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
