#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# "mptcpize enable|disable UNIT" on a system tree (--root): the drop-in it
# writes, that systemd reads it (systemd-analyze cat-config/verify), that the
# vendor unit and its other drop-ins are never touched, that a second enable
# changes nothing, and that disable leaves the tree byte-identical to before.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
MPTCPIZE="$top_builddir/tools/mptcpize"
export MPTCPIZE_LIB="$top_builddir/lib/.libs/libmptcpize.so"

root="$SF_TMP/root"
vendor="$root/lib/systemd/system/web.service"
mkdir -p "${vendor%/*}" "$root/etc/systemd/system/web.service.d"
cat >"$vendor" <<'UNIT'
[Unit]
Description=A web server

[Service]
Environment=WEB_ROOT=/srv/www "GREETING=hello world"
Environment=LANG=C.UTF-8
ExecStart=/bin/true
UNIT
printf '[Service]\nEnvironment=WORKERS=4\n' >"$root/etc/systemd/system/web.service.d/local.conf"
cp -a "$root" "$SF_TMP/before"
touch "$SF_TMP/stamp"

dropin="$root/etc/systemd/system/web.service.d/mptcpize.conf"
run() {
	rc=0
	"$MPTCPIZE" "$@" >"$SF_TMP/out" 2>&1 || rc=$?
}

run enable --root "$root" web
expect_eq "$rc" 0 "enable: exit status"
expect_eq "$(cat "$SF_TMP/out")" "$(printf '%s\n' \
	"mptcpize: web.service uses MPTCP: wrote $dropin" \
	"mptcpize: not the running system (--root): systemd not reloaded")" "enable: output"
expect_eq "$(cat "$dropin")" "$(printf '%s\n' \
	'# Written by "mptcpize enable"; "mptcpize disable web.service" removes it.' \
	'[Service]' \
	"Environment=LD_PRELOAD=$MPTCPIZE_LIB" \
	'Environment=GODEBUG=multipathtcp=1')" "the drop-in"
expect_eq "$(stat -c %a "$dropin")" 644 "the drop-in's mode"
cmp "$vendor" "$SF_TMP/before/lib/systemd/system/web.service" || fail "enable changed the vendor unit"
cmp "$root/etc/systemd/system/web.service.d/local.conf" \
	"$SF_TMP/before/etc/systemd/system/web.service.d/local.conf" || fail "enable changed local.conf"

# systemd's own reading of the result: every Environment= line is still
# there, and the drop-in's come last.
if command -v systemd-analyze >/dev/null; then
	expect_eq "$(systemd-analyze --root="$root" cat-config systemd/system/web.service 2>/dev/null |
		grep '^Environment=')" "$(printf '%s\n' \
		'Environment=WEB_ROOT=/srv/www "GREETING=hello world"' \
		'Environment=LANG=C.UTF-8' \
		'Environment=WORKERS=4' \
		"Environment=LD_PRELOAD=$MPTCPIZE_LIB" \
		'Environment=GODEBUG=multipathtcp=1')" "Environment= lines systemd reads"
fi

# Enabling again is a no-op: same file, same inode.
inode=$(stat -c %i "$dropin")
run enable --root "$root" web.service
expect_eq "$rc" 0 "second enable: exit status"
expect_eq "$(cat "$SF_TMP/out")" "mptcpize: web.service already uses MPTCP ($dropin)" "second enable: output"
expect_eq "$(stat -c %i "$dropin")" "$inode" "second enable leaves the drop-in alone"

run disable --root "$root/" web
expect_eq "$rc" 0 "disable: exit status"
expect_eq "$(head -n1 "$SF_TMP/out")" \
	"mptcpize: web.service no longer uses MPTCP: removed $dropin" "disable: output"
diff -r --no-dereference "$SF_TMP/before" "$root" || fail "the tree differs after enable + disable"
expect_eq "$(find "$root" -type f -newer "$SF_TMP/stamp")" "" "files written over"

# A unit without other drop-ins: the directory mptcpize made goes too.
rm "$root/etc/systemd/system/web.service.d/local.conf"
rmdir "$root/etc/systemd/system/web.service.d"
rm -rf "$SF_TMP/before" && cp -a "$root" "$SF_TMP/before"
run enable --root "$root" web
expect_eq "$rc" 0 "enable without a drop-in directory"
run disable --root "$root" web
expect_eq "$rc" 0 "disable without other drop-ins"
diff -r --no-dereference "$SF_TMP/before" "$root" || fail "the tree differs after the second round trip"

# Disabling what is not enabled is fine; what others wrote is not removed.
run disable --root "$root" web
expect_eq "$rc:$(cat "$SF_TMP/out")" \
	"0:mptcpize: web.service does not use mptcpize (no $dropin)" "disable when not enabled"
mkdir -p "${dropin%/*}" && printf '[Service]\nEnvironment=X=1\n' >"$dropin"
run disable --root "$root" web
expect_eq "$rc:$(cat "$SF_TMP/out")" \
	"1:mptcpize: $dropin was not written by mptcpize; not removing it" "disable of a foreign mptcpize.conf"
expect_eq "$(cat "$dropin")" "$(printf '[Service]\nEnvironment=X=1')" "the foreign file is kept"
rm -r "${dropin%/*}"

# Templates, unknown units and names that are not services.
mkdir -p "$root/usr/lib/systemd/system"
printf '[Service]\nExecStart=/bin/true\n' >"$root/usr/lib/systemd/system/worker@.service"
run enable --root "$root" worker@3
expect_eq "$rc" 0 "enable an instance of a template"
[[ -f $root/etc/systemd/system/worker@3.service.d/mptcpize.conf ]] || fail "no drop-in for worker@3"
run enable --root "$root" nosuch
expect_eq "$rc:$(cat "$SF_TMP/out")" \
	"1:mptcpize: nosuch.service: no such unit under $root (looked in /etc/systemd/system and the other unit directories)" \
	"enable of an unknown unit"
run enable --root "$root" web.socket
expect_eq "$rc:$(cat "$SF_TMP/out")" \
	"1:mptcpize: web.socket: only services (.service units) have an environment to change" \
	"enable of a socket unit"
run enable --root "$root" ../web
expect_eq "$rc:$(cat "$SF_TMP/out")" "1:mptcpize: '../web' is not a valid unit name" "a path as unit name"
run enable --root "$root"
expect_eq "$rc" 64 "enable without a unit"
