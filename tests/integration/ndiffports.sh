#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ndiffports with "subflows = 3" on the initial interface: the one address
# pair carries exactly three subflows, on three source ports; one killed
# with "ss -K" is replaced, back to three.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 1
printf '[filter]\nexclude-interfaces =\n[interface c-eth1]\nsubflows = 3\n' \
	>"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p ndiffports

xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 30 >"$SF_TMP/client.log" 2>&1 &

# sports: the client's source ports of the subflows, sorted, one a line.
sports() {
	mptcp_subflows "$LAB_CLI" 5201 | awk '{ sub(/.*:/, "", $1); print $1 }' | sort -u
}

wait_subflows 10 "$LAB_CLI" 3 5201
expect_eq "$(mptcp_subflows "$LAB_CLI" 5201 | sed 's/:[0-9]* / /' | sort -u)" \
	"10.0.1.1 10.0.1.2:5201" "address pair of every subflow"
expect_eq "$(sports | wc -l)" 3 "distinct source ports"
wait_subflows 5 "$LAB_SRV" 3 5201

# Kill one of the added subflows (not the initial one: its port is the
# MPTCP socket's own).
initial=$(ip netns exec "$LAB_CLI" ss -HMn state established |
	awk '$4 == "10.0.1.2:5201" { sub(/.*:/, "", $3); print $3 }')
[[ $initial =~ ^[0-9]+$ ]] || fail "no MPTCP socket to 10.0.1.2:5201"
victim=$(sports | grep -vx "$initial" | head -n1)
before=$(sports)
log "killing the subflow from port $victim (initial: $initial)"
rc=0
ip netns exec "$LAB_CLI" ss -K -t dst 10.0.1.2 dport = 5201 sport = ":$victim" >/dev/null || rc=$?
expect_eq "$rc" 0 "exit status of ss -K"

_replaced() {
	local now
	now=$(sports)
	[[ $(wc -l <<<"$now") == 3 ]] && ! grep -qx "$victim" <<<"$now"
}
wait_until 10 _replaced
expect_eq "$(sports | grep -cvxF "$before")" 1 "new source ports"
expect_eq "$(subflow_count "$LAB_CLI" 5201)" 3 "subflows after the replacement"
log "ok"
