/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.subflowd.Manager1 at /org/subflowd: the daemon's settings and
 * counters, Reload, and the runtime default and per-interface policies.
 */
#include <errno.h>
#include <string.h>

#include "dbus-private.h"
#include "log.h"
#include "util.h"
#include "sf-build.h"

static int get_version(sd_bus *bus, const char *path, const char *interface,
		       const char *property, sd_bus_message *reply,
		       void *userdata, sd_bus_error *ret_error)
{
	return sd_bus_message_append(reply, "s", VERSION);
}

static int get_mode(sd_bus *bus, const char *path, const char *interface,
		    const char *property, sd_bus_message *reply,
		    void *userdata, sd_bus_error *ret_error)
{
	struct sf_dbus *d = userdata;

	return sd_bus_message_append(reply, "s",
			sf_mode_to_str(sf_daemon_config(d->daemon)->mode));
}

static int get_default_policy(sd_bus *bus, const char *path,
			      const char *interface, const char *property,
			      sd_bus_message *reply, void *userdata,
			      sd_bus_error *ret_error)
{
	struct sf_dbus *d = userdata;

	return sd_bus_message_append(reply, "s",
				     sf_daemon_default_policy(d->daemon));
}

static int get_plugins(sd_bus *bus, const char *path, const char *interface,
		       const char *property, sd_bus_message *reply,
		       void *userdata, sd_bus_error *ret_error)
{
	struct sf_dbus *d = userdata;
	_auto_(l_strv_free) char **names =
		sf_plugins_names(sf_daemon_plugins(d->daemon));

	return sd_bus_message_append_strv(reply, names);
}

static int get_counters(sd_bus *bus, const char *path, const char *interface,
			const char *property, sd_bus_message *reply,
			void *userdata, sd_bus_error *ret_error)
{
	struct sf_dbus *d = userdata;
	const struct sf_counters *c = sf_daemon_counters(d->daemon);
	const struct {
		const char *name;
		uint64_t value;
	} counters[] = {
		{ "events", c->events },
		{ "commands_sent", c->commands_sent },
		{ "commands_failed", c->commands_failed },
		{ "subflows_created", c->subflows_created },
		{ "subflows_closed", c->subflows_closed },
		{ "overruns", c->overruns },
		{ "connections",
		  sf_conn_table_count(sf_daemon_conns(d->daemon)) },
	};
	int r;

	r = sd_bus_message_open_container(reply, 'a', "{st}");
	if (r < 0)
		return r;

	for (size_t i = 0; i < SF_ARRAY_SIZE(counters); i++) {
		r = sd_bus_message_append(reply, "{st}", counters[i].name,
					  counters[i].value);
		if (r < 0)
			return r;
	}

	return sd_bus_message_close_container(reply);
}

static int method_reload(sd_bus_message *m, void *userdata,
			 sd_bus_error *ret_error)
{
	struct sf_dbus *d = userdata;
	char err[512];
	int r;

	r = sf_dbus_check_access(d, m, NULL, ret_error);
	if (r != 0)
		return r;

	r = sf_daemon_reload(d->daemon, err, sizeof(err));
	if (r < 0) {
		l_error("reload rejected, keeping the running settings: %s",
			err);
		return sf_dbus_error_errno(ret_error, r, err, "Reload");
	}

	return sd_bus_reply_method_return(m, NULL);
}

int sf_dbus_error_policy(struct sf_dbus *d, const char *arg, const char *name,
			 int error, sd_bus_error *ret_error, const char *what)
{
	_auto_(l_strv_free) char **have = NULL;
	_auto_(l_free) char *list = NULL;

	if (error == -EMEDIUMTYPE)
		return sf_dbus_error_invalid(ret_error, "%s: '%s' is a policy "
					     "for the other mode; this daemon "
					     "runs in %s mode", arg, name,
					     sf_mode_to_str(sf_daemon_config(
						     d->daemon)->mode));
	if (error != -ENOENT)
		return sf_dbus_error_errno(ret_error, error, NULL, what);

	have = sf_plugins_names(sf_daemon_plugins(d->daemon));
	list = l_strjoinv(have, ' ');
	return sf_dbus_error_invalid(ret_error, "%s: '%s' is not a loaded "
				     "policy plugin (loaded: %s)", arg, name,
				     list[0] ? list : "none");
}

static int method_set_default_policy(sd_bus_message *m, void *userdata,
				     sd_bus_error *ret_error)
{
	struct sf_dbus *d = userdata;
	const char *name;
	int r;

	r = sd_bus_message_read(m, "s", &name);
	if (r < 0)
		return r;

	r = sf_dbus_check_access(d, m, NULL, ret_error);
	if (r != 0)
		return r;

	r = sf_daemon_set_default_policy(d->daemon, name);
	if (r < 0)
		return sf_dbus_error_policy(d, "policy", name, r, ret_error,
					    "SetDefaultPolicy");

	return sd_bus_reply_method_return(m, NULL);
}

struct find_link_ctx {
	const char *name;
	int32_t ifindex;
};

static void find_link(int32_t ifindex, const char *ifname, bool up,
		      void *user_data)
{
	struct find_link_ctx *ctx = user_data;

	if (!strcmp(ifname, ctx->name))
		ctx->ifindex = ifindex;
}

/* Read one a{sv} entry's value into policy. */
static int read_setting(sd_bus_message *m, const char *key,
			struct sf_iface_policy *policy, sd_bus_error *ret_error)
{
	bool *flag = NULL;
	const char *want, *contents = NULL;
	uint32_t u;
	int b, r;

	if (!strcmp(key, "backup"))
		flag = &policy->backup;
	else if (!strcmp(key, "announce"))
		flag = &policy->announce;
	else if (!strcmp(key, "enabled"))
		flag = &policy->enabled;
	else if (!strcmp(key, "metered"))
		flag = &policy->metered;
	else if (strcmp(key, "subflows"))
		return sf_dbus_error_invalid(ret_error, "settings: unknown key "
					     "'%s' (known: backup announce "
					     "enabled metered subflows)", key);

	want = flag ? "b" : "u";
	r = sd_bus_message_peek_type(m, NULL, &contents);
	if (r < 0)
		return r;
	if (!contents || strcmp(contents, want))
		return sf_dbus_error_invalid(ret_error, "settings: '%s' must be "
					     "of type %s, not %s", key, want,
					     contents ? contents : "?");

	if (flag) {
		r = sd_bus_message_read(m, "v", "b", &b);
		if (r < 0)
			return r;
		*flag = b;
		return 0;
	}

	r = sd_bus_message_read(m, "v", "u", &u);
	if (r < 0)
		return r;
	if (u < 1 || u > 8)
		return sf_dbus_error_invalid(ret_error, "settings: 'subflows' "
					     "must be 1..8, not %u", u);
	policy->subflows = u;
	return 0;
}

static int method_set_interface_policy(sd_bus_message *m, void *userdata,
				       sd_bus_error *ret_error)
{
	struct sf_dbus *d = userdata;
	struct find_link_ctx link = { 0 };
	struct sf_iface_policy policy;
	struct sf_dbus_call *call;
	const char *key;
	int r;

	r = sd_bus_message_read(m, "s", &link.name);
	if (r < 0)
		return r;

	r = sf_dbus_check_access(d, m, NULL, ret_error);
	if (r != 0)
		return r;

	sf_iface_table_foreach_link(sf_daemon_ifaces(d->daemon), find_link,
				    &link);
	if (!link.ifindex)
		return sf_dbus_error_invalid(ret_error, "ifname: no interface "
					     "named '%s'", link.name);

	sf_daemon_get_iface_policy(d->daemon, link.name, &policy);

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;

	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = sd_bus_message_read(m, "s", &key);
		if (r < 0)
			return r;

		r = read_setting(m, key, &policy, ret_error);
		if (r < 0)
			return r;

		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;

	r = sd_bus_message_exit_container(m);
	if (r < 0)
		return r;

	l_info("interface %s policy set over D-Bus: backup %s, announce %s, "
	       "enabled %s, subflows %u", link.name,
	       policy.backup ? "true" : "false",
	       policy.announce ? "true" : "false",
	       policy.enabled ? "true" : "false", policy.subflows);

	/* The reply waits until existing subflows carry the new flag. */
	call = sf_dbus_call_new(d, m, "SetInterfacePolicy");
	call->outstanding += sf_daemon_set_iface_policy(d->daemon, link.name,
							&policy,
							sf_dbus_call_done,
							call);
	sf_dbus_call_finish_if_idle(call);
	return 1;
}

const sd_bus_vtable sf_dbus_manager_vtable[] = {
	SD_BUS_VTABLE_START(SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_PROPERTY("Version", "s", get_version, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Mode", "s", get_mode, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("DefaultPolicy", "s", get_default_policy, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Plugins", "as", get_plugins, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	/* Changes with every event: read it, no signal. */
	SD_BUS_PROPERTY("Counters", "a{st}", get_counters, 0, 0),
	SD_BUS_METHOD("Reload", "", "", method_reload,
		      SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("SetDefaultPolicy", "s", SD_BUS_PARAM(policy),
				 "", , method_set_default_policy,
				 SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("SetInterfacePolicy", "sa{sv}",
				 SD_BUS_PARAM(ifname) SD_BUS_PARAM(settings),
				 "", , method_set_interface_policy,
				 SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};
