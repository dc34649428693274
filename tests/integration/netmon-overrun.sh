#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rtnetlink overrun: while the daemon is stopped, a flood of address
# notifications overflows its rtnetlink socket, and two real changes made
# behind the flood are lost with it: path 2's address goes, path 3's comes.
# Resumed, the daemon sees the overrun and re-reads the interfaces; as it
# begins, path 4's link comes up. A new connection then gets subflows from
# exactly the addresses usable now.
#
# With strace at hand, every read of the rtnetlink socket is slowed down, so
# that emptying the flood from the socket lasts seconds. Path 4 comes up
# meanwhile: the kernel drops that notification too (a socket that overran
# gets none until its queue is empty), so only a dump asked for after that
# knows of it. And the re-read is shown not to block the main loop: none of
# those reads may wait (MSG_DONTWAIT), and a connection made meanwhile is
# handled before the re-read ends.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

# Address add/del pairs in the flood. Each pair makes two notifications that
# pass the daemon's socket filter; its 4 MiB receive buffer (8 MiB of skb
# truesize) holds about 10000 of them, so 8000 pairs overflow it 1.6 times.
FLOOD=${SF_NETMON_FLOOD:-8000}
# The daemon's socket in /proc/net/netlink: NETLINK_ROUTE (0), groups LINK,
# IPV4_IFADDR, IPV4_ROUTE, IPV6_IFADDR, IPV6_ROUTE (bits 0, 4, 6, 8, 10).
NETMON_GROUPS=00000551
# How much strace slows each recvfrom(), beyond tracing it: the ~10000
# reads of the re-read then take 2 to 3 s here.
READ_DELAY=20us

# netmon_sock rmem|drops|inode: that field of the daemon's rtnetlink socket
# (bytes queued, notifications dropped, inode).
netmon_sock() {
	local inodes
	inodes=$(find "/proc/$DAEMON_PID/fd" -lname 'socket:*' -printf '%l\n' |
		tr -dc '0-9\n' | tr '\n' ' ')
	in_ns "$LAB_CLI" cat /proc/net/netlink | awk -v want="$1" \
		-v groups="$NETMON_GROUPS" -v inodes=" $inodes" '
		$2 == 0 && $4 == groups && index(inodes, " " $10 " ") {
			print (want == "rmem" ? $5 : want == "drops" ? $9 : $10)
		}'
}

# log_line REGEX: the number of the first line of the daemon's log after
# the overrun's warning that matches REGEX, or nothing.
log_line() {
	awk -v re="$1" '/netmon: rtnetlink notifications lost/ { lost = 1 }
		lost && $0 ~ re { print NR; exit }' "$(daemon_log)"
}
_reread() {
	[[ -n $(log_line 'netmon: interfaces re-read') ]]
}

lab_up --paths 4
# Path 3 starts without its IPv4 address, path 4 with its link down.
ip -n "$LAB_CLI" addr del "$LAB_CLI_ADDR_3/24" dev "$LAB_CLI_DEV_3"
lab_fail 4 admin
ip -n "$LAB_CLI" link add flood0 type veth peer name flood1
printf '[filter]\nexclude-interfaces = flood*\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh
xfer_servers 5201 5202

held_client 5201
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 " 5201
end_held 5201

inode=$(netmon_sock inode)
[[ $inode =~ ^[0-9]+$ ]] || fail "cannot find the daemon's rtnetlink socket (got '$inode')"
fd=$(find "/proc/$DAEMON_PID/fd" -lname "socket:\[$inode\]" -printf '%f\n')

awk -v n="$FLOOD" 'BEGIN {
	for (i = 0; i < n; i++) {
		a = sprintf("10.99.%d.%d/32", i / 250, i % 250 + 1)
		print "addr add " a " dev flood0"
		print "addr del " a " dev flood0"
	}
}' >"$SF_TMP/flood.batch"

kill -STOP "$DAEMON_PID"
ip -n "$LAB_CLI" -batch "$SF_TMP/flood.batch"
drops_flood=$(netmon_sock drops)
((drops_flood > 0)) ||
	fail "$((2 * FLOOD)) notifications did not overflow the daemon's socket: raise SF_NETMON_FLOOD"
ip -n "$LAB_CLI" addr del "$LAB_CLI_ADDR_2/24" dev "$LAB_CLI_DEV_2"
ip -n "$LAB_CLI" addr add "$LAB_CLI_ADDR_3/24" dev "$LAB_CLI_DEV_3"
drops_changes=$(netmon_sock drops)
((drops_changes > drops_flood)) ||
	fail "the socket took the real changes (drops $drops_flood, then $drops_changes): the test would test nothing"
log "ok: the socket dropped $drops_changes notifications, the real changes among them"

_traced_or_gone() {
	grep -q "TracerPid:[[:space:]]*[1-9]" "/proc/$DAEMON_PID/status" ||
		! kill -0 "$strace_pid" 2>/dev/null
}
strace_pid=""
if command -v strace >/dev/null; then
	strace -qq -ttt -p "$DAEMON_PID" -e trace=recvfrom,recvmsg -e signal=none \
		-e inject=recvfrom:delay_enter="$READ_DELAY" \
		-o "$SF_TMP/strace.log" 2>"$SF_TMP/strace.err" &
	strace_pid=$!
	wait_until 5 _traced_or_gone
	if ! kill -0 "$strace_pid" 2>/dev/null; then
		log "strace cannot trace the daemon: $(cat "$SF_TMP/strace.err")"
		strace_pid=""
	fi
fi
[[ -n $strace_pid ]] ||
	log "not showing that the main loop goes on during the re-read (no strace)"
full=$(netmon_sock rmem)
kill -CONT "$DAEMON_PID"
wait_log 10 'netmon: rtnetlink notifications lost'

if [[ -n $strace_pid ]]; then
	# A connection while the re-read goes on: the daemon handles it
	# before the re-read ends.
	held_client 5202
	tok=$(client_token 5202)

	# Past half of the flood, the kernel goes on with a dump asked for at
	# the overrun, which would miss what happens from then on.
	_drained_past_half() {
		(($(netmon_sock rmem) < full * 45 / 100))
	}
	wait_until 10 _drained_past_half
	ip -n "$LAB_CLI" link set "$LAB_CLI_DEV_4" up
	((0 < $(netmon_sock rmem))) ||
		fail "the daemon emptied its socket before path 4 came up: raise READ_DELAY"
	lab_restore 4
	drops_up=$(netmon_sock drops)
	((drops_up > drops_changes)) ||
		fail "the socket took path 4's notifications while emptying its queue (drops $drops_changes, then $drops_up)"
	log "ok: path 4 came up while the daemon emptied its socket, unheard of"

	wait_until 20 _reread
	established=$(log_line "^\\[$tok\\] connection established")
	reread=$(log_line 'netmon: interfaces re-read')
	if [[ -z $established ]] || ((established > reread)); then
		fail "connection $tok was not handled before the re-read ended (log lines '$established' and $reread): the main loop waited"
	fi
	log "ok: connection $tok handled during the re-read (log lines $established and $reread)"
	kill "$strace_pid"
	wait "$strace_pid" || true

	re="^[0-9.]+ recv(from|msg)\\($fd,"
	blocking=$(grep -E "$re" "$SF_TMP/strace.log" | grep -cv MSG_DONTWAIT || true)
	reads=$(grep -cE "$re" "$SF_TMP/strace.log" || true)
	((reads > 0)) || fail "strace saw no read of the rtnetlink socket (fd $fd)"
	expect_eq "$blocking" 0 "blocking reads among the $reads reads of the rtnetlink socket"
	log "the re-read took $(grep -E "$re" "$SF_TMP/strace.log" |
		awk 'NR == 1 { t = $1 } /NLMSG_DONE/ { e = $1 } END { printf "%.1f", e - t }') s"
else
	lab_restore 4
	wait_until 10 _reread
fi

held_client 5201
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.3.1 10.0.4.1 " 5201
log "ok: a new connection has subflows from the address that came and the link that came up, none from the address that went"
if [[ -n $strace_pid ]]; then
	wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.3.1 10.0.4.1 " 5202
	log "ok: so has the connection made during the re-read"
fi
for line in "address $LAB_CLI_ADDR_3 on $LAB_CLI_DEV_3 usable" \
	"address $LAB_CLI_ADDR_2 on $LAB_CLI_DEV_2 gone" \
	"interface $LAB_CLI_DEV_4 up"; do
	[[ -n $(log_line "^$line") ]] || fail "the daemon never said '$line' after the overrun"
done
# Neither a timeout nor a refused request: the first re-read did it.
if grep -q 'netmon: re-reading interfaces failed' "$(daemon_log)"; then
	fail "$(grep 'netmon: re-reading interfaces failed' "$(daemon_log)")"
fi
log "ok"
