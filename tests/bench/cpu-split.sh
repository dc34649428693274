#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/lib/cpu-split.py, the user/kernel split of bench/run scenario 7, on
# perf script lines made up here: kernel addresses are kernel time; a user
# address right after a `syscall` instruction (0f 05), found through the
# file and file offset of its mapping, is the kernel's too; any other user
# address, a mapping's first bytes and an address without a file among
# them, is user time.
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v python3 >/dev/null || { echo "cpu-split: no python3, skipping"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A "library" of 0x3000 bytes: syscall at 0x100 (mapped at offset 0) and at
# 0x2200 (in a mapping that starts at file offset 0x2000).
head -c $((0x3000)) /dev/zero >"$tmp/lib.so"
printf '\x0f\x05' | dd of="$tmp/lib.so" bs=1 seek=$((0x100)) conv=notrunc status=none
printf '\x0f\x05' | dd of="$tmp/lib.so" bs=1 seek=$((0x2200)) conv=notrunc status=none

# expect WANT: cpu-split.py's line for stdin is WANT.
expect() {
	local got
	got=$(python3 "$top_srcdir/bench/lib/cpu-split.py")
	[[ $got == "$1" ]] || { echo "cpu-split: FAIL: got '$got', want '$1'"; exit 1; }
}

expect "samples=8 kernel=2 user=4 user_after_syscall=2" <<EOF
PERF_RECORD_MMAP -1/0: [0xffffffff81000000(0x1259b00) @ 0xffffffff81000000]: x [kernel.kallsyms]_text
PERF_RECORD_MMAP2 7/7: [0x7f0000001000(0x1000) @ 0 fe:00 1 0]: r-xp $tmp/lib.so
PERF_RECORD_MMAP2 7/7: [0x7f0000010000(0x1000) @ 0x2000 fe:00 1 0]: r-xp $tmp/lib.so
 ffffffff82250fa7 ([kernel.kallsyms])
 7f0000001102 ($tmp/lib.so)
 7f0000001104 ($tmp/lib.so)
 7f0000001000 ($tmp/lib.so)
 7f0000010202 ($tmp/lib.so)
 7f0000010200 ($tmp/lib.so)
 7fff00000010 ([vdso])
 ffffffff820c1a29 ([kernel.kallsyms])
EOF

# A later mapping at the same addresses replaces the earlier one: mapped
# from file offset 0x1000 (zeros), the same address is user time.
expect "samples=1 kernel=0 user=1 user_after_syscall=0" <<EOF
PERF_RECORD_MMAP2 7/7: [0x7f0000001000(0x1000) @ 0 fe:00 1 0]: r-xp $tmp/lib.so
PERF_RECORD_MMAP2 7/7: [0x7f0000001000(0x1000) @ 0x1000 fe:00 1 0]: r-xp $tmp/lib.so
 7f0000001102 ($tmp/lib.so)
EOF
echo "cpu-split: ok"
