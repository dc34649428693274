#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# "mptcpize run": the environment it passes on (LD_PRELOAD and GODEBUG kept
# and extended, never doubled), which sockets the library rewrites (TCP
# streams, with or without SOCK_NONBLOCK/SOCK_CLOEXEC) and which it leaves
# alone (UDP, UNIX, raw, explicit protocols), -d, and the exit statuses.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp
MPTCPIZE="$top_builddir/tools/mptcpize"
export MPTCPIZE_LIB="$top_builddir/lib/.libs/libmptcpize.so"
PYTHON=$(command -v python3)

# Every socket is made inside a lab namespace, where MPTCP is enabled.
lab_up --paths 1
mptcpize() {
	in_ns "$LAB_CLI" "$MPTCPIZE" "$@"
}

env_of() {
	mptcpize run env | grep -E '^(LD_PRELOAD|GODEBUG|MPTCPIZE_DEBUG)=' | sort
}

# Another preloaded library, one that exists (ld.so complains otherwise).
other=$(ldd "$MPTCPIZE_LIB" | awk '$1 ~ /^libc\.so/ { print $3 }')
[[ -f $other ]] || fail "cannot find libc next to $MPTCPIZE_LIB"

expect_eq "$(unset LD_PRELOAD GODEBUG; env_of)" \
	"$(printf 'GODEBUG=multipathtcp=1\nLD_PRELOAD=%s' "$MPTCPIZE_LIB")" \
	"environment from an empty one"
expect_eq "$(LD_PRELOAD=$other GODEBUG=http2debug=1 env_of)" \
	"$(printf 'GODEBUG=http2debug=1,multipathtcp=1\nLD_PRELOAD=%s:%s' "$other" "$MPTCPIZE_LIB")" \
	"environment appended to"
expect_eq "$(LD_PRELOAD="$MPTCPIZE_LIB $other" GODEBUG=multipathtcp=0 env_of)" \
	"$(printf 'GODEBUG=multipathtcp=0\nLD_PRELOAD=%s %s' "$MPTCPIZE_LIB" "$other")" \
	"environment that already has both"
expect_eq "$(unset LD_PRELOAD GODEBUG; mptcpize run -d env | grep '^MPTCPIZE_DEBUG=')" \
	"MPTCPIZE_DEBUG=1" "-d"

# socket() calls and the SO_PROTOCOL of what they return.
cat >"$SF_TMP/sockets.py" <<'PY'
import socket as s
calls = [
    ("AF_INET, SOCK_STREAM, 0", s.AF_INET, s.SOCK_STREAM, 0),
    ("AF_INET6, SOCK_STREAM, IPPROTO_TCP", s.AF_INET6, s.SOCK_STREAM, 6),
    ("AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0", s.AF_INET,
     s.SOCK_STREAM | s.SOCK_NONBLOCK | s.SOCK_CLOEXEC, 0),
    ("AF_INET, SOCK_DGRAM, 0", s.AF_INET, s.SOCK_DGRAM, 0),
    ("AF_INET6, SOCK_DGRAM, IPPROTO_UDP", s.AF_INET6, s.SOCK_DGRAM, 17),
    ("AF_UNIX, SOCK_STREAM, 0", s.AF_UNIX, s.SOCK_STREAM, 0),
    ("AF_INET, SOCK_RAW, IPPROTO_TCP", s.AF_INET, s.SOCK_RAW, 6),
    ("AF_INET, SOCK_STREAM, IPPROTO_SCTP", s.AF_INET, s.SOCK_STREAM, 132),
]
for what, family, type_, proto in calls:
    try:
        sock = s.socket(family, type_, proto)
        print("%s: %d" % (what, sock.getsockopt(s.SOL_SOCKET, s.SO_PROTOCOL)))
    except OSError as e:
        print("%s: %s" % (what, e.strerror))
PY
expect_eq "$(mptcpize run "$PYTHON" "$SF_TMP/sockets.py" 2>"$SF_TMP/err" | grep -v SCTP)" \
	"$(printf '%s\n' \
		'AF_INET, SOCK_STREAM, 0: 262' \
		'AF_INET6, SOCK_STREAM, IPPROTO_TCP: 262' \
		'AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0: 262' \
		'AF_INET, SOCK_DGRAM, 0: 17' \
		'AF_INET6, SOCK_DGRAM, IPPROTO_UDP: 17' \
		'AF_UNIX, SOCK_STREAM, 0: 0' \
		'AF_INET, SOCK_RAW, IPPROTO_TCP: 6')" \
	"SO_PROTOCOL of the sockets made under mptcpize"
expect_eq "$(cat "$SF_TMP/err")" "" "stderr without -d"
# An explicit other protocol is passed through: same answer as without us.
expect_eq "$(mptcpize run "$PYTHON" "$SF_TMP/sockets.py" | grep SCTP)" \
	"$(in_ns "$LAB_CLI" "$PYTHON" "$SF_TMP/sockets.py" | grep SCTP)" "an SCTP socket"
expect_eq "$(mptcpize run -d "$PYTHON" "$SF_TMP/sockets.py" 2>&1 >/dev/null |
	sed 's/ = [0-9]*:/ = FD:/')" \
	"$(printf '%s\n' \
		'mptcpize: socket(AF_INET, SOCK_STREAM, 0) = FD: IPPROTO_MPTCP' \
		'mptcpize: socket(AF_INET6, SOCK_STREAM, 6) = FD: IPPROTO_MPTCP' \
		'mptcpize: socket(AF_INET, SOCK_STREAM, 0) = FD: IPPROTO_MPTCP')" \
	"what -d reports"

expect_rc 0 "a command that succeeds" mptcpize run true
expect_rc 3 "a command's own status" mptcpize run sh -c 'exit 3'
expect_rc 127 "a command that does not exist" mptcpize run "$SF_TMP/nonexistent"
printf 'not executable\n' >"$SF_TMP/plain"
expect_rc 126 "a command that cannot be executed" mptcpize run "$SF_TMP/plain"
expect_rc 64 "no command" mptcpize run
expect_rc 64 "an unknown subcommand" mptcpize frobnicate
expect_rc 1 "a missing library" env MPTCPIZE_LIB="$SF_TMP/nolib.so" "$MPTCPIZE" run true
