/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>


#include "api.h"
#include "daemon-private.h"
#include "healthmon.h"
#include "trim.h"
#include "log.h"
#include "mptcp_uapi.h"
#include "netmon.h"
#include "pmcmd.h"
#include "retry.h"
#include "sdmodule.h"
#include "rule.h"
#include "hold.h"
#include "resync.h"
#include "sockdiag.h"
#include "util.h"

/* Where [rule] match-cgroup paths live (cgroup v2). */
#define SF_CGROUP_ROOT "/sys/fs/cgroup"

static struct sf_daemon *current;

struct sf_daemon *sf_daemon_get(void)
{
	return current;
}

enum sf_plugin_mode sf_plugin_mode_of(enum sf_mode mode)
{
	switch (mode) {
	case SF_MODE_USERSPACE:
		return SF_PLUGIN_MODE_USERSPACE;
	case SF_MODE_KERNEL:
		return SF_PLUGIN_MODE_KERNEL;
	}

	return SF_PLUGIN_MODE_USERSPACE;
}

enum sf_plugin_mode sf_daemon_plugin_mode(const struct sf_daemon *daemon)
{
	return sf_plugin_mode_of(daemon->config->mode);
}

void sf_daemon_dispatch(struct sf_daemon *d, enum sf_plugin_event event,
			const struct sf_plugin_event_args *args)
{
	if (d->stopping)
		return;

	sf_plugins_dispatch(d->plugins, sf_daemon_plugin_mode(d), event, args);
}

/* --- kernel events ----------------------------------------------------- */

static int32_t local_ifindex(struct sf_daemon *d, const struct sf_event *ev)
{
	if (ev->has & SF_EVENT_HAS_IFINDEX)
		return ev->ifindex;

	return sf_iface_table_find_addr(d->ifaces, &ev->saddr);
}

static void subflow_info_from_event(struct sf_daemon *d,
				    const struct sf_event *ev,
				    struct sf_subflow_info *ret_info)
{
	memset(ret_info, 0, sizeof(*ret_info));
	ret_info->local = ev->saddr;
	ret_info->remote = ev->daddr;
	ret_info->local_id = ev->loc_id;
	ret_info->remote_id = ev->rem_id;
	ret_info->backup = ev->backup;
	ret_info->ifindex = local_ifindex(d, ev);
}

/*
 * The policy for a new connection: the first [rule] that matches, else the
 * default. owner is its socket's owner when known (NULL: unknown); a rule
 * that needs it then does not match.
 */
static const struct sf_plugin_desc *select_policy(struct sf_daemon *d,
						  struct sf_conn *conn,
						  const struct sf_sockdiag_owner *owner)
{
	const struct sf_addr *local = sf_conn_local(conn);
	const struct sf_addr *remote = sf_conn_remote(conn);
	struct sf_rule_input in = {
		.remote = remote,
		.service_port = sf_conn_server_side(conn) ? local->port
							  : remote->port,
	};
	const struct sf_config_rule *rule;
	const struct sf_plugin_desc *policy;

	if (owner) {
		in.has_owner = true;
		in.uid = owner->uid;
		in.cgroup_id = owner->cgroup_id;
		sf_conn_set_owner(conn, owner->uid);
	}

	if (l_queue_isempty(d->config->rules))
		return d->default_policy;

	rule = sf_rule_match(d->config->rules, &in, SF_CGROUP_ROOT);
	if (!rule)
		return d->default_policy;

	policy = sf_plugins_find(d->plugins, rule->policy);
	if (!policy) {
		sf_conn_warn(sf_conn_token(conn), "rule %s: policy %s is not "
			     "loaded, using %s", rule->name, rule->policy,
			     d->config->policy);
		return d->default_policy;
	}

	sf_conn_debug(sf_conn_token(conn), "rule %s matches: policy %s",
		      rule->name, rule->policy);
	return policy;
}

/* --- a policy that waits for the socket's owner --- */

static void resync_start(struct sf_daemon *d, const char *why);

struct owner_wait {
	struct sf_daemon *d;
	uint32_t token;
};

static void owner_learned(int error, const struct sf_sockdiag_owner *owner,
			  void *user_data)
{
	struct owner_wait *w = user_data;
	struct sf_daemon *d = w->d;
	struct l_queue *events;
	struct sf_event *ev;
	unsigned int stamp;

	if (error == -ECANCELED) {	/* the daemon stops */
		sf_hold_forget(d->hold, w->token);
		return;
	}

	if (error < 0)
		sf_conn_debug(w->token, "socket owner unknown: %s",
			      strerror(-error));

	events = sf_hold_release(d->hold, w->token, owner, &stamp);
	if (!events)
		return;

	/* In their order, as if they came now; the first one chooses the
	 * policy with the owner that sf_hold_owner() gives back. */
	while ((ev = l_queue_pop_head(events))) {
		sf_daemon_handle_event(d, ev);
		l_free(ev);
	}
	l_queue_destroy(events, NULL);
	sf_hold_forget(d->hold, w->token);

	/* Events lost meanwhile may have been this connection's. */
	if (stamp != d->counters.overruns)
		resync_start(d, "after lost events");
}

/*
 * An event that would make a connection whose policy a [rule] decides by
 * the socket's owner: it waits, and so does every later event of that
 * connection (sf_hold), until sock_diag has answered. Returns true when ev
 * is held.
 */
static bool policy_waits(struct sf_daemon *d, const struct sf_event *ev)
{
	struct owner_wait *w;
	int r;

	if (sf_hold_push(d->hold, ev))
		return true;

	if ((ev->type != SF_EVENT_CREATED && ev->type != SF_EVENT_ESTABLISHED) ||
	    !sf_rules_need_owner(d->config->rules) ||
	    sf_conn_table_lookup(d->conns, ev->token) ||
	    sf_hold_replaying(d->hold, ev->token) || !d->sockdiag)
		return false;

	if (sf_hold_start(d->hold, ev, d->counters.overruns) < 0)
		return false;

	w = l_new(struct owner_wait, 1);
	w->d = d;
	w->token = ev->token;
	r = sf_sockdiag_query_owner(d->sockdiag, ev->token, owner_learned, w,
				    l_free);
	if (r < 0) {
		l_free(w);
		sf_hold_forget(d->hold, ev->token);
		sf_conn_debug(ev->token, "socket owner unknown: %s",
			      strerror(-r));
		return false;
	}

	sf_hold_set_query(d->hold, ev->token, r);
	return true;
}

/* The peer's MP_CAPABLE C flag: no joins to its initial address. */
static void conn_peer_flags(struct sf_conn *conn, const struct sf_event *ev)
{
	if (ev->flags & MPTCP_PM_EV_FLAG_DENY_JOIN_ID0)
		sf_conn_deny_initial_addr(conn);
}

static struct sf_conn *conn_from_event(struct sf_daemon *d,
				       const struct sf_event *ev)
{
	struct sf_conn *conn = sf_conn_table_lookup(d->conns, ev->token);

	if (conn) {
		conn_peer_flags(conn, ev);
		return conn;
	}

	/* Created before we started, or the CREATED event was lost. */
	conn = sf_conn_table_add(d->conns, ev->token, &ev->saddr, &ev->daddr,
				 ev->server_side);
	conn_peer_flags(conn, ev);
	sf_conn_set_policy(conn, select_policy(d, conn,
					       sf_hold_owner(d->hold, ev->token)));
	if (ev->type != SF_EVENT_CREATED)
		NOTIFY(d, conn_added, conn);
	return conn;
}

static void on_conn_established(struct sf_daemon *d, struct sf_conn *conn,
				const struct sf_event *ev)
{
	struct sf_subflow_info initial;

	sf_conn_set_established(conn);

	/* The initial subflow gets no SUB_ESTABLISHED event of its own. */
	subflow_info_from_event(d, ev, &initial);
	initial.local_id = 0;
	initial.remote_id = 0;
	sf_conn_subflow_established(conn, &initial);
}

/*
 * A subflow came or went. The daily life of connections is logged at debug
 * level (-d): a burst of thousands must not cost a line each, nor trip the
 * journal's rate limit. Failures are logged at info.
 */
static void log_subflow(const struct sf_event *ev, const char *what, int error)
{
	char l[SF_ADDR_STRLEN], r[SF_ADDR_STRLEN];

	if (error)
		sf_conn_info(ev->token, "subflow %s -> %s %s%s: %s",
			     sf_addr_to_str(&ev->saddr, true, l),
			     sf_addr_to_str(&ev->daddr, true, r), what,
			     ev->backup ? " (backup)" : "", strerror(error));
	else
		sf_conn_debug(ev->token, "subflow %s -> %s %s%s",
			      sf_addr_to_str(&ev->saddr, true, l),
			      sf_addr_to_str(&ev->daddr, true, r), what,
			      ev->backup ? " (backup)" : "");
}

/* A subflow that failed is tried again later (retry.c), with its pair's
 * other subflows counted so that extra ones come back too. */
void sf_daemon_retry_subflow(struct sf_daemon *d, uint32_t token,
			     const struct sf_subflow_info *info, int error)
{
	struct sf_conn *conn = sf_conn_table_lookup(d->conns, token);
	char l[SF_ADDR_STRLEN], r[SF_ADDR_STRLEN];
	struct sf_addr local = info->local;
	unsigned int want;
	int delay;

	local.port = 0;
	if (!conn || !sf_iface_table_addr_eligible(d->ifaces, &local) ||
	    !sf_conn_remote_joinable(conn, &info->remote))
		return;

	want = sf_conn_pair_count(conn, &local, &info->remote) + 1;
	delay = sf_retry_subflow_closed(d->retry, token, &local, &info->remote,
					info->backup, want, error);
	if (delay > 0)
		sf_conn_info(token, "re-creating subflow %s -> %s in %d ms",
			     sf_addr_to_str(&local, false, l),
			     sf_addr_to_str(&info->remote, true, r), delay);
	else if (delay == -ETIMEDOUT)
		sf_conn_info(token, "subflow %s -> %s failed %d times in a "
			     "row, giving up", sf_addr_to_str(&local, false, l),
			     sf_addr_to_str(&info->remote, true, r),
			     SF_RETRY_MAX_ATTEMPTS);
}

/* Bring the pair back to want subflows: the first one plain, the others
 * extra subflows on new source ports. */
static int retry_fire(uint32_t token, const struct sf_addr *local,
		      const struct sf_addr *remote, bool backup,
		      unsigned int want, void *user_data)
{
	struct sf_daemon *d = user_data;
	struct sf_conn *conn = sf_conn_table_lookup(d->conns, token);
	unsigned int have;
	int r = 0;

	if (!conn)
		return -ENOENT;

	if (!sf_conn_remote_joinable(conn, remote))
		return -EADDRNOTAVAIL;

	have = sf_conn_pair_count(conn, local, remote);
	if (have >= want)
		return -EALREADY;

	for (; have < want && r >= 0; have++)
		r = have ? sf_subflow_create_extra(conn, local, remote, backup,
						   NULL, NULL, NULL)
			 : sf_subflow_create(conn, local, remote, backup, NULL,
					     NULL, NULL);
	if (r < 0)
		sf_conn_debug(token, "not re-creating subflow: %s", strerror(-r));

	return r < 0 ? r : 0;
}

/*
 * What a closed subflow means for the retry engine (userspace mode): one
 * the daemon closed itself, or one it never knew (the peer's), is left
 * alone. One that closed cleanly after it worked is gone for good. One
 * that failed is re-created with backoff, and so is a join the peer
 * refused (a clean close before it was established), except a join to the
 * peer's initial address: then the peer takes no joins there, which it
 * may not have said (DENY_JOIN_ID0), and none is tried again.
 */
static void subflow_closed_retry(struct sf_daemon *d, struct sf_conn *conn,
				 const struct sf_subflow_info *info,
				 bool known, bool joined, int error)
{
	uint32_t token = sf_conn_token(conn);
	char buf[SF_ADDR_STRLEN];

	if (!known)
		return;

	if (!error && !joined) {
		if (sf_addr_equal(&info->remote, sf_conn_remote(conn))) {
			if (sf_conn_initial_addr_joinable(conn))
				sf_conn_info(token, "the peer refused a join "
					     "to its initial address %s: no "
					     "more joins there",
					     sf_addr_to_str(&info->remote, true,
							    buf));
			sf_conn_deny_initial_addr(conn);
			return;
		}
		error = ECONNREFUSED;
	}

	sf_daemon_retry_subflow(d, token, info, error);
}

static void on_subflow_closed(struct sf_daemon *d, struct sf_conn *conn,
			      const struct sf_event *ev)
{
	struct sf_plugin_event_args args = { .conn = conn };
	const struct sf_subflow_info *known;
	struct sf_subflow_info info;
	bool ours, joined;

	subflow_info_from_event(d, ev, &info);
	d->counters.subflows_closed++;
	log_subflow(ev, "closed", ev->error);

	known = sf_conn_subflow_find(conn, &info.local, &info.remote);
	ours = known && sf_conn_subflow_is_destroying(conn, known);
	joined = known && sf_conn_subflow_state(conn, known) ==
				  SF_SUBFLOW_STATE_ESTABLISHED;
	sf_conn_subflow_remove(conn, &info.local, &info.remote);

	/* The retry engine counts the pair's subflows before the policies
	 * hear of the close: one a policy opens in answer replaces this
	 * subflow, it is not a sibling to bring back as well. */
	if (d->config->mode == SF_MODE_USERSPACE && !ours)
		subflow_closed_retry(d, conn, &info, known, joined, ev->error);

	args.subflow = &info;
	args.error = ev->error;
	args.reset_reason = ev->reset_reason;
	sf_daemon_dispatch(d, SF_PLUGIN_EVENT_SUBFLOW_CLOSED, &args);
}

/*
 * A connection is gone (closed, or found closed by a resync): the policies
 * hear of it, then it is forgotten, and with it our listeners that served
 * only its joins.
 */
static void conn_gone(struct sf_daemon *d, struct sf_conn *conn)
{
	struct sf_plugin_event_args args = { .conn = conn };
	uint32_t token = sf_conn_token(conn);

	/* Its commands' callers hear -ECANCELED before conn_closed. */
	sf_api_cancel_conn(token);
	sf_daemon_dispatch(d, SF_PLUGIN_EVENT_CONN_CLOSED, &args);
	sf_retry_conn_closed(d->retry, token);
	NOTIFY(d, conn_removed, conn);
	sf_conn_table_remove(d->conns, token);
	sf_listeners_release(d->listeners, token);
}

/* The peer withdrew its address id: failed subflows to it are not tried
 * again. */
static void remote_removed(struct sf_daemon *d, struct sf_conn *conn,
			   uint8_t id)
{
	const struct sf_addr *addr = sf_conn_remote_addr_find(conn, id);

	if (addr)
		sf_retry_remote_gone(d->retry, sf_conn_token(conn), addr);
	sf_conn_remote_addr_remove(conn, id);
}

/* ev as one line of `ip mptcp monitor`, in buf; returns buf. */
static const char *event_line(const struct sf_event *ev, char *buf, size_t size)
{
	sf_event_format(ev, buf, size);
	return buf;
}

void sf_daemon_handle_event(struct sf_daemon *d, const struct sf_event *raw)
{
	struct sf_plugin_event_args args = { 0 };
	struct sf_event unmapped = *raw;
	const struct sf_event *ev = &unmapped;
	struct sf_subflow_info info;
	struct sf_conn *conn = NULL;
	char line[512];

	if (policy_waits(d, raw))
		return;

	d->counters.events++;
	sf_trim_activity();
	/* event_line() runs only when debug logging is on for this line. */
	l_debug("event: %s", event_line(raw, line, sizeof(line)));
	NOTIFY(d, event, raw);
	/* From here on, an IPv4 connection on an AF_INET6 socket is IPv4. */
	sf_event_unmap_v4(&unmapped);

	switch (ev->type) {
	case SF_EVENT_CREATED:
		conn = conn_from_event(d, ev);
		sf_conn_debug(ev->token, "connection created (%s)",
			      ev->server_side ? "server side" : "client side");
		args.conn = conn;
		NOTIFY(d, conn_added, conn);
		sf_daemon_dispatch(d, SF_PLUGIN_EVENT_CONN_CREATED, &args);
		return;
	case SF_EVENT_ESTABLISHED:
		conn = conn_from_event(d, ev);
		on_conn_established(d, conn, ev);
		sf_conn_debug(ev->token, "connection established, policy %s",
			      sf_conn_policy(conn) ?: "none");
		args.conn = conn;
		NOTIFY(d, conn_changed, conn);
		sf_daemon_dispatch(d, SF_PLUGIN_EVENT_CONN_ESTABLISHED, &args);
		return;
	case SF_EVENT_LISTENER_CREATED:
		args.addr = &ev->saddr;
		sf_daemon_dispatch(d, SF_PLUGIN_EVENT_LISTENER_CREATED, &args);
		return;
	case SF_EVENT_LISTENER_CLOSED:
		args.addr = &ev->saddr;
		sf_daemon_dispatch(d, SF_PLUGIN_EVENT_LISTENER_CLOSED, &args);
		return;
	case SF_EVENT_CLOSED:
	case SF_EVENT_ANNOUNCED:
	case SF_EVENT_REMOVED:
	case SF_EVENT_SUB_ESTABLISHED:
	case SF_EVENT_SUB_CLOSED:
	case SF_EVENT_SUB_PRIORITY:
		break;
	}

	/* The rest concern a connection we must already know of. */
	conn = sf_conn_table_lookup(d->conns, ev->token);
	if (!conn) {
		sf_conn_debug(ev->token, "%s for an unknown connection, ignoring",
			      sf_event_type_name(ev->type));
		return;
	}

	args.conn = conn;

	switch (ev->type) {
	case SF_EVENT_CLOSED:
		sf_conn_debug(ev->token, "connection closed");
		conn_gone(d, conn);
		return;
	case SF_EVENT_ANNOUNCED:
		sf_conn_remote_addr_add(conn, ev->rem_id, &ev->daddr);
		args.id = ev->rem_id;
		args.addr = &ev->daddr;
		sf_daemon_dispatch(d, SF_PLUGIN_EVENT_ADDR_ANNOUNCED, &args);
		break;
	case SF_EVENT_REMOVED:
		remote_removed(d, conn, ev->rem_id);
		args.id = ev->rem_id;
		sf_daemon_dispatch(d, SF_PLUGIN_EVENT_ADDR_REMOVED, &args);
		break;
	case SF_EVENT_SUB_ESTABLISHED:
		subflow_info_from_event(d, ev, &info);
		d->counters.subflows_created++;
		log_subflow(ev, "established", 0);
		sf_retry_subflow_established(d->retry, ev->token, &info.local,
					     &info.remote);
		args.subflow = sf_conn_subflow_established(conn, &info);
		sf_daemon_dispatch(d, SF_PLUGIN_EVENT_SUBFLOW_ESTABLISHED, &args);
		break;
	case SF_EVENT_SUB_CLOSED:
		on_subflow_closed(d, conn, ev);
		break;
	case SF_EVENT_SUB_PRIORITY:
		subflow_info_from_event(d, ev, &info);
		args.subflow = sf_conn_subflow_established(conn, &info);
		sf_daemon_dispatch(d, SF_PLUGIN_EVENT_SUBFLOW_PRIORITY, &args);
		break;
	case SF_EVENT_CREATED:
	case SF_EVENT_ESTABLISHED:
	case SF_EVENT_LISTENER_CREATED:
	case SF_EVENT_LISTENER_CLOSED:
		break;
	}

	/* The connection may have been closed by a plugin's command only
	 * later, never during dispatch: it is still there. */
	NOTIFY(d, conn_changed, conn);
}

static void pm_event(const struct sf_event *ev, void *user_data)
{
	sf_daemon_handle_event(user_data, ev);
}

/* Which path manager the namespace gives new connections to. */
static const char *namespace_pm(void)
{
	static char buf[32];
	FILE *f = fopen("/proc/sys/net/mptcp/path_manager", "re");

	if (!f) {
		f = fopen("/proc/sys/net/mptcp/pm_type", "re");
		if (!f)
			return NULL;
	}

	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';

	if (!strcmp(buf, "0"))
		return "kernel";
	if (!strcmp(buf, "1"))
		return "userspace";
	return buf;
}

static void check_namespace_pm(struct sf_daemon *d)
{
	const char *want = sf_mode_to_str(d->config->mode);
	const char *have = namespace_pm();

	if (!have || !strcmp(have, want))
		return;

	if (d->config->mode == SF_MODE_USERSPACE)
		l_warn("mode is userspace but this namespace's path manager is "
		       "'%s': new connections stay with the kernel; "
		       "run: sysctl -w net.mptcp.pm_type=1", have);
	else
		l_warn("mode is kernel but this namespace's path manager is "
		       "'%s': endpoints are only used by connections of the "
		       "in-kernel PM; run: sysctl -w net.mptcp.pm_type=0", have);
}

/* The readiness gate: once, when the family is up and nothing holds it. */
static void ready_check(struct sf_daemon *d)
{
	if (d->ready || !d->pm_up || d->ready_holds)
		return;

	d->ready = true;
	l_info("subflowd ready: mode %s, default policy %s",
	       sf_mode_to_str(d->config->mode), d->config->policy);
	sf_notify("READY=1\nSTATUS=Managing MPTCP paths (%s mode, policy %s)",
		  sf_mode_to_str(d->config->mode), d->config->policy);
	/* What start-up used and freed (dumps, settings, plugins and the
	 * systemd module loaded, the bus set up, this readiness told) goes
	 * back to the kernel. */
	sf_trim_now();
}

void sf_daemon_hold_ready(struct sf_daemon *d)
{
	d->ready_holds++;
}

void sf_daemon_release_ready(struct sf_daemon *d)
{
	if (d->ready_holds)
		d->ready_holds--;
	ready_check(d);
}

/* --- resync: the kernel's view of connections, from sock_diag ----------- */

static bool resync_held(uint32_t token, void *user_data)
{
	struct sf_daemon *d = user_data;

	return sf_hold_contains(d->hold, token);
}

/* A connection the daemon did not see being made: take it over. */
static void adopt(struct sf_conn *conn, bool server_side,
		  const struct sf_sockdiag_owner *owner, void *user_data)
{
	struct sf_daemon *d = user_data;
	struct sf_plugin_event_args args = { .conn = conn };

	sf_conn_table_add(d->conns, sf_conn_token(conn), sf_conn_local(conn),
			  sf_conn_remote(conn), server_side);
	sf_conn_set_policy(conn, select_policy(d, conn, owner));
	sf_conn_info(sf_conn_token(conn), "adopted %s connection with %u "
		     "subflows, policy %s", server_side ? "server-side" :
		     "client-side", sf_conn_subflow_count(conn),
		     sf_conn_policy(conn) ?: "none");

	NOTIFY(d, conn_adopted, conn);
	/* The policy completes it as if it had just been established. */
	sf_daemon_dispatch(d, SF_PLUGIN_EVENT_CONN_ESTABLISHED, &args);
}

/* A connection we know whose ESTABLISHED was lost: the policy completes
 * it now. */
static void catch_up(struct sf_conn *conn, void *user_data)
{
	struct sf_daemon *d = user_data;
	struct sf_plugin_event_args args = { .conn = conn };

	sf_conn_set_established(conn);
	sf_conn_info(sf_conn_token(conn), "established while events were lost, "
		     "%u subflows, policy %s", sf_conn_subflow_count(conn),
		     sf_conn_policy(conn) ?: "none");
	NOTIFY(d, conn_changed, conn);
	sf_daemon_dispatch(d, SF_PLUGIN_EVENT_CONN_ESTABLISHED, &args);
}

/* Forget a connection that closed while we were not listening. */
static void forget(struct sf_conn *conn, void *user_data)
{
	sf_conn_info(sf_conn_token(conn), "connection gone while events were "
		     "lost");
	conn_gone(user_data, conn);
}

static void resync_done(int error, void *user_data)
{
	struct sf_daemon *d = user_data;

	if (error < 0)
		l_warn("reading the MPTCP connections from sock_diag failed: "
		       "%s, ignoring", strerror(-error));

	/* The first one, at start, holds the readiness. */
	if (d->resync_holds_ready) {
		d->resync_holds_ready = false;
		sf_daemon_release_ready(d);
	}
}

static const struct sf_resync_ops resync_ops = {
	.held = resync_held,
	.adopt = adopt,
	.catch_up = catch_up,
	.forget = forget,
	.done = resync_done,
};

/*
 * Make the connection table match the kernel's (resync.h): adopt
 * connections we do not know, take the subflows we missed, forget
 * connections that closed unseen. The answer comes later.
 */
static void resync_start(struct sf_daemon *d, const char *why)
{
	int r = sf_resync_start(d->resync);

	if (r < 0)
		l_warn("cannot read the MPTCP connections %s: %s, ignoring",
		       why, strerror(-r));
}

static void pm_ready(void *user_data)
{
	struct sf_daemon *d = user_data;
	int r;

	check_namespace_pm(d);
	d->pm_up = true;

	/* Subscribed first, then read: nothing falls in between. Ready
	 * once the connections that exist are adopted. */
	r = sf_resync_start(d->resync);
	if (r < 0) {
		l_warn("cannot read existing MPTCP connections: %s, ignoring",
		       strerror(-r));
	} else if (!d->resync_holds_ready) {
		d->resync_holds_ready = true;
		sf_daemon_hold_ready(d);
	}

	ready_check(d);
}

static void pm_overrun(void *user_data)
{
	struct sf_daemon *d = user_data;

	d->counters.overruns++;
	resync_start(d, "after lost events");
}

static const struct sf_pm_handlers pm_handlers = {
	.ready = pm_ready,
	.event = pm_event,
	.overrun = pm_overrun,
};

/* --- interface changes ------------------------------------------------- */

static void iface_link_up(int32_t ifindex, const char *ifname, void *user_data)
{
	struct sf_plugin_event_args args = { .ifindex = ifindex, .ifname = ifname };

	struct sf_daemon *d = user_data;

	l_info("interface %s up", ifname);
	sf_daemon_dispatch(d, SF_PLUGIN_EVENT_IFACE_UP, &args);
	NOTIFY(d, iface_changed, ifindex);
}

static void iface_link_down(int32_t ifindex, const char *ifname,
			    void *user_data)
{
	struct sf_plugin_event_args args = { .ifindex = ifindex, .ifname = ifname };

	struct sf_daemon *d = user_data;

	l_info("interface %s down", ifname);
	sf_daemon_dispatch(d, SF_PLUGIN_EVENT_IFACE_DOWN, &args);
	NOTIFY(d, iface_changed, ifindex);
}

static void iface_addr_added(const struct sf_local_addr *addr, void *user_data)
{
	struct sf_daemon *d = user_data;
	struct sf_local_addr local = *addr;
	struct sf_plugin_event_args args = { .local = &local };
	char buf[SF_ADDR_STRLEN];
	int id;

	id = sf_idmgr_ref(d->idmgr, &addr->addr);
	if (id < 0) {
		l_warn("no free MPTCP address id for %s, ignoring it",
		       sf_addr_to_str(&addr->addr, false, buf));
		return;
	}

	local.id = id;
	l_info("address %s on %s usable, id %d",
	       sf_addr_to_str(&addr->addr, false, buf), addr->ifname, id);
	sf_daemon_dispatch(d, SF_PLUGIN_EVENT_LOCAL_ADDR_ADDED, &args);
	NOTIFY(d, iface_changed, addr->ifindex);
}

struct waiting_ctx {
	struct sf_daemon *daemon;
	bool given;
};

static void give_if_waiting(const struct sf_local_addr *addr, void *user_data)
{
	struct waiting_ctx *ctx = user_data;

	if (ctx->given || sf_idmgr_lookup(ctx->daemon->idmgr, &addr->addr))
		return;

	ctx->given = true;
	iface_addr_added(addr, ctx->daemon);
}

/* An id was freed: the first eligible address still without one (refused
 * when all 255 were taken) gets it, and becomes usable. */
static void give_freed_id(struct sf_daemon *d)
{
	struct waiting_ctx ctx = { .daemon = d };

	sf_iface_table_foreach_eligible(d->ifaces, give_if_waiting, &ctx);
}

static void forget_creating(struct sf_conn *conn, void *user_data)
{
	sf_conn_subflow_forget_creating(conn, user_data);
}

static void iface_addr_removed(const struct sf_local_addr *addr,
			       void *user_data)
{
	struct sf_daemon *d = user_data;
	struct sf_local_addr local = *addr;
	struct sf_plugin_event_args args = { .local = &local };
	char buf[SF_ADDR_STRLEN];

	local.id = sf_idmgr_lookup(d->idmgr, &addr->addr);
	if (!local.id)
		return;		/* never got an id: plugins never saw it */

	l_info("address %s on %s gone", sf_addr_to_str(&addr->addr, false, buf),
	       addr->ifname);
	sf_daemon_dispatch(d, SF_PLUGIN_EVENT_LOCAL_ADDR_REMOVED, &args);
	sf_conn_table_foreach(d->conns, forget_creating, (void *) &addr->addr);
	sf_listeners_drop_ip(d->listeners, &addr->addr);
	sf_retry_addr_gone(d->retry, &addr->addr);
	sf_idmgr_unref(d->idmgr, &addr->addr);
	/* Addresses wait for an id only while all are taken. */
	if (!sf_idmgr_lookup(d->idmgr, &addr->addr) &&
	    sf_idmgr_count(d->idmgr) == SF_IDMGR_MAX_ID - 1)
		give_freed_id(d);
	NOTIFY(d, iface_changed, addr->ifindex);
}

static const struct sf_iface_table_ops iface_ops = {
	.link_up = iface_link_up,
	.link_down = iface_link_down,
	.addr_added = iface_addr_added,
	.addr_removed = iface_addr_removed,
};

/* --- lifecycle ------------------------------------------------------------ */

struct sf_daemon *sf_daemon_new(struct sf_config *config,
				struct sf_plugins *plugins)
{
	struct sf_daemon *d;

	if (!config || !plugins)
		return NULL;

	d = l_new(struct sf_daemon, 1);
	d->config = config;
	d->plugins = plugins;
	d->default_policy = sf_plugins_find(plugins, config->policy);
	d->conns = sf_conn_table_new();
	d->idmgr = sf_idmgr_new();
	d->retry = sf_retry_new(retry_fire, d);
	d->ifaces = sf_iface_table_new(&config->filter, &iface_ops, d);
	d->hold = sf_hold_new();
	d->listeners = sf_listeners_new();
	current = d;
	return d;
}

int sf_daemon_start(struct sf_daemon *d)
{
	int r;

	r = sf_netmon_new(d->ifaces, &d->netmon);
	if (r < 0)
		return r;

	r = sf_sockdiag_new(&d->sockdiag);
	if (r < 0)
		return r;
	d->resync = sf_resync_new(d->conns, d->ifaces, d->sockdiag,
				  &resync_ops, d);

	r = sf_pm_new(&pm_handlers, d, &d->pm);
	if (r < 0)
		return r;

	d->transport = sf_pm_get_transport(d->pm);
	return sf_healthmon_start();
}

/* How long the daemon waits at exit for the kernel to take the commands
 * that plugins sent from their exit callbacks. */
#define SF_DAEMON_FLUSH_MS 2000

static void flush_reply(int error, const char *extack,
			const struct nlmsghdr *nlh, void *user_data)
{
	if (!nlh)
		*(bool *) user_data = true;
}

/*
 * Run the main loop until the kernel has answered a request sent after
 * every command sent so far (it answers one socket's requests in order),
 * or until SF_DAEMON_FLUSH_MS have passed.
 */
static void flush_commands(struct sf_daemon *d)
{
	uint64_t deadline = l_time_offset(l_time_now(),
					  SF_DAEMON_FLUSH_MS * L_USEC_PER_MSEC);
	/* Static: a late end (-ECANCELED when pm goes) still finds it. */
	static bool answered;
	struct sf_pmcmd msg;

	answered = false;

	if (d->transport->send(d->transport->ctx, sf_pmcmd_get_limits(&msg),
			       false, flush_reply, &answered) < 0)
		return;

	while (!answered && l_time_before(l_time_now(), deadline))
		l_main_iterate(100);

	if (!answered)
		l_warn("the kernel did not take the last commands in %d ms",
		       SF_DAEMON_FLUSH_MS);
}

void sf_daemon_free(struct sf_daemon *d)
{
	uint64_t sent;

	if (!d)
		return;

	/* No more interface changes; kernel events reach no plugin. */
	sf_netmon_free(d->netmon);
	d->netmon = NULL;
	d->stopping = true;

	/*
	 * Plugins exit while the tables they may query and the transport
	 * still work (the endpoints policy removes its endpoints), and stay
	 * loaded until the commands they sent have been answered.
	 */
	sent = d->counters.commands_sent;
	sf_plugins_exit(d->plugins);
	if (d->pm && d->transport && d->counters.commands_sent != sent)
		flush_commands(d);

	sf_healthmon_stop();
	sf_trim_stop();

	/* Then the glue: no event or reply may reach half-freed engines.
	 * Queries still waiting for sock_diag end (-ECANCELED) while the
	 * plugins are loaded. */
	sf_resync_free(d->resync);
	sf_sockdiag_free(d->sockdiag);
	d->sockdiag = NULL;
	sf_pm_free(d->pm);
	sf_plugins_free(d->plugins);
	sf_iface_table_free(d->ifaces);
	l_hashmap_destroy(d->iface_overrides, l_free);
	sf_conn_table_free(d->conns);
	sf_retry_free(d->retry);
	sf_listeners_free(d->listeners);
	sf_hold_free(d->hold);
	sf_idmgr_free(d->idmgr);
	sf_config_free(d->config);
	if (current == d)
		current = NULL;
	l_free(d);
}

/* --- settings ------------------------------------------------------------ */

void sf_daemon_set_observer(struct sf_daemon *d,
			    const struct sf_daemon_observer *observer,
			    void *user_data)
{
	d->observer = observer;
	d->observer_data = user_data;
}

int sf_daemon_exit_error(const struct sf_daemon *d)
{
	return d->exit_error;
}

void sf_daemon_conn_changed(struct sf_daemon *d, struct sf_conn *conn)
{
	NOTIFY(d, conn_changed, conn);
}

void sf_daemon_set_config_loader(struct sf_daemon *d,
				 sf_config_loader_func_t loader,
				 void *user_data)
{
	d->loader = loader;
	d->loader_data = user_data;
}

const struct sf_plugins *sf_daemon_plugins(const struct sf_daemon *d)
{
	return d->plugins;
}

const char *sf_daemon_default_policy(const struct sf_daemon *d)
{
	return d->config->policy;
}

void sf_daemon_set_transport(struct sf_daemon *d,
			     const struct sf_pm_transport *transport)
{
	d->transport = transport;
}

const struct sf_config *sf_daemon_config(const struct sf_daemon *d)
{
	return d->config;
}

struct sf_conn_table *sf_daemon_conns(struct sf_daemon *d)
{
	return d->conns;
}

struct sf_iface_table *sf_daemon_ifaces(struct sf_daemon *d)
{
	return d->ifaces;
}

struct sf_idmgr *sf_daemon_idmgr(struct sf_daemon *d)
{
	return d->idmgr;
}

struct sf_sockdiag *sf_daemon_sockdiag(struct sf_daemon *d)
{
	return d->sockdiag;
}

struct sf_listeners *sf_daemon_listeners(struct sf_daemon *d)
{
	return d->listeners;
}

struct sf_counters *sf_daemon_counters(struct sf_daemon *d)
{
	return &d->counters;
}

const struct sf_pm_transport *sf_daemon_transport(struct sf_daemon *d)
{
	return d->transport;
}
