#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Paravirtual I/O under Shoji versus directly under QEMU: disk and TCP.

The same Debian kernel and initramfs run, side by side in one invocation,
directly under QEMU (-M virt, -smp 1, -cpu max,pauth=off,sve=off: the CPU
features Shoji shows its guests, as in linux_boot.py; QEMU's own
virtio-mmio devices, with their offloads, emulated partly in QEMU's I/O
thread) and as a 1-vCPU guest of Shoji (QEMU with virtualization=on; the
guest gets Shoji's virtio-blk on a region of the disk Shoji drives, and
Shoji's virtio-net on its switch, whose uplink is the NIC Shoji drives).
By default Shoji's machine has two pCPUs (--shoji-cpus 2): the guest runs
on pCPU 1 while pCPU 0 takes the disk's and NIC's interrupts and switches
the guest's frames, as a hypervisor keeps I/O off a guest's core; QEMU
then runs two vCPU threads for Shoji against one for the direct guest, so
Shoji may use more host CPU. --shoji-cpus 1 puts everything on one.

disk  guests/linux/tests/blkbench.sh: dd of DISK_MB MiB (1 MiB blocks)
      with oflag=direct then iflag=direct on /dev/vda, three passes, timed
      in the guest (/proc/uptime, 10 ms steps); a raw image file in
      BUILD/bench/virtio whose first DISK_MB MiB are written before the
      runs, so that no pass pays for the host file system allocating
      blocks.
tcp   guests/linux/tests/netbench.sh: the guest fetches MB MiB from an
      HTTP peer at 10.0.2.1:8080 with busybox wget, timed in the guest
      (receive); then the peer, asked by the guest, fetches MB MiB from
      the guest's busybox httpd and times that on its own clock
      (transmit; busybox has no tool that sends a large file well).
      Each setup has its own network namespace this script creates, with
      its peer there (tap0, 10.0.2.1/24; QEMU runs in the namespace too).
      Nothing is configured outside the namespaces. The guest keeps the MB
      MiB it sends in its RAM file system, half of its 512 MiB: MB is at
      most 192.

Wall-clock figures on a shared machine are noisy, and its speed drifts
over minutes (up to threefold within the hour on the 2-core machine this
was written on). Disk: each setup runs ROUNDS times alternately (which
goes first alternates too), and each round's medians give a ratio. TCP:
both setups boot at once and take TCP_PASSES gated turns (each guest
waits for its peer to open the next pass; which goes first alternates),
so each pair of passes, run seconds apart, gives a ratio. The median of
the ratios (with the least and greatest) is the result; only ratios are
reported as results. Goal: Shoji at least 0.7x of direct for each.
Writes RESULTS/virtio_io.csv (every pass), RESULTS/virtio_io_summary.csv
and RESULTS/virtio_io_cpu.csv (the host CPU each run used, boot included:
how much more Shoji's setup costs the host).
"""
import argparse
import csv
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOAL = 0.7
QEMU_MODERN = ["-global", "virtio-mmio.force-legacy=false"]
GUEST_IP, PEER_IP = "10.0.2.15", "10.0.2.1"
SETUPS = ("direct", "shoji")
NET_RE = re.compile(r"netbench: pass \d+ rx_ms (\d+) tx_ms (\d+) mb (\d+)")
BLK_RE = re.compile(r"blkbench: pass \d+ write_ms (\d+) read_ms (\d+) mb (\d+)")

PEER = r"""
import http.server, os, sys, time, urllib.parse, urllib.request
class Peer(http.server.BaseHTTPRequestHandler):
    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        if url.path == "/gate":
            # Answers once the benchmark opened pass p (file open_P in the
            # gate directory, argv[3]).
            path = os.path.join(sys.argv[3], "open_%d" % int(q["p"][0]))
            while not os.path.exists(path):
                time.sleep(0.005)
            self.reply(b"go\n")
            return
        if url.path == "/done":
            # The guest's figures for pass p: done_P, written whole.
            path = os.path.join(sys.argv[3], "done_%d" % int(q["p"][0]))
            with open(path + ".tmp", "w") as f:
                f.write("%d %d\n" % (int(q["rx"][0]), int(q["tx"][0])))
            os.rename(path + ".tmp", path)
            self.reply(b"ok\n")
            return
        if url.path != "/pull":
            self.reply(open(sys.argv[2], "rb").read())
            return
        # The guest's transmit test: fetch its /blob, answer with the
        # bytes and the milliseconds it took (this clock).
        ip = q["ip"][0]
        got = 0
        t0 = time.monotonic()
        with urllib.request.urlopen("http://%s/blob" % ip, timeout=60) as r:
            while True:
                b = r.read(1 << 16)
                if not b:
                    break
                got += len(b)
        ms = (time.monotonic() - t0) * 1000
        self.reply(b"%d %d\n" % (got, round(ms)))
    def log_message(self, *args):
        pass
http.server.HTTPServer((sys.argv[1], 8080), Peer).serve_forever()
"""

# With two pCPUs the guest's vCPU runs on pCPU 1; pCPU 0 takes the
# interrupts of the disk and NIC Shoji drives, and the guest's transmitted
# frames are switched there (drivers/virtio/virtio_net_backend.c).
AFFINITY = "            cpu-affinity = <1>;\n"

SETUP = """/dts-v1/;
/ {{
    compatible = "shoji,setup";
    vms {{
        linux {{
            compatible = "shoji,vm";
            memory-size = <0x0 0x20000000>;
            vcpus = <1>;
{affinity}            kernel = /incbin/("linux/Image");
            initrd = /incbin/("linux/initramfs.cpio.gz");
            bootargs = "console=ttyAMA0 {args}";
{device}        }};
    }};
}};
"""


def children_cpu_s():
    """CPU seconds (user + system) of this process's waited-for children."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd, log, timeout):
    """Runs cmd with its output in log; returns (rc, output lines, wall
    seconds, host CPU seconds it used: QEMU's threads, mostly)."""
    t0, c0 = time.monotonic(), children_cpu_s()
    with open(log, "w", encoding="utf-8") as out:
        try:
            rc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, timeout=timeout,
                                check=False).returncode
        except subprocess.TimeoutExpired:
            rc = -1
    wall, cpu = time.monotonic() - t0, children_cpu_s() - c0
    with open(log, encoding="utf-8", errors="replace") as f:
        return rc, [ln.rstrip("\n") for ln in f], wall, cpu


def peer_losses(ns):
    """What the peer's side lost, from namespace ns: the TCP segments its
    stack sent again, and the frames tap0 dropped on their way to QEMU."""
    def out(*cmd):
        return subprocess.run(["ip", "netns", "exec", ns] + list(cmd),
                              capture_output=True, text=True,
                              check=False).stdout
    tcp = [ln.split() for ln in out("cat", "/proc/net/snmp").splitlines()
           if ln.startswith("Tcp:")]
    retrans = dict(zip(*tcp)).get("RetransSegs", "?") if len(tcp) == 2 \
        else "?"
    dropped = out("cat", "/sys/class/net/tap0/statistics/tx_dropped").strip()
    return "tcp retransmissions %s, tap0 dropped %s" % (retrans,
                                                         dropped or "?")


class Run:
    """A QEMU run in the background that takes gated netbench passes."""

    def __init__(self, name, cmd, log):
        self.name, self.log = name, log
        self.out = open(log, "w", encoding="utf-8")
        self.t0 = time.monotonic()
        # Its own process group, so that a kill reaches QEMU under the
        # wrapper scripts, and nothing else.
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=self.out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.rc, self.wall, self.cpu = None, 0.0, 0.0

    def gated_pass(self, gate, p, timeout=900):
        """Opens pass p and waits for the guest's figures: (rx_ms, tx_ms),
        or None when the run ended or took too long."""
        open(os.path.join(gate, "open_%d" % p), "w").close()
        done = os.path.join(gate, "done_%d" % p)
        end = time.monotonic() + timeout
        while not os.path.exists(done):
            if self.reap() or time.monotonic() > end:
                return None
            time.sleep(0.01)
        with open(done, encoding="utf-8") as f:
            rx_ms, tx_ms = (int(v) for v in f.read().split())
        return rx_ms, tx_ms

    def reap(self):
        """Whether the run has ended; its status, wall-clock and CPU
        seconds (QEMU's threads, mostly) are kept when it has."""
        if self.rc is None:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid == self.proc.pid:
                self.rc = os.waitstatus_to_exitcode(status)
                self.proc.returncode = self.rc
                self.wall = time.monotonic() - self.t0
                self.cpu = usage.ru_utime + usage.ru_stime
        return self.rc is not None

    def finish(self, timeout):
        """Waits for the run to end (killed after timeout s): its status."""
        end = time.monotonic() + timeout
        while not self.reap():
            if time.monotonic() > end:
                os.killpg(self.proc.pid, signal.SIGKILL)
                end = time.monotonic() + 10
            else:
                time.sleep(0.1)
        self.out.close()
        return self.rc

    def cpu_row(self):
        return {"run": self.name, "wall_s": "%.1f" % self.wall,
                "cpu_s": "%.1f" % self.cpu,
                "host_cores": "%.2f" % (self.cpu / max(self.wall, 0.1))}

    def lines(self):
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return [ln.rstrip("\n") for ln in f]


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = os.path.join(args.build, "bench", "virtio")
        os.makedirs(self.work, exist_ok=True)
        self.rows = []
        self.cpu_rows = []  # host CPU used by each run, boot included

    def direct_cmd(self, test, append, qemu, ns=None):
        cmd = [os.path.join(REPO, "guests", "linux", "run-direct.sh"),
               "--build", self.args.build, "--smp", "1", "--test", test,
               "--timeout", "900", "--append", append, "--",
               "-cpu", "max,pauth=off,sve=off"] + qemu
        return (["ip", "netns", "exec", ns] if ns else []) + cmd

    def shoji_cmd(self, name, args, device, qemu, expect, ns=None):
        dts = os.path.join(self.work, name + ".dts")
        with open(dts, "w", encoding="utf-8") as f:
            f.write(SETUP.format(args=args, device=device,
                                 affinity=AFFINITY if self.args.shoji_cpus
                                 == 2 else ""))
        cmd = [os.path.join(REPO, "tools", "shoji-run"), "--build",
               self.args.build, "--config", dts, "--smp",
               str(self.args.shoji_cpus),
               "--timeout", "900", "--expect", expect, "--log",
               os.path.join(self.work, name + ".console")] + ["--"] + qemu
        return (["ip", "netns", "exec", ns] if ns else []) + cmd

    def run_parsed(self, name, cmd, regex):
        """Runs cmd (log BUILD/bench/virtio/NAME.log); the matches of regex
        in its output, or [] (reported) when it failed or printed none."""
        log = os.path.join(self.work, name + ".log")
        rc, lines, wall, cpu = run(cmd, log, 1000)
        self.cpu_rows.append({"run": name, "wall_s": "%.1f" % wall,
                              "cpu_s": "%.1f" % cpu,
                              "host_cores": "%.2f" % (cpu / wall)})
        found = [m for m in (regex.search(ln) for ln in lines) if m]
        if rc != 0 or not found:
            print("bench: %s failed (rc %d, log %s)" % (name, rc, log))
            return []
        return found

    def record(self, kind, setup, rnd, values):
        for i, v in enumerate(values):
            self.rows.append({"kind": kind, "setup": setup, "round": rnd,
                              "pass": i + 1, "mb_per_s": "%.2f" % v})

    # -- disk --------------------------------------------------------------

    def disk(self):
        mb = self.args.disk_mb
        img = os.path.join(self.work, "disk.img")
        qemu = QEMU_MODERN + ["-drive", "file=%s,format=raw,if=none,id=d0"
                              % img, "-device", "virtio-blk-device,drive=d0"]
        region = (2 * mb) << 20
        device = ("            virtio-blk = <0 0x0 0x0 0x%x 0x%x>;\n"
                  % (region >> 32, region & 0xffffffff))
        # The blocks the passes write exist before the first one, so that
        # no setup pays for the host file system allocating them.
        with open(img, "wb") as f:
            zeros = bytes(1 << 20)
            for _ in range(mb):
                f.write(zeros)
            f.truncate(4 * mb << 20)
        for rnd in range(1, self.args.rounds + 1):
            for setup in round_order(rnd):
                name = "disk_%s_%d" % (setup, rnd)
                if setup == "direct":
                    cmd = self.direct_cmd("blkbench", "shoji.mb=%d" % mb,
                                          qemu)
                else:
                    cmd = self.shoji_cmd(name, "shoji.test=blkbench "
                                         "shoji.mb=%d" % mb, device, qemu,
                                         "linux: blkbench PASS")
                passes = self.run_parsed(name, cmd, BLK_RE)
                if not passes:
                    continue
                mbs = [int(m.group(3)) for m in passes]
                self.record("disk_write", setup, rnd,
                            [n * 1000 / max(int(m.group(1)), 1)
                             for n, m in zip(mbs, passes)])
                self.record("disk_read", setup, rnd,
                            [n * 1000 / max(int(m.group(2)), 1)
                             for n, m in zip(mbs, passes)])
                print("bench: %s: write %s read %s MB/s" % (
                    name, " ".join(r["mb_per_s"] for r in self.rows[-6:-3]),
                    " ".join(r["mb_per_s"] for r in self.rows[-3:])),
                    flush=True)

    # -- tcp ---------------------------------------------------------------

    def tcp(self):
        nss = {}
        try:
            for setup in SETUPS:
                ns = "shoji_bench_%s_%d" % (setup, os.getpid())
                if subprocess.run(["ip", "netns", "add", ns],
                                  check=False).returncode:
                    print("bench: tcp: cannot create a network namespace: "
                          "skipped")
                    return
                nss[setup] = ns
                for c in (["ip", "tuntap", "add", "dev", "tap0", "mode",
                           "tap"],
                          ["ip", "addr", "add", PEER_IP + "/24", "dev",
                           "tap0"],
                          ["ip", "link", "set", "tap0", "up"],
                          ["ip", "link", "set", "lo", "up"]):
                    subprocess.run(["ip", "netns", "exec", ns] + c,
                                   check=True)
            self.tcp_paired(nss)
        finally:
            for ns in nss.values():
                subprocess.run(["ip", "netns", "del", ns], check=False)

    def tcp_paired(self, nss):
        """Both setups boot at once, each in its namespace with its peer;
        then they take turns, one gated pass at a time (which goes first
        alternates), so that the two passes of a pair run seconds apart
        and a host whose speed drifts moves both."""
        mb, passes = self.args.mb, self.args.tcp_passes
        blob = os.path.join(self.work, "blob")
        with open(blob, "wb") as f:
            f.write(os.urandom(mb << 20))
        qemu = QEMU_MODERN + ["-netdev", "tap,id=n0,ifname=tap0,script=no,"
                              "downscript=no",
                              "-device", "virtio-net-device,netdev=n0"]
        append = ("shoji.ip=%s shoji.peer=%s shoji.mb=%d shoji.passes=%d "
                  "shoji.gate=1" % (GUEST_IP, PEER_IP, mb, passes))
        device = "            virtio-net = [52 54 00 00 00 15];\n"
        runs, peers, gates = {}, {}, {}
        try:
            for setup in SETUPS:
                gates[setup] = os.path.join(self.work, "gate_" + setup)
                shutil.rmtree(gates[setup], ignore_errors=True)
                os.makedirs(gates[setup])
                peers[setup] = subprocess.Popen(
                    ["ip", "netns", "exec", nss[setup], sys.executable, "-c",
                     PEER, PEER_IP, blob, gates[setup]],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            for setup in SETUPS:
                name = "tcp_" + setup
                if setup == "direct":
                    cmd = self.direct_cmd("netbench", append, qemu,
                                          nss[setup])
                else:
                    cmd = self.shoji_cmd(name, "shoji.test=netbench " + append,
                                         device, qemu, "linux: netbench PASS",
                                         nss[setup])
                runs[setup] = Run(name, cmd,
                                  os.path.join(self.work, name + ".log"))
            for p in range(1, passes + 1):
                got = {}
                for setup in round_order(p):
                    got[setup] = runs[setup].gated_pass(gates[setup], p)
                    if got[setup] is None:
                        print("bench: tcp_%s: pass %d failed (log %s)"
                              % (setup, p, runs[setup].log))
                        return
                for setup in SETUPS:
                    rx_ms, tx_ms = got[setup]
                    self.record("tcp_rx", setup, p, [mb * 1000 / max(rx_ms, 1)])
                    self.record("tcp_tx", setup, p, [mb * 1000 / max(tx_ms, 1)])
                print("bench: tcp pass %d: rx direct %.1f shoji %.1f, tx direct "
                      "%.1f shoji %.1f MB/s" % (
                          p, mb * 1000 / max(got["direct"][0], 1),
                          mb * 1000 / max(got["shoji"][0], 1),
                          mb * 1000 / max(got["direct"][1], 1),
                          mb * 1000 / max(got["shoji"][1], 1)), flush=True)
        finally:
            for setup, r in runs.items():
                rc = r.finish(120)
                self.cpu_rows.append(r.cpu_row())
                if rc != 0:
                    print("bench: tcp_%s failed (rc %d, log %s)"
                          % (setup, rc, r.log))
                for ln in r.lines():
                    if "netbench: guest:" in ln:
                        print("bench: tcp_%s: %s" % (setup, ln.split(
                            "netbench: ", 1)[1]))
            for peer in peers.values():
                peer.terminate()
                peer.wait()
            for setup in runs:
                print("bench: tcp_%s: peer: %s" % (setup, peer_losses(
                    nss[setup])))

    # -- results -----------------------------------------------------------

    def median_of(self, kind, setup, rnd=None):
        vals = [float(r["mb_per_s"]) for r in self.rows
                if r["kind"] == kind and r["setup"] == setup and
                (rnd is None or r["round"] == rnd)]
        return statistics.median(vals) if vals else None

    def summarise(self, kind):
        """The medians of all passes, and the median, least and greatest of
        the rounds' ratios: a round (a TCP pass pair) compares two runs
        (passes) made one after the other, so a host that slows down or
        speeds up moves both of its sides."""
        ratios = []
        for rnd in sorted({r["round"] for r in self.rows
                           if r["kind"] == kind}):
            d = self.median_of(kind, "direct", rnd)
            s = self.median_of(kind, "shoji", rnd)
            if d and s:
                ratios.append(s / d)
        med = {setup: self.median_of(kind, setup)
               for setup in ("direct", "shoji")}
        ratio = statistics.median(ratios) if ratios else None

        def fmt(v, f="%.3f"):
            return f % v if v else ""
        return {"kind": kind,
                "direct_mb_per_s": fmt(med["direct"], "%.2f"),
                "shoji_mb_per_s": fmt(med["shoji"], "%.2f"),
                "ratio": fmt(ratio),
                "ratio_min": fmt(min(ratios) if ratios else None),
                "ratio_max": fmt(max(ratios) if ratios else None),
                "rounds": len(ratios), "goal": GOAL,
                "met": "" if ratio is None else "yes" if ratio >= GOAL
                else "no"}

    def write(self):
        res = self.args.results
        os.makedirs(res, exist_ok=True)
        path = os.path.join(res, "virtio_io.csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=["kind", "setup", "round",
                                              "pass", "mb_per_s"])
            w.writeheader()
            w.writerows(self.rows)
        summary = []
        for kind in ("disk_write", "disk_read", "tcp_rx", "tcp_tx"):
            summary.append(self.summarise(kind))
            r = summary[-1]
            print("bench: %-10s direct %s shoji %s MB/s, ratio %s "
                  "(rounds %s..%s) (goal %.1f)"
                  % (kind, r["direct_mb_per_s"] or "-",
                     r["shoji_mb_per_s"] or "-", r["ratio"] or "-",
                     r["ratio_min"] or "-", r["ratio_max"] or "-", GOAL))
        cpath = os.path.join(res, "virtio_io_cpu.csv")
        with open(cpath, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=["run", "wall_s", "cpu_s",
                                              "host_cores"])
            w.writeheader()
            w.writerows(self.cpu_rows)
        for r in self.cpu_rows:
            print("bench: %-14s %6s s wall, %6s s host CPU (%s cores)"
                  % (r["run"], r["wall_s"], r["cpu_s"], r["host_cores"]))
        spath = os.path.join(res, "virtio_io_summary.csv")
        with open(spath, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(summary[0]))
            w.writeheader()
            w.writerows(summary)
        print("bench: wrote %s and %s" % (path, spath))
        return all(s["ratio"] for s in summary)


def round_order(rnd):
    """Direct first in odd rounds, Shoji first in even ones, so that a
    steady drift of the host's speed favours neither."""
    return ("direct", "shoji") if rnd % 2 else ("shoji", "direct")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=192,
                    help="MiB per transfer (default 192, at most 192)")
    ap.add_argument("--rounds", type=int, default=5,
                    help="alternating rounds per setup (default 5)")
    ap.add_argument("--tcp-passes", type=int, default=10,
                    help="TCP passes per setup, taken in turns (default 10)")
    ap.add_argument("--disk-mb", type=int, default=1024,
                    help="MiB per disk pass (default 1024: passes of a few "
                    "hundred ms against the guest's 10 ms clock)")
    ap.add_argument("--shoji-cpus", type=int, choices=(1, 2), default=2,
                    help="pCPUs of the QEMU machine Shoji runs on (default "
                    "2: the guest on pCPU 1, I/O on pCPU 0; 1: all on one)")
    ap.add_argument("--only", default="disk,tcp")
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--results", default=os.path.join(REPO, "results"))
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    if not 1 <= args.mb <= 192 or not 1 <= args.disk_mb <= 4096 or \
            args.rounds < 1 or args.tcp_passes < 1:
        ap.error("bad --mb, --disk-mb, --rounds or --tcp-passes")
    bench = Bench(args)
    parts = args.only.split(",")
    if "disk" in parts:
        bench.disk()
    if "tcp" in parts:
        bench.tcp()
    return 0 if bench.write() else 1


if __name__ == "__main__":
    sys.exit(main())
