/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowd.conf(5) parsing: the defaults, the documented example, every
 * key's value, files on disk (with their refusals) and the interface
 * policy lookup. Every refusal of a bad line is in test-config-errors.c,
 * printing and the enum words in test-config-print.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include "config.h"
#include "config-fixture.h"
#include "mptcp_uapi.h"
#include "unit.h"
#include "util.h"

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
	struct sf_config *config = cf_load_ok("");

	check_defaults(config);
	ck_assert_str_eq(config->path, CF_NAME);
	sf_config_free(config);
}
END_TEST

START_TEST(test_comments_and_blank_lines_only_give_defaults)
{
	struct sf_config *config = cf_load_ok("# comment\n"
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
	struct sf_config *config = cf_load_ok(cf_design_example);
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
	struct sf_config *config = cf_load_ok(
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
	struct sf_config *config = cf_load_ok("[core]\n"
					      "endpoint-flags = laminar\n");

	ck_assert_uint_eq(config->endpoint_flags, 1u << 5);
	sf_config_free(config);
}
END_TEST

START_TEST(test_empty_exclude_interfaces_overrides_default)
{
	struct sf_config *config = cf_load_ok("[filter]\n"
					      "exclude-interfaces =   # lab: veth\n");

	ck_assert_ptr_null(config->filter.exclude_interfaces);
	sf_config_free(config);
}
END_TEST

START_TEST(test_inline_hash_without_blank_is_part_of_value)
{
	struct sf_config *config = cf_load_ok("[core]\n"
					      "control-group = wheel#2 # comment\n"
					      "policy=sspi\t# after a tab\n");

	ck_assert_str_eq(config->control_group, "wheel#2");
	ck_assert_str_eq(config->policy, "sspi");
	sf_config_free(config);
}
END_TEST

START_TEST(test_crlf_line_endings_are_accepted)
{
	struct sf_config *config = cf_load_ok("[core]\r\n"
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
	struct sf_config *config = cf_load_ok("[core]\nmax-subflows = 3");

	ck_assert_uint_eq(config->max_subflows, 3);
	sf_config_free(config);
}
END_TEST

START_TEST(test_iface_endpoint_flags_default_from_core_given_later)
{
	struct sf_config *config = cf_load_ok("[interface eth0]\n"
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
	struct sf_config *config = cf_load_ok("[interface eth0]\n");
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
	struct sf_config *config = cf_load_ok("[interface wwan*]\n"
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

START_TEST(test_iface_metered_is_read_and_defaults_to_false)
{
	struct sf_config *config = cf_load_ok("[interface wwan*]\n"
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

	cf_check_error("[interface wwan0]\nmetered = sometimes\n",
		       "test.conf:2: [interface wwan0] metered: 'sometimes' is "
		       "not a boolean (expected true or false)");
}
END_TEST

START_TEST(test_quality_keys_are_read_and_checked)
{
	struct sf_config *config = cf_load_ok("[quality]\n"
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

	cf_check_error("[quality]\npoll-ms = 20\n",
		       "test.conf:2: [quality] poll-ms: 20 is out of range "
		       "(expected 50..10000)");
	cf_check_error("[quality]\nmax-loss-percent = 0\n",
		       "test.conf:2: [quality] max-loss-percent: 0 is out of "
		       "range (expected 1..100)");
	cf_check_error("[quality]\nmax-rtt-ratio = 1.5\n",
		       "test.conf:2: [quality] max-rtt-ratio: '1.5' is not a "
		       "number (expected 2..1000)");
	cf_check_error("[quality]\n\n[quality]\n",
		       "test.conf:3: [quality]: duplicate section (first on "
		       "line 1)");
	cf_check_error("[quality]\nloss = 5\n",
		       "test.conf:2: [quality] loss: unknown key (expected one "
		       "of poll-ms, max-loss-percent, max-rtt-ratio, "
		       "min-rtt-increase-ms, stall-ms, recover-ms, "
		       "worse-rtt-ratio, worse-loss-percent, probe-ms)");
}
END_TEST

START_TEST(test_iface_glob_header_keeps_brackets)
{
	struct sf_config *config = cf_load_ok("[interface eth[0-9]]   # ports\n"
					      "backup = true\n");
	const struct sf_config_iface *iface = l_queue_peek_head(config->ifaces);

	ck_assert_str_eq(iface->pattern, "eth[0-9]");
	ck_assert(iface->policy.backup);
	sf_config_free(config);
}
END_TEST

START_TEST(test_rule_bare_addresses_are_host_prefixes)
{
	struct sf_config *config = cf_load_ok("[rule r]\n"
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
	struct sf_config *config = cf_load_ok("[rule r]\n"
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
	struct sf_config *config = cf_load_ok("[rule ports]\n"
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

START_TEST(test_same_key_in_two_sections_is_fine)
{
	struct sf_config *config = cf_load_ok("[interface eth0]\nbackup = true\n"
					      "[interface eth1]\nbackup = true\n");

	ck_assert_uint_eq(l_queue_length(config->ifaces), 2);
	sf_config_free(config);
}
END_TEST

START_TEST(test_valid_globs_are_accepted)
{
	struct sf_config *config = cf_load_ok(
		"[filter]\n"
		"include-interfaces = eth[]] en[!0-9]* w? [[:alpha:]]x \\*\n");
	static const char * const globs[] = {
		"eth[]]", "en[!0-9]*", "w?", "[[:alpha:]]x", "\\*", NULL
	};

	check_strv(config->filter.include_interfaces, globs);
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
	_auto_(l_free) char *path = write_temp(cf_design_example);
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
	ck_assert_int_eq(cf_load("\x1b[2J\xff\n", &config, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "test.conf:1: syntax error: '\\x1b[2J\\xff' is "
			 "neither KEY = VALUE nor [SECTION]");
}
END_TEST

START_TEST(test_error_message_is_truncated_to_buffer)
{
	struct sf_config *config = NULL;
	char err[12];

	ck_assert_int_eq(cf_load("[core]\nmode = x\n", &config, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "test.conf:2");
	ck_assert_int_eq(cf_load("[core]\nmode = x\n", &config, NULL, 0), -EINVAL);
	ck_assert_ptr_null(config);
}
END_TEST

/* --- interface policy lookup ------------------------------------------------- */

START_TEST(test_iface_policy_exact_beats_earlier_glob)
{
	struct sf_config *config = cf_load_ok("[interface eth*]\n"
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

	tc = tcase_create("lookup");
	tcase_add_test(tc, test_iface_policy_exact_beats_earlier_glob);
	tcase_add_test(tc, test_iface_policy_defaults_without_sections);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return sf_unit_run(config_suite());
}
