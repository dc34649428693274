#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Path health is measured only where it is used (healthmon.h): during a
# transfer under fullmesh over two paths, path 2 metered, nothing asked:
# Interface1.BytesSent counts the metered interface's bytes and not the
# other's (its subflow is not monitored), and listing the connections
# (GetManagedObjects) does not change that. `subflowctl show` (a read of
# SubflowStats) starts monitoring the connection: it prints both subflows
# with their RTT, and from then on path 1's bytes are counted too.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/dbus-lib.sh"
require_root_and_mptcp

metered_lab_up fullmesh

_metered_counted() { (($(iface_bytes c-eth2) > 1000000)); }
wait_until 10 _metered_counted
sfctl connections >/dev/null
bctl call org.subflowd /org/subflowd org.freedesktop.DBus.ObjectManager \
	GetManagedObjects >/dev/null
# Two rounds after the listing: still nothing counted on path 1.
_metered_grew() { (($(iface_bytes c-eth2) > b2)); }
for _ in 1 2; do
	b2=$(iface_bytes c-eth2)
	wait_until 10 _metered_grew
done
expect_eq "$(iface_bytes c-eth1)" 0 "path 1's subflow is not monitored"

json=$(sfctl --json show "$TOK")
n=$(python3 -c '
import json, sys
s = json.load(sys.stdin)["subflow_stats"]
print(sum(1 for x in s if x["rtt_us"] > 0))' <<<"$json")
expect_eq "$n" 2 "subflowctl show: both subflows measured, with their RTT ($json)"

_path1_counted() { (($(iface_bytes c-eth1) > 1000000)); }
wait_until 10 _path1_counted
log "ok"
