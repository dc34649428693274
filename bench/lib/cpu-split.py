#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Split a process's CPU samples into user and kernel time, correcting the
largest bias a timer sample has in user mode.

  perf record -e cpu-clock -c PERIOD -p PID -o FILE ...
  perf script -i FILE --show-mmap-events -F ip,dso | cpu-split.py

prints "samples=N kernel=K user=U user_after_syscall=A".

A sample is the process's state when a timer interrupt is taken. While the
kernel returns from a system call it runs with interrupts off, so a timer
that expires then is taken on the first user instruction, the one after
`syscall`: such a sample ("user_after_syscall") measured the kernel's exit
path, not user code. It is recognised by the two bytes before its address
(0f 05), read from the file mapped there. The user figure to trust is
"user"; user + user_after_syscall is the uncorrected one. Both are upper
bounds: on the machine this was made on, about one such sample in six
lands one instruction later (on the check of the call's result) and is
not recognised.
Samples in a mapping without a file (the vDSO, JIT code) count as user.
"""
import re
import sys

KERNEL_START = 0xFFFF800000000000
SYSCALL = b"\x0f\x05"
# PERF_RECORD_MMAP2 PID/TID: [0xSTART(0xLEN) @ 0xPGOFF ...]: r-xp /path
MMAP = re.compile(r"PERF_RECORD_MMAP2? .*\[(0x[0-9a-f]+)\((0x[0-9a-f]+)\)"
                  r" @ (0x[0-9a-f]+|0)[ \]].*\]: [-r][-w]x\S* (/\S+)")
SAMPLE = re.compile(r"\s*([0-9a-f]+)\s")


class Mappings:
    """Executable file mappings, and what lies before an address in them."""

    def __init__(self):
        self.maps = []
        self.seen = {}

    def add(self, start, length, pgoff, path):
        self.maps.append((start, start + length, pgoff, path))

    def after_syscall(self, ip):
        """True when the instruction before IP is `syscall`."""
        for start, end, pgoff, path in reversed(self.maps):
            if start <= ip < end:
                break
        else:
            return False
        key = (path, ip - start + pgoff)
        if key not in self.seen:
            try:
                with open(path, "rb") as f:
                    f.seek(key[1] - len(SYSCALL))
                    self.seen[key] = f.read(len(SYSCALL)) == SYSCALL
            except (OSError, ValueError):
                self.seen[key] = False
        return self.seen[key]


def main():
    maps = Mappings()
    kernel = user = after = 0
    for line in sys.stdin:
        m = MMAP.search(line)
        if m:
            maps.add(int(m[1], 16), int(m[2], 16), int(m[3], 16), m[4])
            continue
        m = SAMPLE.match(line)
        if not m:
            continue
        ip = int(m[1], 16)
        if ip >= KERNEL_START:
            kernel += 1
        elif maps.after_syscall(ip):
            after += 1
        else:
            user += 1
    print(f"samples={kernel + user + after} kernel={kernel} user={user} "
          f"user_after_syscall={after}")


if __name__ == "__main__":
    main()
