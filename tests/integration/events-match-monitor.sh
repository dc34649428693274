#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The events the daemon decodes (logged with -d) are, line for line, what
# "ip mptcp monitor" prints for the same connection in the same namespace.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 2
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"

mon="$SF_TMP/monitor.log"
ip netns exec "$LAB_CLI" stdbuf -oL ip mptcp monitor >"$mon" 2>&1 &
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh -d

xfer_server -p 5201
# Held open until its join is up, so the connection's whole life is seen:
# created, established, a subflow, closed.
ip netns exec "$LAB_CLI" "$XFER" client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 30 \
	>"$SF_TMP/client.log" 2>&1 &
client=$!
wait_subflows 10 "$LAB_CLI" 2 5201
token=$(sed -n 's/^connected token=\([0-9a-f]*\) .*/\1/p' "$SF_TMP/client.log")
[[ $token =~ ^[0-9a-f]{8}$ ]] || fail "no token in client output: $(cat "$SF_TMP/client.log")"
kill -TERM "$client"
wait "$client" || true

# Both have seen the connection end.
wait_log 10 "event: \[ *CLOSED\] token=$token"
wait_until 10 grep -q "CLOSED\] token=$token" "$mon"

ours=$(sed -n 's/.*event: //p' "$(daemon_log)" | grep "token=$token")
theirs=$(grep "token=$token" "$mon")
expect_eq "$ours" "$theirs" "decoded events vs ip mptcp monitor"

# And the connection really had its life: created, established, a join.
for ev in CREATED ESTABLISHED SF_ESTABLISHED CLOSED; do
	grep -q "\[ *$ev\] token=$token" <<<"$ours" || fail "no $ev event for $token"
done
log "ok: $(wc -l <<<"$ours") events matched"
