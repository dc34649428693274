#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# lab.sh - a two-namespace MPTCP lab: a client and a server joined by 1..4
# veth pairs ("paths").
#
#   tests/lab/lab.sh up [--paths N] [--rate MBIT] [--prefix NAME]
#                       [--client-pm userspace|kernel]
#   tests/lab/lab.sh down|status [--prefix NAME]
#   tests/lab/lab.sh fail PATH link|blackhole|admin|loss|reset [PCT] [--prefix NAME]
#   tests/lab/lab.sh restore PATH [--prefix NAME]
#
# Sourced, it defines lab_up, lab_down, lab_fail, lab_restore, lab_status and
# lab_trap, which take the same arguments and export the LAB_* variables
# below into the caller. Nothing here touches the host namespace: the veth
# pairs are created directly inside the lab's namespaces, and every sysctl is
# set inside them.
#
# Path i (1..N):
#   client  c-eth$i  10.0.$i.1/24  fd00:$i::1/64
#   server  s-eth$i  10.0.$i.2/24  fd00:$i::2/64
# The client routes by source address: table 100+i holds path i's subnet and
# a default route via 10.0.$i.2 (fd00:$i::2), selected by "from <addr>" rules;
# the main table's default route goes via path 1. The server needs only its
# connected routes: each client address lives on its own path's subnet, so a
# reply to 10.0.$i.1 always leaves through s-eth$i.
#
# Exported after lab_up (and printed as "export" lines by "lab.sh up"):
#   LAB_PREFIX LAB_CLI LAB_SRV LAB_PATHS LAB_RATE LAB_CLIENT_PM
#   LAB_CLI_ADDR_i LAB_SRV_ADDR_i LAB_CLI_ADDR6_i LAB_SRV_ADDR6_i
#   LAB_CLI_DEV_i LAB_SRV_DEV_i
#
# Failure modes of "fail PATH MODE" (all undone by "restore PATH"):
#   link       the server end goes admin-down: the client end loses carrier
#              but keeps its addresses and routes (a cable pulled upstream);
#   blackhole  nftables netdev ingress/egress chains on the client end drop
#              everything silently (sends still succeed; nothing arrives);
#   admin      the client end goes admin-down: the kernel flushes its routes
#              from every table; "restore" puts them back;
#   loss [PCT] nftables netdev ingress chains at both ends drop PCT %
#              (default 30) of the packets at random, in each direction;
#   reset      the server end answers every SYN that comes in on the path
#              with a TCP reset (a peer refusing joins there: each closes
#              with an error); what is established carries on.

LAB_STATE_DIR=${LAB_STATE_DIR:-/run/sfl-lab}
LAB_NFT_TABLE=sflab

lab_log() {
	printf 'lab: %s\n' "$*" >&2
}

# Run a command; on failure say which one and return its status.
_lab_run() {
	local rc=0
	"$@" || rc=$?
	if ((rc != 0)); then
		lab_log "failed ($rc): $*"
	fi
	return "$rc"
}

_lab_cli() { _lab_run ip netns exec "$LAB_CLI" "$@"; }
_lab_srv() { _lab_run ip netns exec "$LAB_SRV" "$@"; }

_lab_ns_exists() {
	[[ -e "/run/netns/$1" ]]
}

# Set LAB_PREFIX/LAB_CLI/LAB_SRV from a prefix.
_lab_names() {
	export LAB_PREFIX=$1
	export LAB_CLI="$1-cli"
	export LAB_SRV="$1-srv"
}

# Export the per-path variables for paths 1..$1.
_lab_export_paths() {
	local i
	export LAB_PATHS=$1
	for ((i = 1; i <= $1; i++)); do
		export "LAB_CLI_ADDR_$i=10.0.$i.1" "LAB_SRV_ADDR_$i=10.0.$i.2"
		export "LAB_CLI_ADDR6_$i=fd00:$i::1" "LAB_SRV_ADDR6_$i=fd00:$i::2"
		export "LAB_CLI_DEV_$i=c-eth$i" "LAB_SRV_DEV_$i=s-eth$i"
	done
}

# Print the lab's variables as shell export lines.
lab_env() {
	local i v
	printf 'export LAB_PREFIX=%s LAB_CLI=%s LAB_SRV=%s LAB_PATHS=%s LAB_RATE=%s LAB_CLIENT_PM=%s\n' \
		"$LAB_PREFIX" "$LAB_CLI" "$LAB_SRV" "$LAB_PATHS" "${LAB_RATE:-0}" \
		"${LAB_CLIENT_PM:-userspace}"
	for ((i = 1; i <= LAB_PATHS; i++)); do
		for v in CLI_ADDR SRV_ADDR CLI_ADDR6 SRV_ADDR6 CLI_DEV SRV_DEV; do
			v="LAB_${v}_$i"
			printf 'export %s=%s\n' "$v" "${!v}"
		done
	done
}

# Add path $1's client routes and rules (idempotent: "replace").
_lab_client_routes() {
	local i=$1 table=$((100 + $1)) dev="c-eth$1"
	_lab_cli ip route replace "10.0.$i.0/24" dev "$dev" src "10.0.$i.1" table "$table" || return
	_lab_cli ip route replace default via "10.0.$i.2" dev "$dev" table "$table" || return
	_lab_cli ip -6 route replace "fd00:$i::/64" dev "$dev" table "$table" || return
	_lab_cli ip -6 route replace default via "fd00:$i::2" dev "$dev" table "$table" || return
	if ((i == 1)); then
		_lab_cli ip route replace default via 10.0.1.2 dev c-eth1 || return
		_lab_cli ip -6 route replace default via fd00:1::2 dev c-eth1 || return
	fi
	# After an admin-down the kernel re-adds the connected routes of the
	# main table; should IPv6's be missing, put it back as the kernel would.
	if [[ -z $(ip -n "$LAB_CLI" -6 route show "fd00:$i::/64" dev "$dev" table main) ]]; then
		_lab_cli ip -6 route add "fd00:$i::/64" dev "$dev" proto kernel metric 256 || return
	fi
}

_lab_client_rules() {
	local i=$1 table=$((100 + $1))
	_lab_cli ip rule add from "10.0.$i.1" table "$table" pref "$table" || return
	_lab_cli ip -6 rule add from "fd00:$i::1" table "$table" pref "$table" || return
}

_lab_ns_sysctls() {
	local ns=$1 pm=$2
	_lab_run ip netns exec "$ns" sysctl -q -w \
		net.mptcp.enabled=1 \
		"net.mptcp.pm_type=$pm" \
		net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 \
		net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.keep_addr_on_down=1 \
		net.ipv6.conf.default.keep_addr_on_down=1 >/dev/null
}

_lab_shape() {
	local ns=$1 dev=$2 rate=$3 burst
	# At least 10 ms worth of tokens, and never less than one GSO burst.
	burst=$((rate * 1250))
	((burst < 65536)) && burst=65536
	_lab_run ip netns exec "$ns" tc qdisc replace dev "$dev" root tbf \
		rate "${rate}mbit" burst "$burst" latency 50ms
}

# lab_up [--paths N] [--rate MBIT] [--prefix NAME] [--client-pm userspace|kernel]
lab_up() {
	local paths=2 rate=0 prefix="sfl$$" cpm=userspace cpm_num i
	while (($#)); do
		case $1 in
		--paths) paths=${2:-}; shift 2 || return 64 ;;
		--rate) rate=${2:-}; shift 2 || return 64 ;;
		--prefix) prefix=${2:-}; shift 2 || return 64 ;;
		--client-pm) cpm=${2:-}; shift 2 || return 64 ;;
		*) lab_log "up: unknown argument '$1'"; return 64 ;;
		esac
	done
	if ! [[ $paths =~ ^[1-4]$ ]]; then
		lab_log "up: --paths must be 1..4, not '$paths'"
		return 64
	fi
	if ! [[ $rate =~ ^[0-9]{1,5}$ ]] || ((rate > 10000)); then
		lab_log "up: --rate must be 0 (unshaped) to 10000 Mbit/s, not '$rate'"
		return 64
	fi
	if ! [[ $prefix =~ ^[A-Za-z0-9_.-]{1,40}$ ]]; then
		lab_log "up: bad --prefix '$prefix'"
		return 64
	fi
	case $cpm in
	userspace) cpm_num=1 ;;
	kernel) cpm_num=0 ;;
	*) lab_log "up: --client-pm must be userspace or kernel, not '$cpm'"; return 64 ;;
	esac

	# Checked before the names are set, so that a failed "up" never leads
	# lab_down to delete namespaces that are not ours.
	if _lab_ns_exists "$prefix-cli" || _lab_ns_exists "$prefix-srv"; then
		lab_log "up: namespace $prefix-cli or $prefix-srv already exists"
		return 1
	fi
	_lab_names "$prefix"
	export LAB_RATE=$rate LAB_CLIENT_PM=$cpm
	_lab_export_paths "$paths"

	_lab_run ip netns add "$LAB_CLI" || return
	_lab_run ip netns add "$LAB_SRV" || return
	_lab_ns_sysctls "$LAB_CLI" "$cpm_num" || return
	_lab_ns_sysctls "$LAB_SRV" 0 || return
	_lab_cli ip link set lo up || return
	_lab_srv ip link set lo up || return

	for ((i = 1; i <= paths; i++)); do
		_lab_run ip link add "c-eth$i" netns "$LAB_CLI" type veth \
			peer name "s-eth$i" netns "$LAB_SRV" || return
		_lab_cli ip addr add "10.0.$i.1/24" dev "c-eth$i" || return
		_lab_cli ip addr add "fd00:$i::1/64" dev "c-eth$i" nodad || return
		_lab_srv ip addr add "10.0.$i.2/24" dev "s-eth$i" || return
		_lab_srv ip addr add "fd00:$i::2/64" dev "s-eth$i" nodad || return
		_lab_cli ip link set "c-eth$i" up || return
		_lab_srv ip link set "s-eth$i" up || return
		if ((rate > 0)); then
			_lab_shape "$LAB_CLI" "c-eth$i" "$rate" || return
			_lab_shape "$LAB_SRV" "s-eth$i" "$rate" || return
		fi
		_lab_client_routes "$i" || return
		_lab_client_rules "$i" || return
	done

	# The in-kernel PM's limits: the server must accept joins (and the
	# client's, should a test run it with the in-kernel PM).
	_lab_srv ip mptcp limits set subflows 8 add_addr_accepted 8 || return
	_lab_cli ip mptcp limits set subflows 8 add_addr_accepted 8 || return

	mkdir -p "$LAB_STATE_DIR" && lab_env >"$LAB_STATE_DIR/$LAB_PREFIX.env"
}

# _lab_kill_ns SIG NS...: signal every process inside the namespaces.
# Returns 0 if there was any.
_lab_kill_ns() {
	local sig=$1 ns pids=()
	shift
	for ns in "$@"; do
		_lab_ns_exists "$ns" || continue
		mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "$ns" 2>/dev/null)
	done
	((${#pids[@]})) || return 1
	kill "-$sig" "${pids[@]}" 2>/dev/null
	return 0
}

# lab_down: end every process left inside the lab (a namespace outlives its
# name while a process runs in it), then delete both namespaces, and with
# them the veths and nft tables. Safe on a half-built or already removed
# lab; never fails.
lab_down() {
	local ns i
	[[ -n ${LAB_PREFIX:-} ]] || return 0
	if _lab_kill_ns TERM "$LAB_CLI" "$LAB_SRV"; then
		for ((i = 0; i < 20; i++)); do
			sleep 0.1
			[[ -z $(ip netns pids "$LAB_CLI" 2>/dev/null; ip netns pids "$LAB_SRV" 2>/dev/null) ]] && break
		done
		_lab_kill_ns KILL "$LAB_CLI" "$LAB_SRV" || true
	fi
	for ns in "$LAB_CLI" "$LAB_SRV"; do
		if _lab_ns_exists "$ns"; then
			ip netns del "$ns" 2>/dev/null || lab_log "down: could not delete $ns"
		fi
	done
	rm -f "$LAB_STATE_DIR/$LAB_PREFIX.env"
	return 0
}

_lab_check_path() {
	if ! [[ ${1:-} =~ ^[1-4]$ ]] || (($1 > ${LAB_PATHS:-0})); then
		lab_log "no path '${1:-}' (paths 1..${LAB_PATHS:-0})"
		return 64
	fi
}

_lab_blackhole_add() {
	local dev="c-eth$1"
	_lab_cli nft -f - <<EOF
table netdev $LAB_NFT_TABLE {
	chain p$1-in {
		type filter hook ingress device "$dev" priority 0; policy drop;
	}
	chain p$1-out {
		type filter hook egress device "$dev" priority 0; policy drop;
	}
}
EOF
}

# Loss must be real: a packet dropped on its way out is reported back to
# TCP, which sends it again as if nothing was lost. So PCT % are dropped
# where they come in, at the server end (data from the client) and at the
# client end (data to it).
_lab_loss_add() {
	local i=$1 pct=$2 ns end
	if ! [[ $pct =~ ^[0-9]+$ ]] || ((pct > 100)); then
		lab_log "loss: PCT must be 0..100, not '$pct'"
		return 64
	fi
	for end in "$LAB_CLI c-eth$i" "$LAB_SRV s-eth$i"; do
		ns=${end% *}
		_lab_run ip netns exec "$ns" nft -f - <<EOF || return
table netdev $LAB_NFT_TABLE {
	chain p$i-loss {
		type filter hook ingress device "${end#* }" priority 0; policy accept;
		numgen random mod 100 < $pct drop
	}
}
EOF
	done
}

_lab_loss_del() {
	local ns
	for ns in "$LAB_CLI" "$LAB_SRV"; do
		if ip netns exec "$ns" nft list chain netdev "$LAB_NFT_TABLE" "p$1-loss" >/dev/null 2>&1; then
			_lab_run ip netns exec "$ns" nft delete chain netdev "$LAB_NFT_TABLE" "p$1-loss" || return
		fi
	done
}

_lab_reset_add() {
	_lab_srv nft -f - <<EOF
table inet $LAB_NFT_TABLE {
	chain p$1-reset {
		type filter hook input priority 0; policy accept;
		iifname "s-eth$1" tcp flags syn reject with tcp reset
	}
}
EOF
}

_lab_reset_del() {
	if ip netns exec "$LAB_SRV" nft list chain inet "$LAB_NFT_TABLE" "p$1-reset" >/dev/null 2>&1; then
		_lab_srv nft delete chain inet "$LAB_NFT_TABLE" "p$1-reset" || return
	fi
}

_lab_blackhole_del() {
	local c
	for c in "p$1-in" "p$1-out"; do
		if ip netns exec "$LAB_CLI" nft list chain netdev "$LAB_NFT_TABLE" "$c" >/dev/null 2>&1; then
			_lab_cli nft delete chain netdev "$LAB_NFT_TABLE" "$c" || return
		fi
	done
}

# lab_fail PATH link|blackhole|admin|loss|reset [PCT]
lab_fail() {
	local i=${1:-} mode=${2:-} pct=${3:-30}
	_lab_check_path "$i" || return
	case $mode in
	link) _lab_srv ip link set "s-eth$i" down ;;
	blackhole) _lab_blackhole_add "$i" ;;
	admin) _lab_cli ip link set "c-eth$i" down ;;
	loss) _lab_loss_add "$i" "$pct" ;;
	reset) _lab_reset_add "$i" ;;
	*) lab_log "fail: mode must be link, blackhole, admin, loss or reset, not '$mode'"; return 64 ;;
	esac
}

# lab_restore PATH: undo every failure mode on the path (idempotent).
lab_restore() {
	local i=${1:-}
	_lab_check_path "$i" || return
	_lab_blackhole_del "$i" || return
	_lab_loss_del "$i" || return
	_lab_reset_del "$i" || return
	_lab_srv ip link set "s-eth$i" up || return
	_lab_cli ip link set "c-eth$i" up || return
	_lab_client_routes "$i"
}

lab_status() {
	local ns
	for ns in "$LAB_CLI" "$LAB_SRV"; do
		if ! _lab_ns_exists "$ns"; then
			echo "== $ns: missing"
			continue
		fi
		echo "== $ns"
		ip -n "$ns" -br addr show
		ip -n "$ns" rule show
		ip -n "$ns" -6 rule show
		ip -n "$ns" route show table all | grep -v -e '^local' -e '^broadcast' -e '^multicast' -e 'fe80::' || true
		ip -n "$ns" mptcp limits show
		ip -n "$ns" mptcp endpoint show
		ip netns exec "$ns" sysctl net.mptcp.enabled net.mptcp.pm_type
		ip netns exec "$ns" nft list ruleset
		tc -n "$ns" -s qdisc show | grep -A2 tbf || true
	done
}

# lab_subflows NS [PORT]: one line per ESTABLISHED TCP subflow of an MPTCP
# connection in namespace NS, "SRC:SPORT DST:DPORT", followed by " backup"
# when either end flagged the subflow backup, sorted. Read from
# "ss -tiO": subflows are the TCP sockets with "tcp-ulp-mptcp" whose
# "flags:" hold b (local backup) or B (the peer's). IPv6 addresses are
# bracketed, IPv4-mapped ones printed as IPv4, ss's "%ifname" dropped.
# With PORT, only subflows whose local or remote port is PORT.
lab_subflows() {
	ip netns exec "$1" ss -HtinO state established | awk -v port="${2:-}" '
	function norm(a) {
		sub(/%[^:]*:/, ":", a)
		if (a ~ /^\[::ffff:[0-9.]+\]:/) {
			sub(/^\[::ffff:/, "", a)
			sub(/\]/, "", a)
		}
		return a
	}
	function port_of(a) {
		sub(/.*:/, "", a)
		return a
	}
	/ tcp-ulp-mptcp / {
		l = norm($3)
		r = norm($4)
		if (port != "" && port_of(l) != port && port_of(r) != port)
			next
		mark = ""
		for (i = 5; i <= NF; i++)
			if ($i ~ /^flags:/ && substr($i, 7) ~ /[bB]/)
				mark = " backup"
		print l " " r mark
	}' | sort
}

# lab_trap: remove the lab on every way out of the calling shell.
lab_trap() {
	trap 'lab_down' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# Executable mode: find the lab from --prefix, $LAB_PREFIX, or the single
# state file in $LAB_STATE_DIR.
_lab_find() {
	local prefix=${1:-${LAB_PREFIX:-}} files
	if [[ -z $prefix ]]; then
		shopt -s nullglob
		files=("$LAB_STATE_DIR"/*.env)
		shopt -u nullglob
		if ((${#files[@]} != 1)); then
			lab_log "${#files[@]} labs in $LAB_STATE_DIR; say which with --prefix"
			return 64
		fi
		prefix=$(basename "${files[0]}" .env)
	fi
	if [[ -r "$LAB_STATE_DIR/$prefix.env" ]]; then
		# shellcheck source=/dev/null
		. "$LAB_STATE_DIR/$prefix.env"
	else
		_lab_names "$prefix"
		_lab_export_paths 4
	fi
}

_lab_usage() {
	cat >&2 <<EOF
usage: $0 up [--paths N] [--rate MBIT] [--prefix NAME] [--client-pm userspace|kernel]
       $0 down|status [--prefix NAME]
       $0 fail PATH link|blackhole|admin|loss|reset [PCT] [--prefix NAME]
       $0 restore PATH [--prefix NAME]
EOF
	exit 64
}

lab_main() {
	local cmd=${1:-} prefix="" args=()
	(($#)) || _lab_usage
	shift
	if [[ $cmd == up ]]; then
		lab_up "$@" || { local rc=$?; lab_down; exit "$rc"; }
		lab_env
		return
	fi
	while (($#)); do
		case $1 in
		--prefix) prefix=${2:-}; shift 2 || _lab_usage ;;
		*) args+=("$1"); shift ;;
		esac
	done
	_lab_find "$prefix" || exit
	case $cmd in
	down) lab_down ;;
	status) lab_status ;;
	fail) lab_fail "${args[@]}" ;;
	restore) lab_restore "${args[@]}" ;;
	*) _lab_usage ;;
	esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	lab_main "$@"
fi
