#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The D-Bus API steers a real connection: its object appears with the
# kernel's addresses and token; CreateSubflow, SetBackup and RemoveSubflow
# (through subflowctl) change the subflows the kernel reports; Interface
# policy backup=true turns that path's existing subflows into backups;
# Announce reaches the peer (its `ip mptcp monitor` sees ANNOUNCED); and
# `subflowctl monitor` prints the changes as they happen.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/dbus-lib.sh"
require_root_and_mptcp

dbus_lab_up

sfctl monitor >"$SF_TMP/monitor.log" 2>&1 &
wait_until 10 grep -q '^monitoring' "$SF_TMP/monitor.log"

in_ns "$LAB_SRV" ip mptcp monitor >"$SF_TMP/srv-monitor.log" 2>&1 &
xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 60 >"$SF_TMP/client.log" 2>&1 &
client=$!
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5201

# --- the connection object ------------------------------------------------
tok=$(mptcp_tokens "$LAB_CLI")
[[ $tok =~ ^[0-9a-f]{8}$ ]] || fail "expected one MPTCP connection, got tokens: $tok"
lport=$(mptcp_subflows "$LAB_CLI" 5201 | awk '$1 ~ /^10\.0\.1\.1:/ { sub(/.*:/, "", $1); print $1 }')
expect_eq "$(conn_prop "$tok" Token)" "u $((16#$tok))" "Token"
expect_eq "$(conn_prop "$tok" LocalAddress)" 's "10.0.1.1"' "LocalAddress"
expect_eq "$(conn_prop "$tok" LocalPort)" "q $lport" "LocalPort (as ss reports it)"
expect_eq "$(conn_prop "$tok" RemoteAddress)" 's "10.0.1.2"' "RemoteAddress"
expect_eq "$(conn_prop "$tok" RemotePort)" "q 5201" "RemotePort"
expect_eq "$(conn_prop "$tok" ServerSide)" "b false" "ServerSide"
expect_eq "$(conn_prop "$tok" Established)" "b true" "Established"
expect_eq "$(conn_prop "$tok" Policy)" 's "fullmesh"' "Policy"
expect_eq "$(conn_prop "$tok" Owner)" "u 0" "Owner (the client runs as root)"
_subflow_locals_prop_is() {
	[[ $(conn_prop "$tok" Subflows | grep -o '"10\.0\.[0-9]\.1"' | sort | tr '\n' ' ') == "$1" ]]
}
wait_until 5 _subflow_locals_prop_is '"10.0.1.1" "10.0.2.1" '

# --- CreateSubflow / SetBackup / RemoveSubflow change the kernel's view ---
expect_rc 0 "subflow add" sfctl subflow add "$tok" 10.0.3.1 10.0.1.2
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5201
p3=$(mptcp_subflows "$LAB_CLI" 5201 | awk '$1 ~ /^10\.0\.3\.1:/ { sub(/.*:/, "", $1); print $1 }')
[[ $p3 =~ ^[0-9]+$ ]] || fail "no port for the subflow from 10.0.3.1"
# The daemon's view follows too (SUB_ESTABLISHED).
wait_until 5 _subflow_locals_prop_is '"10.0.1.1" "10.0.2.1" "10.0.3.1" '
# A second one on the same path is refused by name.
rc=0
out=$(sfctl subflow add "$tok" 10.0.3.1 10.0.1.2 2>&1) || rc=$?
expect_eq "$rc" 1 "a duplicate subflow is refused"
[[ $out == *"CreateSubflow: Operation already in progress"* ]] ||
	fail "duplicate refusal should name EALREADY, got: $out"

_backup_is() {
	mptcp_subflows "$LAB_CLI" 5201 | grep -q "^10\.0\.3\.1:$p3 10\.0\.1\.2:5201$1\$"
}
expect_rc 0 "subflow backup on" sfctl subflow backup "$tok" 10.0.3.1 "$p3" 10.0.1.2 5201 on
wait_until 5 _backup_is " backup"
expect_rc 0 "subflow backup off" sfctl subflow backup "$tok" 10.0.3.1 "$p3" 10.0.1.2 5201 off
wait_until 5 _backup_is ""

expect_rc 0 "subflow del" sfctl subflow del "$tok" 10.0.3.1 "$p3" 10.0.1.2 5201
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5201
# A subflow that is not there: the kernel's refusal, named by its errno.
rc=0
out=$(dbus-send --bus="$BUS" --print-reply --dest=org.subflowd \
	"/org/subflowd/connection/$tok" org.subflowd.Connection1.RemoveSubflow \
	string:10.0.3.1 uint16:"$p3" string:10.0.1.2 uint16:5201 2>&1) || rc=$?
[[ $out == "Error org.subflowd.Error."* ]] ||
	fail "removing a missing subflow should fail with org.subflowd.Error.*, got ($rc): $out"
log "ok: kernel refusal: $out"

# --- SetInterfacePolicy backup=true flips that path's subflows ------------
expect_eq "$(mptcp_subflows "$LAB_CLI" 5201 | grep -c backup || true)" 0 "no backup subflows yet"
expect_rc 0 "set-interface c-eth2 backup=yes" sfctl set-interface c-eth2 backup=yes
_path2_backup() {
	mptcp_subflows "$LAB_CLI" 5201 | grep -qE '^10\.0\.2\.1:[0-9]+ 10\.0\.1\.2:5201 backup$'
}
wait_until 5 _path2_backup
expect_eq "$(mptcp_subflows "$LAB_CLI" 5201 | grep -c backup)" 1 "only path 2's subflow is backup"
ifidx=$(in_ns "$LAB_CLI" cat /sys/class/net/c-eth2/ifindex)
expect_eq "$(bctl get-property org.subflowd "/org/subflowd/interface/$ifidx" org.subflowd.Interface1 Backup)" \
	"b true" "Interface1.Backup of c-eth2"
_subflow_backup_prop() {
	conn_prop "$tok" Subflows | grep -q '"10.0.2.1" [0-9]* "10.0.1.2" 5201 true'
}
wait_until 5 _subflow_backup_prop

# --- Announce reaches the peer --------------------------------------------
expect_rc 0 "announce" sfctl announce "$tok" 10.0.3.1 5301
wait_until 5 grep -qE 'ANNOUNCED.*daddr4=10\.0\.3\.1 .*dport=5301' "$SF_TMP/srv-monitor.log"
log "ok: $(grep ANNOUNCED "$SF_TMP/srv-monitor.log" | head -1)"
# The peer's joins to it need a listener of ours there, for as long as the
# connection lives.
_listens_5301() {
	in_ns "$LAB_CLI" ss -HMln | grep -q '10\.0\.3\.1:5301 '
}
wait_until 5 _listens_5301

# --- the monitor saw it all, one line per change --------------------------
grep -q "connection $tok added" "$SF_TMP/monitor.log" ||
	fail "monitor missed the new connection: $(cat "$SF_TMP/monitor.log")"
grep -q "connection $tok changed .*10\.0\.3\.1" "$SF_TMP/monitor.log" ||
	fail "monitor missed the new subflow: $(cat "$SF_TMP/monitor.log")"
grep -q "interface $ifidx changed .*Backup=yes" "$SF_TMP/monitor.log" ||
	fail "monitor missed the interface policy: $(cat "$SF_TMP/monitor.log")"

# The connection ends: its object goes.
_sf_kill_tree "$client" || true	# it may be gone already
wait_until 10 grep -q "connection $tok removed" "$SF_TMP/monitor.log"
rc=0
bctl get-property org.subflowd "/org/subflowd/connection/$tok" \
	org.subflowd.Connection1 Token >/dev/null 2>&1 || rc=$?
expect_eq "$rc" 1 "the closed connection's object is gone"
# And the listener it alone needed.
wait_until 5 not _listens_5301
