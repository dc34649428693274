/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * announce: the server side. Every connection a peer opened to us learns
 * (ADD_ADDR) each other eligible local address of its family whose
 * interface has `announce = true` and `enabled = true`, so that the peer,
 * which knows its own paths, can join them. The daemon listens on each
 * announced address and port so that the joins are accepted. A local
 * address that appears later is announced to the live connections; one
 * that goes away is withdrawn (REMOVE_ADDR), and the peer closes its
 * subflows to it. Setting an interface's `announce` or `enabled` at run
 * time (reload, SetInterfacePolicy) announces or withdraws its addresses on
 * live connections at once.
 *
 * Connections we initiated are left alone. A server runs this as its
 * default policy (`-p announce`) or names it in a [rule].
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <subflowd/plugin.h>

/* The address ids announced on one connection (its sf_conn_get_data()). */
struct announced {
	uint64_t ids[4];		/* bit i: id i was announced */
};

static bool id_test(const struct announced *a, uint8_t id)
{
	return a->ids[id / 64] & (1ULL << (id % 64));
}

static void id_set(struct announced *a, uint8_t id, bool on)
{
	if (on)
		a->ids[id / 64] |= 1ULL << (id % 64);
	else
		a->ids[id / 64] &= ~(1ULL << (id % 64));
}

static bool announcing(const struct sf_conn *conn)
{
	return sf_conn_established(conn) && sf_conn_server_side(conn);
}

/* An ANNOUNCE asked for: what its outcome is said of. */
struct sent {
	uint32_t token;
	struct sf_local_addr local;	/* ifname not kept */
};

static void say_refused(const struct sent *s, int error)
{
	char buf[SF_ADDR_STRLEN];

	sf_log(LOG_INFO, "[%08x] announce: cannot announce %s: %s", s->token,
	       sf_addr_to_str(&s->local.addr, false, buf), strerror(-error));
}

/*
 * Said once per address and connection: announced, or why not when it is
 * not the kernel's refusal (which the daemon logs): -EADDRINUSE, a socket
 * that is not an MPTCP listener holds the address and port, so joins there
 * would fail; nothing was sent.
 */
static void announce_done(int error, const char *extack, void *user_data)
{
	const struct sent *s = user_data;
	char buf[SF_ADDR_STRLEN];

	if (!error)
		sf_debug("[%08x] announce: %s (id %u) announced",
			 s->token, sf_addr_to_str(&s->local.addr, false, buf),
			 s->local.id);
	else if (error == -EADDRINUSE)
		say_refused(s, error);
}

static void announce_one(const struct sf_local_addr *local, void *user_data)
{
	struct sf_conn *conn = user_data;
	const struct sf_addr *own = sf_conn_local(conn);
	uint32_t token = sf_conn_token(conn);
	struct sf_iface_policy policy;
	struct announced *a;
	struct sent *sent;
	int r;

	/* The peer knows the address it connected to. */
	if (local->addr.family != own->family ||
	    sf_addr_ip_equal(&local->addr, own))
		return;

	sf_iface_get_policy(local->ifindex, &policy);
	if (!policy.enabled || !policy.announce)
		return;

	a = sf_conn_get_data(conn, SF_PLUGIN_SELF);
	if (!a) {
		a = calloc(1, sizeof(*a));
		if (!a)
			return;
		sf_conn_set_data(conn, SF_PLUGIN_SELF, a, free);
	} else if (id_test(a, local->id)) {
		return;
	}

	sent = malloc(sizeof(*sent));
	if (!sent)
		return;
	sent->token = token;
	sent->local = *local;
	sent->local.ifname = NULL;
	r = sf_addr_announce(conn, local, 0, announce_done, sent, free);
	if (r < 0) {
		say_refused(&(struct sent) { token, *local }, r);
		free(sent);
		return;
	}

	/* Asked once: a refusal is not tried again on its own. */
	id_set(a, local->id, true);
}

static enum sf_verdict announce_established(struct sf_conn *conn)
{
	if (announcing(conn))
		sf_local_addr_foreach(announce_one, conn);

	return SF_VERDICT_CONTINUE;
}

static enum sf_verdict announce_closed(struct sf_conn *conn)
{
	sf_conn_set_data(conn, SF_PLUGIN_SELF, NULL, NULL);
	return SF_VERDICT_CONTINUE;
}

static void announce_new(struct sf_conn *conn, void *user_data)
{
	if (announcing(conn))
		announce_one(user_data, conn);
}

static enum sf_verdict announce_local_added(const struct sf_local_addr *addr)
{
	sf_conn_foreach(SF_PLUGIN_SELF, announce_new, (void *) addr);
	return SF_VERDICT_CONTINUE;
}

static void withdraw(struct sf_conn *conn, void *user_data)
{
	const struct sf_local_addr *local = user_data;
	uint32_t token = sf_conn_token(conn);
	struct announced *a = sf_conn_get_data(conn, SF_PLUGIN_SELF);
	char buf[SF_ADDR_STRLEN];
	int r;

	if (!a || !id_test(a, local->id))
		return;

	id_set(a, local->id, false);
	r = sf_addr_remove(conn, local->id, NULL, NULL, NULL);
	if (r < 0)
		sf_log(LOG_INFO,
		       "[%08x] announce: cannot withdraw %s: %s", token,
		       sf_addr_to_str(&local->addr, false, buf), strerror(-r));
	else
		sf_debug("[%08x] announce: %s (id %u) withdrawn", token,
			 sf_addr_to_str(&local->addr, false, buf), local->id);
}

static enum sf_verdict announce_local_removed(const struct sf_local_addr *addr)
{
	sf_conn_foreach(SF_PLUGIN_SELF, withdraw, (void *) addr);
	return SF_VERDICT_CONTINUE;
}

/* The interface's `announce` changed: follow it on conn. */
static void announce_or_withdraw(struct sf_conn *conn, void *user_data)
{
	const struct sf_local_addr *local = user_data;
	struct sf_iface_policy policy;

	if (!announcing(conn))
		return;

	sf_iface_get_policy(local->ifindex, &policy);
	if (policy.enabled && policy.announce)
		announce_one(local, conn);
	else
		withdraw(conn, (void *) local);
}

static void iface_addr_changed(const struct sf_local_addr *local,
			       void *user_data)
{
	const int32_t *ifindex = user_data;

	if (local->ifindex == *ifindex)
		sf_conn_foreach(SF_PLUGIN_SELF, announce_or_withdraw,
				(void *) local);
}

static enum sf_verdict announce_policy_changed(int32_t ifindex,
					       const char *ifname,
					       const struct sf_iface_policy *old)
{
	struct sf_iface_policy now;

	sf_iface_get_policy(ifindex, &now);
	if (now.announce != old->announce || now.enabled != old->enabled)
		sf_local_addr_foreach(iface_addr_changed, &ifindex);

	return SF_VERDICT_CONTINUE;
}

static const struct sf_plugin_ops announce_ops = {
	.conn_established = announce_established,
	.conn_closed = announce_closed,
	.local_addr_added = announce_local_added,
	.local_addr_removed = announce_local_removed,
	.iface_policy_changed = announce_policy_changed,
};

SF_PLUGIN_DEFINE("announce", 100, SF_PLUGIN_MODE_USERSPACE,
		 SF_PLUGIN_FLAG_ON_DEMAND, NULL, NULL,
		 &announce_ops);
