#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The announce policy on a server (userspace PM) advertises its other
# addresses to a client that runs the kernel's own path manager, which then
# joins them: through listeners the daemon owns, since the application
# serves only the address it was reached at. A plain connection to such a
# listener is reset at once rather than left in its backlog. An address that
# goes away is withdrawn, and the client drops its subflow to it; one with
# `announce = false` is never advertised. Once the connection is gone, so
# are the daemon's listeners: the application may bind its port again.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

# The client: in-kernel PM, no endpoints, accepts up to 8 ADD_ADDRs (lab).
lab_up --paths 4 --client-pm kernel
in_ns "$LAB_SRV" sysctl -q -w net.mptcp.pm_type=1
printf '[filter]\nexclude-interfaces =\n[interface s-eth4]\nannounce = false\n' \
	>"$SF_TMP/subflowd.conf"
start_daemon "$LAB_SRV" -c "$SF_TMP/subflowd.conf" -p announce

xfer_server -p 5201 -b "$LAB_SRV_ADDR_1"
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 30 >"$SF_TMP/client.log" 2>&1 &

# remotes NS: the remote ends of NS's subflows, sorted, space separated.
remotes() {
	mptcp_subflows "$1" | awk '{print $2}' | sort | tr '\n' ' '
}
_remotes_are() {
	[[ $(remotes "$2") == "$1" ]]
}
# listeners: the server's listening MPTCP sockets, sorted, space separated.
listeners() {
	in_ns "$LAB_SRV" ss -HlntM | awk '$1 == "mptcp" {print $5}' | sort | tr '\n' ' '
}
wait_remotes() {
	try_until 10 _remotes_are "$1" "$LAB_CLI" ||
		fail "$(printf 'client subflows: expected remotes "%s"; there are:\n%s' \
			"$1" "$(mptcp_subflows "$LAB_CLI")")"
	log "ok: client subflows go to $1"
}

wait_remotes "10.0.1.2:5201 10.0.2.2:5201 10.0.3.2:5201 "
wait_subflows 5 "$LAB_SRV" 3
# Both joins came in through the daemon's listeners, which are still there.
expect_eq "$(listeners)" "10.0.1.2:5201 10.0.2.2:5201 10.0.3.2:5201 " \
	"MPTCP listeners on the server"

# A new connection to a join-only listener is refused at once: read sees
# the reset (status 1), not its 5 s timeout (status > 128).
rc=0
in_ns "$LAB_CLI" timeout 10 bash -c \
	'exec 3<>/dev/tcp/10.0.2.2/5201 && read -r -t 5 <&3' 2>/dev/null || rc=$?
expect_eq "$rc" 1 "plain connection to a join-only listener ended by the server"

# The address goes: withdrawn from the peer, listener closed.
ip -n "$LAB_SRV" addr del "$LAB_SRV_ADDR_3/24" dev "$LAB_SRV_DEV_3"
wait_remotes "10.0.1.2:5201 10.0.2.2:5201 "
wait_log 5 'announce: 10\.0\.3\.2 \(id [0-9]+\) withdrawn'
expect_eq "$(listeners)" "10.0.1.2:5201 10.0.2.2:5201 " \
	"MPTCP listeners after the address went"

# It comes back: announced again to the live connection.
ip -n "$LAB_SRV" addr add "$LAB_SRV_ADDR_3/24" dev "$LAB_SRV_DEV_3"
wait_remotes "10.0.1.2:5201 10.0.2.2:5201 10.0.3.2:5201 "

# Never announced: s-eth4 (announce = false), the IPv6 addresses (another
# family), the address the client connected to.
expect_eq "$(grep -c 'announce: 10\.0\.4\.2\|announce: fd00\|announce: 10\.0\.1\.2' "$DAEMON_LOG" || true)" \
	0 "announcements of addresses that must not be announced"

# The application ends, and with it the connection: the daemon's listeners
# go too, and the port's wildcard address may be bound again.
kill -TERM "$XFER_SERVER_PID"
wait "$XFER_SERVER_PID" || true
_listeners_are() {
	[[ $(listeners) == "$1" ]]
}
wait_until 10 _listeners_are ""
xfer_server -p 5201
expect_eq "$(listeners)" "*:5201 " "listeners after the application's restart"

# Every plugin is loaded, the endpoints one included: in userspace mode the
# in-kernel PM's endpoints and limits are not touched.
expect_eq "$(in_ns "$LAB_SRV" ip mptcp endpoint show)" "" "server endpoints"
expect_eq "$(in_ns "$LAB_SRV" ip mptcp limits show | sed 's/ *$//')" \
	"add_addr_accepted 8 subflows 8" "server limits"
log "ok"
