/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowctl: the reads (status, connections, show, interfaces) as tables
 * or JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <systemd/sd-bus.h>

#include "dbus.h"
#include "subflowctl.h"

static void json_kv_str(const char *key, const char *value, bool comma)
{
	printf("%s\"%s\":", comma ? "," : "", key);
	ctl_json_str(value ? value : "");
}

static void json_kv_num(const char *key, uint64_t value, bool comma)
{
	printf("%s\"%s\":%" PRIu64, comma ? "," : "", key, value);
}

static void json_kv_bool(const char *key, bool value, bool comma)
{
	printf("%s\"%s\":%s", comma ? "," : "", key, value ? "true" : "false");
}

static void conn_json(const struct conn *c)
{
	char token[16];

	snprintf(token, sizeof(token), "%08x", c->token);
	json_kv_str("token", token, false);
	json_kv_str("local_address", c->local, true);
	json_kv_num("local_port", c->local_port, true);
	json_kv_str("remote_address", c->remote, true);
	json_kv_num("remote_port", c->remote_port, true);
	json_kv_bool("server_side", c->server_side, true);
	json_kv_bool("established", c->established, true);
	json_kv_str("policy", c->policy, true);
	if (c->owner == OWNER_UNKNOWN)
		fputs(",\"owner\":null", stdout);
	else
		json_kv_num("owner", c->owner, true);

	fputs(",\"subflows\":[", stdout);
	for (size_t i = 0; i < c->n_subflows; i++) {
		const struct subflow *sf = &c->subflows[i];

		fputs(i ? ",{" : "{", stdout);
		json_kv_str("local_address", sf->local, false);
		json_kv_num("local_port", sf->local_port, true);
		json_kv_str("remote_address", sf->remote, true);
		json_kv_num("remote_port", sf->remote_port, true);
		json_kv_bool("backup", sf->backup, true);
		json_kv_num("ifindex", sf->ifindex, true);
		json_kv_num("local_id", sf->local_id, true);
		json_kv_num("remote_id", sf->remote_id, true);
		putchar('}');
	}

	fputs("],\"remote_addresses\":[", stdout);
	for (size_t i = 0; i < c->n_raddrs; i++) {
		fputs(i ? ",{" : "{", stdout);
		json_kv_num("id", c->raddrs[i].id, false);
		json_kv_str("address", c->raddrs[i].addr, true);
		json_kv_num("port", c->raddrs[i].port, true);
		putchar('}');
	}
	putchar(']');
}

static const char *owner_str(uint32_t owner, char *buf, size_t size)
{
	if (owner == OWNER_UNKNOWN)
		return "-";
	snprintf(buf, size, "%" PRIu32, owner);
	return buf;
}

int cmd_connections(sd_bus *bus, int argc, char **argv)
{
	struct objects o = { 0 };
	char l[80], r[80], own[16];

	if (argc != 0) {
		fputs("subflowctl: connections takes no arguments\n", stderr);
		return EX_USAGE;
	}

	if (ctl_get_objects(bus, &o) < 0) {
		ctl_objects_clear(&o);
		return 1;
	}

	if (ctl_json) {
		putchar('[');
		for (size_t i = 0; i < o.n_conns; i++) {
			fputs(i ? ",{" : "{", stdout);
			conn_json(&o.conns[i]);
			putchar('}');
		}
		puts("]");
	} else {
		printf("%-8s  %-23s  %-23s  %-6s  %-11s  %-10s  %8s  %s\n",
		       "TOKEN", "LOCAL", "REMOTE", "SIDE", "STATE", "POLICY",
		       "SUBFLOWS", "OWNER");
		for (size_t i = 0; i < o.n_conns; i++) {
			const struct conn *c = &o.conns[i];

			printf("%08x  %-23s  %-23s  %-6s  %-11s  %-10s  %8zu  "
			       "%s\n", c->token,
			       ctl_endpoint(c->local, c->local_port, l, sizeof(l)),
			       ctl_endpoint(c->remote, c->remote_port, r,
					sizeof(r)),
			       c->server_side ? "server" : "client",
			       c->established ? "established" : "opening",
			       c->policy, c->n_subflows,
			       owner_str(c->owner, own, sizeof(own)));
		}
	}

	ctl_objects_clear(&o);
	return 0;
}

/* TOKEN: up to 8 hex digits. Returns 0 or EX_USAGE (said why). */
int ctl_parse_token(const char *str, uint32_t *ret_token)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(str, &end, 16);
	if (!*str || *end || errno || v > UINT32_MAX || strlen(str) > 8) {
		fprintf(stderr, "subflowctl: '%s' is not a connection token "
			"(8 hex digits, as 'subflowctl connections' shows)\n",
			str);
		return EX_USAGE;
	}

	*ret_token = (uint32_t)v;
	return 0;
}

int cmd_show(sd_bus *bus, int argc, char **argv)
{
	struct objects o = { 0 };
	const struct conn *c = NULL;
	char l[80], r[80], own[16];
	uint32_t token;
	int ret;

	if (argc != 1) {
		fputs("subflowctl: usage: show TOKEN\n", stderr);
		return EX_USAGE;
	}

	ret = ctl_parse_token(argv[0], &token);
	if (ret)
		return ret;

	if (ctl_get_objects(bus, &o) < 0) {
		ctl_objects_clear(&o);
		return 1;
	}

	for (size_t i = 0; i < o.n_conns; i++)
		if (o.conns[i].token == token)
			c = &o.conns[i];

	if (!c) {
		fprintf(stderr, "subflowctl: no connection %08x\n", token);
		ctl_objects_clear(&o);
		return 1;
	}

	if (ctl_json) {
		putchar('{');
		conn_json(c);
		ret = ctl_show_health(bus, c->token, c->n_subflows) < 0;
		puts("}");
		ctl_objects_clear(&o);
		return ret;
	}

	printf("connection %08x\n", c->token);
	printf("  local     %s\n", ctl_endpoint(c->local, c->local_port, l,
					    sizeof(l)));
	printf("  remote    %s\n", ctl_endpoint(c->remote, c->remote_port, r,
					    sizeof(r)));
	printf("  side      %s\n", c->server_side ? "server" : "client");
	printf("  state     %s\n", c->established ? "established" : "opening");
	printf("  policy    %s\n", c->policy);
	printf("  owner     %s\n", owner_str(c->owner, own, sizeof(own)));
	printf("  subflows  %zu\n", c->n_subflows);
	for (size_t i = 0; i < c->n_subflows; i++) {
		const struct subflow *sf = &c->subflows[i];

		printf("    %s -> %s  ifindex %u  ids %u/%u%s\n",
		       ctl_endpoint(sf->local, sf->local_port, l, sizeof(l)),
		       ctl_endpoint(sf->remote, sf->remote_port, r, sizeof(r)),
		       sf->ifindex, sf->local_id, sf->remote_id,
		       sf->backup ? "  backup" : "");
	}
	printf("  peer addresses  %zu\n", c->n_raddrs);
	for (size_t i = 0; i < c->n_raddrs; i++)
		printf("    id %u  %s\n", c->raddrs[i].id,
		       c->raddrs[i].port ? ctl_endpoint(c->raddrs[i].addr,
						    c->raddrs[i].port, l,
						    sizeof(l)) :
					   c->raddrs[i].addr);
	ret = ctl_show_health(bus, c->token, c->n_subflows) < 0;

	ctl_objects_clear(&o);
	return ret;
}

static const char *yes_no(int b)
{
	return b ? "yes" : "no";
}

int cmd_interfaces(sd_bus *bus, int argc, char **argv)
{
	struct objects o = { 0 };

	if (argc != 0) {
		fputs("subflowctl: interfaces takes no arguments\n", stderr);
		return EX_USAGE;
	}

	if (ctl_get_objects(bus, &o) < 0) {
		ctl_objects_clear(&o);
		return 1;
	}

	if (ctl_json)
		putchar('[');
	else
		printf("%5s  %-15s  %-3s  %-6s  %-8s  %-7s  %s\n", "INDEX",
		       "NAME", "UP", "BACKUP", "ANNOUNCE", "ENABLED",
		       "ADDRESSES");

	for (size_t n = 0; n < o.n_ifaces; n++) {
		const struct iface *i = &o.ifaces[n];

		if (!ctl_json) {
			printf("%5u  %-15s  %-3s  %-6s  %-8s  %-7s ", i->index,
			       i->name, yes_no(i->up), yes_no(i->backup),
			       yes_no(i->announce), yes_no(i->enabled));
			for (size_t a = 0; a < i->n_addrs; a++)
				printf(" %s", i->addrs[a]);
			putchar('\n');
			continue;
		}

		fputs(n ? ",{" : "{", stdout);
		json_kv_num("index", i->index, false);
		json_kv_str("name", i->name, true);
		json_kv_bool("up", i->up, true);
		json_kv_bool("backup", i->backup, true);
		json_kv_bool("announce", i->announce, true);
		json_kv_bool("enabled", i->enabled, true);
		fputs(",\"addresses\":[", stdout);
		for (size_t a = 0; a < i->n_addrs; a++) {
			if (a)
				putchar(',');
			ctl_json_str(i->addrs[a]);
		}
		fputs("]}", stdout);
	}

	if (ctl_json)
		puts("]");

	ctl_objects_clear(&o);
	return 0;
}

struct counter {
	const char *name;
	uint64_t value;
};

struct status {
	const char *version;
	const char *mode;
	const char *policy;
	const char **plugins;
	size_t n_plugins;
	struct counter *counters;
	size_t n_counters;
};

static int read_status_prop(sd_bus_message *m, const char *name, void *obj)
{
	struct status *st = obj;
	struct counter c;
	const char *s;
	int r;

	if (!strcmp(name, "Version"))
		return sd_bus_message_read(m, "v", "s", &st->version);
	if (!strcmp(name, "Mode"))
		return sd_bus_message_read(m, "v", "s", &st->mode);
	if (!strcmp(name, "DefaultPolicy"))
		return sd_bus_message_read(m, "v", "s", &st->policy);

	if (!strcmp(name, "Plugins")) {
		r = sd_bus_message_enter_container(m, 'v', "as");
		if (r >= 0)
			r = sd_bus_message_enter_container(m, 'a', "s");
		while (r >= 0 && (r = sd_bus_message_read(m, "s", &s)) > 0) {
			st->plugins = ctl_grow(st->plugins, st->n_plugins,
					   sizeof(*st->plugins));
			st->plugins[st->n_plugins++] = s;
		}
	} else if (!strcmp(name, "Counters")) {
		r = sd_bus_message_enter_container(m, 'v', "a{st}");
		if (r >= 0)
			r = sd_bus_message_enter_container(m, 'a', "{st}");
		while (r >= 0 && (r = sd_bus_message_read(m, "{st}", &c.name,
							  &c.value)) > 0) {
			st->counters = ctl_grow(st->counters, st->n_counters,
					    sizeof(c));
			st->counters[st->n_counters++] = c;
		}
	} else {
		return sd_bus_message_skip(m, "v");
	}

	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	return r;
}

static void status_print(const struct status *st)
{
	if (!ctl_json) {
		printf("version         %s\nmode            %s\n"
		       "default policy  %s\nplugins        ", st->version,
		       st->mode, st->policy);
		for (size_t i = 0; i < st->n_plugins; i++)
			printf(" %s", st->plugins[i]);
		puts("\ncounters");
		for (size_t i = 0; i < st->n_counters; i++)
			printf("  %-16s %" PRIu64 "\n", st->counters[i].name,
			       st->counters[i].value);
		return;
	}

	putchar('{');
	json_kv_str("version", st->version, false);
	json_kv_str("mode", st->mode, true);
	json_kv_str("default_policy", st->policy, true);
	fputs(",\"plugins\":[", stdout);
	for (size_t i = 0; i < st->n_plugins; i++) {
		if (i)
			putchar(',');
		ctl_json_str(st->plugins[i]);
	}
	fputs("],\"counters\":{", stdout);
	for (size_t i = 0; i < st->n_counters; i++)
		json_kv_num(st->counters[i].name, st->counters[i].value, i);
	puts("}}");
}

int cmd_status(sd_bus *bus, int argc, char **argv)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	struct status st = { "", "", "" };
	int r;

	if (argc != 0) {
		fputs("subflowctl: status takes no arguments\n", stderr);
		return EX_USAGE;
	}

	r = sd_bus_call_method(bus, ctl_dest, SF_DBUS_PATH,
			       "org.freedesktop.DBus.Properties", "GetAll",
			       &error, &reply, "s", SF_DBUS_MANAGER_IFACE);
	if (r < 0) {
		ctl_fail_bus("GetAll", &error, r);
		sd_bus_error_free(&error);
		return 1;
	}

	r = ctl_read_props(reply, read_status_prop, &st);
	if (r >= 0)
		status_print(&st);
	else
		fprintf(stderr, "subflowctl: cannot parse the daemon's status: "
			"%s\n", strerror(-r));

	free(st.plugins);
	free(st.counters);
	sd_bus_message_unref(reply);
	return r < 0 ? 1 : 0;
}
