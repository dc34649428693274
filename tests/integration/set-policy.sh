#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SetPolicy hands a live connection over: an sspi connection to a server
# that announced a second address has 2 subflows; SetPolicy("fullmesh")
# makes it 4 within 2 s (every local address to both of the server's), as
# the kernel shows it. A kernel-mode policy is refused with InvalidArgs
# naming it, and the connection keeps its policy. Policies load when
# first named: fullmesh, and the endpoints plugin of the other mode, are
# not mapped into the daemon until SetPolicy names fullmesh.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/dbus-lib.sh"
require_root_and_mptcp

lab_up --paths 2
bus_up
# The server's in-kernel PM announces 10.0.2.2 to every connection.
in_ns "$LAB_SRV" ip mptcp limits set subflows 8 add_addr_accepted 8
in_ns "$LAB_SRV" ip mptcp endpoint add "$LAB_SRV_ADDR_2" dev "$LAB_SRV_DEV_2" signal
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p sspi --bus "$BUS"

xfer_server -p 5201
held_client 5201
tok=$(client_token 5201)
_announced() {
	sfctl show "$tok" | grep -q "10\\.0\\.2\\.2"
}
wait_until 5 _announced

wait_pairs 5 "$LAB_CLI" "10.0.1.1>10.0.1.2:5201 10.0.2.1>10.0.1.2:5201 " 5201
log "ok: sspi: one subflow per interface, to the initial address"

out=$(sfctl policy endpoints "$tok" 2>&1) && fail "a kernel-mode policy was accepted: $out"
[[ $out == *"endpoints"*"mode"* ]] || fail "the refusal does not name the policy and the mode: $out"
log "ok: refused: $out"
out=$(dbus-send --bus="$BUS" --print-reply --dest=org.subflowd \
	"/org/subflowd/connection/$tok" org.subflowd.Connection1.SetPolicy \
	string:endpoints 2>&1) || true
[[ $out == "Error org.freedesktop.DBus.Error.InvalidArgs: name: 'endpoints'"* ]] ||
	fail "expected InvalidArgs naming the argument, got: $out"
expect_eq "$(sfctl --json show "$tok" | grep -o '"policy": *"[a-z]*"' | grep -o '"[a-z]*"$')" '"sspi"' \
	"the policy after the refusal"

# mapped NAME: is plugin NAME.so mapped into the daemon?
mapped() {
	grep -q "/$1\.so\$" "/proc/$DAEMON_PID/maps"
}
mapped sspi || fail "sspi, the default policy, is not loaded"
! mapped fullmesh || fail "fullmesh is loaded before anything names it"
! mapped endpoints || fail "endpoints, of the other mode, is loaded"
expect_rc 0 "SetPolicy fullmesh" sfctl policy fullmesh "$tok"
mapped fullmesh || fail "SetPolicy fullmesh did not load it"
grep -q "plugin fullmesh loaded: a setting names it" "$DAEMON_LOG" ||
	fail "the log does not say fullmesh was loaded"
wait_pairs 2 "$LAB_CLI" "10.0.1.1>10.0.1.2:5201 10.0.1.1>10.0.2.2:5201 10.0.2.1>10.0.1.2:5201 10.0.2.1>10.0.2.2:5201 " 5201
kill -0 "$DAEMON_PID" || fail "the daemon died"
log "ok"
