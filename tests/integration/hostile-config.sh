#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile and broken configuration files and plugin directories: each is
# answered with the documented exit status and one clear line, never a crash
# or a hang. A config file that others than root (or the daemon's user) can
# write is refused, at start and on reload, because whoever can write it
# steers the daemon; a symlink is followed and its target is what is judged.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

# check_config FILE [ARGS...]: subflowd --check-config -c FILE; sets rc,
# the output in $SF_TMP/out and the messages in $SF_TMP/err.
check_config() {
	local file=$1
	shift
	rc=0
	"$SUBFLOWD" --plugin-dir "$SF_PLUGIN_DIR" --check-config -c "$file" "$@" \
		>"$SF_TMP/out" 2>"$SF_TMP/err" || rc=$?
}

refusal() {
	printf 'subflowd: %s: refusing a config file that others can write (mode %s, uid %s, gid %s): it must be owned by root and not group- or world-writable' "$@"
}

# Empty: every built-in default.
c="$SF_TMP/empty.conf"
: >"$c"
check_config "$c"
expect_eq "$rc" 0 "exit status for an empty file"
expect_eq "$(grep -E '^(mode|policy|max-subflows) =' "$SF_TMP/out" | tr '\n' ' ')" \
	"mode = userspace policy = fullmesh max-subflows = 8 " "an empty file gives the defaults"

# Binary: refused at the first line, control bytes escaped in the message.
c="$SF_TMP/elf.conf"
printf '\177ELF\002\001\001\000\000\000' >"$c"
check_config "$c"
expect_eq "$rc" 78 "exit status for a binary file with NUL bytes"
expect_eq "$(cat "$SF_TMP/err")" \
	"subflowd: $c:1: syntax error: NUL byte (expected a text file)" "message for NUL bytes"
c="$SF_TMP/escape.conf"
printf '\033]0;owned\007\033[2J\377\n' >"$c"
check_config "$c"
expect_eq "$rc" 78 "exit status for terminal escapes"
expect_eq "$(cat "$SF_TMP/err")" \
	"subflowd: $c:1: syntax error: '\\x1b]0;owned\\x07\\x1b[2J\\xff' is neither KEY = VALUE nor [SECTION]" \
	"terminal escapes are shown escaped"

# Huge: 1 MiB is read (comments), one byte more is refused unparsed.
c="$SF_TMP/huge.conf"
head -c $((1024 * 1024 - 1)) /dev/zero | tr '\0' '#' >"$c"
echo >>"$c"
check_config "$c"
expect_eq "$rc" 0 "exit status for a file of exactly 1 MiB"
echo >>"$c"
check_config "$c"
expect_eq "$rc" 78 "exit status for a file over 1 MiB"
expect_eq "$(cat "$SF_TMP/err")" "subflowd: $c: File too large" "message for a file over 1 MiB"
# 15000 sections in under 1 MiB: parsed in bounded time.
c="$SF_TMP/sections.conf"
for ((i = 0; i < 15000; i++)); do
	printf '[interface e%d]\nbackup = true\n' "$i"
done >"$c"
rc=0
timeout 20 "$SUBFLOWD" --plugin-dir "$SF_PLUGIN_DIR" --check-config -c "$c" >"$SF_TMP/out" || rc=$?
expect_eq "$rc" 0 "exit status for 15000 sections"
expect_eq "$(grep -c '^\[interface ' "$SF_TMP/out")" 15000 "all 15000 sections kept"

# Duplicates: a section or a key given twice is an error, not a silent pick.
c="$SF_TMP/dup-section.conf"
printf '[core]\nmax-subflows = 3\n\n[core]\nmax-subflows = 5\n' >"$c"
check_config "$c"
expect_eq "$rc" 78 "exit status for a repeated section"
expect_eq "$(cat "$SF_TMP/err")" \
	"subflowd: $c:4: [core]: duplicate section (first on line 1)" "message for a repeated section"
c="$SF_TMP/dup-iface.conf"
printf '[interface eth0]\nbackup = true\n[interface eth0]\nbackup = false\n' >"$c"
check_config "$c"
expect_eq "$rc" 78 "exit status for a repeated [interface]"
expect_eq "$(cat "$SF_TMP/err")" \
	"subflowd: $c:3: [interface eth0]: duplicate section (first on line 1)" \
	"message for a repeated [interface]"
c="$SF_TMP/dup-key.conf"
printf '[core]\nmode = kernel\nmode = userspace\n' >"$c"
check_config "$c"
expect_eq "$rc" 78 "exit status for a repeated key"
expect_eq "$(cat "$SF_TMP/err")" \
	"subflowd: $c:3: [core] mode: duplicate key (first set on line 2)" "message for a repeated key"

# Not a file: a directory.
check_config "$SF_TMP"
expect_eq "$rc" 78 "exit status for a directory"
expect_eq "$(cat "$SF_TMP/err")" "subflowd: $SF_TMP: Is a directory" "message for a directory"

# Writable by others: refused, whatever is inside.
c="$SF_TMP/open.conf"
printf '[core]\nmax-subflows = 2\n' >"$c"
chmod 0666 "$c"
check_config "$c"
expect_eq "$rc" 78 "exit status for a world-writable file"
expect_eq "$(cat "$SF_TMP/err")" "$(refusal "$c" 0666 0 0)" "message for a world-writable file"
chmod 0664 "$c"
chgrp 65534 "$c"
check_config "$c"
expect_eq "$rc" 78 "exit status for a file writable by a group other than root's"
expect_eq "$(cat "$SF_TMP/err")" "$(refusal "$c" 0664 0 65534)" "message for a group-writable file"
chgrp 0 "$c"
check_config "$c"
expect_eq "$rc" 0 "exit status for a file writable by root's group only"
chmod 0644 "$c"
chown 65534 "$c"
check_config "$c"
expect_eq "$rc" 78 "exit status for a file owned by another user"
expect_eq "$(cat "$SF_TMP/err")" "$(refusal "$c" 0644 65534 0)" "message for another user's file"
chown 0 "$c"

# Symlinks are followed; the target is judged (a link's own mode is 0777).
ln -s "$c" "$SF_TMP/link.conf"
check_config "$SF_TMP/link.conf"
expect_eq "$rc" 0 "exit status for a symlink to a safe file"
expect_eq "$(grep '^max-subflows =' "$SF_TMP/out")" "max-subflows = 2" "the symlink's target is read"
chmod 0646 "$c"
check_config "$SF_TMP/link.conf"
expect_eq "$rc" 78 "exit status for a symlink to a world-writable file"
expect_eq "$(cat "$SF_TMP/err")" "$(refusal "$SF_TMP/link.conf" 0646 0 0)" \
	"message for a symlink to a world-writable file"
chmod 0644 "$c"
ln -s "$SF_TMP/nowhere.conf" "$SF_TMP/dangling.conf"
check_config "$SF_TMP/dangling.conf"
expect_eq "$rc" 78 "exit status for a dangling symlink"
expect_eq "$(cat "$SF_TMP/err")" "subflowd: $SF_TMP/dangling.conf: No such file or directory" \
	"message for a dangling symlink"

# Plugin directory or plugin writable by others: refused, 78.
plugin_dir_refusal() {
	printf 'subflowd: %s: refusing: must be owned by root and not group- or world-writable (mode %s, uid %s)' "$@"
}
pd="$SF_TMP/plugins"
mkdir "$pd"
for mode in 0757 0775; do
	chmod "$mode" "$pd"
	rc=0
	"$SUBFLOWD" --plugin-dir "$pd" --check-config -c "$c" >/dev/null 2>"$SF_TMP/err" || rc=$?
	expect_eq "$rc" 78 "exit status for a plugin directory of mode $mode"
	expect_eq "$(cat "$SF_TMP/err")" "$(plugin_dir_refusal "$pd" "$mode" 0)" \
		"message for a plugin directory of mode $mode"
done
chmod 0755 "$pd"
cp "$SF_PLUGIN_DIR/fullmesh.so" "$pd/"
chmod 0646 "$pd/fullmesh.so"
rc=0
"$SUBFLOWD" --plugin-dir "$pd" --check-config -c "$c" >/dev/null 2>"$SF_TMP/err" || rc=$?
expect_eq "$rc" 78 "exit status for a world-writable plugin"
grep -qxF "plugins refused: $pd/fullmesh.so: refusing: must be owned by root and not group- or world-writable (mode 0646, uid 0)" \
	"$SF_TMP/err" || fail "message for a world-writable plugin: $(cat "$SF_TMP/err")"
chmod 0644 "$pd/fullmesh.so"
rc=0
"$SUBFLOWD" --plugin-dir "$pd" --check-config -c "$c" >/dev/null 2>"$SF_TMP/err" || rc=$?
expect_eq "$rc" 0 "exit status once the plugin is safe"

# On reload: a file made world-writable is refused and the settings stay.
lab_up --paths 1
conf="$SF_TMP/reload.conf"
printf '[core]\nmax-subflows = 2\n' >"$conf"
start_daemon "$LAB_CLI" -c "$conf" -p fullmesh
chmod 0666 "$conf"
kill -HUP "$DAEMON_PID"
wait_log 5 "reload rejected, keeping the running settings: $conf: refusing a config file that others can write \(mode 0666"
kill -0 "$DAEMON_PID" || fail "subflowd exited on a refused reload"
chmod 0644 "$conf"
kill -HUP "$DAEMON_PID"
wait_log 5 "configuration reloaded from $conf"
expect_rc 0 "clean stop" stop_daemon "$LAB_CLI"
log "ok"
