/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "hold.h"

struct held {
	struct l_queue *events;		/* struct sf_event; NULL: released */
	unsigned int stamp;
	unsigned int query;
	bool has_owner;
	struct sf_sockdiag_owner owner;
};

struct sf_hold {
	/* token -> struct held; NULL until the first */
	struct l_hashmap *map;
	unsigned int waiting;		/* entries with events */
};

static void held_free(void *data)
{
	struct held *h = data;

	l_queue_destroy(h->events, l_free);
	l_free(h);
}

struct sf_hold *sf_hold_new(void)
{
	return l_new(struct sf_hold, 1);
}

void sf_hold_free(struct sf_hold *hold)
{
	if (!hold)
		return;

	l_hashmap_destroy(hold->map, held_free);
	l_free(hold);
}

static struct held *waiting(const struct sf_hold *hold, uint32_t token)
{
	struct held *h;

	if (!hold->waiting)
		return NULL;

	h = l_hashmap_lookup(hold->map, L_UINT_TO_PTR(token));
	return h && h->events ? h : NULL;
}

int sf_hold_start(struct sf_hold *hold, const struct sf_event *first,
		  unsigned int stamp)
{
	struct held *h;

	if (l_hashmap_lookup(hold->map, L_UINT_TO_PTR(first->token)))
		return -EEXIST;

	h = l_new(struct held, 1);
	h->events = l_queue_new();
	h->stamp = stamp;
	l_queue_push_tail(h->events, l_memdup(first, sizeof(*first)));
	if (!hold->map)
		hold->map = l_hashmap_new();
	l_hashmap_insert(hold->map, L_UINT_TO_PTR(first->token), h);
	hold->waiting++;
	return 0;
}

bool sf_hold_push(struct sf_hold *hold, const struct sf_event *ev)
{
	struct held *h = waiting(hold, ev->token);

	if (!h)
		return false;

	l_queue_push_tail(h->events, l_memdup(ev, sizeof(*ev)));
	return true;
}

bool sf_hold_contains(const struct sf_hold *hold, uint32_t token)
{
	return waiting(hold, token) != NULL;
}

void sf_hold_set_query(struct sf_hold *hold, uint32_t token,
		       unsigned int query)
{
	struct held *h = waiting(hold, token);

	if (h)
		h->query = query;
}

unsigned int sf_hold_get_query(const struct sf_hold *hold, uint32_t token)
{
	struct held *h = waiting(hold, token);

	return h ? h->query : 0;
}

unsigned int sf_hold_count(const struct sf_hold *hold)
{
	return hold->waiting;
}

struct l_queue *sf_hold_release(struct sf_hold *hold, uint32_t token,
				const struct sf_sockdiag_owner *owner,
				unsigned int *ret_stamp)
{
	struct held *h = waiting(hold, token);
	struct l_queue *events;

	if (!h)
		return NULL;

	events = h->events;
	h->events = NULL;
	h->query = 0;
	hold->waiting--;
	if (owner) {
		h->has_owner = true;
		h->owner = *owner;
	}
	if (ret_stamp)
		*ret_stamp = h->stamp;
	return events;
}

bool sf_hold_replaying(const struct sf_hold *hold, uint32_t token)
{
	struct held *h = l_hashmap_lookup(hold->map, L_UINT_TO_PTR(token));

	return h && !h->events;
}

const struct sf_sockdiag_owner *sf_hold_owner(const struct sf_hold *hold,
					      uint32_t token)
{
	struct held *h = l_hashmap_lookup(hold->map, L_UINT_TO_PTR(token));

	return h && !h->events && h->has_owner ? &h->owner : NULL;
}

void sf_hold_forget(struct sf_hold *hold, uint32_t token)
{
	struct held *h = l_hashmap_remove(hold->map, L_UINT_TO_PTR(token));

	if (!h)
		return;

	if (h->events)
		hold->waiting--;
	held_free(h);
}
