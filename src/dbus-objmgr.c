/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The object manager at /org/subflowd where sd-bus's own would hold the
 * event loop for as long as it takes to describe every object at once:
 * GetManagedObjects is answered here, in slices, and the object tree's
 * signals (InterfacesAdded, InterfacesRemoved, PropertiesChanged) wait
 * while a listing runs, so that none overtakes a reply that may describe
 * its object in an older state. sd-bus's object manager stays: it sends
 * InterfacesAdded and InterfacesRemoved.
 *
 * A call is a listing: its reply, opened as a{oa{sa{sv}}}, and the objects
 * published when it starts (interfaces and connections, by ifindex and
 * token). Each slice describes a bounded number of them as sd-bus would,
 * skipping those withdrawn meanwhile; the last one sends the reply.
 * Listings run one at a time, first come first served; the signals held
 * meanwhile are sent right after the reply, in slices too, before the next
 * listing starts.
 *
 * One slice per loop iteration: sf_dbus_next_turn() brings the loop back
 * here after it has polled the kernel's sockets.
 */
#include <errno.h>
#include <string.h>

#include "dbus-private.h"
#include "log.h"
#include "util.h"

#define IFACE_PEER "org.freedesktop.DBus.Peer"
#define IFACE_INTROSPECTABLE "org.freedesktop.DBus.Introspectable"
#define IFACE_PROPERTIES "org.freedesktop.DBus.Properties"
#define IFACE_OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"

struct listing {
	sd_bus_message *call;		/* referenced */
	sd_bus_message *reply;		/* inside its array; NULL: not started */
	int32_t *ifindexes;		/* the interfaces published at start */
	unsigned int n_ifaces;
	uint32_t *tokens;		/* the connections published at start */
	unsigned int n_conns;
	unsigned int next;		/* objects done, interfaces first */
	unsigned int described;		/* of them, still published */
	unsigned int slices;
	unsigned int most;		/* objects in one slice, at most */
	uint64_t longest_us;		/* one slice, at most */
	uint64_t began;			/* l_time_now() of its start */
};

struct held {
	enum sf_dbus_signal kind;
	char *path;
	char *interface;		/* SF_DBUS_SIGNAL_CHANGED */
	char **props;			/* SF_DBUS_SIGNAL_CHANGED */
};

struct sf_dbus_objmgr {
	struct l_queue *listings;	/* struct listing; the head runs */
	struct l_queue *held;		/* struct held, oldest first */
	unsigned int last_slices;	/* of the last listing answered */
	unsigned int last_most;
};

static void listing_free(void *data)
{
	struct listing *l = data;

	sd_bus_message_unref(l->call);
	sd_bus_message_unref(l->reply);
	l_free(l->ifindexes);
	l_free(l->tokens);
	l_free(l);
}

static void held_free(void *data)
{
	struct held *h = data;

	l_free(h->path);
	l_free(h->interface);
	l_strfreev(h->props);
	l_free(h);
}

/* --- signals ---------------------------------------------------------------- */

/* Is the object at path published (the manager always is)? */
static bool published(struct sf_dbus *d, const char *path)
{
	uint32_t token;
	int32_t ifindex;

	if (sf_dbus_conn_path_parse(path, &token) == 0)
		return sf_dbus_conn_published(d, token);
	if (sf_dbus_iface_path_parse(path, &ifindex) == 0)
		return sf_dbus_iface_published(d, ifindex);
	return true;
}

/* A published object as its getters see it (see object_at()). */
struct object {
	const char *interface;
	const sd_bus_vtable *vtable;
	void *userdata;
};

static bool object_at(struct sf_dbus *d, const char *path,
		      struct object *ret_object);
static int describe_interfaces(struct sf_dbus *d, sd_bus_message *m,
			       const char *path, const struct object *o,
			       sd_bus_error *ret_error);

/*
 * InterfacesAdded for the object at path, from the object manager at
 * SF_DBUS_PATH: what sd_bus_emit_object_added() sends (test-dbus-objmgr
 * compares them), described as the listing describes it, without sd-bus's
 * walk of the object tree (a connection's: 78,000 instructions, not
 * 99,000; most of the rest is sd-bus appending its properties).
 */
static int emit_added(struct sf_dbus *d, const char *path)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	struct object o;
	int r;

	/* Nothing there (withdrawn meanwhile): no signal. */
	if (!object_at(d, path, &o))
		return 0;

	r = sd_bus_message_new_signal(d->bus, &m, SF_DBUS_PATH,
				      IFACE_OBJECT_MANAGER, "InterfacesAdded");
	if (r >= 0)
		r = sd_bus_message_append_basic(m, 'o', path);
	if (r >= 0)
		r = describe_interfaces(d, m, path, &o, &err);
	if (r >= 0)
		r = sd_bus_send(d->bus, m, NULL);
	sd_bus_error_free(&err);
	sd_bus_message_unref(m);
	return r;
}

/*
 * Send a signal. late: it was held, and its object may have changed since:
 * an announcement or change of an object withdrawn meanwhile is dropped.
 * A withdrawal names the interfaces the object had, as
 * sd_bus_emit_object_removed() names them (test-dbus-objmgr compares
 * them) but without its walk of the object tree, which finds nothing once
 * the object is gone.
 */
static void emit(struct sf_dbus *d, enum sf_dbus_signal kind,
		 const char *path, const char *interface, char **props,
		 bool late)
{
	uint32_t token;
	int r = 0;

	if (late && kind != SF_DBUS_SIGNAL_REMOVED && !published(d, path))
		return;

	switch (kind) {
	case SF_DBUS_SIGNAL_ADDED:
		r = emit_added(d, path);
		break;
	case SF_DBUS_SIGNAL_REMOVED:
		r = sd_bus_emit_interfaces_removed(d->bus, path,
			IFACE_PEER, IFACE_INTROSPECTABLE, IFACE_PROPERTIES,
			sf_dbus_conn_path_parse(path, &token) == 0 ?
			SF_DBUS_CONN_IFACE : SF_DBUS_IFACE_IFACE, NULL);
		break;
	case SF_DBUS_SIGNAL_CHANGED:
		r = sd_bus_emit_properties_changed_strv(d->bus, path,
							interface, props);
		break;
	}

	if (r < 0)
		l_debug("%s for %s: %s", kind == SF_DBUS_SIGNAL_ADDED ?
			"InterfacesAdded" : kind == SF_DBUS_SIGNAL_REMOVED ?
			"InterfacesRemoved" : "PropertiesChanged", path,
			strerror(-r));
}

void sf_dbus_objmgr_signal(struct sf_dbus *d, enum sf_dbus_signal kind,
			   const char *path, const char *interface,
			   const char *const *props)
{
	struct sf_dbus_objmgr *om = d->objmgr;
	struct held *h;

	if (!d->bus)
		return;

	if (!om || (l_queue_isempty(om->listings) &&
		    l_queue_isempty(om->held))) {
		emit(d, kind, path, interface, (char **) props, false);
		sf_dbus_kick(d);
		return;
	}

	/* A listing runs (or its held signals are being sent): behind it. */
	h = l_new(struct held, 1);
	h->kind = kind;
	h->path = l_strdup(path);
	h->interface = l_strdup(interface);
	h->props = props ? l_strv_copy((char **) props) : NULL;
	l_queue_push_tail(om->held, h);
}

/* --- listings --------------------------------------------------------------- */

static void collect_iface(void *data, void *user_data)
{
	struct listing *l = user_data;

	l->ifindexes[l->n_ifaces++] = ((struct sf_dbus_iface *) data)->ifindex;
}

static void collect_conn(struct sf_conn *conn, void *user_data)
{
	struct listing *l = user_data;

	if (sf_conn_published(conn))
		l->tokens[l->n_conns++] = sf_conn_token(conn);
}

/* The reply, and the objects published now. */
static int listing_start(struct sf_dbus *d, struct listing *l)
{
	const struct sf_conn_table *conns = sf_daemon_conns(d->daemon);
	int r;

	l->began = l_time_now();
	r = sd_bus_message_new_method_return(l->call, &l->reply);
	if (r < 0)
		return r;

	r = sd_bus_message_open_container(l->reply, 'a', "{oa{sa{sv}}}");
	if (r < 0)
		return r;

	/* One more: l_new() of nothing would be NULL. */
	l->ifindexes = l_new(int32_t, l_queue_length(d->ifaces) + 1);
	l_queue_foreach(d->ifaces, collect_iface, l);
	l->tokens = l_new(uint32_t, sf_conn_table_count(conns) + 1);
	sf_conn_table_foreach(conns, collect_conn, l);
	return 0;
}

/* The next property of a vtable, whatever the size sd-bus's headers gave
 * its elements. */
static const sd_bus_vtable *vtable_next(const sd_bus_vtable *vtable,
					const sd_bus_vtable *v)
{
	return (const sd_bus_vtable *) ((const uint8_t *) v +
					vtable[0].x.start.element_size);
}

/* Property p of an object, as {sv}, through its getter. */
static int append_property(struct sf_dbus *d, sd_bus_message *reply,
			   const char *path, const char *interface,
			   const sd_bus_vtable *p, void *userdata,
			   sd_bus_error *ret_error)
{
	void *data = p->flags & SD_BUS_VTABLE_ABSOLUTE_OFFSET ?
		     (void *) p->x.property.offset :
		     (uint8_t *) userdata + p->x.property.offset;
	int r;

	/* Every property the service publishes has a getter. */
	if (!p->x.property.get)
		return -EOPNOTSUPP;

	r = sd_bus_message_open_container(reply, 'e', "sv");
	if (r >= 0)
		r = sd_bus_message_append_basic(reply, 's',
						 p->x.property.member);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'v',
						  p->x.property.signature);
	if (r >= 0)
		r = p->x.property.get(d->bus, path, interface,
				      p->x.property.member, reply, data,
				      ret_error);
	if (r >= 0 && sd_bus_error_is_set(ret_error))
		r = -sd_bus_error_get_errno(ret_error);
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	return r;
}

/*
 * The interfaces of object o at path as sd-bus gives them (a{sa{sv}}): the
 * three every object has, empty, then its interface with each property of
 * its vtable that is neither hidden nor only read explicitly, in the
 * vtable's order.
 */
static int describe_interfaces(struct sf_dbus *d, sd_bus_message *m,
			       const char *path, const struct object *o,
			       sd_bus_error *ret_error)
{
	const sd_bus_vtable *vtable = o->vtable;
	const sd_bus_vtable *v;
	int r;

	r = sd_bus_message_open_container(m, 'a', "{sa{sv}}");
	if (r >= 0)
		r = sd_bus_message_append(m, "{sa{sv}}{sa{sv}}{sa{sv}}",
					  IFACE_PEER, 0, IFACE_INTROSPECTABLE,
					  0, IFACE_PROPERTIES, 0);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'e', "sa{sv}");
	if (r >= 0)
		r = sd_bus_message_append_basic(m, 's', o->interface);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "{sv}");

	for (v = vtable_next(vtable, vtable);
	     r >= 0 && v->type != _SD_BUS_VTABLE_END;
	     v = vtable_next(vtable, v)) {
		if ((v->type != _SD_BUS_VTABLE_PROPERTY &&
		     v->type != _SD_BUS_VTABLE_WRITABLE_PROPERTY) ||
		    (v->flags & (SD_BUS_VTABLE_HIDDEN |
				 SD_BUS_VTABLE_PROPERTY_EXPLICIT)))
			continue;

		r = append_property(d, m, path, o->interface, v, o->userdata,
				    ret_error);
	}

	for (int i = 0; r >= 0 && i < 3; i++)
		r = sd_bus_message_close_container(m);
	return r;
}

/* The connection object of token, if published. */
static bool conn_object(struct sf_dbus *d, uint32_t token,
			struct object *ret_object)
{
	if (!sf_dbus_conn_published(d, token))
		return false;

	/* The connection getters' userdata, as conn_find() fills it. */
	d->found->token = token;
	*ret_object = (struct object) { SF_DBUS_CONN_IFACE,
					sf_dbus_conn_vtable, d->found };
	return true;
}

/* The interface object of ifindex, if published. */
static bool iface_object(struct sf_dbus *d, int32_t ifindex,
			 struct object *ret_object)
{
	struct sf_dbus_iface *iface = sf_dbus_iface_lookup(d, ifindex);

	if (!iface)
		return false;

	*ret_object = (struct object) { SF_DBUS_IFACE_IFACE,
					sf_dbus_iface_vtable, iface };
	return true;
}

/* The published connection or interface object at path, if any. */
static bool object_at(struct sf_dbus *d, const char *path,
		      struct object *ret_object)
{
	int32_t ifindex;
	uint32_t token;

	if (sf_dbus_conn_path_parse(path, &token) == 0)
		return conn_object(d, token, ret_object);
	if (sf_dbus_iface_path_parse(path, &ifindex) == 0)
		return iface_object(d, ifindex, ret_object);
	return false;
}

/* Object i of the listing, unless withdrawn since it started: 1 when
 * described, 0 when skipped, or a negative errno. */
static int describe_next(struct sf_dbus *d, struct listing *l,
			 sd_bus_error *ret_error)
{
	unsigned int i = l->next++;
	char path[SF_DBUS_PATH_MAX];
	struct object o;
	int r;

	if (i < l->n_ifaces) {
		if (!iface_object(d, l->ifindexes[i], &o))
			return 0;
		sf_dbus_iface_path(l->ifindexes[i], path);
	} else {
		if (!conn_object(d, l->tokens[i - l->n_ifaces], &o))
			return 0;
		sf_dbus_conn_path(l->tokens[i - l->n_ifaces], path);
	}

	r = sd_bus_message_open_container(l->reply, 'e', "oa{sa{sv}}");
	if (r >= 0)
		r = sd_bus_message_append_basic(l->reply, 'o', path);
	if (r >= 0)
		r = describe_interfaces(d, l->reply, path, &o, ret_error);
	if (r >= 0)
		r = sd_bus_message_close_container(l->reply);
	return r < 0 ? r : 1;
}

/* The listing is done (error < 0: failed, with ret_error if set): reply,
 * and forget it. */
static void listing_end(struct sf_dbus *d, struct listing *l, int error,
			sd_bus_error *err)
{
	struct sf_dbus_objmgr *om = d->objmgr;
	int r;

	if (error >= 0)
		r = sd_bus_message_close_container(l->reply);
	else
		r = error;
	if (r >= 0)
		r = sd_bus_send(d->bus, l->reply, NULL);
	else if (sd_bus_error_is_set(err))
		r = sd_bus_reply_method_error(l->call, err);
	else
		r = sd_bus_reply_method_errno(l->call, r, NULL);
	if (r < 0)
		l_debug("GetManagedObjects: cannot reply: %s", strerror(-r));

	l_debug("GetManagedObjects: %u objects in %u slices (at most %u, "
		"%" PRIu64 " us, in one) over %" PRIu64 " ms%s", l->described,
		l->slices, l->most, l->longest_us,
		l_time_diff(l->began, l_time_now()) / 1000,
		error < 0 ? ", failed" : "");
	om->last_slices = l->slices;
	om->last_most = l->most;
	l_queue_remove(om->listings, l);
	listing_free(l);
}

static int on_call(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct sf_dbus *d = userdata;
	struct sf_dbus_objmgr *om = d->objmgr;
	struct listing *l;
	int r;

	/* Anything else, and a call with arguments (InvalidArgs), is sd-bus's
	 * to answer. */
	if (!sd_bus_message_is_method_call(m, "org.freedesktop.DBus.ObjectManager",
					   "GetManagedObjects") ||
	    !sd_bus_message_has_signature(m, ""))
		return 0;

	/* Nobody waits for this reply: taken, and done. */
	if (!sd_bus_message_get_expect_reply(m))
		return 1;

	l = l_new(struct listing, 1);
	l->call = sd_bus_message_ref(m);
	/* Nothing else runs: it begins now, and whatever happens from now
	 * on is signalled after its reply. */
	if (l_queue_isempty(om->listings) && l_queue_isempty(om->held)) {
		r = listing_start(d, l);
		if (r < 0) {
			listing_free(l);
			return r;
		}
	}

	l_queue_push_tail(om->listings, l);
	sf_dbus_next_turn(d);
	return 1;
}

/* Has the slice that began at start run its time? */
static bool slice_spent(uint64_t start)
{
	return l_time_diff(start, l_time_now()) >= SF_DBUS_OBJMGR_SLICE_US;
}

/* Send held signals, oldest first, up to budget of them and until the
 * slice that began at start is spent. Returns the budget left. */
static unsigned int run_held(struct sf_dbus *d, unsigned int budget,
			     uint64_t start)
{
	struct sf_dbus_objmgr *om = d->objmgr;
	struct held *h;

	while (budget && d->bus && !slice_spent(start) &&
	       (h = l_queue_pop_head(om->held))) {
		emit(d, h->kind, h->path, h->interface, h->props, true);
		held_free(h);
		budget--;
	}

	return budget;
}

/* Describe up to budget objects of l, the running listing, until the
 * slice that began at start is spent; the last one replies and frees l
 * (*ret_ended). Returns the budget left. */
static unsigned int run_listing(struct sf_dbus *d, struct listing *l,
				unsigned int budget, uint64_t start,
				bool *ret_ended)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	unsigned int done = 0;
	uint64_t took;
	int r = 0;

	if (!l->reply) {
		r = listing_start(d, l);
		if (r < 0) {
			listing_end(d, l, r, &err);
			*ret_ended = true;
			return budget;
		}
	}

	while (done < budget && l->next < l->n_ifaces + l->n_conns &&
	       !slice_spent(start)) {
		r = describe_next(d, l, &err);
		if (r < 0)
			break;
		l->described += r;
		done++;
	}

	took = l_time_diff(start, l_time_now());
	l->slices++;
	if (done > l->most)
		l->most = done;
	if (took > l->longest_us)
		l->longest_us = took;

	*ret_ended = r < 0 || l->next == l->n_ifaces + l->n_conns;
	if (*ret_ended)
		listing_end(d, l, r, &err);
	sd_bus_error_free(&err);
	return budget - done;
}

/*
 * One slice: at most SF_DBUS_OBJMGR_SLICE objects of the running listing,
 * or held signals between listings (those held while the last one ran),
 * for about SF_DBUS_OBJMGR_SLICE_US. True when work is left.
 */
bool sf_dbus_objmgr_run(struct sf_dbus *d)
{
	struct sf_dbus_objmgr *om = d->objmgr;
	uint64_t start = l_time_now();
	unsigned int budget = SF_DBUS_OBJMGR_SLICE;
	struct listing *l;
	bool ended = true;

	if (!om)
		return false;

	while (d->bus && ended) {
		l = l_queue_peek_head(om->listings);
		/* A listing that has begun keeps what is held behind its
		 * reply; the next one begins once it is all sent. */
		if (!l || !l->reply) {
			budget = run_held(d, budget, start);
			if (!l_queue_isempty(om->held))
				break;
		}
		if (!l || !budget || slice_spent(start))
			break;

		budget = run_listing(d, l, budget, start, &ended);
	}

	return d->bus && (!l_queue_isempty(om->listings) ||
			  !l_queue_isempty(om->held));
}

/* --- lifecycle -------------------------------------------------------------- */

int sf_dbus_objmgr_attach(struct sf_dbus *d)
{
	struct sf_dbus_objmgr *om;

	if (d->objmgr)
		return -EALREADY;

	om = l_new(struct sf_dbus_objmgr, 1);
	d->objmgr = om;
	om->listings = l_queue_new();
	om->held = l_queue_new();
	/* Node callbacks run before sd-bus's own handling of the path. */
	return sd_bus_add_object(d->bus, NULL, SF_DBUS_PATH, on_call, d);
}

void sf_dbus_objmgr_clear(struct sf_dbus *d)
{
	void *data;

	if (!d->objmgr)
		return;

	while ((data = l_queue_pop_head(d->objmgr->listings)))
		listing_free(data);
	while ((data = l_queue_pop_head(d->objmgr->held)))
		held_free(data);
}

void sf_dbus_objmgr_free(struct sf_dbus *d)
{
	if (!d->objmgr)
		return;

	l_queue_destroy(d->objmgr->listings, listing_free);
	l_queue_destroy(d->objmgr->held, held_free);
	l_free(d->objmgr);
	d->objmgr = NULL;
}

void sf_dbus_objmgr_last(const struct sf_dbus *d, unsigned int *ret_slices,
			 unsigned int *ret_most)
{
	*ret_slices = d->objmgr ? d->objmgr->last_slices : 0;
	*ret_most = d->objmgr ? d->objmgr->last_most : 0;
}
