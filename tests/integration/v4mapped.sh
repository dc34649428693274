#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# IPv4 connections on AF_INET6 sockets, which the kernel reports with
# IPv4-mapped addresses (::ffff:10.0.1.2): a client that connected to
# ::ffff:10.0.1.2 gets its subflows from the other IPv4 addresses, and a
# server whose application listens on [::] announces its IPv4 addresses.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 3 --client-pm kernel
in_ns "$LAB_CLI" sysctl -q -w net.mptcp.pm_type=1
in_ns "$LAB_SRV" sysctl -q -w net.mptcp.pm_type=1
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"

# --- client side: fullmesh --------------------------------------------------
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh
xfer_server -p 5201 -b "$LAB_SRV_ADDR_1"
xfer_client -a "::ffff:$LAB_SRV_ADDR_1" -p 5201 --hold 30 >"$SF_TMP/client.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5201
grep -q 'ESTABLISHED\] .* saddr6=::ffff:10\.0\.1\.1 daddr6=::ffff:10\.0\.1\.2 ' "$(daemon_log)" ||
	fail "the kernel did not report an IPv4-mapped connection"
log "ok: an AF_INET6 client to ::ffff:10.0.1.2 got subflows from 10.0.2.1 and 10.0.3.1"
stop_daemon "$LAB_CLI"

# --- server side: announce, the application on [::] -------------------------
in_ns "$LAB_CLI" sysctl -q -w net.mptcp.pm_type=0
start_daemon "$LAB_SRV" -c "$SF_TMP/subflowd.conf" -p announce
xfer_server -p 5202
xfer_client -a "$LAB_SRV_ADDR_1" -p 5202 --hold 30 >"$SF_TMP/client2.log" 2>&1 &
_remotes_are() {
	[[ $(mptcp_subflows "$LAB_CLI" 5202 | awk '{print $2}' | sort | tr '\n' ' ') == "$1" ]]
}
wait_until 10 _remotes_are "10.0.1.2:5202 10.0.2.2:5202 10.0.3.2:5202 "
log "ok: the client joined the announced 10.0.2.2 and 10.0.3.2"
grep -q 'announce: fd00' "$(daemon_log)" &&
	fail "IPv6 addresses announced to an IPv4 connection: $(grep announce: "$(daemon_log)")"
log "ok"
