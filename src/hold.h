/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine: the events of connections whose policy is not chosen yet, held
 * in their order of arrival. A [rule] that matches on the socket's owner
 * needs an answer from sock_diag before a new connection's policy is known;
 * until then nothing of that connection may reach a plugin, and nothing may
 * be lost. The daemon holds the first event of such a connection and every
 * later one with its token, then, once the owner is known (or known to be
 * unknowable), replays them in order. No sockets here.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <ell/ell.h>

#include "event.h"
#include "sockdiag.h"

struct sf_hold;

struct sf_hold *sf_hold_new(void);
/* Held events are dropped. */
void sf_hold_free(struct sf_hold *hold);
DEFINE_CLEANUP_FUNC(sf_hold_free);

/*
 * Start holding the events of first's token, first the first of them.
 * stamp is the caller's (e.g. how many overruns it had seen), given back
 * by sf_hold_release(). Returns 0, or -EEXIST when the token is held.
 */
int sf_hold_start(struct sf_hold *hold, const struct sf_event *first,
		  unsigned int stamp);
/* Is ev's token held? Then ev is copied to the end of its queue. */
bool sf_hold_push(struct sf_hold *hold, const struct sf_event *ev);
/* Are token's events held? */
bool sf_hold_contains(const struct sf_hold *hold, uint32_t token);
/* Remember the query that will end the hold (0: none). */
void sf_hold_set_query(struct sf_hold *hold, uint32_t token,
		       unsigned int query);
unsigned int sf_hold_get_query(const struct sf_hold *hold, uint32_t token);
/* Tokens held now. */
unsigned int sf_hold_count(const struct sf_hold *hold);

/*
 * The owner is known (owner not NULL) or cannot be learned (NULL): token's
 * events stop being held. Returns them in order (struct sf_event, to be
 * freed with l_free) and *ret_stamp; NULL when the token was not held.
 * Until sf_hold_forget(), sf_hold_owner() gives owner back (the replayed
 * events choose the policy with it).
 */
struct l_queue *sf_hold_release(struct sf_hold *hold, uint32_t token,
				const struct sf_sockdiag_owner *owner,
				unsigned int *ret_stamp);
/* Are token's events being replayed (released, not forgotten yet)? */
bool sf_hold_replaying(const struct sf_hold *hold, uint32_t token);
/* The owner given to sf_hold_release() for token, while it is replayed;
 * NULL when there is none. */
const struct sf_sockdiag_owner *sf_hold_owner(const struct sf_hold *hold,
					      uint32_t token);
void sf_hold_forget(struct sf_hold *hold, uint32_t token);
