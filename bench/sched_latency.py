#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Scheduler latency under Shoji: credit versus credit-rt, under -icount.

Four parts, all on one physical CPU (QEMU -smp 1, -icount shift=0,sleep=off
through tools/shoji-run --icount, so virtual time follows instructions):

media        the bare-metal media probe at 60 fps (period 16667 us, work
             4000 us, FRAMES frames) alone and beside 1 and 3 CPU hogs,
             under credit (Xen defaults) and credit-rt (the probe reserves
             4500 us per period). Per run: frames, misses, wake-up latency
             p50/p99/max, and each hog's iterations while the probe ran;
             the credit-rt/credit ratio of the hogs' iterations (must be
             within 5 %).
sim          the same scenarios in tools/schedsim; sim misses, p50 and p99
             against the QEMU ones (goal: within 10 %). The simulator
             models scheduling, not the hypervisor's own paths, so three
             fixed costs are fitted per policy: the wake-up path as a
             uniform range matching the QEMU p50 and p99 without hogs,
             and the put of a preempted vCPU as the p50 with one hog
             minus the p50 without; the rest is predicted.
cyclictest   cyclictest -m -p 80 -i 10000 -l LOOPS in a 1-vCPU Linux guest
             (256 MiB; under credit-rt a reservation of 300 us every 1 ms),
             alone and beside one hog, under both policies; plus the same
             kernel directly under QEMU (guests/linux/run-direct.sh, -smp 1,
             -icount shift=0,sleep=off) as the baseline.
determinism  one media scenario (credit-rt, 1 hog by default) run a second
             time: are the latency histograms identical?

Setups (and schedsim workloads) are generated into BUILD/bench/sched/
from the templates in bench/sched/; console logs stay there. Results go
to RESULTS/: sched_media.csv, sched_sim_vs_qemu.csv, sched_cyclictest.csv,
sched_determinism.csv, the histograms as CDFs (sched_media_hist.csv,
sched_cyclictest_hist.csv) and, when gnuplot is installed, the CDF plots
sched_media_cdf.png and sched_cyclictest_cdf.png (one panel per policy).
FRAMES defaults to $SCHED_BENCH_FRAMES or 10000 (167 s of virtual time a
run); --frames 300 is a smoke run.
"""
import argparse
import concurrent.futures
import csv
import math
import os
import re
import shutil
import string
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = os.path.join(REPO, "bench", "sched")
POLICIES = ("credit", "credit-rt")
MEDIA_HOGS = (0, 1, 3)
PERIOD_US = 16667
WORK_US = 4000
PROBE_BUDGET_US = 4500
LINUX_RT_PERIOD_US = 1000
LINUX_RT_BUDGET_US = 300
CYCLIC_INTERVAL_US = 10000
CYCLIC_HIST_US = 1000
# Virtual time a Linux guest needs to boot beside a hog before cyclictest
# starts (measured: about 1.9 s under credit, 1.3 s under credit-rt).
LINUX_BOOT_MS = 2500
# Hogs spin this much longer than the measured guest needs, so that they
# compete for the whole measurement.
HOG_MARGIN_MS = 300
# Wall-clock limit of a run: WALL_BASE_S plus WALL_PER_VIRT_S per second
# of virtual time (measured: about 8 s with hogs on a loaded 2-core host).
WALL_BASE_S = 300
WALL_PER_VIRT_S = 25
HOG_RATIO_TOLERANCE = 0.05

PREFIX = r"^(?:\[\w+\] )?"
MEDIA_RE = re.compile(PREFIX + r"media: frames (\d+) misses (\d+) lat_us "
                      r"p50 ([\d.]+) p99 ([\d.]+) max ([\d.]+)$")
MEDIA_RAN_RE = re.compile(PREFIX + r"media: ran (\d+) skipped (\d+) ")
MEDIA_HIST_RE = re.compile(r"^\[probe\] media: hist (\d+) (\d+)$")
HOG_DONE_RE = re.compile(r"^\[(hog\d+)\] hog: done, (\d+) iterations")
HOG_PROGRESS_RE = re.compile(r"^\[(hog\d+)\] hog: progress \d+ at (\d+) us, "
                             r"(\d+) iterations$")
CYCLIC_RE = re.compile(PREFIX + r"cyclictest: min (\d+) avg (\d+) max (\d+) "
                       r"overflows (\d+) loops (\d+)$")
CYCLIC_HIST_RE = re.compile(PREFIX + r"cyclictest: hist (\d+) (\d+)$")
LINUX_OFF_RE = re.compile(r"^\[linux\] linux: powering off$")


def template(file, **values):
    """bench/sched/FILE with ${key} replaced by values."""
    with open(os.path.join(TEMPLATES, file), encoding="utf-8") as f:
        return string.Template(f.read()).substitute(values)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def hog_nodes(count, spin_ms):
    return "".join(template("hog.dtsi.in", name="hog%d" % i, spin_ms=spin_ms)
                   for i in range(1, count + 1))


def setup_text(title, policy, vms):
    return template("setup.dts.in", title=title, policy=policy, vms=vms)


def reservation(policy, period_us, budget_us):
    if policy != "credit-rt":
        return ""
    return template("reservation.dtsi.in", period_us=period_us,
                    budget_us=budget_us)


def wall_limit(virtual_s):
    return WALL_BASE_S + WALL_PER_VIRT_S * virtual_s


class Run:
    """One QEMU run: a generated setup under shoji-run, or a direct boot."""

    def __init__(self, name, kind, policy, hogs, virtual_s):
        self.name = name
        self.kind = kind  # "media", "cyclictest" or "direct"
        self.policy = policy
        self.hogs = hogs
        self.virtual_s = virtual_s
        self.cmd = None
        self.log = None
        self.rc = None
        self.wall_s = None
        self.lines = []
        self.reuse = None  # regex: keep a finished log that matches it

    def reusable(self):
        """The lines of an earlier run's complete log, or None."""
        if self.reuse is None or not os.path.exists(self.log):
            return None
        with open(self.log, encoding="utf-8", errors="replace") as f:
            lines = [ln.rstrip("\n") for ln in f]
        done = any(ln.startswith("shoji: all VMs stopped") for ln in lines)
        found = any(re.search(self.reuse, ln) for ln in lines)
        return lines if done and found else None

    def execute(self):
        lines = self.reusable()
        if lines is not None:
            self.lines, self.rc, self.wall_s = lines, 0, 0.0
            return self
        start = time.monotonic()
        with open(self.log + ".out", "w", encoding="utf-8") as out:
            try:
                self.rc = subprocess.run(
                    self.cmd, stdin=subprocess.DEVNULL, stdout=out,
                    stderr=subprocess.STDOUT, check=False).returncode
            except OSError as err:
                out.write("bench: cannot run: %s\n" % err)
                self.rc = -1
        self.wall_s = time.monotonic() - start
        # shoji-run writes the console to --log; run-direct only to stdout.
        path = self.log if os.path.exists(self.log) else self.log + ".out"
        with open(path, encoding="utf-8", errors="replace") as f:
            self.lines = [ln.rstrip("\n") for ln in f]
        return self

    def ok(self):
        return self.rc == 0


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = os.path.join(args.build, "bench", "sched")
        os.makedirs(self.work, exist_ok=True)

    def shoji_run(self, name, kind, policy, hogs, dts, virtual_s, expect):
        run = Run(name, kind, policy, hogs, virtual_s)
        path = os.path.join(self.work, name + ".dts")
        write(path, dts)
        run.log = os.path.join(self.work, name + ".log")
        run.cmd = [os.path.join(REPO, "tools", "shoji-run"),
                   "--build", self.args.build, "--config", path,
                   "--smp", "1", "--icount",
                   "--timeout", "%d" % wall_limit(virtual_s),
                   "--log", run.log, "--expect", expect]
        if self.args.reuse_logs:
            run.reuse = expect
        return run

    def media_run(self, policy, hogs, suffix=""):
        a = self.args
        window_ms = math.ceil(a.frames * PERIOD_US / 1000)
        title = "media probe, %d frames, %d hog(s), %s" % (a.frames, hogs,
                                                           policy)
        probe = template("probe.dtsi.in", period_us=PERIOD_US,
                         work_us=WORK_US, frames=a.frames,
                         reservation=reservation(policy, PERIOD_US,
                                                 PROBE_BUDGET_US))
        vms = probe + hog_nodes(hogs, window_ms + HOG_MARGIN_MS)
        name = "media_%s_h%d%s" % (policy, hogs, suffix)
        run = self.shoji_run(name, "media", policy, hogs,
                             setup_text(title, policy, vms),
                             window_ms / 1000 + 1, r"^\[probe\] media: frames")
        run.window_us = window_ms * 1000
        return run

    def cyclic_run(self, policy, hogs):
        a = self.args
        test_ms = a.loops * CYCLIC_INTERVAL_US // 1000
        title = "cyclictest, %d loops, %d hog(s), %s" % (a.loops, hogs, policy)
        linux = template("linux.dtsi.in", loops=a.loops,
                         interval_us=CYCLIC_INTERVAL_US,
                         hist_us=CYCLIC_HIST_US,
                         reservation=reservation(policy, LINUX_RT_PERIOD_US,
                                                 LINUX_RT_BUDGET_US))
        vms = linux + hog_nodes(hogs, LINUX_BOOT_MS + test_ms + HOG_MARGIN_MS)
        name = "cyclic_%s_h%d" % (policy, hogs)
        return self.shoji_run(name, "cyclictest", policy, hogs,
                              setup_text(title, policy, vms),
                              (LINUX_BOOT_MS + test_ms) / 1000 + 1,
                              r"^\[linux\] cyclictest: min ")

    def direct_run(self):
        a = self.args
        virtual_s = (LINUX_BOOT_MS + a.loops * CYCLIC_INTERVAL_US // 1000) \
            / 1000 + 1
        run = Run("cyclic_direct", "direct", "direct", 0, virtual_s)
        run.log = os.path.join(self.work, run.name + ".log")
        if os.path.exists(run.log):
            os.remove(run.log)
        run.cmd = [os.path.join(REPO, "guests", "linux", "run-direct.sh"),
                   "--build", a.build, "--smp", "1", "--test", "cyclictest",
                   "--timeout", "%d" % wall_limit(virtual_s), "--append",
                   "shoji.cyclic_loops=%d shoji.cyclic_interval=%d "
                   "shoji.cyclic_hist=%d" % (a.loops, CYCLIC_INTERVAL_US,
                                             CYCLIC_HIST_US),
                   "--", "-icount", "shift=0,sleep=off"]
        return run

    def execute(self, runs):
        """Runs them, --jobs at a time, reporting each as it ends."""
        done = []
        with concurrent.futures.ThreadPoolExecutor(self.args.jobs) as pool:
            for run in pool.map(Run.execute, runs):
                print("bench: %-24s %s in %.1f s wall (about %.0f s virtual)"
                      % (run.name, "ok" if run.ok() else
                         "FAILED (rc %s, log %s)" % (run.rc, run.log),
                         run.wall_s, run.virtual_s), flush=True)
                done.append(run)
        return done


# ---- parsing ----------------------------------------------------------------

def parse_media(run):
    """Summary, histogram and hog iterations of a media run."""
    res = {"summary": None, "hist": [], "hogs": {}, "hogs_window": {},
           "skipped": ""}
    for line in run.lines:
        m = MEDIA_RE.match(line)
        if m:
            res["summary"] = m.groups()
            continue
        m = MEDIA_RAN_RE.match(line)
        if m:
            res["skipped"] = m.group(2)
            continue
        m = MEDIA_HIST_RE.match(line)
        if m:
            res["hist"].append((int(m.group(1)), int(m.group(2))))
            continue
        m = HOG_PROGRESS_RE.match(line)
        if m and int(m.group(2)) <= run.window_us:
            res["hogs_window"][m.group(1)] = int(m.group(3))
            continue
        m = HOG_DONE_RE.match(line)
        if m:
            res["hogs"][m.group(1)] = int(m.group(2))
    return res


def parse_cyclic(run):
    res = {"summary": None, "hist": [], "hog": None, "contended": None}
    linux_off = False
    for line in run.lines:
        m = CYCLIC_RE.match(line)
        if m:
            res["summary"] = [int(x) for x in m.groups()]
            continue
        m = CYCLIC_HIST_RE.match(line)
        if m:
            res["hist"].append((int(m.group(1)), int(m.group(2))))
            continue
        if LINUX_OFF_RE.match(line):
            linux_off = True
        m = HOG_DONE_RE.match(line)
        if m:
            res["hog"] = int(m.group(2))
            # The hog competed for the whole test if it outlasted Linux.
            res["contended"] = linux_off
    return res


def media_bucket_width(lo_us):
    """The probe's buckets: 1 us below 100 us, 10 us to 1 ms, then 100 us."""
    return 1 if lo_us < 100 else 10 if lo_us < 1000 else 100


def cdf(hist, width, overflows=0):
    """[(upper bound us, cumulative fraction)] of a histogram."""
    total = sum(c for _, c in hist) + overflows
    out, acc = [], 0
    for lo, count in sorted(hist):
        acc += count
        out.append((lo + width(lo), acc / total if total else 0.0))
    return out


def hist_percentile(hist, pct, overflows=0):
    """Nearest-rank percentile (bucket value) of a 1-us histogram."""
    total = sum(c for _, c in hist) + overflows
    need = math.ceil(total * pct / 100)
    acc = 0
    for lo, count in sorted(hist):
        acc += count
        if acc >= need:
            return lo
    return ""


def write_csv(path, rows, fields):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    print("bench: wrote %s" % path)


def ratio(a, b, fmt="%.3f"):
    try:
        return fmt % (float(a) / float(b))
    except (TypeError, ValueError, ZeroDivisionError):
        return ""


# ---- the parts --------------------------------------------------------------

def media_rows(runs):
    """sched_media.csv rows and the parsed results by (policy, hogs)."""
    parsed, rows = {}, []
    for run in runs:
        res = parse_media(run)
        parsed[(run.policy, run.hogs)] = res
        s = res["summary"] or ("",) * 5
        names = sorted(res["hogs"])
        rows.append({
            "policy": run.policy, "hogs": run.hogs, "frames": s[0],
            "misses": s[1], "p50_us": s[2], "p99_us": s[3], "max_us": s[4],
            "hog_iterations": " ".join(str(res["hogs"][n]) for n in names),
            "hog_iterations_in_window": " ".join(
                str(res["hogs_window"].get(n, "")) for n in names),
            "hog_window_total": sum(res["hogs_window"].values()) or "",
            "hog_ratio_vs_credit": "", "hog_within_5pct": "",
            "wall_s": "%.1f" % run.wall_s, "status": "ok" if run.ok()
            else "FAIL"})
    for row in rows:
        if row["policy"] != "credit-rt" or row["hogs"] == 0:
            continue
        base = [r for r in rows if r["policy"] == "credit" and
                r["hogs"] == row["hogs"]]
        if base and base[0]["hog_window_total"] and row["hog_window_total"]:
            r = row["hog_window_total"] / base[0]["hog_window_total"]
            row["hog_ratio_vs_credit"] = "%.4f" % r
            row["hog_within_5pct"] = \
                "yes" if abs(r - 1) <= HOG_RATIO_TOLERANCE else "no"
    return rows, parsed


def media_hist_rows(runs, parsed):
    rows = []
    for run in runs:
        res = parsed[(run.policy, run.hogs)]
        for (lo, count), (upper, frac) in zip(
                sorted(res["hist"]), cdf(res["hist"], media_bucket_width)):
            rows.append({"policy": run.policy, "hogs": run.hogs,
                         "lo_us": lo, "upper_us": upper, "count": count,
                         "cdf": "%.6f" % frac})
    return rows


def cyclic_cdf(res):
    """CDF of a cyclictest histogram; overflows count as beyond it."""
    return cdf(res["hist"], lambda _: 1, (res["summary"] or [0] * 5)[3])


def cyclic_rows(runs):
    rows, hist_rows = [], []
    for run in runs:
        res = parse_cyclic(run)
        s = res["summary"] or [""] * 5
        ovf = s[3] or 0
        setup = "qemu-direct" if run.kind == "direct" else "shoji"
        rows.append({
            "setup": setup, "policy": "" if setup == "qemu-direct"
            else run.policy, "hogs": run.hogs, "loops": s[4],
            "min_us": s[0], "avg_us": s[1], "max_us": s[2],
            "p50_us": hist_percentile(res["hist"], 50, ovf),
            "p99_us": hist_percentile(res["hist"], 99, ovf),
            "overflows": s[3], "hog_iterations": res["hog"] or "",
            "hog_outlasted_linux": "" if res["contended"] is None else
            "yes" if res["contended"] else "no",
            "wall_s": "%.1f" % run.wall_s,
            "status": "ok" if run.ok() else "FAIL"})
        for (lo, count), (upper, frac) in zip(sorted(res["hist"]),
                                              cyclic_cdf(res)):
            hist_rows.append({"setup": setup, "policy": rows[-1]["policy"],
                              "hogs": run.hogs, "lo_us": lo,
                              "upper_us": upper, "count": count,
                              "cdf": "%.6f" % frac})
    return rows, hist_rows


def schedsim_path(build):
    return os.path.join(build, "schedsim", "schedsim")


def sim_rows(bench, media_parsed):
    """Runs tools/schedsim on the media scenarios; sched_sim_vs_qemu.csv."""
    a = bench.args
    sim = schedsim_path(a.build)
    # `make bench` does not build the simulator; it is host C, quick.
    subprocess.run(["make", "--no-print-directory", "-C", REPO, "schedsim",
                    "O=" + a.build], stdin=subprocess.DEVNULL, check=False)
    if not os.access(sim, os.X_OK):
        print("bench: %s not built: no simulator rows" % sim)
        return []
    rows = []
    duration_us = (a.frames + 1) * PERIOD_US - 1
    for policy in POLICIES:
        for hogs in MEDIA_HOGS:
            name = "sim_%s_h%d" % (policy, hogs)
            res = ""
            if policy == "credit-rt":
                res = " rt_period_us %d rt_budget_us %d" % (PERIOD_US,
                                                             PROBE_BUDGET_US)
            hog_lines = "".join("vm hog%d\nvcpu hog%d hog\n" % (i, i)
                                for i in range(1, hogs + 1))
            wake_ns, jitter_ns = sim_wake_overhead(a, media_parsed, policy)
            put_ns = sim_put_cost(a, media_parsed, policy)
            text = template("media.sim.in", title="%s, %d hog(s)"
                            % (policy, hogs), policy=policy,
                            duration_us=duration_us,
                            switch_cost_ns=a.sim_switch_cost_ns,
                            put_cost_ns=put_ns,
                            wake_overhead_ns=wake_ns,
                            wake_jitter_ns=jitter_ns,
                            reservation=res, period_us=PERIOD_US,
                            work_us=WORK_US, hogs=hog_lines)
            wl = os.path.join(bench.work, name + ".sim")
            out = os.path.join(bench.work, name)
            write(wl, text)
            proc = subprocess.run([sim, wl, "--out", out],
                                  stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, check=False)
            s = sim_probe_stats(out) if proc.returncode == 0 else None
            if s is None:
                print("bench: schedsim failed on %s (exit %d):\n%s" %
                      (wl, proc.returncode,
                       proc.stdout.decode("utf-8", "replace")[-2000:]))
                s = {}
            qres = media_parsed.get((policy, hogs)) or {}
            q = qres.get("summary") or ("",) * 5
            try:
                frame_misses = int(s["misses"]) + int(s["late"])
            except (KeyError, ValueError):
                frame_misses = ""
            rows.append({
                "policy": policy, "hogs": hogs,
                # The costs come from the 0-hog QEMU p50 and p99 and the
                # 1-hog p50, which match by construction; the rest is
                # predicted.
                "fitted": {0: "p50 p99", 1: "p50"}.get(hogs, "") if
                a.sim_wake_overhead_ns == "auto" and
                a.sim_put_cost_ns == "auto" else "",
                "sim_wake_overhead_ns": wake_ns,
                "sim_wake_jitter_ns": jitter_ns, "sim_put_cost_ns": put_ns,
                "sim_misses": frame_misses,
                "sim_skipped": s.get("misses", ""),
                "sim_p50_us": s.get("p50_us", ""),
                "sim_p99_us": s.get("p99_us", ""),
                "sim_max_us": s.get("max_us", ""),
                "qemu_misses": q[1], "qemu_skipped": qres.get("skipped", ""),
                "qemu_p50_us": q[2], "qemu_p99_us": q[3], "qemu_max_us": q[4],
                "p50_ratio_sim_vs_qemu": ratio(s.get("p50_us"), q[2]),
                "p99_ratio_sim_vs_qemu": ratio(s.get("p99_us"), q[3]),
                "p50_within_10pct": within(s.get("p50_us"), q[2]),
                "p99_within_10pct": within(s.get("p99_us"), q[3]),
                "p50_diff_qemu_minus_sim_us": diff(q[2], s.get("p50_us")),
                "p99_diff_qemu_minus_sim_us": diff(q[3], s.get("p99_us"))})
            print("bench: sim %-9s %d hog(s): misses %s (QEMU %s), p50 %s "
                  "(QEMU %s), p99 %s (QEMU %s) us"
                  % (policy, hogs, frame_misses, q[1], s.get("p50_us", ""),
                     q[2], s.get("p99_us", ""), q[3]))
    return rows


def qemu_lat_ns(media_parsed, policy, hogs, field=2):
    """A QEMU latency of the run in ns (field 2: p50, 3: p99), or None."""
    s = (media_parsed.get((policy, hogs)) or {}).get("summary")
    return int(round(float(s[field]) * 1000)) if s else None


def sim_wake_overhead(args, media_parsed, policy):
    """(wake_overhead, wake_jitter) for schedsim: --sim-wake-overhead-ns
    and no jitter, or for auto a uniform range fitted to the QEMU p50 and
    p99 without hogs (base + jitter/2 = p50, base + 0.99 jitter = p99)."""
    if args.sim_wake_overhead_ns != "auto":
        return int(args.sim_wake_overhead_ns), 0
    p50 = qemu_lat_ns(media_parsed, policy, 0)
    p99 = qemu_lat_ns(media_parsed, policy, 0, 3)
    if p50 is None:
        return 0, 0
    jitter = int(round(max(0, p99 - p50) / 0.49))
    return max(0, p50 - jitter // 2), jitter


def sim_put_cost(args, media_parsed, policy):
    """--sim-put-cost-ns, or for auto p50(1 hog) - p50(no hog) in QEMU."""
    if args.sim_put_cost_ns != "auto":
        return int(args.sim_put_cost_ns)
    alone = qemu_lat_ns(media_parsed, policy, 0)
    beside = qemu_lat_ns(media_parsed, policy, 1)
    return max(0, beside - alone) if alone and beside else 0


def within(a, b, tol=0.10):
    """'yes' when a is within tol of b (both numbers), else 'no' or ''."""
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return ""
    return "yes" if abs(a - b) <= tol * abs(b) else "no"


def diff(a, b):
    try:
        return "%.1f" % (float(a) - float(b))
    except (TypeError, ValueError):
        return ""


def sim_probe_stats(out):
    """The probe's row of schedsim's summary.csv, latencies in us."""
    path = os.path.join(out, "summary.csv")
    if not os.path.exists(path):
        return None
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row.get("vm") != "probe":
                continue
            got = {}
            for key in ("p50", "p99", "max"):
                us = row.get("lat_%s_us" % key)
                ns = row.get("lat_%s_ns" % key)
                if us not in (None, ""):
                    got[key + "_us"] = "%.1f" % float(us)
                elif ns not in (None, ""):
                    got[key + "_us"] = "%.1f" % (float(ns) / 1000)
            got["misses"] = row.get("misses", "")
            got["late"] = row.get("late", "")
            return got
    return None


def determinism_rows(first, second):
    a, b = parse_media(first), parse_media(second)
    sa, sb = a["summary"] or ("",) * 5, b["summary"] or ("",) * 5
    ha, hb = dict(a["hist"]), dict(b["hist"])
    differing = sum(1 for k in set(ha) | set(hb) if ha.get(k) != hb.get(k))
    return [{
        "scenario": "media %s %d hog(s)" % (first.policy, first.hogs),
        "frames": sa[0],
        "run1_misses": sa[1], "run1_p50_us": sa[2], "run1_p99_us": sa[3],
        "run1_max_us": sa[4],
        "run2_misses": sb[1], "run2_p50_us": sb[2], "run2_p99_us": sb[3],
        "run2_max_us": sb[4],
        "hist_identical": "yes" if ha == hb and ha else "no",
        "hist_buckets_differing": differing,
        "hog_iterations_identical":
            "yes" if a["hogs"] == b["hogs"] else "no",
        "run1_wall_s": "%.1f" % first.wall_s,
        "run2_wall_s": "%.1f" % second.wall_s}]


# ---- plots ------------------------------------------------------------------

def plot_cdf(bench, png, title, panels):
    """panels: [(panel title, [(series title, [(x, y)])])] -> one PNG."""
    if shutil.which("gnuplot") is None:
        print("bench: gnuplot not installed: no %s" % png)
        return
    base = os.path.splitext(os.path.basename(png))[0]
    script = ["set terminal pngcairo size %d,480 font 'sans,10'"
              % (560 * len(panels)),
              "set output '%s'" % png,
              "set multiplot layout 1,%d title '%s'" % (len(panels), title),
              "set logscale x", "set xlabel 'wake-up latency (us)'",
              "set ylabel 'fraction of samples at or below'",
              "set yrange [0:1.02]", "set key bottom right", "set grid"]
    xs = [x for _, series in panels for _, pts in series for x, _ in pts]
    if xs:
        # One x range for every panel, so that the policies compare.
        script.append("set xrange [%g:%g]" % (max(0.5, min(xs) * 0.7),
                                               max(xs) * 1.5))
    for p, (ptitle, series) in enumerate(panels):
        plots = []
        for s, (stitle, points) in enumerate(series):
            if not points:
                continue
            dat = os.path.join(bench.work, "%s_%d_%d.dat" % (base, p, s))
            # Start each curve at 0 so that the steps show the first bucket.
            write(dat, "%g 0\n" % (points[0][0] * 0.999) +
                  "".join("%g %.6f\n" % pt for pt in points))
            plots.append("'%s' using 1:2 with steps lw 2 title '%s'"
                         % (dat, stitle))
        script.append("set title '%s'" % ptitle)
        script.append("plot " + ", ".join(plots) if plots else
                      "set label 1 'no data' at graph 0.4,0.5\nplot 2 notitle")
        script.append("unset label 1")
    script.append("unset multiplot")
    gp = os.path.join(bench.work, base + ".gp")
    write(gp, "\n".join(script) + "\n")
    proc = subprocess.run(["gnuplot", gp], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          check=False)
    if proc.returncode != 0:
        print("bench: gnuplot failed on %s:\n%s"
              % (gp, proc.stdout.decode("utf-8", "replace")))
    else:
        print("bench: wrote %s" % png)


# ---- main -------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Parts: media, sim, cyclictest, determinism.")
    ap.add_argument("--frames", type=int,
                    default=int(os.environ.get("SCHED_BENCH_FRAMES", 10000)),
                    help="media probe frames a run (default "
                    "$SCHED_BENCH_FRAMES or 10000; at most 20000)")
    ap.add_argument("--loops", type=int,
                    default=int(os.environ.get("SCHED_BENCH_LOOPS", 500)),
                    help="cyclictest loops (default $SCHED_BENCH_LOOPS or "
                    "500)")
    ap.add_argument("--only", default="media,sim,cyclictest,determinism",
                    help="comma-separated parts to run (default all)")
    ap.add_argument("--determinism", default="credit-rt:1",
                    metavar="POLICY:HOGS",
                    help="media scenario run twice (default credit-rt:1)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="QEMU runs at a time (default 1; runs are under "
                    "-icount, so parallel runs give the same numbers)")
    ap.add_argument("--sim-switch-cost-ns", type=int, default=0)
    ap.add_argument("--sim-wake-overhead-ns", default="auto",
                    help="schedsim's wake_overhead: ns (no jitter), or auto "
                    "(default): wake_overhead and wake_jitter fitted to the "
                    "QEMU p50 and p99 of the same policy without hogs, the "
                    "wake-up path the simulator does not model")
    ap.add_argument("--sim-put-cost-ns", default="auto",
                    help="schedsim's put_cost: ns, or auto (default): the "
                    "QEMU p50 with one hog minus the p50 without, same "
                    "policy (the cost of saving the preempted vCPU)")
    ap.add_argument("--reuse-logs", action="store_true",
                    help="keep the console logs of earlier complete Shoji "
                    "runs in BUILD/bench/sched instead of running them "
                    "again (to redo the simulator part or the plots)")
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--results", default=os.path.join(REPO, "results"))
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    parts = set(args.only.split(","))
    unknown = parts - {"media", "sim", "cyclictest", "determinism"}
    if unknown or not 1 <= args.frames <= 20000 or args.loops < 1:
        ap.error("bad --only, --frames or --loops")
    for opt in ("sim_wake_overhead_ns", "sim_put_cost_ns"):
        val = getattr(args, opt)
        if val != "auto" and not val.isdigit():
            ap.error("bad --%s" % opt.replace("_", "-"))
    det_policy, _, det_hogs = args.determinism.partition(":")
    if det_policy not in POLICIES or not det_hogs.isdigit():
        ap.error("bad --determinism")
    det_key = (det_policy, int(det_hogs))
    os.makedirs(args.results, exist_ok=True)
    bench = Bench(args)
    start = time.monotonic()
    print("bench: scheduler latency, %d frames, %d cyclictest loops, parts %s"
          % (args.frames, args.loops, ",".join(sorted(parts))), flush=True)

    runs = []
    if parts & {"media", "sim"}:
        runs += [bench.media_run(p, h) for p in POLICIES for h in MEDIA_HOGS]
    elif "determinism" in parts:
        runs.append(bench.media_run(*det_key))
    if "determinism" in parts:
        runs.append(bench.media_run(*det_key, suffix="_again"))
    if "cyclictest" in parts:
        runs.append(bench.direct_run())
        runs += [bench.cyclic_run(p, h) for p in POLICIES for h in (0, 1)]
    done = bench.execute(runs)

    media = [r for r in done if r.kind == "media" and
             not r.name.endswith("_again")]
    again = [r for r in done if r.name.endswith("_again")]
    cyclic = [r for r in done if r.kind in ("cyclictest", "direct")]
    res = args.results
    parsed = {}
    if media:
        rows, parsed = media_rows(media)
        if "media" in parts:
            write_csv(os.path.join(res, "sched_media.csv"), rows,
                      list(rows[0]))
            hist = media_hist_rows(media, parsed)
            write_csv(os.path.join(res, "sched_media_hist.csv"), hist,
                      ["policy", "hogs", "lo_us", "upper_us", "count", "cdf"])
            plot_cdf(bench, os.path.join(res, "sched_media_cdf.png"),
                     "media probe, 60 fps, %d frames, -icount" % args.frames,
                     [(p, [("%d hog(s)" % r.hogs,
                            cdf(parsed[(p, r.hogs)]["hist"],
                                media_bucket_width))
                           for r in media if r.policy == p])
                      for p in POLICIES])
            for row in rows:
                print("bench: media %-9s %d hog(s): frames %s misses %s "
                      "p50 %s p99 %s max %s us; hogs %s (ratio %s)"
                      % (row["policy"], row["hogs"], row["frames"],
                         row["misses"], row["p50_us"], row["p99_us"],
                         row["max_us"], row["hog_iterations_in_window"]
                         or "-", row["hog_ratio_vs_credit"] or "-"))
    if "sim" in parts:
        rows = sim_rows(bench, parsed)
        if rows:
            write_csv(os.path.join(res, "sched_sim_vs_qemu.csv"), rows,
                      list(rows[0]))
    if again:
        first = [r for r in done if r.kind == "media" and
                 (r.policy, r.hogs) == det_key and r is not again[0]]
        rows = determinism_rows(first[0], again[0])
        write_csv(os.path.join(res, "sched_determinism.csv"), rows,
                  list(rows[0]))
        print("bench: determinism (%s): histograms identical: %s"
              % (rows[0]["scenario"], rows[0]["hist_identical"]))
    if cyclic:
        rows, hist = cyclic_rows(cyclic)
        write_csv(os.path.join(res, "sched_cyclictest.csv"), rows,
                  list(rows[0]))
        write_csv(os.path.join(res, "sched_cyclictest_hist.csv"), hist,
                  ["setup", "policy", "hogs", "lo_us", "upper_us", "count",
                   "cdf"])
        direct = [r for r in cyclic if r.kind == "direct"]
        base = [("QEMU direct", cyclic_cdf(parse_cyclic(direct[0])))] \
            if direct else []
        plot_cdf(bench, os.path.join(res, "sched_cyclictest_cdf.png"),
                 "cyclictest -m -p 80 -i %d -l %d, -icount"
                 % (CYCLIC_INTERVAL_US, args.loops),
                 [(p, base + [("alone" if r.hogs == 0 else "beside a hog",
                               cyclic_cdf(parse_cyclic(r)))
                              for r in cyclic if r.policy == p])
                  for p in POLICIES])
        for row in rows:
            print("bench: cyclictest %-11s %-9s %d hog(s): min %s avg %s "
                  "max %s p99 %s us"
                  % (row["setup"], row["policy"] or "-", row["hogs"],
                     row["min_us"], row["avg_us"], row["max_us"],
                     row["p99_us"]))
    failed = [r.name for r in done if not r.ok()]
    print("bench: scheduler latency done in %.0f s wall%s"
          % (time.monotonic() - start,
             "; FAILED runs: " + " ".join(failed) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
