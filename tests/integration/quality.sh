#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# quality, in the kernel's view (ss): path 1 and path 2 at 50 Mbit/s, path 2
# metered. During one transfer:
#  1. while path 1 is healthy, path 2's subflow stays backup and carries
#     under 1 % of the bytes (bytes_acked of each subflow);
#  2. 30 % random loss on path 1 promotes path 2 (its backup flag goes)
#     within 2.5 s, and path 2 then carries most of the data;
#  3. once path 1 is clean again, path 2 goes back to backup, having
#     changed its flag at most twice for the one degradation.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

lab_up --paths 2 --rate 50
cat >"$SF_TMP/subflowd.conf" <<EOF
[filter]
exclude-interfaces =
[interface c-eth2]
metered = true
[quality]
probe-ms = 2000
recover-ms = 2000
EOF
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" -p quality

# acked IP: bytes_acked of the client's subflows from IP to port 5201.
acked() {
	ip netns exec "$LAB_CLI" ss -HtinO state established '( dport = :5201 )' |
		awk -v ip="$1" '$3 ~ "^" ip ":" {
			for (i = 5; i <= NF; i++)
				if ($i ~ /^bytes_acked:/) { sub(/^bytes_acked:/, "", $i); n += $i }
		} END { printf "%d\n", n }'
}

# Path 2's flag in the kernel, every 50 ms, as "MS backup|active" lines.
_flag_sampler() {
	local line
	while :; do
		line=$(client_paths | grep '^10\.0\.2\.1' || true)
		if [[ -n $line ]]; then
			if [[ $line == *backup ]]; then
				echo "$(date +%s%3N) backup"
			else
				echo "$(date +%s%3N) active"
			fi
		fi
		sleep 0.05
	done
}

_metered_active() {
	[[ $(client_paths | grep '^10\.0\.2\.1' || true) == "10.0.2.1" ]]
}

xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 -t 60 -i 200 >"$SF_TMP/client.log" 2>&1 &
wait_client_paths 10 "10.0.1.1;10.0.2.1 backup;"
_flag_sampler >"$SF_TMP/flags.log" &

# 1. Healthy: path 2 carries (almost) nothing.
a1=$(acked 10.0.1.1) a2=$(acked 10.0.2.1)
sleep 4
b1=$(acked 10.0.1.1) b2=$(acked 10.0.2.1)
d1=$((b1 - a1)) d2=$((b2 - a2))
log "healthy 4 s: path 1 $d1 bytes, path 2 $d2 bytes"
((d1 > 2000000)) || fail "path 1 carried only $d1 bytes in 4 s"
share=$((d2 * 10000 / (d1 + d2)))
expect_eq "$((share < 100)):$(client_paths | tr '\n' ';')" \
	"1:10.0.1.1;10.0.2.1 backup;" "metered path backup and under 1 % of the bytes"

# 2. 30 % loss on path 1: path 2 loses its flag within 2.5 s.
start=$(date +%s%3N)
lab_fail 1 loss 30
wait_until 2.5 _metered_active
log "path 2 promoted after $(($(date +%s%3N) - start)) ms"
c1=$(acked 10.0.1.1) c2=$(acked 10.0.2.1)
sleep 3
d1=$(($(acked 10.0.1.1) - c1)) d2=$(($(acked 10.0.2.1) - c2))
log "degraded 3 s: path 1 $d1 bytes, path 2 $d2 bytes"
# The floor only says data flows: under ASan on a loaded machine the whole
# transfer made 4.7 MB in these 3 s (path 2 sixteen times path 1).
expect_eq "$((d2 > 1000000 && d2 > 2 * d1))" 1 "the metered path carries most of the data"

# 3. Path 1 recovers: path 2 is flagged backup again, in at most 2 switches.
recover=$(date +%s%3N)
lab_restore 1
wait_until 20 not _metered_active
wait_client_paths 5 "10.0.1.1;10.0.2.1 backup;"
log "path 2 back to backup $(($(date +%s%3N) - recover)) ms after recovery"
# The sampler has seen it too (it may lag ss by a sample or two).
_sampled_backup() {
	[[ $(tail -n 1 "$SF_TMP/flags.log") == *backup ]]
}
wait_until 5 _sampled_backup
# Changes after the loss began, against the state sampled before it.
switches=$(awk -v t="$start" '$2 != last { if (last != "" && $1 >= t) n++; last = $2 } END { print n + 0 }' \
	"$SF_TMP/flags.log")
expect_eq "$((switches <= 2)):$switches" "1:2" "metered path flag switches for one degradation"
log "ok"
