#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# "make install DESTDIR=..." puts every component where DESIGN.md and the
# configure options say: binaries, the preload library, plugins, headers,
# subflowd.pc, the configuration, the unit, sysusers.d, the D-Bus policy and
# the man pages. The installed pieces work together: the pc file compiles a
# plugin source against the installed headers (C and C++), the installed
# daemon loads the installed config and plugins, mptcpize points at the
# installed library. "make uninstall" removes every file again.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

dest="$SF_TMP/dest"
# A make of our own, not a part of the make that may be running this test.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" "$@"
}

# The directories as configured, fully expanded by make itself.
declare -A dir
while read -r name value; do
	[[ $name =~ ^[a-z]+dir$ && $value == /* ]] && dir[$name]=$value
done < <(mk -f Makefile -f - sf-print-dirs <<'MK'
sf-print-dirs:
	@for v in bindir=$(bindir) sbindir=$(sbindir) pkglibdir=$(pkglibdir) \
		plugindir=$(plugindir) includedir=$(includedir) libdir=$(libdir) \
		sysconfdir=$(sysconfdir) mandir=$(mandir) \
		systemdsystemunitdir=$(systemdsystemunitdir) \
		sysusersdir=$(sysusersdir) dbuspolicydir=$(dbuspolicydir); do \
		echo "$${v%%=*} $${v#*=}"; done
MK
)
# (Lines other than "NAMEdir /PATH" are make's own, e.g. a Makefile rebuilt.)
expect_eq "${#dir[@]}" 11 "directories read from the Makefile"

rc=0
mk install DESTDIR="$dest" >"$SF_TMP/install.log" 2>&1 || rc=$?
expect_eq "$rc" 0 "make install exit status"

# file MODE PATH: PATH is installed (under $dest) with MODE.
expect_file() {
	[[ -f $dest$2 ]] || fail "not installed: $2"
	expect_eq "$(stat -c %a "$dest$2")" "$1" "mode of $2"
}
expect_file 755 "${dir[sbindir]}/subflowd"
expect_file 755 "${dir[bindir]}/mptcpize"
expect_file 755 "${dir[pkglibdir]}/libmptcpize.so"
expect_file 755 "${dir[pkglibdir]}/subflowd-sd.so"
expect_file 755 "${dir[plugindir]}/fullmesh.so"
expect_file 644 "${dir[includedir]}/subflowd/plugin.h"
expect_file 644 "${dir[includedir]}/subflowd/addr.h"
expect_file 644 "${dir[libdir]}/pkgconfig/subflowd.pc"
expect_file 644 "${dir[sysconfdir]}/subflowd/subflowd.conf"
expect_file 644 "${dir[systemdsystemunitdir]}/subflowd.service"
expect_file 644 "${dir[systemdsystemunitdir]}/subflowd@.service"
expect_file 644 "${dir[sysusersdir]}/subflowd.conf"
if [[ -f $top_srcdir/data/org.subflowd.conf ]]; then
	expect_file 644 "${dir[dbuspolicydir]}/org.subflowd.conf"
fi
for page in "$top_srcdir"/man/*.[1-8]; do
	page=${page##*/}
	expect_file 644 "${dir[mandir]}/man${page##*.}/$page"
done
# Only the plugin API's headers are public.
expect_eq "$(cd "$dest${dir[includedir]}" && find . -type f | sort)" \
	"$(cd "$top_srcdir/include" && find . -type f -name '*.h' | sort)" "installed headers"
# Plugin directories must not be group/world-writable (the loader refuses).
expect_eq "$(find "$dest${dir[plugindir]}" -perm /022 | wc -l)" 0 "writable plugin files or dirs"

expect_eq "$(grep '^ExecStart=' "$dest${dir[systemdsystemunitdir]}/subflowd.service")" \
	"ExecStart=${dir[sbindir]}/subflowd" "the unit's ExecStart="
cmp "$dest${dir[sysconfdir]}/subflowd/subflowd.conf" "$top_srcdir/data/subflowd.conf" ||
	fail "the installed subflowd.conf is not data/subflowd.conf"

# pkg-config: the plugin directory, and flags that find the headers.
pc() {
	PKG_CONFIG_PATH="$dest${dir[libdir]}/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest" \
		pkg-config "$@" subflowd
}
expect_eq "$(PKG_CONFIG_PATH="$dest${dir[libdir]}/pkgconfig" pkg-config --variable=plugindir subflowd)" \
	"${dir[plugindir]}" "pkg-config --variable=plugindir"
printf '#include <subflowd/plugin.h>\nint sf_install_test;\n' >"$SF_TMP/plugin.c"
# shellcheck disable=SC2046
cc -fsyntax-only -Wall -Werror $(pc --cflags) "$SF_TMP/plugin.c" ||
	fail "the installed headers do not compile as C with $(pc --cflags)"
# shellcheck disable=SC2046
c++ -fsyntax-only -Wall -Werror $(pc --cflags) -x c++ "$SF_TMP/plugin.c" ||
	fail "the installed headers do not compile as C++"
log "ok: a plugin source compiles against the installed headers (C, C++)"

# The installed daemon, config and plugins work together.
rc=0
"$dest${dir[sbindir]}/subflowd" --check-config -c "$dest${dir[sysconfdir]}/subflowd/subflowd.conf" \
	--plugin-dir "$dest${dir[plugindir]}" >"$SF_TMP/check.log" 2>&1 || rc=$?
expect_eq "$rc" 0 "the installed subflowd --check-config on the installed config"
grep -qx 'policy = fullmesh' "$SF_TMP/check.log" || fail "effective settings: $(cat "$SF_TMP/check.log")"
# libsystemd is the systemd module's, loaded when used; every core call the
# module makes is one the daemon exports.
expect_eq "$(ldd "$dest${dir[sbindir]}/subflowd" | grep -c libsystemd)" 0 \
	"libsystemd linked into the daemon itself"
expect_eq "$(nm -D "$dest${dir[pkglibdir]}/subflowd-sd.so" |
	awk '$1 == "U" && $2 ~ /^sf_/ { print $2 }' | sort |
	comm -23 - <(nm -D --defined-only "$dest${dir[sbindir]}/subflowd" |
		awk '{ print $3 }' | sort))" "" "core calls of the module the daemon does not export"
# ELL is the daemon's: plugins and the module link none of their own, every
# ELL call they make is listed in src/subflowd-ell.sym, and with ELL linked
# into the daemon (--with-ell=static) the daemon exports each of them.
mods=("$dest${dir[pkglibdir]}/subflowd-sd.so" "$dest${dir[plugindir]}"/*.so)
expect_eq "$(for m in "${mods[@]}"; do readelf -d "$m"; done | grep -c 'NEEDED.*libell')" 0 \
	"plugins and module linked with a libell of their own"
ell_calls=$(nm -D "${mods[@]}" | awk '$1 == "U" && $2 ~ /^l_/ { sub(/@.*/, "", $2); print $2 }' | sort -u)
[[ -n $ell_calls ]] || fail "no ELL call found in the plugins and module: nm broken?"
expect_eq "$(comm -23 <(echo "$ell_calls") \
	<(sed -n 's/^\t\(l_[a-z0-9_]*\);$/\1/p' "$top_srcdir/src/subflowd-ell.sym" | sort))" "" \
	"ELL calls of the plugins and module missing from src/subflowd-ell.sym"
if ldd "$dest${dir[sbindir]}/subflowd" | grep -q libell; then
	log "ok: the daemon uses the shared ELL (--with-ell=shared)"
else
	expect_eq "$(comm -23 <(echo "$ell_calls") <(nm -D --defined-only \
		"$dest${dir[sbindir]}/subflowd" | awk '{ print $3 }' | sort))" "" \
		"ELL calls of the plugins and module the daemon does not export"
fi
expect_eq "$("$dest${dir[bindir]}/mptcpize" --help | sed -n 's/^Library: //p')" \
	"${dir[pkglibdir]}/libmptcpize.so" "the library mptcpize preloads"

rc=0
mk uninstall DESTDIR="$dest" >"$SF_TMP/uninstall.log" 2>&1 || rc=$?
expect_eq "$rc" 0 "make uninstall exit status"
expect_eq "$(find "$dest" -type f -o -type l)" "" "files left after make uninstall"
