#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The command line and the configuration fail as subflowd(8) documents:
# exit status and the exact first line of the message.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

run() {
	rc=0
	"$SUBFLOWD" --plugin-dir "$SF_PLUGIN_DIR" "$@" >"$SF_TMP/out" 2>"$SF_TMP/err" || rc=$?
}

printf '[core]\nmode = userspace\nmax-subflowz = 4\n' >"$SF_TMP/bad.conf"
run --check-config -c "$SF_TMP/bad.conf"
expect_eq "$rc" 78 "exit status for an unknown key"
expect_eq "$(head -n1 "$SF_TMP/err")" \
	"subflowd: $SF_TMP/bad.conf:3: [core] max-subflowz: unknown key (expected one of mode, policy, plugins, max-subflows, standby, control-group, log, endpoint-flags)" \
	"message for an unknown key"

printf '[filter]\nskip-ula = maybe\n' >"$SF_TMP/bad2.conf"
run --check-config -c "$SF_TMP/bad2.conf"
expect_eq "$rc" 78 "exit status for a bad boolean"
grep -q "^subflowd: $SF_TMP/bad2.conf:2: \[filter\] skip-ula: " "$SF_TMP/err" ||
	fail "bad boolean message: $(cat "$SF_TMP/err")"

run --check-config -c "$SF_TMP/missing.conf"
expect_eq "$rc" 78 "exit status for a missing --config file"

run --frobnicate
expect_eq "$rc" 64 "exit status for an unknown option"
run --mode sideways --check-config
expect_eq "$rc" 64 "exit status for a bad --mode"
run stray-argument
expect_eq "$rc" 64 "exit status for a stray argument"

printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/good.conf"
run --check-config -c "$SF_TMP/good.conf" -p nosuch
expect_eq "$rc" 78 "exit status for an unknown default policy"
# The message lists the plugins that did load (in priority order).
grep -q "^subflowd: --policy: 'nosuch' is not a loaded plugin (loaded from $SF_PLUGIN_DIR: .*fullmesh.*)\$" \
	"$SF_TMP/err" || fail "message for an unknown policy: $(cat "$SF_TMP/err")"

# Command line beats the file: the file says kernel, -m says userspace.
printf '[core]\nmode = kernel\nmax-subflows = 4\n' >"$SF_TMP/prec.conf"
run --check-config -c "$SF_TMP/prec.conf" -m userspace
expect_eq "$rc" 0 "exit status of --check-config on a good file"
expect_eq "$(grep -E '^(mode|max-subflows) =' "$SF_TMP/out" | tr '\n' ' ')" \
	"mode = userspace max-subflows = 4 " "effective settings"

# An unsafe plugin directory is refused.
mkdir -m 0777 "$SF_TMP/plugins"
chmod 0777 "$SF_TMP/plugins"
rc=0
"$SUBFLOWD" --plugin-dir "$SF_TMP/plugins" --check-config -c "$SF_TMP/good.conf" \
	2>"$SF_TMP/err" || rc=$?
expect_eq "$rc" 78 "exit status for a world-writable plugin directory"
grep -q "group- or world-writable" "$SF_TMP/err" || fail "unsafe dir message: $(cat "$SF_TMP/err")"

# MPTCP disabled in the namespace: 69, and the sysctl that fixes it.
ns="sfcfg$$"
ip netns add "$ns"
trap 'ip netns del "$ns" 2>/dev/null || true; _sf_cleanup' EXIT
ip netns exec "$ns" sysctl -qw net.mptcp.enabled=0
rc=0
ip netns exec "$ns" "$SUBFLOWD" --plugin-dir "$SF_PLUGIN_DIR" -c "$SF_TMP/good.conf" \
	--bus none -l stderr 2>"$SF_TMP/err" || rc=$?
expect_eq "$rc" 69 "exit status with MPTCP disabled"
expect_eq "$(head -n1 "$SF_TMP/err")" \
	"subflowd: MPTCP is disabled in this network namespace; enable it with: sysctl -w net.mptcp.enabled=1" \
	"message with MPTCP disabled"
log "ok"
