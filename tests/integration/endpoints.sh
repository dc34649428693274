#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The endpoints policy (kernel mode) keeps the in-kernel PM's endpoints in
# step with the client's addresses and links: one per eligible address with
# its interface's flags; someone else's endpoint is left alone and its
# address gets no second one; a link that loses its carrier loses its
# endpoints and gets them back when it returns; the kernel PM opens the
# subflows; the subflows limit is raised, never lowered, and
# add_addr_accepted is left as it is; on SIGTERM only its own endpoints go.
# Then the 8-endpoint budget: with more eligible addresses than room, the
# lowest [interface] priority wins, and a freed slot goes to the next one.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 3 --client-pm kernel
in_ns "$LAB_CLI" ip mptcp limits set subflows 1 add_addr_accepted 3
# Someone else's endpoint (NetworkManager's, say), there before the daemon.
in_ns "$LAB_CLI" ip mptcp endpoint add "$LAB_CLI_ADDR_2" id 50 dev c-eth2 subflow

cat >"$SF_TMP/subflowd.conf" <<EOF
[filter]
exclude-interfaces =
[interface c-eth3]
backup = true
EOF

foreign="10.0.2.1 id 50 subflow dev c-eth2"
all="10.0.1.1 id 1 subflow dev c-eth1
10.0.3.1 id 3 subflow backup dev c-eth3
$foreign
fd00:1::1 id 4 subflow dev c-eth1
fd00:2::1 id 5 subflow dev c-eth2
fd00:3::1 id 6 subflow backup dev c-eth3"

start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -m kernel -p endpoints
wait_endpoints "endpoints at start" "$all"
# Six subflow endpoints: the limit goes from 1 to 6; add_addr_accepted stays.
wait_log 5 'raising the in-kernel PM subflows limit from 1 to 6'
expect_eq "$(in_ns "$LAB_CLI" ip mptcp limits show | sed 's/ *$//')" \
	"add_addr_accepted 3 subflows 6" "limits after start"

# The kernel PM opens a subflow from each other IPv4 endpoint; c-eth3's is
# a backup.
xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 60 >"$SF_TMP/client.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 "
expect_eq "$(mptcp_subflows "$LAB_CLI" | sed 's/:[0-9]* / /; s/:5201//')" \
	"10.0.1.1 10.0.1.2
10.0.2.1 10.0.1.2
10.0.3.1 10.0.1.2 backup" "subflows of the kernel PM"

# Carrier lost on path 3: its endpoints go; back with it.
lab_fail 3 link
wait_endpoints "endpoints with path 3 down" "10.0.1.1 id 1 subflow dev c-eth1
$foreign
fd00:1::1 id 4 subflow dev c-eth1
fd00:2::1 id 5 subflow dev c-eth2"
lab_restore 3
wait_endpoints "endpoints with path 3 back" "$all"

# SIGTERM: its endpoints are deleted before it exits; the foreign one stays,
# and so do the limits.
expect_rc 0 "daemon exit on SIGTERM" stop_daemon "$LAB_CLI"
expect_eq "$(client_endpoints)" "$foreign" "endpoints after the daemon exited"
expect_eq "$(in_ns "$LAB_CLI" ip mptcp limits show | sed 's/ *$//')" \
	"add_addr_accepted 3 subflows 6" "limits after the daemon exited"

# --- the budget -------------------------------------------------------------
# Three more interfaces, one IPv4 address each: 5 + 3 addresses for the 7
# slots the foreign endpoint leaves. Priorities: sfd1 10 (first), c-eth*
# 100 (the default), sfd3 200, sfd2 250 (left out).
for i in 1 2 3; do
	in_ns "$LAB_CLI" ip link add "sfd$i" type veth peer name "sfd${i}p"
	in_ns "$LAB_CLI" ip link set "sfd${i}p" up
	in_ns "$LAB_CLI" ip link set "sfd$i" up
	in_ns "$LAB_CLI" ip addr add "10.9.$i.1/24" dev "sfd$i"
done
cat >>"$SF_TMP/subflowd.conf" <<EOF
[interface sfd1]
priority = 10
[interface sfd2]
priority = 250
[interface sfd3]
priority = 200
EOF

start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -m kernel -p endpoints
# ids follow the daemon's address ids: in the order the addresses appeared.
wait_until 10 grep -q 'address 10\.9\.3\.1 on sfd3 usable' "$DAEMON_LOG"
ids=()
for a in 10.0.1.1 10.0.3.1 fd00:1::1 fd00:2::1 fd00:3::1 10.9.1.1 10.9.2.1 10.9.3.1; do
	ids+=("$(sed -n "s/^address $a on .* usable, id \([0-9]*\)$/\1/p" "$DAEMON_LOG")")
done
budget() {
	local a i=0
	for a in "10.0.1.1 subflow dev c-eth1" "10.0.3.1 subflow backup dev c-eth3" \
		"fd00:1::1 subflow dev c-eth1" "fd00:2::1 subflow dev c-eth2" \
		"fd00:3::1 subflow backup dev c-eth3" "10.9.1.1 subflow dev sfd1" \
		"10.9.2.1 subflow dev sfd2" "10.9.3.1 subflow dev sfd3"; do
		if [[ " $* " == *" ${a%% *} "* ]]; then
			echo "${a%% *} id ${ids[i]} ${a#* }"
		fi
		i=$((i + 1))
	done
	echo "$foreign"
}
wait_endpoints "8 endpoints, sfd2 left out" "$(budget 10.0.1.1 10.0.3.1 \
	fd00:1::1 fd00:2::1 fd00:3::1 10.9.1.1 10.9.3.1)"
expect_eq "$(client_endpoints | wc -l)" 8 "number of endpoints"
wait_log 5 'no room for 10\.9\.2\.1 \(priority 250\)'

# sfd1's address goes: its slot goes to sfd2.
in_ns "$LAB_CLI" ip addr del 10.9.1.1/24 dev sfd1
wait_endpoints "sfd2 takes the freed slot" "$(budget 10.0.1.1 10.0.3.1 \
	fd00:1::1 fd00:2::1 fd00:3::1 10.9.2.1 10.9.3.1)"

# It comes back: sfd1 outranks sfd2, which makes room for it.
in_ns "$LAB_CLI" ip addr add 10.9.1.1/24 dev sfd1
wait_endpoints "sfd1 back in, sfd2 out" "$(budget 10.0.1.1 10.0.3.1 \
	fd00:1::1 fd00:2::1 fd00:3::1 10.9.1.1 10.9.3.1)"

expect_rc 0 "daemon exit on SIGTERM" stop_daemon "$LAB_CLI"
expect_eq "$(client_endpoints)" "$foreign" "endpoints after the second daemon exited"
log "ok"
