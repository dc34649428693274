/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The commands of the plugin API (<subflowd/plugin.h>) that plugins send to
 * the kernel. Commands are checked here (duplicates, limits, eligibility),
 * built by pmcmd.c and leave through the daemon's one transport; their
 * outcome comes back to the plugin's completion callback. The queries of
 * the daemon's tables are api-query.c's; timers and per-connection data
 * api-state.c's.
 */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "api.h"
#include "daemon.h"
#include "log.h"
#include "pmcmd.h"
#include "sockdiag.h"
#include "util.h"

/* --- commands --- */

enum cmd_kind {
	CMD_KIND_SUBFLOW_CREATE,
	CMD_KIND_SET_BACKUP,
	CMD_KIND_SUBFLOW_DESTROY,
	CMD_KIND_ENDPOINT_LIST,
	CMD_KIND_LIMITS_GET,
	CMD_KIND_STATS,		/* a sock_diag query, not a kernel command */
	CMD_KIND_OTHER,
};

/*
 * One command in flight, from the send until the kernel's answer ends it.
 * The connection is found again by token: it may close before the kernel
 * answers. The caller's part (id, callbacks, user_data) may end earlier:
 * cancelled, or ended with -ECANCELED (sf_api_cancel_conn(),
 * sf_api_cancel_code()); the daemon's part still waits for the answer.
 */
struct cmd {
	enum cmd_kind kind;
	uint32_t token;
	struct sf_addr local;		/* announce: what is announced */
	struct sf_addr remote;
	bool backup;
	uint8_t addr_id;		/* announce */
	const char *what;
	/* The caller's; linked in `callers` while it has a callback. */
	int id;
	sf_cmd_done_func_t done;
	sf_endpoint_list_func_t list_func;
	sf_limits_func_t limits_func;
	sf_subflow_stats_func_t stats_func;
	sf_destroy_func_t destroy;
	void *user_data;
	struct cmd *prev, *next;
	/* What a query's replies carried so far. */
	struct sf_endpoint *eps;
	unsigned int n_eps;
	struct sf_pm_limits limits;
	bool has_limits;
	const struct sf_subflow_stats *stats;	/* during stats_func */
};

/* Commands whose caller waits for a callback, oldest first. Commands sent
 * without callbacks (most policies' subflow commands) cost nothing here. */
static struct cmd *callers_head, *callers_tail;
/*
 * token -> how many of its commands are in `callers`, so that closing a
 * connection without any costs one lookup, not a walk. An open-addressing
 * array (linear probing on the token, backward-shift deletion, at most 3/4
 * full; token 0, a namespace-wide command, is never counted): a server
 * links and unlinks one caller per connection, which must not allocate
 * and clear a 4 kB ELL hashmap each time. The smallest array is static;
 * a larger one, for a burst, is allocated and shrinks back as it empties.
 */
struct caller_token {
	uint32_t token;			/* 0: empty slot */
	unsigned int n;
};

#define CALLER_TOKENS_MIN_BITS 3

static struct caller_token caller_tokens_min[1u << CALLER_TOKENS_MIN_BITS];
static struct caller_token *caller_tokens = caller_tokens_min;
static unsigned int caller_tokens_bits = CALLER_TOKENS_MIN_BITS;
static unsigned int caller_tokens_count;
/* The last id given (ids are 1..INT_MAX, then again from 1). */
static int last_id;

/* Queries are neither counted nor logged as commands. */
static bool cmd_is_query(const struct cmd *cmd)
{
	return cmd->kind == CMD_KIND_ENDPOINT_LIST ||
	       cmd->kind == CMD_KIND_LIMITS_GET || cmd->kind == CMD_KIND_STATS;
}

static bool cmd_has_caller(const struct cmd *cmd)
{
	return cmd->done || cmd->list_func || cmd->limits_func ||
	       cmd->stats_func || cmd->destroy;
}

static uint32_t caller_tokens_mask(void)
{
	return (1u << caller_tokens_bits) - 1;
}

/* Fibonacci hashing, as the connection table does. */
static uint32_t caller_tokens_home(uint32_t token)
{
	return (uint32_t)(token * 0x9e3779b1u) >> (32 - caller_tokens_bits);
}

/* The slot holding token, or the empty slot where it would go. */
static uint32_t caller_tokens_probe(uint32_t token)
{
	uint32_t i = caller_tokens_home(token);

	while (caller_tokens[i].token && caller_tokens[i].token != token)
		i = (i + 1) & caller_tokens_mask();

	return i;
}

static void caller_tokens_resize(unsigned int bits)
{
	struct caller_token *old = caller_tokens;
	uint32_t old_size = 1u << caller_tokens_bits;

	caller_tokens_bits = bits;
	if (bits == CALLER_TOKENS_MIN_BITS) {
		caller_tokens = caller_tokens_min;
		memset(caller_tokens_min, 0, sizeof(caller_tokens_min));
	} else {
		caller_tokens = l_new(struct caller_token, 1u << bits);
	}

	for (uint32_t i = 0; i < old_size; i++)
		if (old[i].token)
			caller_tokens[caller_tokens_probe(old[i].token)] = old[i];

	if (old != caller_tokens_min)
		l_free(old);
}

/* Empty slot i and close the gap behind it (as conn.c's table does). */
static void caller_tokens_clear_slot(uint32_t i)
{
	uint32_t mask = caller_tokens_mask();
	uint32_t j = i;

	caller_tokens[i].token = 0;

	for (;;) {
		uint32_t home;

		j = (j + 1) & mask;
		if (!caller_tokens[j].token)
			return;

		/* Stays when its home lies cyclically in (i, j]. */
		home = caller_tokens_home(caller_tokens[j].token);
		if (((j - home) & mask) < ((j - i) & mask))
			continue;

		caller_tokens[i] = caller_tokens[j];
		caller_tokens[j].token = 0;
		i = j;
	}
}

static bool caller_tokens_has(uint32_t token)
{
	return token && caller_tokens[caller_tokens_probe(token)].token;
}

static void caller_tokens_add(uint32_t token)
{
	uint32_t i;

	if (!token)
		return;

	i = caller_tokens_probe(token);
	if (caller_tokens[i].token) {
		caller_tokens[i].n++;
		return;
	}

	if ((caller_tokens_count + 1) * 4 > (3u << caller_tokens_bits)) {
		caller_tokens_resize(caller_tokens_bits + 1);
		i = caller_tokens_probe(token);
	}

	caller_tokens[i] = (struct caller_token) { token, 1 };
	caller_tokens_count++;
}

static void caller_tokens_drop(uint32_t token)
{
	uint32_t i;

	if (!token)
		return;

	i = caller_tokens_probe(token);
	if (!caller_tokens[i].token || --caller_tokens[i].n)
		return;

	caller_tokens_clear_slot(i);
	caller_tokens_count--;
	if (caller_tokens_bits > CALLER_TOKENS_MIN_BITS &&
	    caller_tokens_count * 8 < (1u << caller_tokens_bits))
		caller_tokens_resize(caller_tokens_bits - 1);
}

static void caller_link(struct cmd *cmd)
{
	caller_tokens_add(cmd->token);
	cmd->prev = callers_tail;
	if (callers_tail)
		callers_tail->next = cmd;
	else
		callers_head = cmd;
	callers_tail = cmd;
}

/* Forget the caller: no callback of it runs after this. */
static void caller_unlink(struct cmd *cmd)
{
	if (!cmd_has_caller(cmd))
		return;

	caller_tokens_drop(cmd->token);
	if (cmd->prev)
		cmd->prev->next = cmd->next;
	else
		callers_head = cmd->next;
	if (cmd->next)
		cmd->next->prev = cmd->prev;
	else
		callers_tail = cmd->prev;
	cmd->prev = cmd->next = NULL;
	cmd->done = NULL;
	cmd->list_func = NULL;
	cmd->limits_func = NULL;
	cmd->stats_func = NULL;
	cmd->destroy = NULL;
}

/* The caller's callback, then its destroy, each once: the caller is
 * forgotten first, so neither can run again, whatever they do. */
static void caller_end(struct cmd *cmd, int error, const char *extack)
{
	struct cmd caller = *cmd;

	if (!cmd_has_caller(cmd))
		return;

	caller_unlink(cmd);

	if (caller.done)
		caller.done(error, extack, caller.user_data);
	if (caller.list_func)
		caller.list_func(error, error ? NULL : caller.eps,
				 error ? 0 : caller.n_eps, caller.user_data);
	if (caller.limits_func)
		caller.limits_func(error, error ? NULL : &caller.limits,
				   caller.user_data);
	if (caller.stats_func)
		caller.stats_func(error, error ? NULL : caller.stats,
				  caller.user_data);
	if (caller.destroy)
		caller.destroy(caller.user_data);
}

/* The pending caller of command id, or NULL. */
static struct cmd *caller_find(int id)
{
	struct cmd *cmd;

	for (cmd = callers_head; cmd; cmd = cmd->next)
		if (cmd->id == id)
			return cmd;

	return NULL;
}

int sf_cmd_cancel(int id)
{
	struct cmd *cmd = id > 0 ? caller_find(id) : NULL;
	sf_destroy_func_t destroy;
	void *user_data;

	if (!cmd)
		return -ENOENT;

	destroy = cmd->destroy;
	user_data = cmd->user_data;
	caller_unlink(cmd);
	if (destroy)
		destroy(user_data);
	return 0;
}

typedef bool (*caller_match_func_t)(const struct cmd *cmd,
				    const void *match_data);

/*
 * End with -ECANCELED every caller that match picks among those there now
 * (not those its callbacks add by sending more). Each is looked up again
 * before it ends: a callback may have ended or cancelled it meanwhile.
 */
static void callers_cancel(caller_match_func_t match, const void *match_data)
{
	_auto_(l_free) int *ids = NULL;
	unsigned int n = 0;
	struct cmd *cmd;

	for (cmd = callers_head; cmd; cmd = cmd->next)
		if (match(cmd, match_data)) {
			ids = l_realloc(ids, (n + 1) * sizeof(*ids));
			ids[n++] = cmd->id;
		}

	for (unsigned int i = 0; i < n; i++)
		if ((cmd = caller_find(ids[i])))
			caller_end(cmd, -ECANCELED, NULL);
}

static bool of_token(const struct cmd *cmd, const void *match_data)
{
	return cmd->token && cmd->token == *(const uint32_t *) match_data;
}

void sf_api_cancel_conn(uint32_t token)
{
	const struct sf_pm_transport *tx = sf_daemon_transport(sf_daemon_get());

	/* Most connections close with no caller waiting: no work then. */
	if (!caller_tokens_has(token))
		return;

	/* What the kernel has answered already ends with its answer. */
	if (tx && tx->read_answers)
		tx->read_answers(tx->ctx);
	callers_cancel(of_token, &token);
}

/* Is addr code of the object whose base address is base? */
static bool code_in(const void *addr, const void *base)
{
	Dl_info info;

	return addr && dladdr(addr, &info) && info.dli_fbase == base;
}

static bool of_object(const struct cmd *cmd, const void *base)
{
	return code_in((const void *) cmd->done, base) ||
	       code_in((const void *) cmd->list_func, base) ||
	       code_in((const void *) cmd->limits_func, base) ||
	       code_in((const void *) cmd->stats_func, base) ||
	       code_in((const void *) cmd->destroy, base);
}

void sf_api_cancel_code(const void *addr)
{
	Dl_info info;

	if (dladdr(addr, &info) && info.dli_fbase)
		callers_cancel(of_object, info.dli_fbase);
}

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

/* One message of a query's answer: kept for the caller. */
static void cmd_reply_message(struct cmd *cmd, const struct nlmsghdr *nlh)
{
	struct sf_endpoint ep;

	switch (cmd->kind) {
	case CMD_KIND_ENDPOINT_LIST:
		/* One endpoint per message. */
		if (sf_pmcmd_parse_endpoint(nlh, &ep) == 0) {
			cmd->eps = l_realloc(cmd->eps,
					     (cmd->n_eps + 1) * sizeof(ep));
			cmd->eps[cmd->n_eps++] = ep;
		}
		break;
	case CMD_KIND_LIMITS_GET:
		cmd->has_limits = !cmd->has_limits &&
				  sf_pmcmd_parse_limits(nlh, &cmd->limits) == 0;
		break;
	case CMD_KIND_STATS:
	case CMD_KIND_SUBFLOW_CREATE:
	case CMD_KIND_SET_BACKUP:
	case CMD_KIND_SUBFLOW_DESTROY:
	case CMD_KIND_OTHER:
		break;
	}
}

/*
 * The kernel no longer knows the command's connection: it closed while the
 * command was on its way, which a busy server sees for a share of its
 * short connections. Its CLOSED event follows; the refusal is logged at
 * debug level only.
 */
static bool conn_gone_in_kernel(int error, const char *extack)
{
	return error == -EINVAL && extack && !strcmp(extack, "invalid token");
}

/* The daemon's own part of the kernel's answer: counters, log, tables. */
static void cmd_apply(struct sf_daemon *d, const struct cmd *cmd, int error,
		      const char *extack)
{
	struct sf_conn *conn;

	/* Cancelled: the daemon is going, nothing was refused. */
	if (error == -ECANCELED || cmd_is_query(cmd))
		return;

	if (error < 0) {
		sf_daemon_counters(d)->commands_failed++;
		if (cmd->token && conn_gone_in_kernel(error, extack))
			sf_conn_debug(cmd->token, "%s failed: %s%s%s",
				      cmd->what, strerror(-error), ": ", extack);
		else if (cmd->token)
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
	case CMD_KIND_ENDPOINT_LIST:
	case CMD_KIND_LIMITS_GET:
	case CMD_KIND_STATS:
	case CMD_KIND_OTHER:
		break;
	}
}

/* The transport's reply: the messages of the answer, then its end. */
static void cmd_reply(int error, const char *extack, const struct nlmsghdr *nlh,
		      void *user_data)
{
	struct cmd *cmd = user_data;

	if (nlh) {
		cmd_reply_message(cmd, nlh);
		return;
	}

	if (!error && cmd->kind == CMD_KIND_LIMITS_GET && !cmd->has_limits)
		error = -EBADMSG;

	cmd_apply(sf_daemon_get(), cmd, error, extack);
	caller_end(cmd, error, extack);
	l_free(cmd->eps);
	l_free(cmd);
}

/* Give cmd its id, and its caller a place among those waiting. */
static int cmd_register(struct cmd *cmd)
{
	if (++last_id <= 0)
		last_id = 1;
	cmd->id = last_id;
	if (cmd_has_caller(cmd))
		caller_link(cmd);
	return cmd->id;
}

/*
 * Hand msg (NULL: the arguments were invalid) for cmd, a query when dump,
 * to the transport. Returns 0, or a negative errno with cmd untouched.
 */
static int cmd_transmit(struct sf_daemon *d, struct nlmsghdr *msg,
			bool dump, struct cmd *cmd)
{
	const struct sf_pm_transport *tx = sf_daemon_transport(d);
	int r;

	if (!msg)
		return -EINVAL;

	if (!tx)
		return -ENETDOWN;

	r = tx->send(tx->ctx, msg, dump, cmd_reply, cmd);
	if (r < 0)
		return r;

	if (!cmd_is_query(cmd))
		sf_daemon_counters(d)->commands_sent++;
	return 0;
}

/*
 * Send msg for cmd. Returns cmd's id, or a negative errno with cmd freed
 * and none of its callbacks called.
 */
static int cmd_send(struct sf_daemon *d, struct nlmsghdr *msg, bool dump,
		    struct cmd *cmd)
{
	int r = cmd_transmit(d, msg, dump, cmd);

	if (r < 0) {
		l_free(cmd);
		return r;
	}

	return cmd_register(cmd);
}

/* conn NULL: a namespace-wide (in-kernel PM) command. */
static struct cmd *cmd_new(enum cmd_kind kind, struct sf_conn *conn,
			   const char *what, sf_cmd_done_func_t done,
			   void *user_data, sf_destroy_func_t destroy)
{
	struct cmd *cmd = l_new(struct cmd, 1);

	cmd->kind = kind;
	cmd->token = conn ? sf_conn_token(conn) : 0;
	cmd->what = what;
	cmd->done = done;
	cmd->user_data = user_data;
	cmd->destroy = destroy;
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
			  sf_cmd_done_func_t done, void *user_data,
			  sf_destroy_func_t destroy)
{
	struct sf_pmcmd msg;
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

	if (!sf_conn_initial_addr_joinable(conn) &&
	    sf_addr_equal(&info.remote, sf_conn_remote(conn)))
		return -EPERM;

	if (!extra && sf_conn_subflow_exists(conn, &info.local, &info.remote))
		return -EALREADY;

	if (sf_conn_subflow_count(conn) >= sf_daemon_config(d)->max_subflows)
		return -ENOSPC;

	info.ifindex = sf_iface_table_find_addr(sf_daemon_ifaces(d),
						&info.local);

	cmd = cmd_new(CMD_KIND_SUBFLOW_CREATE, conn, "subflow create", done,
		      user_data, destroy);
	cmd->local = info.local;
	cmd->remote = info.remote;
	cmd->backup = backup;

	r = cmd_send(d, sf_pmcmd_subflow_create(&msg, sf_conn_token(conn),
						&info.local, info.local_id,
						backup, &info.remote),
		     false, cmd);
	if (r < 0)
		return r;

	sf_conn_subflow_add_creating(conn, &info);
	return r;
}

int sf_subflow_create(struct sf_conn *conn, const struct sf_addr *local,
		      const struct sf_addr *remote, bool backup,
		      sf_cmd_done_func_t done, void *user_data,
		      sf_destroy_func_t destroy)
{
	return subflow_create(conn, local, remote, backup, false, done,
			      user_data, destroy);
}

int sf_subflow_create_extra(struct sf_conn *conn, const struct sf_addr *local,
			    const struct sf_addr *remote, bool backup,
			    sf_cmd_done_func_t done, void *user_data,
			    sf_destroy_func_t destroy)
{
	return subflow_create(conn, local, remote, backup, true, done,
			      user_data, destroy);
}

int sf_subflow_destroy(struct sf_conn *conn, const struct sf_addr *local,
		       const struct sf_addr *remote,
		       sf_cmd_done_func_t done, void *user_data,
		       sf_destroy_func_t destroy)
{
	struct sf_pmcmd msg;
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
		      user_data, destroy);
	cmd->local = *local;
	cmd->remote = *remote;
	r = cmd_send(d, sf_pmcmd_subflow_destroy(&msg, sf_conn_token(conn),
						 local, remote), false, cmd);
	if (r < 0)
		return r;

	/* On its way out: a new subflow on its path may be opened now. */
	sf = sf_conn_subflow_find(conn, local, remote);
	if (sf)
		sf_conn_subflow_set_destroying(conn, sf, true);
	return r;
}

int sf_subflow_set_backup(struct sf_conn *conn, const struct sf_addr *local,
			  const struct sf_addr *remote, bool backup,
			  sf_cmd_done_func_t done, void *user_data,
			  sf_destroy_func_t destroy)
{
	struct sf_pmcmd msg;
	struct sf_daemon *d = sf_daemon_get();
	struct cmd *cmd;
	int r;

	r = check_userspace_conn(d, conn);
	if (r < 0)
		return r;

	if (!local || !remote || !local->port || !remote->port)
		return -EINVAL;

	cmd = cmd_new(CMD_KIND_SET_BACKUP, conn, "set backup", done, user_data,
		      destroy);
	cmd->local = *local;
	cmd->remote = *remote;
	cmd->backup = backup;
	return cmd_send(d, sf_pmcmd_subflow_set_backup(&msg,
						       sf_conn_token(conn),
						       local, remote, backup),
			false, cmd);
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
				const struct sf_addr *addr)
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
		r = sf_addr_remove(conn, ctx.id, NULL, NULL, NULL);
		if (r < 0)
			sf_conn_info(sf_conn_token(conn), "cannot withdraw %s "
				     "from the peer: %s",
				     sf_addr_to_str(addr, false, buf),
				     strerror(-r));
	}

	r = 0;
	for (e = l_queue_get_entries(ctx.victims); e; e = e->next) {
		const struct sf_subflow_info *sf = e->data;

		r = sf_subflow_destroy(conn, &sf->local, &sf->remote, NULL,
				       NULL, NULL);
		if (r < 0)
			break;
		n++;
	}

	l_queue_destroy(ctx.victims, l_free);
	return r < 0 ? r : n;
}

/* ANNOUNCE of cmd->local (port 0: the connection's) under cmd->addr_id. */
static int announce_transmit(struct sf_daemon *d, struct cmd *cmd)
{
	struct sf_pmcmd msg;

	return cmd_transmit(d, sf_pmcmd_announce(&msg, cmd->token, &cmd->local,
						 cmd->addr_id), false, cmd);
}

/*
 * sock_diag said who holds the address an announce waits for: send it now
 * (unless its connection went meanwhile), or end it with the reason.
 */
static void announce_checked(int error, void *user_data)
{
	struct cmd *cmd = user_data;
	struct sf_daemon *d = sf_daemon_get();

	if (!error && !sf_conn_table_lookup(sf_daemon_conns(d), cmd->token))
		error = -ECANCELED;
	if (!error)
		error = announce_transmit(d, cmd);
	if (!error)
		return;		/* cmd_reply() ends it */

	cmd_apply(d, cmd, error, NULL);
	caller_end(cmd, error, NULL);
	l_free(cmd);
}

int sf_addr_announce(struct sf_conn *conn, const struct sf_local_addr *addr,
		     uint16_t port, sf_cmd_done_func_t done, void *user_data,
		     sf_destroy_func_t destroy)
{
	struct sf_daemon *d = sf_daemon_get();
	struct sf_addr where;
	struct cmd *cmd;
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

	cmd = cmd_new(CMD_KIND_OTHER, conn, "announce", done, user_data,
		      destroy);
	cmd->local = where;
	cmd->addr_id = addr->id;
	/* Announce the port only when it differs from the connection's. */
	if (where.port == sf_conn_local(conn)->port)
		cmd->local.port = 0;

	/* Joins to an announced address need a listener there: known now,
	 * or once sock_diag has said who holds the address. */
	r = sf_listeners_ensure(sf_daemon_listeners(d), sf_daemon_sockdiag(d),
				&where, sf_conn_token(conn), announce_checked,
				cmd, NULL);
	if (r == -EINPROGRESS)
		return cmd_register(cmd);
	if (r == 0)
		r = announce_transmit(d, cmd);
	if (r < 0) {
		l_free(cmd);
		return r;
	}

	return cmd_register(cmd);
}

int sf_addr_remove(struct sf_conn *conn, uint8_t id,
		   sf_cmd_done_func_t done, void *user_data,
		   sf_destroy_func_t destroy)
{
	struct sf_pmcmd msg;
	struct sf_daemon *d = sf_daemon_get();
	int r;

	r = check_userspace_conn(d, conn);
	if (r < 0)
		return r;

	if (!id)
		return -EINVAL;

	return cmd_send(d, sf_pmcmd_remove(&msg, sf_conn_token(conn), id), false,
			cmd_new(CMD_KIND_OTHER, conn, "remove address", done,
				user_data, destroy));
}

/* --- in-kernel PM --- */

int sf_endpoint_add(const struct sf_endpoint *ep, sf_cmd_done_func_t done,
		    void *user_data, sf_destroy_func_t destroy)
{
	struct sf_pmcmd msg;

	if (!ep)
		return -EINVAL;

	return cmd_send(sf_daemon_get(), sf_pmcmd_endpoint_add(&msg, ep), false,
			cmd_new(CMD_KIND_OTHER, NULL, "endpoint add", done,
				user_data, destroy));
}

int sf_endpoint_del(uint8_t id, sf_cmd_done_func_t done, void *user_data,
		    sf_destroy_func_t destroy)
{
	struct sf_pmcmd msg;

	if (!id)
		return -EINVAL;

	return cmd_send(sf_daemon_get(), sf_pmcmd_endpoint_del(&msg, id), false,
			cmd_new(CMD_KIND_OTHER, NULL, "endpoint delete", done,
				user_data, destroy));
}

int sf_endpoint_set_flags(uint8_t id, uint32_t flags, sf_cmd_done_func_t done,
			  void *user_data, sf_destroy_func_t destroy)
{
	struct sf_pmcmd msg;

	if (!id)
		return -EINVAL;

	return cmd_send(sf_daemon_get(),
			sf_pmcmd_endpoint_set_flags(&msg, id, flags),
			false, cmd_new(CMD_KIND_OTHER, NULL,
				       "endpoint set flags", done, user_data,
				       destroy));
}

int sf_limits_set(const struct sf_pm_limits *limits, sf_cmd_done_func_t done,
		  void *user_data, sf_destroy_func_t destroy)
{
	struct sf_pmcmd msg;

	if (!limits)
		return -EINVAL;

	return cmd_send(sf_daemon_get(), sf_pmcmd_set_limits(&msg, limits), false,
			cmd_new(CMD_KIND_OTHER, NULL, "set limits", done,
				user_data, destroy));
}

int sf_endpoint_list(sf_endpoint_list_func_t func, void *user_data,
		     sf_destroy_func_t destroy)
{
	struct sf_pmcmd msg;
	struct cmd *cmd;

	if (!func)
		return -EINVAL;

	cmd = cmd_new(CMD_KIND_ENDPOINT_LIST, NULL, "endpoint list", NULL,
		      user_data, destroy);
	cmd->list_func = func;
	return cmd_send(sf_daemon_get(), sf_pmcmd_endpoint_dump(&msg), true, cmd);
}

int sf_limits_get(sf_limits_func_t func, void *user_data,
		  sf_destroy_func_t destroy)
{
	struct sf_pmcmd msg;
	struct cmd *cmd;

	if (!func)
		return -EINVAL;

	cmd = cmd_new(CMD_KIND_LIMITS_GET, NULL, "get limits", NULL, user_data,
		      destroy);
	cmd->limits_func = func;
	return cmd_send(sf_daemon_get(), sf_pmcmd_get_limits(&msg), false, cmd);
}

/* sock_diag answered: the caller hears it (unless it went), once. */
static void stats_answered(int error, const struct sf_subflow_stats *stats,
			   void *user_data)
{
	struct cmd *cmd = user_data;

	cmd->stats = stats;
	caller_end(cmd, error, NULL);
	l_free(cmd);
}

int sf_subflow_query_stats(struct sf_conn *conn,
			   const struct sf_subflow_info *sf,
			   sf_subflow_stats_func_t func, void *user_data,
			   sf_destroy_func_t destroy)
{
	struct sf_daemon *d = sf_daemon_get();
	struct sf_sockdiag *sd = d ? sf_daemon_sockdiag(d) : NULL;
	struct cmd *cmd;
	int r;

	if (!conn || !sf || !func || !sf->local.port || !sf->remote.port)
		return -EINVAL;
	if (!sd)
		return -ENETDOWN;

	cmd = cmd_new(CMD_KIND_STATS, conn, "subflow stats", NULL, user_data,
		      destroy);
	cmd->stats_func = func;
	/* The query's answer ends cmd, whatever became of its caller. */
	r = sf_sockdiag_query_tcp(sd, &sf->local, &sf->remote, sf->ifindex,
				  stats_answered, cmd, NULL);
	if (r < 0) {
		l_free(cmd);
		return r;
	}

	return cmd_register(cmd);
}
