#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A [rule] by the socket's owner: nobody's connections (uid 65534) get
# ndiffports (two subflows over the initial path), root's the default,
# fullmesh (one subflow per path). The owner comes from sock_diag without
# the daemon waiting for it: a new connection's events are held until the
# answer is in, then handled in their order. Ten connections of each owner
# at once, interleaved: each gets its owner's policy, none is lost.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

NOBODY=(setpriv --reuid 65534 --regid 65534 --clear-groups)
N=10

lab_up --paths 2
cat >"$SF_TMP/subflowd.conf" <<EOC
[core]
policy = fullmesh

[filter]
exclude-interfaces =

[rule nobody]
match-uid = 65534
policy = ndiffports
EOC
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf"

xfer_server -p 5201
for ((i = 0; i < N; i++)); do
	xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 60 \
		>"$SF_TMP/root-$i.log" 2>&1 &
	in_ns "$LAB_CLI" "${NOBODY[@]}" "$XFER" client -a "$LAB_SRV_ADDR_1" \
		-p 5201 --hold 60 >"$SF_TMP/nobody-$i.log" 2>&1 &
done

# Root's: 10.0.1.1 and 10.0.2.1 each; nobody's: 10.0.1.1 twice.
want="$(printf '10.0.1.1 %.0s' $(seq $((3 * N))))$(printf '10.0.2.1 %.0s' $(seq $N))"
wait_subflow_locals 20 "$LAB_CLI" "$want" 5201

# Each of nobody's connections, by the kernel's word (ss: the socket's
# uid), was matched by the rule; none of root's was.
nobody_tokens=$(in_ns "$LAB_CLI" ss -HMeinO state established 2>/dev/null |
	awk '/uid:65534/' | grep -o 'token:[0-9a-f]*' | sed 's/token://')
n=0
for t in $nobody_tokens; do
	t=$(printf '%08x' "$((16#$t))")
	grep -q "^\[$t\] rule nobody matches: policy ndiffports" "$(daemon_log)" ||
		fail "nobody's connection $t did not get the rule's policy"
	n=$((n + 1))
done
expect_eq "$n" "$N" "nobody's connections"
expect_eq "$(grep -c 'rule nobody matches' "$(daemon_log)")" "$N" \
	"connections the rule matched"
log "ok"
