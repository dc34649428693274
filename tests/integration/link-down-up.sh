#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A path whose link loses its carrier loses its subflows; while it is down
# new connections do without it; when it returns, live and new connections
# get a subflow on it again, without any new address event from the kernel.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 3
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh

# One server port per connection, so each connection's subflows are told
# apart by their remote port.
for port in 5201 5202 5203; do
	xfer_server -p "$port"
done

xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 60 >"$SF_TMP/c1.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5201

# Unplug path 3 (the far end goes down: carrier loss, routes stay).
lab_fail 3 link
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5201

xfer_client -a "$LAB_SRV_ADDR_1" -p 5202 --hold 60 >"$SF_TMP/c2.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5202

# Plug it back in.
lab_restore 3
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5201
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5202

xfer_client -a "$LAB_SRV_ADDR_1" -p 5203 --hold 60 >"$SF_TMP/c3.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5203
log "ok"
