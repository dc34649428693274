/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowd.conf(5) names: the words of the enums and endpoint flags, both
 * ways, and the effective settings printed as a config file that reads
 * back to the same settings (--check-config).
 */
#include <errno.h>
#include <string.h>

#include "config-private.h"
#include "mptcp_uapi.h"
#include "util.h"

const struct sf_config_flag_name sf_config_endpoint_flags[] = {
	{ "signal", MPTCP_PM_ADDR_FLAG_SIGNAL },
	{ "subflow", MPTCP_PM_ADDR_FLAG_SUBFLOW },
	{ "backup", MPTCP_PM_ADDR_FLAG_BACKUP },
	{ "fullmesh", MPTCP_PM_ADDR_FLAG_FULLMESH },
	{ "laminar", MPTCP_PM_ADDR_FLAG_LAMINAR },
};
const size_t sf_config_n_endpoint_flags =
	SF_ARRAY_SIZE(sf_config_endpoint_flags);

/* --- enum names ------------------------------------------------------------ */

const char *sf_mode_to_str(enum sf_mode mode)
{
	switch (mode) {
	case SF_MODE_USERSPACE:
		return "userspace";
	case SF_MODE_KERNEL:
		return "kernel";
	}

	return "unknown";
}

int sf_mode_from_str(const char *str, enum sf_mode *ret_mode)
{
	static const enum sf_mode modes[] = {
		SF_MODE_USERSPACE, SF_MODE_KERNEL,
	};

	for (size_t i = 0; str && i < SF_ARRAY_SIZE(modes); i++) {
		if (!strcmp(str, sf_mode_to_str(modes[i]))) {
			*ret_mode = modes[i];
			return 0;
		}
	}

	return -EINVAL;
}

const char *sf_log_target_to_str(enum sf_log_target target)
{
	switch (target) {
	case SF_LOG_STDERR:
		return "stderr";
	case SF_LOG_JOURNAL:
		return "journal";
	case SF_LOG_SYSLOG:
		return "syslog";
	}

	return "unknown";
}

int sf_log_target_from_str(const char *str, enum sf_log_target *ret_target)
{
	static const enum sf_log_target targets[] = {
		SF_LOG_STDERR, SF_LOG_JOURNAL, SF_LOG_SYSLOG,
	};

	for (size_t i = 0; str && i < SF_ARRAY_SIZE(targets); i++) {
		if (!strcmp(str, sf_log_target_to_str(targets[i]))) {
			*ret_target = targets[i];
			return 0;
		}
	}

	return -EINVAL;
}

const char *sf_config_standby_to_str(enum sf_standby standby)
{
	switch (standby) {
	case SF_STANDBY_OPEN:
		return "open";
	case SF_STANDBY_ON_DEMAND:
		return "on-demand";
	}

	return "unknown";
}

int sf_config_standby_from_str(const char *str, enum sf_standby *ret_standby)
{
	static const enum sf_standby modes[] = {
		SF_STANDBY_OPEN, SF_STANDBY_ON_DEMAND,
	};

	for (size_t i = 0; i < SF_ARRAY_SIZE(modes); i++) {
		if (!strcmp(str, sf_config_standby_to_str(modes[i]))) {
			*ret_standby = modes[i];
			return 0;
		}
	}

	return -EINVAL;
}
/* --- printing --------------------------------------------------------------- */

static void print_words(FILE *out, const char *key, char **words)
{
	fprintf(out, "%s =", key);
	for (size_t i = 0; words && words[i]; i++)
		fprintf(out, " %s", words[i]);
	fputc('\n', out);
}

static void print_bool(FILE *out, const char *key, bool value)
{
	fprintf(out, "%s = %s\n", key, value ? "true" : "false");
}

static void print_endpoint_flags(FILE *out, uint32_t flags)
{
	fputs("endpoint-flags =", out);
	for (size_t i = 0; i < sf_config_n_endpoint_flags; i++)
		if (flags & sf_config_endpoint_flags[i].flag)
			fprintf(out, " %s", sf_config_endpoint_flags[i].name);
	fputc('\n', out);
}

static void print_iface(void *data, void *user_data)
{
	const struct sf_config_iface *iface = data;
	FILE *out = user_data;

	fprintf(out, "\n[interface %s]\n", iface->pattern);
	print_bool(out, "backup", iface->policy.backup);
	print_bool(out, "announce", iface->policy.announce);
	fprintf(out, "subflows = %u\n", iface->policy.subflows);
	print_bool(out, "enabled", iface->policy.enabled);
	print_endpoint_flags(out, iface->policy.endpoint_flags);
	fprintf(out, "priority = %u\n", iface->policy.priority);
	print_bool(out, "metered", iface->policy.metered);
}

static void print_rule(void *data, void *user_data)
{
	const struct sf_config_rule *rule = data;
	FILE *out = user_data;

	fprintf(out, "\n[rule %s]\n", rule->name);

	if (rule->n_remotes) {
		fputs("match-remote =", out);
		for (size_t i = 0; i < rule->n_remotes; i++) {
			char buf[SF_ADDR_STRLEN];
			const struct sf_prefix *prefix = &rule->remotes[i];

			fprintf(out, " %s/%u",
				sf_addr_to_str(&prefix->addr, false, buf),
				prefix->len);
		}
		fputc('\n', out);
	}

	if (rule->n_ports) {
		fputs("match-port =", out);
		for (size_t i = 0; i < rule->n_ports; i++)
			fprintf(out, " %u", rule->ports[i]);
		fputc('\n', out);
	}

	if (rule->has_uid)
		fprintf(out, "match-uid = %u\n", (unsigned int) rule->uid);

	if (rule->cgroup)
		fprintf(out, "match-cgroup = %s\n", rule->cgroup);

	if (rule->policy)
		fprintf(out, "policy = %s\n", rule->policy);
}

static void print_quality(FILE *out, const struct sf_quality_config *q)
{
	fputs("\n[quality]\n", out);
	fprintf(out, "poll-ms = %u\n", q->poll_ms);
	fprintf(out, "max-loss-percent = %u\n", q->max_loss_percent);
	fprintf(out, "max-rtt-ratio = %u\n", q->max_rtt_ratio);
	fprintf(out, "min-rtt-increase-ms = %u\n", q->min_rtt_increase_ms);
	fprintf(out, "stall-ms = %u\n", q->stall_ms);
	fprintf(out, "recover-ms = %u\n", q->recover_ms);
	fprintf(out, "worse-rtt-ratio = %u\n", q->worse_rtt_ratio);
	fprintf(out, "worse-loss-percent = %u\n", q->worse_loss_percent);
	fprintf(out, "probe-ms = %u\n", q->probe_ms);
}

void sf_config_print(const struct sf_config *config, FILE *out)
{
	const struct sf_filter_config *filter = &config->filter;

	fprintf(out, "# subflowd effective settings (%s)\n",
		config->path ? config->path : "built-in defaults");

	fputs("[core]\n", out);
	fprintf(out, "mode = %s\n", sf_mode_to_str(config->mode));
	if (config->policy)
		fprintf(out, "policy = %s\n", config->policy);
	print_words(out, "plugins", config->plugins);
	fprintf(out, "max-subflows = %u\n", config->max_subflows);
	fprintf(out, "standby = %s\n",
		sf_config_standby_to_str(config->standby));
	if (config->control_group)
		fprintf(out, "control-group = %s\n", config->control_group);
	fprintf(out, "log = %s\n", sf_log_target_to_str(config->log));
	print_endpoint_flags(out, config->endpoint_flags);

	fputs("\n[filter]\n", out);
	print_words(out, "exclude-interfaces", filter->exclude_interfaces);
	print_words(out, "include-interfaces", filter->include_interfaces);
	print_bool(out, "skip-link-local", filter->skip_link_local);
	print_bool(out, "skip-ula", filter->skip_ula);
	print_bool(out, "skip-temporary", filter->skip_temporary);
	print_bool(out, "skip-deprecated", filter->skip_deprecated);
	print_bool(out, "require-default-route",
		   filter->require_default_route);

	l_queue_foreach(config->ifaces, print_iface, out);
	l_queue_foreach(config->rules, print_rule, out);
	print_quality(out, &config->quality);
}
