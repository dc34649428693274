/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run-time changes of the daemon's settings, and how they reach live
 * connections: a reload of the file, the default policy, one connection's
 * policy (SetPolicy), and per-interface policies (SetInterfacePolicy).
 *
 * [interface] keys apply at once: `enabled = false` closes the interface's
 * subflows (withdrawing its addresses from the peers), `backup` is set on
 * the interface's established subflows (MP_PRIO), and the plugins hear of
 * the change (iface_policy_changed) for what is theirs to apply: opening
 * subflows on an interface enabled again, `subflows`, `announce`, endpoint
 * flags. [core] policy and [rule]s apply to new connections.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon-private.h"
#include "log.h"
#include "util.h"

/* --- interface policies ----------------------------------------------- */

/* One interface's policy before a change. */
struct iface_before {
	int32_t ifindex;
	char *ifname;
	struct sf_iface_policy policy;
};

static void iface_before_free(void *data)
{
	struct iface_before *b = data;

	l_free(b->ifname);
	l_free(b);
}

struct snapshot_ctx {
	struct sf_daemon *daemon;
	struct l_queue *before;
};

static void snapshot_link(int32_t ifindex, const char *ifname, bool up,
			  void *user_data)
{
	struct snapshot_ctx *ctx = user_data;
	struct iface_before *b = l_new(struct iface_before, 1);

	b->ifindex = ifindex;
	b->ifname = l_strdup(ifname);
	sf_daemon_get_iface_policy(ctx->daemon, ifname, &b->policy);
	l_queue_push_tail(ctx->before, b);
}

/* Every known interface's policy as it is now. */
static struct l_queue *snapshot_policies(struct sf_daemon *d)
{
	struct snapshot_ctx ctx = { d, l_queue_new() };

	sf_iface_table_foreach_link(d->ifaces, snapshot_link, &ctx);
	return ctx.before;
}

struct backup_ctx {
	int32_t ifindex;
	bool backup;
	sf_cmd_done_func_t done;
	void *user_data;
	int sent;
};

static void subflow_set_backup(struct sf_conn *conn,
			       const struct sf_subflow_info *sf, void *user_data)
{
	struct backup_ctx *ctx = user_data;
	int32_t ifindex = sf->ifindex ? sf->ifindex :
				sf_local_addr_ifindex(&sf->local);
	char l[SF_ADDR_STRLEN], r[SF_ADDR_STRLEN];
	int err;

	if (ifindex != ctx->ifindex || sf->backup == ctx->backup ||
	    sf_conn_subflow_state(conn, sf) != SF_SUBFLOW_STATE_ESTABLISHED)
		return;

	err = sf_subflow_set_backup(conn, &sf->local, &sf->remote, ctx->backup,
				    ctx->done, ctx->user_data, NULL);
	if (err > 0) {
		ctx->sent++;
		return;
	}

	sf_conn_warn(sf_conn_token(conn), "cannot set backup %s on subflow "
		     "%s -> %s: %s, ignoring", ctx->backup ? "on" : "off",
		     sf_addr_to_str(&sf->local, true, l),
		     sf_addr_to_str(&sf->remote, true, r), strerror(-err));
}

static void conn_set_backup(struct sf_conn *conn, void *user_data)
{
	sf_conn_foreach_subflow(conn, subflow_set_backup, user_data);
}

struct withdraw_ctx {
	struct sf_daemon *daemon;
	int32_t ifindex;
};

static void withdraw_from_conn(struct sf_conn *conn, void *user_data)
{
	const struct sf_local_addr *local = user_data;
	char buf[SF_ADDR_STRLEN];
	int r;

	if (!sf_conn_established(conn))
		return;

	r = sf_conn_withdraw_local_addr(conn, &local->addr);
	if (r < 0)
		sf_conn_info(sf_conn_token(conn), "cannot close subflows from "
			     "%s: %s", sf_addr_to_str(&local->addr, false, buf),
			     strerror(-r));
}

/* An interface was disabled: its subflows close on every connection. */
static void withdraw_if_on(const struct sf_local_addr *local, void *user_data)
{
	const struct withdraw_ctx *ctx = user_data;

	if (local->ifindex == ctx->ifindex)
		sf_conn_table_foreach(ctx->daemon->conns, withdraw_from_conn,
				      (void *) local);
}

/*
 * Apply what changed since before (a snapshot_policies() list, consumed) to
 * live connections. Returns how many commands went out with done.
 */
static int apply_iface_changes(struct sf_daemon *d, struct l_queue *before,
			       sf_cmd_done_func_t done, void *user_data)
{
	const struct l_queue_entry *e;
	int sent = 0;

	for (e = l_queue_get_entries(before); e; e = e->next) {
		const struct iface_before *b = e->data;
		struct sf_plugin_event_args args = {
			.ifindex = b->ifindex,
			.ifname = b->ifname,
			.old_policy = &b->policy,
		};
		struct sf_iface_policy now;

		sf_daemon_get_iface_policy(d, b->ifname, &now);
		if (!memcmp(&now, &b->policy, sizeof(now)))
			continue;

		if (!now.enabled && b->policy.enabled &&
		    d->config->mode == SF_MODE_USERSPACE)
			sf_iface_table_foreach_eligible(d->ifaces,
							withdraw_if_on,
							&(struct withdraw_ctx){
								d, b->ifindex });

		if (now.backup != b->policy.backup &&
		    d->config->mode == SF_MODE_USERSPACE) {
			struct backup_ctx ctx = {
				b->ifindex, now.backup, done, user_data, 0
			};

			sf_conn_table_foreach(d->conns, conn_set_backup, &ctx);
			sent += ctx.sent;
		}

		sf_daemon_dispatch(d, SF_PLUGIN_EVENT_IFACE_POLICY_CHANGED,
				   &args);
		NOTIFY(d, iface_changed, b->ifindex);
	}

	l_queue_destroy(before, iface_before_free);
	return sent;
}

int sf_daemon_set_iface_policy(struct sf_daemon *d, const char *ifname,
			       const struct sf_iface_policy *policy,
			       sf_cmd_done_func_t done, void *user_data)
{
	struct l_queue *before = snapshot_policies(d);

	if (!d->iface_overrides)
		d->iface_overrides = l_hashmap_string_new();
	l_free(l_hashmap_remove(d->iface_overrides, ifname));
	l_hashmap_insert(d->iface_overrides, ifname,
			 l_memdup(policy, sizeof(*policy)));

	return apply_iface_changes(d, before, done, user_data);
}

void sf_daemon_get_iface_policy(struct sf_daemon *d, const char *ifname,
				struct sf_iface_policy *ret_policy)
{
	const struct sf_iface_policy *override =
		l_hashmap_lookup(d->iface_overrides, ifname);

	if (override)
		*ret_policy = *override;
	else
		sf_config_iface_policy(d->config, ifname, ret_policy);
}

/* --- reload ------------------------------------------------------------- */

int sf_daemon_reload(struct sf_daemon *d, char *ret_err, size_t err_size)
{
	_auto_(sf_config_free) struct sf_config *config = NULL;
	const struct sf_plugin_desc *policy;
	struct l_queue *before;
	struct sf_config *old;
	int r;

	if (!d->loader) {
		snprintf(ret_err, err_size, "no configuration to reload");
		return -EOPNOTSUPP;
	}

	r = d->loader(&config, ret_err, err_size, d->loader_data);
	if (r < 0)
		return r;

	r = sf_daemon_load_policies(d->plugins, config, ret_err, err_size);
	if (r < 0)
		return r;
	policy = sf_plugins_find(d->plugins, config->policy);

	if (config->mode != d->config->mode)
		l_warn("reload: [core] mode changes take effect at restart only, "
		       "keeping %s", sf_mode_to_str(d->config->mode));
	config->mode = d->config->mode;

	before = snapshot_policies(d);
	old = d->config;
	d->config = config;
	config = NULL;
	d->default_policy = policy;

	/* Addresses the new filter drops or admits come and go now. */
	sf_iface_table_set_filter(d->ifaces, &d->config->filter);
	sf_config_free(old);
	apply_iface_changes(d, before, NULL, NULL);

	l_info("configuration reloaded from %s; default policy %s",
	       d->config->path ? d->config->path : "built-in defaults",
	       d->config->policy);
	NOTIFY(d, settings_changed, d);
	return 0;
}

/* --- policies ------------------------------------------------------------ */

int sf_daemon_load_policies(struct sf_plugins *plugins,
			    const struct sf_config *config,
			    char *ret_err, size_t err_size)
{
	const struct sf_plugin_desc *policy;
	const struct l_queue_entry *e;
	char err[512];
	int r;

	r = sf_plugins_use(plugins, config->policy, SF_PLUGINS_ANY_MODE,
			   &policy, err, sizeof(err));
	if (r < 0) {
		snprintf(ret_err, err_size, "%s: [core] policy: %s",
			 config->path ? config->path : "config", err);
		return r;
	}

	for (e = l_queue_get_entries(config->rules); e; e = e->next) {
		const struct sf_config_rule *rule = e->data;

		if (rule->policy &&
		    sf_plugins_use(plugins, rule->policy, SF_PLUGINS_ANY_MODE,
				   &policy, err, sizeof(err)) < 0)
			l_warn("rule %s: %s", rule->name, err);
	}

	return 0;
}

/* The plugin name for a D-Bus call that makes it a policy: loaded if it
 * was deferred, refused if it is for the other mode. */
static int use_policy(struct sf_daemon *d, const char *name,
		      const struct sf_plugin_desc **ret_policy)
{
	char err[512];
	int r;

	r = sf_plugins_use(d->plugins, name, sf_daemon_plugin_mode(d),
			   ret_policy, err, sizeof(err));
	if (r < 0 && r != -ENOENT && r != -EMEDIUMTYPE)
		l_warn("policy %s: %s", name, err);
	return r;
}

int sf_daemon_set_default_policy(struct sf_daemon *d, const char *name)
{
	const struct sf_plugin_desc *policy;
	int r;

	r = use_policy(d, name, &policy);
	if (r < 0)
		return r;

	d->default_policy = policy;
	l_free(d->config->policy);
	d->config->policy = l_strdup(name);
	l_info("default policy for new connections: %s", name);
	NOTIFY(d, settings_changed, d);
	return 0;
}

static void replay_announced(struct sf_conn *conn, uint8_t id,
			     const struct sf_addr *addr, void *user_data)
{
	struct sf_plugin_event_args args = { .conn = conn, .id = id,
					     .addr = addr };

	sf_plugin_deliver(user_data, SF_PLUGIN_EVENT_ADDR_ANNOUNCED, &args);
}

/*
 * The old policy lets go (conn_closed: it forgets the connection), the new
 * one sees the connection as it stands: created, established if it is, and
 * every address the peer announced.
 */
int sf_daemon_set_conn_policy(struct sf_daemon *d, struct sf_conn *conn,
			      const char *name)
{
	const struct sf_plugin_desc *old = sf_conn_get_policy(conn);
	struct sf_plugin_event_args args = { .conn = conn };
	const struct sf_plugin_desc *policy;
	int r;

	r = use_policy(d, name, &policy);
	if (r < 0)
		return r;

	if (policy == old)
		return 0;

	if (old && !d->stopping)
		sf_plugin_deliver(old, SF_PLUGIN_EVENT_CONN_CLOSED, &args);
	/* The old policy's state on it goes with it (plugin.h). */
	if (old)
		sf_conn_data_drop(conn, old);

	sf_conn_set_policy(conn, policy);
	sf_conn_info(sf_conn_token(conn), "policy set to %s", name);

	if (!d->stopping) {
		sf_plugin_deliver(policy, SF_PLUGIN_EVENT_CONN_CREATED, &args);
		if (sf_conn_established(conn)) {
			sf_plugin_deliver(policy,
					  SF_PLUGIN_EVENT_CONN_ESTABLISHED,
					  &args);
			sf_conn_foreach_remote_addr(conn, replay_announced,
						    (void *) policy);
		}
	}

	NOTIFY(d, conn_changed, conn);
	return 0;
}
