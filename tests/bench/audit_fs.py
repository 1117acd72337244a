# SPDX-License-Identifier: GPL-2.0-only
"""What tier B's filesystem audit costs (spec/audit.md, "Files in tier B"):
`run --audit --fs-readonly` marks every filesystem with fanotify, so each
open for writing on the host (closed: FAN_CLOSE_WRITE) makes an event, and
the launcher reads every one to keep the sandbox's. Measured natively,
as root, with tests/bench/op_open (open O_WRONLY + close, N times):

  plain        outside any sandbox, no audit running (the baseline)
  host_audit   outside, while an audited sandbox runs (its marks are set)
  in_enforced  inside tier B, --fs-readonly --allow-write DIR (Landlock)
  in_allowed   inside an audited sandbox, DIR under --allow-write: judged,
               not reported
  in_audited   inside an audited sandbox, DIR not allowed: every close
               reported (counted; no --trace, so no printing is timed)

The writer's own cost is op_open's ns_per_op (wall) and cpu_ns_per_op;
the launcher's is its CPU time over the ops (getrusage of the hermetic-bpf
process), which the writer does not wait for: fanotify's notification
events are queued, not answered. Every configuration runs once per round,
shuffled; ratios to plain are taken within a round and the median
printed. Usage: audit_fs.py [ROUNDS [N]] (as root; HB_BIN, HB_BENCH_BINDIR,
HB_BENCH_UID as tests/bench/native.py).
"""
import os
import pwd
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HB = os.environ.get("HB_BIN", os.path.join(TOP, ".output/hermetic-bpf"))
BIN = os.environ.get("HB_BENCH_BINDIR", os.path.join(TOP, ".output/bench"))
USER = pwd.getpwuid(int(os.environ.get("HB_BENCH_UID", "1000")))
HB_ENV = dict(os.environ, SUDO_UID=str(USER.pw_uid), SUDO_GID=str(USER.pw_gid),
              SUDO_USER=USER.pw_name)


def op_line(text):
    for line in text.splitlines():
        if line.startswith("op="):
            return {k: v for k, v in (kv.split("=", 1) for kv in line.split())}
    raise SystemExit(f"no op= line in {text!r}")


def as_user():
    os.setgid(USER.pw_gid)
    os.setgroups([])
    os.setuid(USER.pw_uid)


def cpu_of(argv, **kw):
    """Runs @argv; its stdout and the CPU time of it and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600, **kw)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit(f"{argv[:4]} exited {p.returncode}: {p.stderr[-400:]}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return p, cpu * 1e9


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    work = tempfile.mkdtemp(prefix="hb-audit-bench-")
    allowed = os.path.join(work, "allowed")
    os.mkdir(allowed)
    for d in (work, allowed):
        os.chmod(d, 0o777)
    files = {"in": os.path.join(work, "f"), "allowed": os.path.join(allowed, "f")}
    for f in files.values():
        open(f, "w").close()
        os.chown(f, USER.pw_uid, USER.pw_gid)
    op = [os.path.join(BIN, "op_open"), str(n)]
    results = {}

    def sandboxed(flags, path):
        p, cpu = cpu_of([HB, "run", *flags, "--", *op, path, "w"], env=HB_ENV)
        line = op_line(p.stdout)
        own = float(line["cpu_ns_per_op"]) * n
        return line, (cpu - own) / n  # the launcher's (and start-up's) share

    def plain():
        p, _ = cpu_of([*op, files["in"], "w"], preexec_fn=as_user)
        return op_line(p.stdout), 0.0

    def host_audit():
        # An audited sandbox sleeping; the op outside it, as the same user.
        sb = subprocess.Popen([HB, "run", "--audit", "--fs-readonly", "--", "sleep", "600"],
                              env=HB_ENV, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # its marks set
        try:
            p = subprocess.run([*op, files["in"], "w"], capture_output=True, text=True,
                               preexec_fn=as_user, timeout=600)
        finally:
            sb.terminate()
            _, _, ru = os.wait4(sb.pid, 0)
        return op_line(p.stdout), (ru.ru_utime + ru.ru_stime) * 1e9 / n

    configs = {
        "plain": plain,
        "host_audit": host_audit,
        "in_enforced": lambda: sandboxed(["--fs-readonly", "--allow-write", allowed],
                                         files["allowed"]),
        "in_allowed": lambda: sandboxed(["--audit", "--fs-readonly", "--allow-write", allowed],
                                        files["allowed"]),
        "in_audited": lambda: sandboxed(["--audit", "--fs-readonly"], files["in"]),
    }
    for _ in range(rounds):
        order = list(configs)
        random.shuffle(order)
        got = {name: configs[name]() for name in order}
        base = float(got["plain"][0]["ns_per_op"])
        for name, (line, launcher) in got.items():
            r = results.setdefault(name, {"ns": [], "ratio": [], "cpu": [], "launcher": []})
            r["ns"].append(float(line["ns_per_op"]))
            r["ratio"].append(float(line["ns_per_op"]) / base)
            r["cpu"].append(float(line["cpu_ns_per_op"]))
            r["launcher"].append(launcher)
    print(f"# {rounds} rounds of {n} open(O_WRONLY)+close; medians; kernel {os.uname().release}")
    print(f"{'config':<12} {'ns/op':>8} {'x plain':>8} {'cpu ns/op':>10} {'launcher cpu ns/op':>19}")
    for name in configs:
        r = results[name]
        print(f"{name:<12} {statistics.median(r['ns']):8.0f} {statistics.median(r['ratio']):8.2f} "
              f"{statistics.median(r['cpu']):10.0f} {statistics.median(r['launcher']):19.0f}")


if __name__ == "__main__":
    main()
