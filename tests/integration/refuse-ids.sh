#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Address ids exhausted. MPTCP has 255 local address ids; the daemon holds
# 4 for the lab's addresses when 260 more arrive at once (on an extra veth
# with `enabled = false`, so no policy uses them). The first 251
# get ids; each of the other 9 is reported once, by address, and not used.
# Updates of such an address report nothing more. The live connection
# keeps its subflows, and new connections are meshed as before.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 2
printf '[filter]\nexclude-interfaces =\n[interface sfr0]\nenabled = false\n' \
	>"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh
expect_eq "$(grep -c 'usable, id' "$DAEMON_LOG")" 4 "ids held before"

xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 40 >"$SF_TMP/client1.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 "
tok1=$(mptcp_tokens "$LAB_CLI")

# 260 addresses in one go: 10.2.0.1 .. 10.2.0.200, 10.2.1.1 .. 10.2.1.60.
in_ns "$LAB_CLI" ip link add sfr0 type veth peer name sfr1
in_ns "$LAB_CLI" ip link set sfr1 up
in_ns "$LAB_CLI" ip link set sfr0 up
for ((i = 0; i < 260; i++)); do
	printf 'addr add 10.2.%d.%d/32 dev sfr0\n' $((i / 200)) $((i % 200 + 1))
done >"$SF_TMP/addrs.batch"
in_ns "$LAB_CLI" ip -batch "$SF_TMP/addrs.batch"
expect_eq "$(in_ns "$LAB_CLI" ip -4 -o addr show dev sfr0 | wc -l)" 260 \
	"addresses on sfr0"

_refused_are() {
	[[ $(grep -c 'no free MPTCP address id' "$DAEMON_LOG") == "$1" ]]
}
wait_until 10 _refused_are 9
expect_eq "$(grep -c 'on sfr0 usable, id' "$DAEMON_LOG")" 251 "ids given on sfr0"
expect_eq "$(grep 'no free MPTCP address id' "$DAEMON_LOG" |
	grep -o 'id for [0-9.]*' | awk '{print $3}' | tr '\n' ' ')" \
	"10.2.1.52 10.2.1.53 10.2.1.54 10.2.1.55 10.2.1.56 10.2.1.57 10.2.1.58 10.2.1.59 10.2.1.60 " \
	"addresses refused, once each, in order"

# An update of a refused address (and of one with an id) is no news.
_news() {
	grep -E 'no free MPTCP|usable, id|gone' "$DAEMON_LOG" | wc -l
}
news=$(_news)
in_ns "$LAB_CLI" ip addr change 10.2.1.60/32 dev sfr0 valid_lft 3000 preferred_lft 3000
in_ns "$LAB_CLI" ip addr change 10.2.0.9/32 dev sfr0 valid_lft 3000 preferred_lft 3000
_more_news() {
	(($(_news) > news))
}
if try_until 1 _more_news; then
	fail "address updates were reported: $(grep -E 'no free MPTCP|usable, id|gone' "$DAEMON_LOG" | tail -n +"$((news + 1))")"
fi
log "ok: nothing reported for address updates"

# The live connection still has its subflows; a new one is meshed.
expect_eq "$(subflow_locals "$LAB_CLI" | tr '\n' ' ')" "10.0.1.1 10.0.2.1 " \
	"connection $tok1's subflows"
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 40 >"$SF_TMP/client2.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.1.1 10.0.2.1 10.0.2.1 "
expect_eq "$(grep -c 'failed\|refused' "$DAEMON_LOG" || true)" 0 \
	"command failures"
kill -0 "$DAEMON_PID" || fail "the daemon died"
log "ok"
