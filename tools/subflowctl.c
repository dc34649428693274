/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowctl(1): look at and steer subflowd over D-Bus (subflowd-dbus(7)).
 * Reads print human tables, or JSON with --json; "monitor" prints one line
 * per change as it happens. Any failure ends with one line on stderr and
 * exit status 1 (64 for bad usage).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <systemd/sd-bus.h>

#include "dbus.h"
#include "sf-build.h"

static bool arg_json;
static const char *arg_bus = "system";

/* --- output helpers ------------------------------------------------------ */

static void json_str(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* "addr:port", with brackets around an IPv6 address. */
static const char *endpoint(const char *addr, uint16_t port, char *buf,
			    size_t size)
{
	snprintf(buf, size, strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr,
		 port);
	return buf;
}

static int fail_bus(const char *what, const sd_bus_error *error, int r)
{
	if (error && sd_bus_error_is_set(error))
		fprintf(stderr, "subflowctl: %s\n",
			error->message ? error->message : error->name);
	else
		fprintf(stderr, "subflowctl: %s: %s\n", what, strerror(-r));
	return 1;
}

/*
 * Print the next value of m (any type) as JSON or as compact text, and
 * consume it. Dictionaries with string keys become JSON objects.
 */
static int print_value(sd_bus_message *m, bool json)
{
	const char *contents;
	char type;
	int r;

	r = sd_bus_message_peek_type(m, &type, &contents);
	if (r <= 0)
		return r < 0 ? r : -EBADMSG;

	switch (type) {
	case SD_BUS_TYPE_ARRAY: {
		bool dict = contents[0] == '{';
		bool object = dict && json && (contents[1] == 's' ||
					       contents[1] == 'o');
		bool first = true;

		r = sd_bus_message_enter_container(m, type, contents);
		if (r < 0)
			return r;
		fputs(object ? "{" : "[", stdout);
		while (!sd_bus_message_at_end(m, false)) {
			if (!first)
				fputs(json ? "," : " ", stdout);
			first = false;
			if (dict) {
				r = sd_bus_message_enter_container(m,
						SD_BUS_TYPE_DICT_ENTRY, NULL);
				if (r < 0)
					return r;
				r = print_value(m, json);
				if (r < 0)
					return r;
				fputs(object ? ":" : json ? "," : "=", stdout);
				r = print_value(m, json);
				if (r < 0)
					return r;
				r = sd_bus_message_exit_container(m);
			} else {
				r = print_value(m, json);
			}
			if (r < 0)
				return r;
		}
		fputs(object ? "}" : "]", stdout);
		return sd_bus_message_exit_container(m);
	}
	case SD_BUS_TYPE_STRUCT: {
		bool first = true;

		r = sd_bus_message_enter_container(m, type, contents);
		if (r < 0)
			return r;
		fputs(json ? "[" : "(", stdout);
		while (!sd_bus_message_at_end(m, false)) {
			if (!first)
				fputs(json ? "," : " ", stdout);
			first = false;
			r = print_value(m, json);
			if (r < 0)
				return r;
		}
		fputs(json ? "]" : ")", stdout);
		return sd_bus_message_exit_container(m);
	}
	case SD_BUS_TYPE_VARIANT:
		r = sd_bus_message_enter_container(m, type, contents);
		if (r < 0)
			return r;
		r = print_value(m, json);
		if (r < 0)
			return r;
		return sd_bus_message_exit_container(m);
	case SD_BUS_TYPE_STRING:
	case SD_BUS_TYPE_OBJECT_PATH:
	case SD_BUS_TYPE_SIGNATURE: {
		const char *s;

		r = sd_bus_message_read_basic(m, type, &s);
		if (r < 0)
			return r;
		if (json)
			json_str(s);
		else
			fputs(s, stdout);
		return 0;
	}
	case SD_BUS_TYPE_BOOLEAN: {
		int b;

		r = sd_bus_message_read_basic(m, type, &b);
		if (r < 0)
			return r;
		fputs(b ? (json ? "true" : "yes") : (json ? "false" : "no"),
		      stdout);
		return 0;
	}
	case SD_BUS_TYPE_BYTE:
	case SD_BUS_TYPE_UINT16:
	case SD_BUS_TYPE_UINT32:
	case SD_BUS_TYPE_UINT64: {
		union { uint8_t y; uint16_t q; uint32_t u; uint64_t t; } v;

		r = sd_bus_message_read_basic(m, type, &v);
		if (r < 0)
			return r;
		printf("%" PRIu64, type == SD_BUS_TYPE_BYTE ? v.y :
		       type == SD_BUS_TYPE_UINT16 ? v.q :
		       type == SD_BUS_TYPE_UINT32 ? v.u : v.t);
		return 0;
	}
	case SD_BUS_TYPE_INT16:
	case SD_BUS_TYPE_INT32:
	case SD_BUS_TYPE_INT64: {
		union { int16_t n; int32_t i; int64_t x; } v;

		r = sd_bus_message_read_basic(m, type, &v);
		if (r < 0)
			return r;
		printf("%" PRId64, type == SD_BUS_TYPE_INT16 ? v.n :
		       type == SD_BUS_TYPE_INT32 ? v.i : v.x);
		return 0;
	}
	case SD_BUS_TYPE_DOUBLE: {
		double v;

		r = sd_bus_message_read_basic(m, type, &v);
		if (r < 0)
			return r;
		printf("%g", v);
		return 0;
	}
	default:
		return sd_bus_message_skip(m, NULL);
	}
}

/* --- typed views of the objects ------------------------------------------- */

/* Strings point into the message they were read from. */
struct subflow {
	const char *local;
	const char *remote;
	uint16_t local_port;
	uint16_t remote_port;
	int backup;
	uint32_t ifindex;
	uint8_t local_id;
	uint8_t remote_id;
};

struct remote_addr {
	uint8_t id;
	const char *addr;
	uint16_t port;
};

struct conn {
	uint32_t token;
	const char *local;
	const char *remote;
	uint16_t local_port;
	uint16_t remote_port;
	int server_side;
	int established;
	const char *policy;
	uint32_t owner;
	struct subflow *subflows;
	size_t n_subflows;
	struct remote_addr *raddrs;
	size_t n_raddrs;
};

struct iface {
	const char *name;
	uint32_t index;
	int up;
	const char **addrs;
	size_t n_addrs;
	int backup;
	int announce;
	int enabled;
};

#define OWNER_UNKNOWN UINT32_MAX

static void *grow(void *array, size_t n, size_t size)
{
	void *p = realloc(array, (n + 1) * size);

	if (!p) {
		fputs("subflowctl: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static void conn_clear(struct conn *c)
{
	free(c->subflows);
	free(c->raddrs);
}

static void iface_clear(struct iface *i)
{
	free(i->addrs);
}

static int read_subflows(sd_bus_message *m, struct conn *c)
{
	struct subflow sf;
	int r;

	r = sd_bus_message_enter_container(m, 'v', "a(sqsqbuyy)");
	if (r < 0)
		return r;
	r = sd_bus_message_enter_container(m, 'a', "(sqsqbuyy)");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_read(m, "(sqsqbuyy)", &sf.local,
					&sf.local_port, &sf.remote,
					&sf.remote_port, &sf.backup,
					&sf.ifindex, &sf.local_id,
					&sf.remote_id)) > 0) {
		c->subflows = grow(c->subflows, c->n_subflows, sizeof(sf));
		c->subflows[c->n_subflows++] = sf;
	}
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(m);
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static int read_raddrs(sd_bus_message *m, struct conn *c)
{
	struct remote_addr ra;
	int r;

	r = sd_bus_message_enter_container(m, 'v', "a(ysq)");
	if (r < 0)
		return r;
	r = sd_bus_message_enter_container(m, 'a', "(ysq)");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_read(m, "(ysq)", &ra.id, &ra.addr,
					&ra.port)) > 0) {
		c->raddrs = grow(c->raddrs, c->n_raddrs, sizeof(ra));
		c->raddrs[c->n_raddrs++] = ra;
	}
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(m);
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static int read_conn_prop(sd_bus_message *m, const char *name, struct conn *c)
{
	if (!strcmp(name, "Token"))
		return sd_bus_message_read(m, "v", "u", &c->token);
	if (!strcmp(name, "LocalAddress"))
		return sd_bus_message_read(m, "v", "s", &c->local);
	if (!strcmp(name, "LocalPort"))
		return sd_bus_message_read(m, "v", "q", &c->local_port);
	if (!strcmp(name, "RemoteAddress"))
		return sd_bus_message_read(m, "v", "s", &c->remote);
	if (!strcmp(name, "RemotePort"))
		return sd_bus_message_read(m, "v", "q", &c->remote_port);
	if (!strcmp(name, "ServerSide"))
		return sd_bus_message_read(m, "v", "b", &c->server_side);
	if (!strcmp(name, "Established"))
		return sd_bus_message_read(m, "v", "b", &c->established);
	if (!strcmp(name, "Policy"))
		return sd_bus_message_read(m, "v", "s", &c->policy);
	if (!strcmp(name, "Owner"))
		return sd_bus_message_read(m, "v", "u", &c->owner);
	if (!strcmp(name, "Subflows"))
		return read_subflows(m, c);
	if (!strcmp(name, "RemoteAddresses"))
		return read_raddrs(m, c);
	return sd_bus_message_skip(m, "v");
}

static int read_iface_addrs(sd_bus_message *m, struct iface *i)
{
	const char *s;
	int r;

	r = sd_bus_message_enter_container(m, 'v', "as");
	if (r < 0)
		return r;
	r = sd_bus_message_enter_container(m, 'a', "s");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_read(m, "s", &s)) > 0) {
		i->addrs = grow(i->addrs, i->n_addrs, sizeof(*i->addrs));
		i->addrs[i->n_addrs++] = s;
	}
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(m);
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static int read_iface_prop(sd_bus_message *m, const char *name,
			   struct iface *i)
{
	if (!strcmp(name, "Name"))
		return sd_bus_message_read(m, "v", "s", &i->name);
	if (!strcmp(name, "Index"))
		return sd_bus_message_read(m, "v", "u", &i->index);
	if (!strcmp(name, "Up"))
		return sd_bus_message_read(m, "v", "b", &i->up);
	if (!strcmp(name, "Addresses"))
		return read_iface_addrs(m, i);
	if (!strcmp(name, "Backup"))
		return sd_bus_message_read(m, "v", "b", &i->backup);
	if (!strcmp(name, "Announce"))
		return sd_bus_message_read(m, "v", "b", &i->announce);
	if (!strcmp(name, "Enabled"))
		return sd_bus_message_read(m, "v", "b", &i->enabled);
	return sd_bus_message_skip(m, "v");
}

typedef int (*prop_reader_t)(sd_bus_message *m, const char *name, void *obj);

/* Read an a{sv} of properties into obj. */
static int read_props(sd_bus_message *m, prop_reader_t reader, void *obj)
{
	const char *name;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;

	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = sd_bus_message_read(m, "s", &name);
		if (r < 0)
			return r;
		r = reader(m, name, obj);
		if (r < 0)
			return r;
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;

	return sd_bus_message_exit_container(m);
}

static int conn_reader(sd_bus_message *m, const char *name, void *obj)
{
	return read_conn_prop(m, name, obj);
}

static int iface_reader(sd_bus_message *m, const char *name, void *obj)
{
	return read_iface_prop(m, name, obj);
}

struct objects {
	sd_bus_message *reply;
	struct conn *conns;
	size_t n_conns;
	struct iface *ifaces;
	size_t n_ifaces;
};

static void objects_clear(struct objects *o)
{
	for (size_t i = 0; i < o->n_conns; i++)
		conn_clear(&o->conns[i]);
	for (size_t i = 0; i < o->n_ifaces; i++)
		iface_clear(&o->ifaces[i]);
	free(o->conns);
	free(o->ifaces);
	sd_bus_message_unref(o->reply);
}

/* One object's a{sa{sv}}: the interfaces we know are read, others skipped. */
static int read_object(sd_bus_message *m, struct objects *o)
{
	const char *name;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
	if (r < 0)
		return r;

	while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
		r = sd_bus_message_read(m, "s", &name);
		if (r < 0)
			return r;

		if (!strcmp(name, SF_DBUS_CONN_IFACE)) {
			struct conn c = { .owner = OWNER_UNKNOWN };

			r = read_props(m, conn_reader, &c);
			o->conns = grow(o->conns, o->n_conns, sizeof(c));
			o->conns[o->n_conns++] = c;
		} else if (!strcmp(name, SF_DBUS_IFACE_IFACE)) {
			struct iface i = { 0 };

			r = read_props(m, iface_reader, &i);
			o->ifaces = grow(o->ifaces, o->n_ifaces, sizeof(i));
			o->ifaces[o->n_ifaces++] = i;
		} else {
			r = sd_bus_message_skip(m, "a{sv}");
		}
		if (r < 0)
			return r;

		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;

	return sd_bus_message_exit_container(m);
}

static int conn_cmp(const void *a, const void *b)
{
	const struct conn *x = a, *y = b;

	return x->token < y->token ? -1 : x->token > y->token;
}

static int iface_cmp(const void *a, const void *b)
{
	const struct iface *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* Every object, from ObjectManager.GetManagedObjects. */
static int get_objects(sd_bus *bus, struct objects *o)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	const char *path;
	int r;

	r = sd_bus_call_method(bus, SF_DBUS_NAME, SF_DBUS_PATH,
			       "org.freedesktop.DBus.ObjectManager",
			       "GetManagedObjects", &error, &o->reply, "");
	if (r < 0) {
		fail_bus("GetManagedObjects", &error, r);
		sd_bus_error_free(&error);
		return r;
	}

	r = sd_bus_message_enter_container(o->reply, 'a', "{oa{sa{sv}}}");
	while (r >= 0 &&
	       (r = sd_bus_message_enter_container(o->reply, 'e',
						   "oa{sa{sv}}")) > 0) {
		r = sd_bus_message_read(o->reply, "o", &path);
		if (r >= 0)
			r = read_object(o->reply, o);
		if (r >= 0)
			r = sd_bus_message_exit_container(o->reply);
	}
	if (r < 0) {
		fprintf(stderr, "subflowctl: cannot parse the daemon's "
			"objects: %s\n", strerror(-r));
		return r;
	}

	qsort(o->conns, o->n_conns, sizeof(*o->conns), conn_cmp);
	qsort(o->ifaces, o->n_ifaces, sizeof(*o->ifaces), iface_cmp);
	return 0;
}

/* --- printing ------------------------------------------------------------- */

static void json_kv_str(const char *key, const char *value, bool comma)
{
	printf("%s\"%s\":", comma ? "," : "", key);
	json_str(value ? value : "");
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

static int cmd_connections(sd_bus *bus, int argc, char **argv)
{
	struct objects o = { 0 };
	char l[80], r[80], own[16];

	if (argc != 0) {
		fputs("subflowctl: connections takes no arguments\n", stderr);
		return EX_USAGE;
	}

	if (get_objects(bus, &o) < 0) {
		objects_clear(&o);
		return 1;
	}

	if (arg_json) {
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
			       endpoint(c->local, c->local_port, l, sizeof(l)),
			       endpoint(c->remote, c->remote_port, r,
					sizeof(r)),
			       c->server_side ? "server" : "client",
			       c->established ? "established" : "opening",
			       c->policy, c->n_subflows,
			       owner_str(c->owner, own, sizeof(own)));
		}
	}

	objects_clear(&o);
	return 0;
}

/* TOKEN: up to 8 hex digits. Returns 0 or EX_USAGE (said why). */
static int parse_token(const char *str, uint32_t *ret_token)
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

static int cmd_show(sd_bus *bus, int argc, char **argv)
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

	ret = parse_token(argv[0], &token);
	if (ret)
		return ret;

	if (get_objects(bus, &o) < 0) {
		objects_clear(&o);
		return 1;
	}

	for (size_t i = 0; i < o.n_conns; i++)
		if (o.conns[i].token == token)
			c = &o.conns[i];

	if (!c) {
		fprintf(stderr, "subflowctl: no connection %08x\n", token);
		objects_clear(&o);
		return 1;
	}

	if (arg_json) {
		putchar('{');
		conn_json(c);
		puts("}");
		objects_clear(&o);
		return 0;
	}

	printf("connection %08x\n", c->token);
	printf("  local     %s\n", endpoint(c->local, c->local_port, l,
					    sizeof(l)));
	printf("  remote    %s\n", endpoint(c->remote, c->remote_port, r,
					    sizeof(r)));
	printf("  side      %s\n", c->server_side ? "server" : "client");
	printf("  state     %s\n", c->established ? "established" : "opening");
	printf("  policy    %s\n", c->policy);
	printf("  owner     %s\n", owner_str(c->owner, own, sizeof(own)));
	printf("  subflows  %zu\n", c->n_subflows);
	for (size_t i = 0; i < c->n_subflows; i++) {
		const struct subflow *sf = &c->subflows[i];

		printf("    %s -> %s  ifindex %u  ids %u/%u%s\n",
		       endpoint(sf->local, sf->local_port, l, sizeof(l)),
		       endpoint(sf->remote, sf->remote_port, r, sizeof(r)),
		       sf->ifindex, sf->local_id, sf->remote_id,
		       sf->backup ? "  backup" : "");
	}
	printf("  peer addresses  %zu\n", c->n_raddrs);
	for (size_t i = 0; i < c->n_raddrs; i++)
		printf("    id %u  %s\n", c->raddrs[i].id,
		       c->raddrs[i].port ? endpoint(c->raddrs[i].addr,
						    c->raddrs[i].port, l,
						    sizeof(l)) :
					   c->raddrs[i].addr);

	objects_clear(&o);
	return 0;
}

static const char *yes_no(int b)
{
	return b ? "yes" : "no";
}

static int cmd_interfaces(sd_bus *bus, int argc, char **argv)
{
	struct objects o = { 0 };

	if (argc != 0) {
		fputs("subflowctl: interfaces takes no arguments\n", stderr);
		return EX_USAGE;
	}

	if (get_objects(bus, &o) < 0) {
		objects_clear(&o);
		return 1;
	}

	if (arg_json)
		putchar('[');
	else
		printf("%5s  %-15s  %-3s  %-6s  %-8s  %-7s  %s\n", "INDEX",
		       "NAME", "UP", "BACKUP", "ANNOUNCE", "ENABLED",
		       "ADDRESSES");

	for (size_t n = 0; n < o.n_ifaces; n++) {
		const struct iface *i = &o.ifaces[n];

		if (!arg_json) {
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
			json_str(i->addrs[a]);
		}
		fputs("]}", stdout);
	}

	if (arg_json)
		puts("]");

	objects_clear(&o);
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
			st->plugins = grow(st->plugins, st->n_plugins,
					   sizeof(*st->plugins));
			st->plugins[st->n_plugins++] = s;
		}
	} else if (!strcmp(name, "Counters")) {
		r = sd_bus_message_enter_container(m, 'v', "a{st}");
		if (r >= 0)
			r = sd_bus_message_enter_container(m, 'a', "{st}");
		while (r >= 0 && (r = sd_bus_message_read(m, "{st}", &c.name,
							  &c.value)) > 0) {
			st->counters = grow(st->counters, st->n_counters,
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
	if (!arg_json) {
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
		json_str(st->plugins[i]);
	}
	fputs("],\"counters\":{", stdout);
	for (size_t i = 0; i < st->n_counters; i++)
		json_kv_num(st->counters[i].name, st->counters[i].value, i);
	puts("}}");
}

static int cmd_status(sd_bus *bus, int argc, char **argv)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	struct status st = { "", "", "" };
	int r;

	if (argc != 0) {
		fputs("subflowctl: status takes no arguments\n", stderr);
		return EX_USAGE;
	}

	r = sd_bus_call_method(bus, SF_DBUS_NAME, SF_DBUS_PATH,
			       "org.freedesktop.DBus.Properties", "GetAll",
			       &error, &reply, "s", SF_DBUS_MANAGER_IFACE);
	if (r < 0) {
		fail_bus("GetAll", &error, r);
		sd_bus_error_free(&error);
		return 1;
	}

	r = read_props(reply, read_status_prop, &st);
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

/* --- monitor -------------------------------------------------------------- */

static void stamp(void)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	printf("%02d:%02d:%02d.%03ld ", tm.tm_hour, tm.tm_min, tm.tm_sec,
	       ts.tv_nsec / 1000000);
}

/* "connection 1a2b3c4d", "interface 3" or "manager" for a path. */
static void print_object(const char *path)
{
	const char *leaf = strrchr(path, '/') + 1;

	if (!strncmp(path, SF_DBUS_CONN_PREFIX "/",
		     strlen(SF_DBUS_CONN_PREFIX) + 1))
		printf("connection %s", leaf);
	else if (!strncmp(path, SF_DBUS_IFACE_PREFIX "/",
			  strlen(SF_DBUS_IFACE_PREFIX) + 1))
		printf("interface %s", leaf);
	else
		fputs("manager", stdout);
}

/* An a{sv} as "Key=value Key=value" (or a JSON object). */
static int print_props(sd_bus_message *m)
{
	const char *name;
	bool first = true;
	int r;

	if (arg_json)
		return print_value(m, true);

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = sd_bus_message_read(m, "s", &name);
		if (r < 0)
			break;
		printf("%s%s=", first ? "" : " ", name);
		first = false;
		r = print_value(m, false);
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	if (r < 0)
		return r;

	return sd_bus_message_exit_container(m);
}

/* InterfacesAdded's a{sa{sv}}: the properties of our interface only. */
static int print_added(sd_bus_message *m)
{
	const char *name;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
	while (r >= 0 &&
	       (r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
		r = sd_bus_message_read(m, "s", &name);
		if (r < 0)
			break;
		if (!strncmp(name, "org.subflowd.", strlen("org.subflowd.")))
			r = print_props(m);
		else
			r = sd_bus_message_skip(m, "a{sv}");
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	if (r < 0)
		return r;

	return sd_bus_message_exit_container(m);
}

/* One line per signal: "TIME OBJECT added|changed|removed [properties]",
 * or with --json one object per line. */
static int on_signal(sd_bus_message *m, void *userdata,
		     sd_bus_error *ret_error)
{
	const char *member = sd_bus_message_get_member(m);
	const char *path = sd_bus_message_get_path(m);
	const char *event;
	int r;

	if (!strcmp(member, "InterfacesAdded")) {
		r = sd_bus_message_read(m, "o", &path);
		event = "added";
	} else if (!strcmp(member, "InterfacesRemoved")) {
		r = sd_bus_message_read(m, "o", &path);
		event = "removed";
	} else {
		/* PropertiesChanged: the interface name, then the values. */
		r = sd_bus_message_skip(m, "s");
		event = "changed";
	}
	if (r < 0 || !path)
		return 0;

	if (arg_json) {
		printf("{\"event\":\"%s\",\"path\":", event);
		json_str(path);
	} else {
		stamp();
		print_object(path);
		printf(" %s", event);
	}

	if (!strcmp(event, "removed")) {
		r = 0;
	} else {
		fputs(arg_json ? ",\"properties\":" : " ", stdout);
		r = !strcmp(event, "added") ? print_added(m) : print_props(m);
	}

	puts(arg_json ? "}" : "");
	fflush(stdout);
	if (r < 0)
		fprintf(stderr, "subflowctl: cannot parse a %s signal: %s\n",
			member, strerror(-r));
	return 0;
}

static int cmd_monitor(sd_bus *bus, int argc, char **argv)
{
	static const char *const rules[] = {
		"type='signal',sender='" SF_DBUS_NAME "',"
		"interface='org.freedesktop.DBus.ObjectManager',"
		"path='" SF_DBUS_PATH "'",
		"type='signal',sender='" SF_DBUS_NAME "',"
		"interface='org.freedesktop.DBus.Properties',"
		"member='PropertiesChanged',path_namespace='" SF_DBUS_PATH "'",
	};
	int r;

	if (argc != 0) {
		fputs("subflowctl: monitor takes no arguments\n", stderr);
		return EX_USAGE;
	}

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		r = sd_bus_add_match(bus, NULL, rules[i], on_signal, NULL);
		if (r < 0)
			return fail_bus("AddMatch", NULL, r);
	}

	if (!arg_json) {
		puts("monitoring subflowd; ^C to stop");
		fflush(stdout);
	}

	for (;;) {
		r = sd_bus_process(bus, NULL);
		if (r < 0)
			return fail_bus("monitor", NULL, r);
		if (r > 0)
			continue;

		r = sd_bus_wait(bus, UINT64_MAX);
		if (r < 0 && r != -EINTR)
			return fail_bus("monitor", NULL, r);
	}
}

/* --- changes -------------------------------------------------------------- */

/* Call a method that returns nothing; one line on failure. */
static int call(sd_bus *bus, const char *path, const char *interface,
		const char *method, const char *types, ...)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	va_list ap;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, SF_DBUS_NAME, path,
					   interface, method);
	if (r >= 0) {
		va_start(ap, types);
		r = sd_bus_message_appendv(m, types, ap);
		va_end(ap);
	}
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, &error, NULL);

	sd_bus_message_unref(m);
	if (r < 0) {
		fail_bus(method, &error, r);
		sd_bus_error_free(&error);
		return 1;
	}
	return 0;
}

static int cmd_reload(sd_bus *bus, int argc, char **argv)
{
	if (argc != 0) {
		fputs("subflowctl: reload takes no arguments\n", stderr);
		return EX_USAGE;
	}

	return call(bus, SF_DBUS_PATH, SF_DBUS_MANAGER_IFACE, "Reload", "");
}

static int cmd_policy(sd_bus *bus, int argc, char **argv)
{
	char path[SF_DBUS_PATH_MAX];
	uint32_t token;
	int ret;

	if (argc == 1)
		return call(bus, SF_DBUS_PATH, SF_DBUS_MANAGER_IFACE,
			    "SetDefaultPolicy", "s", argv[0]);

	if (argc != 2) {
		fputs("subflowctl: usage: policy NAME [TOKEN]\n", stderr);
		return EX_USAGE;
	}

	ret = parse_token(argv[1], &token);
	if (ret)
		return ret;

	return call(bus, sf_dbus_conn_path(token, path), SF_DBUS_CONN_IFACE,
		    "SetPolicy", "s", argv[0]);
}

/* yes/no, true/false, on/off, 1/0. Returns 0, 1, or -1 if none. */
static int parse_bool(const char *s)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcmp(s, yes[i]))
			return 1;
		if (!strcmp(s, no[i]))
			return 0;
	}
	return -1;
}

static int cmd_set_interface(sd_bus *bus, int argc, char **argv)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	int r, b;

	if (argc < 2) {
		fputs("subflowctl: usage: set-interface IFNAME key=value..."
		      "\n", stderr);
		return EX_USAGE;
	}

	r = sd_bus_message_new_method_call(bus, &m, SF_DBUS_NAME, SF_DBUS_PATH,
					   SF_DBUS_MANAGER_IFACE,
					   "SetInterfacePolicy");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", argv[0]);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "{sv}");

	for (int i = 1; r >= 0 && i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		char *key = argv[i];
		char *value;

		if (!eq) {
			fprintf(stderr, "subflowctl: '%s' is not key=value\n",
				argv[i]);
			sd_bus_message_unref(m);
			return EX_USAGE;
		}
		*eq = '\0';
		value = eq + 1;

		if (!strcmp(key, "subflows")) {
			char *end;
			unsigned long n = strtoul(value, &end, 10);

			if (!*value || *end || n > UINT32_MAX) {
				fprintf(stderr, "subflowctl: subflows: '%s' is "
					"not a number\n", value);
				sd_bus_message_unref(m);
				return EX_USAGE;
			}
			r = sd_bus_message_append(m, "{sv}", key, "u",
						  (uint32_t)n);
		} else if ((b = parse_bool(value)) >= 0 &&
			   strcmp(key, "subflows")) {
			r = sd_bus_message_append(m, "{sv}", key, "b", b);
		} else {
			/* The daemon says what is wrong with it. */
			r = sd_bus_message_append(m, "{sv}", key, "s", value);
		}
	}

	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, &error, NULL);

	sd_bus_message_unref(m);
	if (r < 0) {
		fail_bus("SetInterfacePolicy", &error, r);
		sd_bus_error_free(&error);
		return 1;
	}
	return 0;
}

/* PORT: 0..65535. Returns 0 or EX_USAGE (said why). */
static int parse_port(const char *what, const char *str, uint16_t *ret_port)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(str, &end, 10);
	if (!*str || *end || errno || v > 65535) {
		fprintf(stderr, "subflowctl: %s: '%s' is not a port number\n",
			what, str);
		return EX_USAGE;
	}

	*ret_port = (uint16_t)v;
	return 0;
}

static int cmd_subflow(sd_bus *bus, int argc, char **argv)
{
	char path[SF_DBUS_PATH_MAX];
	uint16_t lport = 0, rport = 0;
	uint32_t token;
	int ret, b;

	if (argc < 2)
		goto usage;

	ret = parse_token(argv[1], &token);
	if (ret)
		return ret;
	sf_dbus_conn_path(token, path);

	if (!strcmp(argv[0], "add") && (argc == 4 || argc == 5 || argc == 6)) {
		/* add TOKEN LOCAL REMOTE [PORT] [backup] */
		bool backup = false;

		if (argc == 6 || (argc == 5 && strcmp(argv[4], "backup"))) {
			ret = parse_port("port", argv[4], &rport);
			if (ret)
				return ret;
		}
		if (!strcmp(argv[argc - 1], "backup"))
			backup = true;
		else if (argc == 6)
			goto usage;

		return call(bus, path, SF_DBUS_CONN_IFACE, "CreateSubflow",
			    "ssqb", argv[2], argv[3], rport, backup);
	}

	if ((!strcmp(argv[0], "del") && argc == 6) ||
	    (!strcmp(argv[0], "backup") && argc == 7)) {
		ret = parse_port("local port", argv[3], &lport);
		if (!ret)
			ret = parse_port("remote port", argv[5], &rport);
		if (ret)
			return ret;

		if (!strcmp(argv[0], "del"))
			return call(bus, path, SF_DBUS_CONN_IFACE,
				    "RemoveSubflow", "sqsq", argv[2], lport,
				    argv[4], rport);

		b = parse_bool(argv[6]);
		if (b < 0) {
			fprintf(stderr, "subflowctl: '%s' is not on or off\n",
				argv[6]);
			return EX_USAGE;
		}
		return call(bus, path, SF_DBUS_CONN_IFACE, "SetBackup", "sqsqb",
			    argv[2], lport, argv[4], rport, b);
	}

usage:
	fputs("subflowctl: usage: subflow add TOKEN LOCAL REMOTE [PORT] "
	      "[backup] | subflow del TOKEN LOCAL LPORT REMOTE RPORT | "
	      "subflow backup TOKEN LOCAL LPORT REMOTE RPORT on|off\n",
	      stderr);
	return EX_USAGE;
}

static int cmd_announce(sd_bus *bus, int argc, char **argv)
{
	char path[SF_DBUS_PATH_MAX];
	uint16_t port = 0;
	uint32_t token;
	int ret;

	if (argc != 2 && argc != 3) {
		fputs("subflowctl: usage: announce TOKEN ADDR [PORT]\n", stderr);
		return EX_USAGE;
	}

	ret = parse_token(argv[0], &token);
	if (!ret && argc == 3)
		ret = parse_port("port", argv[2], &port);
	if (ret)
		return ret;

	return call(bus, sf_dbus_conn_path(token, path), SF_DBUS_CONN_IFACE,
		    "Announce", "sq", argv[1], port);
}

static int cmd_remove_address(sd_bus *bus, int argc, char **argv)
{
	char path[SF_DBUS_PATH_MAX];
	uint32_t token;
	char *end;
	unsigned long id;
	int ret;

	if (argc != 2) {
		fputs("subflowctl: usage: remove-address TOKEN ID\n", stderr);
		return EX_USAGE;
	}

	ret = parse_token(argv[0], &token);
	if (ret)
		return ret;

	id = strtoul(argv[1], &end, 10);
	if (!*argv[1] || *end || id > 255) {
		fprintf(stderr, "subflowctl: '%s' is not an address id "
			"(0..255)\n", argv[1]);
		return EX_USAGE;
	}

	return call(bus, sf_dbus_conn_path(token, path), SF_DBUS_CONN_IFACE,
		    "RemoveAddress", "y", (uint8_t)id);
}

/* --- main ------------------------------------------------------------------ */

static const struct {
	const char *name;
	int (*run)(sd_bus *bus, int argc, char **argv);
} commands[] = {
	{ "status", cmd_status },
	{ "connections", cmd_connections },
	{ "show", cmd_show },
	{ "interfaces", cmd_interfaces },
	{ "monitor", cmd_monitor },
	{ "reload", cmd_reload },
	{ "policy", cmd_policy },
	{ "set-interface", cmd_set_interface },
	{ "subflow", cmd_subflow },
	{ "announce", cmd_announce },
	{ "remove-address", cmd_remove_address },
};

static void usage(FILE *out)
{
	fputs("Usage: subflowctl [--bus BUS] [--json] COMMAND [ARGS]\n"
	      "Look at and steer subflowd, the MPTCP path manager, over "
	      "D-Bus.\n\n"
	      "  status                       version, mode, policies, "
	      "counters\n"
	      "  connections                  MPTCP connections\n"
	      "  show TOKEN                   one connection, its subflows and "
	      "peer addresses\n"
	      "  interfaces                   interfaces and their policy\n"
	      "  monitor                      one line per change, live\n"
	      "  reload                       re-read the configuration\n"
	      "  policy NAME [TOKEN]          default policy, or a "
	      "connection's\n"
	      "  set-interface IFNAME key=value...\n"
	      "                               backup, announce, enabled "
	      "(yes/no), subflows (n)\n"
	      "  subflow add TOKEN LOCAL REMOTE [PORT] [backup]\n"
	      "  subflow del TOKEN LOCAL LPORT REMOTE RPORT\n"
	      "  subflow backup TOKEN LOCAL LPORT REMOTE RPORT on|off\n"
	      "  announce TOKEN ADDR [PORT]   advertise a local address to "
	      "the peer\n"
	      "  remove-address TOKEN ID      withdraw an advertised address\n"
	      "\n"
	      "      --bus BUS   system (default), session or a D-Bus address\n"
	      "  -j, --json      JSON output for reads\n"
	      "  -V, --version   print the version and exit\n"
	      "  -h, --help      print this help and exit\n", out);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "bus", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	sd_bus *bus = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "+jVh", options, NULL)) != -1) {
		switch (c) {
		case 'b':
			arg_bus = optarg;
			break;
		case 'j':
			arg_json = true;
			break;
		case 'V':
			printf("subflowctl %s\n", VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fputs("Try 'subflowctl --help' for more information.\n",
			      stderr);
			return EX_USAGE;
		}
	}

	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;

		r = sf_dbus_open(arg_bus, &bus);
		if (r < 0) {
			fprintf(stderr, "subflowctl: cannot connect to D-Bus "
				"(--bus %s): %s\n", arg_bus, strerror(-r));
			return 1;
		}

		r = commands[i].run(bus, argc - optind - 1, argv + optind + 1);
		sd_bus_flush_close_unref(bus);
		return r;
	}

	fprintf(stderr, "subflowctl: unknown command '%s'; see "
		"'subflowctl --help'\n", argv[optind]);
	return EX_USAGE;
}
