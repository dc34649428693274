/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Glue: the uid that owns a connection's socket, learned once with one
 * exact sock_diag lookup (by token, no dump) and cached on the connection
 * (sf_conn_get_owner()), for D-Bus (Connection1.Owner, the owner's right
 * to call its connection's methods). Never waits: what is not known yet is
 * unknown now, and known from the answer on.
 */
#pragma once

#include "daemon.h"

/*
 * Ask for conn's owner unless it is known or being asked for. The answer
 * lands on the connection if it still exists. Returns 0 (asked, or nothing
 * to ask) or a negative errno (no sock_diag socket: -ENETDOWN).
 */
int sf_owner_learn(struct sf_daemon *daemon, struct sf_conn *conn);
