#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# quality against a silent blackhole on its primary path, in the kernel's
# view (ss) and the client's: path 1 and path 2 at 50 Mbit/s, path 2
# metered. During one transfer, path 1 starts dropping everything, both
# ways, its subflow still up: path 2 is promoted (its backup flag goes)
# within 5 s and the transfer goes on over it within 3 s more (its data
# does not wait in the stalled subflow: the daemon closes it and opens a
# new one on path 1); once path 1 is back, path 2 returns to backup.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 2 --rate 50
cat >"$SF_TMP/subflowd.conf" <<EOF
[filter]
exclude-interfaces =
[interface c-eth2]
metered = true
[quality]
recover-ms = 2000
EOF
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p quality

_metered_active() {
	[[ $(client_paths | grep '^10\.0\.2\.1' || true) == "10.0.2.1" ]]
}

# client_subflow_on ADDR: the client's subflows from ADDR to the transfer,
# as LOCAL:PORT, one per line.
client_subflow_on() {
	mptcp_subflows "$LAB_CLI" 5201 | awk -v a="$1:" 'index($1, a) == 1 { print $1 }'
}

_metered_backup() {
	[[ $(client_paths | grep '^10\.0\.2\.1' || true) == "10.0.2.1 backup" ]]
}

xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 -t 60 -i 200 >"$SF_TMP/client.log" 2>&1 &
wait_until 10 _metered_backup
wait_flowing 5

# The stalled subflow itself, as the kernel shows it: its replacement on
# path 1 has another port.
stalled=$(client_subflow_on 10.0.1.1)
[[ -n $stalled ]] || fail "no subflow on path 1 before the blackhole"
_stalled_gone() {
	[[ $(client_subflow_on 10.0.1.1) != "$stalled" ]]
}

log "path 1: blackhole"
t0=$(date +%s%3N)
lab_fail 1 blackhole
wait_until 5 _metered_active
log "path 2 promoted after $(($(date +%s%3N) - t0)) ms"
wait_log 3 "quality: closing stalled subflow 10\.0\.1\.1:"
wait_until 3 _stalled_gone
wait_flowing 3
log "data flows again $(($(date +%s%3N) - t0)) ms after the blackhole"

lab_restore 1
wait_until 30 _metered_backup
wait_flowing 5
# One subflow per path: the replacement, not a second one beside it.
wait_client_paths 5 "10.0.1.1;10.0.2.1 backup;"
not try_until 3 not client_paths_are "10.0.1.1;10.0.2.1 backup;" ||
	fail "a second subflow came later: $(client_paths | tr '\n' ';')"
log "ok"
