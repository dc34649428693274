/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * For unit tests: the daemon core with real plugins (from the build tree)
 * over a fake kernel. Every command that would reach the kernel is kept at
 * the transport seam until the test answers it; events are fed in
 * directly, interfaces through the interface table.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "daemon.h"
#include "event.h"
#include "pm.h"

#define FK_MAX_SENT 64

struct fk_sent {
	struct nlmsghdr *msg;		/* a copy, as the transport got it */
	sf_pm_reply_func_t reply;
	void *user_data;
	bool replied;
};

/* The commands sent so far, in order. */
extern struct fk_sent fk_sent[FK_MAX_SENT];
extern unsigned int fk_n_sent;
/* The daemon of the test, between fk_setup() and fk_teardown(). */
extern struct sf_daemon *fk_daemon;

/* A daemon with the NULL-terminated plugins loaded (the first one is the
 * default policy) and every interface eligible. */
void fk_setup(const char *const *plugins);
/* Answer every command still waiting (-ECANCELED, as the real transport
 * does when it goes), then free the daemon. */
void fk_teardown(void);

/* The kernel answers command i, once. */
void fk_answer(unsigned int i, int error, const char *extack);
/* Command i is want (built by pmcmd.h), byte for byte after the netlink
 * header's length. */
void fk_assert_sent(unsigned int i, const struct nlmsghdr *want);
/* Command i is SUBFLOW_CREATE token local (id) -> remote:port. */
void fk_assert_subflow_create(unsigned int i, uint32_t token,
			      const char *local, uint8_t id,
			      const char *remote, uint16_t port);

struct sf_addr fk_addr(const char *ip, uint16_t port);
void fk_add_link(int32_t ifindex, const char *name, bool up);
/* An address (/32) on the interface, and its removal. */
void fk_add_addr(int32_t ifindex, const char *ip);
void fk_del_addr(int32_t ifindex, const char *ip);

/* An event; saddr NULL: the event has no addresses. error: a positive
 * errno, 0 for none. */
void fk_feed(enum sf_event_type type, uint32_t token, const char *saddr,
	     uint16_t sport, const char *daddr, uint16_t dport, int error);
