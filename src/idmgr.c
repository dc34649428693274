/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "idmgr.h"


struct sf_idmgr_entry {
	struct sf_addr addr;
	unsigned int refs;
};

/* entries[id] is the holder of id; entries[0] is never used. */
struct sf_idmgr {
	struct sf_idmgr_entry *entries[SF_IDMGR_MAX_ID + 1];
	unsigned int count;
};

struct sf_idmgr *sf_idmgr_new(void)
{
	return l_new(struct sf_idmgr, 1);
}

void sf_idmgr_free(struct sf_idmgr *idmgr)
{
	if (!idmgr)
		return;

	for (unsigned int id = 1; id <= SF_IDMGR_MAX_ID; id++)
		l_free(idmgr->entries[id]);

	l_free(idmgr);
}

static unsigned int idmgr_find(const struct sf_idmgr *idmgr,
			       const struct sf_addr *addr)
{
	for (unsigned int id = 1; id <= SF_IDMGR_MAX_ID; id++) {
		const struct sf_idmgr_entry *e = idmgr->entries[id];

		if (e && sf_addr_ip_equal(&e->addr, addr))
			return id;
	}

	return 0;
}

int sf_idmgr_ref(struct sf_idmgr *idmgr, const struct sf_addr *addr)
{
	unsigned int id = idmgr_find(idmgr, addr);

	if (id) {
		idmgr->entries[id]->refs++;
		return id;
	}

	for (id = 1; id <= SF_IDMGR_MAX_ID; id++) {
		if (idmgr->entries[id])
			continue;

		idmgr->entries[id] = l_new(struct sf_idmgr_entry, 1);
		idmgr->entries[id]->addr = *addr;
		idmgr->entries[id]->addr.port = 0;
		idmgr->entries[id]->refs = 1;
		idmgr->count++;
		return id;
	}

	return -ENOSPC;
}

int sf_idmgr_unref(struct sf_idmgr *idmgr, const struct sf_addr *addr)
{
	unsigned int id = idmgr_find(idmgr, addr);

	if (!id)
		return -ENOENT;

	if (--idmgr->entries[id]->refs == 0) {
		l_free(idmgr->entries[id]);
		idmgr->entries[id] = NULL;
		idmgr->count--;
	}

	return 0;
}

uint8_t sf_idmgr_lookup(const struct sf_idmgr *idmgr, const struct sf_addr *addr)
{
	return idmgr_find(idmgr, addr);
}

unsigned int sf_idmgr_count(const struct sf_idmgr *idmgr)
{
	return idmgr->count;
}
