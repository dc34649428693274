#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# D-Bus access control: an unprivileged uid may read everything but is
# denied changes (org.freedesktop.DBus.Error.AccessDenied), except on a
# connection whose socket it owns, which it may steer; a member of
# [core] control-group may change settings. The uid is the bus's word for
# the caller, never an argument.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/dbus-lib.sh"
require_root_and_mptcp

# A group that exists everywhere, for the control-group check.
CONTROL_GID=$(getent group daemon | cut -d: -f3)
[[ -n $CONTROL_GID ]] || fail "no group 'daemon' on this system"

dbus_lab_up "control-group = daemon"

xfer_server -p 5201
# One connection owned by root, one by nobody (65534), from different ports.
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 60 >"$SF_TMP/client-root.log" 2>&1 &
in_ns "$LAB_CLI" "${NOBODY[@]}" "$XFER" client -a "$LAB_SRV_ADDR_1" -p 5201 \
	--hold 60 >"$SF_TMP/client-nobody.log" 2>&1 &
wait_subflows 10 "$LAB_CLI" 4 5201

# Which token is whose: the kernel's own word (ss prints the socket's uid).
_tokens_known() {
	[[ $(mptcp_tokens "$LAB_CLI" | wc -l) == 2 ]]
}
wait_until 5 _tokens_known
tok_nobody=$(in_ns "$LAB_CLI" ss -HMeinO state established 2>/dev/null | awk '/uid:65534/' | grep -o 'token:[0-9a-f]*' | sed 's/token://')
tok_nobody=$(printf '%08x' "$((16#$tok_nobody))")
tok_root=$(mptcp_tokens "$LAB_CLI" | grep -vx "$tok_nobody")
[[ $tok_nobody =~ ^[0-9a-f]{8}$ && $tok_root =~ ^[0-9a-f]{8}$ ]] ||
	fail "cannot tell the connections apart: nobody '$tok_nobody', root '$tok_root'"
expect_eq "$(conn_prop "$tok_nobody" Owner)" "u 65534" "Owner of nobody's connection"
expect_eq "$(conn_prop "$tok_root" Owner)" "u 0" "Owner of root's connection"

# send_as UID_ARGS... -- DBUS-SEND ARGS: dbus-send on the test bus; prints
# "Error NAME: message" on failure.
as_nobody() {
	"${NOBODY[@]}" dbus-send --bus="$BUS" --print-reply --dest=org.subflowd "$@" 2>&1
}

# --- reads are for everyone -------------------------------------------------
rc=0
out=$("${NOBODY[@]}" "$SUBFLOWCTL" --bus "$BUS" connections 2>&1) || rc=$?
expect_eq "$rc" 0 "nobody may list connections"
expect_eq "$(grep -cE "^($tok_root|$tok_nobody) " <<<"$out")" 2 "nobody sees both connections"
rc=0
"${NOBODY[@]}" busctl --address="$BUS" get-property org.subflowd /org/subflowd \
	org.subflowd.Manager1 Counters >/dev/null || rc=$?
expect_eq "$rc" 0 "nobody may read Counters"

# --- changes are not ------------------------------------------------------
out=$(as_nobody /org/subflowd org.subflowd.Manager1.SetDefaultPolicy string:fullmesh) || true
[[ $out == "Error org.freedesktop.DBus.Error.AccessDenied: SetDefaultPolicy: uid 65534 "* ]] ||
	fail "nobody's SetDefaultPolicy should be denied, got: $out"
log "ok: $out"
out=$(as_nobody "/org/subflowd/connection/$tok_root" org.subflowd.Connection1.CreateSubflow \
	string:10.0.3.1 string:10.0.1.2 uint16:0 boolean:false) || true
[[ $out == "Error org.freedesktop.DBus.Error.AccessDenied: CreateSubflow: uid 65534 "*"does not own connection $tok_root" ]] ||
	fail "nobody's CreateSubflow on root's connection should be denied, got: $out"
log "ok: $out"
rc=0
"${NOBODY[@]}" "$SUBFLOWCTL" --bus "$BUS" reload 2>"$SF_TMP/reload.err" || rc=$?
expect_eq "$rc" 1 "subflowctl reload as nobody fails"
expect_eq "$(wc -l <"$SF_TMP/reload.err")" 1 "with one line"
expect_eq "$(subflow_locals "$LAB_CLI" 5201 | tr '\n' ' ')" \
	"10.0.1.1 10.0.1.1 10.0.2.1 10.0.2.1 " "no subflow came from a denied call"

# --- but nobody may steer its own connection -------------------------------
out=$(as_nobody "/org/subflowd/connection/$tok_nobody" org.subflowd.Connection1.CreateSubflow \
	string:10.0.3.1 string:10.0.1.2 uint16:0 boolean:false) || true
[[ $out == "method return"* ]] || fail "nobody's CreateSubflow on its own connection failed: $out"
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.1.1 10.0.2.1 10.0.2.1 10.0.3.1 " 5201
_own_subflow_listed() {
	conn_prop "$tok_nobody" Subflows | grep -q '"10.0.3.1"'
}
wait_until 5 _own_subflow_listed
log "ok: the subflow from 10.0.3.1 belongs to nobody's connection"
# Its owner may announce an address with another port, but not make the
# daemon listen on a privileged one.
out=$(as_nobody "/org/subflowd/connection/$tok_nobody" org.subflowd.Connection1.Announce \
	string:10.0.3.1 uint16:80) || true
[[ $out == "Error org.freedesktop.DBus.Error.AccessDenied: Announce: uid 65534 "* ]] ||
	fail "nobody's Announce on port 80 should be denied, got: $out"
log "ok: $out"
expect_eq "$(in_ns "$LAB_CLI" ss -HMln | grep -c ':80 ' || true)" 0 "listeners on port 80"
# Port 5301 passes the access check (the kernel then refuses it: 10.0.3.1
# serves a subflow of this connection under its id with port 0).
out=$(as_nobody "/org/subflowd/connection/$tok_nobody" org.subflowd.Connection1.Announce \
	string:10.0.3.1 uint16:5301) || true
[[ $out == "method return"* || $out == "Error org.subflowd.Error.EINVAL: Announce: "* ]] ||
	fail "nobody's Announce on port 5301 should reach the kernel, got: $out"
log "ok: port 5301: $out"

# --- a member of [core] control-group may change settings ------------------
rc=0
setpriv --reuid 65534 --regid 65534 --groups "$CONTROL_GID" \
	"$SUBFLOWCTL" --bus "$BUS" policy fullmesh || rc=$?
expect_eq "$rc" 0 "a control-group member may set the default policy"
