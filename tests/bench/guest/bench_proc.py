# SPDX-License-Identifier: GPL-2.0-only
"""What the guest's benchmarks share: running commands and sandboxes,
the floor programs, BPF program counters, and the report lines. The
native benchmark (tests/bench/native.py) uses the commands, sandboxes
and report lines too.
"""
import json
import os
import re
import subprocess
import time

# The guest's paths; tests/bench/native.py sets both to the build's.
BIN = os.environ.get("HB_BENCH_BINDIR", "/e2e/bench")
HB = os.environ.get("HB_BENCH_HB", "/usr/sbin/hermetic-bpf")


# --- reports and commands --------------------------------------------------

def emit(kind, **fields):
    print("BENCH " + json.dumps({"kind": kind, **fields}), flush=True)


def note(msg):
    print(f"# {msg}", flush=True)


def run(argv, timeout=600):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        note(f"{argv[:6]} exited {p.returncode}: {p.stderr.strip()[-400:]}")
    return p


def op_lines(text):
    """The op=... lines of the benchmark programs, as dicts."""
    out = []
    for line in text.splitlines():
        if line.startswith("op="):
            out.append(dict(kv.split("=", 1) for kv in line.split()))
    return out


def timed_ops(mmap_file):
    """The operations the VM and native benchmarks both time
    (tests/bench/op_*.c): name -> argv, its "N" filled in after
    calibration; MMAP_FILE is the file mapped executable."""
    return {
        "open": ["op_open", "N", "/etc/passwd"],
        "stat": ["op_stat", "N", "/etc/passwd"],
        "connect": ["op_connect", "N"],
        "sendto": ["op_sendto", "N"],
        "forkexec": ["op_forkexec", "N", "/bin/true"],
        "mmap_exec": ["op_mmap", "N", mmap_file],
    }


def with_n(argv, n):
    """A benchmark program's argv, its "N" replaced by @n."""
    return [f"{BIN}/{argv[0]}"] + [str(n) if a == "N" else a for a in argv[1:]]


# --- sandboxes -------------------------------------------------------------

# A `run -v` line -> the moment it marks (start-up phases).
MARKS = {
    "probe done": "probe",
    "sandbox cgroup ": "cgroup",
    "loaded the BPF programs": "loaded",
    # Tier B's programs shared by the boot's runs (spec/tiers.md): found, not loaded.
    "reusing tier B's programs for this boot: ": "loaded",
    "sandbox ready; starting the command": "ready",
    "the command exited; cleaning up": "exited",
    "done": "done",
}
V_LINE = re.compile(r"^hermetic-bpf: \[\s*([0-9.]+) ms\] (.*)$")


def v_marks(stderr):
    """{mark: ms} from a `run -v`'s stderr."""
    marks = {}
    for line in stderr.splitlines():
        m = V_LINE.match(line)
        if not m:
            continue
        for prefix, mark in MARKS.items():
            if m.group(2) == prefix or (prefix.endswith(" ") and m.group(2).startswith(prefix)):
                marks[mark] = float(m.group(1))
    return marks


def hb_run(flags, argv):
    return [HB, "run", *flags, "--", *argv]


class Sandbox:
    """`run -v FLAGS ARGV` started, once its programs are attached."""

    def __init__(self, flags, argv, stdout=subprocess.DEVNULL, env=None):
        self.log = open("/tmp/bench-run.err", "w+")
        self.p = subprocess.Popen(hb_run(["-v", *flags], argv), stdout=stdout,
                                  stderr=self.log, text=True, env=env)
        deadline = time.monotonic() + 120
        while "sandbox ready" not in open(self.log.name).read():
            if self.p.poll() is not None or time.monotonic() > deadline:
                self.p.kill()
                raise RuntimeError("sandbox did not start: " +
                                   open(self.log.name).read()[-400:])
            time.sleep(0.02)

    def wait(self):
        self.p.wait(timeout=300)
        self.log.close()

    def stop(self):
        self.p.terminate()  # forwarded to the command; run then cleans up
        self.wait()


def background(flags, env=None):
    """`run FLAGS sleep 100000`: programs loaded, nobody inside working."""
    return Sandbox(flags, ["sleep", "100000"], env=env)


# FIFOs a sandboxed command waits on: to start, and to exit.
GO = "/tmp/bench.go"
END = "/tmp/bench.end"


def release(fifo, proc):
    """Lets a gated command on: open @fifo for writing once it reads it."""
    while True:
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            return
        except OSError:  # ENXIO: not reading yet
            if proc.poll() is not None:
                raise RuntimeError("the gated command exited early")
            time.sleep(0.01)


# --- BPF programs ----------------------------------------------------------

def loaded_programs(hooks=True):
    """(name, hook, run_cnt, run_time_ns) of every loaded BPF program."""
    p = run([f"{BIN}/prog_stats"] + ([] if hooks else ["-n"]))
    return parse_progs(p.stdout)


def parse_progs(text):
    progs = []
    for line in text.splitlines():
        if line.startswith("prog "):
            f = dict(kv.split("=", 1) for kv in line.split()[1:])
            progs.append((f["name"], f["hook"], int(f["run_cnt"]), int(f["run_time_ns"])))
    return progs


def quiesce(what, limit_s=120):
    """Waits until no hermetic-bpf program is loaded: a run may leave the
    detaching to a child after it exits, and leftovers would be measured
    with the next block."""
    t0 = time.monotonic()
    while True:
        left = [p[0] for p in loaded_programs(hooks=False) if p[0].startswith("hb_")]
        if not left or time.monotonic() - t0 > limit_s:
            break
        time.sleep(0.05)
    waited = time.monotonic() - t0
    if left or waited > 0.2:
        emit("quiesce", before=what, seconds=round(waited, 2), left=sorted(set(left)))
    return waited


def deltas(before, after):
    """{(name, hook): (runs, run time)} between two prog_stats snapshots."""
    total = {}
    for sign, snap in ((-1, before), (1, after)):
        for name, hook, cnt, t in snap:
            c, ns = total.get((name, hook), (0, 0))
            total[(name, hook)] = (c + sign * cnt, ns + sign * t)
    return total


class Floor:
    """The empty programs, attached until stop() (floor_load.c); @only:
    those of these names alone."""

    def __init__(self, only=None):
        self.p = subprocess.Popen([f"{BIN}/floor_load"] + (["--only", ",".join(only)]
                                                           if only is not None else []),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.p.stdout.readline().strip() != "ready":
            raise RuntimeError("floor_load did not start")

    def stop(self):
        self.p.stdin.close()
        self.p.wait(timeout=120)


# --- the guest itself ------------------------------------------------------

def cpu_times():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return sum(fields), fields[3] + fields[4]  # total, idle + iowait


def settle(limit_s=300):
    """Waits until the guest is idle: right after boot, kernel threads
    (the crypto self-tests, cryptomgr_test) can take half the CPU for
    seconds, and would slow the first blocks alone."""
    t0 = time.monotonic()
    while True:
        total0, idle0 = cpu_times()
        time.sleep(0.5)
        total1, idle1 = cpu_times()
        busy = 1 - (idle1 - idle0) / max(1, total1 - total0)
        # tsc-early is replaced by the refined tsc a moment after boot
        # (6.1: at 1.6 s): measuring starts on the final clocksource.
        early = clocksource() == "tsc-early"
        if (busy < 0.03 and not early) or time.monotonic() - t0 > limit_s:
            break
    emit("settle", seconds=round(time.monotonic() - t0, 1), busy=round(busy, 3),
         clocksource=clocksource())


def clocksource():
    with open("/sys/devices/system/clocksource/clocksource0/current_clocksource") as f:
        return f.read().strip()


def clock_state(when):
    """Which clocksource times us, and what the kernel said about clocks:
    a switch mid-boot would change the meaning of every later number."""
    dmesg = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    emit("clock", when=when, clocksource=clocksource(),
         kernel_says=[line for line in dmesg.splitlines()
                      if re.search(r"clocksource|tsc|TSC", line)][-12:])
