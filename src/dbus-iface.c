/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.subflowd.Interface1 at /org/subflowd/interface/<ifindex>: one network
 * interface as the daemon sees it, with its effective policy. Read-only:
 * Manager1.SetInterfacePolicy changes the policy.
 */
#include <errno.h>

#include "dbus-private.h"
#include "util.h"

const char *const sf_dbus_iface_changing[] = {
	"Name", "Up", "Addresses", "Backup", "Announce", "Enabled", "Metered",
	NULL,
};

#define GETTER(fn)							\
	static int fn(sd_bus *bus, const char *path,			\
		      const char *interface, const char *property,	\
		      sd_bus_message *reply, void *userdata,		\
		      sd_bus_error *ret_error)

/* "" once the daemon forgot the link (it is withdrawn soon after). */
static const char *iface_name(const struct sf_dbus_iface *iface)
{
	const char *name = sf_iface_table_name(
		sf_daemon_ifaces(iface->dbus->daemon), iface->ifindex);

	return name ? name : "";
}

static void iface_policy(const struct sf_dbus_iface *iface,
			 struct sf_iface_policy *ret_policy)
{
	sf_daemon_get_iface_policy(iface->dbus->daemon, iface_name(iface),
				   ret_policy);
}

GETTER(get_name)
{
	return sd_bus_message_append(reply, "s", iface_name(userdata));
}

GETTER(get_index)
{
	const struct sf_dbus_iface *iface = userdata;

	return sd_bus_message_append(reply, "u", (uint32_t)iface->ifindex);
}

GETTER(get_up)
{
	const struct sf_dbus_iface *iface = userdata;

	return sd_bus_message_append(reply, "b", sf_iface_table_is_up(
			sf_daemon_ifaces(iface->dbus->daemon), iface->ifindex));
}

struct addrs_ctx {
	sd_bus_message *reply;
	int32_t ifindex;
	int r;
};

static void append_addr(const struct sf_local_addr *addr, void *user_data)
{
	struct addrs_ctx *ctx = user_data;
	char buf[SF_ADDR_STRLEN];

	if (ctx->r < 0 || addr->ifindex != ctx->ifindex)
		return;

	ctx->r = sd_bus_message_append(ctx->reply, "s",
				       sf_addr_to_str(&addr->addr, false, buf));
}

/* The interface's eligible addresses (those that passed [filter]). */
GETTER(get_addresses)
{
	const struct sf_dbus_iface *iface = userdata;
	struct addrs_ctx ctx = { reply, iface->ifindex, 0 };
	int r;

	r = sd_bus_message_open_container(reply, 'a', "s");
	if (r < 0)
		return r;

	sf_iface_table_foreach_eligible(sf_daemon_ifaces(iface->dbus->daemon),
					append_addr, &ctx);
	if (ctx.r < 0)
		return ctx.r;

	return sd_bus_message_close_container(reply);
}

GETTER(get_backup)
{
	struct sf_iface_policy policy;

	iface_policy(userdata, &policy);
	return sd_bus_message_append(reply, "b", policy.backup);
}

GETTER(get_announce)
{
	struct sf_iface_policy policy;

	iface_policy(userdata, &policy);
	return sd_bus_message_append(reply, "b", policy.announce);
}

GETTER(get_enabled)
{
	struct sf_iface_policy policy;

	iface_policy(userdata, &policy);
	return sd_bus_message_append(reply, "b", policy.enabled);
}

GETTER(get_metered)
{
	struct sf_iface_policy policy;

	iface_policy(userdata, &policy);
	return sd_bus_message_append(reply, "b", policy.metered);
}

#define EMITS SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE

const sd_bus_vtable sf_dbus_iface_vtable[] = {
	SD_BUS_VTABLE_START(SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_PROPERTY("Name", "s", get_name, 0, EMITS),
	SD_BUS_PROPERTY("Index", "u", get_index, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Up", "b", get_up, 0, EMITS),
	SD_BUS_PROPERTY("Addresses", "as", get_addresses, 0, EMITS),
	SD_BUS_PROPERTY("Backup", "b", get_backup, 0, EMITS),
	SD_BUS_PROPERTY("Announce", "b", get_announce, 0, EMITS),
	SD_BUS_PROPERTY("Enabled", "b", get_enabled, 0, EMITS),
	SD_BUS_PROPERTY("Metered", "b", get_metered, 0, EMITS),
	/* Signalled at most once a second, by dbus-health.c. */
	SD_BUS_PROPERTY("BytesSent", "t", sf_dbus_get_iface_bytes, 0, EMITS),
	SD_BUS_PROPERTY("BytesReceived", "t", sf_dbus_get_iface_bytes, 0,
			EMITS),
	SD_BUS_VTABLE_END,
};
