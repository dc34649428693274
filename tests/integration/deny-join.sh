#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The peer's "do not join my initial address" (MP_CAPABLE C flag, which the
# kernel reports as DENY_JOIN_ID0 on CREATED and ESTABLISHED): a server with
# net.mptcp.allow_join_initial_addr_port=0 that announces 10.0.2.2. No
# policy joins 10.0.1.2 (beyond the initial subflow), and each uses the
# announced address instead: fullmesh opens 2 subflows to it (from both
# local addresses), sspi gives c-eth2 its subflow there, ndiffports, which
# uses the initial pair only, opens nothing. The client's events show no
# attempt at the initial address.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 2
in_ns "$LAB_SRV" sysctl -q -w net.mptcp.allow_join_initial_addr_port=0
in_ns "$LAB_SRV" ip mptcp limits set subflows 8 add_addr_accepted 8
in_ns "$LAB_SRV" ip mptcp endpoint add "$LAB_SRV_ADDR_2" dev "$LAB_SRV_DEV_2" signal
cat >"$SF_TMP/subflowd.conf" <<-EOF2
	[filter]
	exclude-interfaces =
	[rule single]
	match-port = 5302
	policy = sspi
	[rule ports]
	match-port = 5303
	policy = ndiffports
EOF2
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh
MON="$SF_TMP/monitor.log"
mptcp_monitor "$LAB_CLI" "$MON"

xfer_servers 5301 5302 5303
for p in 5301 5302 5303; do
	held_client "$p"
done

grep -q "ESTABLISHED\\].*flags=1" "$MON" ||
	wait_until 5 grep -q "ESTABLISHED\\].*flags=1" "$MON"
log "ok: the kernel reports the C flag (flags=1)"

wait_pairs 10 "$LAB_CLI" "10.0.1.1>10.0.1.2:5301 10.0.1.1>10.0.2.2:5301 10.0.2.1>10.0.2.2:5301 " 5301
wait_pairs 10 "$LAB_CLI" "10.0.1.1>10.0.1.2:5302 10.0.2.1>10.0.2.2:5302 " 5302
wait_pairs 10 "$LAB_CLI" "10.0.1.1>10.0.1.2:5303 " 5303

# No join to the initial address was even tried: every SF_CLOSED or
# SF_ESTABLISHED the client saw went to 10.0.2.2.
expect_eq "$(grep -E 'SF_(ESTABLISHED|CLOSED)\]' "$MON" | grep -c 'daddr4=10\.0\.1\.2' || true)" 0 \
	"subflow events for joins to the initial address"
expect_eq "$(grep -c 'SF_ESTABLISHED\]' "$MON")" 3 "joins made in all"
kill -0 "$DAEMON_PID" || fail "the daemon died"
log "ok"
