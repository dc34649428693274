/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * endpoints ([core] mode = kernel): keep the in-kernel path manager's
 * endpoints (`ip mptcp endpoint`) in step with the eligible local addresses,
 * as NetworkManager does, but following links as well as addresses. An
 * address that becomes usable gets an endpoint with its interface's
 * `endpoint-flags` (plus backup when `backup = true`); one that goes away,
 * or whose link loses its carrier, loses it; it comes back with the link.
 *
 * Endpoints this plugin did not create are never touched, and an address
 * that already has one gets no second. The kernel holds at most 8 endpoints
 * per namespace: when more addresses are eligible than there is room for,
 * those whose interface has the lowest `priority` win (ties: lower
 * interface index, IPv4 first), and the choice is made again whenever
 * something comes or goes. The subflows limit is raised (never lowered) to
 * the number of subflow endpoints, and logged; add_addr_accepted is the
 * administrator's. On exit, the endpoints it added are deleted.
 *
 * The kernel PM tries a join from a new endpoint once: a join lost to the
 * path (no route, no answer), as when a link comes back before its far end
 * passes traffic, leaves the connection without that subflow for good.
 * While no connection has a subflow from the endpoint's address, the
 * plugin deletes and adds the endpoint back, which makes the kernel try
 * again: at once (a fresh join starts a fresh neighbour resolution), then
 * REJOIN_FIRST_MS after the next loss, doubling, at most REJOIN_MAX times
 * in a row (as the core's retry engine does for userspace policies); a
 * subflow established from the address ends the series.
 *
 * The plugin runs only in kernel mode: in userspace mode it gets no events
 * and touches nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/mptcp.h>

#include <ell/ell.h>

#include <subflowd/plugin.h>

/* Endpoints per namespace (MPTCP_PM_ADDR_MAX in the kernel). */
#define EP_MAX 8
/* Retry of the endpoint dump after an error, and while the mptcp_pm family
 * is not up yet (it usually is within milliseconds of the start): from
 * LIST_WAIT_FIRST_MS, doubling up to LIST_RETRY_S. */
#define LIST_RETRY_S 1
#define LIST_WAIT_FIRST_MS 20
/* Endpoint re-adds after lost joins (see above). */
#define REJOIN_AT_ONCE_MS 10
#define REJOIN_FIRST_MS 100
#define REJOIN_MAX 5

enum ep_state {
	EP_ADDING,
	EP_ACTIVE,
	EP_DELETING,
};

/* An endpoint we added (or are adding). */
struct owned {
	struct sf_endpoint ep;
	enum ep_state state;
};

/* An eligible local address, as the core reported it. */
struct candidate {
	struct sf_addr addr;
	int32_t ifindex;
	uint8_t id;			/* the daemon's stable address id */
	unsigned int failures;		/* adds the kernel refused in a row */
	bool left_out_logged;		/* "no room" said once */
	unsigned int rejoins;		/* re-adds after lost joins, in a row */
	struct l_timeout *rejoin;	/* the next re-add, NULL: none */
	/* Filled in by reconcile(): */
	struct sf_iface_policy policy;
};

static struct {
	bool listed;			/* foreign endpoints are known */
	bool listing;			/* a dump is in flight */
	struct l_timeout *list_retry;
	unsigned int list_wait_ms;	/* next wait for the family */
	struct l_queue *foreign;	/* struct sf_endpoint, not ours */
	struct l_queue *owned;		/* struct owned */
	struct l_queue *candidates;	/* struct candidate */
	unsigned int limits_checked;	/* subflow endpoints at last check */
	bool limits_busy;
} st;

static void reconcile(void);
static void list_endpoints(void);

static const char *ep_str(const struct sf_addr *addr, char buf[SF_ADDR_STRLEN])
{
	return sf_addr_to_str(addr, false, buf);
}

static bool ep_has_ip(const void *data, const void *user_data)
{
	const struct sf_endpoint *ep = data;

	return sf_addr_ip_equal(&ep->addr, user_data);
}

static bool ep_has_id(const void *data, const void *user_data)
{
	const struct sf_endpoint *ep = data;

	return ep->id == L_PTR_TO_UINT(user_data);
}

static bool candidate_has_ip(const void *data, const void *user_data)
{
	const struct candidate *c = data;

	return sf_addr_ip_equal(&c->addr, user_data);
}

/* struct owned starts with its endpoint: ep_has_* work on both queues. */
static struct owned *owned_by_id(uint8_t id)
{
	return l_queue_find(st.owned, ep_has_id, L_UINT_TO_PTR(id));
}

static bool id_in_use(uint8_t id)
{
	return l_queue_find(st.foreign, ep_has_id, L_UINT_TO_PTR(id)) ||
	       owned_by_id(id);
}

/* The address's stable id if free in the namespace, else the lowest free. */
static uint8_t pick_id(const struct candidate *c)
{
	if (c->id && !id_in_use(c->id))
		return c->id;

	for (unsigned int id = 1; id <= 255; id++)
		if (!id_in_use(id))
			return id;

	return 0;
}

static uint32_t wanted_flags(const struct candidate *c)
{
	uint32_t flags = c->policy.endpoint_flags;

	if (c->policy.backup)
		flags |= MPTCP_PM_ADDR_FLAG_BACKUP;

	return flags;
}

static int candidate_compare(const void *a, const void *b)
{
	const struct candidate *ca = *(const struct candidate * const *) a;
	const struct candidate *cb = *(const struct candidate * const *) b;

	if (ca->policy.priority != cb->policy.priority)
		return ca->policy.priority < cb->policy.priority ? -1 : 1;
	if (ca->ifindex != cb->ifindex)
		return ca->ifindex < cb->ifindex ? -1 : 1;
	if (ca->addr.family != cb->addr.family)
		return ca->addr.family == AF_INET ? -1 : 1;
	return memcmp(&ca->addr.ip, &cb->addr.ip, sizeof(ca->addr.ip));
}

/* --- commands and their completions --- */

static void add_done(int error, const char *extack, void *user_data)
{
	uint8_t id = L_PTR_TO_UINT(user_data);
	struct owned *o = owned_by_id(id);
	struct candidate *c;
	char buf[SF_ADDR_STRLEN];

	if (!o)
		return;		/* exited meanwhile */

	c = l_queue_find(st.candidates, candidate_has_ip, &o->ep.addr);

	if (!error) {
		if (o->state == EP_ADDING)
			o->state = EP_ACTIVE;
		if (c)
			c->failures = 0;
		reconcile();
		return;
	}

	l_warn("endpoints: the kernel refused endpoint %s id %u: %s%s%s",
	       ep_str(&o->ep.addr, buf), id, strerror(-error),
	       extack ? ": " : "", extack ? extack : "");
	l_queue_remove(st.owned, o);
	l_free(o);
	if (c)
		c->failures++;

	/* Someone else may have taken the address, the id or the room. */
	st.listed = false;
	list_endpoints();
}

static void del_done(int error, const char *extack, void *user_data)
{
	uint8_t id = L_PTR_TO_UINT(user_data);
	struct owned *o = owned_by_id(id);
	char buf[SF_ADDR_STRLEN];

	if (!o)
		return;

	/* -ENOENT/-EINVAL: someone deleted it already; it is gone anyway. */
	if (error < 0 && error != -ENOENT && error != -EINVAL)
		l_warn("endpoints: cannot delete endpoint %s id %u: %s%s%s, "
		       "forgetting it", ep_str(&o->ep.addr, buf), id,
		       strerror(-error), extack ? ": " : "",
		       extack ? extack : "");

	l_queue_remove(st.owned, o);
	l_free(o);
	reconcile();
}

static void flags_done(int error, const char *extack, void *user_data)
{
	if (error < 0)
		l_warn("endpoints: cannot change the flags of endpoint id %u: "
		       "%s%s%s", L_PTR_TO_UINT(user_data), strerror(-error),
		       extack ? ": " : "", extack ? extack : "");
}

static void endpoint_del(struct owned *o, const char *why)
{
	char buf[SF_ADDR_STRLEN];
	int r;

	r = sf_endpoint_del(o->ep.id, del_done, L_UINT_TO_PTR(o->ep.id), NULL);
	if (r < 0) {
		l_warn("endpoints: cannot delete endpoint %s id %u: %s, ignoring",
		       ep_str(&o->ep.addr, buf), o->ep.id, strerror(-r));
		return;
	}

	o->state = EP_DELETING;
	l_info("endpoints: deleting endpoint %s id %u (%s)",
	       ep_str(&o->ep.addr, buf), o->ep.id, why);
}

static void endpoint_add(struct candidate *c)
{
	struct owned *o = l_new(struct owned, 1);
	char buf[SF_ADDR_STRLEN];
	int r;

	o->ep.addr = c->addr;
	o->ep.addr.port = 0;
	o->ep.id = pick_id(c);
	o->ep.flags = wanted_flags(c);
	o->ep.ifindex = c->ifindex;
	o->state = EP_ADDING;

	if (!o->ep.id) {
		l_free(o);
		return;
	}

	r = sf_endpoint_add(&o->ep, add_done, L_UINT_TO_PTR(o->ep.id), NULL);
	if (r < 0) {
		l_warn("endpoints: cannot add endpoint %s: %s, ignoring",
		       ep_str(&c->addr, buf), strerror(-r));
		l_free(o);
		return;
	}

	l_queue_push_tail(st.owned, o);
	c->left_out_logged = false;
	l_info("endpoints: adding endpoint %s id %u flags 0x%x on %s",
	       ep_str(&c->addr, buf), o->ep.id, o->ep.flags,
	       sf_iface_name(c->ifindex) ?: "?");
}

/* --- limits --- */

static void limits_set_done(int error, const char *extack, void *user_data)
{
	if (error < 0)
		l_warn("endpoints: cannot raise the subflows limit: %s%s%s",
		       strerror(-error), extack ? ": " : "",
		       extack ? extack : "");
}

static void limits_got(int error, const struct sf_pm_limits *limits,
		       void *user_data)
{
	unsigned int want = L_PTR_TO_UINT(user_data);
	struct sf_pm_limits raised;
	int r;

	st.limits_busy = false;
	if (error < 0) {
		l_warn("endpoints: cannot read the in-kernel PM limits: %s",
		       strerror(-error));
		return;
	}

	if (limits->subflows >= want)
		return;

	raised = *limits;
	raised.subflows = want;
	r = sf_limits_set(&raised, limits_set_done, NULL, NULL);
	if (r < 0) {
		l_warn("endpoints: cannot raise the subflows limit: %s",
		       strerror(-r));
		return;
	}

	l_info("endpoints: raising the in-kernel PM subflows limit from %u to "
	       "%u for %u subflow endpoints (add_addr_accepted stays %u)",
	       limits->subflows, raised.subflows, want,
	       limits->add_addr_accepted);
}

static void count_subflow_eps(void *data, void *user_data)
{
	const struct sf_endpoint *ep = data;

	if (ep->flags & MPTCP_PM_ADDR_FLAG_SUBFLOW)
		(*(unsigned int *) user_data)++;
}

/*
 * Each subflow endpoint is worth one subflow per connection: make the
 * subflows limit at least their number (at most 8), checked again only when
 * that number grows.
 */
static void check_limits(void)
{
	unsigned int n = 0;

	l_queue_foreach(st.foreign, count_subflow_eps, &n);
	l_queue_foreach(st.owned, count_subflow_eps, &n);
	if (n > EP_MAX)
		n = EP_MAX;

	if (n <= st.limits_checked || st.limits_busy)
		return;

	if (sf_limits_get(limits_got, L_UINT_TO_PTR(n), NULL) < 0)
		return;

	st.limits_checked = n;
	st.limits_busy = true;
}

/* --- the decision --- */

struct collect_ctx {
	struct candidate **list;
	unsigned int n;
};

static void collect(void *data, void *user_data)
{
	struct collect_ctx *ctx = user_data;
	struct candidate *c = data;

	sf_iface_get_policy(c->ifindex, &c->policy);
	if (!c->policy.enabled || c->failures >= 2 ||
	    l_queue_find(st.foreign, ep_has_ip, &c->addr))
		return;

	ctx->list[ctx->n++] = c;
}

static bool in_list(struct candidate **list, unsigned int n,
		    const struct sf_addr *addr)
{
	for (unsigned int i = 0; i < n; i++)
		if (sf_addr_ip_equal(&list[i]->addr, addr))
			return true;

	return false;
}

/*
 * Bring the endpoints we own to the best EP_MAX-minus-foreign eligible
 * addresses. Endpoints being added or deleted are left to their command:
 * its completion calls this again.
 */
static void reconcile(void)
{
	struct collect_ctx ctx;
	const struct l_queue_entry *e, *next;
	unsigned int room, used, n_foreign;
	char buf[SF_ADDR_STRLEN];

	if (!st.owned || !st.listed)
		return;

	ctx.list = l_new(struct candidate *,
			 l_queue_length(st.candidates) + 1);
	ctx.n = 0;
	l_queue_foreach(st.candidates, collect, &ctx);
	qsort(ctx.list, ctx.n, sizeof(*ctx.list), candidate_compare);

	n_foreign = l_queue_length(st.foreign);
	room = n_foreign < EP_MAX ? EP_MAX - n_foreign : 0;
	for (unsigned int i = room; i < ctx.n; i++) {
		struct candidate *c = ctx.list[i];

		if (!c->left_out_logged &&
		    !l_queue_find(st.owned, ep_has_ip, &c->addr))
			l_info("endpoints: no room for %s (priority %u): the "
			       "namespace's %u endpoints go to others",
			       ep_str(&c->addr, buf), c->policy.priority,
			       EP_MAX);
		c->left_out_logged = true;
	}
	if (ctx.n > room)
		ctx.n = room;

	for (e = l_queue_get_entries(st.owned); e; e = next) {
		struct owned *o = e->data;
		struct candidate *c;
		uint32_t want;

		next = e->next;
		if (o->state != EP_ACTIVE)
			continue;

		if (!in_list(ctx.list, ctx.n, &o->ep.addr)) {
			c = l_queue_find(st.candidates, candidate_has_ip,
					 &o->ep.addr);
			endpoint_del(o, c ? "lower priority" : "address gone");
			continue;
		}

		c = l_queue_find(st.candidates, candidate_has_ip, &o->ep.addr);
		want = wanted_flags(c);
		if (want == o->ep.flags)
			continue;

		/* The kernel changes backup and fullmesh in place. */
		if ((want ^ o->ep.flags) & ~(uint32_t)
		    (MPTCP_PM_ADDR_FLAG_BACKUP | MPTCP_PM_ADDR_FLAG_FULLMESH)) {
			endpoint_del(o, "flags changed");
			continue;
		}

		if (sf_endpoint_set_flags(o->ep.id, want, flags_done,
					  L_UINT_TO_PTR(o->ep.id), NULL) > 0) {
			l_info("endpoints: endpoint %s id %u flags 0x%x -> 0x%x",
			       ep_str(&o->ep.addr, buf), o->ep.id, o->ep.flags,
			       want);
			o->ep.flags = want;
		}
	}

	used = n_foreign + l_queue_length(st.owned);
	for (unsigned int i = 0; i < ctx.n; i++) {
		struct candidate *c = ctx.list[i];

		if (l_queue_find(st.owned, ep_has_ip, &c->addr))
			continue;

		/* Room is made by deletes in flight: their completion
		 * calls this again. */
		if (used >= EP_MAX)
			continue;

		endpoint_add(c);
		used++;
	}

	l_free(ctx.list);
	check_limits();
}

/* --- what exists --- */

static void list_retry(struct l_timeout *timeout, void *user_data)
{
	/* Still waiting for the family: wait twice as long next time. */
	if (st.list_wait_ms) {
		st.list_wait_ms *= 2;
		if (st.list_wait_ms > LIST_RETRY_S * 1000)
			st.list_wait_ms = LIST_RETRY_S * 1000;
	}
	if (!st.listed)
		list_endpoints();
}

static void listed(int error, const struct sf_endpoint *eps, unsigned int n,
		   void *user_data)
{
	char buf[SF_ADDR_STRLEN];

	st.listing = false;
	if (!st.owned)
		return;

	if (error < 0) {
		l_warn("endpoints: cannot list the endpoints: %s, retrying",
		       strerror(-error));
		l_timeout_modify(st.list_retry, LIST_RETRY_S);
		return;
	}

	l_queue_clear(st.foreign, l_free);
	for (unsigned int i = 0; i < n; i++) {
		if (owned_by_id(eps[i].id))
			continue;

		l_queue_push_tail(st.foreign, l_memdup(&eps[i], sizeof(eps[i])));
		if (!st.listed)
			l_info("endpoints: leaving alone endpoint %s id %u, "
			       "which it did not add", ep_str(&eps[i].addr, buf),
			       eps[i].id);
	}

	st.listed = true;
	st.list_wait_ms = 0;
	reconcile();
}

/* Learn the namespace's endpoints; until the mptcp_pm family is up
 * (-ENETDOWN), try again soon, then less and less often. */
static void list_endpoints(void)
{
	int r;

	if (st.listing || !st.owned)
		return;

	if (!st.list_retry) {
		st.list_retry = l_timeout_create(LIST_RETRY_S, list_retry, NULL,
						 NULL);
		if (!st.list_retry)
			return;
	}

	r = sf_endpoint_list(listed, NULL, NULL);
	if (r == -ENETDOWN) {
		if (!st.list_wait_ms)
			st.list_wait_ms = LIST_WAIT_FIRST_MS;
		l_timeout_modify_ms(st.list_retry, st.list_wait_ms);
		return;
	}
	if (r < 0) {
		l_warn("endpoints: cannot list the endpoints: %s, retrying",
		       strerror(-r));
		l_timeout_modify(st.list_retry, LIST_RETRY_S);
		return;
	}

	st.listing = true;
}

/* --- events --- */

static void candidate_free(void *data)
{
	struct candidate *c = data;

	if (!c)
		return;

	l_timeout_remove(c->rejoin);
	l_free(c);
}

static void kick(void)
{
	if (st.listed)
		reconcile();
	else
		list_endpoints();
}

static enum sf_verdict endpoints_local_added(const struct sf_local_addr *addr)
{
	struct candidate *c = l_queue_find(st.candidates, candidate_has_ip,
					   &addr->addr);

	if (!c) {
		c = l_new(struct candidate, 1);
		l_queue_push_tail(st.candidates, c);
	}

	c->addr = addr->addr;
	c->addr.port = 0;
	c->ifindex = addr->ifindex;
	c->id = addr->id;
	c->failures = 0;
	kick();
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict endpoints_local_removed(const struct sf_local_addr *addr)
{
	candidate_free(l_queue_remove_if(st.candidates, candidate_has_ip,
					 &addr->addr));
	kick();
	return SF_VERDICT_CONTINUE;
}

/* Flags, priority or `enabled` may differ now: reconcile re-reads them. */
static enum sf_verdict endpoints_policy_changed(int32_t ifindex,
						const char *ifname,
						const struct sf_iface_policy *old)
{
	kick();
	return SF_VERDICT_CONTINUE;
}

/* --- lost joins (see the top of the file) --- */

struct in_use_ctx {
	const struct sf_addr *addr;
	bool found;
};

static void subflow_in_use(struct sf_conn *conn,
			   const struct sf_subflow_info *sf, void *user_data)
{
	struct in_use_ctx *ctx = user_data;

	if (sf_addr_ip_equal(&sf->local, ctx->addr))
		ctx->found = true;
}

static void conn_in_use(struct sf_conn *conn, void *user_data)
{
	sf_conn_foreach_subflow(conn, subflow_in_use, user_data);
}

/* Has any connection a subflow from addr? */
static bool address_in_use(const struct sf_addr *addr)
{
	struct in_use_ctx ctx = { .addr = addr };

	sf_conn_foreach(NULL, conn_in_use, &ctx);
	return ctx.found;
}

static void rejoin_fire(struct l_timeout *timeout, void *user_data)
{
	struct candidate *c = user_data;
	struct owned *o = l_queue_find(st.owned, ep_has_ip, &c->addr);

	l_timeout_remove(c->rejoin);
	c->rejoin = NULL;

	/* Only an endpoint at rest, and never under a live subflow: its
	 * delete would close that subflow. */
	if (!o || o->state != EP_ACTIVE || address_in_use(&c->addr))
		return;

	c->rejoins++;
	/* del_done() reconciles, which adds it back. */
	endpoint_del(o, "adding it back after a lost join");
}

static enum sf_verdict endpoints_subflow_closed(struct sf_conn *conn,
						const struct sf_subflow_info *sf,
						int error,
						uint32_t reset_reason)
{
	struct candidate *c;
	struct owned *o;
	unsigned int ms;

	/* Lost to the path; a clean close or a reset was the peer's choice. */
	if (error != EHOSTUNREACH && error != ENETUNREACH && error != ETIMEDOUT)
		return SF_VERDICT_CONTINUE;

	c = l_queue_find(st.candidates, candidate_has_ip, &sf->local);
	o = l_queue_find(st.owned, ep_has_ip, &sf->local);
	if (!c || !o || !(o->ep.flags & MPTCP_PM_ADDR_FLAG_SUBFLOW) ||
	    c->rejoin || c->rejoins >= REJOIN_MAX)
		return SF_VERDICT_CONTINUE;

	ms = c->rejoins ? REJOIN_FIRST_MS << (c->rejoins - 1)
			: REJOIN_AT_ONCE_MS;
	c->rejoin = l_timeout_create_ms(ms, rejoin_fire, c, NULL);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict endpoints_subflow_established(struct sf_conn *conn,
						     const struct sf_subflow_info *sf)
{
	struct candidate *c = l_queue_find(st.candidates, candidate_has_ip,
					   &sf->local);

	if (c)
		c->rejoins = 0;
	return SF_VERDICT_CONTINUE;
}

static int endpoints_init(void)
{
	st.foreign = l_queue_new();
	st.owned = l_queue_new();
	st.candidates = l_queue_new();
	return 0;
}

static void remove_owned(void *data)
{
	struct owned *o = data;
	char buf[SF_ADDR_STRLEN];

	/* A delete in flight finishes on its own; the rest go now, with no
	 * completion: the daemon flushes them and reports failures. */
	if (o->state != EP_DELETING) {
		if (sf_endpoint_del(o->ep.id, NULL, NULL, NULL) > 0)
			l_info("endpoints: removing endpoint %s id %u on exit",
			       ep_str(&o->ep.addr, buf), o->ep.id);
		else
			l_warn("endpoints: cannot remove endpoint %s id %u on "
			       "exit", ep_str(&o->ep.addr, buf), o->ep.id);
	}

	l_free(o);
}

static void endpoints_exit(void)
{
	l_timeout_remove(st.list_retry);
	l_queue_destroy(st.owned, remove_owned);
	l_queue_destroy(st.foreign, l_free);
	l_queue_destroy(st.candidates, candidate_free);
	memset(&st, 0, sizeof(st));
}

static const struct sf_plugin_ops endpoints_ops = {
	.local_addr_added = endpoints_local_added,
	.local_addr_removed = endpoints_local_removed,
	.iface_policy_changed = endpoints_policy_changed,
	.subflow_established = endpoints_subflow_established,
	.subflow_closed = endpoints_subflow_closed,
};

SF_PLUGIN_DEFINE("endpoints", 100, SF_PLUGIN_MODE_KERNEL, 0, endpoints_init,
		 endpoints_exit, &endpoints_ops);
