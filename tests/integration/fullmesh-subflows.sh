#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fullmesh honours "[interface NAME] subflows = N": with N = 2 on path 2,
# the connection has exactly three subflows, two of them from 10.0.2.1 (on
# two source ports), as both ends see it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 2
printf '[filter]\nexclude-interfaces =\n[interface c-eth2]\nsubflows = 2\n' \
	>"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh

xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 30 >"$SF_TMP/client.log" 2>&1 &

wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.2.1 " 5201
expect_eq "$(mptcp_subflows "$LAB_CLI" 5201 | awk '{print $2}' | sort -u)" \
	"10.0.1.2:5201" "remote end of every subflow"
wait_subflows 5 "$LAB_SRV" 3 5201
expect_eq "$(mptcp_subflows "$LAB_SRV" 5201 | awk '{print $2}' | sed 's/:.*//' | sort | tr '\n' ' ')" \
	"10.0.1.1 10.0.2.1 10.0.2.1 " "client addresses seen by the server"
# Everything the policy opens was asked for when the connection was
# established: nothing more follows.
expect_eq "$(grep -c 'fullmesh: 2 subflows 10.0.2.1 -> 10.0.1.2:5201' "$(daemon_log)")" 1 \
	"subflows opened from 10.0.2.1"
expect_eq "$(subflow_count "$LAB_CLI" 5201)" 3 "subflows in the end"
log "ok"
