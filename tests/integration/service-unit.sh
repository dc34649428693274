#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The generated subflowd.service and subflowd@.service: what they promise
# (Type=notify, a synchronous reload through subflowctl, restart on failure,
# an unprivileged user with CAP_NET_ADMIN only, the sandbox; the template:
# its namespace, bus name and configuration), that "systemd-analyze verify"
# accepts them, man pages included, and that "systemd-analyze security"
# rates them OK or better (< 5.0). tests/integration/systemd-*.sh run them
# under a real systemd.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
command -v systemd-analyze >/dev/null ||
	fail "systemd-analyze is missing (scripts/deps installs systemd)"

for unit in subflowd.service subflowd@.service; do
	file="$top_builddir/data/$unit"
	[[ -f $file ]] || fail "$file is missing: build it first"
	expect_eq "$(grep -c '@[a-zA-Z_]*@' "$file")" 0 "$unit: unsubstituted @variables@"
	for line in Type=notify Restart=on-failure \
		User=subflowd 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE' \
		'AmbientCapabilities=CAP_NET_ADMIN CAP_NET_BIND_SERVICE' NoNewPrivileges=yes \
		ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
		'RestrictAddressFamilies=AF_NETLINK AF_UNIX AF_INET AF_INET6' \
		SystemCallFilter=@system-service; do
		grep -qxF -- "$line" "$file" || fail "$unit lacks: $line"
	done
done
unit="$top_builddir/data/subflowd.service"
grep -qE '^ExecStart=/[^ ]*/subflowd$' "$unit" || fail "ExecStart= is not an absolute path: $(grep ExecStart "$unit")"
grep -qE '^ExecReload=/[^ ]*/subflowctl reload$' "$unit" || fail "ExecReload= is not subflowctl reload: $(grep ExecReload "$unit")"
template="$top_builddir/data/subflowd@.service"
grep -qE '^ExecStart=/[^ ]*/subflowd --instance %i$' "$template" || fail "template ExecStart=: $(grep ExecStart "$template")"
grep -qE '^ExecReload=/[^ ]*/subflowctl --netns %i reload$' "$template" || fail "template ExecReload=: $(grep ExecReload "$template")"
grep -qxF 'NetworkNamespacePath=/run/netns/%i' "$template" || fail "the template does not enter /run/netns/%i"
log "ok: the units' promises"

# verify: the unit as installed, but with the binary of this build (verify
# checks that ExecStart= exists) and the man pages of this tree (it runs
# man(1) on each Documentation= page).
mkdir -p "$SF_TMP/unit" "$SF_TMP"/man/man{1,5,7,8}
sed -e "s|^ExecStart=[^ ]*|ExecStart=$SUBFLOWD|" \
	-e "s|^ExecReload=[^ ]*|ExecReload=$top_builddir/tools/subflowctl|" \
	"$unit" >"$SF_TMP/unit/subflowd.service"
# An instance of the template, as "systemctl start subflowd@blue" makes it.
sed -e "s|^ExecStart=[^ ]*|ExecStart=$SUBFLOWD|" \
	-e "s|^ExecReload=[^ ]*|ExecReload=$top_builddir/tools/subflowctl|" \
	"$template" >"$SF_TMP/unit/subflowd@.service"
ln -s subflowd@.service "$SF_TMP/unit/subflowd@blue.service"
for page in "$top_srcdir"/man/*.[1578]; do
	ln -s "$page" "$SF_TMP/man/man${page##*.}/"
done
rc=0
MANPATH="$SF_TMP/man" systemd-analyze verify "$SF_TMP/unit/subflowd.service" \
	"$SF_TMP/unit/subflowd@blue.service" >"$SF_TMP/verify.log" 2>&1 || rc=$?
expect_eq "$rc:$(cat "$SF_TMP/verify.log")" "0:" "systemd-analyze verify"

for unit in subflowd.service subflowd@blue.service; do
	rc=0
	systemd-analyze security --offline=yes "$SF_TMP/unit/$unit" \
		>"$SF_TMP/security.log" 2>&1 || rc=$?
	expect_eq "$rc" 0 "systemd-analyze security $unit: exit status"
	overall=$(sed -n "s/^→ Overall exposure level for $unit: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p" \
		"$SF_TMP/security.log")
	log "systemd-analyze security $unit: $overall"
	[[ $overall =~ ^[0-4]\.[0-9]\ (OK|SAFE|PERFECT)$ ]] ||
		fail "$unit: exposure level '$overall' is worse than OK: $(grep '✗' "$SF_TMP/security.log")"
done
