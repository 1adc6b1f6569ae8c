#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# Checks from a shoji-run console log that two VMs ran side by side.
"""usage: check_interleave.py LOG VM_A VM_B [--min-switches N]

Passes (exit 0) when, in LOG:
  - each VM printed its first line before the other printed its final
    "<N> passed, <M> failed" line (both ran before either finished), and
  - among the VMs' "hello <n>" lines, the console switched from one VM to
    the other at least N times (default 0 = not checked).
Prints what it found; exit 1 on failure, 2 on usage errors.
"""

import re
import sys


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    min_switches = 0
    for a in argv:
        if a.startswith("--min-switches="):
            min_switches = int(a.split("=", 1)[1])
    if len(args) != 3:
        print(__doc__)
        return 2
    path, vm_a, vm_b = args
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\n") for l in f]

    first = {}
    done = {}
    seq = []
    for i, line in enumerate(lines):
        for vm in (vm_a, vm_b):
            prefix = "[%s] " % vm
            if not line.startswith(prefix):
                continue
            body = line[len(prefix):]
            first.setdefault(vm, i)
            if re.match(r"^\d+ passed, \d+ failed$", body):
                done.setdefault(vm, i)
            if re.match(r"^hello \d+$", body):
                seq.append(vm)

    ok = True
    for vm, other in ((vm_a, vm_b), (vm_b, vm_a)):
        if vm not in first:
            print("interleave: no output from %s" % vm)
            ok = False
        elif other in done and first[vm] > done[other]:
            print("interleave: %s started only after %s finished" %
                  (vm, other))
            ok = False
    switches = sum(1 for x, y in zip(seq, seq[1:]) if x != y)
    print("interleave: %d hello lines, %d switches between %s and %s" %
          (len(seq), switches, vm_a, vm_b))
    if switches < min_switches:
        print("interleave: fewer than %d switches" % min_switches)
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
