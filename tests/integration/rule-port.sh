#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A [rule] by destination port gives matching connections another policy
# than the default: port 5202 gets ndiffports (two subflows over the
# initial path), every other port the default fullmesh (one per path).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 2
cat >"$SF_TMP/subflowd.conf" <<EOC
[core]
policy = fullmesh

[filter]
exclude-interfaces =

[rule bulk]
match-port = 5202
policy = ndiffports
EOC
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf"

xfer_server -p 5201
xfer_server -p 5202
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 60 >"$SF_TMP/c1.log" 2>&1 &
xfer_client -a "$LAB_SRV_ADDR_1" -p 5202 --hold 60 >"$SF_TMP/c2.log" 2>&1 &

wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5201
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.1.1 " 5202
wait_log 5 'rule bulk matches: policy ndiffports'
expect_eq "$(grep -c 'rule bulk matches' "$(daemon_log)")" 1 "connections the rule matched"
log "ok"
