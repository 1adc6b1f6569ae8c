#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Linux boot time under Shoji versus directly under QEMU.

The same Debian kernel and initramfs boot, in turn, directly under QEMU
(-M virt,gic-version=3 -cpu max -smp 1, 512 MiB), directly with the CPU
features Shoji exposes to guests (-cpu max,pauth=off,sve=off: Shoji hides
pointer authentication and SVE, which QEMU's TCG emulates slowly, so plain
-cpu max is not a like-for-like baseline), and as a 1-vCPU, 512 MiB guest
of Shoji (QEMU with virtualization=on, -cpu max, -smp 1, 1 GiB). Each
run is timed from QEMU's start (for Shoji: from the runner's start, the
setup blob compiled beforehand) to the guest's first userspace line
("linux: init started") and to QEMU's exit after power-off. Wall-clock
times are only compared as ratios of runs made side by side, as the
machine is shared and noisy. Writes RESULTS/linux_boot.csv (one row per
run) and RESULTS/linux_boot_summary.csv (medians and ratios).
"""
import argparse
import csv
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK = b"linux: init started"


def timed_run(cmd, timeout):
    """Runs cmd; returns (seconds to MARK, seconds to exit, exit code)."""
    start = time.monotonic()
    to_user = None
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        for line in proc.stdout:
            if to_user is None and MARK in line:
                to_user = time.monotonic() - start
            if time.monotonic() - start > timeout:
                break
        rc = proc.wait(timeout=max(1, timeout - (time.monotonic() - start)))
    except subprocess.TimeoutExpired:
        rc = None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait()
    return to_user, time.monotonic() - start, rc


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--results", default=os.path.join(REPO, "results"))
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    out = os.path.join(args.build, "guests", "linux")
    os.makedirs(args.results, exist_ok=True)
    direct = ["qemu-system-aarch64", "-M", "virt,gic-version=3", "-cpu", "max",
              "-smp", "1", "-m", "512M", "-nographic", "-monitor", "none",
              "-serial", "stdio", "-nic", "none",
              "-kernel", os.path.join(out, "Image"),
              "-initrd", os.path.join(out, "initramfs.cpio.gz"),
              "-append", "console=ttyAMA0 shoji.test=boot shoji.cpus=1"]
    # The setup blob is compiled once, outside the timed runs: dtc is a
    # build step, like building the kernel.
    dtb = os.path.join(args.build, "configs", "linux_bench.dtb")
    os.makedirs(os.path.dirname(dtb), exist_ok=True)
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-i",
                    os.path.join(args.build, "guests"), "-o", dtb,
                    os.path.join(REPO, "bench", "data", "linux_bench.dts")],
                   check=True)
    shoji = [os.path.join(REPO, "tools", "shoji-run"), "--build", args.build,
             "--smp", "1", "--timeout", str(args.timeout), "--config", dtb]
    matched = list(direct)
    matched[matched.index("max")] = "max,pauth=off,sve=off"
    setups = (("direct", direct), ("direct_matched", matched),
              ("shoji", shoji))
    rows = []
    for i in range(args.runs):
        for name, cmd in setups:
            user, total, rc = timed_run(cmd, args.timeout)
            if user is None or rc != 0:
                print("bench: %s run %d failed (rc %s)" % (name, i + 1, rc))
                return 1
            rows.append({"run": i + 1, "setup": name,
                         "to_userspace_s": "%.3f" % user,
                         "to_poweroff_s": "%.3f" % total})
            print("bench: %-14s run %d: userspace %.2f s, power-off %.2f s"
                  % (name, i + 1, user, total), flush=True)
    with open(os.path.join(args.results, "linux_boot.csv"), "w",
              newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)

    def med(setup, key):
        return statistics.median(float(r[key]) for r in rows
                                 if r["setup"] == setup)

    summary = []
    for key in ("to_userspace_s", "to_poweroff_s"):
        d, m, s = med("direct", key), med("direct_matched", key), \
            med("shoji", key)
        summary.append({"metric": key, "direct_median_s": "%.3f" % d,
                        "direct_matched_median_s": "%.3f" % m,
                        "shoji_median_s": "%.3f" % s,
                        "ratio_vs_direct": "%.3f" % (s / d),
                        "ratio_vs_direct_matched": "%.3f" % (s / m),
                        "runs": args.runs})
        print("bench: %s median direct %.2f s, direct (matched CPU) %.2f s,"
              " shoji %.2f s; ratio %.3f (vs matched %.3f)"
              % (key, d, m, s, s / d, s / m))
    with open(os.path.join(args.results, "linux_boot_summary.csv"), "w",
              newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(summary[0]))
        w.writeheader()
        w.writerows(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
