#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Re-creation at scale: every pending re-creation fires, however many wait
# at once. N connections (400 by default, far more than the event loop
# could watch if each waiting re-creation held a descriptor of its own)
# are meshed over 2 paths by fullmesh. Then the server resets joins on
# path 2, and every path-2 subflow is killed at once (ss -K:
# ECONNABORTED): N re-creations are scheduled in 1 s, and each one fires,
# is reset by the server (ECONNREFUSED) and is scheduled again in 2 s. The
# server takes joins again: within the backoff's next steps every
# connection has its 2 subflows (exactly 2 N), each path needed exactly one
# re-creation in 1 s and one in 2 s, the loop never refused a watch, and
# the daemon exits cleanly.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

N=${SF_RETRY_CONNECTIONS:-400}
BURST="$top_srcdir/tests/tools/mptcp-burst.py"
# The burst's client holds N sockets.
(($(ulimit -n) >= N + 64)) || ulimit -n $((N + 1024))

lab_up --paths 2
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p fullmesh

# scheduled DELAY_MS: the re-creations of a path-2 subflow the daemon has
# scheduled in DELAY_MS so far.
scheduled() {
	grep -c "re-creating subflow 10\\.0\\.2\\.1 -> 10\\.0\\.1\\.2:5201 in $1 ms\$" \
		"$DAEMON_LOG" || true
}
_scheduled_at_least() {
	(($(scheduled "$2") >= $1))
}
_path2_subflows() {
	mptcp_subflows "$LAB_CLI" 5201 | grep -c '^10\.0\.2\.1:' || true
}
_path2_none() {
	[[ $(_path2_subflows) == 0 ]]
}
# conn_paths: how many connections have each set of subflow sources, as
# "COUNT SRC SRC...": the client's subflows to port 5201, grouped by the
# server's token that ss shows for each ("token:LOCAL(id)/REMOTE(id)").
conn_paths() {
	in_ns "$LAB_CLI" ss -HtinO state established '( dport = :5201 )' | awk '
	/ tcp-ulp-mptcp / {
		src = $3
		sub(/:[0-9]+$/, "", src)
		for (i = 5; i <= NF; i++)
			if ($i ~ /^token:/) {
				tok = $i
				sub(/.*\//, "", tok)
				sub(/\(.*/, "", tok)
			}
		print tok, src
	}' | sort | awk '
	$1 != tok { if (tok != "") print srcs; tok = $1; srcs = "" }
	{ srcs = srcs " " $2 }
	END { if (tok != "") print srcs }' | sort | uniq -c | sed 's/^ *//; s/  */ /g'
}
watch_refusals() {
	grep -c 'watch_add' "$DAEMON_LOG" || true
}
# The daemon's view of the run so far, for the failure messages.
summary() {
	printf '%s subflows (%s on path 2) for %s connections; re-creations scheduled in 1000 ms: %s, in 2000 ms: %s, in 4000 ms: %s; watch_add warnings: %s' \
		"$(subflow_count "$LAB_CLI" 5201)" "$(_path2_subflows)" "$N" \
		"$(scheduled 1000)" "$(scheduled 2000)" "$(scheduled 4000)" \
		"$(watch_refusals)"
}

ip netns exec "$LAB_SRV" python3 "$BURST" server 5201 >"$SF_TMP/server.log" 2>&1 &
wait_until 5 grep -qsx READY "$SF_TMP/server.log"
ip netns exec "$LAB_CLI" python3 "$BURST" client "$LAB_SRV_ADDR_1" 5201 "$N" \
	>"$SF_TMP/client.log" 2>&1 &
CLIENT=$!
_opened() {
	grep -qsx "open $N" "$SF_TMP/client.log" || ! kill -0 "$CLIENT" 2>/dev/null
}
wait_until 60 _opened
grep -qsx "open $N" "$SF_TMP/client.log" ||
	fail "the client failed: $(tail -n 1 "$SF_TMP/client.log")"
wait_subflows 60 "$LAB_CLI" $((2 * N)) 5201
expect_eq "$(conn_paths)" "$N $LAB_CLI_ADDR_1 $LAB_CLI_ADDR_2" \
	"connections by their subflows' sources, before the failure"

# The server resets every join that comes in on path 2 (error 111).
lab_fail 2 reset
# Every path-2 subflow dies at once, with an error. (ss also tries the
# MPTCP sockets themselves, which cannot be killed: quiet.)
in_ns "$LAB_CLI" ss -K -t src "$LAB_CLI_ADDR_2" dport = 5201 >/dev/null 2>&1
wait_until 10 _path2_none
try_until 10 _scheduled_at_least "$N" 1000 ||
	fail "not every killed subflow was scheduled for re-creation: $(summary)"
# Each re-creation fires after 1 s and is reset: scheduled again in 2 s.
# One that never fires is checked for below, once the server has taken
# joins again: a connection left with one subflow for good.
if try_until 10 _scheduled_at_least "$N" 2000; then
	log "all $N first re-creations fired and were reset: $(summary)"
else
	log "not every first re-creation fired: $(summary)"
fi

# The server takes joins again: the next attempts (2 s after the first
# ones; 4 s for any that fired again before this) bring every subflow
# back; 10 s leaves room for a loaded machine.
lab_restore 2
t0=$(date +%s%3N)
try_until 10 _sf_subflow_count_is $((2 * N)) "$LAB_CLI" 5201 ||
	fail "not every connection got its second subflow back within 10 s: $(summary)"
log "ok: $((2 * N)) subflows again $(($(date +%s%3N) - t0)) ms after the server took joins again"

expect_eq "$(conn_paths)" "$N $LAB_CLI_ADDR_1 $LAB_CLI_ADDR_2" \
	"connections by their subflows' sources, after the failure"
expect_eq "$(mptcp_subflows "$LAB_CLI" 5201 | awk '{print $2}' | sort -u)" \
	"$LAB_SRV_ADDR_1:5201" "the subflows' remote end"
expect_eq "$(scheduled 1000)" "$N" "re-creations scheduled in 1000 ms"
expect_eq "$(scheduled 2000)" "$N" "re-creations scheduled in 2000 ms"
expect_eq "$(watch_refusals)" 0 "watch_add warnings in the daemon's log"
log "ok: $(summary)"
# Under ASan, a leak makes this exit status non-zero.
expect_rc 0 "the daemon's exit on SIGTERM" stop_daemon "$LAB_CLI"
