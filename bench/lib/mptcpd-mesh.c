/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mptcpd-mesh - a benchmark-only plugin for Debian's mptcpd 0.12, so that
 * mptcpd's core can be measured doing in userspace mode what subflowd's
 * fullmesh does: when a client connection is established, open one subflow
 * from every other IPv4 address mptcpd's network monitor knows to the
 * connection's remote address. Nothing else (no re-creation, no link
 * tracking): it measures mptcpd's event and command path, not a policy.
 * mptcpd 0.12 ships no plugin that does this (addr_adv only manages
 * in-kernel endpoints; sspi opens subflows only towards addresses the peer
 * announces).
 *
 * Built by bench/run against libmptcpd3-dev:
 *   cc -shared -fPIC -o mesh.so mptcpd-mesh.c
 */
#include <stdbool.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ell/queue.h>

#include <mptcpd/id_manager.h>
#include <mptcpd/network_monitor.h>
#include <mptcpd/path_manager.h>
#include <mptcpd/plugin.h>

struct mesh_ctx {
	struct mptcpd_pm *pm;
	mptcpd_token_t token;
	const struct sockaddr_in *laddr;
	const struct sockaddr *raddr;
};

static void mesh_addr(void *data, void *user_data)
{
	const struct sockaddr_in *sa = data;
	struct mesh_ctx *ctx = user_data;
	struct sockaddr_in local;
	mptcpd_aid_t id;

	if (sa->sin_family != AF_INET ||
	    sa->sin_addr.s_addr == ctx->laddr->sin_addr.s_addr)
		return;

	local = *sa;
	local.sin_port = 0;
	id = mptcpd_idm_get_id(mptcpd_pm_get_idm(ctx->pm),
			       (const struct sockaddr *)&local);
	if (id)
		mptcpd_pm_add_subflow(ctx->pm, ctx->token, id, 0,
				      (const struct sockaddr *)&local,
				      ctx->raddr, false);
}

static void mesh_iface(const struct mptcpd_interface *i, void *data)
{
	l_queue_foreach(i->addrs, mesh_addr, data);
}

static void mesh_established(mptcpd_token_t token, const struct sockaddr *laddr,
			     const struct sockaddr *raddr, bool server_side,
			     struct mptcpd_pm *pm)
{
	struct mesh_ctx ctx = {
		.pm = pm, .token = token,
		.laddr = (const struct sockaddr_in *)laddr, .raddr = raddr,
	};

	if (server_side || laddr->sa_family != AF_INET)
		return;
	mptcpd_nm_foreach_interface(mptcpd_pm_get_nm(pm), mesh_iface, &ctx);
}

static const struct mptcpd_plugin_ops mesh_ops = {
	.connection_established = mesh_established,
};

static int mesh_init(struct mptcpd_pm *pm)
{
	(void)pm;
	return mptcpd_plugin_register_ops("sfbench_mesh", &mesh_ops) ? 0 : -1;
}

static void mesh_exit(struct mptcpd_pm *pm)
{
	(void)pm;
}

MPTCPD_PLUGIN_DEFINE(sfbench_mesh, "subflowd benchmark: one subflow per address",
		     MPTCPD_PLUGIN_PRIORITY_DEFAULT, mesh_init, mesh_exit)
