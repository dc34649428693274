#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The generated subflowd.service: what it promises (Type=notify, reload by
# SIGHUP, restart on failure, an unprivileged user with CAP_NET_ADMIN only,
# the sandbox), that "systemd-analyze verify" accepts it, man pages included,
# and that "systemd-analyze security" rates it OK or better (< 5.0).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
command -v systemd-analyze >/dev/null ||
	fail "systemd-analyze is missing (scripts/deps installs systemd)"

unit="$top_builddir/data/subflowd.service"
[[ -f $unit ]] || fail "$unit is missing: build it first"

expect_eq "$(grep -c '@[a-z_]*@' "$unit")" 0 "unsubstituted @variables@"
grep -qE '^ExecStart=/[^ ]*/subflowd$' "$unit" || fail "ExecStart= is not an absolute path: $(grep ExecStart "$unit")"
for line in Type=notify 'ExecReload=/bin/kill -HUP $MAINPID' Restart=on-failure \
	User=subflowd 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE' \
	'AmbientCapabilities=CAP_NET_ADMIN CAP_NET_BIND_SERVICE' NoNewPrivileges=yes \
	ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
	'RestrictAddressFamilies=AF_NETLINK AF_UNIX AF_INET AF_INET6' \
	SystemCallFilter=@system-service; do
	grep -qxF -- "$line" "$unit" || fail "subflowd.service lacks: $line"
done
log "ok: the unit's promises"

# verify: the unit as installed, but with the binary of this build (verify
# checks that ExecStart= exists) and the man pages of this tree (it runs
# man(1) on each Documentation= page).
mkdir -p "$SF_TMP/unit" "$SF_TMP"/man/man{1,5,7,8}
sed "s|^ExecStart=.*|ExecStart=$SUBFLOWD|" "$unit" >"$SF_TMP/unit/subflowd.service"
for page in "$top_srcdir"/man/*.[1578]; do
	ln -s "$page" "$SF_TMP/man/man${page##*.}/"
done
rc=0
MANPATH="$SF_TMP/man" systemd-analyze verify "$SF_TMP/unit/subflowd.service" \
	>"$SF_TMP/verify.log" 2>&1 || rc=$?
expect_eq "$rc:$(cat "$SF_TMP/verify.log")" "0:" "systemd-analyze verify"

rc=0
systemd-analyze security --offline=yes "$SF_TMP/unit/subflowd.service" \
	>"$SF_TMP/security.log" 2>&1 || rc=$?
expect_eq "$rc" 0 "systemd-analyze security exit status"
overall=$(sed -n 's/^→ Overall exposure level for subflowd.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' \
	"$SF_TMP/security.log")
log "systemd-analyze security: $overall"
[[ $overall =~ ^[0-4]\.[0-9]\ (OK|SAFE|PERFECT)$ ]] ||
	fail "exposure level '$overall' is worse than OK: $(grep '✗' "$SF_TMP/security.log")"
