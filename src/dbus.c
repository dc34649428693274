/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus service: the bus connection driven from the ELL loop, the
 * object tree (ObjectManager at /org/subflowd, one object per connection
 * and per interface), the signals that follow the daemon's observer hooks,
 * access control and the bookkeeping of method calls that wait for the
 * kernel. The D-Bus interfaces themselves are in dbus-manager.c,
 * dbus-conn.c and dbus-iface.c; GetManagedObjects, and the order of the
 * signals around it, in dbus-objmgr.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "api.h"
#include "dbus-private.h"
#include "log.h"
#include "owner.h"
#include "util.h"

/* --- driving sd-bus from the ELL loop ------------------------------------ */

static void dbus_process(struct sf_dbus *d);

static void dbus_fail(struct sf_dbus *d)
{
	d->failed = true;
	l_main_quit();
}

/* Stop watching the bus's fd, then close a lost bus (and its fd). */
static void bus_unwatch(struct sf_dbus *d)
{
	/* l_io_destroy() runs the disconnect handler: this is no loss. It
	 * closes the io's copy of the fd. */
	if (d->io)
		l_io_set_disconnect_handler(d->io, NULL, NULL, NULL);
	l_io_destroy(d->io);
	d->io = NULL;
	l_idle_remove(d->lost_idle);
	d->lost_idle = NULL;
	if (d->lost) {
		sd_bus_close(d->lost);
		d->lost = sd_bus_unref(d->lost);
	}
}

static void lost_cb(struct l_idle *idle, void *user_data)
{
	bus_unwatch(user_data);
}

/* The connection is gone: stop watching it; nothing is sent any more. */
static void dbus_lost(struct sf_dbus *d, int error)
{
	if (!d->bus)
		return;

	l_error("D-Bus connection lost: %s; the D-Bus API is off",
		strerror(-error));
	l_timeout_remove(d->timeout);
	d->timeout = NULL;
	l_idle_remove(d->kick);
	d->kick = NULL;
	sf_dbus_objmgr_clear(d);
	/* Closed from an idle, once its watch is gone (we may be inside the
	 * watch's handler now): closed at once, its fd's number could go to
	 * a new fd while the old watch still holds it. */
	d->lost = d->bus;
	d->bus = NULL;
	d->lost_idle = l_idle_create(lost_cb, d, NULL);
	d->writing = false;

	if (d->holds_ready)
		dbus_fail(d);
}

static void kick_cb(struct l_idle *idle, void *user_data)
{
	struct sf_dbus *d = user_data;

	l_idle_remove(d->kick);
	d->kick = NULL;
	dbus_process(d);
}

/* Process the bus soon: after anything was queued outside sd_bus_process(). */
void sf_dbus_kick(struct sf_dbus *d)
{
	if (d->bus && !d->kick)
		d->kick = l_idle_create(kick_cb, d, NULL);
}

static bool next_turn_cb(struct l_io *io, void *user_data)
{
	struct sf_dbus *d = user_data;
	uint64_t n;

	if (read(l_io_get_fd(io), &n, sizeof(n)) < 0 && errno != EAGAIN)
		l_debug("D-Bus: eventfd: %s", strerror(errno));
	d->next_armed = false;

	if (sf_dbus_objmgr_run(d))
		sf_dbus_next_turn(d);
	/* The bus's next slice, and what the object manager's queued. */
	dbus_process(d);
	return true;
}

void sf_dbus_next_turn(struct sf_dbus *d)
{
	uint64_t one = 1;
	int fd;

	if (!d->bus || d->next_armed)
		return;

	if (!d->next) {
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fd < 0 || !(d->next = l_io_new(fd))) {
			/* Next best: this turn, after the kernel's sockets. */
			if (fd >= 0)
				close(fd);
			l_warn("D-Bus: no eventfd (%s), serving the bus in one go",
			       strerror(fd < 0 ? errno : ENOMEM));
			sf_dbus_kick(d);
			return;
		}
		l_io_set_close_on_destroy(d->next, true);
		l_io_set_read_handler(d->next, next_turn_cb, d, NULL);
	}

	if (write(l_io_get_fd(d->next), &one, sizeof(one)) == sizeof(one))
		d->next_armed = true;
}

static void timeout_cb(struct l_timeout *timeout, void *user_data)
{
	dbus_process(user_data);
}

static bool io_write(struct l_io *io, void *user_data)
{
	struct sf_dbus *d = user_data;

	dbus_process(d);
	/* Returning false drops the write watch. */
	d->writing = d->bus && (sd_bus_get_events(d->bus) & POLLOUT);
	return d->writing;
}

static bool io_read(struct l_io *io, void *user_data)
{
	struct sf_dbus *d = user_data;

	dbus_process(d);
	return d->bus != NULL;
}

static void io_disconnect(struct l_io *io, void *user_data)
{
	dbus_lost(user_data, -ECONNRESET);
}

static uint64_t monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Re-arm the write watch and the timeout from what sd-bus wants now. */
static void dbus_update(struct sf_dbus *d)
{
	uint64_t until, now;
	int events, r;

	/* Not serving yet (sf_dbus_serve()): nothing to arm. */
	if (!d->io)
		return;

	events = sd_bus_get_events(d->bus);
	if (events < 0) {
		dbus_lost(d, events);
		return;
	}

	if ((events & POLLOUT) && !d->writing) {
		l_io_set_write_handler(d->io, io_write, d, NULL);
		d->writing = true;
	}

	r = sd_bus_get_timeout(d->bus, &until);
	if (r < 0 || until == UINT64_MAX) {
		l_timeout_remove(d->timeout);
		d->timeout = NULL;
		return;
	}

	now = monotonic_usec();
	if (until <= now) {
		sf_dbus_kick(d);
		return;
	}

	/* Round up: waking early would only re-arm. */
	until = (until - now + 999) / 1000;
	if (d->timeout)
		l_timeout_modify_ms(d->timeout, until);
	else
		d->timeout = l_timeout_create_ms(until, timeout_cb, d, NULL);
}

/*
 * Process what the bus has for us, but not without end: a flood of calls
 * must not starve the kernel's sockets, which the loop serves between
 * slices. A slice ends after SF_DBUS_SLICE_MESSAGES messages or
 * SF_DBUS_SLICE_US of work; what is left waits for the next turn of the
 * loop (sf_dbus_next_turn()). GetManagedObjects, the one call that could
 * take far longer alone, is answered in slices of its own
 * (dbus-objmgr.c).
 */
#define SF_DBUS_SLICE_MESSAGES 32
#define SF_DBUS_SLICE_US 2000

static void dbus_process(struct sf_dbus *d)
{
	uint64_t start = l_time_now();
	unsigned int n = 0;
	int r;

	if (!d->bus || !d->io)
		return;

	do
		r = sd_bus_process(d->bus, NULL);
	while (r > 0 && d->bus && ++n < SF_DBUS_SLICE_MESSAGES &&
	       l_time_diff(start, l_time_now()) < SF_DBUS_SLICE_US);

	if (!d->bus)
		return;

	if (r < 0) {
		dbus_lost(d, r);
		return;
	}

	/* More may be queued in sd-bus already, where the fd says nothing. */
	if (r > 0)
		sf_dbus_next_turn(d);
	dbus_update(d);
}

/* --- the object tree ----------------------------------------------------- */

bool sf_dbus_conn_published(struct sf_dbus *d, uint32_t token)
{
	struct sf_conn *conn = sf_conn_table_lookup(sf_daemon_conns(d->daemon),
						    token);

	return conn && sf_conn_published(conn);
}

static bool iface_is(const void *data, const void *user_data)
{
	return ((const struct sf_dbus_iface *) data)->ifindex ==
	       L_PTR_TO_INT(user_data);
}

struct sf_dbus_iface *sf_dbus_iface_lookup(struct sf_dbus *d, int32_t ifindex)
{
	return l_queue_find(d->ifaces, iface_is, L_INT_TO_PTR(ifindex));
}

bool sf_dbus_iface_published(struct sf_dbus *d, int32_t ifindex)
{
	return sf_dbus_iface_lookup(d, ifindex) != NULL;
}

struct sf_conn *sf_dbus_conn_lookup(struct sf_dbus_conn *conn)
{
	return sf_conn_table_lookup(sf_daemon_conns(conn->dbus->daemon),
				    conn->token);
}

bool sf_dbus_conn_owner(struct sf_dbus_conn *conn, uid_t *ret_uid)
{
	struct sf_conn *c = sf_dbus_conn_lookup(conn);
	uint32_t uid;

	if (!c)
		return false;

	if (!sf_conn_get_owner(c, &uid)) {
		/* Known from the answer on (asked when it was published). */
		sf_owner_learn(conn->dbus->daemon, c);
		return false;
	}

	*ret_uid = uid;
	return true;
}

static int conn_find(sd_bus *bus, const char *path, const char *interface,
		     void *userdata, void **ret_found, sd_bus_error *ret_error)
{
	struct sf_dbus *d = userdata;
	uint32_t token;

	/* Every connection the daemon has answers at its path, announced or
	 * not yet. */
	if (sf_dbus_conn_path_parse(path, &token) < 0 ||
	    !sf_conn_table_lookup(sf_daemon_conns(d->daemon), token))
		return 0;

	d->found->token = token;
	*ret_found = d->found;
	return 1;
}

static int iface_find(sd_bus *bus, const char *path, const char *interface,
		      void *userdata, void **ret_found, sd_bus_error *ret_error)
{
	struct sf_dbus_iface *iface;
	int32_t ifindex;

	if (sf_dbus_iface_path_parse(path, &ifindex) < 0)
		return 0;

	iface = sf_dbus_iface_lookup(userdata, ifindex);
	if (!iface)
		return 0;

	*ret_found = iface;
	return 1;
}

struct enum_ctx {
	char **nodes;
	size_t n;
};

static void enum_node(struct enum_ctx *ctx, const char *path)
{
	ctx->nodes[ctx->n++] = l_strdup(path);
}

static void enum_conn(struct sf_conn *conn, void *user_data)
{
	char buf[SF_DBUS_PATH_MAX];

	if (sf_conn_published(conn))
		enum_node(user_data, sf_dbus_conn_path(sf_conn_token(conn),
						       buf));
}

static void enum_iface(void *data, void *user_data)
{
	const struct sf_dbus_iface *iface = data;
	char buf[SF_DBUS_PATH_MAX];

	enum_node(user_data, sf_dbus_iface_path(iface->ifindex, buf));
}

/* The strvs are freed by sd-bus with free(); l_strdup/l_new use malloc. */
static int conn_enumerate(sd_bus *bus, const char *prefix, void *userdata,
			  char ***ret_nodes, sd_bus_error *ret_error)
{
	struct sf_dbus *d = userdata;
	const struct sf_conn_table *conns = sf_daemon_conns(d->daemon);
	struct enum_ctx ctx = { l_new(char *, sf_conn_table_count(conns) + 1) };

	sf_conn_table_foreach(conns, enum_conn, &ctx);
	*ret_nodes = ctx.nodes;
	return 0;
}

static int iface_enumerate(sd_bus *bus, const char *prefix, void *userdata,
			   char ***ret_nodes, sd_bus_error *ret_error)
{
	struct sf_dbus *d = userdata;
	struct enum_ctx ctx = { l_new(char *, l_queue_length(d->ifaces) + 1) };

	l_queue_foreach(d->ifaces, enum_iface, &ctx);
	*ret_nodes = ctx.nodes;
	return 0;
}

/* Signals wait while GetManagedObjects runs (dbus-objmgr.c). */
static void emit_added(struct sf_dbus *d, const char *path)
{
	sf_dbus_objmgr_signal(d, SF_DBUS_SIGNAL_ADDED, path, NULL, NULL);
}

static void emit_removed(struct sf_dbus *d, const char *path)
{
	sf_dbus_objmgr_signal(d, SF_DBUS_SIGNAL_REMOVED, path, NULL, NULL);
}

static void emit_changed(struct sf_dbus *d, const char *path,
			 const char *interface, const char *const *props)
{
	sf_dbus_objmgr_signal(d, SF_DBUS_SIGNAL_CHANGED, path, interface,
			      props);
}

/* A connection has lived SF_DBUS_PUBLISH_DELAY_MS (or the token was
 * reused meanwhile: then its successor is announced a little early). */
static void conn_publish(uint32_t token, void *user_data)
{
	struct sf_dbus *d = user_data;
	struct sf_conn *conn = sf_conn_table_lookup(sf_daemon_conns(d->daemon),
						    token);
	char path[SF_DBUS_PATH_MAX];

	if (!conn || sf_conn_published(conn))
		return;

	sf_conn_set_published(conn);
	/* Its Owner is known by the time anyone asks, but never waited for. */
	sf_owner_learn(d->daemon, conn);
	emit_added(d, sf_dbus_conn_path(token, path));
}

static void conn_changed(struct sf_dbus *d, const struct sf_conn *conn)
{
	char path[SF_DBUS_PATH_MAX];

	if (sf_conn_published(conn))
		emit_changed(d, sf_dbus_conn_path(sf_conn_token(conn), path),
			     SF_DBUS_CONN_IFACE, sf_dbus_conn_changing);
}

void sf_dbus_emit_conn_changed(struct sf_dbus *d, uint32_t token)
{
	struct sf_conn *conn = sf_conn_table_lookup(sf_daemon_conns(d->daemon),
						    token);

	if (conn)
		conn_changed(d, conn);
}

void sf_dbus_emit_props(struct sf_dbus *d, const char *path,
			const char *interface, const char *const *props)
{
	emit_changed(d, path, interface, props);
}

void sf_dbus_emit_iface_changed(struct sf_dbus *d, int32_t ifindex)
{
	char path[SF_DBUS_PATH_MAX];

	if (sf_dbus_iface_lookup(d, ifindex))
		emit_changed(d, sf_dbus_iface_path(ifindex, path),
			     SF_DBUS_IFACE_IFACE, sf_dbus_iface_changing);
}

struct iface_sync_ctx {
	struct sf_dbus *dbus;
	bool announce;
};

static void iface_sync_one(int32_t ifindex, const char *ifname, bool up,
			   void *user_data)
{
	struct iface_sync_ctx *ctx = user_data;
	struct sf_dbus_iface *iface = sf_dbus_iface_lookup(ctx->dbus, ifindex);
	char path[SF_DBUS_PATH_MAX];

	if (iface) {
		iface->synced = ctx->dbus->iface_sync;
		return;
	}

	iface = l_new(struct sf_dbus_iface, 1);
	iface->dbus = ctx->dbus;
	iface->ifindex = ifindex;
	iface->synced = ctx->dbus->iface_sync;
	l_queue_push_tail(ctx->dbus->ifaces, iface);
	if (ctx->announce)
		emit_added(ctx->dbus, sf_dbus_iface_path(ifindex, path));
}

static bool iface_gone(void *data, void *user_data)
{
	struct sf_dbus_iface *iface = data;
	struct iface_sync_ctx *ctx = user_data;
	char path[SF_DBUS_PATH_MAX];

	if (iface->synced == ctx->dbus->iface_sync)
		return false;

	if (ctx->announce)
		emit_removed(ctx->dbus, sf_dbus_iface_path(iface->ifindex,
							   path));
	l_free(iface);
	return true;
}

/*
 * Publish an object for every link the daemon knows, withdraw those it
 * forgot. The daemon reports no link deletion of its own: a deleted link
 * is withdrawn at the next interface change.
 */
static void ifaces_sync(struct sf_dbus *d, bool announce)
{
	struct iface_sync_ctx ctx = { d, announce };

	d->iface_sync++;
	sf_iface_table_foreach_link(sf_daemon_ifaces(d->daemon), iface_sync_one,
				    &ctx);
	l_queue_foreach_remove(d->ifaces, iface_gone, &ctx);
}

/* --- the daemon's observer hooks ----------------------------------------- */


static void on_conn_added(struct sf_conn *conn, void *user_data)
{
	struct sf_dbus *d = user_data;

	sf_delayq_push(d->unpublished, sf_conn_token(conn));
}

/* It existed before the daemon saw it: no short connection to spare the
 * bus, and a restart must not hide it for a moment. */
static void on_conn_adopted(struct sf_conn *conn, void *user_data)
{
	conn_publish(sf_conn_token(conn), user_data);
}

/* The hooks below have the connection at hand: most connections are
 * never published, and they cost no lookup by token. */
static void on_conn_changed(struct sf_conn *conn, void *user_data)
{
	conn_changed(user_data, conn);
}

static void on_conn_removed(struct sf_conn *conn, void *user_data)
{
	char path[SF_DBUS_PATH_MAX];

	/* The object is still found (the daemon forgets the connection right
	 * after) while its removal is announced. */
	if (sf_conn_published(conn))
		emit_removed(user_data, sf_dbus_conn_path(sf_conn_token(conn),
							  path));
}

static void on_iface_changed(int32_t ifindex, void *user_data)
{
	struct sf_dbus *d = user_data;
	bool known = sf_dbus_iface_lookup(d, ifindex) != NULL;

	ifaces_sync(d, true);
	if (known)
		sf_dbus_emit_iface_changed(d, ifindex);
}

static void emit_iface_policy(void *data, void *user_data)
{
	sf_dbus_emit_iface_changed(user_data,
				   ((struct sf_dbus_iface *) data)->ifindex);
}

static void on_settings_changed(struct sf_daemon *daemon, void *user_data)
{
	static const char *const props[] = { "DefaultPolicy", NULL };
	struct sf_dbus *d = user_data;

	sf_dbus_access_reload(d);
	emit_changed(d, SF_DBUS_PATH, SF_DBUS_MANAGER_IFACE, props);
	/* A reload may change every interface's policy. */
	l_queue_foreach(d->ifaces, emit_iface_policy, d);
}

static const struct sf_daemon_observer observer = {
	.conn_added = on_conn_added,
	.conn_adopted = on_conn_adopted,
	.conn_changed = on_conn_changed,
	.conn_removed = on_conn_removed,
	.iface_changed = on_iface_changed,
	.settings_changed = on_settings_changed,
};

/* --- method calls waiting for the kernel --------------------------------- */

struct sf_dbus_call *sf_dbus_call_new(struct sf_dbus *d, sd_bus_message *m,
				      const char *what)
{
	struct sf_dbus_call *call = l_new(struct sf_dbus_call, 1);

	call->dbus = d;
	call->msg = sd_bus_message_ref(m);
	call->what = what;
	l_queue_push_tail(d->calls, call);
	return call;
}

void sf_dbus_call_free(struct sf_dbus_call *call)
{
	if (!call)
		return;

	l_queue_remove(call->dbus->calls, call);
	sd_bus_message_unref(call->msg);
	l_free(call->extack);
	l_free(call);
}

static void call_reply(struct sf_dbus_call *call)
{
	struct sf_dbus *d = call->dbus;
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	if (!d->bus)
		return;

	if (call->error < 0) {
		sf_dbus_error_errno(&error, call->error, call->extack,
				    call->what);
		r = sd_bus_reply_method_error(call->msg, &error);
		sd_bus_error_free(&error);
	} else {
		r = sd_bus_reply_method_return(call->msg, NULL);
	}

	if (r < 0)
		l_debug("%s: cannot reply: %s", call->what, strerror(-r));
	sf_dbus_kick(d);
}

void sf_dbus_call_finish_if_idle(struct sf_dbus_call *call)
{
	if (call->outstanding)
		return;

	call_reply(call);
	sf_dbus_call_free(call);
}

void sf_dbus_call_done(int error, const char *extack, void *user_data)
{
	struct sf_dbus_call *call = user_data;

	if (error < 0 && !call->error) {
		call->error = error;
		call->extack = l_strdup(extack);
	}

	if (call->outstanding)
		call->outstanding--;
	sf_dbus_call_finish_if_idle(call);
}

/* --- lifecycle ------------------------------------------------------------ */

static int name_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct sf_dbus *d = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	uint32_t ret = 0;

	if (e) {
		l_error("cannot own the bus name %s: %s", d->name,
			e->message ? e->message : e->name);
		dbus_fail(d);
		return 0;
	}

	/* 1: primary owner; 4: already the owner. */
	if (sd_bus_message_read(m, "u", &ret) < 0 || (ret != 1 && ret != 4)) {
		l_error("cannot own the bus name %s: another process has it",
			d->name);
		dbus_fail(d);
		return 0;
	}

	l_info("D-Bus name %s owned", d->name);
	d->holds_ready = false;
	sf_daemon_release_ready(d->daemon);
	return 0;
}

static void conn_publish_existing(struct sf_conn *conn, void *user_data)
{
	struct sf_dbus *d = user_data;

	/* Published silently: nobody knew us yet. */
	sf_conn_set_published(conn);
	sf_owner_learn(d->daemon, conn);
}

static int publish(struct sf_dbus *d)
{
	int r;

	r = sd_bus_add_object_manager(d->bus, NULL, SF_DBUS_PATH);
	if (r < 0)
		return r;

	r = sf_dbus_objmgr_attach(d);
	if (r < 0)
		return r;

	r = sd_bus_add_object_vtable(d->bus, NULL, SF_DBUS_PATH,
				     SF_DBUS_MANAGER_IFACE,
				     sf_dbus_manager_vtable, d);
	if (r < 0)
		return r;

	r = sd_bus_add_fallback_vtable(d->bus, NULL, SF_DBUS_CONN_PREFIX,
				       SF_DBUS_CONN_IFACE, sf_dbus_conn_vtable,
				       conn_find, d);
	if (r < 0)
		return r;

	r = sd_bus_add_node_enumerator(d->bus, NULL, SF_DBUS_CONN_PREFIX,
				       conn_enumerate, d);
	if (r < 0)
		return r;

	r = sd_bus_add_fallback_vtable(d->bus, NULL, SF_DBUS_IFACE_PREFIX,
				       SF_DBUS_IFACE_IFACE,
				       sf_dbus_iface_vtable, iface_find, d);
	if (r < 0)
		return r;

	r = sd_bus_add_node_enumerator(d->bus, NULL, SF_DBUS_IFACE_PREFIX,
				       iface_enumerate, d);
	if (r < 0)
		return r;

	/* What exists already is published silently: nobody knew us yet. */
	sf_conn_table_foreach(sf_daemon_conns(d->daemon), conn_publish_existing,
			      d);
	ifaces_sync(d, false);
	return 0;
}

int sf_dbus_new_on_bus(struct sf_daemon *daemon, sd_bus *bus,
		       const char *name, struct sf_dbus **ret_dbus)
{
	_auto_(sf_dbus_free) struct sf_dbus *d = NULL;
	int r;

	if (!daemon || !bus || !ret_dbus)
		return -EINVAL;

	d = l_new(struct sf_dbus, 1);
	d->daemon = daemon;
	d->found = l_new(struct sf_dbus_conn, 1);
	d->found->dbus = d;
	d->unpublished = sf_delayq_new(SF_DBUS_PUBLISH_DELAY_MS, conn_publish,
				       d);
	d->ifaces = l_queue_new();
	d->calls = l_queue_new();
	d->bus = sd_bus_ref(bus);
	d->name = l_strdup(name);
	sf_dbus_access_reload(d);

	r = publish(d);
	if (r < 0)
		return r;

	if (name) {
		r = sd_bus_request_name_async(d->bus, NULL, name, 0,
					      name_reply, d);
		if (r < 0)
			return r;
	}

	r = sd_bus_get_fd(d->bus);
	if (r < 0)
		return r;

	/* Calls wait in the socket until the service knows who may make
	 * them: served once [core] control-group is looked up. */
	if (!sf_dbus_access_pending(d)) {
		r = sf_dbus_serve(d);
		if (r < 0)
			return r;
	}

	sf_daemon_set_observer(daemon, &observer, d);
	sf_dbus_health_attach(d);
	if (name) {
		sf_daemon_hold_ready(daemon);
		d->holds_ready = true;
	}
	dbus_update(d);

	*ret_dbus = d;
	d = NULL;
	return 0;
}

int sf_dbus_serve(struct sf_dbus *d)
{
	int fd;

	if (d->io || !d->bus)
		return 0;

	fd = sd_bus_get_fd(d->bus);
	if (fd < 0)
		return fd;

	/* Watched through a copy of its own: sd-bus closes its fd when the
	 * connection fails, and a new fd could take the number while the
	 * watch still held it (ELL would lose track of the watch). */
	fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return SF_NEG_ERRNO();

	d->io = l_io_new(fd);
	if (!d->io) {
		close(fd);
		return -ENOMEM;
	}
	l_io_set_close_on_destroy(d->io, true);

	l_io_set_read_handler(d->io, io_read, d, NULL);
	l_io_set_disconnect_handler(d->io, io_disconnect, d, NULL);
	/* What came and what was queued meanwhile. */
	sf_dbus_kick(d);
	dbus_update(d);
	return 0;
}

int sf_dbus_new(struct sf_daemon *daemon, const char *bus, const char *name,
		struct sf_dbus **ret_dbus)
{
	sd_bus *b = NULL;
	int r;

	if (!daemon || !bus || !ret_dbus)
		return -EINVAL;

	r = sf_dbus_open(bus, &b);
	if (r < 0)
		return r;

	r = sf_dbus_new_on_bus(daemon, b, name ?: SF_DBUS_NAME, ret_dbus);
	sd_bus_unref(b);
	return r;
}

void sf_dbus_free(struct sf_dbus *d)
{
	if (!d)
		return;

	if (d->daemon)
		sf_daemon_set_observer(d->daemon, NULL, NULL);
	sf_dbus_health_detach(d);

	/* Calls still waiting for the kernel end now (-ECANCELED, replied
	 * while the bus is there): this code is their commands' caller. */
	sf_api_cancel_code((const void *) sf_dbus_call_done);
	while (!l_queue_isempty(d->calls))
		sf_dbus_call_free(l_queue_peek_head(d->calls));
	l_queue_destroy(d->calls, NULL);
	l_timeout_remove(d->timeout);
	l_idle_remove(d->kick);
	bus_unwatch(d);
	l_io_destroy(d->next);
	sf_dbus_objmgr_free(d);
	if (d->bus)
		sd_bus_flush_close_unref(d->bus);
	l_free(d->found);
	sf_delayq_free(d->unpublished);
	l_queue_destroy(d->ifaces, l_free);
	l_free(d->name);
	sf_dbus_access_clear(d);
	l_free(d);
}

bool sf_dbus_failed(const struct sf_dbus *d)
{
	return d && d->failed;
}
