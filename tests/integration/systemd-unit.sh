#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# subflowd.service under a real systemd (PID 1 of a container in the lab's
# client namespace, with its system bus and journal), as an administrator
# meets it after installing the build:
#  - "systemctl start" returns, and the unit is active, only once the
#    daemon said READY=1 (held here until it owns its bus name);
#  - the daemon runs as user subflowd with CAP_NET_ADMIN and
#    CAP_NET_BIND_SERVICE and nothing else;
#  - it meshes an MPTCP connection of the namespace, as ss shows it;
#  - busctl --system introspects org.subflowd; through the installed bus
#    policy an unprivileged user may read and is refused a change;
#  - "systemctl reload" applies a good file; with a broken file it fails,
#    "systemctl status" shows file:line, and the old settings stay;
#  - a restart adopts the connection, and journalctl -u subflowd shows
#    lines prefixed with its token;
#  - in kernel mode, "systemctl stop" leaves none of its endpoints;
#  - "mptcpize enable" on a real unit makes it listen with MPTCP after a
#    restart.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/systemd-lib.sh"
require_root_and_mptcp
ct_require

lab_up --paths 2
ct_boot "$LAB_CLI"
conf=$CT_SYSCONFDIR/subflowd/subflowd.conf
mkdir -p "$CT_ROOT${conf%/*}"
cat >"$CT_ROOT$conf" <<'EOF'
[core]
policy = fullmesh
[filter]
exclude-interfaces = lo
EOF

# --- readiness: active only after READY=1 ------------------------------------
# The daemon holds READY=1 until it owns org.subflowd; a stopped bus keeps
# it from owning it.
ct systemctl start dbus.service
bus_pid=$(unit_prop dbus.service MainPID)
ct kill -STOP "$bus_pid"
ct systemctl start --no-block subflowd.service
wait_until 5 test -n "$(unit_prop subflowd.service MainPID | grep -v '^0$')"
sleep 1 # the daemon must stay waiting, not become active: a fixed span to observe
expect_eq "$(unit_prop subflowd.service ActiveState)/$(unit_prop subflowd.service SubState)" \
	"activating/start" "without its bus name (no READY=1 yet) the unit is still starting"
ct kill -CONT "$bus_pid"
wait_unit_state 10 subflowd.service active
ct journalctl -u subflowd.service -o cat --no-pager >"$SF_TMP/journal.txt"
grep -q '^subflowd ready: mode userspace, default policy fullmesh' "$SF_TMP/journal.txt" ||
	fail "no 'subflowd ready' line in the journal: $(cat "$SF_TMP/journal.txt")"
expect_eq "$(unit_prop subflowd.service StatusText)" \
	"Managing MPTCP paths (userspace mode, policy fullmesh)" "STATUS= sent with READY=1"

# --- exactly the unit's user and capabilities --------------------------------
pid=$(unit_prop subflowd.service MainPID)
uid=$(ct id -u subflowd)
status=$(ct cat "/proc/$pid/status")
expect_eq "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' <<<"$status")" "$uid $uid $uid $uid" "the daemon's uids are subflowd's"
expect_eq "$(awk '/^Gid:/ { print $2 }' <<<"$status")" "$(ct id -g subflowd)" "its gid is subflowd's"
# CAP_NET_ADMIN (12) and CAP_NET_BIND_SERVICE (10): 0x1400.
for cap in CapPrm CapEff CapBnd CapAmb; do
	expect_eq "$(awk -v c="$cap:" '$1 == c { print $2 }' <<<"$status")" 0000000000001400 "$cap: NET_ADMIN and NET_BIND_SERVICE only"
done
expect_eq "$(awk '/^CapInh:/ { print $2 }' <<<"$status")" 0000000000001400 "CapInh (ambient ones are inheritable)"
expect_eq "$(awk '/^NoNewPrivs:/ { print $2 }' <<<"$status")" 1 "NoNewPrivs"

# --- meshes a connection of the container's namespace ------------------------
ct sysctl -q net.mptcp.pm_type=1
xfer_server -p 5201
# A service of the container's systemd: it ends with the container.
ct systemd-run --quiet --unit=sf-client "$CT_XFER" client -a "$LAB_SRV_ADDR_1" -p 5201 -t 60
wait_subflows 10 "$LAB_CLI" 2 5201
token=$(mptcp_tokens "$LAB_CLI")
[[ $token =~ ^[0-9a-f]{8}$ ]] || fail "not one MPTCP connection in $LAB_CLI: '$token'"
log "connection $token meshed over 2 paths"

# --- the system bus and its policy --------------------------------------------
ct busctl --system introspect org.subflowd /org/subflowd >"$SF_TMP/introspect.txt"
grep -q '^org.subflowd.Manager1 *interface' "$SF_TMP/introspect.txt" ||
	fail "busctl introspect shows no org.subflowd.Manager1: $(cat "$SF_TMP/introspect.txt")"
expect_eq "$(ct busctl --system get-property org.subflowd "/org/subflowd/connection/$token" \
	org.subflowd.Connection1 Token)" "u $((16#$token))" "busctl reads the connection's object"
nobody=$(ct id -u nobody)
# GetManagedObjects, which the daemon answers in slices between the
# kernel's sockets (an eventfd the unit's system-call filter must allow),
# lists the connection to anyone once it has lived 200 ms.
_listed() {
	ct_as "$nobody" subflowctl connections 2>&1 | grep -q "$token"
}
try_until 5 _listed ||
	fail "subflowctl connections, as an unprivileged user, does not list $token: $(ct_as "$nobody" subflowctl connections 2>&1)"
# default_policy: Manager1.DefaultPolicy as an unprivileged user reads it.
default_policy() {
	ct_as "$nobody" busctl --system get-property org.subflowd /org/subflowd \
		org.subflowd.Manager1 DefaultPolicy
}
expect_eq "$(default_policy)" 's "fullmesh"' "an unprivileged user may read"
rc=0
ct_as "$nobody" busctl --system call org.subflowd /org/subflowd org.subflowd.Manager1 \
	SetDefaultPolicy s sspi >"$SF_TMP/denied.txt" 2>&1 || rc=$?
expect_eq "$rc:$(cat "$SF_TMP/denied.txt")" "1:Call failed: Access denied" \
	"an unprivileged user's SetDefaultPolicy is denied"
# The bus lets the call through (the policy); the daemon refuses it.
rc=0
ct_as "$nobody" subflowctl policy sspi >"$SF_TMP/denied.txt" 2>&1 || rc=$?
expect_eq "$rc:$(cat "$SF_TMP/denied.txt")" \
	"1:subflowctl: SetDefaultPolicy: uid $nobody is not root and not in group 'subflowd'" \
	"subflowctl policy as that user: the daemon's answer"
expect_eq "$(default_policy)" 's "fullmesh"' "the default policy did not change"

# --- reload: applied, or refused with file:line ---------------------------------
sed -i 's/^policy = fullmesh$/policy = sspi/' "$CT_ROOT$conf"
expect_rc 0 "systemctl reload with a good file" ct systemctl reload subflowd.service
expect_eq "$(default_policy)" 's "sspi"' "the reloaded default policy"
printf '[core]\npolicy = fullmesh\nmax-subflow = 2\n' >"$CT_ROOT$conf"
rc=0
ct systemctl reload subflowd.service >"$SF_TMP/reload.txt" 2>&1 || rc=$?
expect_eq "$rc" 1 "systemctl reload with a broken file fails"
expect_eq "$(unit_prop subflowd.service ActiveState)" active "the daemon still runs"
ct systemctl status --no-pager -n 20 subflowd.service >"$SF_TMP/status.txt" 2>&1 || true
grep -q "$conf:3: \[core\] max-subflow" "$SF_TMP/status.txt" ||
	fail "systemctl status does not show $conf:3: $(cat "$SF_TMP/status.txt")"
expect_eq "$(default_policy)" 's "sspi"' "the running settings stay"

# --- a restart adopts the connection; the journal follows it by token --------
printf '[core]\npolicy = fullmesh\n[filter]\nexclude-interfaces = lo\n' >"$CT_ROOT$conf"
ct systemctl restart subflowd.service
wait_unit_state 10 subflowd.service active
adopted() {
	ct journalctl -u subflowd.service -o cat --no-pager -g "^\\[$token\\] adopted" >/dev/null 2>&1
}
wait_until 5 adopted
expect_eq "$(subflow_count "$LAB_CLI" 5201)" 2 "the adopted connection keeps its 2 subflows"
expect_eq "$(ct subflowctl connections | awk 'NR > 1 { print $1 }')" "$token" "subflowctl lists it"

# --- kernel mode: stop leaves none of our endpoints ---------------------------
ct sysctl -q net.mptcp.pm_type=0
printf '[core]\nmode = kernel\npolicy = endpoints\n[filter]\nexclude-interfaces = lo\n' >"$CT_ROOT$conf"
ct systemctl restart subflowd.service
wait_unit_state 10 subflowd.service active
endpoints() {
	in_ns "$LAB_CLI" ip mptcp endpoint show | awk '{ print $1 }' | sort | tr '\n' ' '
}
_endpoints_include() {
	local have
	have=" $(endpoints)"
	[[ $have == *" $1 "* && $have == *" $2 "* ]]
}
wait_until 5 _endpoints_include "$LAB_CLI_ADDR_1" "$LAB_CLI_ADDR_2"
log "endpoints in kernel mode: $(endpoints)"
expect_rc 0 "systemctl stop" ct systemctl stop subflowd.service
expect_eq "$(endpoints)" "" "no endpoint left after systemctl stop"

# --- mptcpize enable on a real unit --------------------------------------------
# A plain TCP server, as a vendor unit would run it.
cat >"$CT_ROOT/etc/systemd/system/sf-web.service" <<EOF
[Service]
ExecStart=/usr/bin/python3 -c "import socket, time; s = socket.socket(); s.bind(('$LAB_CLI_ADDR_1', 8080)); s.listen(); time.sleep(3600)"
EOF
ct systemctl daemon-reload
ct systemctl start sf-web.service
mptcp_listens() { [[ -n $(in_ns "$LAB_CLI" ss -HMln "sport = :8080") ]]; }
tcp_listens() { [[ -n $(in_ns "$LAB_CLI" ss -Htln "sport = :8080") ]]; }
wait_until 10 tcp_listens
expect_rc 1 "sf-web listens with plain TCP before mptcpize" mptcp_listens
expect_rc 0 "mptcpize enable sf-web.service" ct mptcpize enable sf-web.service
ct systemctl restart sf-web.service
wait_until 10 mptcp_listens
log "sf-web listens with MPTCP after mptcpize enable and a restart"
