#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The D-Bus API as documented and hard to break: `busctl introspect` shows
# exactly the documented members; `subflowctl --json connections` is JSON
# that matches `ss -M`; bad arguments get InvalidArgs naming the argument;
# and a burst of malformed calls (bad addresses, wrong types and
# signatures, unknown objects, keys, policies) leaves the daemon running,
# answering, and the connection untouched.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/dbus-lib.sh"
require_root_and_mptcp
command -v python3 >/dev/null || fail "python3 is not installed"

lab_up --paths 2
bus_up
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh --bus "$BUS"

xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 300 >"$SF_TMP/client.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5201
tok=$(mptcp_tokens "$LAB_CLI")
conn="/org/subflowd/connection/$tok"
ifidx=$(in_ns "$LAB_CLI" cat /sys/class/net/c-eth1/ifindex)

# --- introspection shows the documented API -------------------------------
# members NAME PATH: "member type signature" of interface NAME at PATH.
members() {
	bctl introspect org.subflowd "$2" "$1" | awk '$1 ~ /^\./ { print $1, $2, $3 }'
}
expect_eq "$(members org.subflowd.Manager1 /org/subflowd)" \
".Reload method -
.SetDefaultPolicy method s
.SetInterfacePolicy method sa{sv}
.Counters property a{st}
.DefaultPolicy property s
.Mode property s
.Plugins property as
.Version property s" "Manager1 members"
expect_eq "$(members org.freedesktop.DBus.ObjectManager /org/subflowd)" \
".GetManagedObjects method -
.InterfacesAdded signal oa{sa{sv}}
.InterfacesRemoved signal oas" "ObjectManager at /org/subflowd"
expect_eq "$(members org.subflowd.Connection1 "$conn")" \
".Announce method sq
.CreateSubflow method ssqb
.RemoveAddress method y
.RemoveSubflow method sqsq
.SetBackup method sqsqb
.SetPolicy method s
.Established property b
.LocalAddress property s
.LocalPort property q
.Owner property u
.Policy property s
.RemoteAddress property s
.RemoteAddresses property a(ysq)
.RemotePort property q
.ServerSide property b
.SubflowStats property a(sqsqa{sv})
.Subflows property a(sqsqbuyy)
.Token property u" "Connection1 members"
expect_eq "$(members org.subflowd.Interface1 "/org/subflowd/interface/$ifidx")" \
".Addresses property as
.Announce property b
.Backup property b
.BytesReceived property t
.BytesSent property t
.Enabled property b
.Index property u
.Metered property b
.Name property s
.Up property b" "Interface1 members"

# --- subflowctl --json connections is JSON and matches ss -M --------------
sfctl --json connections >"$SF_TMP/conns.json"
expect_rc 0 "subflowctl --json connections parses as JSON" \
	python3 -m json.tool "$SF_TMP/conns.json" /dev/null
from_json=$(python3 -c '
import json, sys
for c in json.load(open(sys.argv[1])):
    print(c["token"], "%s:%d" % (c["local_address"], c["local_port"]),
          "%s:%d" % (c["remote_address"], c["remote_port"]), len(c["subflows"]))
' "$SF_TMP/conns.json" | sort)
from_ss=$(in_ns "$LAB_CLI" ss -HMinO state established |
	awk '{ t = $0; sub(/.*token:/, "", t); sub(/ .*/, "", t);
	       t = substr("00000000" t, length(t) + 1); print t, $3, $4, 2 }' | sort)
expect_eq "$from_json" "$from_ss" "subflowctl --json connections vs ss -M"
for verb in status interfaces "show $tok"; do
	# shellcheck disable=SC2086
	sfctl --json $verb >"$SF_TMP/out.json"
	expect_rc 0 "subflowctl --json $verb parses as JSON" \
		python3 -m json.tool "$SF_TMP/out.json" /dev/null
done

# --- bad arguments are named ----------------------------------------------
# call PATH IFACE.METHOD ARGS...: dbus-send on the test bus, as root.
call() {
	local path=$1
	shift
	dbus-send --bus="$BUS" --print-reply --dest=org.subflowd "$path" "$@" 2>&1 || true
}
expect_eq "$(call "$conn" org.subflowd.Connection1.CreateSubflow string:bogus string:10.0.1.2 uint16:0 boolean:false)" \
	"Error org.freedesktop.DBus.Error.InvalidArgs: local_addr: 'bogus' is not an IPv4 or IPv6 address" \
	"unparseable address"
expect_eq "$(call "$conn" org.subflowd.Connection1.CreateSubflow string:10.0.1.1 string:fd00:1::2 uint16:0 boolean:false)" \
	"Error org.freedesktop.DBus.Error.InvalidArgs: remote_addr: fd00:1::2 is IPv6 but local_addr is IPv4" \
	"wrong family"
expect_eq "$(call "$conn" org.subflowd.Connection1.RemoveSubflow string:10.0.1.1 uint16:0 string:10.0.1.2 uint16:5201)" \
	"Error org.freedesktop.DBus.Error.InvalidArgs: local_port: must not be 0" "port 0"
expect_eq "$(call "$conn" org.subflowd.Connection1.Announce string:192.0.2.7 uint16:0)" \
	"Error org.freedesktop.DBus.Error.InvalidArgs: addr: 192.0.2.7 is not an eligible local address" \
	"announce of a foreign address"
expect_eq "$(call "$conn" org.subflowd.Connection1.SetPolicy string:nosuch | sed 's/ (loaded: .*//')" \
	"Error org.freedesktop.DBus.Error.InvalidArgs: name: 'nosuch' is not a loaded policy plugin" \
	"unknown policy"
expect_eq "$(call /org/subflowd/connection/00000000 org.subflowd.Connection1.SetPolicy string:fullmesh | cut -d: -f1)" \
	"Error org.freedesktop.DBus.Error.UnknownObject" "unknown token"
rc=0
out=$(sfctl set-interface nope0 backup=yes 2>&1) || rc=$?
expect_eq "$rc:$out" "1:subflowctl: ifname: no interface named 'nope0'" "unknown interface"
rc=0
out=$(sfctl set-interface c-eth1 colour=blue 2>&1) || rc=$?
expect_eq "$rc:$out" "1:subflowctl: settings: unknown key 'colour' (known: backup announce enabled metered subflows)" \
	"unknown setting"
rc=0
out=$(sfctl set-interface c-eth1 backup=maybe 2>&1) || rc=$?
expect_eq "$rc:$out" "1:subflowctl: settings: 'backup' must be of type b, not s" "mistyped setting"

# --- a burst of malformed calls --------------------------------------------
long=$(printf 'x%.0s' {1..4000})
bad_calls() {
	local i
	set +e		# every call fails; keep going
	for ((i = 0; i < 5; i++)); do
		bctl call org.subflowd "$conn" org.subflowd.Connection1 CreateSubflow ssqb "" "" 0 false
		bctl call org.subflowd "$conn" org.subflowd.Connection1 CreateSubflow ssqb "$long" 10.0.1.2 0 true
		bctl call org.subflowd "$conn" org.subflowd.Connection1 CreateSubflow ssqb 10.0.1.1:80 10.0.1.2 65535 false
		bctl call org.subflowd "$conn" org.subflowd.Connection1 CreateSubflow ssqb 10.0.1.1 10.0.1.2 5201 false
		bctl call org.subflowd "$conn" org.subflowd.Connection1 CreateSubflow s 10.0.1.1
		bctl call org.subflowd "$conn" org.subflowd.Connection1 RemoveSubflow sqsq ::ffff:zz 1 10.0.1.2 1
		bctl call org.subflowd "$conn" org.subflowd.Connection1 RemoveSubflow sqsq 10.0.9.9 1 10.0.1.2 1
		bctl call org.subflowd "$conn" org.subflowd.Connection1 SetBackup sqsqb 10.0.9.9 1 10.0.9.8 2 true
		bctl call org.subflowd "$conn" org.subflowd.Connection1 SetBackup sqsqb 10.0.1.1 1 fd00::1 2 true
		bctl call org.subflowd "$conn" org.subflowd.Connection1 Announce sq "$long" 0
		bctl call org.subflowd "$conn" org.subflowd.Connection1 RemoveAddress y 0
		bctl call org.subflowd "$conn" org.subflowd.Connection1 RemoveAddress y 200
		bctl call org.subflowd "$conn" org.subflowd.Connection1 SetPolicy s ""
		bctl call org.subflowd "$conn" org.subflowd.Connection1 NoSuchMethod
		bctl call org.subflowd "$conn" org.freedesktop.DBus.Properties Set ssv \
			org.subflowd.Connection1 Token u 1
		bctl call org.subflowd "$conn" org.freedesktop.DBus.Properties Get ss \
			org.subflowd.Connection1 NoSuchProperty
		bctl call org.subflowd /org/subflowd/connection/ZZZZZZZZ org.subflowd.Connection1 SetPolicy s x
		bctl call org.subflowd /org/subflowd/connection/123 org.subflowd.Connection1 SetPolicy s x
		bctl call org.subflowd /org/subflowd/interface/0 org.freedesktop.DBus.Properties GetAll s ""
		bctl call org.subflowd /org/subflowd/interface/99999999999 org.freedesktop.DBus.Properties GetAll s ""
		bctl call org.subflowd /org/subflowd org.subflowd.Manager1 SetDefaultPolicy s "$long"
		bctl call org.subflowd /org/subflowd org.subflowd.Manager1 SetInterfacePolicy 'sa{sv}' "$long" 0
		bctl call org.subflowd /org/subflowd org.subflowd.Manager1 SetInterfacePolicy 'sa{sv}' c-eth1 2 \
			subflows u 0 backup s yes
		bctl call org.subflowd /org/subflowd org.subflowd.Manager1 SetInterfacePolicy 'sa{sv}' c-eth1 1 \
			subflows u 4294967295
		bctl call org.subflowd /org/subflowd org.subflowd.Manager1 SetInterfacePolicy 'sa{sv}' c-eth1 1 \
			enabled v b false
		bctl call org.subflowd /org/subflowd org.subflowd.Manager1 SetInterfacePolicy s c-eth1
		bctl introspect org.subflowd /org/subflowd/connection/ffffffff
	done
}
burst=()
for _ in 1 2 3; do
	bad_calls >/dev/null 2>&1 &
	burst+=($!)
done
# The same from an unprivileged uid (denied before any parsing of changes).
"${NOBODY[@]}" bash -c "$(declare -f bad_calls bctl); BUS=$BUS conn=$conn long=$long bad_calls" \
	>/dev/null 2>&1 &
burst+=($!)
_burst_done() {
	local p
	for p in "${burst[@]}"; do
		kill -0 "$p" 2>/dev/null && return 1
	done
	return 0
}
wait_until 120 _burst_done

daemon_alive || fail "subflowd died under malformed calls"
expect_rc 0 "subflowctl status still answers" sfctl status
expect_eq "$(conn_prop "$tok" Policy)" 's "fullmesh"' "the connection kept its policy"
expect_eq "$(mptcp_subflows "$LAB_CLI" 5201 | sed 's/:[0-9]* / /')" \
"10.0.1.1 10.0.1.2:5201
10.0.2.1 10.0.1.2:5201" "the connection's subflows are untouched"
expect_eq "$(bctl get-property org.subflowd "/org/subflowd/interface/$ifidx" org.subflowd.Interface1 Enabled)" \
	"b true" "c-eth1 is still enabled"
