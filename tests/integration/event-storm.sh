#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Event storm: with a tiny receive buffer forced on the events socket, a
# burst of connections overruns it (ENOBUFS). The daemon sees it, resyncs
# from sock_diag, and leaves no connection without its subflows.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

N=${SF_STORM_CONNECTIONS:-300}
BURST="$top_srcdir/tests/tools/mptcp-burst.py"

lab_up --paths 2
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
SUBFLOWD_EVENTS_RCVBUF=2048 start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh

ip netns exec "$LAB_SRV" python3 "$BURST" server 5201 >"$SF_TMP/server.log" 2>&1 &
wait_until 5 grep -qsx READY "$SF_TMP/server.log"
ip netns exec "$LAB_CLI" python3 "$BURST" client "$LAB_SRV_ADDR_1" 5201 "$N" \
	>"$SF_TMP/client.log" 2>&1 &
wait_until 30 grep -qsx "open $N" "$SF_TMP/client.log"

_all_meshed() {
	[[ $(subflow_count "$LAB_CLI" 5201) == $((2 * N)) ]]
}
if ! try_until 60 _all_meshed; then
	unknown=0
	for tok in $(mptcp_tokens "$LAB_CLI"); do
		grep -q "^\[$tok\]" "$(daemon_log)" || unknown=$((unknown + 1))
	done
	# What the daemon said of connections it never saw a join of (the
	# log's tail alone would not show them): three at most.
	shown=0
	for tok in $(mptcp_tokens "$LAB_CLI"); do
		((shown < 3)) || break
		grep -qE "^\[$tok\] (subflow .* established|adopted .* with 2 subflows)" \
			"$(daemon_log)" && continue
		shown=$((shown + 1))
		log "--- the daemon on $tok:"
		grep -E "\[$tok\]|token=$tok " "$(daemon_log)" | sed 's/^/  | /' >&2
	done
	fail "$(subflow_count "$LAB_CLI" 5201) subflows for $N connections, $((2 * N)) expected; $unknown connections never seen by the daemon"
fi
expect_eq "$(mptcp_tokens "$LAB_CLI" | wc -l)" "$N" "MPTCP connections"
expect_eq "$(subflow_locals "$LAB_CLI" 5201 | uniq -c | awk '{print $1}' | tr '\n' ' ')" \
	"$N $N " "subflows per local address"
grep -q "mptcp_pm event socket overrun" "$(daemon_log)" ||
	fail "no overrun happened: the test did not test the resync"
log "ok: $(grep -c 'event socket overrun' "$(daemon_log)") overruns survived, $(grep -c 'adopted' "$(daemon_log)") connections adopted by resync"
