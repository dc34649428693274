/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "fake-kernel.h"
#include "pmcmd.h"
#include "unit.h"
#include "util.h"

struct fk_sent fk_sent[FK_MAX_SENT];
unsigned int fk_n_sent;
struct sf_daemon *fk_daemon;

static int fake_send(void *ctx, struct nlmsghdr *msg, bool dump,
		     sf_pm_reply_func_t reply, void *user_data)
{
	ck_assert_uint_lt(fk_n_sent, FK_MAX_SENT);
	fk_sent[fk_n_sent++] = (struct fk_sent) {
		l_memdup(msg, msg->nlmsg_len), reply, user_data, false
	};
	return 0;
}

static const struct sf_pm_transport fake_transport = { fake_send, NULL };

void fk_setup(const char *const *plugins)
{
	struct sf_config *config = sf_config_new_defaults();
	struct sf_plugins *loaded;
	const char *top = getenv("top_builddir");
	_auto_(l_free) char *dir = l_strdup_printf("%s/plugins/.libs",
						   top ? top : ".");
	char err[512];

	l_free(config->policy);
	config->policy = l_strdup(plugins[0]);
	/* Test interfaces are made up: let every one through. */
	l_strv_free(config->filter.exclude_interfaces);
	config->filter.exclude_interfaces = NULL;

	ck_assert_msg(sf_plugins_load(dir, (char **) plugins,
				      SF_PLUGIN_MODE_USERSPACE, &loaded, err,
				      sizeof(err)) == 0, "%s", err);
	ck_assert_msg(sf_daemon_load_policies(loaded, config, err,
					      sizeof(err)) == 0, "%s", err);
	fk_daemon = sf_daemon_new(config, loaded);
	sf_daemon_set_transport(fk_daemon, &fake_transport);
	fk_n_sent = 0;
}

void fk_teardown(void)
{
	for (unsigned int i = 0; i < fk_n_sent; i++) {
		if (!fk_sent[i].replied)
			fk_answer(i, -ECANCELED, NULL);
		l_free(fk_sent[i].msg);
	}
	sf_daemon_free(fk_daemon);
	fk_daemon = NULL;
}

void fk_answer(unsigned int i, int error, const char *extack)
{
	ck_assert_uint_lt(i, fk_n_sent);
	ck_assert(!fk_sent[i].replied);
	fk_sent[i].replied = true;
	fk_sent[i].reply(error, extack, NULL, fk_sent[i].user_data);
}

void fk_assert_sent(unsigned int i, const struct nlmsghdr *want)
{
	const struct nlmsghdr *got;

	ck_assert_uint_lt(i, fk_n_sent);
	ck_assert_ptr_nonnull(want);
	got = fk_sent[i].msg;
	ck_assert_uint_eq(got->nlmsg_len, want->nlmsg_len);
	ck_assert_mem_eq((const char *) got + NLMSG_HDRLEN,
			 (const char *) want + NLMSG_HDRLEN,
			 want->nlmsg_len - NLMSG_HDRLEN);
}

void fk_assert_subflow_create(unsigned int i, uint32_t token,
			      const char *local, uint8_t id,
			      const char *remote, uint16_t port)
{
	struct sf_addr l = fk_addr(local, 0), r = fk_addr(remote, port);
	struct sf_pmcmd want;

	fk_assert_sent(i, sf_pmcmd_subflow_create(&want, token, &l, id, false,
						  &r));
}

struct sf_addr fk_addr(const char *ip, uint16_t port)
{
	struct sf_addr a;

	ck_assert_int_eq(sf_addr_parse(ip, &a), 0);
	a.port = port;
	return a;
}

void fk_add_link(int32_t ifindex, const char *name, bool up)
{
	struct sf_rtnl_link link = { .ifindex = ifindex };

	snprintf(link.ifname, sizeof(link.ifname), "%s", name);
	link.flags = up ? (IFF_UP | IFF_RUNNING | IFF_LOWER_UP) : 0;
	sf_iface_table_link_update(sf_daemon_ifaces(fk_daemon), &link);
}

void fk_add_addr(int32_t ifindex, const char *ip)
{
	struct sf_rtnl_addr a = {
		.ifindex = ifindex, .addr = fk_addr(ip, 0), .prefixlen = 32,
	};

	sf_iface_table_addr_update(sf_daemon_ifaces(fk_daemon), &a);
}

void fk_del_addr(int32_t ifindex, const char *ip)
{
	struct sf_rtnl_addr a = {
		.ifindex = ifindex, .addr = fk_addr(ip, 0), .prefixlen = 32,
	};

	sf_iface_table_addr_delete(sf_daemon_ifaces(fk_daemon), &a);
}

void fk_feed(enum sf_event_type type, uint32_t token, const char *saddr,
	     uint16_t sport, const char *daddr, uint16_t dport, int error)
{
	struct sf_event ev = { .type = type, .token = token, .error = error };

	ev.has = SF_EVENT_HAS_TOKEN;
	if (saddr) {
		ev.saddr = fk_addr(saddr, sport);
		ev.daddr = fk_addr(daddr, dport);
		ev.family = ev.saddr.family;
		ev.has |= SF_EVENT_HAS_FAMILY | SF_EVENT_HAS_SADDR |
			  SF_EVENT_HAS_DADDR | SF_EVENT_HAS_SPORT |
			  SF_EVENT_HAS_DPORT;
	}
	if (error)
		ev.has |= SF_EVENT_HAS_ERROR;

	sf_daemon_handle_event(fk_daemon, &ev);
}
