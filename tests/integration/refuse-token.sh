#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Unknown token. A D-Bus CreateSubflow reaches the daemon after the
# kernel has closed its connection: the daemon is stopped (SIGSTOP) while
# the connection ends and the call is queued, then continued. Whichever it
# reads first, the caller gets exactly one answer: UnknownObject (the
# CLOSED event came first) or the kernel's refusal by name,
# org.subflowd.Error.EINVAL with the kernel's "invalid token" (the call
# came first). The refusal is logged once, nothing is retried, the
# connection is forgotten, and the next connection is meshed as usual.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/dbus-lib.sh"
require_root_and_mptcp

# fullmesh leaves path 3 alone: the CreateSubflow below asks for it.
dbus_lab_up

xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 60 >"$SF_TMP/client.log" 2>&1 &
client=$!
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 "
tok=$(mptcp_tokens "$LAB_CLI")
[[ $tok =~ ^[0-9a-f]{8}$ ]] || fail "expected one connection, got: $tok"
wait_until 5 conn_prop "$tok" Token

# The daemon stops; the call is queued (the daemon's bus socket holds it,
# and is read first: it was ready first); the connection ends in the
# kernel.
kill -STOP "$DAEMON_PID"
out="$SF_TMP/call.out"
dbus-send --bus="$BUS" --print-reply --reply-timeout=15000 \
	--dest=org.subflowd "/org/subflowd/connection/$tok" \
	org.subflowd.Connection1.CreateSubflow string:10.0.3.1 \
	string:10.0.1.2 uint16:0 boolean:false >"$out" 2>&1 &
call=$!
_call_queued() {
	in_ns "$LAB_CLI" ss -Hxpn | awk -v p="pid=$DAEMON_PID," \
		'index($0, p) && $3 > 0 { found = 1 } END { exit !found }'
}
wait_until 5 _call_queued

_sf_kill_tree "$client" || true
_conn_gone() {
	! in_ns "$LAB_CLI" ss -HMan | grep -q "token:${tok#"${tok%%[!0]*}"}"
}
wait_until 10 _conn_gone

kill -CONT "$DAEMON_PID"
rc=0
wait "$call" || rc=$?
answer=$(cat "$out")
log "the answer ($rc): $answer"
expect_eq "$rc" 1 "CreateSubflow on a connection the kernel closed fails"
case $answer in
"Error org.freedesktop.DBus.Error.UnknownObject: "*)
	how=unknown-object
	;;
"Error org.subflowd.Error.EINVAL: CreateSubflow: Invalid argument: invalid token")
	how=kernel
	;;
*)
	fail "expected UnknownObject or the kernel's 'invalid token', got: $answer"
	;;
esac
log "ok: answered by $how"

wait_log 10 "\\[$tok\\] connection closed"
# The refusal, if the kernel was asked, is logged once; nothing is retried.
n=$(grep -c "\\[$tok\\] subflow create failed: Invalid argument: invalid token" "$DAEMON_LOG" || true)
if [[ $how == kernel ]]; then
	expect_eq "$n" 1 "log lines for the kernel's refusal"
else
	expect_eq "$n" 0 "log lines for a refusal never asked for"
fi
expect_eq "$(grep -c "\\[$tok\\] re-creating" "$DAEMON_LOG" || true)" 0 \
	"re-creations for the closed connection"
rc=0
bctl get-property org.subflowd "/org/subflowd/connection/$tok" \
	org.subflowd.Connection1 Token >/dev/null 2>&1 || rc=$?
expect_eq "$rc" 1 "the closed connection's object is gone"

# Still managing: the next connection is meshed, and once the old one
# closed nothing more was logged about it but the refusal (if any).
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 30 >"$SF_TMP/client2.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 "
expect_eq "$(sed -n "/\\[$tok\\] connection closed/,\$p" "$DAEMON_LOG" |
	grep -c "\\[$tok\\]")" "$((1 + n))" \
	"log lines about the connection from its close on"
kill -0 "$DAEMON_PID" || fail "the daemon died"
log "ok"
