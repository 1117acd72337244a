# SPDX-License-Identifier: GPL-2.0-only
"""hb.mode=bench: every benchmark of tests/bench in one boot, as root.

Prints raw numbers only, one JSON object per line after "BENCH ", for
tests/bench/analyze.py on the host; ratios are taken there. Configurations
alternate in short blocks, in an order that rotates every round, so that
a slow stretch of the emulator hits them all alike.
"hb.bench=PROFILE" on the kernel command line: see PROFILES.
Usage: python3 bench.py
"""
import os
import re
import shutil
import subprocess
import sys
import time

from bench_proc import (BIN, END, GO, HB, Floor, Sandbox, background, clock_state, deltas, emit,
                        hb_run, loaded_programs, note, op_lines, quiesce, release, run,
                        settle, timed_ops, v_marks, with_n)

PY = "/usr/bin/python3"
DNS_ADDR = "127.0.0.153"  # as in tests/cases/cases.py
DNS_NAME = "example.com"  # in dnsserver.py's zone
STATS = "/proc/sys/kernel/bpf_stats_enabled"

# hb.bench=PROFILE on the kernel command line (run-bench sets it):
# rounds (blocks per configuration), guest seconds per block, per
# calibration run, and of the event flood. Under icount the numbers are
# reproducible, so fewer and shorter blocks do; "smoke" only checks that
# everything still runs.
PROFILES = {
    "wall": (dict(ops=12, guards=6, progs=6, start=8, dns=8, allowmap=8, events=3), 0.5, 0.1,
             3),
    "icount": (dict(ops=5, guards=3, progs=3, start=5, dns=4, allowmap=4, events=2), 0.2, 0.05,
               2),
    "smoke": (dict(ops=1, guards=1, progs=1, start=1, dns=1, allowmap=1, events=1), 0.05, 0.02,
              1),
}
PROFILE = (re.findall(r"\bhb\.bench=(\w+)", open("/proc/cmdline").read()) or ["wall"])[0]
ROUNDS, BLOCK_S, CALIBRATE_S, EVENT_S = PROFILES.get(PROFILE, PROFILES["wall"])
# hb.bench_only=start,dns: only those sections (run-bench's HB_BENCH_ONLY).
ONLY = set(",".join(re.findall(r"\bhb\.bench_only=([\w,]+)", open("/proc/cmdline").read()))
           .split(",")) - {""}

# Operation -> argv; N is filled in after calibration.
OPS = timed_ops("/bin/busybox")
# What the per-program section runs: every operation, and bind().
PROG_OPS = dict(OPS, bind=["op_bind", "N"])
# The operations that (d) denies and (e) audits: one event per call.
NET_OPS = ("connect", "sendto")
# (a) nothing loaded, (b) loaded but measured outside, (c) inside on an
# allowed path, (d) inside on a denied path (for connect and sendto), (e)
# the same in audit mode: allowed, and reported as audited, (f) no sandbox,
# the empty programs of floor.bpf.c on the hooks (b)'s sandbox attaches:
# the least any BPF-LSM program there costs, a floor under (b). Every inside
# configuration traces to a file, at the default --event-rate (what a
# user gets): (d) and (e) then take one event per call, and differ only
# in the verdict.
OPS_TRACE = "/tmp/bench-ops.trace"
OUTSIDE = ["--no-network"]
SANDBOX = {
    "c": ["--allow-localhost"],
    "d": ["--no-network"],
    "e": ["--audit", "--no-network"],
}
CONFIGS = ["a", "b", "c", "d", "e", "f"]
# The exit summary's accounting of events not reported (cli/run.c).
LOST = re.compile(r"(\d+) events? (?:was|were) not reported: the event buffer was full")
LIMITED = re.compile(r"(\d+) events? (?:was|were) not reported: over the rate limit")
TRACE_LINE = re.compile(r"^hermetic-bpf: (blocked|audited) (\S+).*?(?: \((\d+) times\))?$")


# Paced event runs, at these multiples of the flood's delivered rate in
# the same round: where the launcher keeps up when the loop leaves it CPU.
PACE = {"smoke": (1.0,)}.get(PROFILE, (0.5, 1.0, 1.5, 2.0))


def between(what):
    """Before a block: wait until the previous run's programs are gone
    (quiesce). The smoke run, which only checks that everything runs, does
    not wait (4-8 s each on a busy host); main() still checks once at the
    end that nothing was left loaded."""
    if PROFILE != "smoke":
        quiesce(what)


# --- operations in configurations a-e --------------------------------------

def rotated(items, r):
    r %= len(items)
    return items[r:] + items[:r]


def block_script(ops, ns):
    """One shell command running each operation once with its N."""
    return "; ".join(" ".join(with_n(argv, ns[op])) for op, argv in ops.items())


def loop_calls(n):
    """bench_loop's calls for N, the untimed ones included: a denied or
    audited operation leaves one event each."""
    return n + n // 10 + 1


def calibrate(ops):
    """N per operation so that one block lasts about BLOCK_S."""
    ns = {}
    for op, argv in ops.items():
        n = 1
        while True:
            got = op_lines(run(with_n(argv, n)).stdout)
            per_op = float(got[0]["ns_per_op"]) if got else 1e9
            if per_op * n >= CALIBRATE_S * 1e9 or n >= 1 << 22:
                break
            n *= 4
        ns[op] = max(3, round(BLOCK_S * 1e9 / per_op))
        emit("calibration", op=op, n=ns[op], ns_per_op=per_op)
    return ns


def unreported(stderr):
    """(lost, limited) from a run's exit summary."""
    lost, limited = LOST.search(stderr), LIMITED.search(stderr)
    return int(lost.group(1)) if lost else 0, int(limited.group(1)) if limited else 0


def trace_counts(path):
    """{"blocked connect": N, ...}: the trace file's events by verdict and
    action. The same event repeated is one line ending "(N times)"
    (cli/run_trace.c): it counts N."""
    counts = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = TRACE_LINE.match(line)
                if m:
                    key = f"{m.group(1)} {m.group(2)}"
                    counts[key] = counts.get(key, 0) + int(m.group(3) or 1)
    except FileNotFoundError:
        pass
    return counts


def traced(flags, cmd):
    """`run FLAGS --trace-file F -- CMD`: the process, and its events
    (trace lines by verdict and action, lost, limited)."""
    if os.path.exists(OPS_TRACE):
        os.unlink(OPS_TRACE)
    p = run(hb_run(flags + ["--trace-file", OPS_TRACE], cmd))
    lost, limited = unreported(p.stderr)
    events = dict(traced=trace_counts(OPS_TRACE), lost=lost, limited=limited)
    if os.path.exists(OPS_TRACE):
        os.unlink(OPS_TRACE)
    return p, events


def block(outside, inside, cmd):
    """One block: CMD with no programs (both None), next to a background
    sandbox with flags OUTSIDE, or inside a sandbox with flags INSIDE.
    Returns its op lines, and the sandbox's events (or None)."""
    events = None
    if outside is not None:
        bg = background(outside)
        try:
            p = run(cmd)
        finally:
            bg.stop()
    elif inside is not None:
        p, events = traced(inside, cmd)
    else:
        p = run(cmd)
    return op_lines(p.stdout), events


def floor_of(flags):
    """(name, hook) of floor.bpf.c's empty programs whose hook a sandbox
    with FLAGS attaches one of its programs to: (f)'s floor, which the
    sandbox's own programs can only add to."""
    between("ops floor hooks")
    bg = background(flags)
    try:
        ours = {hook for name, hook, _, _ in loaded_programs() if name.startswith("hb_")}
        floor = Floor()
        try:
            empty = {(name, hook) for name, hook, _, _ in loaded_programs()
                     if name.startswith("floor_")}
        finally:
            floor.stop()
    finally:
        bg.stop()
    return sorted((name, hook) for name, hook in empty if hook in ours)


def ops_block(cfg, script, floor):
    """The op lines of one block, and the sandbox's events (or None)."""
    between(f"ops {cfg}")
    cmd = ["sh", "-c", script]
    if cfg == "f":
        empty = Floor(only=floor)
        try:
            return block(None, None, cmd)
        finally:
            empty.stop()
    return block(OUTSIDE if cfg == "b" else None, SANDBOX.get(cfg), cmd)


def bench_ops():
    ns = calibrate(OPS)
    script = block_script(OPS, ns)
    calls = sum(loop_calls(ns[op]) for op in NET_OPS)
    pairs = floor_of(OUTSIDE)
    floor = [name for name, _ in pairs]
    emit("ops_floor", programs=floor, hooks=sorted(hook for _, hook in pairs))
    for r in range(ROUNDS["ops"]):
        for cfg in rotated(CONFIGS, r):
            lines, events = ops_block(cfg, script, floor)
            for line in lines:
                emit("op", round=r, cfg=cfg, op=line["op"], n=int(line["n"]),
                     ns=float(line["ns_per_op"]), failed=int(line["failed"]),
                     errno=line["errno"])
            if events is not None:
                emit("op_events", round=r, cfg=cfg, calls=calls if cfg in "de" else 0,
                     **events)
    return ns


# --- the filesystem, exec and native guards (issues 4, 5 and 6) -------------

FS_DIR = "/tmp/bench-fs"
# --allow-write subtrees FS_DIR/w0 ... (the allowed file is in w0).
FS_SUBTREES = 64
FS_ONE = ["--fs-readonly", "--allow-write", f"{FS_DIR}/w0"]
FS_MANY = ["--fs-readonly"] + [a for i in range(FS_SUBTREES)
                               for a in ("--allow-write", f"{FS_DIR}/w{i}")]
# A system library is trusted by --block-native (root's, in root's
# directory); its copy directly in /tmp (mode 1777: others can write
# there) is not (spec/exec.md).
LIBC = "/lib/x86_64-linux-gnu/libc.so.6"
LIBC_COPY = "/tmp/bench-libc.so.6"
# Per guard: the operations (run one after the other in a block), the
# trace action and errno of its denials, and its configurations besides
# (a): name -> (kind, flags, the operations it denies or audits). "outside"
# measures next to a background sandbox with those flags; "enforce" and
# "audit" inside one, tracing to a file. An operation a configuration
# denies must fail every time with ERRNO and leave one "blocked ACTION"
# trace line (or a lost or limited count) per call; one it audits must
# succeed and leave one "audited ACTION"; everything else must succeed.
GUARDS = {
    "fs": dict(
        ops={"write_allowed": ["op_open", "N", f"{FS_DIR}/w0/file", "w"],
             "write_denied": ["op_open", "N", f"{FS_DIR}/file", "w"],
             "open": ["op_open", "N", "/etc/passwd"],
             "stat": ["op_stat", "N", "/etc/passwd"]},
        action="open", errno="EROFS",
        configs={"b": ("outside", FS_ONE, ()),
                 "in1": ("enforce", FS_ONE, ("write_denied",)),
                 "in64": ("enforce", FS_MANY, ("write_denied",)),
                 "audit": ("audit", ["--audit"] + FS_ONE, ("write_denied",))}),
    # The operation is the sandbox's command itself: under --no-subprocess
    # a shell could not start it.
    "exec": dict(
        ops={"forkexec": ["op_forkexec", "N", "/bin/true"]},
        action="exec", errno="EPERM",
        configs={"b": ("outside", ["--no-subprocess"], ()),
                 "allow": ("enforce", ["--allow-exec", "/bin/true"], ()),
                 "deny": ("enforce", ["--no-subprocess"], ("forkexec",)),
                 "audit": ("audit", ["--audit", "--no-subprocess"], ("forkexec",))}),
    "native": dict(
        ops={"mmap_trusted": ["op_mmap", "N", LIBC],
             "mmap_untrusted": ["op_mmap", "N", LIBC_COPY]},
        action="mmap", errno="EPERM",
        configs={"b": ("outside", ["--block-native"], ()),
                 "in": ("enforce", ["--block-native"], ("mmap_untrusted",)),
                 "audit": ("audit", ["--audit", "--block-native"], ("mmap_untrusted",))}),
}


def guard_files():
    """The subtrees and files the guards' operations use."""
    for i in range(FS_SUBTREES):
        os.makedirs(f"{FS_DIR}/w{i}", exist_ok=True)
    for path in (f"{FS_DIR}/w0/file", f"{FS_DIR}/file"):
        open(path, "w").close()
    shutil.copy(LIBC, LIBC_COPY)


def guard_block(g, cfg, ns):
    """One block of guard G in configuration CFG: its op lines and events."""
    between(f"guards {g} {cfg}")
    ops = GUARDS[g]["ops"]
    if len(ops) == 1:
        op, argv = next(iter(ops.items()))
        cmd = with_n(argv, ns[op])
    else:
        cmd = ["sh", "-c", block_script(ops, ns)]
    kind, flags, _ = GUARDS[g]["configs"].get(cfg, ("none", None, ()))
    return block(flags if kind == "outside" else None,
                 flags if kind in ("enforce", "audit") else None, cmd)


def bench_guards():
    guard_files()
    ns = {g: calibrate(spec["ops"]) for g, spec in GUARDS.items()}
    for r in range(ROUNDS["guards"]):
        for g, spec in GUARDS.items():
            for cfg in rotated(["a"] + list(spec["configs"]), r):
                kind, _, acted = spec["configs"].get(cfg, ("none", None, ()))
                lines, events = guard_block(g, cfg, ns[g])
                # bench_loop prints its own name for an op: lines come in
                # the order of the script.
                got = dict(zip(spec["ops"], lines)) if len(lines) == len(spec["ops"]) else {}
                for op in spec["ops"]:
                    line = got.get(op)
                    expect = spec["errno"] if kind == "enforce" and op in acted else None
                    if line is None:
                        emit("guard_op", guard=g, round=r, cfg=cfg, op=op, expect=expect,
                             n=0, ns=None, failed=-1, errno="no output")
                        continue
                    emit("guard_op", guard=g, round=r, cfg=cfg, op=op, expect=expect,
                         n=int(line["n"]), ns=float(line["ns_per_op"]),
                         failed=int(line["failed"]), errno=line["errno"])
                if events is not None:
                    verdict = "audited" if kind == "audit" else "blocked"
                    emit("guard_events", guard=g, round=r, cfg=cfg, verdict=verdict,
                         action=spec["action"],
                         calls=sum(loop_calls(ns[g][op]) for op in acted), **events)


# --- in-kernel cost per program, next to the empty floor -------------------

def floor_deltas(script):
    """Per program: runs and run time while @script runs where this
    process is (outside every sandbox), the floor attached after whatever
    is loaded already."""
    floor = Floor()
    try:
        before = loaded_programs()
        p = run(["sh", "-c", script])
        after = loaded_programs()
    finally:
        floor.stop()
    return deltas(before, after), p.stdout


def measure_programs(ctx, script):
    """Per program: runs and run time while @script runs in @ctx.

    BPF calls are denied inside a sandbox, so the floor is attached and
    the counters read from outside; a sandboxed @script waits on a FIFO
    until the floor is in place, and again after it is done."""
    between(f"programs {ctx}")
    if ctx == "outside":
        sb = background(["--no-network"])
        try:
            return floor_deltas(script)[0]
        finally:
            sb.stop()
    for fifo in (GO, END):
        if os.path.exists(fifo):
            os.unlink(fifo)
        os.mkfifo(fifo, 0o666)
    gated = f"read _ < {GO}; {script}; echo --- done; read _ < {END}"
    flags = ["--allow-localhost"] if ctx == "allowed" else ["--no-network"]
    sb = Sandbox(flags, ["sh", "-c", gated], stdout=subprocess.PIPE)
    floor = None
    try:
        floor = Floor()
        before = loaded_programs()
        release(GO, sb.p)
        for line in sb.p.stdout:
            if line.startswith("--- done"):
                break
        after = loaded_programs()
        release(END, sb.p)
        sb.wait()
    finally:
        if sb.p.poll() is None:
            sb.p.kill()
        if floor:
            floor.stop()
    return deltas(before, after)


# The agent's object on the host, a task outside every sandbox (issue 17,
# item 3): the agent's hooks look only at the cgroup levels that hold a
# policy (hb_levels) and stop above the task's own level, so what they cost
# depends on where the task sits and where policies sit. The task runs in
# a plain cgroup AGENT_DEPTHS levels below the root; the agent holds no policy
# at all (no level marked: one load), or one at level 2, which a
# task 1 level deep stops short of and a task 3 or 6 levels deep passes
# (its ancestor there, whose id's bit in the id filter is clear). With the
# policy, the operations also run inside it (AGENT_INSIDE): what a service
# the agent confines pays per call, beside a run's own object's "denied".
CGROOT = "/sys/fs/cgroup"
# The smoke run, which only checks that this runs, takes one depth.
AGENT_DEPTHS = {"smoke": (3,)}.get(PROFILE, (1, 3, 6))
DEPTH_CHAIN = ("bench-d1", "d2", "d3", "d4", "d5", "d6")
AGENT_PDIR = "/tmp/bench-agent-pol.d"
AGENT_JOB = "/bench-pol/job"  # level 2
AGENT_POLICIES = {
    "none": None,
    "level2": f"cgroup = {AGENT_JOB}\nno-network = yes\n",
}
AGENT_INSIDE = {"level2": AGENT_JOB}


def depth_cgroup(depth):
    """The plain cgroup @depth levels below the root, made if missing."""
    rel = "/" + "/".join(DEPTH_CHAIN[:depth])
    os.makedirs(CGROOT + rel, exist_ok=True)
    return rel


class Agent:
    """`hermetic-bpf agent` on the policy directory for @policy (a key of
    AGENT_POLICIES), running until stop(), which also unloads its object."""

    def __init__(self, policy):
        shutil.rmtree(AGENT_PDIR, ignore_errors=True)
        os.makedirs(AGENT_PDIR)
        text = AGENT_POLICIES[policy]
        if text:
            with open(f"{AGENT_PDIR}/bench.conf", "w") as f:
                f.write(text)
        self.log = open("/tmp/bench-agent.err", "w+")
        self.p = subprocess.Popen([HB, "agent", "--policies", AGENT_PDIR],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=self.log, text=True)
        # A fresh object: pins left behind would bring their levels along.
        want = re.compile(rf"agent: ready, {1 if text else 0} .*loaded and pinned in")
        deadline = time.monotonic() + 300
        while True:
            said = open(self.log.name).read()
            if want.search(said):
                break
            # Whole lines only: a line being written is read again.
            if "agent: ready" in said.rpartition("\n")[0] or self.p.poll() is not None \
                    or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the agent did not say {want.pattern!r}: {said[-400:]}")
            time.sleep(0.05)

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()  # its object stays pinned; --unload removes it
        self.p.wait(timeout=120)
        self.log.close()
        run([HB, "agent", "--unload"])


def measure_agent(policy, depths, script):
    """{depth: the programs' deltas while @script runs @depth levels deep}
    beside the agent holding @policy: one agent for all @depths, in their
    order; then {"in": ...} in the policy's cgroup, where it has one."""
    between(f"agent {policy}")
    out = {}
    agent = Agent(policy)
    where = [(d, depth_cgroup(d)) for d in depths]
    if policy in AGENT_INSIDE:
        where.append(("in", AGENT_INSIDE[policy]))
    try:
        for depth, rel in where:
            # The shell moves itself first: the operations it starts are
            # born there. Where they ran is checked, not assumed.
            moved = (f"echo $$ > {CGROOT}{rel}/cgroup.procs || exit 1; "
                     f"echo cgroup=$(grep '^0::' /proc/self/cgroup); {script}")
            got, stdout = floor_deltas(moved)
            if f"cgroup=0::{rel}\n" not in stdout:
                raise RuntimeError(f"the operations did not run in {rel}: {stdout[:200]!r}")
            out[depth] = got
    finally:
        agent.stop()
    return out


def emit_progs(r, ctx, got, **where):
    for (name, hook), (cnt, t) in sorted(got.items()):
        if cnt > 0 and name.startswith(("hb_", "floor_", "lookup_")):
            emit("prog", round=r, ctx=ctx, name=name, hook=hook, runs=cnt, run_ns=t, **where)


def bench_progs():
    ns = calibrate(PROG_OPS)
    script = block_script(PROG_OPS, ns)
    with open(STATS, "w") as f:
        f.write("1\n")
    try:
        for r in range(ROUNDS["progs"]):
            for ctx in rotated(["outside", "allowed", "denied"] + list(AGENT_POLICIES), r):
                if ctx in AGENT_POLICIES:
                    for depth, got in measure_agent(ctx, rotated(list(AGENT_DEPTHS), r),
                                                    script).items():
                        if depth == "in":  # inside: beside a run's own contexts
                            emit_progs(r, f"agent-{ctx}-in", got)
                        else:
                            emit_progs(r, f"agent-{ctx}-d{depth}", got, agent=ctx,
                                       depth=depth)
                else:
                    emit_progs(r, ctx, measure_programs(ctx, script))
    finally:
        with open(STATS, "w") as f:
            f.write("0\n")


# --- start-up ---------------------------------------------------------------

START = {
    "true": ["true"],
    "unshare_true": ["unshare", "-n", "true"],
    "hb_true": hb_run(["-v"], ["true"]),
    "hb_true_net": hb_run(["-v", "--no-network"], ["true"]),
    "python": [PY, "-c", "pass"],
    "unshare_python": ["unshare", "-n", PY, "-c", "pass"],
    "hb_python": hb_run(["-v", "--no-network"], [PY, "-c", "pass"]),
}
# With the agent's object pinned: warm runs (nothing loaded), and a plain
# command beside the agent's programs (what every process then pays).
START_WARM = {
    "hb_true_warm": hb_run(["-v", "--no-network"], ["true"]),
    "hb_python_warm": hb_run(["-v", "--no-network"], [PY, "-c", "pass"]),
    "python_agent": [PY, "-c", "pass"],
}
AGENT_DIR = "/tmp/bench-agent.d"  # no policy files: the object only


def agent_pinned():
    """An agent started and stopped: its object stays pinned (spec/agent.md)."""
    os.makedirs(AGENT_DIR, exist_ok=True)
    p = subprocess.Popen([HB, "agent", "--policies", AGENT_DIR], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if "agent: ready" in line:
            break
    p.terminate()
    p.communicate(timeout=120)


def start_once(r, name, argv, warm):
    p = run([f"{BIN}/spawn_time", *argv])
    m = re.search(r"spawn_time ns=(\d+) status=(\d+)", p.stdout)
    if not m:
        return
    # Programs a cold run leaves to a child to detach outlive its exit.
    gone = quiesce(f"after {name}") if name.startswith("hb_") and not warm else 0
    emit("start", round=r, cfg=name, ns=int(m.group(1)), status=int(m.group(2)),
         marks=v_marks(p.stderr), gone_ms=round(gone * 1e3, 1))


def bench_start():
    names, warm = list(START), list(START_WARM)
    if PROFILE != "smoke":  # the smoke run only checks that this runs
        for name in names:  # warm the page cache and Python's .pyc once
            run([f"{BIN}/spawn_time", *START[name]])
    for r in range(ROUNDS["start"]):
        for name in rotated(names, r):
            between(f"start {name}")
            start_once(r, name, START[name], False)
        # The warm block of the round: the agent's object pinned, then gone.
        agent_pinned()
        for name in rotated(warm, r):
            start_once(r, name, START_WARM[name], True)
        run([HB, "agent", "--unload"])
        between("after the agent's object")


# --- DNS through the proxy; a 1,000-rule allow map -------------------------

def start_dns():
    p = subprocess.Popen([PY, "/e2e/dnsserver.py", DNS_ADDR, "53"],
                         stdout=subprocess.PIPE, text=True)
    if p.stdout.readline().strip() != "ready":
        raise RuntimeError("dnsserver.py did not start")
    # The guest is ours alone: its resolv.conf names the test's server,
    # for the proxy's upstream (cases.py bind-mounts one instead).
    with open("/etc/resolv.conf", "w") as f:
        f.write(f"nameserver {DNS_ADDR}\noptions timeout:2 attempts:1\n")
    return p


DNS_QUERY = ["dns_query", "N", DNS_ADDR, DNS_NAME]


def timed_queries(n, flags):
    argv = with_n(DNS_QUERY, n)
    return op_lines(run(hb_run(flags, argv) if flags else argv).stdout)


def bench_dns():
    server = start_dns()
    try:
        n = calibrate({"dns": DNS_QUERY})["dns"]
        for r in range(ROUNDS["dns"]):
            for cfg in rotated(["plain", "proxy"], r):
                between(f"dns {cfg}")
                flags = ["--allow-domain", DNS_NAME] if cfg == "proxy" else []
                for line in timed_queries(n, flags):
                    emit("dns", round=r, cfg=cfg, n=int(line["n"]), ns=float(line["ns_per_op"]),
                         failed=int(line["failed"]), errno=line["errno"])
    finally:
        server.kill()


def bench_allowmap(ns):
    one = ["--allow-ip", "127.0.0.1/32"]
    many = list(one)
    for i in range(999):
        many += ["--allow-ip", f"10.1.{i // 256}.{i % 256}/32"]
    n = ns["connect"]
    for r in range(ROUNDS["allowmap"]):
        for cfg in rotated(["rules1", "rules1000"], r):
            between(f"allowmap {cfg}")
            flags = one if cfg == "rules1" else many
            for line in op_lines(run(hb_run(flags, with_n(OPS["connect"], n))).stdout):
                emit("allowmap", round=r, cfg=cfg, n=int(line["n"]), ns=float(line["ns_per_op"]),
                     failed=int(line["failed"]), errno=line["errno"])


# --- events per second -------------------------------------------------------

EVENTS_TRACE = "/tmp/bench-events.trace"


def event_run(r, rate):
    """deny_loop for EVENT_S s (RATE 0: a flood) under --no-network with no
    rate limit, the trace to a file; returns events delivered a second."""
    between("events")
    if os.path.exists(EVENTS_TRACE):
        os.unlink(EVENTS_TRACE)
    p = run(hb_run(["--no-network", "--event-rate", "0", "--trace-file", EVENTS_TRACE],
                   [f"{BIN}/deny_loop", str(EVENT_S), str(rate)]))
    m = re.search(r"attempts=(\d+) eperm=(\d+) other=(\d+) ns=(\d+)", p.stdout)
    delivered = trace_counts(EVENTS_TRACE).get("blocked connect", 0)
    if os.path.exists(EVENTS_TRACE):
        os.unlink(EVENTS_TRACE)
    if not m:
        return None
    lost, limited = unreported(p.stderr)
    ns = int(m.group(4))
    emit("events", round=r, mode="paced" if rate else "flood", rate=rate,
         attempts=int(m.group(1)), eperm=int(m.group(2)), other=int(m.group(3)), ns=ns,
         delivered=delivered, lost=lost, limited=limited)
    return delivered / (ns / 1e9)


def bench_events():
    for r in range(ROUNDS["events"]):
        flood = event_run(r, 0)
        if not flood:
            continue
        for k in PACE:
            event_run(r, max(100, round(flood * k / 100) * 100))


def main():
    settle()
    clock_state("start")
    emit("meta", kernel=os.uname().release, profile=PROFILE, smoke=PROFILE == "smoke",
         rounds=ROUNDS, block_s=BLOCK_S,
         event_s=EVENT_S, cpus=os.cpu_count(),
         lsm=open("/sys/kernel/security/lsm").read().strip())
    t0 = time.monotonic()
    state = {}
    sections = [
        ("ops", lambda: state.update(ns=bench_ops())),
        ("guards", bench_guards),
        ("progs", bench_progs),
        ("start", bench_start),
        ("dns", bench_dns),
        ("allowmap", lambda: bench_allowmap(state.get("ns") or calibrate(OPS))),
        ("events", bench_events),
    ]
    for name, fn in sections:
        if ONLY and name not in ONLY:
            continue
        t = time.monotonic()
        try:
            fn()
        except Exception as e:  # one broken section must not hide the others
            note(f"section {name} failed: {e!r}")
            emit("error", section=name, error=repr(e))
        emit("section", name=name, seconds=round(time.monotonic() - t, 1))
    quiesce("end")  # nothing may be left loaded (reported if it is)
    clock_state("end")
    emit("done", seconds=round(time.monotonic() - t0, 1))


if __name__ == "__main__":
    sys.exit(main())
