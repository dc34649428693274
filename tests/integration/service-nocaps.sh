#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Without CAP_NET_ADMIN (an unprivileged uid, no capability at all, as a
# broken unit or a manual start would run it) subflowd must refuse to start
# with exit status 77 (EX_NOPERM) and say which capability it needs, rather
# than run on without the kernel's events. (service-caps.sh: with it.)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp
command -v setpriv >/dev/null || fail "setpriv is missing (util-linux)"

nobody=65534
stage_daemon
conf="$SF_TMP/subflowd.conf"
printf '[filter]\nexclude-interfaces =\n' >"$conf"
chmod 644 "$conf"
lab_up --paths 1

rc=0
in_ns "$LAB_CLI" timeout 10 setpriv --reuid="$nobody" --regid="$nobody" --clear-groups \
	--no-new-privs --inh-caps=-all --ambient-caps=-all --bounding-set=-all -- \
	"$SUBFLOWD" --bus none -l stderr --plugin-dir "$SF_PLUGIN_DIR" -c "$conf" \
	>"$SF_TMP/nocaps.log" 2>&1 || rc=$?
expect_eq "$rc" 77 "exit status without CAP_NET_ADMIN (124: still running after 10 s)"
grep -q 'CAP_NET_ADMIN is required' "$SF_TMP/nocaps.log" ||
	fail "no word of CAP_NET_ADMIN: $(cat "$SF_TMP/nocaps.log")"
