/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: a Unix group's gid and members, looked up in the user and group
 * databases (NSS) by a short-lived child process that sends the answer
 * back over a pipe and exits. The NSS modules (libnss_systemd, sssd, LDAP)
 * are loaded into the child alone: the daemon never maps them nor keeps
 * what they allocate, and its event loop never waits for a slow lookup.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* What the databases say of a group. */
struct sf_group {
	gid_t gid;
	/* The users listed as its members and those whose primary group it
	 * is (a user who is both counts once), in no set order. */
	unsigned int n_uids;
	const uid_t *uids;
};

/*
 * error: 0 and the group (valid during the call only); -ENOENT when no
 * group has that name; -ETIMEDOUT when the child took longer than the
 * timeout (it is killed); -EPROTO when it died without a whole answer;
 * another negative errno when the databases failed.
 */
typedef void (*sf_group_lookup_func_t)(int error, const struct sf_group *group,
				       void *user_data);
typedef void (*sf_group_lookup_destroy_func_t)(void *user_data);

/*
 * Look the group name up in a child process, for timeout_ms at most.
 * Returns the lookup's id (> 0), or a negative errno (the child could not
 * be started), and then neither func nor destroy ever runs. Otherwise func
 * runs exactly once, from the event loop and never from inside the call,
 * and destroy (may be NULL) runs once after it, or after
 * sf_group_lookup_cancel(), which suppresses func.
 */
int sf_group_lookup(const char *name, unsigned int timeout_ms,
		    sf_group_lookup_func_t func, void *user_data,
		    sf_group_lookup_destroy_func_t destroy);

/* Kill the lookup's child: func never runs, destroy does now. false: no
 * lookup has this id (any more). */
bool sf_group_lookup_cancel(unsigned int id);

/*
 * Lookups not freed yet: their children are running or not yet reaped,
 * the cancelled and timed out ones included (each is reaped from the event
 * loop once it has exited). For tests.
 */
unsigned int sf_group_lookup_children(void);
