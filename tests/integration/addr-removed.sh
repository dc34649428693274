#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# An address removed from the client mid-connection loses its subflow; the
# other paths keep theirs.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 3
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh

xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 30 >"$SF_TMP/client.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 "

ip -n "$LAB_CLI" addr del "$LAB_CLI_ADDR_3/24" dev "$LAB_CLI_DEV_3"
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 "
wait_subflows 10 "$LAB_SRV" 2

# Adding it back brings the subflow back to the live connection.
ip -n "$LAB_CLI" addr add "$LAB_CLI_ADDR_3/24" dev "$LAB_CLI_DEV_3"
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 "
log "ok"
