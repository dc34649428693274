#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# subflowd@.service under a real systemd: two instances, one per network
# namespace (the lab's client as /run/netns/blue, its server as
# /run/netns/green), on one system bus.
#  - each runs in its namespace and owns its own bus name,
#    org.subflowd.blue and org.subflowd.green; org.subflowd stays free;
#  - green reads /etc/subflowd/green.conf (kernel mode), blue the default
#    file (userspace mode);
#  - "subflowctl -n NAME" speaks to one of them, and each lists exactly the
#    MPTCP connections of its own namespace, as ss shows them there;
#  - "systemctl reload subflowd@blue" works through its own bus name;
#  - stopping green removes its endpoints and leaves blue running.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/systemd-lib.sh"
require_root_and_mptcp
ct_require

lab_up --paths 2
ct_boot "$LAB_SRV" --bind="/run/netns/$LAB_CLI:/run/netns/blue" \
	--bind="/run/netns/$LAB_SRV:/run/netns/green"
confdir=$CT_SYSCONFDIR/subflowd
mkdir -p "$CT_ROOT$confdir"
printf '[core]\npolicy = fullmesh\n[filter]\nexclude-interfaces = lo\n' >"$CT_ROOT$confdir/subflowd.conf"
printf '[core]\nmode = kernel\npolicy = endpoints\n[filter]\nexclude-interfaces = lo\n' \
	>"$CT_ROOT$confdir/green.conf"

expect_rc 0 "systemctl start subflowd@blue subflowd@green" \
	ct systemctl start subflowd@blue.service subflowd@green.service

# --- each in its namespace, with its own bus name and configuration ----------
netns_of() {
	ct readlink "/proc/$(unit_prop "subflowd@$1.service" MainPID)/ns/net"
}
expect_eq "$(netns_of blue)" "$(in_ns "$LAB_CLI" readlink /proc/self/ns/net)" "subflowd@blue runs in /run/netns/blue"
expect_eq "$(netns_of green)" "$(in_ns "$LAB_SRV" readlink /proc/self/ns/net)" "subflowd@green runs in /run/netns/green"
expect_eq "$(ct busctl --system list --no-legend | awk '$1 ~ /^org\.subflowd/ { print $1 }' | sort | tr '\n' ' ')" \
	"org.subflowd.blue org.subflowd.green " "one bus name per instance, and no org.subflowd"
mode_of() {
	ct busctl --system get-property "org.subflowd.$1" /org/subflowd org.subflowd.Manager1 Mode
}
expect_eq "$(mode_of blue)" 's "userspace"' "blue: the default configuration file"
expect_eq "$(mode_of green)" 's "kernel"' "green: $confdir/green.conf"

# --- subflowctl -n NAME: each lists the connections of its namespace ---------
ct sysctl -q net.mptcp.pm_type=0
in_ns "$LAB_CLI" sysctl -q net.mptcp.pm_type=1
xfer_server -p 5201
in_ns "$LAB_CLI" "$XFER" client -a "$LAB_SRV_ADDR_1" -p 5201 -t 60 >"$SF_TMP/client.log" 2>&1 &
wait_subflows 10 "$LAB_CLI" 2 5201
blue_token=$(mptcp_tokens "$LAB_CLI")
green_token=$(mptcp_tokens "$LAB_SRV")
[[ $blue_token =~ ^[0-9a-f]{8}$ && $green_token =~ ^[0-9a-f]{8}$ ]] ||
	fail "not one MPTCP connection on each side: '$blue_token' '$green_token'"
listed() {
	ct subflowctl -n "$1" connections | awk 'NR > 1 { print $1 "/" $4 }'
}
_listed_is() { [[ $(listed "$1") == "$2" ]]; }
wait_until 5 _listed_is blue "$blue_token/client"
log "ok: subflowctl -n blue lists $blue_token, the client side"
wait_until 5 _listed_is green "$green_token/server"
log "ok: subflowctl -n green lists $green_token, the server side"
rc=0
ct subflowctl connections >"$SF_TMP/default.txt" 2>&1 || rc=$?
expect_eq "$rc" 1 "subflowctl without -n: no daemon owns org.subflowd"
rc=0
ct subflowctl -n 'a/b' status >"$SF_TMP/bad.txt" 2>&1 || rc=$?
expect_eq "$rc:$(cat "$SF_TMP/bad.txt")" \
	"64:subflowctl: --netns: 'a/b' is not a network namespace name" "subflowctl -n with no netns name"

# --- reload and stop, one instance at a time --------------------------------
expect_rc 0 "systemctl reload subflowd@blue" ct systemctl reload subflowd@blue.service
endpoints_green() { in_ns "$LAB_SRV" ip mptcp endpoint show; }
_green_has_endpoints() { [[ -n $(endpoints_green) ]]; }
wait_until 5 _green_has_endpoints
expect_rc 0 "systemctl stop subflowd@green" ct systemctl stop subflowd@green.service
expect_eq "$(endpoints_green)" "" "green's endpoints are gone"
expect_eq "$(unit_prop subflowd@blue.service ActiveState)" active "blue still runs"
expect_eq "$(listed blue)" "$blue_token/client" "and still lists its connection"
