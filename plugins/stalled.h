/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the policies that replace a stalled subflow (handover, quality)
 * do alike: close it, and say so. Each finds its stalled subflows its own
 * way, and forgets its own history of the path once it is closed.
 */
#ifndef SUBFLOWD_PLUGINS_STALLED_H
#define SUBFLOWD_PLUGINS_STALLED_H

#include <string.h>
#include <syslog.h>

#include <subflowd/plugin.h>

/*
 * Close conn's stalled subflow sf, so that the kernel sends its data again
 * on the other subflows, and the caller can open its path anew. policy
 * names the caller in the log; takers says which subflows take the data.
 * Returns 0, or the negative errno of sf_subflow_destroy() (logged).
 */
static inline int sf_stalled_close(struct sf_conn *conn,
				   const struct sf_subflow_info *sf,
				   const char *policy, const char *takers)
{
	char buf[SF_ADDR_STRLEN];
	int r;

	r = sf_subflow_destroy(conn, &sf->local, &sf->remote, NULL, NULL, NULL);
	sf_addr_to_str(&sf->local, true, buf);
	if (r < 0)
		sf_log(LOG_INFO, "[%08x] %s: cannot close stalled subflow %s: %s",
		       sf_conn_token(conn), policy, buf, strerror(-r));
	else
		sf_log(LOG_INFO, "[%08x] %s: closing stalled subflow %s, %s take "
		       "its data", sf_conn_token(conn), policy, buf, takers);
	return r;
}

#endif
