#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One retry engine for every policy. Three connections at once, each under
# its own policy ([rule] by port): sspi, ndiffports, and fullmesh with
# "subflows = 2" on c-eth2.
# (1) A server whose limits refuse every join: each policy's joins are
#     refused (clean closes) and never tried in a loop: at most 5 SF_CLOSED
#     events per connection in 10 s (before, sspi re-opened every 500 ms and
#     ndiffports every second, forever).
# (2) A server that takes joins: a subflow killed with "ss -K" comes back
#     within 3 s under every policy, extra subflows on one address pair
#     included (fullmesh's second c-eth2 subflow, ndiffports' second one).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 2
cat >"$SF_TMP/subflowd.conf" <<-EOF
	[filter]
	exclude-interfaces =
	[interface c-eth2]
	subflows = 2
	[rule single]
	match-port = 5301
	policy = sspi
	[rule ports]
	match-port = 5302
	policy = ndiffports
	[rule mesh]
	match-port = 5303
	policy = fullmesh
EOF
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh
MON="$SF_TMP/monitor.log"
mptcp_monitor "$LAB_CLI" "$MON"

POLICIES=(sspi ndiffports fullmesh)
xfer_servers 5301 5302 5303

# closes TOKEN: the SF_CLOSED events of TOKEN seen so far.
closes() {
	grep -c "SF_CLOSED\\] token=$1 " "$MON" || true
}
_more_closes_than() {
	(($(closes "$2") > $1))
}

# --- (1) every join refused ------------------------------------------------
in_ns "$LAB_SRV" ip mptcp limits set subflows 0 add_addr_accepted 0
declare -A TOKEN=()
for i in 0 1 2; do
	held_client $((5301 + i))
	TOKEN[$i]=$(client_token $((5301 + i)))
	wait_log 5 "\\[${TOKEN[$i]}\\] connection established, policy ${POLICIES[$i]}"
done
# Each policy's first joins are refused at once; then 10 s of watching.
for i in 0 1 2; do
	wait_until 5 _more_closes_than 0 "${TOKEN[$i]}"
done
for i in 0 1 2; do
	if try_until 10 _more_closes_than 5 "${TOKEN[$i]}"; then
		fail "${POLICIES[$i]}: $(closes "${TOKEN[$i]}") subflow closes in 10 s against a refusing server"
	fi
	log "ok: ${POLICIES[$i]}: $(closes "${TOKEN[$i]}") subflow closes in 10 s"
done
for i in 0 1 2; do
	expect_eq "$(subflow_count "$LAB_CLI" $((5301 + i)))" 1 \
		"${POLICIES[$i]}: the initial subflow carries on"
done
end_held 5301 5302 5303
wait_subflows 10 "$LAB_CLI" 0

# --- (2) killed subflows come back ------------------------------------------
in_ns "$LAB_SRV" ip mptcp limits set subflows 8 add_addr_accepted 8
for i in 0 1 2; do
	held_client $((5301 + i))
	TOKEN[$i]=$(client_token $((5301 + i)))
done
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5301
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.1.1 " 5302
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.2.1 " 5303

# kill_one PORT SRC: kill a subflow to PORT from SRC, never the initial one
# (whose source port the client printed).
kill_one() {
	local sport initial
	initial=$(sed -n 's/^connected .* local=[^ ]*:\([0-9]*\) .*/\1/p' "$SF_TMP/client-$1.log")
	sport=$(mptcp_subflows "$LAB_CLI" "$1" | grep "^$2:" |
		sed 's/^[^:]*:\([0-9]*\) .*/\1/' | grep -vx "$initial" | tail -1)
	[[ -n $sport ]] || fail "no subflow from $2 to port $1"
	log "killing $2:$sport -> port $1"
	in_ns "$LAB_CLI" ss -K -tn "sport = :$sport" >/dev/null
}
_locals_after_kill() {
	[[ $(subflow_locals "$LAB_CLI" "$2" | tr '\n' ' ') == "$1" ]]
}
check_back() {
	local port=$1 src=$2 want=$3 what=$4 t0
	kill_one "$port" "$src"
	t0=$(date +%s%3N)
	# Gone first (the kill is seen), then back within 3 s.
	wait_until 2 not _locals_after_kill "$want" "$port"
	try_until 3 _locals_after_kill "$want" "$port" ||
		fail "$what: not back within 3 s: $(subflow_locals "$LAB_CLI" "$port" | tr '\n' ' ')"
	log "ok: $what back after $(($(date +%s%3N) - t0)) ms"
}
check_back 5301 10.0.2.1 "10.0.1.1 10.0.2.1 " "sspi's c-eth2 subflow"
check_back 5302 10.0.1.1 "10.0.1.1 10.0.1.1 " "ndiffports' extra subflow"
check_back 5303 10.0.2.1 "10.0.1.1 10.0.2.1 10.0.2.1 " "fullmesh's extra c-eth2 subflow"
grep -q "re-creating subflow 10\\.0\\.2\\.1 -> 10\\.0\\.1\\.2:5303 in 1000 ms" "$DAEMON_LOG" ||
	fail "fullmesh's extra subflow was not re-created through the core's backoff"
kill -0 "$DAEMON_PID" || fail "the daemon died"
log "ok"
