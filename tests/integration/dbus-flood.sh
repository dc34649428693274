#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A D-Bus flood does not starve the kernel's sockets. A burst of N
# connections (10,000 by default) is meshed twice by the same daemon:
# alone, then while an unprivileged uid floods the D-Bus service with reads
# (GetManagedObjects, Get Counters, GetAll of a connection, 16 calls always
# in flight). Both times every connection gets its subflows, the flooded
# burst loses no more events (overruns) than the quiet one and is meshed
# within twice its time and 5 s (served between D-Bus slices; unbounded,
# D-Bus took 3 times as long), and every call of the flood is answered.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/dbus-lib.sh"
require_root_and_mptcp

N=${SF_FLOOD_CONNECTIONS:-10000}
BURST="$top_srcdir/tests/tools/mptcp-burst.py"
FLOOD="$top_builddir/tests/tools/dbus-flood"
[[ -x $FLOOD ]] || fail "$FLOOD is missing: build it first"
# The burst's client holds N sockets.
ulimit -n $((N + 1024))

lab_up --paths 2
# Two bursts, each leaving 2 N ports in TIME_WAIT behind.
in_ns "$LAB_CLI" sysctl -q -w net.ipv4.ip_local_port_range="1024 65535" \
	net.ipv4.tcp_tw_reuse=1
bus_up
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh --bus "$BUS"

ip netns exec "$LAB_SRV" python3 "$BURST" server 5201 >"$SF_TMP/server.log" 2>&1 &
wait_until 5 grep -qsx READY "$SF_TMP/server.log"

overruns() {
	grep -c 'mptcp_pm event socket overrun' "$(daemon_log)" || true
}

_all_meshed() {
	[[ $(subflow_count "$LAB_CLI" 5201) == $((2 * N)) ]]
}

# What the daemon logged about subflows it could not make, counted by
# kind (the log's tail, shown on failure, is the shutdown's).
why_unmeshed() {
	grep -E 'failed|giving up|re-creating|overrun|resync' "$(daemon_log)" |
		sed -E 's/^\[[0-9a-f]{8}\] //; s/[0-9]+(\.[0-9]+)*(:[0-9]+)?/N/g' |
		sort | uniq -c | sort -rn | head -n 10 | tr '\n' ';'
}

_all_closed() {
	[[ $(ip netns exec "$LAB_CLI" ss -HM | wc -l) == 0 ]]
}

# burst NAME: open N connections, wait until each has its 2 subflows,
# close them all; sets LOST to the overruns during the burst.
burst() {
	local before client start
	before=$(overruns)
	start=$(date +%s)
	ip netns exec "$LAB_CLI" python3 "$BURST" client "$LAB_SRV_ADDR_1" 5201 \
		"$N" >"$SF_TMP/client-$1.log" 2>&1 &
	client=$!
	_opened() {
		grep -qsx "open $N" "$SF_TMP/client-$1.log" ||
			! kill -0 "$client" 2>/dev/null
	}
	wait_until 60 _opened "$1"
	grep -qsx "open $N" "$SF_TMP/client-$1.log" ||
		fail "$1: the client failed: $(tail -n 1 "$SF_TMP/client-$1.log")"
	try_until 90 _all_meshed ||
		fail "$1: $(subflow_count "$LAB_CLI" 5201) subflows for $N connections, $((2 * N)) expected; the daemon's refusals and retries: $(why_unmeshed)"
	LOST=$(($(overruns) - before)) TOOK=$(($(date +%s) - start))
	log "$1: $N connections meshed in $TOOK s, $LOST overruns"
	kill -TERM "$client"
	wait "$client" || true
	try_until 60 _all_closed || fail "$1: connections still open"
}

burst quiet
quiet_lost=$LOST quiet_took=$TOOK

# The flood, as nobody: two clients, 8 calls in flight each.
for i in 1 2; do
	"${NOBODY[@]}" "$FLOOD" "$BUS" >"$SF_TMP/flood-$i.log" 2>&1 &
	eval "flood_$i=\$!"
	wait_until 5 grep -qsx flooding "$SF_TMP/flood-$i.log"
done
burst flooded
# shellcheck disable=SC2154
kill -TERM "$flood_1" "$flood_2"
wait "$flood_1" "$flood_2"

for i in 1 2; do
	read -r _ calls _ errors < <(grep '^calls ' "$SF_TMP/flood-$i.log")
	log "flood $i: $calls calls, $errors errors"
	((calls > 0)) || fail "flood $i made no call"
	expect_eq "$errors" 0 "calls of flood $i that got an error"
done
((LOST <= quiet_lost)) ||
	fail "the flooded burst lost events $LOST times, the quiet one $quiet_lost"
((TOOK <= 2 * quiet_took + 5)) ||
	fail "the flooded burst took $TOOK s to mesh, the quiet one $quiet_took s"
daemon_alive || fail "the daemon died"
log "ok: overruns $quiet_lost quiet, $LOST flooded; meshed in $quiet_took s and $TOOK s"
