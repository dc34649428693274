/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowd.conf(5) refusals: every syntax, section and value error, each
 * with its exact FILE:LINE message, and the first one in file order wins.
 */
#include <errno.h>

#include "config.h"
#include "config-fixture.h"
#include "unit.h"

/* --- syntax errors ------------------------------------------------------------ */

START_TEST(test_error_unterminated_header)
{
	cf_check_error("[core\nmode = kernel\n",
		       "test.conf:1: syntax error: section header without its "
		       "closing ']' (expected [SECTION] or [SECTION NAME])");
	cf_check_error("[core] junk\n",
		       "test.conf:1: syntax error: text after the section header "
		       "(expected [SECTION] or [SECTION NAME] and at most a "
		       "comment)");
}
END_TEST

START_TEST(test_error_line_without_equals)
{
	cf_check_error("[core]\nmode kernel\n",
		       "test.conf:2: syntax error: 'mode kernel' is neither KEY = "
		       "VALUE nor [SECTION]");
}
END_TEST

START_TEST(test_error_missing_key)
{
	cf_check_error("[core]\n = kernel\n",
		       "test.conf:2: syntax error: no key before '='");
}
END_TEST

START_TEST(test_error_bad_key_name)
{
	cf_check_error("[core]\nmax subflows = 2\n",
		       "test.conf:2: syntax error: 'max subflows' is not a key "
		       "name (expected letters, digits and '-')");
}
END_TEST

START_TEST(test_error_nul_byte)
{
	static const char data[] = "[core]\nmode = ker\0nel\n";
	struct sf_config *config = NULL;
	char err[512] = "";

	ck_assert_int_eq(sf_config_load_data(CF_NAME, data, sizeof(data) - 1,
					     &config, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "test.conf:2: syntax error: NUL byte (expected "
			 "a text file)");
}
END_TEST

START_TEST(test_error_key_outside_section)
{
	cf_check_error("# top\nmode = kernel\n[core]\n",
		       "test.conf:2: mode: key outside any section (expected a "
		       "[SECTION] line before it)");
}
END_TEST

/* --- section errors ------------------------------------------------------------ */

START_TEST(test_error_unknown_section)
{
	cf_check_error("[core]\n[global]\n",
		       "test.conf:2: [global]: unknown section (expected [core], "
		       "[filter], [interface NAME], [rule NAME] or [quality])");
	cf_check_error("[]\n",
		       "test.conf:1: []: unknown section (expected [core], "
		       "[filter], [interface NAME], [rule NAME] or [quality])");
}
END_TEST

START_TEST(test_error_core_with_name)
{
	cf_check_error("[core main]\n",
		       "test.conf:1: [core main]: unexpected name 'main' (this "
		       "section takes none)");
	cf_check_error("[filter x]\n",
		       "test.conf:1: [filter x]: unexpected name 'x' (this "
		       "section takes none)");
}
END_TEST

START_TEST(test_error_duplicate_core_and_filter)
{
	cf_check_error("[core]\nmode = kernel\n[core]\n",
		       "test.conf:3: [core]: duplicate section (first on line 1)");
	cf_check_error("\n[filter]\n[filter]\n",
		       "test.conf:3: [filter]: duplicate section (first on line "
		       "2)");
}
END_TEST

START_TEST(test_error_interface_without_name)
{
	cf_check_error("[interface]\n",
		       "test.conf:1: [interface]: missing interface name "
		       "(expected [interface NAME], NAME an interface name or "
		       "glob)");
}
END_TEST

START_TEST(test_error_interface_bad_glob)
{
	cf_check_error("[interface eth[0]\n",
		       "test.conf:1: [interface eth[0]: 'eth[0' is not a valid "
		       "interface glob: unbalanced '['");
	cf_check_error("[interface a/b]\n",
		       "test.conf:1: [interface a/b]: 'a/b' is not a valid "
		       "interface glob: '/' cannot appear in an interface name");
	cf_check_error("[interface abcdefghijklmnop]\n",
		       "test.conf:1: [interface abcdefghijklmnop]: "
		       "'abcdefghijklmnop' is not a valid interface glob: an "
		       "interface name has at most 15 characters");
	cf_check_error("[interface eth 0]\n",
		       "test.conf:1: [interface eth 0]: 'eth 0' is not an "
		       "interface name or glob (it contains blanks)");
}
END_TEST

START_TEST(test_error_duplicate_interface)
{
	cf_check_error("[interface wlan0]\nbackup = true\n\n[interface wlan0]\n",
		       "test.conf:4: [interface wlan0]: duplicate section (first "
		       "on line 1)");
}
END_TEST

START_TEST(test_error_rule_without_name)
{
	cf_check_error("[rule]\n",
		       "test.conf:1: [rule]: missing rule name (expected "
		       "[rule NAME])");
	cf_check_error("[rule a b]\n",
		       "test.conf:1: [rule a b]: 'a b' is not a rule name "
		       "(expected a single word)");
}
END_TEST

START_TEST(test_error_duplicate_rule)
{
	cf_check_error("[rule web]\nmatch-port = 80\npolicy = sspi\n"
		       "[rule web]\nmatch-port = 443\npolicy = sspi\n",
		       "test.conf:4: [rule web]: duplicate section (first on line "
		       "1)");
}
END_TEST

START_TEST(test_error_rule_without_match)
{
	cf_check_error("[core]\n[rule video]\npolicy = handover\n[filter]\n",
		       "test.conf:2: [rule video]: matches nothing (expected at "
		       "least one of match-remote, match-port, match-uid, "
		       "match-cgroup)");
	/* also at the end of the file */
	cf_check_error("[rule video]\npolicy = handover\n",
		       "test.conf:1: [rule video]: matches nothing (expected at "
		       "least one of match-remote, match-port, match-uid, "
		       "match-cgroup)");
}
END_TEST

START_TEST(test_error_rule_without_policy)
{
	cf_check_error("[core]\n\n[rule video]\nmatch-port = 443\n",
		       "test.conf:3: [rule video] policy: missing (expected the "
		       "policy plugin for connections this rule matches)");
}
END_TEST

/* --- key errors --------------------------------------------------------------- */

START_TEST(test_error_unknown_keys)
{
	cf_check_error("[core]\npolicy = sspi\nmax_subflows = 2\n",
		       "test.conf:3: [core] max_subflows: unknown key (expected "
		       "one of mode, policy, plugins, max-subflows, standby, "
		       "control-group, log, endpoint-flags)");
	cf_check_error("[filter]\nskip-loopback = true\n",
		       "test.conf:2: [filter] skip-loopback: unknown key "
		       "(expected one of exclude-interfaces, include-interfaces, "
		       "skip-link-local, skip-ula, skip-temporary, "
		       "skip-deprecated, require-default-route)");
	cf_check_error("[interface eth0]\npolicy = sspi\n",
		       "test.conf:2: [interface eth0] policy: unknown key "
		       "(expected one of backup, announce, subflows, enabled, "
		       "endpoint-flags, priority, metered)");
	cf_check_error("[rule r]\nmatch-port = 1\nmatch-proto = tcp\n",
		       "test.conf:3: [rule r] match-proto: unknown key (expected "
		       "one of match-remote, match-port, match-uid, match-cgroup, "
		       "policy)");
}
END_TEST

START_TEST(test_error_duplicate_key)
{
	cf_check_error("[core]\nmode = kernel\n# again\nmode = userspace\n",
		       "test.conf:4: [core] mode: duplicate key (first set on "
		       "line 2)");
	cf_check_error("[interface eth0]\nbackup = true\nbackup = true\n",
		       "test.conf:3: [interface eth0] backup: duplicate key "
		       "(first set on line 2)");
}
END_TEST


START_TEST(test_error_bad_mode_standby_log)
{
	cf_check_error("[core]\nmode = Userspace\n",
		       "test.conf:2: [core] mode: 'Userspace' is not a mode "
		       "(expected userspace or kernel)");
	cf_check_error("[core]\nstandby = lazy\n",
		       "test.conf:2: [core] standby: 'lazy' is not a standby mode "
		       "(expected open or on-demand)");
	cf_check_error("[core]\nlog = file\n",
		       "test.conf:2: [core] log: 'file' is not a log target "
		       "(expected stderr, journal or syslog)");
	cf_check_error("[core]\nlog =\n",
		       "test.conf:2: [core] log: '' is not a log target "
		       "(expected stderr, journal or syslog)");
}
END_TEST

START_TEST(test_error_bad_policy_names)
{
	cf_check_error("[core]\npolicy =   # none\n",
		       "test.conf:2: [core] policy: empty value (expected a plugin "
		       "name of a-z, 0-9, '_' and '-')");
	cf_check_error("[core]\npolicy = Full/Mesh\n",
		       "test.conf:2: [core] policy: 'Full/Mesh' is not a plugin "
		       "name (expected a-z, 0-9, '_' and '-')");
	cf_check_error("[core]\nplugins = fullmesh, ../evil\n",
		       "test.conf:2: [core] plugins: '../evil' is not a plugin "
		       "name (expected names of a-z, 0-9, '_' and '-', separated "
		       "by spaces or commas)");
	cf_check_error("[rule r]\nmatch-port = 1\npolicy = a b\n",
		       "test.conf:3: [rule r] policy: 'a b' is not a plugin name "
		       "(expected a-z, 0-9, '_' and '-')");
}
END_TEST

START_TEST(test_error_bad_max_subflows)
{
	cf_check_error("[core]\nmax-subflows = 0\n",
		       "test.conf:2: [core] max-subflows: 0 is out of range "
		       "(expected 1..255)");
	cf_check_error("[core]\nmax-subflows = 256\n",
		       "test.conf:2: [core] max-subflows: 256 is out of range "
		       "(expected 1..255)");
	cf_check_error("[core]\nmax-subflows = 99999999999999999999999\n",
		       "test.conf:2: [core] max-subflows: 99999999999999999999999 "
		       "is out of range (expected 1..255)");
	cf_check_error("[core]\nmax-subflows = -1\n",
		       "test.conf:2: [core] max-subflows: '-1' is not a number "
		       "(expected 1..255)");
	cf_check_error("[core]\nmax-subflows = eight\n",
		       "test.conf:2: [core] max-subflows: 'eight' is not a number "
		       "(expected 1..255)");
	cf_check_error("[core]\nmax-subflows =\n",
		       "test.conf:2: [core] max-subflows: '' is not a number "
		       "(expected 1..255)");
}
END_TEST

START_TEST(test_error_bad_control_group)
{
	cf_check_error("[core]\ncontrol-group =\n",
		       "test.conf:2: [core] control-group: empty value (expected "
		       "a group name)");
	cf_check_error("[core]\ncontrol-group = net admins\n",
		       "test.conf:2: [core] control-group: 'net admins' is not a "
		       "group name (expected a single word)");
}
END_TEST

START_TEST(test_error_bad_endpoint_flags)
{
	cf_check_error("[core]\nendpoint-flags = subflow implicit\n",
		       "test.conf:2: [core] endpoint-flags: 'implicit' is not an "
		       "endpoint flag (expected subflow, signal, backup, fullmesh "
		       "or laminar)");
	cf_check_error("[core]\nendpoint-flags =\n",
		       "test.conf:2: [core] endpoint-flags: empty value (expected "
		       "one or more of subflow, signal, backup, fullmesh, "
		       "laminar)");
	cf_check_error("[interface eth0]\nendpoint-flags = signal fullmesh\n",
		       "test.conf:2: [interface eth0] endpoint-flags: signal and "
		       "fullmesh cannot be combined (the kernel refuses such an "
		       "endpoint)");
}
END_TEST

START_TEST(test_error_bad_bools)
{
	cf_check_error("[filter]\nskip-ula = maybe\n",
		       "test.conf:2: [filter] skip-ula: 'maybe' is not a boolean "
		       "(expected true or false)");
	cf_check_error("[interface *]\nannounce = TRUE\n",
		       "test.conf:2: [interface *] announce: 'TRUE' is not a "
		       "boolean (expected true or false)");
	cf_check_error("[interface *]\nenabled =\n",
		       "test.conf:2: [interface *] enabled: '' is not a boolean "
		       "(expected true or false)");
}
END_TEST

START_TEST(test_error_bad_filter_globs)
{
	cf_check_error("[filter]\nexclude-interfaces = lo docker*  veth[0-\n",
		       "test.conf:2: [filter] exclude-interfaces: 'veth[0-' is not "
		       "a valid interface glob: unbalanced '[' (expected names or "
		       "fnmatch(3) patterns separated by spaces)");
	cf_check_error("[filter]\ninclude-interfaces = eth0 net/1\n",
		       "test.conf:2: [filter] include-interfaces: 'net/1' is not "
		       "a valid interface glob: '/' cannot appear in an interface "
		       "name (expected names or fnmatch(3) patterns separated by "
		       "spaces)");
	cf_check_error("[filter]\ninclude-interfaces = eth\\\n",
		       "test.conf:2: [filter] include-interfaces: 'eth\\' is not a "
		       "valid interface glob: it ends with a lone '\\' (expected "
		       "names or fnmatch(3) patterns separated by spaces)");
	cf_check_error("[filter]\ninclude-interfaces = e[[:digit]\n",
		       "test.conf:2: [filter] include-interfaces: 'e[[:digit]' is "
		       "not a valid interface glob: unbalanced '[:' (expected "
		       "names or fnmatch(3) patterns separated by spaces)");
}
END_TEST

START_TEST(test_error_bad_iface_subflows)
{
	cf_check_error("[interface eth0]\nsubflows = 9\n",
		       "test.conf:2: [interface eth0] subflows: 9 is out of range "
		       "(expected 1..8)");
	cf_check_error("[interface eth0]\nsubflows = 0\n",
		       "test.conf:2: [interface eth0] subflows: 0 is out of range "
		       "(expected 1..8)");
}
END_TEST

START_TEST(test_error_priority_out_of_range)
{
	cf_check_error("[interface eth0]\npriority = 256\n",
		       "test.conf:2: [interface eth0] priority: 256 is out of "
		       "range (expected 0..255)");
	cf_check_error("[interface eth0]\npriority = -1\n",
		       "test.conf:2: [interface eth0] priority: '-1' is not a "
		       "number (expected 0..255)");
}
END_TEST

START_TEST(test_error_bad_prefixes)
{
	cf_check_error("[rule r]\nmatch-remote = 10.0.0.0/33\n",
		       "test.conf:2: [rule r] match-remote: '10.0.0.0/33' is not a "
		       "prefix: length '33' is out of range (expected 0..32 for "
		       "IPv4)");
	cf_check_error("[rule r]\nmatch-remote = 2001:db8::/129\n",
		       "test.conf:2: [rule r] match-remote: '2001:db8::/129' is "
		       "not a prefix: length '129' is out of range (expected "
		       "0..128 for IPv6)");
	cf_check_error("[rule r]\nmatch-remote = 192.0.2.0/24 300.1.1.1/8\n",
		       "test.conf:2: [rule r] match-remote: '300.1.1.1/8' is not a "
		       "prefix: '300.1.1.1' is not an IPv4 or IPv6 address "
		       "(expected ADDRESS or ADDRESS/LENGTH)");
	cf_check_error("[rule r]\nmatch-remote = 10.0.0.0/\n",
		       "test.conf:2: [rule r] match-remote: '10.0.0.0/' is not a "
		       "prefix: length '' is not a number (expected 0..32 for "
		       "IPv4)");
	cf_check_error("[rule r]\nmatch-remote = 10.0.0.0/-8\n",
		       "test.conf:2: [rule r] match-remote: '10.0.0.0/-8' is not a "
		       "prefix: length '-8' is not a number (expected 0..32 for "
		       "IPv4)");
	cf_check_error("[rule r]\nmatch-remote = example.com\n",
		       "test.conf:2: [rule r] match-remote: 'example.com' is not a "
		       "prefix: 'example.com' is not an IPv4 or IPv6 address "
		       "(expected ADDRESS or ADDRESS/LENGTH)");
	cf_check_error("[rule r]\nmatch-remote =\n",
		       "test.conf:2: [rule r] match-remote: empty value (expected "
		       "one or more prefixes such as 203.0.113.0/24 or "
		       "2001:db8::/32)");
}
END_TEST

START_TEST(test_error_bad_ports)
{
	cf_check_error("[rule r]\nmatch-port = 443 0\n",
		       "test.conf:2: [rule r] match-port: 0 is out of range "
		       "(expected 1..65535)");
	cf_check_error("[rule r]\nmatch-port = 65536\n",
		       "test.conf:2: [rule r] match-port: 65536 is out of range "
		       "(expected 1..65535)");
	cf_check_error("[rule r]\nmatch-port = https\n",
		       "test.conf:2: [rule r] match-port: 'https' is not a number "
		       "(expected 1..65535)");
	cf_check_error("[rule r]\nmatch-port = , \n",
		       "test.conf:2: [rule r] match-port: empty value (expected "
		       "one or more ports, 1..65535)");
}
END_TEST

START_TEST(test_error_bad_uid)
{
	cf_check_error("[rule r]\nmatch-uid = root\n",
		       "test.conf:2: [rule r] match-uid: 'root' is not a number "
		       "(expected a numeric user id; names are not looked up)");
	cf_check_error("[rule r]\nmatch-uid = 4294967295\n",
		       "test.conf:2: [rule r] match-uid: 4294967295 is out of "
		       "range (expected 0..4294967294)");
}
END_TEST

START_TEST(test_error_bad_cgroup)
{
	cf_check_error("[rule r]\nmatch-cgroup = system.slice/nginx.service\n",
		       "test.conf:2: [rule r] match-cgroup: "
		       "'system.slice/nginx.service' is not a cgroup path "
		       "(expected an absolute path such as "
		       "/system.slice/nginx.service)");
}
END_TEST

START_TEST(test_first_error_in_file_order_is_reported)
{
	cf_check_error("[core]\nmode = bad\n[filter]\nskip-ula = bad\n",
		       "test.conf:2: [core] mode: 'bad' is not a mode (expected "
		       "userspace or kernel)");
}
END_TEST

static Suite *config_errors_suite(void)
{
	Suite *s = suite_create("config-errors");
	TCase *tc;

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
	tcase_add_test(tc, test_error_priority_out_of_range);
	tcase_add_test(tc, test_error_bad_iface_subflows);
	tcase_add_test(tc, test_error_bad_prefixes);
	tcase_add_test(tc, test_error_bad_ports);
	tcase_add_test(tc, test_error_bad_uid);
	tcase_add_test(tc, test_error_bad_cgroup);
	tcase_add_test(tc, test_first_error_in_file_order_is_reported);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return sf_unit_run(config_errors_suite());
}
