#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# With three paths and the userspace PM in the client namespace, subflowd's
# fullmesh gives a client connection exactly three subflows, one per path,
# as the kernel reports them (ss), on both ends.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 3
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh

xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 30 >"$SF_TMP/client.log" 2>&1 &

wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 "
# Every subflow goes to the server's initial address and port.
expect_eq "$(mptcp_subflows "$LAB_CLI" | awk '{print $2}' | sort -u)" \
	"10.0.1.2:5201" "remote end of every subflow"
# The server sees the same three, each arriving on its own path.
wait_subflows 5 "$LAB_SRV" 3
expect_eq "$(mptcp_subflows "$LAB_SRV" | awk '{print $2}' | sed 's/:.*//' | sort | tr '\n' ' ')" \
	"10.0.1.1 10.0.2.1 10.0.3.1 " "client addresses seen by the server"

# Once the daemon has seen both joins, still exactly three: no duplicates.
wait_log 5 'subflow 10\.0\.3\.1:[0-9]+ -> 10\.0\.1\.2:5201 established'
wait_log 5 'subflow 10\.0\.2\.1:[0-9]+ -> 10\.0\.1\.2:5201 established'
expect_eq "$(subflow_count "$LAB_CLI")" 3 "subflows after both joins"
log "ok: $(mptcp_subflows "$LAB_CLI" | tr '\n' ';')"
