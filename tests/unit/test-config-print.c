/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowd.conf(5) printing: the effective settings printed as a config
 * file that loads back to the same settings and prints the same again, the
 * exact default output, and the enum words both ways.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config-fixture.h"
#include "unit.h"
#include "util.h"

/* --- printing ---------------------------------------------------------------- */

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

	r = sf_config_load_data(config->path ? config->path : CF_NAME, first,
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
	struct sf_config *config = cf_load_ok(cf_design_example);

	check_round_trip(config);
	sf_config_free(config);
}
END_TEST

START_TEST(test_print_everything_round_trip)
{
	struct sf_config *config = cf_load_ok(
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

static Suite *config_print_suite(void)
{
	Suite *s = suite_create("config-print");
	TCase *tc;

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
	return sf_unit_run(config_print_suite());
}
