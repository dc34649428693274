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
# Plugins use only the plugin API: no installed plugin calls ELL, and the
# daemon exports no ELL call but its systemd module's. The module takes ELL
# from the daemon and links none of its own; every ELL call it makes is
# listed in src/subflowd-sd-ell.sym, and with ELL linked into the daemon
# (--with-ell=static) the daemon exports each of them.
plugins=("$dest${dir[plugindir]}"/*.so)
module="$dest${dir[pkglibdir]}/subflowd-sd.so"
expect_eq "$(nm -D --undefined-only "${plugins[@]}" | grep -c ' l_')" 0 \
	"ELL calls of the installed plugins"
expect_eq "$(for m in "$module" "${plugins[@]}"; do readelf -d "$m"; done | grep -c 'NEEDED.*libell')" 0 \
	"plugins and module linked with a libell of their own"
expect_eq "$(grep -c '^[[:space:]]*l_' "$top_srcdir/src/subflowd.sym")" 0 \
	"ELL calls in the plugin API's export list"
module_ell=$(nm -D --undefined-only "$module" | awk '$2 ~ /^l_/ { sub(/@.*/, "", $2); print $2 }' | sort -u)
[[ -n $module_ell ]] || fail "no ELL call found in the module: nm broken?"
listed_ell=$(sed -n 's/^\t\(l_[a-z0-9_]*\);$/\1/p' "$top_srcdir/src/subflowd-sd-ell.sym" | sort)
expect_eq "$(comm -23 <(echo "$module_ell") <(echo "$listed_ell"))" "" \
	"ELL calls of the module missing from src/subflowd-sd-ell.sym"
if ldd "$dest${dir[sbindir]}/subflowd" | grep -q libell; then
	log "ok: the daemon uses the shared ELL (--with-ell=shared)"
else
	daemon_ell=$(nm -D --defined-only "$dest${dir[sbindir]}/subflowd" |
		awk '$3 ~ /^l_/ { print $3 }' | sort)
	expect_eq "$(comm -23 <(echo "$module_ell") <(echo "$daemon_ell"))" "" \
		"ELL calls of the module the daemon does not export"
	expect_eq "$(comm -13 <(echo "$listed_ell") <(echo "$daemon_ell"))" "" \
		"ELL calls the daemon exports beyond the module's list"
fi
expect_eq "$("$dest${dir[bindir]}/mptcpize" --help | sed -n 's/^Library: //p')" \
	"${dir[pkglibdir]}/libmptcpize.so" "the library mptcpize preloads"

rc=0
mk uninstall DESTDIR="$dest" >"$SF_TMP/uninstall.log" 2>&1 || rc=$?
expect_eq "$rc" 0 "make uninstall exit status"
expect_eq "$(find "$dest" -type f -o -type l)" "" "files left after make uninstall"
