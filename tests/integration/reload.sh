#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Readiness and reload as systemd sees them, without systemd: the test owns
# NOTIFY_SOCKET. subflowd says READY=1 (with a STATUS=) once it is ready;
# SIGHUP (ExecReload=) brings RELOADING=1, the new [core] max-subflows for the
# next connection, then READY=1 again; a broken file on reload is refused
# with its FILE:LINE, and the running settings stay, whole. A reload whose
# rule names a policy not loaded yet loads it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

# sd_notify(3)'s datagrams, one file line each ("\n" inside shown as "|").
notify_log="$SF_TMP/notify.log"
export NOTIFY_SOCKET="$SF_TMP/notify.sock"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "w") as log:
    print("LISTENING", file=log, flush=True)
    while True:
        print(s.recv(4096).decode().strip().replace("\n", "|"), file=log, flush=True)
' "$NOTIFY_SOCKET" "$notify_log" &
wait_until 5 grep -qsx LISTENING "$notify_log"

notify_count() {
	grep -c -- "$1" "$notify_log" || true
}
_notify_count_is() {
	[[ $(notify_count "$2") == "$1" ]]
}

lab_up --paths 3
conf="$SF_TMP/subflowd.conf"
printf '[core]\nmax-subflows = 2\n[filter]\nexclude-interfaces =\n' >"$conf"
start_daemon "$LAB_CLI" -c "$conf" -p fullmesh
wait_until 5 _notify_count_is 1 '^READY=1'
expect_eq "$(grep '^READY=1' "$notify_log")" \
	"READY=1|STATUS=Managing MPTCP paths (userspace mode, policy fullmesh)" "readiness message"

xfer_server -p 5401
_joins_are() {
	[[ $(grep -c "^\[$2\] subflow .* established" "$DAEMON_LOG") == "$1" ]]
}
# connect N WHAT: one held client connection, which must end up with
# exactly N subflows (N - 1 joins from the daemon), then is closed again.
connect() {
	local pid token
	: >"$SF_TMP/client.log"
	ip netns exec "$LAB_CLI" "$XFER" client -a "$LAB_SRV_ADDR_1" -p 5401 --hold 30 \
		>"$SF_TMP/client.log" 2>&1 &
	pid=$!
	wait_until 5 grep -q '^connected token=' "$SF_TMP/client.log"
	token=$(sed -n 's/^connected token=\([0-9a-f]*\) .*/\1/p' "$SF_TMP/client.log")
	wait_until 10 _joins_are "$(($1 - 1))" "$token"
	wait_subflows 5 "$LAB_CLI" "$1" 5401
	expect_eq "$(subflow_count "$LAB_CLI" 5401)" "$1" "$2"
	kill "$pid"
	wait "$pid" || true
	wait_subflows 10 "$LAB_CLI" 0 5401
}
connect 2 "subflows with max-subflows = 2"

# A good file: max-subflows 3 for the next connection.
printf '[core]\nmax-subflows = 3\n[filter]\nexclude-interfaces =\n' >"$conf.new"
mv "$conf.new" "$conf"
kill -HUP "$DAEMON_PID"
wait_log 5 "configuration reloaded from $conf; default policy fullmesh"
wait_until 5 _notify_count_is 2 '^READY=1'
expect_eq "$(notify_count '^RELOADING=1|MONOTONIC_USEC=[0-9]*$')" 1 "RELOADING=1 with MONOTONIC_USEC"
expect_eq "$(grep -o '^[A-Z]*=1' "$notify_log" | tr '\n' ' ')" \
	"READY=1 RELOADING=1 READY=1 " "notifications, in order"
connect 3 "subflows after the reload"

# A broken file (the good key first, the error on line 3): refused whole.
printf '[core]\nmax-subflows = 1\nmax-subflowz = 4\n' >"$conf.new"
mv "$conf.new" "$conf"
kill -HUP "$DAEMON_PID"
wait_log 5 "reload rejected, keeping the running settings: $conf:3: \[core\] max-subflowz: unknown key"
wait_until 5 _notify_count_is 3 '^READY=1'
expect_eq "$(notify_count '^RELOADING=1')" 2 "RELOADING=1 for the refused reload"
expect_eq "$(grep -c 'configuration reloaded' "$DAEMON_LOG")" 1 "reloads applied"
kill -0 "$DAEMON_PID" || fail "subflowd exited on a broken reload"
connect 3 "subflows after the refused reload"

# A rule naming a policy no setting named before: the reload loads it.
_sspi_mapped() {
	grep -q '/sspi\.so$' "/proc/$DAEMON_PID/maps"
}
! _sspi_mapped || fail "sspi is loaded before a setting names it"
printf '[core]\nmax-subflows = 3\n[filter]\nexclude-interfaces =\n[rule one]\nmatch-port = 5402\npolicy = sspi\n' >"$conf.new"
mv "$conf.new" "$conf"
kill -HUP "$DAEMON_PID"
wait_log 5 "plugin sspi loaded: a setting names it"
wait_until 5 _notify_count_is 4 '^READY=1'
expect_eq "$(grep -c 'configuration reloaded' "$DAEMON_LOG")" 2 "reloads applied"
_sspi_mapped || fail "the reload named sspi and it is not loaded"
log "ok: the reload loaded sspi, which its rule names"
