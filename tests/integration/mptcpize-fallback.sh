#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# With MPTCP disabled in the client's namespace (net.mptcp.enabled=0), a
# client under "mptcpize run" is refused its MPTCP socket, falls back to a
# plain TCP socket and still reaches the (MPTCP) server.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp
MPTCPIZE="$top_builddir/tools/mptcpize"
export MPTCPIZE_LIB="$top_builddir/lib/.libs/libmptcpize.so"
PEER=("$(command -v python3)" "$top_srcdir/tests/integration/mptcpize-peer.py")

lab_up --paths 1
in_ns "$LAB_CLI" sysctl -q -w net.mptcp.enabled=0

srv_log="$SF_TMP/server.log" cli_log="$SF_TMP/client.log"
in_ns "$LAB_SRV" "$MPTCPIZE" run "${PEER[@]}" server "$LAB_SRV_ADDR_1" 5302 \
	>"$srv_log" 2>&1 &
wait_until 5 grep -q '^listening' "$srv_log"

rc=0
in_ns "$LAB_CLI" "$MPTCPIZE" run -d "${PEER[@]}" client "$LAB_SRV_ADDR_1" 5302 \
	>"$cli_log" 2>&1 || rc=$?
expect_eq "$rc" 0 "client exit status"
expect_eq "$(sed 's/TCP: [0-9][0-9]*$/TCP: FD/' "$cli_log")" "$(printf '%s\n' \
	'mptcpize: socket(AF_INET, SOCK_STREAM, 6): MPTCP refused (Protocol not available), falling back to TCP: FD' \
	'connected proto=6' 'reply echo ping')" "client output"
expect_eq "$(grep -c '^accepted' "$srv_log")" 1 "connections the server accepted"

# The same client with MPTCP enabled again gets MPTCP: the fallback above
# was the namespace's doing.
in_ns "$LAB_CLI" sysctl -q -w net.mptcp.enabled=1
rc=0
in_ns "$LAB_CLI" "$MPTCPIZE" run "${PEER[@]}" client "$LAB_SRV_ADDR_1" 5302 \
	>"$cli_log" 2>&1 || rc=$?
expect_eq "$rc" 0 "client exit status with MPTCP enabled"
expect_eq "$(cat "$cli_log")" "$(printf 'connected proto=262\nreply echo ping')" \
	"client output with MPTCP enabled"
