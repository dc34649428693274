#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sspi over three paths, path 2's interface holding two addresses: exactly
# one subflow per interface. Deleting the address a subflow uses moves it to
# the interface's other address; deleting an interface's only address closes
# its subflow; an address coming back gives its interface a subflow again.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 3
# A second address on c-eth2, routed like the lab's own; it stays when the
# first one goes (a secondary would otherwise be deleted with its primary).
ip netns exec "$LAB_CLI" sysctl -qw net.ipv4.conf.c-eth2.promote_secondaries=1
ip -n "$LAB_CLI" addr add 10.0.2.11/24 dev c-eth2
ip -n "$LAB_CLI" rule add from 10.0.2.11 table 102 pref 112

printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p sspi

xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 60 >"$SF_TMP/client.log" 2>&1 &

wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5201
# Both subflows sspi opens are asked for when the connection is established:
# none more follows, c-eth2's second address gets none.
expect_eq "$(grep -c 'sspi: subflow ' "$(daemon_log)")" 2 "subflows opened"
expect_eq "$(subflow_locals "$LAB_CLI" 5201 | tr '\n' ' ')" \
	"10.0.1.1 10.0.2.1 10.0.3.1 " "one subflow per interface"
wait_subflows 5 "$LAB_SRV" 3 5201

# The address of c-eth2's subflow goes: the subflow moves to 10.0.2.11.
ip -n "$LAB_CLI" addr del 10.0.2.1/24 dev c-eth2
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.11 10.0.3.1 " 5201
wait_subflows 10 "$LAB_SRV" 3 5201

# c-eth3's only address goes: its subflow goes with it.
ip -n "$LAB_CLI" addr del "$LAB_CLI_ADDR_3/24" dev "$LAB_CLI_DEV_3"
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.11 " 5201
wait_subflows 10 "$LAB_SRV" 2 5201

# 10.0.2.1 comes back, but c-eth2 has its subflow already.
ip -n "$LAB_CLI" addr add 10.0.2.1/24 dev c-eth2
wait_log 10 'address 10\.0\.2\.1 on c-eth2 usable'

# 10.0.3.1 comes back: c-eth3 has no subflow, so it gets one. (The daemon
# handles changes in order: this one is seen after 10.0.2.1's.)
ip -n "$LAB_CLI" addr add "$LAB_CLI_ADDR_3/24" dev "$LAB_CLI_DEV_3"
lab_restore 3
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.11 10.0.3.1 " 5201
expect_eq "$(grep -c 'sspi: subflow ' "$(daemon_log)")" 4 "subflows opened in all"
wait_subflows 10 "$LAB_SRV" 3 5201

# c-eth2 loses its carrier: its subflow is closed and, while both its
# addresses are going, none is opened from the other one.
lab_fail 2 link
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.3.1 " 5201
# Logged after the link's addresses were handled, and before any later
# replacement: none may have been opened on c-eth2.
wait_log 10 'interface c-eth2 down'
expect_eq "$(grep -c 'sspi: subflow ' "$(daemon_log)")" 4 "subflows opened while c-eth2 went down"
lab_restore 2
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.11 10.0.3.1 " 5201
expect_eq "$(grep -c 'sspi: subflow ' "$(daemon_log)")" 5 "subflows opened after the link came back"
log "ok"
