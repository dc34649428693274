/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.subflowd.Connection1 at /org/subflowd/connection/<token>: one MPTCP
 * connection, its subflows and the peer's addresses. Methods act through
 * the public plugin command API and reply once the kernel has answered.
 */
#include <errno.h>
#include <string.h>

#include "dbus-private.h"
#include "log.h"
#include "util.h"

const char *const sf_dbus_conn_changing[] = {
	"Established", "Policy", "Subflows", "RemoteAddresses", NULL,
};

/* The connection behind a property read or call; -ENOENT if it is gone
 * (it never is while its object is published). */
static int conn_of(void *userdata, struct sf_conn **ret_conn,
		   sd_bus_error *ret_error)
{
	struct sf_dbus_conn *conn = userdata;

	*ret_conn = sf_dbus_conn_lookup(conn);
	if (*ret_conn)
		return 0;

	sd_bus_error_setf(ret_error, SD_BUS_ERROR_UNKNOWN_OBJECT,
			  "connection %08x is gone", conn->token);
	return -ENOENT;
}

/* --- properties ------------------------------------------------------------ */

#define GETTER(fn)							\
	static int fn(sd_bus *bus, const char *path,			\
		      const char *interface, const char *property,	\
		      sd_bus_message *reply, void *userdata,		\
		      sd_bus_error *ret_error)

/*
 * Values appended one by one (sd_bus_message_append_basic): a format
 * string costs sd-bus its parsing at each call, a few thousand
 * instructions for a subflow. These are read for every connection
 * published and listed.
 */
static int append_u32(sd_bus_message *reply, uint32_t v)
{
	return sd_bus_message_append_basic(reply, 'u', &v);
}

static int append_u16(sd_bus_message *reply, uint16_t v)
{
	return sd_bus_message_append_basic(reply, 'q', &v);
}

static int append_u8(sd_bus_message *reply, uint8_t v)
{
	return sd_bus_message_append_basic(reply, 'y', &v);
}

static int append_bool(sd_bus_message *reply, bool v)
{
	int b = v;

	return sd_bus_message_append_basic(reply, 'b', &b);
}

static int append_addr(sd_bus_message *reply, const struct sf_addr *addr)
{
	char buf[SF_ADDR_STRLEN];

	return sd_bus_message_append_basic(reply, 's',
					   addr->family == AF_UNSPEC ? "" :
					   sf_addr_to_str(addr, false, buf));
}

GETTER(get_token)
{
	struct sf_dbus_conn *conn = userdata;

	return append_u32(reply, conn->token);
}

GETTER(get_local_address)
{
	struct sf_conn *c;
	int r = conn_of(userdata, &c, ret_error);

	return r < 0 ? r : append_addr(reply, sf_conn_local(c));
}

GETTER(get_local_port)
{
	struct sf_conn *c;
	int r = conn_of(userdata, &c, ret_error);

	return r < 0 ? r : append_u16(reply, sf_conn_local(c)->port);
}

GETTER(get_remote_address)
{
	struct sf_conn *c;
	int r = conn_of(userdata, &c, ret_error);

	return r < 0 ? r : append_addr(reply, sf_conn_remote(c));
}

GETTER(get_remote_port)
{
	struct sf_conn *c;
	int r = conn_of(userdata, &c, ret_error);

	return r < 0 ? r : append_u16(reply, sf_conn_remote(c)->port);
}

GETTER(get_server_side)
{
	struct sf_conn *c;
	int r = conn_of(userdata, &c, ret_error);

	return r < 0 ? r : append_bool(reply, sf_conn_server_side(c));
}

GETTER(get_established)
{
	struct sf_conn *c;
	int r = conn_of(userdata, &c, ret_error);

	return r < 0 ? r : append_bool(reply, sf_conn_established(c));
}

GETTER(get_policy)
{
	struct sf_conn *c;
	int r = conn_of(userdata, &c, ret_error);

	return r < 0 ? r : sd_bus_message_append_basic(reply, 's',
						       sf_conn_policy(c) ?: "");
}

struct append_ctx {
	sd_bus_message *reply;
	int r;
};

static void append_subflow(struct sf_conn *conn,
			   const struct sf_subflow_info *sf, void *user_data)
{
	struct append_ctx *ctx = user_data;
	sd_bus_message *m = ctx->reply;
	int r;

	/* Only what the kernel reported: a subflow being created has no
	 * local port yet. */
	if (ctx->r < 0 || sf_conn_subflow_state(conn, sf) !=
			SF_SUBFLOW_STATE_ESTABLISHED)
		return;

	r = sd_bus_message_open_container(m, 'r', "sqsqbuyy");
	if (r >= 0)
		r = append_addr(m, &sf->local);
	if (r >= 0)
		r = append_u16(m, sf->local.port);
	if (r >= 0)
		r = append_addr(m, &sf->remote);
	if (r >= 0)
		r = append_u16(m, sf->remote.port);
	if (r >= 0)
		r = append_bool(m, sf->backup);
	if (r >= 0)
		r = append_u32(m, (uint32_t)sf->ifindex);
	if (r >= 0)
		r = append_u8(m, sf->local_id);
	if (r >= 0)
		r = append_u8(m, sf->remote_id);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	ctx->r = r;
}

GETTER(get_subflows)
{
	struct append_ctx ctx = { reply, 0 };
	struct sf_conn *c;
	int r = conn_of(userdata, &c, ret_error);

	if (r < 0)
		return r;

	r = sd_bus_message_open_container(reply, 'a', "(sqsqbuyy)");
	if (r < 0)
		return r;

	sf_conn_foreach_subflow(c, append_subflow, &ctx);
	if (ctx.r < 0)
		return ctx.r;

	return sd_bus_message_close_container(reply);
}

static void append_remote_addr(struct sf_conn *conn, uint8_t id,
			       const struct sf_addr *addr, void *user_data)
{
	struct append_ctx *ctx = user_data;
	sd_bus_message *m = ctx->reply;
	int r;

	if (ctx->r < 0)
		return;

	r = sd_bus_message_open_container(m, 'r', "ysq");
	if (r >= 0)
		r = append_u8(m, id);
	if (r >= 0)
		r = append_addr(m, addr);
	if (r >= 0)
		r = append_u16(m, addr->port);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	ctx->r = r;
}

GETTER(get_remote_addresses)
{
	struct append_ctx ctx = { reply, 0 };
	struct sf_conn *c;
	int r = conn_of(userdata, &c, ret_error);

	if (r < 0)
		return r;

	r = sd_bus_message_open_container(reply, 'a', "(ysq)");
	if (r < 0)
		return r;

	sf_conn_foreach_remote_addr(c, append_remote_addr, &ctx);
	if (ctx.r < 0)
		return ctx.r;

	return sd_bus_message_close_container(reply);
}

GETTER(get_owner)
{
	uid_t uid;

	if (!sf_dbus_conn_owner(userdata, &uid))
		uid = (uid_t)-1;

	return append_u32(reply, (uint32_t)uid);
}

/* --- methods --------------------------------------------------------------- */

/*
 * Common start of every method: the connection, and may the caller? 0: go
 * on; else the handler returns it (< 0: refused; 1: put off until the bus
 * has said who the caller is, the call runs again then).
 */
static int method_begin(sd_bus_message *m, void *userdata,
			struct sf_conn **ret_conn, sd_bus_error *ret_error)
{
	struct sf_dbus_conn *conn = userdata;
	int r;

	r = conn_of(userdata, ret_conn, ret_error);
	if (r < 0)
		return r;

	return sf_dbus_check_access(conn->dbus, m, conn, ret_error);
}

/* A command the API refused before sending: the named errno error. */
static int refused(sd_bus_error *ret_error, int error, const char *what,
		   const char *detail)
{
	return sf_dbus_error_errno(ret_error, error, detail, what);
}

/* Send one command for call; on refusal drop the call and fail. */
static int call_sent(struct sf_dbus_call *call, int r, const char *detail,
		     sd_bus_error *ret_error)
{
	if (r < 0) {
		const char *what = call->what;

		sf_dbus_call_free(call);
		return refused(ret_error, r, what, detail);
	}

	call->outstanding++;
	return 1;
}

/* Read "s q" (address and port); port_name NULL: no port follows. */
static int read_endpoint(sd_bus_message *m, const char *addr_name,
			 const char *port_name, sa_family_t family,
			 const char *other, struct sf_addr *ret_addr,
			 sd_bus_error *ret_error)
{
	const char *str;
	uint16_t port = 0;
	int r;

	r = sd_bus_message_read(m, "s", &str);
	if (r < 0)
		return r;

	if (port_name) {
		r = sd_bus_message_read(m, "q", &port);
		if (r < 0)
			return r;
	}

	r = sf_dbus_parse_addr_arg(addr_name, str, family, other, ret_addr,
				   ret_error);
	if (r < 0)
		return r;

	if (port_name && !port)
		return sf_dbus_error_invalid(ret_error, "%s: must not be 0",
					     port_name);

	ret_addr->port = port;
	return 0;
}

static int method_create_subflow(sd_bus_message *m, void *userdata,
				 sd_bus_error *ret_error)
{
	struct sf_dbus_conn *conn = userdata;
	struct sf_addr local, remote;
	struct sf_dbus_call *call;
	struct sf_conn *c;
	uint16_t port;
	int backup, r;

	r = method_begin(m, userdata, &c, ret_error);
	if (r != 0)
		return r;

	r = read_endpoint(m, "local_addr", NULL, AF_UNSPEC, NULL, &local,
			  ret_error);
	if (r < 0)
		return r;

	r = read_endpoint(m, "remote_addr", NULL, local.family, "local_addr",
			  &remote, ret_error);
	if (r < 0)
		return r;

	r = sd_bus_message_read(m, "qb", &port, &backup);
	if (r < 0)
		return r;

	/* 0: the connection's remote port. */
	remote.port = port;

	call = sf_dbus_call_new(conn->dbus, m, "CreateSubflow");
	r = sf_subflow_create(c, &local, &remote, backup, sf_dbus_call_done,
			      call, NULL);
	return call_sent(call, r, r == -EADDRNOTAVAIL ? "local_addr is not an "
			 "eligible local address" : r == -EALREADY ?
			 "that subflow exists or is being created" : r ==
			 -ENOSPC ? "[core] max-subflows reached" : NULL,
			 ret_error);
}

static int method_remove_subflow(sd_bus_message *m, void *userdata,
				 sd_bus_error *ret_error)
{
	struct sf_dbus_conn *conn = userdata;
	struct sf_addr local, remote;
	struct sf_dbus_call *call;
	struct sf_conn *c;
	int r;

	r = method_begin(m, userdata, &c, ret_error);
	if (r != 0)
		return r;

	r = read_endpoint(m, "local_addr", "local_port", AF_UNSPEC, NULL,
			  &local, ret_error);
	if (r < 0)
		return r;

	r = read_endpoint(m, "remote_addr", "remote_port", local.family,
			  "local_addr", &remote, ret_error);
	if (r < 0)
		return r;

	call = sf_dbus_call_new(conn->dbus, m, "RemoveSubflow");
	r = sf_subflow_destroy(c, &local, &remote, sf_dbus_call_done, call,
			       NULL);
	return call_sent(call, r, NULL, ret_error);
}

/* One SET_FLAGS in flight; the core updates the daemon's view (and so the
 * Subflows property) when the kernel accepts it. */
static int send_backup(struct sf_dbus_call *call, struct sf_conn *c,
		       const struct sf_addr *local,
		       const struct sf_addr *remote, bool backup)
{
	int r;

	r = sf_subflow_set_backup(c, local, remote, backup, sf_dbus_call_done,
				  call, NULL);
	if (r > 0)
		call->outstanding++;

	return r;
}

static int method_set_backup(sd_bus_message *m, void *userdata,
			     sd_bus_error *ret_error)
{
	struct sf_dbus_conn *conn = userdata;
	struct sf_addr local, remote;
	struct sf_dbus_call *call;
	struct sf_conn *c;
	int backup, r;

	r = method_begin(m, userdata, &c, ret_error);
	if (r != 0)
		return r;

	r = read_endpoint(m, "local_addr", "local_port", AF_UNSPEC, NULL,
			  &local, ret_error);
	if (r < 0)
		return r;

	r = read_endpoint(m, "remote_addr", "remote_port", local.family,
			  "local_addr", &remote, ret_error);
	if (r < 0)
		return r;

	r = sd_bus_message_read(m, "b", &backup);
	if (r < 0)
		return r;

	call = sf_dbus_call_new(conn->dbus, m, "SetBackup");
	r = send_backup(call, c, &local, &remote, backup);
	if (r < 0) {
		sf_dbus_call_free(call);
		return refused(ret_error, r, "SetBackup", NULL);
	}

	return 1;
}

struct find_local_ctx {
	const struct sf_addr *addr;
	struct sf_local_addr found;
	bool ok;
};

static void find_local(const struct sf_local_addr *addr, void *user_data)
{
	struct find_local_ctx *ctx = user_data;

	if (!ctx->ok && sf_addr_ip_equal(&addr->addr, ctx->addr)) {
		ctx->found = *addr;
		ctx->found.ifname = NULL;
		ctx->ok = true;
	}
}

static int method_announce(sd_bus_message *m, void *userdata,
			   sd_bus_error *ret_error)
{
	struct sf_dbus_conn *conn = userdata;
	struct find_local_ctx ctx = { 0 };
	struct sf_dbus_call *call;
	struct sf_addr addr;
	struct sf_conn *c;
	const char *str;
	uint16_t port;
	int r;

	r = method_begin(m, userdata, &c, ret_error);
	if (r != 0)
		return r;

	r = sd_bus_message_read(m, "sq", &str, &port);
	if (r < 0)
		return r;

	r = sf_dbus_parse_addr_arg("addr", str, AF_UNSPEC, NULL, &addr,
				   ret_error);
	if (r < 0)
		return r;

	ctx.addr = &addr;
	sf_local_addr_foreach(find_local, &ctx);
	if (!ctx.ok)
		return sf_dbus_error_invalid(ret_error, "addr: %s is not an "
					     "eligible local address", str);

	/*
	 * Another port makes the daemon listen there, with its
	 * CAP_NET_BIND_SERVICE: below 1024, only for those who may change
	 * settings, not for a connection's owner as such.
	 */
	if (port && port < 1024 && port != sf_conn_local(c)->port) {
		r = sf_dbus_check_access(conn->dbus, m, NULL, ret_error);
		if (r != 0)
			return r;
	}

	call = sf_dbus_call_new(conn->dbus, m, "Announce");
	r = sf_addr_announce(c, &ctx.found, port, sf_dbus_call_done, call,
			     NULL);
	return call_sent(call, r, NULL, ret_error);
}

static int method_remove_address(sd_bus_message *m, void *userdata,
				 sd_bus_error *ret_error)
{
	struct sf_dbus_conn *conn = userdata;
	struct sf_dbus_call *call;
	struct sf_conn *c;
	uint8_t id;
	int r;

	r = method_begin(m, userdata, &c, ret_error);
	if (r != 0)
		return r;

	r = sd_bus_message_read(m, "y", &id);
	if (r < 0)
		return r;

	if (!id)
		return sf_dbus_error_invalid(ret_error, "id: must be 1..255 "
					     "(0 is the initial address)");

	call = sf_dbus_call_new(conn->dbus, m, "RemoveAddress");
	r = sf_addr_remove(c, id, sf_dbus_call_done, call, NULL);
	return call_sent(call, r, NULL, ret_error);
}

static int method_set_policy(sd_bus_message *m, void *userdata,
			     sd_bus_error *ret_error)
{
	struct sf_dbus_conn *conn = userdata;
	struct sf_daemon *daemon = conn->dbus->daemon;
	struct sf_conn *c;
	const char *name;
	int r;

	r = method_begin(m, userdata, &c, ret_error);
	if (r != 0)
		return r;

	r = sd_bus_message_read(m, "s", &name);
	if (r < 0)
		return r;

	r = sf_daemon_set_conn_policy(daemon, c, name);
	if (r < 0)
		return sf_dbus_error_policy(conn->dbus, "name", name, r,
					    ret_error, "SetPolicy");

	return sd_bus_reply_method_return(m, NULL);
}

#define EMITS SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
#define CONST SD_BUS_VTABLE_PROPERTY_CONST
#define UNPRIV SD_BUS_VTABLE_UNPRIVILEGED

const sd_bus_vtable sf_dbus_conn_vtable[] = {
	SD_BUS_VTABLE_START(UNPRIV),
	SD_BUS_PROPERTY("Token", "u", get_token, 0, CONST),
	SD_BUS_PROPERTY("LocalAddress", "s", get_local_address, 0, CONST),
	SD_BUS_PROPERTY("LocalPort", "q", get_local_port, 0, CONST),
	SD_BUS_PROPERTY("RemoteAddress", "s", get_remote_address, 0, CONST),
	SD_BUS_PROPERTY("RemotePort", "q", get_remote_port, 0, CONST),
	SD_BUS_PROPERTY("ServerSide", "b", get_server_side, 0, CONST),
	SD_BUS_PROPERTY("Established", "b", get_established, 0, EMITS),
	SD_BUS_PROPERTY("Policy", "s", get_policy, 0, EMITS),
	SD_BUS_PROPERTY("Subflows", "a(sqsqbuyy)", get_subflows, 0, EMITS),
	/* Signalled at most once a second, by dbus-health.c. */
	SD_BUS_PROPERTY("SubflowStats", "a(sqsqa{sv})",
			sf_dbus_get_subflow_stats, 0, EMITS),
	SD_BUS_PROPERTY("RemoteAddresses", "a(ysq)", get_remote_addresses, 0,
			EMITS),
	/* Looked up from the kernel when read: no signal. */
	SD_BUS_PROPERTY("Owner", "u", get_owner, 0, 0),
	SD_BUS_METHOD_WITH_NAMES("CreateSubflow", "ssqb",
				 SD_BUS_PARAM(local_addr)
				 SD_BUS_PARAM(remote_addr)
				 SD_BUS_PARAM(remote_port)
				 SD_BUS_PARAM(backup),
				 "", , method_create_subflow, UNPRIV),
	SD_BUS_METHOD_WITH_NAMES("RemoveSubflow", "sqsq",
				 SD_BUS_PARAM(local_addr)
				 SD_BUS_PARAM(local_port)
				 SD_BUS_PARAM(remote_addr)
				 SD_BUS_PARAM(remote_port),
				 "", , method_remove_subflow, UNPRIV),
	SD_BUS_METHOD_WITH_NAMES("SetBackup", "sqsqb",
				 SD_BUS_PARAM(local_addr)
				 SD_BUS_PARAM(local_port)
				 SD_BUS_PARAM(remote_addr)
				 SD_BUS_PARAM(remote_port)
				 SD_BUS_PARAM(backup),
				 "", , method_set_backup, UNPRIV),
	SD_BUS_METHOD_WITH_NAMES("Announce", "sq",
				 SD_BUS_PARAM(addr) SD_BUS_PARAM(port),
				 "", , method_announce, UNPRIV),
	SD_BUS_METHOD_WITH_NAMES("RemoveAddress", "y", SD_BUS_PARAM(id),
				 "", , method_remove_address, UNPRIV),
	SD_BUS_METHOD_WITH_NAMES("SetPolicy", "s", SD_BUS_PARAM(name),
				 "", , method_set_policy, UNPRIV),
	SD_BUS_VTABLE_END,
};
