/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared between the D-Bus service's files: dbus.c (bus glue, objects,
 * signals), dbus-access.c (who may change things) with dbus-defer.c (calls
 * put off meanwhile), dbus-manager.c, dbus-conn.c and dbus-iface.c (one
 * per D-Bus interface), dbus-objmgr.c (GetManagedObjects in slices, and
 * the signals held meanwhile). Not used outside them.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <ell/ell.h>
#include <systemd/sd-bus.h>

#include "daemon.h"
#include "dbus.h"
#include "delayq.h"

/*
 * A connection is announced (InterfacesAdded, then PropertiesChanged and
 * InterfacesRemoved) and listed (GetManagedObjects) once it has lived this
 * long: a server's short connections, one request and one reply, come and
 * go without a signal. Its object answers at its path from the start.
 */
#define SF_DBUS_PUBLISH_DELAY_MS 200

struct sf_dbus {
	struct sf_daemon *daemon;
	sd_bus *bus;
	char *name;			/* the bus name asked for, or NULL */
	struct l_io *io;
	/* A lost connection until lost_idle closes it, after its watch. */
	sd_bus *lost;
	struct l_idle *lost_idle;
	struct l_timeout *timeout;
	struct l_idle *kick;		/* sd_bus_process() soon */
	struct l_io *next;		/* an eventfd: the next loop turn */
	bool next_armed;		/* it is readable */
	bool writing;			/* the io has a write handler */
	bool holds_ready;		/* the daemon's readiness hold */
	bool failed;
	/* The connection object sd-bus found last (conn_find): connection
	 * objects are served from the daemon's table, nothing is allocated
	 * per connection. */
	struct sf_dbus_conn *found;
	/* New connections, until they have lived SF_DBUS_PUBLISH_DELAY_MS. */
	struct sf_delayq *unpublished;
	/* struct sf_dbus_iface: a few links, a list (an ELL hashmap is 4 kB
	 * however small). */
	struct l_queue *ifaces;
	unsigned int iface_sync;	/* rounds of ifaces_sync() */
	struct l_queue *calls;		/* struct sf_dbus_call, pending */
	/* [core] control-group, looked up at start and on reload. */
	bool has_control_gid;
	gid_t control_gid;
	uid_t *control_uids;		/* its members, by uid */
	unsigned int n_control_uids;
	unsigned int group_lookup;	/* the lookup running; 0: none */
	char *group_asked;		/* the name it looks up */
	bool group_lookup_again;	/* the settings changed meanwhile */
	bool access_holds_ready;	/* the daemon's readiness, until then */
	struct l_queue *callers;	/* what the bus said of callers */
	/* struct sf_dbus_question (dbus-access.c): callers the bus is asked
	 * about, with their calls put off until it answers. */
	struct l_queue *questions;
	struct sf_dbus_question *answered;	/* its calls run again now */
	/* GetManagedObjects and the signals that wait for it. */
	struct sf_dbus_objmgr *objmgr;
};

/*
 * A connection object, as handlers see it (their userdata). There is one
 * per service, filled by the lookup sd-bus makes right before each call of
 * a getter or method of one object: valid during that call only, never to
 * be kept.
 */
struct sf_dbus_conn {
	struct sf_dbus *dbus;
	uint32_t token;
};

/* A published interface object. */
struct sf_dbus_iface {
	struct sf_dbus *dbus;
	int32_t ifindex;
	unsigned int synced;		/* the last round that saw its link */
};

/*
 * A method call answered once the kernel has answered every command it
 * sent (outstanding of them). The first failure is the reply.
 */
struct sf_dbus_call {
	struct sf_dbus *dbus;
	sd_bus_message *msg;		/* referenced */
	const char *what;		/* e.g. "CreateSubflow" */
	unsigned int outstanding;
	int error;
	char *extack;
};

extern const sd_bus_vtable sf_dbus_manager_vtable[];
extern const sd_bus_vtable sf_dbus_conn_vtable[];
extern const sd_bus_vtable sf_dbus_iface_vtable[];

/* Properties whose change is signalled, NULL-terminated. */
extern const char *const sf_dbus_conn_changing[];
extern const char *const sf_dbus_iface_changing[];

/*
 * Look [core] control-group up again (start, settings changed), and forget
 * what the bus said of callers; _clear() frees it all. The lookup answers
 * later (from the event loop): until then the group's last known gid and
 * members stay in force, and the daemon's readiness is held.
 */
void sf_dbus_access_reload(struct sf_dbus *dbus);
void sf_dbus_access_clear(struct sf_dbus *dbus);
/* Is a lookup of [core] control-group running? */
bool sf_dbus_access_pending(const struct sf_dbus *dbus);

/*
 * Start reading and writing the bus (dbus.c), once the first lookup of
 * [core] control-group has answered: until then calls wait in the socket
 * rather than being judged without the group. 0 (also when already
 * serving) or a negative errno.
 */
int sf_dbus_serve(struct sf_dbus *dbus);

/*
 * 0 when the caller of m may change things: uid 0, a member of [core]
 * control-group, or (conn not NULL) the owner of that connection's socket.
 * Otherwise fills ret_error with AccessDenied and returns -EACCES. Or 1
 * when the bus must say who the caller is first: m is put off
 * (sf_dbus_defer()), its handler returns the 1 without a reply, and m runs
 * again through it from the start once the bus has answered.
 */
int sf_dbus_check_access(struct sf_dbus *dbus, sd_bus_message *m,
			 struct sf_dbus_conn *conn, sd_bus_error *ret_error);

/*
 * A method call put off (dbus-defer.c): m, the call sd-bus is running a
 * handler of right now, kept (referenced) with that handler. NULL when m
 * is not such a call, or not on the manager's or a connection's object.
 * _run() runs it again from its first argument as if it had just come:
 * the object found again at its path (a connection gone meanwhile gets
 * sd-bus's UnknownObject), a failure's error as the reply; then frees it.
 * _free() drops it unanswered; it accepts NULL.
 */
struct sf_dbus_deferred *sf_dbus_defer(struct sf_dbus *dbus, sd_bus_message *m);
void sf_dbus_deferred_run(struct sf_dbus_deferred *call);
void sf_dbus_deferred_free(struct sf_dbus_deferred *call);

/* The connection's socket owner, as learned (src/owner.c) when it was
 * published; false while unknown (never waits). */
bool sf_dbus_conn_owner(struct sf_dbus_conn *conn, uid_t *ret_uid);

/* The daemon's connection behind a published object, or NULL. */
struct sf_conn *sf_dbus_conn_lookup(struct sf_dbus_conn *conn);

/* A pending call for m (referenced); add commands with outstanding++. */
struct sf_dbus_call *sf_dbus_call_new(struct sf_dbus *dbus, sd_bus_message *m,
				      const char *what);
/*
 * One command of call completed (a sf_cmd_done_func_t with the call as
 * user_data). The last one sends the reply and frees the call.
 */
void sf_dbus_call_done(int error, const char *extack, void *user_data);
/* Reply now if nothing is outstanding (no command was needed). */
void sf_dbus_call_finish_if_idle(struct sf_dbus_call *call);
/* Drop a call that sent nothing, without replying. */
void sf_dbus_call_free(struct sf_dbus_call *call);

/* The error for a refused SetDefaultPolicy/SetPolicy (what): InvalidArgs
 * naming arg for a policy that is not loaded (-ENOENT, listing those that
 * are) or made for the other mode (-EMEDIUMTYPE), else the errno's. */
int sf_dbus_error_policy(struct sf_dbus *dbus, const char *arg,
			 const char *name, int error, sd_bus_error *ret_error,
			 const char *what);

/* Is the connection's object announced? From SF_DBUS_PUBLISH_DELAY_MS
 * after the daemon's conn_added (at once for those the daemon had when the
 * service started) to right after its conn_removed. */
bool sf_dbus_conn_published(struct sf_dbus *dbus, uint32_t token);

/* Is the interface's object published? */
bool sf_dbus_iface_published(struct sf_dbus *dbus, int32_t ifindex);

/* Signals (no-ops for objects not published). */
void sf_dbus_emit_conn_changed(struct sf_dbus *dbus, uint32_t token);
void sf_dbus_emit_iface_changed(struct sf_dbus *dbus, int32_t ifindex);
/* PropertiesChanged for these props (NULL-terminated) of path. */
void sf_dbus_emit_props(struct sf_dbus *dbus, const char *path,
			const char *interface, const char *const *props);

/* Process the bus soon (dbus.c): after anything was queued outside the
 * service's own processing. */
void sf_dbus_kick(struct sf_dbus *dbus);
/*
 * Go on in the next turn of the event loop, after it has polled the
 * kernel's sockets (dbus.c): the bus's next slice, and the object
 * manager's (sf_dbus_objmgr_run()). Not an ELL idle: an idle added while
 * idles run runs in the same turn, and slices chained that way would hold
 * the loop as long as there is work.
 */
void sf_dbus_next_turn(struct sf_dbus *dbus);

/* The published interface object of ifindex, or NULL. */
struct sf_dbus_iface *sf_dbus_iface_lookup(struct sf_dbus *dbus,
					   int32_t ifindex);

/*
 * The object manager at /org/subflowd (dbus-objmgr.c): GetManagedObjects
 * answered in slices, one per loop iteration, each describing at most
 * SF_DBUS_OBJMGR_SLICE objects and lasting about SF_DBUS_OBJMGR_SLICE_US;
 * the signals of the object tree are held while a listing runs.
 * _attach() takes the calls from sd-bus's object manager (added first: it
 * still sends InterfacesAdded and InterfacesRemoved); 0 or a negative
 * errno.
 */
#define SF_DBUS_OBJMGR_SLICE 256
#define SF_DBUS_OBJMGR_SLICE_US 2000
int sf_dbus_objmgr_attach(struct sf_dbus *dbus);
/* One slice (from sf_dbus_next_turn()); true when work is left. */
bool sf_dbus_objmgr_run(struct sf_dbus *dbus);
/* Listings unanswered and signals held are dropped: the bus is lost
 * (_clear()), or the service freed (_free(), also before _attach()). */
void sf_dbus_objmgr_clear(struct sf_dbus *dbus);
void sf_dbus_objmgr_free(struct sf_dbus *dbus);
/* The last listing answered: in how many slices, and the most objects one
 * of them described. */
void sf_dbus_objmgr_last(const struct sf_dbus *dbus, unsigned int *ret_slices,
			 unsigned int *ret_most);

enum sf_dbus_signal {
	SF_DBUS_SIGNAL_ADDED,		/* InterfacesAdded of path */
	SF_DBUS_SIGNAL_REMOVED,		/* InterfacesRemoved of path */
	SF_DBUS_SIGNAL_CHANGED,		/* PropertiesChanged of props */
};

/*
 * A signal about the object at path (interface and props: CHANGED only,
 * copied), sent now, or once the running listing's reply is sent: in
 * order, and dropped then if it announces or changes an object withdrawn
 * meanwhile. A removal is signalled while its object is still found (when
 * sent at once, sd-bus looks its interfaces up).
 */
void sf_dbus_objmgr_signal(struct sf_dbus *dbus, enum sf_dbus_signal kind,
			   const char *path, const char *interface,
			   const char *const *props);

/* Path health (dbus-health.c): the getters of Connection1.SubflowStats and
 * Interface1.BytesSent/BytesReceived, and their signals, from attach (when
 * the service starts) to detach. */
int sf_dbus_get_subflow_stats(sd_bus *bus, const char *path,
			      const char *interface, const char *property,
			      sd_bus_message *reply, void *userdata,
			      sd_bus_error *ret_error);
int sf_dbus_get_iface_bytes(sd_bus *bus, const char *path,
			    const char *interface, const char *property,
			    sd_bus_message *reply, void *userdata,
			    sd_bus_error *ret_error);
void sf_dbus_health_attach(struct sf_dbus *dbus);
void sf_dbus_health_detach(struct sf_dbus *dbus);

