/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine: MPTCP address ids for local addresses. Each address holds a
 * stable id from 1 to 255 (id 0 belongs to a connection's initial address
 * and is never handed out) for as long as somebody holds a reference; the
 * id is free for reuse once the last reference is dropped.
 */
#pragma once

#include <stdint.h>

#include <ell/ell.h>

#include <subflowd/addr.h>

/* The highest id; ids go from 1 to it. */
#define SF_IDMGR_MAX_ID 255

struct sf_idmgr;

struct sf_idmgr *sf_idmgr_new(void);
void sf_idmgr_free(struct sf_idmgr *idmgr);
DEFINE_CLEANUP_FUNC(sf_idmgr_free);

/*
 * Take a reference on addr's id (port ignored), assigning the lowest free id
 * on first use. Returns the id (1..255) or -ENOSPC when all are in use.
 */
int sf_idmgr_ref(struct sf_idmgr *idmgr, const struct sf_addr *addr);

/* Drop a reference; returns -ENOENT if addr holds no id. */
int sf_idmgr_unref(struct sf_idmgr *idmgr, const struct sf_addr *addr);

/* The id addr holds, or 0 when it holds none. */
uint8_t sf_idmgr_lookup(const struct sf_idmgr *idmgr, const struct sf_addr *addr);

/* Number of ids in use. */
unsigned int sf_idmgr_count(const struct sf_idmgr *idmgr);
