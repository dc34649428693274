/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Path health on D-Bus: Connection1.SubflowStats and Interface1.BytesSent
 * and BytesReceived, read from the health monitor (healthmon.h), and their
 * PropertiesChanged, sent when the monitor reports a change: at most once
 * per SF_HEALTHMON_SLOW_MS per object, whatever the sampling rate.
 */
#include <errno.h>
#include <string.h>

#include "dbus-private.h"
#include "healthmon.h"
#include "util.h"

/* --- Connection1.SubflowStats a(sqsqa{sv}) --------------------------------- */

/*
 * Is bus answering a client's Get or GetAll of the property, as opposed to
 * GetManagedObjects, an InterfacesAdded or a PropertiesChanged? Only such a
 * read asks the monitor to watch the connection (sf_healthmon_observe()):
 * listing every connection must not monitor them all.
 */
static bool read_by_name(sd_bus *bus)
{
	sd_bus_message *m = sd_bus_get_current_message(bus);

	return m && sd_bus_message_is_method_call(m,
			"org.freedesktop.DBus.Properties", NULL) &&
	       (!strcmp(sd_bus_message_get_member(m), "Get") ||
		!strcmp(sd_bus_message_get_member(m), "GetAll"));
}

struct stats_ctx {
	sd_bus_message *reply;
	int r;
};

static int append_u(sd_bus_message *m, const char *key, uint32_t value)
{
	return sd_bus_message_append(m, "{sv}", key, "u", value);
}

static int append_t(sd_bus_message *m, const char *key, uint64_t value)
{
	return sd_bus_message_append(m, "{sv}", key, "t", value);
}

static int append_stats(sd_bus_message *m, const struct sf_health_key *key,
			const struct sf_subflow_health *h)
{
	char l[SF_ADDR_STRLEN], rem[SF_ADDR_STRLEN];
	int r;

	r = sd_bus_message_open_container(m, 'r', "sqsqa{sv}");
	if (r >= 0)
		r = sd_bus_message_append(m, "sqsq",
					  sf_addr_to_str(&key->local, false, l),
					  key->local.port,
					  sf_addr_to_str(&key->remote, false,
							 rem),
					  key->remote.port);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "{sv}");
	if (r >= 0)
		r = sd_bus_message_append(m, "{sv}", "State", "s",
					  sf_health_state_to_str(h->state));
	if (r >= 0)
		r = append_u(m, "StateMs", h->state_ms);
	if (r >= 0)
		r = append_u(m, "RttUs", h->srtt_us);
	if (r >= 0)
		r = append_u(m, "MinRttUs", h->min_rtt_us);
	if (r >= 0)
		r = append_u(m, "LossPermille", h->loss_permille);
	if (r >= 0)
		r = append_u(m, "Retransmissions", h->total_retrans);
	if (r >= 0)
		r = append_t(m, "BytesSent", h->bytes_sent);
	if (r >= 0)
		r = append_t(m, "BytesAcked", h->bytes_acked);
	if (r >= 0)
		r = append_t(m, "BytesReceived", h->bytes_received);
	if (r >= 0)
		r = append_u(m, "IdleMs", h->idle_ms);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

static void stats_one(const struct sf_health_key *key,
		      const struct sf_subflow_health *h, void *user_data)
{
	struct stats_ctx *ctx = user_data;

	if (ctx->r >= 0)
		ctx->r = append_stats(ctx->reply, key, h);
}

int sf_dbus_get_subflow_stats(sd_bus *bus, const char *path,
			      const char *interface, const char *property,
			      sd_bus_message *reply, void *userdata,
			      sd_bus_error *ret_error)
{
	const struct sf_dbus_conn *conn = userdata;
	const struct sf_health *health = sf_healthmon_health();
	struct stats_ctx ctx = { reply, 0 };
	int r;

	if (read_by_name(bus))
		sf_healthmon_observe(conn->token);

	r = sd_bus_message_open_container(reply, 'a', "(sqsqa{sv})");
	if (r < 0)
		return r;

	if (health)
		sf_health_foreach_conn(health, conn->token,
				       sf_healthmon_now_ms(), stats_one, &ctx);
	if (ctx.r < 0)
		return ctx.r;

	return sd_bus_message_close_container(reply);
}

/* --- Interface1.BytesSent t, BytesReceived t --------------------------------- */

int sf_dbus_get_iface_bytes(sd_bus *bus, const char *path,
			    const char *interface, const char *property,
			    sd_bus_message *reply, void *userdata,
			    sd_bus_error *ret_error)
{
	const struct sf_dbus_iface *iface = userdata;
	const struct sf_health *health = sf_healthmon_health();
	uint64_t sent = 0, received = 0;

	if (health)
		sf_health_iface_bytes(health, iface->ifindex, &sent, &received);

	return sd_bus_message_append(reply, "t",
				     !strcmp(property, "BytesSent") ? sent :
				     received);
}

/* --- signals ------------------------------------------------------------------ */

static void conn_changed(uint32_t token, void *user_data)
{
	static const char *const props[] = { "SubflowStats", NULL };
	struct sf_dbus *d = user_data;
	char path[SF_DBUS_PATH_MAX];

	if (sf_dbus_conn_published(d, token))
		sf_dbus_emit_props(d, sf_dbus_conn_path(token, path),
				   SF_DBUS_CONN_IFACE, props);
}

static void iface_changed(int32_t ifindex, void *user_data)
{
	static const char *const props[] = {
		"BytesSent", "BytesReceived", NULL,
	};
	struct sf_dbus *d = user_data;
	char path[SF_DBUS_PATH_MAX];

	if (sf_dbus_iface_published(d, ifindex))
		sf_dbus_emit_props(d, sf_dbus_iface_path(ifindex, path),
				   SF_DBUS_IFACE_IFACE, props);
}

static const struct sf_healthmon_listener listener = {
	.conn_changed = conn_changed,
	.iface_changed = iface_changed,
};

void sf_dbus_health_attach(struct sf_dbus *d)
{
	sf_healthmon_set_listener(&listener, d);
}

void sf_dbus_health_detach(struct sf_dbus *d)
{
	sf_healthmon_set_listener(NULL, NULL);
}
