# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# bench/lib/stats.sh - numbers for bench/run, sourced by it.

# latencies EVENTS K OUT_US SUMMARY [START_NS]: from a sf-bench-events log,
# write to OUT_US each connection's time in microseconds from its
# ESTABLISHED event to its K-th SUB_ESTABLISHED (connections that got fewer
# are left out) and to SUMMARY one line
#   "est=E with=W without=M overruns=O last_ms=L"
# where L is the time from START_NS (default: the first ESTABLISHED) to the
# last connection's K-th SUB_ESTABLISHED.
latencies() {
	awk -v want="$2" -v sum="$4" -v start="${5:-0}" '
	$2 == "established" && !($3 in est) { est[$3] = $1; if (!first) first = $1 }
	$2 == "sub_established" && ($3 in est) {
		if (++c[$3] == want)
			done[$3] = $1
	}
	$2 == "overrun" { over++ }
	END {
		if (!start)
			start = first
		for (t in est) {
			n++
			if (t in done) {
				ok++
				printf "%.1f\n", (done[t] - est[t]) / 1000
				if (done[t] > last)
					last = done[t]
			}
		}
		printf "est=%d with=%d without=%d overruns=%d last_ms=%.1f\n",
			n, ok, n - ok, over, last ? (last - start) / 1e6 : 0 > sum
	}' "$1" >"$3"
}

# pctl FILE P: the P-th percentile (nearest rank) of the numbers in FILE,
# "-" when it holds none.
pctl() {
	sort -g "$1" | awk -v p="$2" '
	{ v[++n] = $1 }
	END {
		if (!n) { print "-"; exit }
		r = int(p / 100 * n + 0.999999)
		if (r < 1) r = 1
		print v[r]
	}'
}

# kv KEY FILE: the value of "KEY=value" in the last line of FILE that has it.
kv() {
	grep -o "\\b$1=[^ ]*" "$2" 2>/dev/null | tail -n 1 | cut -d= -f2
}

# ratio A B: A/B with two decimals, "-" when either is not a number.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "-"
		else printf "%.2f\n", a / b
	}'
}

# fmt SCALE VALUE: VALUE*SCALE with one decimal, "-" if not a number.
fmt() {
	awk -v s="$1" -v v="$2" 'BEGIN {
		if (v !~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) print "-"
		else printf "%.1f\n", v * s
	}'
}

# proc_cpu PID [user]: user+system (or user only) CPU seconds of PID so far.
proc_cpu() {
	awk -v hz="$(getconf CLK_TCK)" -v user="${2:-}" '{
		sub(/^.*\) /, "")
		printf "%.2f\n", (user ? $12 : $12 + $13) / hz
	}' "/proc/$1/stat" 2>/dev/null || echo -
}

# proc_ticks PID: "UTIME STIME" of PID so far, in clock ticks (1/CLK_TCK s).
# The kernel charges each of its scheduler ticks wholly to user or system
# time, so the split is a sample: coarse, even where the sum is exact.
proc_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$1/stat" 2>/dev/null ||
		echo "- -"
}

# proc_runtime_ns PID: PID's CPU time so far in ns, exactly (schedstat: the
# scheduler's own account, not a sample of ticks).
proc_runtime_ns() {
	awk '{ print $1 }' "/proc/$1/schedstat" 2>/dev/null || echo -
}

# stats_mmm V...: "median min max" of the numbers among V (one decimal),
# "- - -" when there is none.
stats_mmm() {
	printf '%s\n' "$@" | awk '$1 ~ /^-?[0-9.]+$/' | sort -g | awk '
	{ v[++n] = $1 }
	END {
		if (!n) { print "- - -"; exit }
		m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		printf "%.1f %.1f %.1f\n", m, v[1], v[n]
	}'
}

# proc_mem PID FIELD: FIELD (VmRSS, VmHWM) of PID in kB.
proc_mem() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null
}

# proc_rollup PID FIELD: FIELD (Pss, Private_Dirty) of PID's smaps_rollup in
# kB: what the process costs beyond the library pages it shares.
proc_rollup() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null
}

# cdf IN OUT: IN's numbers sorted, each with its cumulative fraction.
cdf() {
	sort -g "$1" | awk '{ v[++n] = $1 } END { for (i = 1; i <= n; i++) print v[i], i / n }' >"$2"
}
