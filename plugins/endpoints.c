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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <linux/mptcp.h>

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

/* An endpoint id as a command's user_data, and back. */
#define ID_TO_PTR(id) ((void *) (uintptr_t) (id))
#define PTR_TO_ID(p) ((unsigned int) (uintptr_t) (p))

enum ep_state {
	EP_ADDING,
	EP_ACTIVE,
	EP_DELETING,
};

/* An endpoint we added (or are adding). */
struct owned {
	struct sf_endpoint ep;
	enum ep_state state;
	struct owned *next;
};

/* An eligible local address, as the core reported it. */
struct candidate {
	struct sf_addr addr;
	int32_t ifindex;
	uint8_t id;			/* the daemon's stable address id */
	unsigned int failures;		/* adds the kernel refused in a row */
	bool left_out_logged;		/* "no room" said once */
	unsigned int rejoins;		/* re-adds after lost joins, in a row */
	struct sf_timer *rejoin;	/* the next re-add, NULL: none */
	/* Filled in by reconcile(): */
	struct sf_iface_policy policy;
	struct candidate *next;
};

static struct {
	bool running;			/* between init and exit */
	bool listed;			/* foreign endpoints are known */
	bool listing;			/* a dump is in flight */
	struct sf_timer *list_retry;
	unsigned int list_wait_ms;	/* next wait for the family */
	struct sf_endpoint *foreign;	/* not ours */
	unsigned int n_foreign;
	struct owned *owned;		/* in the order they were added */
	struct candidate *candidates;	/* in the order they came */
	unsigned int limits_checked;	/* subflow endpoints at last check */
	bool limits_busy;
} st;

static void reconcile(void);
static void list_endpoints(void);

static const char *ep_str(const struct sf_addr *addr, char buf[SF_ADDR_STRLEN])
{
	return sf_addr_to_str(addr, false, buf);
}

static struct owned *owned_by_id(uint8_t id)
{
	struct owned *o;

	for (o = st.owned; o; o = o->next)
		if (o->ep.id == id)
			return o;

	return NULL;
}

static struct owned *owned_by_ip(const struct sf_addr *addr)
{
	struct owned *o;

	for (o = st.owned; o; o = o->next)
		if (sf_addr_ip_equal(&o->ep.addr, addr))
			return o;

	return NULL;
}

/* Append o to st.owned. */
static void owned_add(struct owned *o)
{
	struct owned **link = &st.owned;

	while (*link)
		link = &(*link)->next;
	*link = o;
}

/* Unlink o from st.owned and free it. */
static void owned_free(struct owned *o)
{
	struct owned **link;

	for (link = &st.owned; *link; link = &(*link)->next)
		if (*link == o) {
			*link = o->next;
			break;
		}
	free(o);
}

/* Is there a foreign endpoint on addr (not NULL), or else with id? */
static bool foreign_has(const struct sf_addr *addr, unsigned int id)
{
	for (unsigned int i = 0; i < st.n_foreign; i++)
		if (addr ? sf_addr_ip_equal(&st.foreign[i].addr, addr) :
			   st.foreign[i].id == id)
			return true;

	return false;
}

static struct candidate *candidate_by_ip(const struct sf_addr *addr)
{
	struct candidate *c;

	for (c = st.candidates; c; c = c->next)
		if (sf_addr_ip_equal(&c->addr, addr))
			return c;

	return NULL;
}

static bool id_in_use(uint8_t id)
{
	return foreign_has(NULL, id) || owned_by_id(id);
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
	uint8_t id = PTR_TO_ID(user_data);
	struct owned *o = owned_by_id(id);
	struct candidate *c;
	char buf[SF_ADDR_STRLEN];

	if (!o)
		return;		/* exited meanwhile */

	c = candidate_by_ip(&o->ep.addr);

	if (!error) {
		if (o->state == EP_ADDING)
			o->state = EP_ACTIVE;
		if (c)
			c->failures = 0;
		reconcile();
		return;
	}

	sf_log(LOG_WARNING,
	       "endpoints: the kernel refused endpoint %s id %u: %s%s%s",
	       ep_str(&o->ep.addr, buf), id, strerror(-error),
	       extack ? ": " : "", extack ? extack : "");
	owned_free(o);
	if (c)
		c->failures++;

	/* Someone else may have taken the address, the id or the room. */
	st.listed = false;
	list_endpoints();
}

static void del_done(int error, const char *extack, void *user_data)
{
	uint8_t id = PTR_TO_ID(user_data);
	struct owned *o = owned_by_id(id);
	char buf[SF_ADDR_STRLEN];

	if (!o)
		return;

	/* -ENOENT/-EINVAL: someone deleted it already; it is gone anyway. */
	if (error < 0 && error != -ENOENT && error != -EINVAL)
		sf_log(LOG_WARNING,
		       "endpoints: cannot delete endpoint %s id %u: %s%s%s, "
		       "forgetting it", ep_str(&o->ep.addr, buf), id,
		       strerror(-error), extack ? ": " : "",
		       extack ? extack : "");

	owned_free(o);
	reconcile();
}

static void flags_done(int error, const char *extack, void *user_data)
{
	if (error < 0)
		sf_log(LOG_WARNING,
		       "endpoints: cannot change the flags of endpoint id %u: "
		       "%s%s%s", PTR_TO_ID(user_data), strerror(-error),
		       extack ? ": " : "", extack ? extack : "");
}

static void endpoint_del(struct owned *o, const char *why)
{
	char buf[SF_ADDR_STRLEN];
	int r;

	r = sf_endpoint_del(o->ep.id, del_done, ID_TO_PTR(o->ep.id), NULL);
	if (r < 0) {
		sf_log(LOG_WARNING, "endpoints: cannot delete endpoint %s id %u: "
		       "%s, ignoring", ep_str(&o->ep.addr, buf), o->ep.id,
		       strerror(-r));
		return;
	}

	o->state = EP_DELETING;
	sf_log(LOG_INFO, "endpoints: deleting endpoint %s id %u (%s)",
	       ep_str(&o->ep.addr, buf), o->ep.id, why);
}

static void endpoint_add(struct candidate *c)
{
	struct owned *o = calloc(1, sizeof(*o));
	char buf[SF_ADDR_STRLEN];
	int r;

	if (!o)
		return;

	o->ep.addr = c->addr;
	o->ep.addr.port = 0;
	o->ep.id = pick_id(c);
	o->ep.flags = wanted_flags(c);
	o->ep.ifindex = c->ifindex;
	o->state = EP_ADDING;

	if (!o->ep.id) {
		free(o);
		return;
	}

	r = sf_endpoint_add(&o->ep, add_done, ID_TO_PTR(o->ep.id), NULL);
	if (r < 0) {
		sf_log(LOG_WARNING,
		       "endpoints: cannot add endpoint %s: %s, ignoring",
		       ep_str(&c->addr, buf), strerror(-r));
		free(o);
		return;
	}

	owned_add(o);
	c->left_out_logged = false;
	sf_log(LOG_INFO, "endpoints: adding endpoint %s id %u flags 0x%x on %s",
	       ep_str(&c->addr, buf), o->ep.id, o->ep.flags,
	       sf_iface_name(c->ifindex) ?: "?");
}

/* --- limits --- */

static void limits_set_done(int error, const char *extack, void *user_data)
{
	if (error < 0)
		sf_log(LOG_WARNING,
		       "endpoints: cannot raise the subflows limit: %s%s%s",
		       strerror(-error), extack ? ": " : "",
		       extack ? extack : "");
}

static void limits_got(int error, const struct sf_pm_limits *limits,
		       void *user_data)
{
	unsigned int want = PTR_TO_ID(user_data);
	struct sf_pm_limits raised;
	int r;

	st.limits_busy = false;
	if (error < 0) {
		sf_log(LOG_WARNING,
		       "endpoints: cannot read the in-kernel PM limits: %s",
		       strerror(-error));
		return;
	}

	if (limits->subflows >= want)
		return;

	raised = *limits;
	raised.subflows = want;
	r = sf_limits_set(&raised, limits_set_done, NULL, NULL);
	if (r < 0) {
		sf_log(LOG_WARNING,
		       "endpoints: cannot raise the subflows limit: %s",
		       strerror(-r));
		return;
	}

	sf_log(LOG_INFO,
	       "endpoints: raising the in-kernel PM subflows limit from %u to "
	       "%u for %u subflow endpoints (add_addr_accepted stays %u)",
	       limits->subflows, raised.subflows, want,
	       limits->add_addr_accepted);
}

/*
 * Each subflow endpoint is worth one subflow per connection: make the
 * subflows limit at least their number (at most 8), checked again only when
 * that number grows.
 */
static void check_limits(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < st.n_foreign; i++)
		if (st.foreign[i].flags & MPTCP_PM_ADDR_FLAG_SUBFLOW)
			n++;
	for (struct owned *o = st.owned; o; o = o->next)
		if (o->ep.flags & MPTCP_PM_ADDR_FLAG_SUBFLOW)
			n++;
	if (n > EP_MAX)
		n = EP_MAX;

	if (n <= st.limits_checked || st.limits_busy)
		return;

	if (sf_limits_get(limits_got, ID_TO_PTR(n), NULL) < 0)
		return;

	st.limits_checked = n;
	st.limits_busy = true;
}

/* --- the decision --- */

struct collect_ctx {
	struct candidate **list;
	unsigned int n;
};

static void collect(struct collect_ctx *ctx, struct candidate *c)
{
	sf_iface_get_policy(c->ifindex, &c->policy);
	if (!c->policy.enabled || c->failures >= 2 ||
	    foreign_has(&c->addr, 0))
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
	struct owned *o, *next;
	struct candidate *c;
	unsigned int room, used, n_foreign, n_owned = 0, n = 1;
	char buf[SF_ADDR_STRLEN];

	if (!st.running || !st.listed)
		return;

	for (c = st.candidates; c; c = c->next)
		n++;
	ctx.list = calloc(n, sizeof(*ctx.list));
	if (!ctx.list)
		return;
	ctx.n = 0;
	for (c = st.candidates; c; c = c->next)
		collect(&ctx, c);
	qsort(ctx.list, ctx.n, sizeof(*ctx.list), candidate_compare);

	n_foreign = st.n_foreign;
	room = n_foreign < EP_MAX ? EP_MAX - n_foreign : 0;
	for (unsigned int i = room; i < ctx.n; i++) {
		c = ctx.list[i];

		if (!c->left_out_logged && !owned_by_ip(&c->addr))
			sf_log(LOG_INFO,
			       "endpoints: no room for %s (priority %u): the "
			       "namespace's %u endpoints go to others",
			       ep_str(&c->addr, buf), c->policy.priority,
			       EP_MAX);
		c->left_out_logged = true;
	}
	if (ctx.n > room)
		ctx.n = room;

	for (o = st.owned; o; o = next) {
		uint32_t want;

		next = o->next;
		if (o->state != EP_ACTIVE)
			continue;

		if (!in_list(ctx.list, ctx.n, &o->ep.addr)) {
			c = candidate_by_ip(&o->ep.addr);
			endpoint_del(o, c ? "lower priority" : "address gone");
			continue;
		}

		c = candidate_by_ip(&o->ep.addr);
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
					  ID_TO_PTR(o->ep.id), NULL) > 0) {
			sf_log(LOG_INFO, "endpoints: endpoint %s id %u flags "
			       "0x%x -> 0x%x", ep_str(&o->ep.addr, buf), o->ep.id, o->ep.flags,
			       want);
			o->ep.flags = want;
		}
	}

	for (o = st.owned; o; o = o->next)
		n_owned++;
	used = n_foreign + n_owned;
	for (unsigned int i = 0; i < ctx.n; i++) {
		c = ctx.list[i];

		if (owned_by_ip(&c->addr))
			continue;

		/* Room is made by deletes in flight: their completion
		 * calls this again. */
		if (used >= EP_MAX)
			continue;

		endpoint_add(c);
		used++;
	}

	free(ctx.list);
	check_limits();
}

/* --- what exists --- */

static void list_retry(struct sf_timer *timer, void *user_data)
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
	if (!st.running)
		return;

	if (error < 0) {
		sf_log(LOG_WARNING,
		       "endpoints: cannot list the endpoints: %s, retrying",
		       strerror(-error));
		sf_timer_modify(st.list_retry, LIST_RETRY_S * 1000);
		return;
	}

	free(st.foreign);
	st.foreign = calloc(n ? n : 1, sizeof(*st.foreign));
	st.n_foreign = 0;
	if (!st.foreign) {
		sf_timer_modify(st.list_retry, LIST_RETRY_S * 1000);
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (owned_by_id(eps[i].id))
			continue;

		st.foreign[st.n_foreign++] = eps[i];
		if (!st.listed)
			sf_log(LOG_INFO,
			       "endpoints: leaving alone endpoint %s id %u, "
			       "which it did not add",
			       ep_str(&eps[i].addr, buf), eps[i].id);
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

	if (st.listing || !st.running)
		return;

	if (!st.list_retry) {
		st.list_retry = sf_timer_new(LIST_RETRY_S * 1000, list_retry,
					     NULL, NULL);
		if (!st.list_retry)
			return;
	}

	r = sf_endpoint_list(listed, NULL, NULL);
	if (r == -ENETDOWN) {
		if (!st.list_wait_ms)
			st.list_wait_ms = LIST_WAIT_FIRST_MS;
		sf_timer_modify(st.list_retry, st.list_wait_ms);
		return;
	}
	if (r < 0) {
		sf_log(LOG_WARNING,
		       "endpoints: cannot list the endpoints: %s, retrying",
		       strerror(-r));
		sf_timer_modify(st.list_retry, LIST_RETRY_S * 1000);
		return;
	}

	st.listing = true;
}

/* --- events --- */

static void candidate_free(struct candidate *c)
{
	if (!c)
		return;

	sf_timer_free(c->rejoin);
	free(c);
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
	struct candidate *c = candidate_by_ip(&addr->addr);

	if (!c) {
		struct candidate **link = &st.candidates;

		c = calloc(1, sizeof(*c));
		if (!c)
			return SF_VERDICT_CONTINUE;
		while (*link)
			link = &(*link)->next;
		*link = c;
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
	struct candidate **link;

	for (link = &st.candidates; *link; link = &(*link)->next)
		if (sf_addr_ip_equal(&(*link)->addr, &addr->addr)) {
			struct candidate *c = *link;

			*link = c->next;
			candidate_free(c);
			break;
		}
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

static void rejoin_fire(struct sf_timer *timer, void *user_data)
{
	struct candidate *c = user_data;
	struct owned *o = owned_by_ip(&c->addr);

	sf_timer_free(c->rejoin);
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

	c = candidate_by_ip(&sf->local);
	o = owned_by_ip(&sf->local);
	if (!c || !o || !(o->ep.flags & MPTCP_PM_ADDR_FLAG_SUBFLOW) ||
	    c->rejoin || c->rejoins >= REJOIN_MAX)
		return SF_VERDICT_CONTINUE;

	ms = c->rejoins ? REJOIN_FIRST_MS << (c->rejoins - 1)
			: REJOIN_AT_ONCE_MS;
	c->rejoin = sf_timer_new(ms, rejoin_fire, c, NULL);
	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict endpoints_subflow_established(struct sf_conn *conn,
						     const struct sf_subflow_info *sf)
{
	struct candidate *c = candidate_by_ip(&sf->local);

	if (c)
		c->rejoins = 0;
	return SF_VERDICT_CONTINUE;
}

static int endpoints_init(void)
{
	st.running = true;
	return 0;
}

static void remove_owned(struct owned *o)
{
	char buf[SF_ADDR_STRLEN];

	/* A delete in flight finishes on its own; the rest go now, with no
	 * completion: the daemon flushes them and reports failures. */
	if (o->state != EP_DELETING) {
		if (sf_endpoint_del(o->ep.id, NULL, NULL, NULL) > 0)
			sf_log(LOG_INFO,
			       "endpoints: removing endpoint %s id %u on exit",
			       ep_str(&o->ep.addr, buf), o->ep.id);
		else
			sf_log(LOG_WARNING,
			       "endpoints: cannot remove endpoint %s id %u on "
			       "exit", ep_str(&o->ep.addr, buf), o->ep.id);
	}

	free(o);
}

static void endpoints_exit(void)
{
	sf_timer_free(st.list_retry);
	while (st.owned) {
		struct owned *o = st.owned;

		st.owned = o->next;
		remove_owned(o);
	}
	free(st.foreign);
	while (st.candidates) {
		struct candidate *c = st.candidates;

		st.candidates = c->next;
		candidate_free(c);
	}
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
