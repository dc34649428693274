/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The queries of the plugin API (<subflowd/plugin.h>): the daemon's view of
 * connections, paths, interfaces and settings, and its log. Read-only: the
 * commands that change anything are api.c's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "api.h"
#include "daemon.h"
#include "log.h"

/* --- logging --- */

/* The one switch of plugins' debug lines (its file name is what -d
 * matches). */
bool sf_log_debug_on(void)
{
	return SF_DEBUG_ON();
}

void sf_log(int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	/* Debug lines cost nothing until -d turns them on. */
	if (level >= LOG_DEBUG && !sf_log_debug_on())
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

struct path_ctx {
	struct sf_conn *conn;
	const struct sf_local_addr *local;	/* NULL: every local address */
	const struct sf_addr *remote;		/* NULL: every remote address */
	sf_path_func_t func;
	void *user_data;
};

static void path_to(struct sf_conn *conn, uint8_t id,
		    const struct sf_addr *addr, void *user_data)
{
	const struct path_ctx *ctx = user_data;
	struct sf_addr remote = *addr;

	if (!remote.port)
		remote.port = sf_conn_remote(conn)->port;

	if (remote.family == ctx->local->addr.family)
		ctx->func(conn, ctx->local, &remote, ctx->user_data);
}

static void paths_from(const struct sf_local_addr *local, void *user_data)
{
	struct path_ctx ctx = *(const struct path_ctx *) user_data;

	ctx.local = local;
	if (ctx.remote) {
		path_to(ctx.conn, 0, ctx.remote, &ctx);
		return;
	}

	if (sf_conn_initial_addr_joinable(ctx.conn))
		path_to(ctx.conn, 0, sf_conn_remote(ctx.conn), &ctx);
	sf_conn_foreach_remote_addr(ctx.conn, path_to, &ctx);
}

void sf_conn_foreach_path(struct sf_conn *conn,
			  const struct sf_local_addr *local,
			  const struct sf_addr *remote, sf_path_func_t func,
			  void *user_data)
{
	struct path_ctx ctx = { conn, NULL, remote, func, user_data };

	if (local)
		paths_from(local, &ctx);
	else
		sf_local_addr_foreach(paths_from, &ctx);
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
