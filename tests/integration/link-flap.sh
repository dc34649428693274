#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A path that flaps 200 times during a transfer: the transfer completes,
# no stale subflow is left (the path carries exactly one subflow again),
# and the daemon's memory returns to its baseline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

FLAPS=${SF_FLAPS:-200}

rss_kib() {
	awk '/^VmRSS:/ {print $2}' "/proc/$DAEMON_PID/status"
}

lab_up --paths 2 --rate 50
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh
xfer_server -p 5201

# Warm up: one connection through the whole life cycle, then the baseline.
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 -n 100000 >/dev/null 2>&1
wait_log 10 'connection closed'
base=$(rss_kib)

# Long enough for the flaps on a loaded machine; ended (SIGTERM: a clean
# end, status 0) once the path is back.
# (ip netns exec execs the client: $! is its pid.)
ip netns exec "$LAB_CLI" "$XFER" client -a "$LAB_SRV_ADDR_1" -p 5201 -t 300 \
	>"$SF_TMP/client.log" 2>&1 &
client=$!
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5201

for ((i = 0; i < FLAPS; i++)); do
	ip -n "$LAB_SRV" link set "$LAB_SRV_DEV_2" down
	ip -n "$LAB_SRV" link set "$LAB_SRV_DEV_2" up
done

# The path is back: exactly one subflow on it, none left over.
wait_subflow_locals 20 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5201
kill -TERM "$client"
rc=0
wait "$client" || rc=$?
expect_eq "$rc" 0 "transfer across $FLAPS flaps: $(tail -n 2 "$SF_TMP/client.log")"
grep -q '^bytes=[1-9][0-9]* ' "$SF_TMP/client.log" || fail "no bytes moved"
_both_closed() {
	[[ $(grep -c 'connection closed' "$(daemon_log)") == 2 ]]
}
wait_until 10 _both_closed

# Every connection is gone from the daemon and its memory is back.
after=$(rss_kib)
log "daemon RSS: ${base} KiB before, ${after} KiB after $FLAPS flaps"
((after <= base + 256)) || fail "daemon RSS grew from $base to $after KiB"
log "ok"
