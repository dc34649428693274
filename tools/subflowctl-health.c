/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowctl: a connection's subflow health (Connection1.SubflowStats), as
 * a table under "show TOKEN" and as "subflow_stats" in its --json.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "dbus.h"
#include "subflowctl.h"

/* How long "show" waits for the figures of a connection measured from its
 * first read on: two of the daemon's slow rounds. */
#define HEALTH_WAIT_MS 100
#define HEALTH_WAIT_TRIES 20

struct stats {
	const char *local;
	uint16_t local_port;
	const char *remote;
	uint16_t remote_port;
	const char *state;
	uint32_t state_ms, rtt_us, min_rtt_us, loss_permille, retrans, idle_ms;
	uint64_t sent, acked, received;
};

static int read_stat(sd_bus_message *m, const char *name, void *obj)
{
	struct stats *s = obj;
	static const struct {
		const char *name;
		size_t offset;
	} u32[] = {
		{ "StateMs", offsetof(struct stats, state_ms) },
		{ "RttUs", offsetof(struct stats, rtt_us) },
		{ "MinRttUs", offsetof(struct stats, min_rtt_us) },
		{ "LossPermille", offsetof(struct stats, loss_permille) },
		{ "Retransmissions", offsetof(struct stats, retrans) },
		{ "IdleMs", offsetof(struct stats, idle_ms) },
	}, u64[] = {
		{ "BytesSent", offsetof(struct stats, sent) },
		{ "BytesAcked", offsetof(struct stats, acked) },
		{ "BytesReceived", offsetof(struct stats, received) },
	};

	if (!strcmp(name, "State"))
		return sd_bus_message_read(m, "v", "s", &s->state);
	for (size_t i = 0; i < sizeof(u32) / sizeof(u32[0]); i++)
		if (!strcmp(name, u32[i].name))
			return sd_bus_message_read(m, "v", "u",
						   (char *)s + u32[i].offset);
	for (size_t i = 0; i < sizeof(u64) / sizeof(u64[0]); i++)
		if (!strcmp(name, u64[i].name))
			return sd_bus_message_read(m, "v", "t",
						   (char *)s + u64[i].offset);
	return sd_bus_message_skip(m, "v");
}

/* Read SubflowStats of token into *ret (n_ret entries; free() it). */
static int get_stats(sd_bus *bus, uint32_t token, sd_bus_message **ret_reply,
		     struct stats **ret, size_t *n_ret)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	char path[SF_DBUS_PATH_MAX];
	struct stats s;
	int r;

	*ret = NULL;
	*n_ret = 0;
	r = sd_bus_get_property(bus, ctl_dest, sf_dbus_conn_path(token, path),
				SF_DBUS_CONN_IFACE, "SubflowStats", &error,
				ret_reply, "a(sqsqa{sv})");
	if (r < 0) {
		ctl_fail_bus("SubflowStats", &error, r);
		sd_bus_error_free(&error);
		return r;
	}

	r = sd_bus_message_enter_container(*ret_reply, 'a', "(sqsqa{sv})");
	while (r >= 0 &&
	       (r = sd_bus_message_enter_container(*ret_reply, 'r',
						   "sqsqa{sv}")) > 0) {
		s = (struct stats) { .state = "unknown" };
		r = sd_bus_message_read(*ret_reply, "sqsq", &s.local,
					&s.local_port, &s.remote,
					&s.remote_port);
		if (r >= 0)
			r = ctl_read_props(*ret_reply, read_stat, &s);
		if (r >= 0)
			r = sd_bus_message_exit_container(*ret_reply);
		if (r < 0)
			break;
		*ret = ctl_grow(*ret, *n_ret, sizeof(s));
		(*ret)[(*n_ret)++] = s;
	}
	if (r < 0)
		fprintf(stderr, "subflowctl: SubflowStats: %s\n", strerror(-r));
	return r < 0 ? r : 0;
}

static void json_u64(const char *key, uint64_t value)
{
	printf(",\"%s\":%" PRIu64, key, value);
}

int ctl_show_health(sd_bus *bus, uint32_t token, size_t n_subflows)
{
	sd_bus_message *reply = NULL;
	struct stats *s = NULL;
	size_t n = 0;
	char l[80], rem[80];
	int r = get_stats(bus, token, &reply, &s, &n);

	/*
	 * The daemon measures a connection's health from the first read of
	 * its SubflowStats on (unless its policy or a metered path already
	 * had it measured): the figures come with its next read of tcp_info,
	 * within a second.
	 */
	for (int i = 0; r >= 0 && n < n_subflows && i < HEALTH_WAIT_TRIES;
	     i++) {
		free(s);
		sd_bus_message_unref(reply);
		reply = NULL;
		usleep(HEALTH_WAIT_MS * 1000);
		r = get_stats(bus, token, &reply, &s, &n);
	}
	if (r < 0)
		goto out;

	if (ctl_json) {
		fputs(",\"subflow_stats\":[", stdout);
		for (size_t i = 0; i < n; i++) {
			fputs(i ? ",{\"local_address\":" :
			      "{\"local_address\":", stdout);
			ctl_json_str(s[i].local);
			json_u64("local_port", s[i].local_port);
			fputs(",\"remote_address\":", stdout);
			ctl_json_str(s[i].remote);
			json_u64("remote_port", s[i].remote_port);
			fputs(",\"state\":", stdout);
			ctl_json_str(s[i].state);
			json_u64("state_ms", s[i].state_ms);
			json_u64("rtt_us", s[i].rtt_us);
			json_u64("min_rtt_us", s[i].min_rtt_us);
			json_u64("loss_permille", s[i].loss_permille);
			json_u64("retransmissions", s[i].retrans);
			json_u64("bytes_sent", s[i].sent);
			json_u64("bytes_acked", s[i].acked);
			json_u64("bytes_received", s[i].received);
			json_u64("idle_ms", s[i].idle_ms);
			putchar('}');
		}
		putchar(']');
		goto out;
	}

	printf("  health\n");
	printf("    %-23s  %-23s  %-7s  %8s  %8s  %6s  %12s  %12s  %8s\n",
	       "LOCAL", "REMOTE", "STATE", "RTT-MS", "MIN-MS", "LOSS%",
	       "SENT", "RECEIVED", "IDLE-MS");
	for (size_t i = 0; i < n; i++)
		printf("    %-23s  %-23s  %-7s  %8.1f  %8.1f  %6.1f  %12" PRIu64
		       "  %12" PRIu64 "  %8" PRIu32 "\n",
		       ctl_endpoint(s[i].local, s[i].local_port, l, sizeof(l)),
		       ctl_endpoint(s[i].remote, s[i].remote_port, rem,
				    sizeof(rem)),
		       s[i].state, s[i].rtt_us / 1000.0,
		       s[i].min_rtt_us / 1000.0, s[i].loss_permille / 10.0,
		       s[i].sent, s[i].received, s[i].idle_ms);
out:
	free(s);
	sd_bus_message_unref(reply);
	return r;
}
