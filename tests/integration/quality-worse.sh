#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# quality, two unmetered paths, in the kernel's view (ss): path 2 loses
# 15 % of its packets, which the thresholds here do not call lossy
# (max-loss-percent = 80) but which is far worse than path 1's none
# (worse-loss-percent = 5): its subflow is flagged backup, so the kernel
# stops sending on it. Once the loss is gone, a trial finds it good and
# path 2's flag goes, for good.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 2 --rate 50
cat >"$SF_TMP/subflowd.conf" <<EOF
[filter]
exclude-interfaces =
[quality]
max-loss-percent = 80
worse-loss-percent = 5
probe-ms = 1000
EOF
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p quality

xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 -t 60 -i 200 >"$SF_TMP/client.log" 2>&1 &
wait_client_paths 10 "10.0.1.1;10.0.2.1;"

log "path 2: 15 % loss"
lab_fail 2 loss 15
wait_client_paths 15 "10.0.1.1;10.0.2.1 backup;"
wait_log 1 "quality: subflow 10\.0\.2\.1:[0-9]+ backup \(far worse than the best path: "

log "path 2: loss gone"
lab_restore 2
wait_client_paths 15 "10.0.1.1;10.0.2.1;"
wait_log 1 "quality: subflow on trial recovered"
# For good: path 2, no longer benched, is not flagged again by a trial.
# (Path 1 is not judged here: both links are saturated, and a burst of
# the sender's own drops at path 1's rate limit, 8 % in 300 ms in one
# loaded run, can make it the far worse one by this test's tight 5 %.)
_path2_flagged() {
	client_paths | grep -qx '10\.0\.2\.1 backup'
}
if try_until 3 _path2_flagged; then
	fail "$(printf 'path 2 flagged again after it recovered:\n%s' "$(mptcp_subflows "$LAB_CLI" 5201)")"
fi
log "ok"
