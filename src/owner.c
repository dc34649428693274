/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "owner.h"
#include "sockdiag.h"

/* user_data is the token: the connection is looked up again, and nothing
 * here dangles if the answer outlives its asker (the D-Bus service). */
static void owner_answer(int error, const struct sf_sockdiag_owner *owner,
			 void *user_data)
{
	uint32_t token = L_PTR_TO_UINT(user_data);
	struct sf_daemon *d = sf_daemon_get();
	struct sf_conn *conn;

	conn = d ? sf_conn_table_lookup(sf_daemon_conns(d), token) : NULL;
	if (!conn)
		return;

	sf_conn_set_owner_asked(conn, false);
	if (error < 0) {
		sf_conn_debug(token, "socket owner unknown: %s",
			      strerror(-error));
		return;
	}

	sf_conn_set_owner(conn, owner->uid);
}

int sf_owner_learn(struct sf_daemon *d, struct sf_conn *conn)
{
	struct sf_sockdiag *sd = sf_daemon_sockdiag(d);
	uint32_t uid;
	int r;

	if (sf_conn_get_owner(conn, &uid) || sf_conn_owner_asked(conn))
		return 0;

	if (!sd)
		return -ENETDOWN;

	r = sf_sockdiag_query_owner(sd, sf_conn_token(conn), owner_answer,
				    L_UINT_TO_PTR(sf_conn_token(conn)), NULL);
	if (r < 0)
		return r;

	sf_conn_set_owner_asked(conn, true);
	return 0;
}
