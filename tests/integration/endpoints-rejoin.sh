#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Kernel mode: a join the in-kernel PM loses to the path is tried again. Path
# 2's far end goes down and its endpoint goes; the link comes back while the
# server's address on it is missing, so the kernel PM's join from the
# endpoint added back dies ("No route to host": nobody answers ARP) and the
# kernel would never try again. The endpoints policy deletes the endpoint
# and adds it back; once the server's address has returned, that next join
# establishes the subflow.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 2 --client-pm kernel
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -m kernel -p endpoints
wait_log 10 'adding endpoint 10\.0\.2\.1 '

xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 60 >"$SF_TMP/client.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 "

lab_fail 2 link
wait_log 10 'deleting endpoint 10\.0\.2\.1 id [0-9]+ \(address gone\)'
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 "
in_ns "$LAB_SRV" ip addr del "$LAB_SRV_ADDR_2/24" dev "$LAB_SRV_DEV_2"
lab_restore 2

# The kernel PM's join from the endpoint added back is lost, and the policy
# adds the endpoint back once more.
wait_log 20 'subflow 10\.0\.2\.1:[0-9]+ -> 10\.0\.1\.2:5201 closed: No route to host'
log "ok: the first join after the link came back was lost"
wait_log 10 'deleting endpoint 10\.0\.2\.1 id [0-9]+ \(adding it back after a lost join\)'
log "ok: the endpoint is deleted to be added back"
in_ns "$LAB_SRV" ip addr add "$LAB_SRV_ADDR_2/24" dev "$LAB_SRV_DEV_2"
wait_subflow_locals 30 "$LAB_CLI" "10.0.1.1 10.0.2.1 "
log "ok: path 2 has its subflow again"
expect_eq "$(in_ns "$LAB_CLI" ip mptcp endpoint show | grep -c '^10\.0\.2\.1 ')" 1 \
	"endpoints for 10.0.2.1"
expect_rc 0 "daemon exit on SIGTERM" stop_daemon "$LAB_CLI"
