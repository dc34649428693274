#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Restart without loss: kill -9 the daemon while connections live, start it
# again: it adopts them from sock_diag (token, addresses, subflows), shows
# them on D-Bus as the kernel has them, and keeps managing them, so a later
# link change still acts on them.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/dbus-lib.sh"
require_root_and_mptcp

lab_up --paths 3
bus_up
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh --bus "$BUS"

xfer_server -p 5201
xfer_server -p 5202
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 60 >"$SF_TMP/c1.log" 2>&1 &
xfer_client -a "$LAB_SRV_ADDR_1" -p 5202 --hold 60 >"$SF_TMP/c2.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5201
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5202
tokens=$(mptcp_tokens "$LAB_CLI" | tr '\n' ' ')

# No goodbye: SIGKILL.
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
unset "SF_DAEMON_PID[$LAB_CLI]"
mv "$DAEMON_LOG" "$SF_TMP/first.log"

start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh --bus "$BUS"
for tok in $tokens; do
	grep -q "^\[$tok\] adopted client-side connection with 3 subflows, policy fullmesh$" \
		"$DAEMON_LOG" || fail "connection $tok not adopted: $(cat "$DAEMON_LOG")"
done
# Adopted complete: nothing was added or duplicated.
expect_eq "$(subflow_count "$LAB_CLI")" 6 "subflows after the restart"

# dbus_locals TOKEN / ss_locals PORT: the subflows' local address:port, as
# the daemon's D-Bus object and as ss show them.
dbus_locals() {
	conn_prop "$1" Subflows | grep -o '"10\.0\.[0-9]\.1" [0-9]*' |
		tr -d '"' | tr ' ' ':' | sort | tr '\n' ' '
}
ss_locals() {
	mptcp_subflows "$LAB_CLI" "$1" | awk '{ print $1 }' | tr '\n' ' '
}
_dbus_is_ss() {
	[[ $(dbus_locals "$1") == "$(ss_locals "$2")" ]]
}

# On D-Bus as the kernel has them: each connection's object, with the
# subflows (local address and port) that ss reports.
expect_eq "$(sfctl connections | awk 'NR > 1 { print $1 }' |
	sort | tr '\n' ' ')" "$(printf '%s ' $tokens)" "connections on D-Bus"
declare -A port_of
for tok in $tokens; do
	port_of[$tok]=$(conn_prop "$tok" RemotePort | awk '{ print $2 }')
	expect_eq "$(conn_prop "$tok" Established)" "b true" "$tok Established"
	expect_eq "$(conn_prop "$tok" Policy)" 's "fullmesh"' "$tok Policy"
	expect_eq "$(dbus_locals "$tok")" "$(ss_locals "${port_of[$tok]}")" \
		"$tok subflows on D-Bus and in ss"
done
expect_eq "$(printf '%s\n' "${port_of[@]}" | sort | tr '\n' ' ')" "5201 5202 " \
	"remote ports of the adopted connections"

# Still managed: path 3 goes and comes back, on both connections.
lab_fail 3 link
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5201
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5202
for tok in $tokens; do
	wait_until 5 _dbus_is_ss "$tok" "${port_of[$tok]}"
done
lab_restore 3
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5201
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5202
for tok in $tokens; do
	wait_until 5 _dbus_is_ss "$tok" "${port_of[$tok]}"
	expect_eq "$(dbus_locals "$tok" | wc -w)" 3 "$tok subflows on D-Bus at the end"
done
log "ok"
