/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The plugin API of <subflowd/plugin.h> that needs the daemon: queries of
 * its tables and the commands plugins send to the kernel. Commands are
 * checked here (duplicates, limits, eligibility), built by pmcmd.c and leave
 * through the daemon's one transport; their outcome comes back to the
 * plugin's completion callback.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "daemon.h"
#include "log.h"
#include "pmcmd.h"
#include "util.h"

/* --- logging --- */

void sf_log(int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	/* Debug lines cost nothing until -d turns them on. */
	if (level >= LOG_DEBUG && !SF_DEBUG_ON())
		return;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	switch (level) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR:
		l_error("%s", buf);
		break;
	case LOG_WARNING:
		l_warn("%s", buf);
		break;
	case LOG_NOTICE:
	case LOG_INFO:
		l_info("%s", buf);
		break;
	default:
		l_log(L_LOG_DEBUG, "%s", buf);
		break;
	}
}

/* --- queries --- */

struct conn_filter_ctx {
	const struct sf_plugin_desc *plugin;
	sf_conn_func_t func;
	void *user_data;
};

static void conn_filter(struct sf_conn *conn, void *user_data)
{
	struct conn_filter_ctx *ctx = user_data;

	if (!ctx->plugin || sf_conn_get_policy(conn) == ctx->plugin)
		ctx->func(conn, ctx->user_data);
}

void sf_conn_foreach(const struct sf_plugin_desc *plugin, sf_conn_func_t func,
		     void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();
	struct conn_filter_ctx ctx = { plugin, func, user_data };

	sf_conn_table_foreach(sf_daemon_conns(d), conn_filter, &ctx);
}

struct local_addr_ctx {
	struct sf_daemon *daemon;
	sf_local_addr_func_t func;
	void *user_data;
};

static void local_addr_with_id(const struct sf_local_addr *addr,
			       void *user_data)
{
	struct local_addr_ctx *ctx = user_data;
	struct sf_local_addr local = *addr;

	local.id = sf_idmgr_lookup(sf_daemon_idmgr(ctx->daemon), &addr->addr);
	if (local.id)
		ctx->func(&local, ctx->user_data);
}

void sf_local_addr_foreach(sf_local_addr_func_t func, void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();
	struct local_addr_ctx ctx = { d, func, user_data };

	sf_iface_table_foreach_eligible(sf_daemon_ifaces(d), local_addr_with_id,
					&ctx);
}

void sf_iface_get_policy(int32_t ifindex, struct sf_iface_policy *ret_policy)
{
	struct sf_daemon *d = sf_daemon_get();
	const char *name = sf_iface_table_name(sf_daemon_ifaces(d), ifindex);

	sf_daemon_get_iface_policy(d, name ? name : "", ret_policy);
}

void sf_iface_foreach(sf_iface_func_t func, void *user_data)
{
	sf_iface_table_foreach_link(sf_daemon_ifaces(sf_daemon_get()), func,
				    user_data);
}

bool sf_iface_is_up(int32_t ifindex)
{
	return sf_iface_table_is_up(sf_daemon_ifaces(sf_daemon_get()), ifindex);
}

const char *sf_iface_name(int32_t ifindex)
{
	return sf_iface_table_name(sf_daemon_ifaces(sf_daemon_get()), ifindex);
}

int32_t sf_local_addr_ifindex(const struct sf_addr *addr)
{
	return sf_iface_table_find_addr(sf_daemon_ifaces(sf_daemon_get()), addr);
}

unsigned int sf_config_max_subflows(void)
{
	return sf_daemon_config(sf_daemon_get())->max_subflows;
}

enum sf_standby sf_config_standby(void)
{
	return sf_daemon_config(sf_daemon_get())->standby;
}

/* --- commands --- */

enum cmd_kind {
	CMD_KIND_SUBFLOW_CREATE,
	CMD_KIND_SET_BACKUP,
	CMD_KIND_SUBFLOW_DESTROY,
	CMD_KIND_OTHER,
};

/* One command in flight. The connection is found again by token: it may
 * close before the kernel answers. */
struct cmd {
	enum cmd_kind kind;
	uint32_t token;
	struct sf_addr local;
	struct sf_addr remote;
	bool backup;
	const char *what;
	sf_cmd_done_func_t done;
	void *user_data;
};

/*
 * Did the kernel refuse for a reason that passes (memory, its answer lost
 * to an overrun, a path not reachable yet, a connection not yet fully
 * established: ENOTCONN, when the create follows its ESTABLISHED event
 * closely), rather than for good (unknown token, bad arguments)?
 */
static bool refusal_passes(int error)
{
	switch (-error) {
	case ENOTCONN:
	case ENOBUFS:
	case ENOMEM:
	case EAGAIN:
	case EBUSY:
	case ETIMEDOUT:
	case ENETUNREACH:
	case EHOSTUNREACH:
		return true;
	default:
		return false;
	}
}

/* A refused SUBFLOW_CREATE is tried again, as a subflow that failed. */
static void retry_create(struct sf_daemon *d, const struct cmd *cmd,
			 int error)
{
	struct sf_subflow_info info = {
		.local = cmd->local,
		.remote = cmd->remote,
		.backup = cmd->backup,
	};

	info.local.port = 0;
	sf_daemon_retry_subflow(d, cmd->token, &info, -error);
}

static void cmd_reply(int error, const char *extack, struct l_genl_msg *msg,
		      void *user_data)
{
	_auto_(l_free) struct cmd *cmd = user_data;
	struct sf_daemon *d = sf_daemon_get();
	struct sf_conn *conn;

	if (error < 0) {
		sf_daemon_counters(d)->commands_failed++;
		if (cmd->token)
			sf_conn_info(cmd->token, "%s failed: %s%s%s", cmd->what,
				     strerror(-error), extack ? ": " : "",
				     extack ? extack : "");
		else
			l_info("%s failed: %s%s%s", cmd->what, strerror(-error),
			       extack ? ": " : "", extack ? extack : "");
	}

	conn = cmd->token ? sf_conn_table_lookup(sf_daemon_conns(d), cmd->token)
			  : NULL;

	switch (cmd->kind) {
	case CMD_KIND_SUBFLOW_CREATE:
		/* Forget the placeholder so the path may be tried again. */
		if (error < 0 && conn) {
			const struct sf_subflow_info *sf =
				sf_conn_subflow_find(conn, &cmd->local,
						     &cmd->remote);

			if (sf && sf_conn_subflow_state(conn, sf) ==
					SF_SUBFLOW_STATE_CREATING)
				sf_conn_subflow_remove(conn, &cmd->local,
						       &cmd->remote);
			if (refusal_passes(error))
				retry_create(d, cmd, error);
		}
		break;
	case CMD_KIND_SET_BACKUP:
		/* The kernel reports no event for a change made locally. */
		if (error == 0 && conn) {
			struct sf_subflow_info *sf =
				sf_conn_subflow_find(conn, &cmd->local,
						     &cmd->remote);

			if (sf && sf->backup != cmd->backup) {
				sf->backup = cmd->backup;
				sf_daemon_conn_changed(d, conn);
			}
		}
		break;
	case CMD_KIND_SUBFLOW_DESTROY:
		/* Refused: the subflow stays. Not found: its SUB_CLOSED is
		 * on the way (or came) and forgets it. */
		if (error < 0 && error != -ESRCH && conn) {
			const struct sf_subflow_info *sf =
				sf_conn_subflow_find(conn, &cmd->local,
						     &cmd->remote);

			if (sf)
				sf_conn_subflow_set_destroying(conn, sf, false);
		}
		break;
	case CMD_KIND_OTHER:
		break;
	}

	if (cmd->done)
		cmd->done(error, extack, cmd->user_data);
}

static int cmd_send(struct sf_daemon *d, struct l_genl_msg *msg,
		    struct cmd *cmd)
{
	const struct sf_pm_transport *tx = sf_daemon_transport(d);
	int r;

	if (!msg) {
		l_free(cmd);
		return -EINVAL;
	}

	if (!tx) {
		l_genl_msg_unref(msg);
		l_free(cmd);
		return -ENETDOWN;
	}

	r = tx->send(tx->ctx, msg, false, cmd_reply, cmd);
	if (r < 0) {
		l_free(cmd);
		return r;
	}

	sf_daemon_counters(d)->commands_sent++;
	return 0;
}

/* conn NULL: a namespace-wide (in-kernel PM) command. */
static struct cmd *cmd_new(enum cmd_kind kind, struct sf_conn *conn,
			   const char *what, sf_cmd_done_func_t done,
			   void *user_data)
{
	struct cmd *cmd = l_new(struct cmd, 1);

	cmd->kind = kind;
	cmd->token = conn ? sf_conn_token(conn) : 0;
	cmd->what = what;
	cmd->done = done;
	cmd->user_data = user_data;
	return cmd;
}

/* Userspace-PM commands act on established connections only. */
static int check_userspace_conn(struct sf_daemon *d, struct sf_conn *conn)
{
	if (!d || !conn)
		return -EINVAL;

	if (sf_daemon_plugin_mode(d) != SF_PLUGIN_MODE_USERSPACE)
		return -EOPNOTSUPP;

	if (!sf_conn_established(conn))
		return -ENOTCONN;

	return 0;
}

/* extra: allow another subflow on an address pair that has one. */
static int subflow_create(struct sf_conn *conn, const struct sf_addr *local,
			  const struct sf_addr *remote, bool backup, bool extra,
			  sf_cmd_done_func_t done, void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();
	struct sf_subflow_info info = { 0 };
	struct cmd *cmd;
	int r;

	r = check_userspace_conn(d, conn);
	if (r < 0)
		return r;

	if (!local || !remote || local->family != remote->family)
		return -EINVAL;

	info.local = *local;
	info.local.port = 0;
	info.remote = *remote;
	if (!info.remote.port)
		info.remote.port = sf_conn_remote(conn)->port;
	info.backup = backup;

	info.local_id = sf_idmgr_lookup(sf_daemon_idmgr(d), &info.local);
	if (!info.local_id ||
	    !sf_iface_table_addr_eligible(sf_daemon_ifaces(d), &info.local))
		return -EADDRNOTAVAIL;

	if (!extra && sf_conn_subflow_exists(conn, &info.local, &info.remote))
		return -EALREADY;

	if (sf_conn_subflow_count(conn) >= sf_daemon_config(d)->max_subflows)
		return -ENOSPC;

	info.ifindex = sf_iface_table_find_addr(sf_daemon_ifaces(d),
						&info.local);

	cmd = cmd_new(CMD_KIND_SUBFLOW_CREATE, conn, "subflow create", done,
		      user_data);
	cmd->local = info.local;
	cmd->remote = info.remote;
	cmd->backup = backup;

	r = cmd_send(d, sf_pmcmd_subflow_create(sf_conn_token(conn),
						&info.local, info.local_id,
						backup, &info.remote), cmd);
	if (r < 0)
		return r;

	sf_conn_subflow_add_creating(conn, &info);
	return 0;
}

int sf_subflow_create(struct sf_conn *conn, const struct sf_addr *local,
		      const struct sf_addr *remote, bool backup,
		      sf_cmd_done_func_t done, void *user_data)
{
	return subflow_create(conn, local, remote, backup, false, done,
			      user_data);
}

int sf_subflow_create_extra(struct sf_conn *conn, const struct sf_addr *local,
			    const struct sf_addr *remote, bool backup,
			    sf_cmd_done_func_t done, void *user_data)
{
	return subflow_create(conn, local, remote, backup, true, done,
			      user_data);
}

int sf_subflow_destroy(struct sf_conn *conn, const struct sf_addr *local,
		       const struct sf_addr *remote,
		       sf_cmd_done_func_t done, void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();
	const struct sf_subflow_info *sf;
	struct cmd *cmd;
	int r;

	r = check_userspace_conn(d, conn);
	if (r < 0)
		return r;

	if (!local || !remote || !local->port || !remote->port)
		return -EINVAL;

	cmd = cmd_new(CMD_KIND_SUBFLOW_DESTROY, conn, "subflow destroy", done,
		      user_data);
	cmd->local = *local;
	cmd->remote = *remote;
	r = cmd_send(d, sf_pmcmd_subflow_destroy(sf_conn_token(conn), local,
						 remote), cmd);
	if (r < 0)
		return r;

	/* On its way out: a new subflow on its path may be opened now. */
	sf = sf_conn_subflow_find(conn, local, remote);
	if (sf)
		sf_conn_subflow_set_destroying(conn, sf, true);
	return 0;
}

int sf_subflow_set_backup(struct sf_conn *conn, const struct sf_addr *local,
			  const struct sf_addr *remote, bool backup,
			  sf_cmd_done_func_t done, void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();
	struct cmd *cmd;
	int r;

	r = check_userspace_conn(d, conn);
	if (r < 0)
		return r;

	if (!local || !remote || !local->port || !remote->port)
		return -EINVAL;

	cmd = cmd_new(CMD_KIND_SET_BACKUP, conn, "set backup", done, user_data);
	cmd->local = *local;
	cmd->remote = *remote;
	cmd->backup = backup;
	return cmd_send(d, sf_pmcmd_subflow_set_backup(sf_conn_token(conn),
						       local, remote, backup),
			cmd);
}

struct withdraw_ctx {
	const struct sf_addr *addr;
	struct l_queue *victims;	/* struct sf_subflow_info copies */
	uint8_t id;
};

static void collect_from_addr(struct sf_conn *conn,
			      const struct sf_subflow_info *sf, void *user_data)
{
	struct withdraw_ctx *ctx = user_data;

	if (!sf_addr_ip_equal(&sf->local, ctx->addr) || !sf->local.port)
		return;

	ctx->id = sf->local_id;
	l_queue_push_tail(ctx->victims, l_memdup(sf, sizeof(*sf)));
}

int sf_conn_withdraw_local_addr(struct sf_conn *conn,
				const struct sf_addr *addr,
				sf_cmd_done_func_t done, void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();
	struct withdraw_ctx ctx = { .addr = addr };
	const struct l_queue_entry *e;
	char buf[SF_ADDR_STRLEN];
	int r, n = 0;

	r = check_userspace_conn(d, conn);
	if (r < 0)
		return r;

	/* Collected first: the subflow list may not change while walked. */
	ctx.victims = l_queue_new();
	sf_conn_foreach_subflow(conn, collect_from_addr, &ctx);

	if (ctx.id && !l_queue_isempty(ctx.victims)) {
		r = sf_addr_remove(conn, ctx.id, done, user_data);
		if (r < 0)
			sf_conn_info(sf_conn_token(conn), "cannot withdraw %s "
				     "from the peer: %s",
				     sf_addr_to_str(addr, false, buf),
				     strerror(-r));
	}

	for (e = l_queue_get_entries(ctx.victims); e; e = e->next) {
		const struct sf_subflow_info *sf = e->data;

		r = sf_subflow_destroy(conn, &sf->local, &sf->remote, done,
				       user_data);
		if (r < 0)
			break;
		n++;
	}

	l_queue_destroy(ctx.victims, l_free);
	return r < 0 ? r : n;
}

int sf_addr_announce(struct sf_conn *conn, const struct sf_local_addr *addr,
		     uint16_t port, sf_cmd_done_func_t done, void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();
	struct sf_addr where;
	int r;

	r = check_userspace_conn(d, conn);
	if (r < 0)
		return r;

	if (!addr || !addr->id)
		return -EINVAL;

	if (!sf_iface_table_addr_eligible(sf_daemon_ifaces(d), &addr->addr))
		return -EADDRNOTAVAIL;

	where = addr->addr;
	where.port = port ? port : sf_conn_local(conn)->port;

	/* Joins to an announced address need a listener there. */
	r = sf_listeners_ensure(sf_daemon_listeners(d), &where,
				where.port == sf_conn_local(conn)->port ? 0 :
				sf_conn_token(conn));
	if (r < 0)
		return r;

	/* Announce the port only when it differs from the connection's. */
	if (where.port == sf_conn_local(conn)->port)
		where.port = 0;

	return cmd_send(d, sf_pmcmd_announce(sf_conn_token(conn), &where,
					     addr->id),
			cmd_new(CMD_KIND_OTHER, conn, "announce", done,
				user_data));
}

int sf_addr_remove(struct sf_conn *conn, uint8_t id,
		   sf_cmd_done_func_t done, void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();
	int r;

	r = check_userspace_conn(d, conn);
	if (r < 0)
		return r;

	if (!id)
		return -EINVAL;

	return cmd_send(d, sf_pmcmd_remove(sf_conn_token(conn), id),
			cmd_new(CMD_KIND_OTHER, conn, "remove address", done,
				user_data));
}

/* --- in-kernel PM --- */

int sf_endpoint_add(const struct sf_endpoint *ep, sf_cmd_done_func_t done,
		    void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();

	if (!ep)
		return -EINVAL;

	return cmd_send(d, sf_pmcmd_endpoint_add(ep),
			cmd_new(CMD_KIND_OTHER, NULL, "endpoint add", done,
				user_data));
}

int sf_endpoint_del(uint8_t id, sf_cmd_done_func_t done, void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();

	if (!id)
		return -EINVAL;

	return cmd_send(d, sf_pmcmd_endpoint_del(id),
			cmd_new(CMD_KIND_OTHER, NULL, "endpoint delete", done,
				user_data));
}

int sf_endpoint_set_flags(uint8_t id, uint32_t flags, sf_cmd_done_func_t done,
			  void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();

	if (!id)
		return -EINVAL;

	return cmd_send(d, sf_pmcmd_endpoint_set_flags(id, flags),
			cmd_new(CMD_KIND_OTHER, NULL, "endpoint set flags", done,
				user_data));
}

int sf_limits_set(const struct sf_pm_limits *limits, sf_cmd_done_func_t done,
		  void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();

	if (!limits)
		return -EINVAL;

	return cmd_send(d, sf_pmcmd_set_limits(limits),
			cmd_new(CMD_KIND_OTHER, NULL, "set limits", done,
				user_data));
}

/* A query whose replies are collected before the caller hears of them. */
struct query {
	sf_endpoint_list_func_t list_func;
	sf_limits_func_t limits_func;
	void *user_data;
	struct sf_endpoint *eps;
	unsigned int n;
	int error;
	struct sf_pm_limits limits;
};

static void endpoint_list_reply(int error, const char *extack,
				struct l_genl_msg *msg, void *user_data)
{
	struct query *q = user_data;
	struct sf_endpoint ep;

	if (error < 0) {
		q->error = error;
	} else if (msg) {
		/* One endpoint per message; the end comes with msg NULL. */
		if (sf_pmcmd_parse_endpoint(msg, &ep) == 0) {
			q->eps = l_realloc(q->eps, (q->n + 1) * sizeof(ep));
			q->eps[q->n++] = ep;
		}
		return;
	}

	q->list_func(q->error, q->error ? NULL : q->eps,
		     q->error ? 0 : q->n, q->user_data);
	l_free(q->eps);
	l_free(q);
}

static int query_send(struct l_genl_msg *msg, bool dump,
		      sf_pm_reply_func_t reply, struct query *q)
{
	const struct sf_pm_transport *tx = sf_daemon_transport(sf_daemon_get());
	int r;

	if (!tx) {
		l_genl_msg_unref(msg);
		l_free(q);
		return -ENETDOWN;
	}

	r = tx->send(tx->ctx, msg, dump, reply, q);
	if (r < 0)
		l_free(q);

	return r;
}

int sf_endpoint_list(sf_endpoint_list_func_t func, void *user_data)
{
	struct query *q;

	if (!func)
		return -EINVAL;

	q = l_new(struct query, 1);
	q->list_func = func;
	q->user_data = user_data;
	return query_send(sf_pmcmd_endpoint_dump(), true, endpoint_list_reply, q);
}

static void limits_reply(int error, const char *extack, struct l_genl_msg *msg,
			 void *user_data)
{
	struct query *q = user_data;

	if (!error)
		error = msg ? sf_pmcmd_parse_limits(msg, &q->limits) : -EBADMSG;

	q->limits_func(error, error ? NULL : &q->limits, q->user_data);
	l_free(q);
}

int sf_limits_get(sf_limits_func_t func, void *user_data)
{
	struct query *q;

	if (!func)
		return -EINVAL;

	q = l_new(struct query, 1);
	q->limits_func = func;
	q->user_data = user_data;
	return query_send(sf_pmcmd_get_limits(), false, limits_reply, q);
}
