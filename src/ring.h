/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A FIFO of fixed-size items in one growing array: pushed at the tail,
 * taken from the head, indexed from the head. Its capacity is a power of
 * 2 that doubles when full; a push allocates nothing until then. Header
 * only: the daemon's core and its systemd module both use it. The items'
 * size is the caller's, passed to every call, so that one ring serves any
 * type: SF_RING_AT() gives a typed pointer.
 */
#pragma once

#include <stddef.h>
#include <string.h>

#include <ell/ell.h>

struct sf_ring {
	void *items;			/* cap items, cap a power of 2 */
	unsigned int first, count, cap;
};

/* The item i places from the head (i < count). */
static inline void *sf_ring_at(const struct sf_ring *r, size_t size,
			       unsigned int i)
{
	return (char *) r->items + ((r->first + i) & (r->cap - 1)) * size;
}

#define SF_RING_AT(r, type, i) ((type *) sf_ring_at((r), sizeof(type), (i)))

/* A new item at the tail, uninitialised: fill it in. */
static inline void *sf_ring_push(struct sf_ring *r, size_t size)
{
	if (r->count == r->cap) {
		unsigned int cap = r->cap ? r->cap * 2 : 16;
		char *items = l_malloc(cap * size);

		for (unsigned int i = 0; i < r->count; i++)
			memcpy(items + i * size, sf_ring_at(r, size, i), size);
		l_free(r->items);
		r->items = items;
		r->cap = cap;
		r->first = 0;
	}

	return sf_ring_at(r, size, r->count++);
}

/* Drop the head item (count > 0). */
static inline void sf_ring_pop(struct sf_ring *r)
{
	r->first = (r->first + 1) & (r->cap - 1);
	r->count--;
}

/* Free the items; the ring is empty and may be pushed to again. */
static inline void sf_ring_clear(struct sf_ring *r)
{
	l_free(r->items);
	*r = (struct sf_ring) { 0 };
}
