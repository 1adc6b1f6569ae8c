#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# trace_convert: tools/shoji-trace on a small handwritten trace mixed with
# console noise (no QEMU). The JSON must parse, hold the expected runs
# (one still open at the end, one switch_out without its switch_in), name
# the CPUs and VMs, keep timestamps in order, and ignore guest lines that
# only look like trace lines; a log with no trace must fail clearly.
set -u
. "$(dirname "$0")/../lib.sh"

TOOL=$ROOT/tools/shoji-trace
IN=$LOGDIR/trace_convert.in
OUT=$LOGDIR/trace_convert.json

cat >"$IN" <<'EOF'
# qemu-system-aarch64 ...
shoji: vm probe: id 0, 1 vCPU(s), ram ipa 0x40000000 -> pa 0x40400000 (2 MiB)
shoji: vm hog1: id 1, 1 vCPU(s), ram ipa 0x40000000 -> pa 0x40600000 (2 MiB)
trace: begin cpu 0 events 10 dropped 0
trace: 0 1000 switch_in 0 0 0
trace: 0 1500 block 0 0 0
trace: 0 1500 switch_out 0 0 0
trace: 0 1500 switch_in 1 0 30000000
[probe] trace: 0 1600 switch_in 7 7 7
trace: 0 4000 wake 0 0 0
trace: 0 4100 boost 0 0 0
trace: 0 4100 switch_out 1 0 0
trace: 0 4100 switch_in 0 0 0
trace: 0 4600 switch_out 0 0 0
trace: 0 4600 switch_in 1 0 0
trace: begin cpu 1 events 5 dropped 3
trace: 1 3100 switch_out 2 1 0
trace: 1 garbage 12 wake
trace: 1 2000 switch_in 2 1 0
trace: 1 2500 replenish 2 1 18667000
trace: 1 3000 switch_out 2 1 0
trace: 1 5000 budget_out 2 1 0
trace: end
shoji: all VMs stopped, powering off
EOF

"$TOOL" "$IN" -o "$OUT" || {
    echo "trace_convert: shoji-trace failed"
    exit 1
}

python3 - "$OUT" <<'EOF' || exit 1
import json
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    doc = json.load(f)
events = doc["traceEvents"]
timed = [e for e in events if e["ph"] != "M"]
runs = [(e["pid"], e["name"], round(e["ts"] * 1000), round(e["dur"] * 1000))
        for e in timed if e["ph"] == "X"]
want = [(1, "probe.vcpu0", 1000, 500), (2, "vm2.vcpu1", 2000, 1000),
        (1, "hog1.vcpu0", 1500, 2600), (1, "probe.vcpu0", 4100, 500),
        (1, "hog1.vcpu0", 4600, 400)]
procs = {e["pid"]: e["args"]["name"] for e in events
         if e["ph"] == "M" and e["name"] == "process_name"}
instants = sorted((e["pid"], e["name"]) for e in timed if e["ph"] == "i")
errors = []
if sorted(runs) != sorted(want):
    errors.append("runs %s, want %s" % (runs, want))
if [e["ts"] for e in timed] != sorted(e["ts"] for e in timed):
    errors.append("timestamps out of order")
if procs != {1: "pCPU 0", 2: "pCPU 1"}:
    errors.append("processes %s" % procs)
if instants != [(1, "block"), (1, "boost"), (1, "wake"), (2, "budget_out"),
                (2, "replenish"), (2, "switch_out")]:
    errors.append("instant events %s" % instants)
last = [e for e in timed if e["ph"] == "X" and e["ts"] == 4.6]
if not last or not last[0]["args"].get("unterminated"):
    errors.append("the open run at the end is not marked unterminated")
for e in errors:
    print("trace_convert: " + e)
print("trace_convert: %d events, %d runs" % (len(timed), len(runs)))
sys.exit(1 if errors else 0)
EOF

"$TOOL" "$IN" --names 2=media -o "$OUT" 2>/dev/null &&
    grep -q '"name": "media.vcpu1"' "$OUT" || {
    echo "trace_convert: --names did not rename vm 2"
    exit 1
}

grep -v 'trace: [0-9]' "$IN" >"$IN.none"
if "$TOOL" "$IN.none" -o "$OUT" 2>"$LOGDIR/trace_convert.err"; then
    echo "trace_convert: a log without trace lines was accepted"
    exit 1
fi
grep -q 'no .trace:' "$LOGDIR/trace_convert.err" || {
    echo "trace_convert: no clear message for a log without trace lines"
    exit 1
}
echo "trace_convert: PASS"
