#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Kernel mode: [interface] changes reach the daemon's endpoints at once,
# reload by reload: "backup = true" on c-eth2 sets the backup flag on its
# endpoints in place (same ids), "endpoint-flags = signal" replaces them
# with signal endpoints, "enabled = false" deletes them, and the first file
# again restores them. c-eth1's endpoints are never touched.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 2 --client-pm kernel
conf="$SF_TMP/subflowd.conf"
printf '[filter]\nexclude-interfaces =\n' >"$conf"

reload_with() {
	printf '[filter]\nexclude-interfaces =\n%s\n' "$1" >"$conf"
	kill -HUP "$DAEMON_PID"
}

eth1="10.0.1.1 id 1 subflow dev c-eth1
fd00:1::1 id 3 subflow dev c-eth1"
start_daemon "$LAB_CLI" -c "$conf" -m kernel -p endpoints
wait_endpoints "endpoints at start" "$eth1
10.0.2.1 id 2 subflow dev c-eth2
fd00:2::1 id 4 subflow dev c-eth2"

reload_with $'[interface c-eth2]\nbackup = true'
wait_endpoints "backup set in place" "$eth1
10.0.2.1 id 2 subflow backup dev c-eth2
fd00:2::1 id 4 subflow backup dev c-eth2" 3

reload_with $'[interface c-eth2]\nendpoint-flags = signal'
wait_endpoints "signal endpoints instead" "$eth1
10.0.2.1 id 2 signal dev c-eth2
fd00:2::1 id 4 signal dev c-eth2" 3

reload_with $'[interface c-eth2]\nenabled = false'
wait_endpoints "c-eth2 disabled: no endpoints" "$eth1" 3

reload_with ''
wait_endpoints "back to the start" "$eth1
10.0.2.1 id 2 subflow dev c-eth2
fd00:2::1 id 4 subflow dev c-eth2" 3
stop_daemon "$LAB_CLI" || fail "the daemon did not exit cleanly"
expect_eq "$(client_endpoints)" "" "endpoints after SIGTERM"
log "ok"
