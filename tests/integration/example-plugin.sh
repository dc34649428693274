#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The out-of-tree example plugin builds with pkg-config alone against a
# "make install DESTDIR=" tree, loads into the daemon, and works: on a
# 3-path lab its connection gets exactly one extra subflow.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root_and_mptcp

root="$SF_TMP/root"
# Run as a test under "make check": forget the outer make's flags.
unset MAKEFLAGS MFLAGS MAKELEVEL
make -s -C "$top_builddir" install DESTDIR="$root" >"$SF_TMP/install.log" 2>&1 ||
	fail "make install failed: $(tail -n 20 "$SF_TMP/install.log")"
pc=$(find "$root" -name subflowd.pc -print -quit)
[[ -n $pc ]] || fail "no subflowd.pc installed under $root"

mkdir "$SF_TMP/ex"
rc=0
PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$root \
	make -s -C "$SF_TMP/ex" -f "$top_srcdir/examples/one-extra/Makefile" \
	SRC="$top_srcdir/examples/one-extra/one-extra.c" \
	CFLAGS="-O2 -Wall -Werror" >"$SF_TMP/ex.log" 2>&1 || rc=$?
expect_eq "$rc" 0 "building the example: $(cat "$SF_TMP/ex.log")"
# It found the headers in the DESTDIR tree, not in the source tree.
grep -q -- "-I$root" <(PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$root \
	pkg-config --cflags subflowd) || fail "pkg-config --cflags does not point into $root"
chmod 0755 "$SF_TMP/ex"

lab_up --paths 3
printf '[filter]\nexclude-interfaces =\n' >"$SF_TMP/subflowd.conf"
start_daemon "$LAB_CLI" -c "$SF_TMP/subflowd.conf" --plugin-dir "$SF_TMP/ex" \
	--plugins one-extra -p one-extra

xfer_server -p 5201
xfer_client -a "$LAB_SRV_ADDR_1" -p 5201 --hold 30 >"$SF_TMP/client.log" 2>&1 &
wait_subflow_locals 10 "$LAB_CLI" "10.0.1.1 10.0.2.1 "
wait_log 5 'one-extra: subflow from 10\.0\.2\.1: requested'
expect_eq "$(subflow_count "$LAB_CLI")" 2 "subflows with one-extra"
log "ok"
