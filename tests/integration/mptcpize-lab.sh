#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A plain TCP client and server, each run under "mptcpize run" in the lab,
# talk MPTCP (SO_PROTOCOL and the kernel's ss -M agree), and subflowd's
# fullmesh in the client namespace gives the connection a subflow on each
# of the two paths.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp
MPTCPIZE="$top_builddir/tools/mptcpize"
export MPTCPIZE_LIB="$top_builddir/lib/.libs/libmptcpize.so"
PEER=("$(command -v python3)" "$top_srcdir/tests/integration/mptcpize-peer.py")

lab_up --paths 2
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh

srv_log="$SF_TMP/server.log" cli_log="$SF_TMP/client.log"
in_ns "$LAB_SRV" "$MPTCPIZE" run -d "${PEER[@]}" server "$LAB_SRV_ADDR_1" 5301 \
	>"$srv_log" 2>&1 &
wait_until 5 grep -q '^listening' "$srv_log"
in_ns "$LAB_CLI" "$MPTCPIZE" run -d "${PEER[@]}" client "$LAB_SRV_ADDR_1" 5301 30 \
	>"$cli_log" 2>&1 &
wait_until 5 grep -q '^reply' "$cli_log"

expect_eq "$(grep -v '^mptcpize:' "$cli_log")" \
	"$(printf 'connected proto=262\nreply echo ping')" "client output"
expect_eq "$(grep -v '^mptcpize:' "$srv_log")" \
	"$(printf 'listening proto=262\naccepted proto=262')" "server output"
expect_eq "$(grep -c '^mptcpize: socket(AF_INET, SOCK_STREAM, 6) = [0-9]*: IPPROTO_MPTCP$' "$cli_log")" \
	1 "the client's rewrite reported by -d"
expect_eq "$(grep -c '^mptcpize: socket(AF_INET, SOCK_STREAM, 0) = [0-9]*: IPPROTO_MPTCP$' "$srv_log")" \
	1 "the server's rewrite reported by -d"

# The kernel's view: one MPTCP connection to the port on each side...
mptcp_conns() {
	in_ns "$1" ss -HMn state established "( sport = :5301 or dport = :5301 )" | wc -l
}
expect_eq "$(mptcp_conns "$LAB_CLI")" 1 "MPTCP sockets in the client namespace"
expect_eq "$(mptcp_conns "$LAB_SRV")" 1 "MPTCP sockets in the server namespace"
# ... whose subflows subflowd's fullmesh opened over both paths.
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5301
wait_subflows 5 "$LAB_SRV" 2 5301
wait_log 5 'subflow 10\.0\.2\.1:[0-9]+ -> 10\.0\.1\.2:5301 established'
