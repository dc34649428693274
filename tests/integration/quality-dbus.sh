#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Path health on D-Bus, against the kernel's own counters: during a transfer
# under the quality policy (path 2 metered), Connection1.SubflowStats holds
# both subflows, path 1's "good" with the bytes the kernel acked (ss), and
# `subflowctl show` prints it as a table and in --json; Interface1's
# BytesSent says path 1 carried the data and path 2 almost none; and
# SubflowStats is signalled at most once a second.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/dbus-lib.sh"
require_root_and_mptcp

metered_lab_up quality

# acked IP: bytes_acked of the client's subflow from IP, as ss says.
acked() {
	ip netns exec "$LAB_CLI" ss -HtinO state established '( dport = :5201 )' |
		awk -v ip="$1" '$3 ~ "^" ip ":" {
			for (i = 5; i <= NF; i++)
				if ($i ~ /^bytes_acked:/) print substr($i, 13)
		}'
}

# stat IP FIELD: FIELD of that subflow in `subflowctl --json show`.
stat() {
	sfctl --json show "$TOK" | python3 -c '
import json, sys
for s in json.load(sys.stdin)["subflow_stats"]:
    if s["local_address"] == sys.argv[1]:
        print(s[sys.argv[2]])' "$1" "$2"
}

_path1_good() {
	[[ $(stat 10.0.1.1 state) == good && $(stat 10.0.1.1 bytes_acked) -gt 1000000 ]]
}
wait_until 10 _path1_good

# What D-Bus says was acked is what the kernel said at most a second ago.
before=$(acked 10.0.1.1)
said=$(stat 10.0.1.1 bytes_acked)
after=$(acked 10.0.1.1)
expect_eq "$((said >= before - 50000000 / 8 * 2 && said <= after))" 1 \
	"path 1 bytes_acked on D-Bus ($said) within 2 s of the kernel's ($before..$after)"
expect_eq "$(stat 10.0.2.1 state)" unknown "metered path: backup, carries nothing to judge"

out=$(sfctl show "$TOK")
grep -q '^  health$' <<<"$out" || fail "no health table in: $out"
grep -qE '^    10\.0\.1\.1:[0-9]+ +10\.0\.1\.2:5201 +good ' <<<"$out" ||
	fail "no good path 1 line in: $out"

b1=$(iface_bytes c-eth1) b2=$(iface_bytes c-eth2)
log "Interface1 BytesSent: c-eth1 $b1, c-eth2 $b2"
expect_eq "$((b1 > 1000000 && b2 * 100 < b1))" 1 "the metered interface carried under 1 %"

# SubflowStats changes at most once a second on the bus.
timeout 3 "$SUBFLOWCTL" --bus "$BUS" monitor >"$SF_TMP/signals.log" 2>&1 || true
n=$(grep "connection $TOK" "$SF_TMP/signals.log" | grep -c 'SubflowStats=' || true)
expect_eq "$((n >= 1 && n <= 4))" 1 "SubflowStats signalled $n times in 3 s"
log "ok"
