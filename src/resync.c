/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The resync of resync.h. What it learns on the way costs a few bytes per
 * connection: the dump's sockets are handled as they come (a connection's
 * subflows come after it), so no copy of the dump is ever held.
 */
#include <errno.h>
#include <stdlib.h>
#include <netinet/tcp.h>

#include "mptcp_uapi.h"
#include "resync.h"
#include "util.h"

struct tokens {
	uint32_t *v;
	unsigned int n, cap;
};

/* A connection added from the dump, with its socket's owner. */
struct adopted {
	uint32_t token;
	struct sf_sockdiag_owner owner;
};

/* What one resync learns. */
struct run {
	struct l_uintset *listen_ports;	/* ports MPTCP listens on */
	struct tokens known;		/* in the table at the start, sorted */
	struct tokens seen;		/* the live connections */
	struct tokens caught_up;	/* known, established unseen */
	struct adopted *adopted;	/* added to the table */
	unsigned int n_adopted, cap_adopted;
};

struct sf_resync {
	struct sf_conn_table *conns;
	struct sf_iface_table *ifaces;
	struct sf_sockdiag *sockdiag;
	const struct sf_resync_ops *ops;
	void *user_data;
	unsigned int query;		/* the dump in progress, or 0 */
	struct run *run;		/* while query */
	bool again;			/* asked for while one ran */
};

static void tokens_push(struct tokens *t, uint32_t token)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = l_realloc(t->v, t->cap * sizeof(*t->v));
	}

	t->v[t->n++] = token;
}

static int token_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

	return x < y ? -1 : x > y;
}

static void tokens_sort(struct tokens *t)
{
	if (t->n)
		qsort(t->v, t->n, sizeof(*t->v), token_cmp);
}

static bool tokens_contain(const struct tokens *t, uint32_t token)
{
	return t->n && bsearch(&token, t->v, t->n, sizeof(token), token_cmp);
}

static void run_free(struct run *run)
{
	if (!run)
		return;

	l_uintset_free(run->listen_ports);
	l_free(run->known.v);
	l_free(run->seen.v);
	l_free(run->caught_up.v);
	l_free(run->adopted);
	l_free(run);
}

/* An MPTCP socket of a connection: to adopt, or to catch up on. */
static void visit_conn(struct sf_resync *rs,
		       const struct sf_sockdiag_sock *sock)
{
	struct run *run = rs->run;
	struct sf_conn *conn;

	tokens_push(&run->seen, sock->token);
	if (sock->state != TCP_ESTABLISHED ||
	    (rs->ops->held && rs->ops->held(sock->token, rs->user_data)))
		return;

	conn = sf_conn_table_lookup(rs->conns, sock->token);
	if (conn) {
		/* Made during the dump: its own events tell its story. */
		if (!sf_conn_established(conn) &&
		    tokens_contain(&run->known, sock->token))
			tokens_push(&run->caught_up, sock->token);
		return;
	}

	/* Which side it is on is known once the listeners are. */
	conn = sf_conn_table_add(rs->conns, sock->token, &sock->local,
				 &sock->remote, false);
	sf_conn_set_established(conn);
	if (run->n_adopted == run->cap_adopted) {
		run->cap_adopted = run->cap_adopted ? run->cap_adopted * 2 : 64;
		run->adopted = l_realloc(run->adopted, run->cap_adopted *
					 sizeof(*run->adopted));
	}
	run->adopted[run->n_adopted++] = (struct adopted) {
		.token = sock->token,
		.owner = { .uid = sock->uid, .cgroup_id = sock->cgroup_id },
	};
}

/* An established subflow: one the kernel has and we may have missed. */
static void visit_subflow(struct sf_resync *rs,
			  const struct sf_sockdiag_sock *sock)
{
	struct sf_conn *conn = sf_conn_table_lookup(rs->conns,
						    sock->subflow_token);
	struct sf_subflow_info info = {
		.local = sock->local,
		.remote = sock->remote,
		.local_id = sock->subflow_local_id,
		.remote_id = sock->subflow_remote_id,
		.backup = sock->subflow_flags & MPTCP_SUBFLOW_FLAG_BKUP_LOC,
	};

	if (!conn)
		return;	/* closed during the dump, or its events are held */

	info.ifindex = sf_iface_table_find_addr(rs->ifaces, &info.local);
	sf_conn_subflow_established(conn, &info);
}

static void visit(const struct sf_sockdiag_sock *sock, uint16_t protocol,
		  void *user_data)
{
	struct sf_resync *rs = user_data;

	if (sock->state == TCP_LISTEN && !sock->is_subflow) {
		l_uintset_put(rs->run->listen_ports, sock->local.port);
		return;
	}

	if (sock->has_token)
		visit_conn(rs, sock);
	else if (sock->is_subflow && sock->state == TCP_ESTABLISHED)
		visit_subflow(rs, sock);
}

static void dump_done(int error, void *user_data)
{
	struct sf_resync *rs = user_data;
	struct run *run = rs->run;
	struct tokens gone = { 0 };
	struct sf_conn *conn;

	/* The callbacks may start another resync: this one is over. */
	rs->query = 0;
	rs->run = NULL;

	if (!error) {
		tokens_sort(&run->seen);
		for (unsigned int i = 0; i < run->known.n; i++)
			if (!tokens_contain(&run->seen, run->known.v[i]))
				tokens_push(&gone, run->known.v[i]);
	}

	/* Even after a failed dump, what was added gets its policy. Each
	 * callback may close connections: each is looked up again. */
	for (unsigned int i = 0; i < gone.n; i++)
		if ((conn = sf_conn_table_lookup(rs->conns, gone.v[i])))
			rs->ops->forget(conn, rs->user_data);
	l_free(gone.v);

	for (unsigned int i = 0; i < run->n_adopted; i++) {
		const struct adopted *a = &run->adopted[i];

		conn = sf_conn_table_lookup(rs->conns, a->token);
		if (conn)
			rs->ops->adopt(conn,
				       l_uintset_contains(run->listen_ports,
						sf_conn_local(conn)->port),
				       &a->owner, rs->user_data);
	}

	for (unsigned int i = 0; i < run->caught_up.n; i++) {
		conn = sf_conn_table_lookup(rs->conns, run->caught_up.v[i]);
		/* Its ESTABLISHED may have come during the dump. */
		if (conn && !sf_conn_established(conn))
			rs->ops->catch_up(conn, rs->user_data);
	}

	run_free(run);
	rs->ops->done(error, rs->user_data);

	if (rs->again && !rs->query) {
		rs->again = false;
		error = sf_resync_start(rs);
		if (error < 0)
			rs->ops->done(error, rs->user_data);
	}
}

struct sf_resync *sf_resync_new(struct sf_conn_table *conns,
				struct sf_iface_table *ifaces,
				struct sf_sockdiag *sockdiag,
				const struct sf_resync_ops *ops,
				void *user_data)
{
	struct sf_resync *rs;

	if (!conns || !ifaces || !sockdiag || !ops || !ops->adopt ||
	    !ops->catch_up || !ops->forget || !ops->done)
		return NULL;

	rs = l_new(struct sf_resync, 1);
	rs->conns = conns;
	rs->ifaces = ifaces;
	rs->sockdiag = sockdiag;
	rs->ops = ops;
	rs->user_data = user_data;
	return rs;
}

void sf_resync_free(struct sf_resync *rs)
{
	if (!rs)
		return;

	sf_sockdiag_cancel(rs->sockdiag, rs->query);
	run_free(rs->run);
	l_free(rs);
}

static void collect_known(struct sf_conn *conn, void *user_data)
{
	tokens_push(user_data, sf_conn_token(conn));
}

int sf_resync_start(struct sf_resync *rs)
{
	int r;

	if (!rs)
		return -EINVAL;

	if (rs->query) {
		rs->again = true;
		return 0;
	}

	r = sf_sockdiag_query_list(rs->sockdiag, visit, dump_done, rs, NULL);
	if (r < 0)
		return r;

	rs->query = r;
	rs->run = l_new(struct run, 1);
	rs->run->listen_ports = l_uintset_new_from_range(1, UINT16_MAX);
	sf_conn_table_foreach(rs->conns, collect_known, &rs->run->known);
	tokens_sort(&rs->run->known);
	return 0;
}

bool sf_resync_running(const struct sf_resync *rs)
{
	return rs && rs->query;
}
