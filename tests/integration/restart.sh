#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Restart without loss: kill -9 the daemon while connections live, start it
# again: it adopts them from sock_diag (token, addresses, subflows) and keeps
# managing them, so a later link change still acts on them.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 3
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh

xfer_server -p 5201
xfer_server -p 5202
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 60 >"$SF_TMP/c1.log" 2>&1 &
xfer_client -a "$LAB_SRV_ADDR_1" -p 5202 --hold 60 >"$SF_TMP/c2.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5201
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5202
tokens=$(mptcp_tokens "$LAB_CLI" | tr '\n' ' ')

# No goodbye: SIGKILL.
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
unset "SF_DAEMON_PID[$LAB_CLI]"
mv "$DAEMON_LOG" "$SF_TMP/first.log"

start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh
for tok in $tokens; do
	grep -q "^\[$tok\] adopted client-side connection with 3 subflows, policy fullmesh$" \
		"$DAEMON_LOG" || fail "connection $tok not adopted: $(cat "$DAEMON_LOG")"
done
# Adopted complete: nothing was added or duplicated.
expect_eq "$(subflow_count "$LAB_CLI")" 6 "subflows after the restart"

# Still managed: path 3 goes and comes back, on both connections.
lab_fail 3 link
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5201
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5202
lab_restore 3
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5201
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5202
log "ok"
