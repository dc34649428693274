#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Limits reached. (1) The peer's in-kernel PM accepts no joins (limits
# subflows 0): the kernel reports the refused subflow as a clean close, so
# it is reported once and never re-created. (2) The peer resets joins on
# one path (a TCP RST: error 111): the subflow is re-created with backoff,
# 1 s then 2 s then 4 s apart, never sooner, and comes up once the peer
# takes joins again. (3) [core] max-subflows reached: D-Bus CreateSubflow
# gets org.subflowd.Error.ENOSPC and nothing is sent to the kernel. The
# daemon stays up and keeps managing the other connections throughout.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/dbus-lib.sh"
require_root_and_mptcp

lab_up --paths 3
bus_up
# At most 2 subflows: fullmesh opens path 2 and leaves path 3 alone.
printf '[core]\nmax-subflows = 2\n[filter]\nexclude-interfaces =\n' \
	>"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh --bus "$BUS"

# The client's events, each stamped with the time it was read (ms).
MON="$SF_TMP/monitor.log"
mptcp_monitor "$LAB_CLI" "$MON" stamp

# closes TOKEN SRC: the SF_CLOSED events of TOKEN's subflows from SRC.
closes() {
	grep -E "SF_CLOSED\\] token=$1 .*saddr4=${2//./\\.} " "$MON" || true
}
_closes_are() {
	[[ $(closes "$2" "$3" | wc -l) == "$1" ]]
}
_closes_at_least() {
	(($(closes "$2" "$3" | wc -l) >= $1))
}
# new_token: the client's token that is not in $seen.
new_token() {
	comm -13 <(tr ' ' '\n' <<<"$seen" | sort) <(mptcp_tokens "$LAB_CLI") | head -1
}

xfer_server -p 5201

# --- (1) the peer's PM refuses every join ---------------------------------
in_ns "$LAB_SRV" ip mptcp limits set subflows 0 add_addr_accepted 0
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 40 >"$SF_TMP/client1.log" 2>&1 &
wait_until 10 _closes_are 1 "[0-9a-f]*" 10.0.2.1
seen=$(mptcp_tokens "$LAB_CLI")
tok1=$seen
[[ $tok1 =~ ^[0-9a-f]{8}$ ]] || fail "expected one connection, got: $tok1"
wait_log 5 "\\[$tok1\\] subflow 10\\.0\\.2\\.1:[0-9]+ -> 10\\.0\\.1\\.2:5201 closed\$"
# A clean close: not re-created, however long we look (2 s here).
if try_until 2 _closes_are 2 "$tok1" 10.0.2.1; then
	fail "a join the peer's limits refused was tried again: $(closes "$tok1" 10.0.2.1)"
fi
expect_eq "$(grep -c "\\[$tok1\\] re-creating" "$DAEMON_LOG" || true)" 0 \
	"re-creations of a join refused by the peer's limits"
expect_eq "$(grep -c "\\[$tok1\\] subflow 10\\.0\\.2\\.1.* closed" "$DAEMON_LOG")" 1 \
	"log lines for the refused join"
expect_eq "$(subflow_locals "$LAB_CLI" | tr '\n' ' ')" "10.0.1.1 " \
	"connection 1's subflows (the initial one carries on)"

# --- (2) the peer resets joins on path 2: backoff -------------------------
in_ns "$LAB_SRV" ip mptcp limits set subflows 8 add_addr_accepted 8
lab_fail 2 reset
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 40 >"$SF_TMP/client2.log" 2>&1 &
_has_new_token() {
	[[ -n $(new_token) ]]
}
wait_until 10 _has_new_token
tok2=$(new_token)
seen="$seen $tok2"
# The first close, then the re-creations after 1 s and 2 s more.
wait_until 10 _closes_at_least 3 "$tok2" 10.0.2.1
t=($(closes "$tok2" 10.0.2.1 | awk '{print $1}'))
log "closes at +0, +$((t[1] - t[0])), +$((t[2] - t[0])) ms"
closes "$tok2" 10.0.2.1 | head -1 | grep -q 'error=111' ||
	fail "expected a reset join (error=111): $(closes "$tok2" 10.0.2.1 | head -1)"
((t[1] - t[0] >= 900)) || fail "first re-creation after $((t[1] - t[0])) ms, not >= 1 s"
((t[2] - t[1] >= 1800)) || fail "second re-creation after $((t[2] - t[1])) ms, not >= 2 s"
for d in 1000 2000 4000; do
	expect_eq "$(grep -c "\\[$tok2\\] re-creating subflow 10\\.0\\.2\\.1 -> 10\\.0\\.1\\.2:5201 in $d ms" "$DAEMON_LOG" || true)" 1 \
		"re-creation scheduled in $d ms"
done
expect_eq "$(closes "$tok2" 10.0.2.1 | wc -l)" 3 "attempts in the first ~3 s"

# The peer takes joins again: the next attempt (4 s later) succeeds.
lab_restore 2
_path2_up() {
	mptcp_subflows "$LAB_CLI" | grep -q '^10\.0\.2\.1:'
}
wait_until 8 _path2_up
expect_eq "$(closes "$tok2" 10.0.2.1 | wc -l)" 3 "attempts in all"
# Connection 1 never heard of any of it.
expect_eq "$(closes "$tok1" 10.0.2.1 | wc -l)" 1 "connection 1's closes"

# --- (3) max-subflows: ENOSPC by name, nothing sent -----------------------
_counter() {
	bctl get-property org.subflowd /org/subflowd org.subflowd.Manager1 Counters |
		grep -o "\"$1\" [0-9]*" | awk '{print $2}'
}
sent=$(_counter commands_sent)
out=$(dbus-send --bus="$BUS" --print-reply --dest=org.subflowd \
	"/org/subflowd/connection/$tok2" org.subflowd.Connection1.CreateSubflow \
	string:10.0.3.1 string:10.0.1.2 uint16:0 boolean:false 2>&1) || true
[[ $out == "Error org.subflowd.Error.ENOSPC: "*"max-subflows"* ]] ||
	fail "expected org.subflowd.Error.ENOSPC naming max-subflows, got: $out"
log "ok: $out"
expect_eq "$(_counter commands_sent)" "$sent" "commands sent for the refused CreateSubflow"
expect_eq "$(mptcp_subflows "$LAB_CLI" | grep -c '^10\.0\.3\.1:' || true)" 0 \
	"subflows from 10.0.3.1"

kill -0 "$DAEMON_PID" || fail "the daemon died"
log "ok"
