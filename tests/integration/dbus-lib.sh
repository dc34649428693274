# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# dbus-lib.sh - a private D-Bus bus for the D-Bus tests. Source it after
# lib.sh:
#
#   . "$top_srcdir/tests/integration/dbus-lib.sh"
#   bus_up                      # sets BUS (the address)
#   start_daemon "$LAB_CLI" --bus "$BUS"
#   sfctl connections           # subflowctl on that bus
#   bctl get-property ...       # busctl on that bus, destination org.subflowd
#
# The bus is a dbus-daemon with system-bus defaults that includes the
# shipped policy (data/org.subflowd.conf), listening on a socket in $SF_TMP
# that any uid may reach. The filesystem is shared between network
# namespaces, so the daemon in the lab's namespace reaches it too. It runs
# as a background job of the test: lib.sh's cleanup ends it.

SUBFLOWCTL="$top_builddir/tools/subflowctl"
NOBODY=(setpriv --reuid 65534 --regid 65534 --clear-groups)

bus_up() {
	local conf="$SF_TMP/bus.conf"
	command -v dbus-daemon >/dev/null || fail "dbus-daemon is not installed"
	command -v busctl >/dev/null || fail "busctl is not installed"
	[[ -x $SUBFLOWCTL ]] || fail "$SUBFLOWCTL is missing: build it first"
	# Others must reach the socket (and not read the logs).
	chmod 711 "$SF_TMP"
	mkdir -m 755 "$SF_TMP/bus"
	BUS="unix:path=$SF_TMP/bus/socket"
	cat >"$conf" <<-EOF
	<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
	 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
	<busconfig>
	  <listen>$BUS</listen>
	  <auth>EXTERNAL</auth>
	  <policy context="default">
	    <allow user="*"/>
	    <deny own="*"/>
	    <deny send_type="method_call"/>
	    <allow send_type="signal"/>
	    <allow send_requested_reply="true" send_type="method_return"/>
	    <allow send_requested_reply="true" send_type="error"/>
	    <allow receive_type="method_call"/>
	    <allow receive_type="method_return"/>
	    <allow receive_type="error"/>
	    <allow receive_type="signal"/>
	    <allow send_destination="org.freedesktop.DBus"
	           send_interface="org.freedesktop.DBus"/>
	    <allow send_destination="org.freedesktop.DBus"
	           send_interface="org.freedesktop.DBus.Introspectable"/>
	    <allow send_destination="org.freedesktop.DBus"
	           send_interface="org.freedesktop.DBus.Properties"/>
	  </policy>
	  <include>$top_srcdir/data/org.subflowd.conf</include>
	</busconfig>
	EOF
	dbus-daemon --config-file="$conf" --nofork --nopidfile \
		>"$SF_TMP/dbus-daemon.log" 2>&1 &
	wait_until 5 test -S "$SF_TMP/bus/socket"
	export BUS
}

# dbus_lab_up [CORE-SETTINGS]: a 3-path lab, the test bus, and the
# client's daemon on it with fullmesh, which leaves path 3 alone for the
# test to steer by hand. CORE-SETTINGS: lines for [core] (e.g.
# "control-group = daemon").
dbus_lab_up() {
	lab_up --paths 3
	bus_up
	printf '[core]\n%s\n[filter]\nexclude-interfaces =\n[interface c-eth3]\nenabled = false\n' \
		"${1:-}" >"$SF_TMP/subflowd.conf"
	start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh --bus "$BUS"
}

# metered_lab_up POLICY: 2 paths of 50 Mbit/s, path 2 (c-eth2) metered,
# the test bus, and the client's daemon on it with POLICY; then a 30 s
# transfer to port 5201 (client log in $SF_TMP/client.log) with both its
# subflows up; sets TOK to its connection's token.
metered_lab_up() {
	lab_up --paths 2 --rate 50
	bus_up
	printf '[filter]\nexclude-interfaces =\n[interface c-eth2]\nmetered = true\n' \
		>"$SF_TMP/subflowd.conf"
	start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p "$1" --bus "$BUS"
	xfer_server -p 5201
	xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 -t 30 >"$SF_TMP/client.log" 2>&1 &
	wait_subflows 10 "$LAB_CLI" 2 5201
	TOK=$(mptcp_tokens "$LAB_CLI")
	[[ $TOK =~ ^[0-9a-f]{8}$ ]] || fail "expected one connection, got '$TOK'"
}

# iface_bytes IFNAME: Interface1.BytesSent of the client's IFNAME.
iface_bytes() {
	local idx
	idx=$(ip -n "$LAB_CLI" -o link show "$1" | cut -d: -f1)
	bctl get-property org.subflowd "/org/subflowd/interface/$idx" \
		org.subflowd.Interface1 BytesSent | awk '{ print $2 }'
}

# sfctl ARGS...: subflowctl on the test bus.
sfctl() {
	"$SUBFLOWCTL" --bus "$BUS" "$@"
}

# bctl ARGS...: busctl on the test bus.
bctl() {
	busctl --address="$BUS" "$@"
}

# conn_prop TOKEN PROPERTY: one property of a connection object, as
# "busctl get-property" prints it.
conn_prop() {
	bctl get-property org.subflowd "/org/subflowd/connection/$1" \
		org.subflowd.Connection1 "$2"
}

# daemon_alive: is the last started daemon still running?
daemon_alive() {
	kill -0 "$DAEMON_PID" 2>/dev/null
}
