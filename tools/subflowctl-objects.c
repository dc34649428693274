/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * subflowctl: the daemon's objects (GetManagedObjects) read into the typed
 * views of subflowctl.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "dbus.h"
#include "subflowctl.h"

void *ctl_grow(void *array, size_t n, size_t size)
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
		c->subflows = ctl_grow(c->subflows, c->n_subflows, sizeof(sf));
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
		c->raddrs = ctl_grow(c->raddrs, c->n_raddrs, sizeof(ra));
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
		i->addrs = ctl_grow(i->addrs, i->n_addrs, sizeof(*i->addrs));
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

int ctl_read_props(sd_bus_message *m, ctl_prop_reader_t reader, void *obj)
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

void ctl_objects_clear(struct objects *o)
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

			r = ctl_read_props(m, conn_reader, &c);
			o->conns = ctl_grow(o->conns, o->n_conns, sizeof(c));
			o->conns[o->n_conns++] = c;
		} else if (!strcmp(name, SF_DBUS_IFACE_IFACE)) {
			struct iface i = { 0 };

			r = ctl_read_props(m, iface_reader, &i);
			o->ifaces = ctl_grow(o->ifaces, o->n_ifaces, sizeof(i));
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
int ctl_get_objects(sd_bus *bus, struct objects *o)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	const char *path;
	int r;

	r = sd_bus_call_method(bus, ctl_dest, SF_DBUS_PATH,
			       "org.freedesktop.DBus.ObjectManager",
			       "GetManagedObjects", &error, &o->reply, "");
	if (r < 0) {
		ctl_fail_bus("GetManagedObjects", &error, r);
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

	/* qsort() takes no NULL array, even empty. */
	if (o->n_conns)
		qsort(o->conns, o->n_conns, sizeof(*o->conns), conn_cmp);
	if (o->n_ifaces)
		qsort(o->ifaces, o->n_ifaces, sizeof(*o->ifaces), iface_cmp);
	return 0;
}
