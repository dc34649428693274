/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The plugin API of <subflowd/plugin.h> that needs the daemon: queries of
 * its tables and the commands plugins send to the kernel. Commands are
 * checked here (duplicates, limits, eligibility), built by pmcmd.c and leave
 * through the daemon's one transport; their outcome comes back to the
 * plugin's completion callback.
 */
#include <errno.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "pmcmd.h"
#include "util.h"

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

	sf_config_iface_policy(sf_daemon_config(d), name ? name : "",
			       ret_policy);
}

/* --- commands --- */

enum cmd_kind {
	CMD_KIND_SUBFLOW_CREATE,
	CMD_KIND_OTHER,
};

/* One command in flight. The connection is found again by token: it may
 * close before the kernel answers. */
struct cmd {
	enum cmd_kind kind;
	uint32_t token;
	struct sf_addr local;
	struct sf_addr remote;
	const char *what;
	sf_cmd_done_func_t done;
	void *user_data;
};

static void cmd_reply(int error, const char *extack, struct l_genl_msg *msg,
		      void *user_data)
{
	_auto_(l_free) struct cmd *cmd = user_data;
	struct sf_daemon *d = sf_daemon_get();
	struct sf_conn *conn;

	if (error < 0) {
		sf_daemon_counters(d)->commands_failed++;
		sf_conn_info(cmd->token, "%s failed: %s%s%s", cmd->what,
			     strerror(-error), extack ? ": " : "",
			     extack ? extack : "");
	}

	conn = sf_conn_table_lookup(sf_daemon_conns(d), cmd->token);

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

static struct cmd *cmd_new(enum cmd_kind kind, struct sf_conn *conn,
			   const char *what, sf_cmd_done_func_t done,
			   void *user_data)
{
	struct cmd *cmd = l_new(struct cmd, 1);

	cmd->kind = kind;
	cmd->token = sf_conn_token(conn);
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

int sf_subflow_create(struct sf_conn *conn, const struct sf_addr *local,
		      const struct sf_addr *remote, bool backup,
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

	if (sf_conn_subflow_exists(conn, &info.local, &info.remote))
		return -EALREADY;

	if (sf_conn_subflow_count(conn) >= sf_daemon_config(d)->max_subflows)
		return -ENOSPC;

	info.ifindex = sf_iface_table_find_addr(sf_daemon_ifaces(d),
						&info.local);

	cmd = cmd_new(CMD_KIND_SUBFLOW_CREATE, conn, "subflow create", done,
		      user_data);
	cmd->local = info.local;
	cmd->remote = info.remote;

	r = cmd_send(d, sf_pmcmd_subflow_create(sf_conn_token(conn),
						&info.local, info.local_id,
						backup, &info.remote), cmd);
	if (r < 0)
		return r;

	return sf_conn_subflow_add_creating(conn, &info);
}

int sf_subflow_destroy(struct sf_conn *conn, const struct sf_addr *local,
		       const struct sf_addr *remote,
		       sf_cmd_done_func_t done, void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();
	int r;

	r = check_userspace_conn(d, conn);
	if (r < 0)
		return r;

	if (!local || !remote || !local->port || !remote->port)
		return -EINVAL;

	return cmd_send(d, sf_pmcmd_subflow_destroy(sf_conn_token(conn), local,
						    remote),
			cmd_new(CMD_KIND_OTHER, conn, "subflow destroy", done,
				user_data));
}

int sf_subflow_set_backup(struct sf_conn *conn, const struct sf_addr *local,
			  const struct sf_addr *remote, bool backup,
			  sf_cmd_done_func_t done, void *user_data)
{
	struct sf_daemon *d = sf_daemon_get();
	int r;

	r = check_userspace_conn(d, conn);
	if (r < 0)
		return r;

	if (!local || !remote || !local->port || !remote->port)
		return -EINVAL;

	return cmd_send(d, sf_pmcmd_subflow_set_backup(sf_conn_token(conn),
						       local, remote, backup),
			cmd_new(CMD_KIND_OTHER, conn, "set backup", done,
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
