#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Address in use for a listener. The announce policy needs an MPTCP
# listener on every address it advertises. When a plain TCP listener holds
# 10.0.2.2:5201, joins there would fail: the daemon says so, once per
# connection, with the address and EADDRINUSE, and does not advertise it.
# It keeps advertising and serving 10.0.3.2, never retries the taken one on
# its own, and a D-Bus Announce of it gets org.subflowd.Error.EADDRINUSE.
# An application's own MPTCP listener on a port still counts as covering it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/dbus-lib.sh"
require_root_and_mptcp

lab_up --paths 3 --client-pm kernel
in_ns "$LAB_SRV" sysctl -q -w net.mptcp.pm_type=1
bus_up

# The squatter: a plain TCP listener on 10.0.2.2:5201.
in_ns "$LAB_SRV" python3 -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.2.2", 5201))
s.listen()
print("READY", flush=True)
time.sleep(120)' >"$SF_TMP/squatter.log" 2>&1 &
wait_until 5 grep -q READY "$SF_TMP/squatter.log"

printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_SRV" -c "$SF_TMP/subflowd.conf" -p announce --bus "$BUS"
mptcp_monitor "$LAB_CLI" "$SF_TMP/cli-monitor.log"

xfer_server -p 5201 -b "$LAB_SRV_ADDR_1"
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 30 >"$SF_TMP/client.log" 2>&1 &

# What can be served is: 10.0.3.2 is announced and joined.
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.3.1 "
tok=$(mptcp_tokens "$LAB_SRV")
[[ $tok =~ ^[0-9a-f]{8}$ ]] || fail "expected one server connection, got: $tok"

# The taken address: reported once, with the address and the reason.
wait_log 5 "\\[$tok\\] announce: cannot announce 10\\.0\\.2\\.2: Address already in use"
expect_eq "$(grep -c 'cannot announce 10\.0\.2\.2' "$DAEMON_LOG")" 1 \
	"refusals logged for connection $tok"
expect_eq "$(grep -c '10\.0\.2\.2 (id [0-9]*) announced' "$DAEMON_LOG" || true)" 0 \
	"announcements of 10.0.2.2"
# Never advertised, so the client never tried to join it.
expect_eq "$(grep -c 'ANNOUNCED.*daddr4=10\.0\.2\.2' "$SF_TMP/cli-monitor.log" || true)" 0 \
	"ANNOUNCED 10.0.2.2 seen by the client"
expect_eq "$(grep -c 'SF_CLOSED' "$SF_TMP/cli-monitor.log" || true)" 0 \
	"failed joins on the client"
expect_eq "$(in_ns "$LAB_SRV" ss -HlnM src 10.0.2.2 | wc -l)" 0 \
	"MPTCP listeners on 10.0.2.2"

# Not retried on its own: 1.5 s later nothing more was said about it.
_tried_again() {
	(($(grep -c '10\.0\.2\.2' "$DAEMON_LOG") > named))
}
named=$(grep -c '10\.0\.2\.2' "$DAEMON_LOG")
if try_until 1.5 _tried_again; then
	fail "the daemon went on about 10.0.2.2: $(grep '10\.0\.2\.2' "$DAEMON_LOG")"
fi
log "ok: nothing more about 10.0.2.2 in 1.5 s"

# Asked over D-Bus: the errno by name, and still nothing sent.
rc=0
out=$(bctl call org.subflowd "/org/subflowd/connection/$tok" \
	org.subflowd.Connection1 Announce sq 10.0.2.2 0 2>&1) || rc=$?
expect_eq "$rc" 1 "D-Bus Announce of the taken address fails"
[[ $out == *"Address already in use"* ]] ||
	fail "Announce should fail with EADDRINUSE, got: $out"
out=$(dbus-send --bus="$BUS" --print-reply --dest=org.subflowd \
	"/org/subflowd/connection/$tok" org.subflowd.Connection1.Announce \
	string:10.0.2.2 uint16:0 2>&1) || true
[[ $out == "Error org.subflowd.Error.EADDRINUSE: "* ]] ||
	fail "expected org.subflowd.Error.EADDRINUSE, got: $out"
log "ok: $out"
expect_eq "$(grep -c 'ANNOUNCED.*daddr4=10\.0\.2\.2' "$SF_TMP/cli-monitor.log" || true)" 0 \
	"ANNOUNCED 10.0.2.2 after the D-Bus calls"

# A second connection gets the same answer, once, and is served the same.
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 30 >"$SF_TMP/client2.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.1.1 10.0.3.1 10.0.3.1 "
_refusals_are() {
	[[ $(grep -c 'announce: cannot announce 10\.0\.2\.2: Address already in use' "$DAEMON_LOG") == "$1" ]]
}
wait_until 5 _refusals_are 2
expect_eq "$(grep 'cannot announce' "$DAEMON_LOG" | grep -o '^\[[0-9a-f]*\]' | sort -u | wc -l)" 2 \
	"refusals: one per connection"

# An MPTCP listener of the application's own on the port covers an
# address: the IPv4 wildcard one of a second server on port 5202.
xfer_server_log2="$SF_TMP/xfer-server2.log"
in_ns "$LAB_SRV" "$XFER" server -p 5202 -b 0.0.0.0 >"$xfer_server_log2" 2>&1 &
wait_until 5 grep -qsx READY "$xfer_server_log2"
xfer_client -a "$LAB_SRV_ADDR_1" -p 5202 --hold 30 >"$SF_TMP/client3.log" 2>&1 &
_joined_5202() {
	[[ $(subflow_locals "$LAB_CLI" 5202 | tr '\n' ' ') == "10.0.1.1 10.0.2.1 10.0.3.1 " ]]
}
try_until 10 _joined_5202 ||
	fail "port 5202: expected joins to 10.0.2.2 and 10.0.3.2; there are: $(mptcp_subflows "$LAB_CLI" 5202)"
expect_eq "$(grep -c 'cannot announce' "$DAEMON_LOG")" 2 \
	"refusals after the connection to the application's wildcard listener"

kill -0 "$DAEMON_PID" || fail "the daemon died"
log "ok"
