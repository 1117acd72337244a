# SPDX-License-Identifier: GPL-2.0-only
"""The native part of `make bench`: tier B on this machine's own kernel
and its real clock (tests/bench/native-bench runs it as root).

Start-up of `true` and `python3 -c pass` plain, under `unshare -n`,
bubblewrap (where installed) and `hermetic-bpf run` with each tier B
guard; then the operations of tests/bench/op_*.c outside and inside tier
B sandboxes. Every configuration runs once per round, in an order
shuffled every round, so that the other jobs sharing this
machine's cores slow both sides of a ratio alike; ratios are taken
within a round. Prints raw numbers only, one JSON object per line after
"BENCH " (tests/bench/native_analyze.py turns them into the page).
Usage: native.py smoke|full
Environment: HB_BENCH_BINDIR, HB_BENCH_HB (bench_proc.py), HB_BENCH_UID.
"""
import ctypes
import os
import pwd
import random
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "guest"))
from bench_proc import (BIN, HB, background, emit, hb_run, note, op_lines,  # noqa: E402
                        timed_ops, v_marks, with_n)

PY = "/usr/bin/python3"  # not a pyenv shim on PATH: its shell script would be timed
LIBC = "/lib/x86_64-linux-gnu/libc.so.6"
WORK = "/tmp/bench-native"
# Tier B needs the command to run as a user (as root it could leave the
# sandbox's cgroup): run drops to SUDO_UID, and every plain baseline runs
# as that user too.
USER = pwd.getpwuid(int(os.environ.get("HB_BENCH_UID", "1000")))
USER_ENV = dict(os.environ, HOME=USER.pw_dir, USER=USER.pw_name, LOGNAME=USER.pw_name,
                SHELL=USER.pw_shell)
HB_ENV = dict(os.environ, SUDO_UID=str(USER.pw_uid), SUDO_GID=str(USER.pw_gid),
              SUDO_USER=USER.pw_name)

# Per profile: start-up rounds, operation rounds, seconds per operation
# block. The smoke run (make bench-smoke) only checks that all of it runs.
PROFILES = {
    "full": dict(start=40, ops=20, block_s=0.3),
    "smoke": dict(start=2, ops=1, block_s=0.02),
}

# Start-up: configuration -> what goes before the command. "plain" runs
# as the user (spawn_time -u); unshare and bwrap need root, so they run
# the command as root; run drops to SUDO_UID itself.
START = {
    "plain": [],
    "unshare": ["unshare", "-n"],
    "bwrap": ["bwrap", "--dev-bind", "/", "/", "--unshare-net"],
    "bwrap_ro": ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--unshare-net"],
    "hb": [HB, "run", "-v", "--"],
    "hb_net": [HB, "run", "-v", "--no-network", "--"],
    # The first tier B run of a boot loads the programs every later one
    # shares (spec/tiers.md): `hermetic-bpf gc` unloads them first, untimed.
    "hb_net_first": [HB, "run", "-v", "--no-network", "--"],
    "hb_fs": [HB, "run", "-v", "--fs-readonly", "--"],
    "hb_exec": [HB, "run", "-v", "--no-subprocess", "--"],
    "hb_all": [HB, "run", "-v", "--no-network", "--fs-readonly", "--no-subprocess", "--"],
}
COMMANDS = {"true": ["/bin/true"], "python": [PY, "-c", "pass"]}

# Operations (tests/bench/op_*.c): the VM benchmark's, and the writes
# the filesystem guard allows and denies.
OPS = dict(timed_ops(LIBC),
           write_allowed=["op_open", "N", f"{WORK}/w0/file", "w"],
           write_denied=["op_open", "N", f"{WORK}/file", "w"])
# Configurations: the sandbox's flags (None: no sandbox), whether the
# operation runs outside it (next to a background `run ... sleep`), and
# what it denies with which errno (every call must fail so; all else must
# work). Each block is one operation as the sandbox's own command: under
# --no-subprocess a shell could not start it. The page's labels come
# from here (the report's meta line).
ALL_GUARDS = ["--no-network", "--fs-readonly", "--no-subprocess"]


def cgroup2_mount():
    """Where cgroup2 is mounted: /sys/fs/cgroup, or /sys/fs/cgroup/unified
    beside v1 controllers (this project's machines)."""
    with open("/proc/self/mounts") as f:
        for line in f:
            target, fstype = line.split()[1:3]
            if fstype == "cgroup2":
                return target
    sys.exit("native.py: no cgroup2 mount")


CGROOT = cgroup2_mount()
DEEP = "/hbbench/x/y"          # the task's cgroup in (a3) and (c): level 3
SERVICE = "/hbbench/svc"       # the agent's policy: level 2
AGENT_DIR = "/tmp/bench-native-agent"
CONFIGS = {
    "a": dict(flags=None, outside=False, denies={}),
    "b": dict(flags=ALL_GUARDS, outside=True, denies={}),
    "net": dict(flags=["--allow-localhost"], outside=False, denies={}),
    "nonet": dict(flags=["--no-network"], outside=False,
                  denies={"connect": "EPERM", "sendto": "EPERM"}),
    "fs": dict(flags=["--fs-readonly", "--allow-write", f"{WORK}/w0"], outside=False,
               denies={"write_denied": "EACCES"}),
    "noexec": dict(flags=["--no-subprocess"], outside=False, denies={"forkexec": "EPERM"}),
    # A host with the tier B agent: its programs at the cgroup2 root run for
    # every task. The task sits 3 levels deep, a policy marks level 2 (a
    # service's), and the baseline is the same task with no agent (a3).
    "a3": dict(flags=None, outside=False, denies={}, depth=DEEP),
    "agent3": dict(flags=None, outside=True, denies={}, depth=DEEP, agent=True, baseline="a3",
                   label="(c) outside, 3 levels deep, the tier B agent at the cgroup2 root "
                         "with a policy at level 2"),
    # (c)'s floor: empty programs on the same inet hooks at the root, what
    # any program there costs; the distance from it to (c) is ours.
    "floor3": dict(flags=None, outside=True, denies={}, depth=DEEP, floor=True, baseline="a3",
                   target=False,
                   label="(c0) outside, 3 levels deep, empty programs on the agent's inet "
                         "hooks at the cgroup2 root: the floor of (c)"),
}

PR_SET_CHILD_SUBREAPER = 36


def reap(limit_s=60):
    """Waits for every process a run left behind (its detaching child:
    loader/sandbox.c), reparented to us as the subreaper; returns the
    seconds it took. The next block must not share the CPU with them."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit_s:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.001)
    else:
        note(f"processes left by a run still alive after {limit_s} s")
    return time.monotonic() - t0


def shuffled(items, r, salt=""):
    """ITEMS in round R's order: shuffled afresh each round, not rotated,
    so that no configuration always follows the same one (the kernel
    frees a finished run's cgroup and programs after it has exited, and
    that work would always land on the same neighbour); seeded, so that
    a run can be repeated in the same order."""
    items = list(items)
    random.Random(f"{r}/{salt}").shuffle(items)
    return items


def cpu_seconds():
    """CPU seconds: this machine's busy ones, those stolen by its
    hypervisor, and those of this benchmark and the processes it waited
    for (busy minus ours: the other jobs')."""
    with open("/proc/stat") as f:
        t = [int(x) / os.sysconf("SC_CLK_TCK") for x in f.readline().split()[1:]]
    own = os.times()
    # user, nice, system, irq, softirq; then steal
    return (t[0] + t[1] + t[2] + t[5] + t[6], t[7],
            own.user + own.system + own.children_user + own.children_system)


# --- start-up ---------------------------------------------------------------

# How the page names a configuration, where its command line alone would not tell.
START_LABEL = {"hb_net_first": ["hermetic-bpf", "gc", "(untimed);", "hermetic-bpf", "run", "-v",
                                "--no-network", "--"]}


def start_once(r, cfg, cmd, emit_it=True):
    wrap = START[cfg]
    if cfg.endswith("_first"):
        subprocess.run([HB, "gc"], env=HB_ENV, capture_output=True, timeout=300)
    user = [] if wrap else ["-u", f"{USER.pw_uid}:{USER.pw_gid}"]
    env = HB_ENV if wrap[:1] == [HB] else None if wrap else USER_ENV
    p = subprocess.run([f"{BIN}/spawn_time", *user, *wrap, *COMMANDS[cmd]], capture_output=True,
                       text=True, env=env, cwd="/tmp", timeout=300)
    gone = reap()
    out = p.stdout.split()
    fields = dict(kv.split("=", 1) for kv in out if "=" in kv) if out[:1] == ["spawn_time"] \
        else {}
    if not emit_it:
        return
    if "ns" not in fields:
        note(f"start {cfg} {cmd}: no time ({p.returncode}): {p.stderr.strip()[-300:]}")
        emit("start", round=r, cfg=cfg, cmd=cmd, ns=None, cpu_ns=None, status=-1, marks={},
             gone_ms=0)
        return
    status = int(fields["status"])
    if status:
        note(f"start {cfg} {cmd} exited {status}: {p.stderr.strip()[-300:]}")
    emit("start", round=r, cfg=cfg, cmd=cmd, ns=int(fields["ns"]), cpu_ns=int(fields["cpu_ns"]),
         status=status, marks=v_marks(p.stderr), gone_ms=round(gone * 1e3, 1))


def bench_start(rounds, bwrap):
    cfgs = [c for c, wrap in START.items() if bwrap or wrap[:1] != ["bwrap"]]
    runs = [(c, cmd) for cmd in COMMANDS for c in cfgs]
    for c, cmd in runs:  # the page cache and Python's .pyc, once
        start_once(-1, c, cmd, emit_it=False)
    for r in range(rounds):
        for c, cmd in shuffled(runs, r):
            start_once(r, c, cmd)


# --- operations outside and inside tier B sandboxes -------------------------

def as_user():
    return dict(user=USER.pw_uid, group=USER.pw_gid, extra_groups=[], env=USER_ENV)


class Agent:
    """`hermetic-bpf agent` with one policy, on SERVICE, until stop():
    then --unload, so that no later block runs its programs."""

    def __init__(self):
        os.makedirs(AGENT_DIR, exist_ok=True)
        with open(f"{AGENT_DIR}/svc.conf", "w") as f:
            f.write(f"[hermetic-bpf]\nversion = 1\ncgroup = {SERVICE}\n"
                    "[network]\nno-network = yes\n")
        self.p = subprocess.Popen([HB, "agent", "--policies", AGENT_DIR], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        for line in self.p.stderr:
            if "agent: ready" in line:
                return
        raise RuntimeError(f"the agent did not start ({self.p.wait()})")

    def stop(self):
        self.p.terminate()
        self.p.wait(timeout=60)
        subprocess.run([HB, "agent", "--unload"], capture_output=True, timeout=120)


class Floor:
    """The empty cgroup programs (floor_cgroup.bpf.c) at the cgroup2 root,
    until stop()."""

    def __init__(self):
        self.p = subprocess.Popen([os.path.join(BIN, "floor_load"), CGROOT],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.p.stdout.readline().strip() != "ready":
            raise RuntimeError(f"floor_load did not start ({self.p.wait()})")

    def stop(self):
        self.p.stdin.close()
        self.p.wait(timeout=60)


def in_cgroup(cg, argv):
    """@argv as the user, started in cgroup @cg (made if missing)."""
    os.makedirs(CGROOT + cg, exist_ok=True)
    # Checked, not assumed: a path that is not the cgroup2 mount's would
    # leave the task where it was, and the block would measure another depth.
    return ["sh", "-c", f'echo $$ > {CGROOT}{cg}/cgroup.procs && grep -qx "0::{cg}" '
            f'/proc/self/cgroup && exec setpriv '
            f'--reuid={USER.pw_uid} --regid={USER.pw_gid} --clear-groups "$@"', "sh", *argv]


def op_block(cfg, argv):
    """One operation in one configuration: its op line (or None)."""
    flags, outside = CONFIGS[cfg]["flags"], CONFIGS[cfg]["outside"]
    depth = CONFIGS[cfg].get("depth")
    bg = None
    if depth:
        bg = Agent() if CONFIGS[cfg].get("agent") else Floor() if CONFIGS[cfg].get("floor") \
            else None
        try:
            p = subprocess.run(in_cgroup(depth, argv), capture_output=True, text=True,
                               cwd="/tmp", timeout=300, env=USER_ENV)
        finally:
            if bg:
                bg.stop()
    elif flags is None or outside:
        if outside:
            bg = background(flags, HB_ENV)
        try:
            p = subprocess.run(argv, capture_output=True, text=True, cwd="/tmp", timeout=300,
                               **as_user())
        finally:
            if bg:
                bg.stop()
    else:
        p = subprocess.run(hb_run(flags, argv), capture_output=True, text=True, cwd="/tmp",
                           env=HB_ENV, timeout=300)
    reap()
    lines = op_lines(p.stdout)
    if not lines:
        note(f"{argv[:3]} in {cfg}: no op line ({p.returncode}): {p.stderr.strip()[-300:]}")
    return lines[0] if lines else None


def work_files():
    """The files the write operations open, the user's, as outside any
    sandbox the writes must work."""
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(f"{WORK}/w0")
    for path in (f"{WORK}/w0/file", f"{WORK}/file"):
        open(path, "w").close()
    for path in (WORK, f"{WORK}/w0", f"{WORK}/w0/file", f"{WORK}/file"):
        os.chown(path, USER.pw_uid, USER.pw_gid)


def calibrate(block_s):
    """N per operation so that a block lasts about BLOCK_S with no sandbox."""
    ns = {}
    for op, argv in OPS.items():
        n = 1
        while True:
            line = op_block("a", with_n(argv, n))
            per_op = float(line["ns_per_op"]) if line else 1e9
            if per_op * n >= block_s / 4 * 1e9 or n >= 1 << 22:
                break
            n *= 4
        ns[op] = max(3, round(block_s * 1e9 / per_op))
        emit("calibration", op=op, n=ns[op], ns_per_op=per_op)
    return ns


def bench_ops(rounds, block_s):
    work_files()
    ns = calibrate(block_s)
    # Per operation, every configuration in a row: the blocks a ratio
    # compares are seconds apart, not minutes.
    for r in range(rounds):
        for op in shuffled(OPS, r):
            for cfg in shuffled(CONFIGS, r, op):
                line = op_block(cfg, with_n(OPS[op], ns[op]))
                expect = CONFIGS[cfg]["denies"].get(op)
                if line is None:
                    emit("op", round=r, cfg=cfg, op=op, expect=expect, n=0, ns=None,
                         cpu_ns=None, failed=-1, errno="no output")
                    continue
                emit("op", round=r, cfg=cfg, op=op, expect=expect, n=int(line["n"]),
                     ns=float(line["ns_per_op"]), cpu_ns=float(line["cpu_ns_per_op"]),
                     failed=int(line["failed"]), errno=line["errno"])


def landlock_abi():
    """LANDLOCK_CREATE_RULESET_VERSION, or 0 without Landlock."""
    libc = ctypes.CDLL(None, use_errno=True)
    abi = libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(abi, 0)


def main():
    profile = sys.argv[1] if len(sys.argv) > 1 else "full"
    cfg = PROFILES[profile]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0):
        raise OSError(ctypes.get_errno(), "PR_SET_CHILD_SUBREAPER")
    bwrap = shutil.which("bwrap") is not None
    emit("meta", profile=profile, rounds=dict(start=cfg["start"], ops=cfg["ops"]),
         block_s=cfg["block_s"], kernel=os.uname().release, cpus=os.cpu_count(),
         landlock_abi=landlock_abi(), user=USER.pw_name, uid=USER.pw_uid, bwrap=bwrap,
         bwrap_version=subprocess.run(["bwrap", "--version"], capture_output=True,
                                      text=True).stdout.strip() if bwrap else None,
         python=subprocess.run([PY, "--version"], capture_output=True,
                               text=True).stdout.strip(),
         start={c: START_LABEL.get(c) or ["hermetic-bpf" if a == HB else a for a in w]
                for c, w in START.items()},
         commands=COMMANDS, configs=CONFIGS, work=WORK)
    t0 = time.monotonic()
    for name, fn in (("start", lambda: bench_start(cfg["start"], bwrap)),
                     ("ops", lambda: bench_ops(cfg["ops"], cfg["block_s"]))):
        t, cpu = time.monotonic(), cpu_seconds()
        print(f"native-bench: {name}...", file=sys.stderr, flush=True)
        try:
            fn()
        except Exception as e:  # one broken section must not hide the other
            note(f"section {name} failed: {e!r}")
            emit("error", section=name, error=repr(e))
        secs = time.monotonic() - t
        busy, steal, ours = (round((b - a) / secs, 2) for a, b in zip(cpu, cpu_seconds()))
        # Cores in use on average: by everything, stolen, by this benchmark.
        emit("section", name=name, seconds=round(secs, 1), busy_cores=busy,
             steal_cores=steal, our_cores=ours)
    shutil.rmtree(WORK, ignore_errors=True)
    shutil.rmtree(AGENT_DIR, ignore_errors=True)
    for d in (DEEP, os.path.dirname(DEEP), SERVICE, os.path.dirname(SERVICE)):
        try:
            os.rmdir(CGROOT + d)
        except OSError:
            pass
    emit("done", seconds=round(time.monotonic() - t0, 1))


if __name__ == "__main__":
    sys.exit(main())
