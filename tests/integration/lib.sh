# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash source-path=SCRIPTDIR
#
# lib.sh - shared helpers for subflowd's integration tests. Source it first:
#
#   . "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
#   require_root_and_mptcp
#   lab_up --paths 3
#   start_daemon "$LAB_CLI" -p fullmesh
#
# It turns on "set -euo pipefail"; to check a command's exit status use
# expect_rc, or "rc=0; cmd || rc=$?" right after the command.
#
# automake's test driver exports top_srcdir and top_builddir; run by hand,
# top_srcdir defaults to this file's tree and top_builddir to the current
# directory. Everything a test makes (namespaces, daemons, background jobs,
# the per-test directory $SF_TMP) is removed on every way out. Set
# SF_KEEP_TMP=1 to keep $SF_TMP, SF_VALGRIND=1 to run daemons under valgrind.

set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
export top_srcdir top_builddir

SF_TEST=$(basename "$0" .sh)
XFER="$top_builddir/tests/tools/mptcp-xfer"
SUBFLOWD="$top_builddir/subflowd"
SF_PLUGIN_DIR="$top_builddir/plugins/.libs"
# The daemon's systemd module (D-Bus, sd_notify), from the build tree.
export SUBFLOWD_MODULE_DIR="$top_builddir/src/.libs"

# A lab left in the environment by "eval $(lab.sh up)" is not ours to remove.
unset LAB_PREFIX LAB_CLI LAB_SRV LAB_PATHS
# shellcheck source=../lab/lab.sh
. "$top_srcdir/tests/lab/lab.sh"

SF_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sf-$SF_TEST.XXXXXX")
export SF_TMP

# Daemons started by start_daemon: namespace -> pid, namespace -> log.
declare -A SF_DAEMON_PID=()
declare -A SF_DAEMON_LOG=()
# For the tests that source this file:
# shellcheck disable=SC2034
DAEMON_PID="" DAEMON_LOG="" XFER_SERVER_PID="" XFER_SERVER_LOG=""

log() {
	printf '%s: %s\n' "$SF_TEST" "$*" >&2
}

# fail MSG...: say why and end the test with status 1.
fail() {
	printf '%s: FAIL: %s\n' "$SF_TEST" "$*" >&2
	exit 1
}

# skip MSG...: end the test as skipped (77), saying why.
skip() {
	printf '%s: SKIP: %s\n' "$SF_TEST" "$*" >&2
	exit 77
}

# require_root_and_mptcp: skip only when the kernel lacks MPTCP or its
# userspace path manager; fail for anything this machine should provide.
require_root_and_mptcp() {
	local tool
	if [[ ! -d /proc/sys/net/mptcp ]]; then
		skip "this kernel has no MPTCP (no /proc/sys/net/mptcp; CONFIG_MPTCP=y is needed)"
	fi
	if [[ ! -e /proc/sys/net/mptcp/pm_type ]]; then
		skip "this kernel has no userspace MPTCP path manager (net.mptcp.pm_type needs Linux >= 5.19)"
	fi
	((EUID == 0)) || fail "must run as root: the test creates network namespaces"
	for tool in ip ss tc nft; do
		command -v "$tool" >/dev/null || fail "'$tool' is not installed (scripts/deps installs it)"
	done
	[[ -x $XFER ]] || fail "$XFER is missing: build it with 'make tests/tools/mptcp-xfer'"
}

# in_ns NS CMD...: run CMD inside namespace NS.
in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# try_until TIMEOUT_S CMD...: poll CMD every 0.1 s; status 0 as soon as it
# succeeds, 1 once TIMEOUT_S seconds have passed.
try_until() {
	local ms deadline
	ms=$(awk -v t="$1" 'BEGIN { printf "%d", t * 1000 }')
	shift
	deadline=$(($(date +%s%3N) + ms))
	while :; do
		if "$@"; then
			return 0
		fi
		(($(date +%s%3N) < deadline)) || return 1
		sleep 0.1
	done
}

# not CMD...: succeeds when CMD fails (for wait_until).
not() {
	! "$@"
}

# wait_until TIMEOUT_S CMD...: like try_until, but fail the test on timeout.
# CMD is run again at each poll, but its arguments are expanded once, by the
# caller: poll an expression through a function (see wait_subflows), not
# with "$(...)" in the arguments.
wait_until() {
	local timeout=$1
	shift
	try_until "$timeout" "$@" || fail "timed out after ${timeout}s waiting for: $*"
}

# expect_eq ACTUAL EXPECTED WHAT: fail unless ACTUAL is exactly EXPECTED.
expect_eq() {
	if [[ $1 != "$2" ]]; then
		fail "$(printf '%s:\n--- expected\n%s\n--- actual\n%s\n---' "$3" "$2" "$1")"
	fi
	log "ok: $3"
}

# expect_rc EXPECTED WHAT CMD...: run CMD, fail unless it exits EXPECTED.
expect_rc() {
	local want=$1 what=$2 rc=0
	shift 2
	"$@" || rc=$?
	expect_eq "$rc" "$want" "$what (exit status of: $*)"
}

# mptcp_subflows NS [PORT]: one line per ESTABLISHED TCP subflow of an MPTCP
# connection in NS, "SRC:SPORT DST:DPORT" followed by " backup" when either
# end flagged it backup, sorted. IPv6 addresses are bracketed; IPv4-mapped
# ones are printed as IPv4; ss's "%ifname" scope is dropped. With PORT, only
# subflows whose local or remote port is PORT. (lab_subflows in lab.sh.)
mptcp_subflows() {
	lab_subflows "$@"
}

# subflows NS [PORT]: same as mptcp_subflows.
subflows() {
	mptcp_subflows "$@"
}

# subflow_count NS [PORT]: how many lines mptcp_subflows prints.
subflow_count() {
	local n
	n=$(mptcp_subflows "$@" | wc -l)
	echo "$n"
}

_sf_subflow_count_is() {
	[[ $(subflow_count "$2" "${3:-}") == "$1" ]]
}

# subflow_locals NS [PORT]: the local addresses of mptcp_subflows NS [PORT],
# one per line, sorted (a duplicate subflow shows as a repeated line).
subflow_locals() {
	mptcp_subflows "$1" "${2:-}" | sed 's/^\[\{0,1\}\([^] ]*\)\]\{0,1\}:[0-9]* .*/\1/' | sort
}

_sf_subflow_locals_are() {
	[[ $(subflow_locals "$2" "${3:-}" | tr '\n' ' ') == "$1" ]]
}

# wait_subflow_locals TIMEOUT_S NS "ADDR ADDR ..." [PORT]: wait until the
# subflows' local addresses in NS are exactly these (sorted, space separated,
# with a trailing space); on timeout fail, showing the subflows there are.
wait_subflow_locals() {
	if ! try_until "$1" _sf_subflow_locals_are "$3" "$2" "${4:-}"; then
		fail "$(printf 'timed out after %ss waiting for subflows from "%s" in %s; there are:\n%s' \
			"$1" "$3" "$2" "$(mptcp_subflows "$2" "${4:-}")")"
	fi
}

# wait_subflows TIMEOUT_S NS N [PORT]: wait until subflow_count NS [PORT]
# is N; on timeout fail, showing the subflows there are.
wait_subflows() {
	if ! try_until "$1" _sf_subflow_count_is "$3" "$2" "${4:-}"; then
		fail "$(printf 'timed out after %ss waiting for %s subflows in %s; there are:\n%s' \
			"$1" "$3" "$2" "$(mptcp_subflows "$2" "${4:-}")")"
	fi
}

# mptcp_tokens NS: the tokens of NS's established MPTCP sockets as 8 hex
# digits (ss drops leading zeros; D-Bus paths and logs keep them), sorted.
mptcp_tokens() {
	local t
	for t in $(ip netns exec "$1" ss -HMinO state established |
		grep -o 'token:[0-9a-f]*' | sed 's/^token://'); do
		printf '%08x\n' "$((16#$t))"
	done | sort
}

# mptcp_monitor NS FILE [stamp]: "ip mptcp monitor" in NS in the
# background, into FILE (each line prefixed with the wall clock in ms when
# "stamp" is given); returns once it listens: once it reports a
# LISTENER_CREATED of a throwaway MPTCP listener.
mptcp_monitor() {
	local ns=$1 file=$2
	if [[ ${3:-} == stamp ]]; then
		in_ns "$ns" stdbuf -oL ip mptcp monitor 2>&1 |
			while IFS= read -r line; do
				printf '%s %s\n' "$((${EPOCHREALTIME/./} / 1000))" "$line"
			done >"$file" &
	else
		in_ns "$ns" stdbuf -oL ip mptcp monitor >"$file" 2>&1 &
	fi
	wait_until 5 _monitor_listens "$ns" "$file"
}
_monitor_listens() {
	in_ns "$1" python3 -c 'import socket
socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262).listen()'
	grep -q . "$2"
}

# xfer_server [ARGS...]: start "mptcp-xfer server ARGS" in $LAB_SRV in the
# background, output in $SF_TMP/xfer-server.log, and wait until it listens.
# Sets XFER_SERVER_PID and XFER_SERVER_LOG.
xfer_server() {
	XFER_SERVER_LOG="$SF_TMP/xfer-server.log"
	ip netns exec "$LAB_SRV" "$XFER" server "$@" >"$XFER_SERVER_LOG" 2>&1 &
	XFER_SERVER_PID=$!
	wait_until 5 _sf_xfer_ready
}

_sf_xfer_ready() {
	grep -qsx READY "$XFER_SERVER_LOG" && return 0
	kill -0 "$XFER_SERVER_PID" 2>/dev/null ||
		fail "mptcp-xfer server exited: $(cat "$XFER_SERVER_LOG")"
	return 1
}

# xfer_client ARGS...: run "mptcp-xfer client ARGS" in $LAB_CLI (foreground).
xfer_client() {
	ip netns exec "$LAB_CLI" "$XFER" client "$@"
}

# client_paths: the client's subflows to port 5201 as "LOCAL-IP[ backup]",
# one per line, sorted: ports vary, the flag is what counts.
client_paths() {
	mptcp_subflows "$LAB_CLI" 5201 | sed -E 's/^([^ ]*):[0-9]+ [^ ]*/\1/'
}

# client_paths_are "A;B;": client_paths prints exactly these lines.
client_paths_are() {
	[[ $(client_paths | tr '\n' ';') == "$1" ]]
}

# wait_client_paths TIMEOUT_S "A;B;": wait until client_paths_are; on
# timeout fail, showing the subflows there are.
wait_client_paths() {
	if ! try_until "$1" client_paths_are "$2"; then
		fail "$(printf 'timed out after %ss waiting for paths "%s"; there are:\n%s' \
			"$1" "$2" "$(mptcp_subflows "$LAB_CLI" 5201)")"
	fi
}

# wait_flowing TIMEOUT_S: wait until 3 of the reports of a client run as
# "xfer_client ... -i MS >$SF_TMP/client.log" since this call show data.
wait_flowing() {
	local from
	from=$(wc -l <"$SF_TMP/client.log")
	wait_until "$1" _sf_flowing_since "$from"
}

_sf_flowing_since() {
	local n
	n=$(tail -n "+$(($1 + 1))" "$SF_TMP/client.log" |
		grep -cE '^t=[0-9.]+ bytes=[1-9][0-9]* ' || true)
	((n >= 3))
}

# xfer_servers PORT...: one "mptcp-xfer server" in $LAB_SRV per PORT, in the
# background, output in $SF_TMP/server-PORT.log; returns once all listen.
xfer_servers() {
	local p
	for p in "$@"; do
		ip netns exec "$LAB_SRV" "$XFER" server -p "$p" >"$SF_TMP/server-$p.log" 2>&1 &
		wait_until 5 grep -qsx READY "$SF_TMP/server-$p.log"
	done
}

# held_client PORT: a client connection to $LAB_SRV_ADDR_1:PORT held open
# (60 s) in the background, output in $SF_TMP/client-PORT.log, its pid in
# HELD_PID[PORT]; returns once it is connected (client_token PORT then
# prints its token). Never run it in "$(...)": the job must be this
# shell's, for end_held and the cleanup.
declare -A HELD_PID=()
held_client() {
	local log="$SF_TMP/client-$1.log"
	: >"$log"
	ip netns exec "$LAB_CLI" "$XFER" client -a "$LAB_SRV_ADDR_1" -p "$1" \
		--hold 60 >"$log" 2>&1 &
	HELD_PID[$1]=$!
	wait_until 5 grep -q '^connected token=' "$log"
}

# client_token PORT: the token of held_client PORT's connection.
client_token() {
	sed -n 's/^connected token=\([0-9a-f]*\) .*/\1/p' "$SF_TMP/client-$1.log"
}

# end_held PORT...: end those held_client connections (never anyone
# else's: tests run side by side).
end_held() {
	local p
	for p in "$@"; do
		kill "${HELD_PID[$p]}" 2>/dev/null || true
		wait "${HELD_PID[$p]}" 2>/dev/null || true
		unset "HELD_PID[$p]"
	done
}

# subflow_pairs NS [PORT]: "LOCAL>REMOTE:PORT" of each subflow of
# mptcp_subflows NS [PORT], sorted, space separated, with a trailing space.
subflow_pairs() {
	mptcp_subflows "$@" | awk '{l = $1; sub(/:[0-9]+$/, "", l); print l ">" $2}' |
		sort | tr '\n' ' '
}
_sf_pairs_are() {
	[[ $(subflow_pairs "$2" "${3:-}") == "$1" ]]
}

# wait_pairs TIMEOUT_S NS "PAIRS" [PORT]: wait until subflow_pairs NS [PORT]
# is PAIRS; on timeout fail, showing the pairs there are.
wait_pairs() {
	try_until "$1" _sf_pairs_are "$3" "$2" "${4:-}" ||
		fail "$(printf 'timed out after %ss waiting for subflows "%s" in %s; there are "%s"' \
			"$1" "$3" "$2" "$(subflow_pairs "$2" "${4:-}")")"
	log "ok: subflows in $2${4:+ to port $4}: $3"
}

# client_endpoints: the in-kernel PM endpoints of $LAB_CLI, one per line,
# sorted.
client_endpoints() {
	in_ns "$LAB_CLI" ip mptcp endpoint show | sed 's/ *$//' | sort
}
_sf_endpoints_are() {
	[[ $(client_endpoints) == "$1" ]]
}

# wait_endpoints WHAT EXPECTED [TIMEOUT_S]: wait (10 s by default) until
# client_endpoints prints the lines of EXPECTED, in any order.
wait_endpoints() {
	local want
	want=$(sort <<<"$2")
	if ! try_until "${3:-10}" _sf_endpoints_are "$want"; then
		expect_eq "$(client_endpoints)" "$want" "$1"
	fi
	log "ok: $1"
}

# stage_daemon: a copy of the daemon and its plugins that any uid may reach
# (a clone can sit in a directory only root may enter, as mktemp -d makes
# them), for tests that run the daemon as another user. Points SUBFLOWD and
# SF_PLUGIN_DIR at it; makes $SF_TMP reachable.
stage_daemon() {
	local dir="$SF_TMP/stage"
	chmod 755 "$SF_TMP"
	mkdir -p -m 755 "$dir" "$dir/plugins"
	install -m 755 "$SUBFLOWD" "$dir/subflowd"
	install -m 755 "$SF_PLUGIN_DIR"/*.so "$dir/plugins/"
	SUBFLOWD="$dir/subflowd"
	SF_PLUGIN_DIR="$dir/plugins"
}

# start_daemon NS [ARGS...]: run subflowd in NS with --bus none, logging to
# stderr into $SF_TMP/subflowd-NS.log, with the build's plugins; ARGS come
# last and override. Returns once the log says "subflowd ready"; fails at
# once if the daemon exits first. Sets DAEMON_PID and DAEMON_LOG.
start_daemon() {
	local ns=$1 log pid deadline
	shift
	[[ -x $SUBFLOWD ]] || fail "$SUBFLOWD is missing: build it first"
	[[ -z ${SF_DAEMON_PID[$ns]:-} ]] || fail "a daemon already runs in $ns"
	log="$SF_TMP/subflowd-$ns.log"
	# -d: tests follow connections through their debug-level log lines.
	local cmd=("$SUBFLOWD" --bus none -l stderr -d --plugin-dir "$SF_PLUGIN_DIR" "$@")
	if [[ -n ${SF_VALGRIND:-} ]]; then
		cmd=(valgrind -q --leak-check=full --error-exitcode=99
			"--log-file=$SF_TMP/valgrind-$ns.log" "${cmd[@]}")
	fi
	log "starting in $ns: ${cmd[*]}"
	# "ip netns exec" execs the command: $! is the daemon's own pid.
	ip netns exec "$ns" "${cmd[@]}" >"$log" 2>&1 &
	pid=$!
	SF_DAEMON_PID[$ns]=$pid
	SF_DAEMON_LOG[$ns]=$log
	# shellcheck disable=SC2034
	DAEMON_PID=$pid
	DAEMON_LOG=$log

	deadline=$(($(date +%s) + ${SF_DAEMON_TIMEOUT:-10}))
	until grep -q 'subflowd ready' "$log"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			local rc=0
			wait "$pid" || rc=$?
			unset "SF_DAEMON_PID[$ns]"
			sed 's/^/  | /' "$log" >&2
			fail "subflowd in $ns exited with status $rc before it was ready"
		fi
		if (($(date +%s) >= deadline)); then
			sed 's/^/  | /' "$log" >&2
			fail "subflowd in $ns not ready after ${SF_DAEMON_TIMEOUT:-10}s"
		fi
		sleep 0.1
	done
}

# stop_daemon [NS]: SIGTERM the daemon in NS (default: the only one), SIGKILL
# it after 5 s. Returns its exit status (0 for a clean exit).
stop_daemon() {
	local ns=${1:-} pid rc=0 i
	if [[ -z $ns ]]; then
		((${#SF_DAEMON_PID[@]} == 1)) || fail "stop_daemon: say which namespace"
		ns=${!SF_DAEMON_PID[*]}
	fi
	pid=${SF_DAEMON_PID[$ns]:-}
	[[ -n $pid ]] || fail "stop_daemon: no daemon runs in $ns"
	unset "SF_DAEMON_PID[$ns]"
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "subflowd in $ns ignored SIGTERM for 5s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" || rc=$?
	return "$rc"
}

# daemon_log [NS]: the path of NS's (default: the last started) daemon log.
daemon_log() {
	if (($#)); then
		echo "${SF_DAEMON_LOG[$1]}"
	else
		echo "$DAEMON_LOG"
	fi
}

# wait_log TIMEOUT_S PATTERN [NS]: wait until a daemon's log matches the
# extended regex PATTERN.
wait_log() {
	local f
	f=$(daemon_log "${@:3}")
	wait_until "$1" grep -qE -- "$2" "$f"
}

# _sf_kill_tree PID: SIGTERM PID and its descendants (a backgrounded
# function or subshell does not pass signals on to its children).
_sf_kill_tree() {
	local child
	for child in $(pgrep -P "$1"); do
		_sf_kill_tree "$child"
	done
	kill -TERM "$1" 2>/dev/null
}

_sf_cleanup() {
	local rc=$? ns pid f i
	trap - EXIT INT TERM
	set +e
	for ns in "${!SF_DAEMON_PID[@]}"; do
		pid=${SF_DAEMON_PID[$ns]}
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $(jobs -p); do
		_sf_kill_tree "$pid"
	done
	for pid in "${SF_DAEMON_PID[@]}" $(jobs -p); do
		for ((i = 0; i < 30; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	lab_down
	if ((rc != 0 && rc != 77)); then
		for f in "$SF_TMP"/*.log; do
			[[ -s $f ]] || continue
			printf '%s: --- %s\n' "$SF_TEST" "$(basename "$f")" >&2
			tail -n 50 "$f" | sed 's/^/  | /' >&2
		done
	fi
	if [[ -n ${SF_KEEP_TMP:-} ]]; then
		log "kept $SF_TMP"
	else
		rm -rf "$SF_TMP"
	fi
	exit "$rc"
}

trap _sf_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
