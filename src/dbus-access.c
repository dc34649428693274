/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus service's access control: who may change things. Uid 0, the
 * daemon's own uid, members of [core] control-group, and, for one
 * connection's methods, the uid that owns its socket.
 *
 * Who the caller is, is the bus's word alone: peer to peer, the socket's
 * credentials (SO_PEERCRED, SO_PEERGROUPS); on a message bus, what the bus
 * answers to GetConnectionCredentials (UnixUserID, UnixGroupIDs), asked
 * once per caller connection and remembered (a unique name is never given
 * twice by one bus). Nothing is read from /proc: the sender's pid may be
 * another process's by now, and a hardened service (ProtectProc=invisible)
 * cannot read other users' entries at all.
 *
 * The bus is asked without waiting for it: a call from a caller not known
 * yet is put off (dbus-defer.c), and once the bus has answered it is run
 * again from the start, with the caller known, and answered. The caller's
 * further calls wait behind the same question; everything else (other
 * callers, the kernel's events) goes on meanwhile. A bus that cannot say
 * (an error, no UnixUserID) leaves the caller unknown, and its calls
 * refused.
 *
 * The group's gid and members are looked up when the service starts and
 * when the settings change, never for a call, and by a child process
 * (group-lookup.h): NSS may block (LDAP, sssd), and its modules would stay
 * loaded in the daemon. What was looked up last stays in force until the
 * next answer; until the first, the service serves no call
 * (sf_dbus_serve()) and holds the daemon's readiness.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dbus-private.h"
#include "group-lookup.h"
#include "log.h"
#include "util.h"

/* Callers remembered at most; the oldest is forgotten first. */
#define CALLERS_MAX 64

/* How long a lookup of [core] control-group may take. */
#define GROUP_LOOKUP_MS 10000

struct caller {
	char *name;			/* its unique name on the bus */
	uid_t uid;
	unsigned int n_gids;		/* -1u: the bus gave none */
	gid_t gids[];
};

/*
 * A caller the bus is being asked about (GetConnectionCredentials), and
 * its calls that wait for the answer: one question per caller at a time.
 * How many wait is the bus's to bound (dbus-daemon: connections per user,
 * replies a connection may wait for).
 */
struct sf_dbus_question {
	struct sf_dbus *dbus;
	char *sender;
	sd_bus_slot *slot;		/* the question; NULL once answered */
	struct l_queue *calls;		/* struct sf_dbus_deferred */
	struct caller *answer;		/* while the calls run again; NULL:
					 * the bus could not say */
};

static bool gids_contain(const gid_t *gids, unsigned int n, gid_t gid)
{
	for (unsigned int i = 0; i < n; i++)
		if (gids[i] == gid)
			return true;

	return false;
}

static void caller_free(void *data)
{
	struct caller *c = data;

	if (!c)
		return;

	l_free(c->name);
	l_free(c);
}

static void caller_free_cleanup(void *p)
{
	caller_free(*(void **)p);
}

static bool caller_is(const void *data, const void *user_data)
{
	return !strcmp(((const struct caller *)data)->name, user_data);
}

static struct caller *caller_dup(const struct caller *c)
{
	size_t n = c->n_gids == -1u ? 0 : c->n_gids;
	struct caller *dup = l_memdup(c, sizeof(*c) + n * sizeof(gid_t));

	dup->name = l_strdup(c->name);
	return dup;
}

/* Remember what the bus said of c's sender (taken; not remembered yet:
 * it is only asked about then); the oldest caller is forgotten first. */
static void remember(struct sf_dbus *d, struct caller *c)
{
	if (!d->callers)
		d->callers = l_queue_new();

	if (l_queue_length(d->callers) >= CALLERS_MAX)
		caller_free(l_queue_pop_head(d->callers));
	l_queue_push_tail(d->callers, c);
}

static void deferred_free(void *data)
{
	sf_dbus_deferred_free(data);
}

/* A question, and its calls dropped unanswered (the service ends). */
static void question_free(void *data)
{
	struct sf_dbus_question *q = data;

	if (!q)
		return;

	sd_bus_slot_unref(q->slot);
	l_queue_destroy(q->calls, deferred_free);
	caller_free(q->answer);
	l_free(q->sender);
	l_free(q);
}

static bool question_is(const void *data, const void *user_data)
{
	return !strcmp(((const struct sf_dbus_question *)data)->sender,
		       user_data);
}

static void control_group_clear(struct sf_dbus *d)
{
	d->has_control_gid = false;
	l_free(d->control_uids);
	d->control_uids = NULL;
	d->n_control_uids = 0;
}

static void release_ready(struct sf_dbus *d)
{
	if (!d->access_holds_ready)
		return;

	d->access_holds_ready = false;
	sf_daemon_release_ready(d->daemon);
}

/* The service ends: a lookup still running is cancelled, and the
 * readiness it held is not released (the daemon is not ready by it);
 * questions to the bus are cancelled, their calls dropped unanswered. */
void sf_dbus_access_clear(struct sf_dbus *d)
{
	if (d->group_lookup)
		sf_group_lookup_cancel(d->group_lookup);
	d->group_lookup = 0;
	d->group_lookup_again = false;
	d->access_holds_ready = false;
	l_free(d->group_asked);
	d->group_asked = NULL;
	control_group_clear(d);
	l_queue_destroy(d->callers, caller_free);
	d->callers = NULL;
	l_queue_destroy(d->questions, question_free);
	d->questions = NULL;
}

static void group_lookup_start(struct sf_dbus *d);

/* The group is known: calls may be judged, the bus is served. */
static void serve(struct sf_dbus *d)
{
	int r = sf_dbus_serve(d);

	if (r < 0)
		l_error("D-Bus: cannot serve the bus: %s; the D-Bus API is off",
			strerror(-r));
}

static void group_answer(int error, const struct sf_group *group,
			 void *user_data)
{
	struct sf_dbus *d = user_data;

	d->group_lookup = 0;
	control_group_clear(d);
	if (!error) {
		d->control_gid = group->gid;
		d->has_control_gid = true;
		d->n_control_uids = group->n_uids;
		d->control_uids = l_memdup(group->uids, group->n_uids *
					   sizeof(*group->uids));
	} else if (error == -ENOENT) {
		l_warn("[core] control-group '%s' does not exist: only root "
		       "may change settings", d->group_asked);
	} else {
		l_warn("[core] control-group '%s' cannot be looked up: %s: "
		       "only root may change settings", d->group_asked,
		       strerror(-error));
	}

	if (d->group_lookup_again)
		group_lookup_start(d);
	if (d->group_lookup)
		return;

	release_ready(d);
	serve(d);
}

/* Look [core] control-group up; with none, nobody is in it from now. */
static void group_lookup_start(struct sf_dbus *d)
{
	const char *name = sf_daemon_config(d->daemon)->control_group;
	int r;

	d->group_lookup_again = false;
	l_free(d->group_asked);
	d->group_asked = NULL;
	if (!name || !*name) {
		control_group_clear(d);
		return;
	}

	r = sf_group_lookup(name, GROUP_LOOKUP_MS, group_answer, d, NULL);
	if (r < 0) {
		l_warn("[core] control-group '%s' cannot be looked up: %s: "
		       "only root may change settings", name, strerror(-r));
		control_group_clear(d);
		return;
	}

	d->group_lookup = r;
	d->group_asked = l_strdup(name);
}

void sf_dbus_access_reload(struct sf_dbus *d)
{
	l_queue_destroy(d->callers, caller_free);
	d->callers = l_queue_new();

	/* One lookup at a time: a change while one runs asks again once it
	 * has answered, so a burst of changes costs two. */
	if (d->group_lookup) {
		d->group_lookup_again = true;
		return;
	}

	group_lookup_start(d);
	if (d->group_lookup && !d->access_holds_ready) {
		d->access_holds_ready = true;
		sf_daemon_hold_ready(d->daemon);
	}
}

bool sf_dbus_access_pending(const struct sf_dbus *d)
{
	return d->group_lookup != 0;
}

/* The bus's answer to GetConnectionCredentials about sender, as a
 * caller; NULL when it has none (then the caller is refused). */
static struct caller *caller_from_answer(sd_bus_message *reply,
					 const char *sender)
{
	struct caller *c = NULL;
	bool has_uid = false;
	const char *key;

	if (sd_bus_message_is_method_error(reply, NULL))
		return NULL;

	c = l_new(struct caller, 1);
	c->n_gids = -1u;
	if (sd_bus_message_enter_container(reply, 'a', "{sv}") <= 0)
		goto fail;

	while (sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
		if (sd_bus_message_read(reply, "s", &key) < 0)
			goto fail;

		if (!strcmp(key, "UnixUserID")) {
			if (sd_bus_message_read(reply, "v", "u", &c->uid) < 0)
				goto fail;
			has_uid = true;
		} else if (!strcmp(key, "UnixGroupIDs")) {
			const uint32_t *gids;
			size_t size;

			if (sd_bus_message_enter_container(reply, 'v',
							   "au") <= 0 ||
			    sd_bus_message_read_array(reply, 'u',
						      (const void **)&gids,
						      &size) < 0 ||
			    sd_bus_message_exit_container(reply) < 0)
				goto fail;
			c = l_realloc(c, sizeof(*c) + size);
			c->n_gids = size / sizeof(uint32_t);
			memcpy(c->gids, gids, size);
		} else if (sd_bus_message_skip(reply, "v") < 0) {
			goto fail;
		}

		if (sd_bus_message_exit_container(reply) < 0)
			goto fail;
	}

	if (has_uid) {
		c->name = l_strdup(sender);
		return c;
	}

fail:
	l_free(c);
	return NULL;
}

/*
 * The bus has answered about q's sender: remember the caller, and run its
 * calls again (they find the answer in d->answered, even if a call they
 * run makes the service forget its callers).
 */
static int answer(sd_bus_message *reply, void *userdata,
		  sd_bus_error *ret_error)
{
	struct sf_dbus_question *q = userdata;
	struct sf_dbus *d = q->dbus;
	struct sf_dbus_deferred *call;

	q->slot = sd_bus_slot_unref(q->slot);
	l_queue_remove(d->questions, q);

	q->answer = caller_from_answer(reply, q->sender);
	if (q->answer)
		remember(d, caller_dup(q->answer));
	else
		l_debug("D-Bus: the bus gives no credentials for %s: %s",
			q->sender, sd_bus_message_is_method_error(reply, NULL) ?
			sd_bus_message_get_error(reply)->name : "no uid");

	d->answered = q;
	while ((call = l_queue_pop_head(q->calls)))
		sf_dbus_deferred_run(call);
	d->answered = NULL;

	question_free(q);
	return 0;
}

/*
 * Put m off until the bus has said who sender is: 1, or 0 when it cannot
 * be (m is then refused, as from a caller the bus cannot say anything of).
 */
static int ask(struct sf_dbus *d, sd_bus_message *m, const char *sender)
{
	struct sf_dbus_question *q = l_queue_find(d->questions, question_is,
						  sender);
	struct sf_dbus_deferred *call = sf_dbus_defer(d, m);
	int r;

	if (!call) {
		l_debug("D-Bus: %s cannot wait for the bus's answer about %s",
			sd_bus_message_get_member(m), sender);
		return 0;
	}

	if (!q) {
		q = l_new(struct sf_dbus_question, 1);
		q->dbus = d;
		q->sender = l_strdup(sender);
		q->calls = l_queue_new();
		r = sd_bus_call_method_async(sd_bus_message_get_bus(m),
					     &q->slot, "org.freedesktop.DBus",
					     "/org/freedesktop/DBus",
					     "org.freedesktop.DBus",
					     "GetConnectionCredentials",
					     answer, q, "s", sender);
		if (r < 0) {
			l_debug("D-Bus: cannot ask the bus about %s: %s",
				sender, strerror(-r));
			question_free(q);
			sf_dbus_deferred_free(call);
			return 0;
		}

		if (!d->questions)
			d->questions = l_queue_new();
		l_queue_push_tail(d->questions, q);
	}

	l_queue_push_tail(q->calls, call);
	return 1;
}

/* Peer to peer: the socket's credentials, which sd-bus holds. */
static struct caller *caller_from_socket(sd_bus_message *m)
{
	sd_bus_creds *creds = NULL;
	struct caller *c = NULL;
	const gid_t *gids;
	uid_t uid;
	int n;

	if (sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID |
				      SD_BUS_CREDS_SUPPLEMENTARY_GIDS,
				      &creds) < 0 ||
	    sd_bus_creds_get_euid(creds, &uid) < 0)
		goto out;

	n = sd_bus_creds_get_supplementary_gids(creds, &gids);
	c = l_malloc(sizeof(*c) + (n > 0 ? n : 0) * sizeof(gid_t));
	c->name = NULL;
	c->uid = uid;
	c->n_gids = n >= 0 ? (unsigned int)n : -1u;
	if (n > 0)
		memcpy(c->gids, gids, n * sizeof(gid_t));
out:
	sd_bus_creds_unref(creds);
	return c;
}

/*
 * The caller of m as the message bus vouches for it: 0 and *ret_caller
 * (NULL when the bus cannot say), or 1 when the bus is asked first and m
 * runs again with its answer.
 */
static int caller_of(struct sf_dbus *d, sd_bus_message *m,
		     const struct caller **ret_caller)
{
	const char *sender = sd_bus_message_get_sender(m);

	*ret_caller = NULL;
	if (!sender)
		return 0;

	if (d->answered && !strcmp(d->answered->sender, sender)) {
		*ret_caller = d->answered->answer;
		return 0;
	}

	*ret_caller = l_queue_find(d->callers, caller_is, sender);
	if (*ret_caller)
		return 0;

	return ask(d, m, sender);
}

/* Is the caller in [core] control-group: by the groups the bus gives, or
 * by the group's members as resolved with the settings? */
static bool in_control_group(struct sf_dbus *d, const struct caller *c)
{
	if (!d->has_control_gid)
		return false;

	if (c->n_gids != -1u && gids_contain(c->gids, c->n_gids,
					     d->control_gid))
		return true;

	for (unsigned int i = 0; i < d->n_control_uids; i++)
		if (d->control_uids[i] == c->uid)
			return true;

	return false;
}

int sf_dbus_check_access(struct sf_dbus *d, sd_bus_message *m,
			 struct sf_dbus_conn *conn, sd_bus_error *ret_error)
{
	_auto_(caller_free) struct caller *p2p = NULL;
	const struct caller *c;
	bool allowed = false;
	uid_t owner;
	int r;

	if (sd_bus_is_bus_client(sd_bus_message_get_bus(m))) {
		r = caller_of(d, m, &c);
		if (r > 0)
			return r;
	} else {
		c = p2p = caller_from_socket(m);
	}

	if (!c) {
		sd_bus_error_setf(ret_error, SD_BUS_ERROR_ACCESS_DENIED,
				  "%s: the caller's credentials are unknown",
				  sd_bus_message_get_member(m));
		return -EACCES;
	}

	/* The daemon's own uid: its unit's ExecReload= (subflowctl reload). */
	if (c->uid == 0 || c->uid == geteuid() || in_control_group(d, c))
		allowed = true;
	else if (conn && sf_dbus_conn_owner(conn, &owner) && owner == c->uid)
		allowed = true;

	if (allowed)
		return 0;

	if (conn)
		sd_bus_error_setf(ret_error, SD_BUS_ERROR_ACCESS_DENIED,
				  "%s: uid %u is not root, not in group '%s' "
				  "and does not own connection %08x",
				  sd_bus_message_get_member(m),
				  (unsigned int)c->uid,
				  sf_daemon_config(d->daemon)->control_group,
				  conn->token);
	else
		sd_bus_error_setf(ret_error, SD_BUS_ERROR_ACCESS_DENIED,
				  "%s: uid %u is not root and not in "
				  "group '%s'",
				  sd_bus_message_get_member(m),
				  (unsigned int)c->uid,
				  sf_daemon_config(d->daemon)->control_group);
	return -EACCES;
}
