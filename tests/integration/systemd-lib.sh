# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# systemd-lib.sh - a real systemd, booted as PID 1 of a container, with its
# own system bus and journal, for the tests that meet subflowd as an
# administrator does (tests/integration/systemd-*.sh). Source it instead of
# lib.sh, which it sources:
#
#   . "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/systemd-lib.sh"
#   require_root_and_mptcp
#   ct_require
#   lab_up --paths 2
#   ct_boot "$LAB_CLI"          # the container runs in the lab's client netns
#   ct systemctl start subflowd
#
# The container's root is an overlay of the machine's own / with a tmpfs on
# top, so it has every package the machine has; the build is installed into
# it ("make install DESTDIR=", or the .deb files named in SF_DEBS with dpkg
# inside). It boots to basic.target only, so that nothing of the machine's
# own services (web servers, other path managers) starts. Everything lives
# in a private mount namespace: the test re-runs itself in one first, and
# nothing of it outlives the test.

if [[ -z ${SF_CT_MOUNTNS:-} ]]; then
	if ! command -v unshare >/dev/null; then
		echo "$(basename "$0" .sh): SKIP: unshare is missing (util-linux)" >&2
		exit 77
	fi
	SF_CT_MOUNTNS=1 exec unshare -m --propagation private "$BASH" "$0" "$@"
fi

# shellcheck source=lib.sh
. "${top_srcdir:-$(dirname "${BASH_SOURCE[0]}")/../..}/tests/integration/lib.sh"

CT_PID="" CT_LEADER="" CT_ROOT=""
# Where the installed daemon reads subflowd/subflowd.conf: /etc with the
# package, $(sysconfdir) of the build otherwise (set by ct_boot).
CT_SYSCONFDIR=/etc
# The test tool mptcp-xfer, inside the container.
CT_XFER=/usr/local/libexec/subflowd-test/mptcp-xfer
CT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# ct_require: skip (77) where this machine cannot boot a container, saying
# why; fail for what scripts/deps installs.
ct_require() {
	command -v systemd-nspawn >/dev/null ||
		fail "systemd-nspawn is missing (scripts/deps installs systemd-container)"
	[[ -x /lib/systemd/systemd ]] || skip "no systemd to boot in a container (/lib/systemd/systemd)"
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
		skip "the kernel has no overlayfs for the container's root"
	[[ -d /sys/fs/cgroup ]] || skip "no cgroup file system for the container's systemd"
	# The units' SystemCallFilter= forbids ptrace(), which LeakSanitizer
	# needs at exit: an instrumented daemon cannot run as the unit runs
	# it. The uninstrumented build (scripts/check's first) runs these.
	if grep -q '^SF_HARDEN_CFLAGS = .*-fsanitize=address' "$top_builddir/Makefile" 2>/dev/null; then
		skip "an AddressSanitizer build cannot run under the units' system-call filter"
	fi
}

# ct CMD...: run CMD inside the container (its mount, UTS, IPC, network
# and PID namespaces), as root, with a clean environment.
ct() {
	nsenter -t "$CT_LEADER" -m -u -i -n -p -- \
		env -i PATH="$CT_PATH" LANG=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

# ct_as UID CMD...: CMD inside the container as UID, without groups or
# capabilities.
ct_as() {
	local uid=$1
	shift
	ct setpriv --reuid "$uid" --regid "$uid" --clear-groups --inh-caps=-all "$@"
}

# ct_install: the build into the container's root: "make install
# DESTDIR=ROOT" from top_builddir, or the .deb files in SF_DEBS with dpkg
# once the container runs (ct_boot does that). The D-Bus policy goes where
# the bus reads it even when --prefix put it elsewhere.
ct_install() {
	local dir deb
	# nspawn mounts a tmpfs on the container's /tmp, where builds may be.
	mkdir -p "$CT_ROOT${CT_XFER%/*}"
	cp "$XFER" "$CT_ROOT$CT_XFER"
	if [[ -n ${SF_DEBS:-} ]]; then
		mkdir -p "$CT_ROOT/var/tmp/subflowd-debs"
		for deb in $SF_DEBS; do
			[[ -f $deb ]] || fail "SF_DEBS: $deb is not a file"
			cp "$deb" "$CT_ROOT/var/tmp/subflowd-debs/"
		done
		return 0
	fi
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" \
		install DESTDIR="$CT_ROOT" >"$SF_TMP/ct-install.log" 2>&1 ||
		fail "make install DESTDIR=$CT_ROOT failed: $(tail -5 "$SF_TMP/ct-install.log")"
	# (make may print lines of its own first, e.g. a Makefile rebuilt.)
	read -r dir CT_SYSCONFDIR < <(printf 'sf-print-dirs:\n\t@echo SF-DIRS $(dbuspolicydir) $(sysconfdir)\n' |
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" \
			-f Makefile -f - sf-print-dirs | sed -n 's/^SF-DIRS //p')
	[[ $dir == /* && $CT_SYSCONFDIR == /* ]] ||
		fail "cannot read dbuspolicydir and sysconfdir from the Makefile"
	case $dir in
	/usr/share/dbus-1/system.d | /etc/dbus-1/system.d) ;;
	*)
		mkdir -p "$CT_ROOT/etc/dbus-1/system.d"
		cp "$CT_ROOT$dir/org.subflowd.conf" "$CT_ROOT/etc/dbus-1/system.d/"
		;;
	esac
}

_ct_leader() {
	CT_LEADER=$(ps -o pid=,comm= --ppid "$CT_PID" | awk '$2 == "systemd" { print $1 }')
	[[ -n $CT_LEADER ]]
}

_ct_running() {
	local state
	state=$(ct systemctl is-system-running 2>/dev/null) || true
	[[ $state == running || $state == degraded ]]
}

# ct_boot NETNS [NSPAWN-ARGS...]: boot the container in network namespace
# NETNS (a name in /run/netns) and wait until its systemd is running.
# Sets CT_PID (systemd-nspawn) and CT_LEADER (the container's PID 1, as
# this namespace sees it).
ct_boot() {
	local netns=$1 ct_dir="$SF_TMP/ct"
	shift
	# Here /run is no tmpfs: hide the machine's /run/systemd from nspawn
	# (this mount namespace only).
	mount -t tmpfs -o mode=755 tmpfs /run/systemd
	mkdir -p "$ct_dir"
	mount -t tmpfs -o mode=700 tmpfs "$ct_dir"
	mkdir "$ct_dir/upper" "$ct_dir/work" "$ct_dir/root"
	mount -t overlay overlay \
		-o "lowerdir=/,upperdir=$ct_dir/upper,workdir=$ct_dir/work" "$ct_dir/root"
	CT_ROOT="$ct_dir/root"
	# The machine's own journal and machine id are not the container's.
	rm -rf "$CT_ROOT/var/log/journal"
	: >"$CT_ROOT/etc/machine-id"
	ct_install

	log "booting a container in $netns"
	SYSTEMD_NSPAWN_API_VFS_WRITABLE=network systemd-nspawn --quiet \
		--register=no --keep-unit -D "$CT_ROOT" \
		--network-namespace-path="/run/netns/$netns" \
		--capability=CAP_NET_ADMIN "$@" \
		-b systemd.unit=basic.target </dev/null >"$SF_TMP/ct-console.log" 2>&1 &
	CT_PID=$!
	wait_until 10 _ct_leader
	try_until 30 _ct_running || {
		ct systemctl --failed --no-pager >&2 || true
		fail "the container's systemd is not running after 30 s: $(ct systemctl is-system-running 2>&1)"
	}
	log "container up: nspawn $CT_PID, its PID 1 is $CT_LEADER here"

	if [[ -n ${SF_DEBS:-} ]]; then
		ct sh -c 'dpkg -i /var/tmp/subflowd-debs/*.deb' \
			>"$SF_TMP/ct-dpkg.log" 2>&1 || fail "dpkg -i: $(tail -5 "$SF_TMP/ct-dpkg.log")"
		# The package starts its service; the tests start it themselves.
		ct systemctl stop subflowd.service
	else
		# What the package's postinst does.
		ct systemd-sysusers
		ct systemctl daemon-reload
	fi
	ct id subflowd >/dev/null || fail "no user subflowd in the container"
}

# ct_down: stop the container as systemd-nspawn asks to be stopped
# (SIGTERM: the container's systemd powers off), and wait for it.
ct_down() {
	local i
	if [[ -z $CT_PID ]]; then
		umount "$CT_ROOT" "$SF_TMP/ct" /run/systemd 2>/dev/null
		return 0
	fi
	kill -TERM "$CT_PID" 2>/dev/null
	for ((i = 0; i < 150; i++)); do
		kill -0 "$CT_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$CT_PID" 2>/dev/null; then
		log "the container did not stop within 15 s of SIGTERM: killing it"
		kill -KILL "$CT_PID" 2>/dev/null
	fi
	wait "$CT_PID" 2>/dev/null
	CT_PID=""
	umount "$CT_ROOT" "$SF_TMP/ct" /run/systemd 2>/dev/null
}

# unit_prop UNIT PROPERTY: one property of UNIT, as systemctl show says.
unit_prop() {
	ct systemctl show -p "$2" --value "$1"
}

_unit_state_is() {
	[[ $(unit_prop "$1" ActiveState) == "$2" ]]
}

# wait_unit_state TIMEOUT_S UNIT STATE: wait until UNIT's ActiveState is
# STATE.
wait_unit_state() {
	try_until "$1" _unit_state_is "$2" "$3" ||
		fail "$2 is $(unit_prop "$2" ActiveState), not $3, after $1 s: $(ct systemctl status --no-pager "$2" 2>&1 | tail -20)"
}

# The container goes first on every way out; then lib.sh's cleanup (jobs,
# lab, $SF_TMP) with the test's exit status.
_ct_cleanup() {
	local rc=$?
	set +e
	if ((rc != 0 && rc != 77)) && [[ -n $CT_LEADER ]] && kill -0 "$CT_PID" 2>/dev/null; then
		ct journalctl --no-pager -n 60 >"$SF_TMP/ct-journal.log" 2>&1
	fi
	ct_down
	(exit "$rc")
	_sf_cleanup
}
trap _ct_cleanup EXIT
