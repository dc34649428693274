#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# [interface] changes reach live connections at once, under every userspace
# policy that uses the key: two held connections, one under fullmesh, one
# under sspi ([rule] by port), then
#   - a reload that adds "[interface c-eth2] backup = true": both c-eth2
#     subflows carry the backup flag within 1 s (kernel's view, ss);
#   - SetInterfacePolicy subflows=2 on c-eth2: fullmesh opens a second
#     subflow there, sspi keeps one; subflows=1 closes it again;
#   - enabled=false: the c-eth2 subflows of both connections close;
#     enabled=true: they are opened again;
#   - on a server running the announce policy, a reload with
#     "announce = false" on s-eth2 withdraws its address from the live
#     connection (the client sees REMOVED), and the next reload without it
#     announces it again (ANNOUNCED).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/dbus-lib.sh"
require_root_and_mptcp

lab_up --paths 2
bus_up
conf="$SF_TMP/subflowd.conf"
rules='[rule single]
match-port = 5302
policy = sspi'
printf '[filter]\nexclude-interfaces =\n%s\n' "$rules" >"$conf"
start_daemon "$LAB_CLI" -c "$conf" -p fullmesh --bus "$BUS"
xfer_servers 5301 5302
held_client 5301
held_client 5302
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5301
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5302

# backups PORT: the local addresses of PORT's subflows flagged backup.
backups() {
	mptcp_subflows "$LAB_CLI" "$1" | awk '$3 == "backup" {sub(/:[0-9]+$/, "", $1); print $1}' |
		sort | tr '\n' ' '
}
_backups_are() {
	[[ $(backups "$2") == "$1" ]]
}
expect_eq "$(backups 5301)$(backups 5302)" "" "backup subflows before the reload"

# --- backup by reload ---------------------------------------------------------
printf '[filter]\nexclude-interfaces =\n[interface c-eth2]\nbackup = true\n%s\n' \
	"$rules" >"$conf"
kill -HUP "$DAEMON_PID"
for p in 5301 5302; do
	try_until 1 _backups_are "10.0.2.1 " "$p" ||
		fail "port $p: c-eth2 not backup 1 s after the reload: $(mptcp_subflows "$LAB_CLI" "$p")"
	log "ok: port $p: the live c-eth2 subflow is backup"
done
expect_eq "$(backups 5301)" "10.0.2.1 " "fullmesh: only c-eth2 is backup"

# --- subflows -------------------------------------------------------------------
expect_rc 0 "set subflows=2" sfctl set-interface c-eth2 subflows=2
wait_subflow_locals 3 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.2.1 " 5301
wait_until 3 _backups_are "10.0.2.1 10.0.2.1 " 5301
expect_eq "$(subflow_locals "$LAB_CLI" 5302 | tr '\n' ' ')" "10.0.1.1 10.0.2.1 " \
	"sspi keeps one subflow per interface"
expect_rc 0 "set subflows=1" sfctl set-interface c-eth2 subflows=1
wait_subflow_locals 3 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5301

# --- enabled ---------------------------------------------------------------------
expect_rc 0 "disable c-eth2" sfctl set-interface c-eth2 enabled=no
wait_subflow_locals 3 "$LAB_CLI" "10.0.1.1 " 5301
wait_subflow_locals 3 "$LAB_CLI" "10.0.1.1 " 5302
expect_rc 0 "enable c-eth2" sfctl set-interface c-eth2 enabled=yes
wait_subflow_locals 3 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5301
wait_subflow_locals 3 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5302
wait_until 3 _backups_are "10.0.2.1 " 5301
end_held 5301 5302
stop_daemon "$LAB_CLI" || fail "the client's daemon did not exit cleanly"

# --- announce on a server ---------------------------------------------------
in_ns "$LAB_SRV" sysctl -q -w net.mptcp.pm_type=1
in_ns "$LAB_CLI" sysctl -q -w net.mptcp.pm_type=0
in_ns "$LAB_CLI" ip mptcp limits set subflows 8 add_addr_accepted 8
sconf="$SF_TMP/server.conf"
printf '[filter]\nexclude-interfaces =\n' >"$sconf"
start_daemon "$LAB_SRV" -c "$sconf" -p announce
MON="$SF_TMP/monitor.log"
mptcp_monitor "$LAB_CLI" "$MON"
ip netns exec "$LAB_SRV" "$XFER" server -p 5303 -b "$LAB_SRV_ADDR_1" >"$SF_TMP/server-5303.log" 2>&1 &
wait_until 5 grep -qsx READY "$SF_TMP/server-5303.log"
ip netns exec "$LAB_CLI" "$XFER" client -a "$LAB_SRV_ADDR_1" -p 5303 \
	--hold 60 >"$SF_TMP/client-5303.log" 2>&1 &
_seen() {
	[[ $(grep -c "$2" "$MON") == "$1" ]]
}
wait_until 5 _seen 1 "ANNOUNCED.*daddr4=10\\.0\\.2\\.2"
printf '[filter]\nexclude-interfaces =\n[interface s-eth2]\nannounce = false\n' >"$sconf"
kill -HUP "${SF_DAEMON_PID[$LAB_SRV]}"
wait_until 2 _seen 1 "REMOVED"
log "ok: the reload withdrew 10.0.2.2"
printf '[filter]\nexclude-interfaces =\n' >"$sconf"
kill -HUP "${SF_DAEMON_PID[$LAB_SRV]}"
wait_until 2 _seen 2 "ANNOUNCED.*daddr4=10\\.0\\.2\\.2"
log "ok: the next reload announced it again"
kill -0 "${SF_DAEMON_PID[$LAB_SRV]}" || fail "the server's daemon died"
log "ok"
