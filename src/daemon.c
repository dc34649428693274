/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>


#include "daemon.h"
#include "log.h"
#include "netmon.h"
#include "pmcmd.h"
#include "retry.h"
#include "sdmodule.h"
#include "rule.h"
#include "sockdiag.h"
#include "util.h"

struct sf_daemon {
	struct sf_config *config;
	struct sf_plugins *plugins;
	const struct sf_plugin_desc *default_policy;
	struct sf_conn_table *conns;
	struct sf_iface_table *ifaces;
	struct sf_idmgr *idmgr;
	struct sf_listeners *listeners;
	struct sf_retry *retry;
	struct sf_pm *pm;
	struct sf_netmon *netmon;
	const struct sf_pm_transport *transport;
	struct sf_counters counters;
	int exit_error;			/* why the main loop was quit, or 0 */
	struct l_hashmap *iface_overrides;	/* ifname -> sf_iface_policy */
	const struct sf_daemon_observer *observer;
	void *observer_data;
	sf_config_loader_func_t loader;
	void *loader_data;
	bool pm_up;			/* the mptcp_pm family appeared */
	unsigned int ready_holds;	/* sf_daemon_hold_ready() not released */
	bool ready;			/* READY=1 sent */
	bool stopping;			/* plugins have exited: no dispatch */
};

#define NOTIFY(d, fn, ...)						\
	do {								\
		if ((d)->observer && (d)->observer->fn)			\
			(d)->observer->fn(__VA_ARGS__, (d)->observer_data); \
	} while (0)

/* Where [rule] match-cgroup paths live (cgroup v2). */
#define SF_CGROUP_ROOT "/sys/fs/cgroup"

static struct sf_daemon *current;

struct sf_daemon *sf_daemon_get(void)
{
	return current;
}

enum sf_plugin_mode sf_daemon_plugin_mode(const struct sf_daemon *daemon)
{
	switch (daemon->config->mode) {
	case SF_MODE_USERSPACE:
		return SF_PLUGIN_MODE_USERSPACE;
	case SF_MODE_KERNEL:
		return SF_PLUGIN_MODE_KERNEL;
	}

	return SF_PLUGIN_MODE_USERSPACE;
}

static void dispatch(struct sf_daemon *d, enum sf_plugin_event event,
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
 * default. The socket's owner is looked up (sock_diag) only when some rule
 * needs it; it is remembered on the connection either way.
 */
static const struct sf_plugin_desc *select_policy(struct sf_daemon *d,
						  struct sf_conn *conn)
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
	int r;

	if (l_queue_isempty(d->config->rules))
		return d->default_policy;

	if (sf_rules_need_owner(d->config->rules)) {
		r = sf_sockdiag_mptcp_owner(local, remote, &in.uid,
					    &in.cgroup_id);
		if (r == 0) {
			in.has_owner = true;
		} else {
			sf_conn_debug(sf_conn_token(conn),
				      "socket owner unknown: %s", strerror(-r));
		}
	}

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

static struct sf_conn *conn_from_event(struct sf_daemon *d,
				       const struct sf_event *ev)
{
	struct sf_conn *conn = sf_conn_table_lookup(d->conns, ev->token);

	if (conn)
		return conn;

	/* Created before we started, or the CREATED event was lost. */
	conn = sf_conn_table_add(d->conns, ev->token, &ev->saddr, &ev->daddr,
				 ev->server_side);
	sf_conn_set_policy(conn, select_policy(d, conn));
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

/* A subflow that died with an error is tried again later (retry.c). */
void sf_daemon_retry_subflow(struct sf_daemon *d, uint32_t token,
			     const struct sf_subflow_info *info, int error)
{
	char l[SF_ADDR_STRLEN], r[SF_ADDR_STRLEN];
	unsigned int delay;

	if (!sf_iface_table_addr_eligible(d->ifaces, &info->local))
		return;

	delay = sf_retry_subflow_closed(d->retry, token, &info->local,
					&info->remote, info->backup, error);
	if (delay)
		sf_conn_info(token, "re-creating subflow %s -> %s in %u ms",
			     sf_addr_to_str(&info->local, false, l),
			     sf_addr_to_str(&info->remote, true, r), delay);
}

static int retry_fire(uint32_t token, const struct sf_addr *local,
		      const struct sf_addr *remote, bool backup,
		      void *user_data)
{
	struct sf_daemon *d = user_data;
	struct sf_conn *conn = sf_conn_table_lookup(d->conns, token);
	int r;

	if (!conn)
		return -ENOENT;

	r = sf_subflow_create(conn, local, remote, backup, NULL, NULL);
	if (r < 0)
		sf_conn_debug(token, "not re-creating subflow: %s", strerror(-r));

	return r;
}

static void on_subflow_closed(struct sf_daemon *d, struct sf_conn *conn,
			      const struct sf_event *ev)
{
	struct sf_plugin_event_args args = { .conn = conn };
	struct sf_subflow_info info;

	subflow_info_from_event(d, ev, &info);
	d->counters.subflows_closed++;
	log_subflow(ev, "closed", ev->error);
	sf_conn_subflow_remove(conn, &info.local, &info.remote);

	args.subflow = &info;
	args.error = ev->error;
	args.reset_reason = ev->reset_reason;
	dispatch(d, SF_PLUGIN_EVENT_SUBFLOW_CLOSED, &args);

	if (d->config->mode == SF_MODE_USERSPACE)
		sf_daemon_retry_subflow(d, ev->token, &info, ev->error);
}

static void add_local_port(struct sf_conn *conn, void *user_data)
{
	l_uintset_put(user_data, sf_conn_local(conn)->port);
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
	struct l_uintset *ports;

	dispatch(d, SF_PLUGIN_EVENT_CONN_CLOSED, &args);
	sf_retry_conn_closed(d->retry, token);
	NOTIFY(d, conn_removed, conn);
	sf_conn_table_remove(d->conns, token);

	sf_listeners_release(d->listeners, token);
	/* Without listeners of ours, skip the walk over every connection. */
	if (!sf_listeners_count(d->listeners))
		return;

	ports = l_uintset_new_from_range(1, UINT16_MAX);
	sf_conn_table_foreach(d->conns, add_local_port, ports);
	sf_listeners_drop_unused(d->listeners, ports);
	l_uintset_free(ports);
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

	d->counters.events++;
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
		dispatch(d, SF_PLUGIN_EVENT_CONN_CREATED, &args);
		return;
	case SF_EVENT_ESTABLISHED:
		conn = conn_from_event(d, ev);
		on_conn_established(d, conn, ev);
		sf_conn_debug(ev->token, "connection established, policy %s",
			      sf_conn_policy(conn) ?: "none");
		args.conn = conn;
		NOTIFY(d, conn_changed, conn);
		dispatch(d, SF_PLUGIN_EVENT_CONN_ESTABLISHED, &args);
		return;
	case SF_EVENT_LISTENER_CREATED:
		args.addr = &ev->saddr;
		dispatch(d, SF_PLUGIN_EVENT_LISTENER_CREATED, &args);
		return;
	case SF_EVENT_LISTENER_CLOSED:
		args.addr = &ev->saddr;
		dispatch(d, SF_PLUGIN_EVENT_LISTENER_CLOSED, &args);
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
		dispatch(d, SF_PLUGIN_EVENT_ADDR_ANNOUNCED, &args);
		break;
	case SF_EVENT_REMOVED:
		sf_conn_remote_addr_remove(conn, ev->rem_id);
		args.id = ev->rem_id;
		dispatch(d, SF_PLUGIN_EVENT_ADDR_REMOVED, &args);
		break;
	case SF_EVENT_SUB_ESTABLISHED:
		subflow_info_from_event(d, ev, &info);
		d->counters.subflows_created++;
		log_subflow(ev, "established", 0);
		sf_retry_subflow_established(d->retry, ev->token, &info.local,
					     &info.remote);
		args.subflow = sf_conn_subflow_established(conn, &info);
		dispatch(d, SF_PLUGIN_EVENT_SUBFLOW_ESTABLISHED, &args);
		break;
	case SF_EVENT_SUB_CLOSED:
		on_subflow_closed(d, conn, ev);
		break;
	case SF_EVENT_SUB_PRIORITY:
		subflow_info_from_event(d, ev, &info);
		args.subflow = sf_conn_subflow_established(conn, &info);
		dispatch(d, SF_PLUGIN_EVENT_SUBFLOW_PRIORITY, &args);
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

/*
 * What a resync learns on the way, a few bytes per connection: the dump's
 * sockets are handled as they come (a connection's subflows come after it),
 * so no copy of the dump is ever held.
 */
struct tokens {
	uint32_t *v;
	unsigned int n, cap;
};

static void tokens_push(struct tokens *t, uint32_t token)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = l_realloc(t->v, t->cap * sizeof(*t->v));
	}

	t->v[t->n++] = token;
}

struct resync_ctx {
	struct sf_daemon *d;
	struct l_uintset *listen_ports;	/* ports MPTCP listens on */
	struct tokens seen;		/* the live connections */
	struct tokens adopted;		/* added to the table */
	struct tokens caught_up;	/* known, established unseen */
	struct tokens gone;		/* known, closed unseen */
};

static int token_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

	return x < y ? -1 : x > y;
}

/* An established MPTCP socket: a connection to adopt or to catch up on. */
static void resync_conn(struct resync_ctx *ctx,
			const struct sf_sockdiag_sock *sock)
{
	struct sf_conn *conn = sf_conn_table_lookup(ctx->d->conns, sock->token);

	tokens_push(&ctx->seen, sock->token);
	if (!conn) {
		/* Which side it is on is known once the listeners are. */
		conn = sf_conn_table_add(ctx->d->conns, sock->token,
					 &sock->local, &sock->remote, false);
		sf_conn_set_established(conn);
		tokens_push(&ctx->adopted, sock->token);
	} else if (!sf_conn_established(conn)) {
		sf_conn_set_established(conn);
		tokens_push(&ctx->caught_up, sock->token);
	}
}

/* An established subflow: one the kernel has and we may have missed. */
static void resync_subflow(struct resync_ctx *ctx,
			   const struct sf_sockdiag_sock *sock)
{
	struct sf_conn *conn = sf_conn_table_lookup(ctx->d->conns,
						    sock->subflow_token);
	struct sf_subflow_info info = {
		.local = sock->local,
		.remote = sock->remote,
		.local_id = sock->subflow_local_id,
		.remote_id = sock->subflow_remote_id,
		.backup = sock->subflow_flags & MPTCP_SUBFLOW_FLAG_BKUP_LOC,
	};

	if (!conn)
		return;	/* its connection closed during the dump */

	info.ifindex = sf_iface_table_find_addr(ctx->d->ifaces, &info.local);
	sf_conn_subflow_established(conn, &info);
}

static void resync_visit(const struct sf_sockdiag_sock *sock, uint16_t protocol,
			 void *user_data)
{
	struct resync_ctx *ctx = user_data;

	if (sock->state == TCP_LISTEN && !sock->is_subflow) {
		l_uintset_put(ctx->listen_ports, sock->local.port);
		return;
	}

	if (sock->state != TCP_ESTABLISHED)
		return;

	if (sock->has_token)
		resync_conn(ctx, sock);
	else if (sock->is_subflow)
		resync_subflow(ctx, sock);
}

/* A connection the daemon did not see being made: take it over. */
static void adopt(struct sf_daemon *d, struct sf_conn *conn,
		  struct resync_ctx *ctx)
{
	struct sf_plugin_event_args args = { .conn = conn };
	const struct sf_addr *local = sf_conn_local(conn);
	bool server_side = l_uintset_contains(ctx->listen_ports, local->port);

	sf_conn_table_add(d->conns, sf_conn_token(conn), local,
			  sf_conn_remote(conn), server_side);
	sf_conn_set_policy(conn, select_policy(d, conn));
	sf_conn_info(sf_conn_token(conn), "adopted %s connection with %u "
		     "subflows, policy %s", server_side ? "server-side" :
		     "client-side", sf_conn_subflow_count(conn),
		     sf_conn_policy(conn) ?: "none");

	NOTIFY(d, conn_added, conn);
	/* The policy completes it as if it had just been established. */
	dispatch(d, SF_PLUGIN_EVENT_CONN_ESTABLISHED, &args);
}

/* A connection we know whose ESTABLISHED was lost: the policy completes
 * it now. */
static void catch_up(struct sf_daemon *d, struct sf_conn *conn)
{
	struct sf_plugin_event_args args = { .conn = conn };

	sf_conn_info(sf_conn_token(conn), "established while events were lost, "
		     "%u subflows, policy %s", sf_conn_subflow_count(conn),
		     sf_conn_policy(conn) ?: "none");
	NOTIFY(d, conn_changed, conn);
	dispatch(d, SF_PLUGIN_EVENT_CONN_ESTABLISHED, &args);
}

/* Forget a connection that closed while we were not listening. */
static void forget(struct sf_daemon *d, uint32_t token)
{
	sf_conn_info(token, "connection gone while events were lost");
	conn_gone(d, sf_conn_table_lookup(d->conns, token));
}

static void collect_gone(struct sf_conn *conn, void *user_data)
{
	struct resync_ctx *ctx = user_data;
	uint32_t token = sf_conn_token(conn);

	if (!ctx->seen.n || !bsearch(&token, ctx->seen.v, ctx->seen.n,
				     sizeof(token), token_cmp))
		tokens_push(&ctx->gone, token);
}

/*
 * Make the connection table match the kernel's: adopt connections we do not
 * know (at start, after a restart; after lost events), take the subflows we
 * missed, forget connections that closed unseen (lost events). The
 * policies hear of it once the table is complete. Returns 0 or a negative
 * errno.
 */
static int resync(struct sf_daemon *d)
{
	struct resync_ctx ctx = {
		.d = d,
		.listen_ports = l_uintset_new_from_range(1, UINT16_MAX),
	};
	struct sf_conn *conn;
	int r;

	r = sf_sockdiag_list(resync_visit, &ctx);
	if (r == 0) {
		if (ctx.seen.n)
			qsort(ctx.seen.v, ctx.seen.n, sizeof(*ctx.seen.v),
			      token_cmp);
		/* Not while walking the table: forgetting removes from it. */
		sf_conn_table_foreach(d->conns, collect_gone, &ctx);
		for (unsigned int i = 0; i < ctx.gone.n; i++)
			forget(d, ctx.gone.v[i]);
	}

	/* Even after a failed dump: what was added gets its policy. A policy
	 * may close a connection on the way: each is looked up again. */
	for (unsigned int i = 0; i < ctx.adopted.n; i++)
		if ((conn = sf_conn_table_lookup(d->conns, ctx.adopted.v[i])))
			adopt(d, conn, &ctx);
	for (unsigned int i = 0; i < ctx.caught_up.n; i++)
		if ((conn = sf_conn_table_lookup(d->conns, ctx.caught_up.v[i])))
			catch_up(d, conn);

	l_uintset_free(ctx.listen_ports);
	l_free(ctx.seen.v);
	l_free(ctx.adopted.v);
	l_free(ctx.caught_up.v);
	l_free(ctx.gone.v);
	return r;
}

static void pm_ready(void *user_data)
{
	struct sf_daemon *d = user_data;
	int r;

	check_namespace_pm(d);
	d->pm_up = true;

	/* Subscribed first, then read: nothing falls in between. */
	r = resync(d);
	if (r < 0)
		l_warn("cannot read existing MPTCP connections: %s, ignoring",
		       strerror(-r));

	ready_check(d);
}

static void pm_vanished(void *user_data)
{
	l_warn("the mptcp_pm netlink family went away; waiting for it");
}

static void pm_overrun(void *user_data)
{
	struct sf_daemon *d = user_data;
	int r;

	d->counters.overruns++;
	r = resync(d);
	if (r < 0)
		l_warn("resync after lost events failed: %s, ignoring",
		       strerror(-r));
}

static void pm_failed(int error, void *user_data)
{
	struct sf_daemon *d = user_data;

	l_error("cannot join the %s events group: %s%s", MPTCP_PM_EV_GRP_NAME,
		strerror(-error),
		error == -EPERM ? " (CAP_NET_ADMIN is required)" : "");
	d->exit_error = error;
	l_main_quit();
}

static const struct sf_pm_handlers pm_handlers = {
	.failed = pm_failed,
	.ready = pm_ready,
	.vanished = pm_vanished,
	.event = pm_event,
	.overrun = pm_overrun,
};

/* --- interface changes ------------------------------------------------- */

static void iface_link_up(int32_t ifindex, const char *ifname, void *user_data)
{
	struct sf_plugin_event_args args = { .ifindex = ifindex, .ifname = ifname };

	struct sf_daemon *d = user_data;

	l_info("interface %s up", ifname);
	dispatch(d, SF_PLUGIN_EVENT_IFACE_UP, &args);
	NOTIFY(d, iface_changed, ifindex);
}

static void iface_link_down(int32_t ifindex, const char *ifname,
			    void *user_data)
{
	struct sf_plugin_event_args args = { .ifindex = ifindex, .ifname = ifname };

	struct sf_daemon *d = user_data;

	l_info("interface %s down", ifname);
	dispatch(d, SF_PLUGIN_EVENT_IFACE_DOWN, &args);
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
	dispatch(d, SF_PLUGIN_EVENT_LOCAL_ADDR_ADDED, &args);
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
	dispatch(d, SF_PLUGIN_EVENT_LOCAL_ADDR_REMOVED, &args);
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
	d->listeners = sf_listeners_new();
	d->retry = sf_retry_new(retry_fire, d);
	d->ifaces = sf_iface_table_new(&config->filter, &iface_ops, d);
	d->iface_overrides = l_hashmap_string_new();
	current = d;
	return d;
}

int sf_daemon_start(struct sf_daemon *d)
{
	int r;

	r = sf_netmon_new(d->ifaces, &d->netmon);
	if (r < 0)
		return r;

	r = sf_pm_new(&pm_handlers, d, &d->pm);
	if (r < 0)
		return r;

	d->transport = sf_pm_get_transport(d->pm);
	return 0;
}

/* How long the daemon waits at exit for the kernel to take the commands
 * that plugins sent from their exit callbacks. */
#define SF_DAEMON_FLUSH_MS 2000

static void flush_reply(int error, const char *extack, struct l_genl_msg *msg,
			void *user_data)
{
	*(bool *) user_data = true;
}

/*
 * l_genl writes from the main loop: run it until the kernel has answered a
 * request queued after every command sent so far (it answers one socket's
 * requests in order), or until SF_DAEMON_FLUSH_MS have passed.
 */
static void flush_commands(struct sf_daemon *d)
{
	uint64_t deadline = l_time_offset(l_time_now(),
					  SF_DAEMON_FLUSH_MS * L_USEC_PER_MSEC);
	bool answered = false;

	if (d->transport->send(d->transport->ctx, sf_pmcmd_get_limits(), false,
			       flush_reply, &answered) < 0)
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

	/* Then the glue: no event or reply may reach half-freed engines. */
	sf_pm_free(d->pm);
	sf_plugins_free(d->plugins);
	sf_iface_table_free(d->ifaces);
	l_hashmap_destroy(d->iface_overrides, l_free);
	sf_conn_table_free(d->conns);
	sf_retry_free(d->retry);
	sf_listeners_free(d->listeners);
	sf_idmgr_free(d->idmgr);
	sf_config_free(d->config);
	if (current == d)
		current = NULL;
	l_free(d);
}

/* --- settings ------------------------------------------------------------ */

struct find_ctx {
	const char *name;
	int32_t *ifindex;
};

static void find_ifindex(int32_t ifindex, const char *ifname, bool up,
			 void *user_data)
{
	struct find_ctx *ctx = user_data;

	if (!strcmp(ifname, ctx->name))
		*ctx->ifindex = ifindex;
}

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

int sf_daemon_reload(struct sf_daemon *d, char *ret_err, size_t err_size)
{
	_auto_(sf_config_free) struct sf_config *config = NULL;
	const struct sf_plugin_desc *policy;
	struct sf_config *old;
	int r;

	if (!d->loader) {
		snprintf(ret_err, err_size, "no configuration to reload");
		return -EOPNOTSUPP;
	}

	r = d->loader(&config, ret_err, err_size, d->loader_data);
	if (r < 0)
		return r;

	policy = sf_plugins_find(d->plugins, config->policy);
	if (!policy) {
		snprintf(ret_err, err_size, "%s: [core] policy: '%s' is not a "
			 "loaded plugin", config->path ? config->path : "config",
			 config->policy);
		return -ENOENT;
	}

	if (config->mode != d->config->mode)
		l_warn("reload: [core] mode changes take effect at restart only, "
		       "keeping %s", sf_mode_to_str(d->config->mode));
	config->mode = d->config->mode;

	old = d->config;
	d->config = config;
	config = NULL;
	d->default_policy = policy;

	/* Addresses the new filter drops or admits come and go now. */
	sf_iface_table_set_filter(d->ifaces, &d->config->filter);
	sf_config_free(old);

	l_info("configuration reloaded from %s; default policy %s",
	       d->config->path ? d->config->path : "built-in defaults",
	       d->config->policy);
	NOTIFY(d, settings_changed, d);
	return 0;
}

int sf_daemon_set_default_policy(struct sf_daemon *d, const char *name)
{
	const struct sf_plugin_desc *policy = sf_plugins_find(d->plugins, name);

	if (!policy)
		return -ENOENT;

	d->default_policy = policy;
	l_free(d->config->policy);
	d->config->policy = l_strdup(name);
	l_info("default policy for new connections: %s", name);
	NOTIFY(d, settings_changed, d);
	return 0;
}

int sf_daemon_set_conn_policy(struct sf_daemon *d, struct sf_conn *conn,
			      const char *name)
{
	const struct sf_plugin_desc *policy = sf_plugins_find(d->plugins, name);

	if (!policy)
		return -ENOENT;

	sf_conn_set_policy(conn, policy);
	sf_conn_info(sf_conn_token(conn), "policy set to %s", name);
	NOTIFY(d, conn_changed, conn);
	return 0;
}

void sf_daemon_set_iface_policy(struct sf_daemon *d, const char *ifname,
				const struct sf_iface_policy *policy)
{
	struct sf_iface_policy *copy = l_memdup(policy, sizeof(*policy));
	int32_t ifindex = 0;

	l_free(l_hashmap_remove(d->iface_overrides, ifname));
	l_hashmap_insert(d->iface_overrides, ifname, copy);

	sf_iface_table_foreach_link(d->ifaces, find_ifindex, &(struct find_ctx)
				    { ifname, &ifindex });
	if (ifindex)
		NOTIFY(d, iface_changed, ifindex);
}

void sf_daemon_get_iface_policy(struct sf_daemon *d, const char *ifname,
				struct sf_iface_policy *ret_policy)
{
	const struct sf_iface_policy *override =
		l_hashmap_lookup(d->iface_overrides, ifname);

	if (override)
		*ret_policy = *override;
	else
		sf_config_iface_policy(d->config, ifname, ret_policy);
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
