#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# handover, standby = open: the connection gets a primary subflow on path 1
# and a backup-flagged one on path 2 (backup = true). During a transfer,
# path 1 fails: its link (carrier loss), then, after it came back, silently
# (a blackhole only the retransmission check can see). Each time path 2's
# subflow loses the backup flag promptly, path 1's subflow is closed (so
# that the kernel sends the data it holds again on path 2 at once) and the
# data keeps flowing; once path 1 works again, a new subflow there takes
# the traffic back and the flag returns.
#
# handover-ondemand.sh runs this with HANDOVER_STANDBY=on-demand: then path
# 2 has no subflow while path 1 works, gets one (not flagged) at once when
# it fails, and loses it again when path 1 is back.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

standby=${HANDOVER_STANDBY:-open}
case $standby in
open) steady="10.0.1.1;10.0.2.1 backup;" ;;
on-demand) steady="10.0.1.1;" ;;
*) fail "HANDOVER_STANDBY must be open or on-demand, not '$standby'" ;;
esac

lab_up --paths 2 --rate 20
cat >"$SF_TMP/subflowd.conf" <<EOF
[core]
standby = $standby
[filter]
exclude-interfaces =
[interface c-eth2]
backup = true
EOF
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p handover

xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 -t 90 -i 200 >"$SF_TMP/client.log" 2>&1 &
wait_client_paths 10 "$steady"
wait_flowing 5
if [[ $standby == on-demand ]] && try_until 1 client_paths_are "10.0.1.1;10.0.2.1;"; then
	fail "a subflow opened on the standby path while the primary works"
fi

# The primary link fails: path 2 takes over at once.
log "path 1: link down"
lab_fail 1 link
wait_client_paths 3 "10.0.2.1;"
wait_flowing 3

# It comes back: path 2 goes back to standby.
lab_restore 1
wait_client_paths 10 "$steady"
wait_flowing 5

# A silent blackhole on path 1: its subflow stays up, but nothing gets
# through. Left open, it would keep the data it holds (the kernel moves that
# data to another subflow at once only when the subflow closes), and the
# whole transfer would wait seconds for the kernel or TCP to give up on it:
# the daemon closes it once path 2 has taken over, and opens a new one on
# path 1, whose handshake waits for the path to come back.
log "path 1: blackhole"
_stall_closes() {
	grep -c "closing stalled subflow 10\.0\.1\.1:" "$(daemon_log)" || true
}
_stall_closed_since() {
	(($(_stall_closes) > $1))
}
closes=$(_stall_closes)
lab_fail 1 blackhole
wait_client_paths 5 "10.0.2.1;"
wait_log 1 "no primary path works"
wait_until 1 _stall_closed_since "$closes"
wait_flowing 3

# Once the blackhole is gone, the new subflow on path 1 is established (its
# SYN is sent again until it gets through), and path 2 is flagged backup
# again.
lab_restore 1
wait_client_paths 30 "$steady"
wait_flowing 5
log "ok"
