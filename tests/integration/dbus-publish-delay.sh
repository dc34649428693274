#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A connection appears on the bus once it has lived 200 ms
# (SF_DBUS_PUBLISH_DELAY_MS), on the real kernel and a real bus: short
# client connections (each 100 ms or less from connected to the server's
# close, by the client's own clock) never reach `subflowctl monitor` as "added", while a held one
# does, with its subflows, and is listed. The order of signals on the bus
# makes the held connection's "added" the proof that anything sent about
# the short ones before it has arrived.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/dbus-lib.sh"
require_root_and_mptcp

lab_up --paths 2
bus_up
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh --bus "$BUS"
sfctl monitor >"$SF_TMP/monitor.log" 2>&1 &
wait_until 10 grep -q '^monitoring' "$SF_TMP/monitor.log"
xfer_server -p 5201

short=()
for i in $(seq 1 20); do
	xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 -n 1000 >"$SF_TMP/short-$i.log" 2>&1 ||
		fail "short client $i: $(cat "$SF_TMP/short-$i.log")"
	tok=$(sed -n 's/^connected token=\([0-9a-f]*\) .*/\1/p' "$SF_TMP/short-$i.log")
	[[ $tok =~ ^[0-9a-f]{8}$ ]] || fail "short client $i printed no token"
	# Only those that surely lived less than the delay count: the
	# client's summary times it from connected to the server's close.
	secs=$(sed -n 's/^bytes=[0-9]* seconds=\([0-9.]*\) .*/\1/p' "$SF_TMP/short-$i.log")
	[[ -n $secs ]] || fail "short client $i printed no summary"
	awk -v s="$secs" 'BEGIN { exit !(s <= 0.10) }' && short+=("$tok")
done
log "${#short[@]} of 20 short connections lived 100 ms or less"
((${#short[@]} >= 5)) || skip "too few short connections on this loaded machine"
# The daemon saw each of them.
for tok in "${short[@]}"; do
	wait_log 5 "\[$tok\] connection created"
done

xfer_servers 5202
held_client 5202
held=$(client_token 5202)
_held_added() { grep -q "connection $held added" "$SF_TMP/monitor.log"; }
wait_until 10 _held_added
grep "connection $held added" "$SF_TMP/monitor.log" | grep -q 'Subflows=' ||
	fail "the held connection was announced without its subflows"
sfctl connections | grep -q "$held" || fail "the held connection is not listed"

n=0
for tok in "${short[@]}"; do
	grep -q "connection $tok added" "$SF_TMP/monitor.log" && n=$((n + 1))
done
expect_eq "$n" 0 "short connections announced on the bus"
end_held 5202
log "ok"
