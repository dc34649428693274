#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A subflow that dies with an error (killed with ss -K: ECONNABORTED) is
# re-created by the core with backoff, on the same path, as a new socket;
# one whose address is gone is not.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 2
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh

xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 60 >"$SF_TMP/client.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 "

old=$(mptcp_subflows "$LAB_CLI" | awk '$1 ~ /^10\.0\.2\.1:/ {print $1}')
[[ -n $old ]] || fail "no subflow from 10.0.2.1"
# ss also tries the MPTCP socket itself, which cannot be killed: quiet.
ip netns exec "$LAB_CLI" ss -K src 10.0.2.1 dst 10.0.1.2 dport = 5201 >/dev/null 2>&1

wait_log 10 'subflow 10\.0\.2\.1:[0-9]+ -> 10\.0\.1\.2:5201 closed: Software caused connection abort'
wait_log 5 're-creating subflow 10\.0\.2\.1 -> 10\.0\.1\.2:5201 in 1000 ms'
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 "
new=$(mptcp_subflows "$LAB_CLI" | awk '$1 ~ /^10\.0\.2\.1:/ {print $1}')
[[ $new != "$old" ]] || fail "the subflow was not re-created: still $old"
log "re-created: was $old, now $new"

# Kill it again after taking its address away: nothing is re-created.
ip -n "$LAB_CLI" addr del "$LAB_CLI_ADDR_2/24" dev "$LAB_CLI_DEV_2"
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 "
wait_log 10 "subflow ${new//./\\.} -> 10\\.0\\.1\\.2:5201 closed"
expect_eq "$(grep -c 're-creating subflow 10\.0\.2\.1' "$(daemon_log)")" 1 \
	"re-creations scheduled in all"
log "ok"
