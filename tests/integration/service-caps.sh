#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# subflowd.service runs the daemon as an unprivileged user whose only
# capabilities are CAP_NET_ADMIN (and CAP_NET_BIND_SERVICE). Do the same with
# setpriv(1): a non-root uid, CAP_NET_ADMIN as its sole capability (bounding
# set, ambient, effective), no new privileges. The daemon must start and
# give a connection its subflows. (service-nocaps.sh: without it.)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp
command -v setpriv >/dev/null || fail "setpriv is missing (util-linux)"

nobody=65534

# The daemon runs, and reads its plugins and configuration, as that uid.
stage_daemon
conf="$SF_TMP/subflowd.conf"
printf '[filter]\nexclude-interfaces =\n' >"$conf"
chmod 644 "$conf"

lab_up --paths 3

# With CAP_NET_ADMIN alone: start_daemon runs this wrapper.
cat >"$SF_TMP/subflowd-capped" <<WRAP
#!/bin/sh
exec setpriv --reuid=$nobody --regid=$nobody --clear-groups --no-new-privs \\
	--inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin \\
	--bounding-set=-all,+net_admin -- "$SUBFLOWD" "\$@"
WRAP
chmod 755 "$SF_TMP/subflowd-capped"
SUBFLOWD="$SF_TMP/subflowd-capped"
start_daemon "$LAB_CLI" -c "$conf" -p fullmesh

status=/proc/$DAEMON_PID/status
expect_eq "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$status")" \
	"$nobody $nobody $nobody $nobody" "the daemon's uids"
# CAP_NET_ADMIN is capability 12: 0x1000.
expect_eq "$(awk '/^Cap(Eff|Prm|Bnd|Amb):/ { print $1, $2 }' "$status")" "$(printf '%s\n' \
	'CapPrm: 0000000000001000' 'CapEff: 0000000000001000' \
	'CapBnd: 0000000000001000' 'CapAmb: 0000000000001000')" "the daemon's capabilities"
expect_eq "$(awk '/^NoNewPrivs:/ { print $2 }' "$status")" 1 "no_new_privs"

xfer_server -p 5501
xfer_client -a "$LAB_SRV_ADDR_1" -p 5501 --hold 30 >"$SF_TMP/client.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 10.0.3.1 " 5501
wait_log 5 'subflow 10\.0\.3\.1:[0-9]+ -> 10\.0\.1\.2:5501 established'
wait_log 5 'subflow 10\.0\.2\.1:[0-9]+ -> 10\.0\.1\.2:5501 established'
expect_eq "$(subflow_count "$LAB_CLI" 5501)" 3 "subflows made by the capped daemon"
stop_daemon "$LAB_CLI" || fail "the capped daemon did not exit cleanly"
