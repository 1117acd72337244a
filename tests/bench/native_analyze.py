# SPDX-License-Identifier: GPL-2.0-only
"""The native section of docs/benchmarks.md, from tests/bench/native.py's
report: tier B on this machine, with its real clock. The section sits
between the markers of analyze.py and replaces the previous one; the VM
sections around it are left as they are.
Usage: native_analyze.py OUT.md MACHINE BUILD TOOK_S REPORT
"""
import datetime
import os
import re
import statistics
import sys

import analyze
from analyze import NATIVE_BEGIN, NATIVE_END, fmt_time, md_table, native_block, with_native
from results import load, paired_ratios, phases

# Operation titles (tests/bench/native.py's OPS); configurations and
# commands are named from the report's meta line, as they were run.
OPS = {
    "open": "open+close `/etc/passwd`",
    "stat": "stat `/etc/passwd`",
    "connect": "TCP connect+close (loopback)",
    "sendto": "UDP sendto (loopback)",
    "forkexec": "fork+exec `/bin/true`",
    "mmap_exec": "mmap(PROT_EXEC) of libc",
    "write_allowed": "open(O_WRONLY)+close `DIR/w0/file`",
    "write_denied": "open(O_WRONLY)+close `DIR/file`",
}
# A denied operation against the allowed call it replaces: the same call
# where a sandbox lets it through. The exec is compared inside
# --fs-readonly, which like --no-subprocess has Landlock and seccomp and
# no cgroup programs; the write with the allowed one of the same sandbox.
ALLOWED_TWIN = {
    "connect": ("connect", "net"),
    "sendto": ("sendto", "net"),
    "forkexec": ("forkexec", "fs"),
    "write_denied": ("write_allowed", "fs"),
}
# The targets (17): the start-up one, and per operation.
TARGET_START_MS = 30
TARGET_OUTSIDE = 1.02
TARGET_INSIDE = 1.05
TARGET_DENIED = 1.00
# The VM part's duration, until its header records it (run-bench does
# from now on): its last full run with every section, at commit 66ee18d,
# said so in that commit's message.
VM_TOOK_FALLBACK = (64, "its last full run, at commit 66ee18d; its header gives the time "
                        "from its next run on")


def quartiles(values):
    """(median, p25, p75), or None without values."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    if len(values) == 1:
        return values[0], values[0], values[0]
    p25, med, p75 = statistics.quantiles(values, n=4, method="inclusive")
    return med, p25, p75


def fmt_q(q, fmt="{:.3f}"):
    if q is None:
        return "no data"
    med, lo, hi = q
    if lo == hi:
        return fmt.format(med)
    return f"{fmt.format(med)} [{fmt.format(lo)}–{fmt.format(hi)}]"


def fmt_tq(q):
    """Times (ns) as median [p25–p75]."""
    if q is None:
        return "no data"
    return f"{fmt_time(q[0])} [{fmt_time(q[1])}–{fmt_time(q[2])}]"


def verdict(q, target):
    return analyze.verdict(q, target, "p25–p75")


class Native:
    """One native run's numbers, each on two clocks: "wall" (the real
    clock, what the targets are judged on) and "cpu" (the CPU time of
    the timed processes, which other jobs' use of the CPU does not count)."""

    def __init__(self, recs):
        self.meta = m = next((r for r in recs if r["kind"] == "meta"), {})
        work = m.get("work", "DIR")
        flags = {c: " ".join(f.replace(work, "DIR") for f in spec["flags"])
                 for c, spec in m.get("configs", {}).items() if spec["flags"]}
        # Operation configurations besides (a), with their labels; one
        # with its own baseline (the agent's, against a3) says so.
        self.configs = {c: (f"(b) outside, next to `run {flags[c]}`"
                            if m["configs"][c]["outside"] else f"inside `{flags[c]}`")
                        for c in flags}
        self.configs.update({c: spec["label"] for c, spec in m.get("configs", {}).items()
                             if spec.get("label")})
        self.baseline = {c: m["configs"][c].get("baseline", "a") for c in self.configs}
        # Measured for comparison only (the floor of (c)): no target.
        self.untargeted = {c for c in self.configs if m["configs"][c].get("target") is False}
        self.inside = [c for c in flags if not m["configs"][c]["outside"]]
        self.denied_in = {c: set(m["configs"][c]["denies"]) for c in self.configs}
        # (title, op, cfg, allowed op, allowed cfg, denied by, allowed by)
        self.denied = []
        for c in self.inside:
            for op, errno in m["configs"][c]["denies"].items():
                a_op, a_cfg = ALLOWED_TWIN[op]
                self.denied.append((OPS[op].split(" `DIR")[0], op, c, a_op, a_cfg,
                                    f"`{flags[c]}`, {errno}",
                                    f"{OPS[a_op]} in the same sandbox" if a_cfg == c else
                                    f"`{flags[a_cfg]}`"))
        self.commands = {k: " ".join([os.path.basename(v[0])] + v[1:])
                         for k, v in m.get("commands", {}).items()}
        self.start_rows = [(c, " ".join(w + ["{cmd}"])) for c, w in m.get("start", {}).items()]
        self.done = next((r for r in recs if r["kind"] == "done"), None)
        self.sections = {r["name"]: r for r in recs if r["kind"] == "section"}
        self.errors = [r for r in recs if r["kind"] == "error"]
        self.anomalies = [f"a report line is not JSON: {r['line']!r}"
                          for r in recs if r["kind"] == "garbled"]
        # start[clock][cmd][cfg][round] = ns; marks[cmd][cfg] = [(ns, marks, gone)]
        self.start, self.marks = {"wall": {}, "cpu": {}}, {}
        for r in (r for r in recs if r["kind"] == "start"):
            if r["status"]:
                self.anomalies.append(f"start {r['cfg']} `{self.commands[r['cmd']]}` round "
                                      f"{r['round']}: exit {r['status']}")
                continue
            for clock, key in (("wall", "ns"), ("cpu", "cpu_ns")):
                self.start[clock].setdefault(r["cmd"], {}).setdefault(
                    r["cfg"], {})[r["round"]] = r.get(key)
            self.marks.setdefault(r["cmd"], {}).setdefault(r["cfg"], []).append(
                (r["ns"], r["marks"], r["gone_ms"]))
        # ops[clock][op][cfg][round] = ns per operation
        self.ops = {"wall": {}, "cpu": {}}
        for r in (r for r in recs if r["kind"] == "op"):
            want = r["expect"]
            if (want and (r["failed"] != r["n"] or r["errno"] != want or not r["n"])) or \
                    (not want and r["failed"]):
                self.anomalies.append(f"{r['op']} in {r['cfg']} round {r['round']}: "
                                      f"{r['failed']}/{r['n']} failed ({r['errno']}), "
                                      f"expected {'all ' + want if want else 'none'}")
                continue
            for clock, key in (("wall", "ns"), ("cpu", "cpu_ns")):
                self.ops[clock].setdefault(r["op"], {}).setdefault(
                    r["cfg"], {})[r["round"]] = r.get(key)

    def start_time(self, cmd, cfg, clock="wall"):
        return quartiles(self.start[clock].get(cmd, {}).get(cfg, {}).values())

    def start_ratio(self, cmd, cfg, clock="wall"):
        return quartiles(paired_ratios(self.start[clock].get(cmd, {}), cfg, "plain"))

    def start_added(self, cmd, cfg, clock="wall"):
        """ms added to the plain command, per round."""
        rows = self.start[clock].get(cmd, {})
        a, b = rows.get(cfg, {}), rows.get("plain", {})
        return quartiles([(a[r] - b[r]) / 1e6 for r in a if r in b])

    def op_ratio(self, op, cfg, den_op=None, den_cfg="a", clock="wall"):
        """op in cfg against den_op (default: op) in den_cfg, per round."""
        a = self.ops[clock].get(op, {}).get(cfg, {})
        b = self.ops[clock].get(den_op or op, {}).get(den_cfg, {})
        return quartiles([a[r] / b[r] for r in a if r in b and b[r] > 0])

    def op_time(self, op, cfg, clock="wall"):
        return quartiles(self.ops[clock].get(op, {}).get(cfg, {}).values())


def short_verdict(q, cpu, target):
    """ "1.012 (CPU 1.004): met", for a cell; spreads are in the tables below."""
    if q is None:
        return "no data"
    return f"{q[0]:.3f}{f' (CPU {cpu[0]:.3f})' if cpu else ''}: {verdict(q, target)}"


def targets_tables(n):
    q, cpu = n.start_added("python", "hb_net"), n.start_added("python", "hb_net", "cpu")
    plain, hb = n.start_time("python", "plain"), n.start_time("python", "hb_net")
    start = md_table(
        ["target", "measured: median [p25–p75] over rounds", ""],
        [[f"cold `run --no-network -- python3 -c pass` within {TARGET_START_MS} ms of "
          "`python3 -c pass`",
          "no data" if q is None else
          f"{fmt_q(q, '{:+.1f}')} ms ({fmt_time(hb[0])} against {fmt_time(plain[0])}); "
          f"CPU time {fmt_q(cpu, '{:+.1f}')} ms",
          verdict(q, TARGET_START_MS)]] +
        [[f"the first tier B run of a boot, which loads the programs the later ones share "
          f"(no target)", f"{fmt_q(first, '{:+.1f}')} ms", "—"]
         for first in [n.start_added("python", "hb_net_first")] if first is not None])
    rows = []
    targeted = {c: label for c, label in n.configs.items() if c not in n.untargeted}
    for op, title in OPS.items():
        cells = []
        for cfg in targeted:
            target = TARGET_INSIDE if cfg in n.inside else TARGET_OUTSIDE
            den = n.baseline[cfg]
            cells.append("denied: below" if op in n.denied_in[cfg] else
                         short_verdict(n.op_ratio(op, cfg, den_cfg=den),
                                       n.op_ratio(op, cfg, den_cfg=den, clock="cpu"), target))
        rows.append([title] + cells)
    ops = md_table(["operation: median ratio to (a) no sandbox ((c): to the same task "
                    "with no agent), wall clock (CPU time)"] +
                   [f"{label}, allowed ≤ {TARGET_INSIDE:.2f}×" if c in n.inside else
                    f"{label} ≤ {TARGET_OUTSIDE:.2f}×" for c, label in targeted.items()], rows)
    denied = md_table(
        ["target", "measured: median [p25–p75] over rounds (CPU time)", ""],
        [[f"denied ≤ allowed: {title} ({how}; allowed: {allowed})",
          f"{fmt_q(n.op_ratio(op, cfg, a_op, a_cfg))} "
          f"(CPU {fmt_q(n.op_ratio(op, cfg, a_op, a_cfg, clock='cpu'))})",
          verdict(n.op_ratio(op, cfg, a_op, a_cfg), TARGET_DENIED)]
         for title, op, cfg, a_op, a_cfg, how, allowed in n.denied])
    return [start, "", ops, "", denied]


def start_table(n, cmd):
    keys = ("probe", "cgroup", "load", "attach", "command", "cleanup", "rest", "gone")
    rows = []
    for cfg, label in n.start_rows:
        t = n.start_time(cmd, cfg)
        if t is None:
            continue
        hb = label.startswith("hermetic-bpf ")
        ph = phases(n.marks[cmd][cfg]) if hb else {}
        plain = label == "{cmd}"
        note = " (as the user)" if plain else " (no guard: nothing loaded)" \
            if label == "hermetic-bpf run -v -- {cmd}" else ""
        rows.append([f"`{label.format(cmd=n.commands[cmd])}`{note}", fmt_tq(t),
                     "—" if plain else fmt_q(n.start_added(cmd, cfg), "{:+.1f}"),
                     "—" if plain else fmt_q(n.start_ratio(cmd, cfg), "{:.2f}"),
                     fmt_time(n.start_time(cmd, cfg, "cpu")[0]),
                     "—" if plain else fmt_q(n.start_ratio(cmd, cfg, "cpu"), "{:.2f}")] +
                    [("no data" if ph.get(k) is None else f"{ph[k]:.1f}") if ph else "—"
                     for k in keys])
    return md_table(["command", "time: median [p25–p75]", "ms added to plain", "/ plain",
                     "CPU time ³", "CPU / plain", "probe ms", "cgroup ms", "load ms",
                     "attach ms", "exec+command ms", "cleanup ms", "outside -v ms ¹",
                     "left-over child after exit ms ²"], rows)


def ops_table(n, clock):
    rows = []
    for op, title in OPS.items():
        cells = []
        for cfg in n.configs:
            cell = fmt_q(n.op_ratio(op, cfg, den_cfg=n.baseline[cfg], clock=clock))
            if op in n.denied_in[cfg]:
                cell += " (denied)"
            cells.append(cell)
        rows.append([title, fmt_tq(n.op_time(op, "a", clock))] + cells)
    return md_table(["operation", "(a) no sandbox: time/op"] +
                    [f"{label} / ({n.baseline[c]})" for c, label in n.configs.items()], rows)


def denied_table(n):
    rows = []
    for title, op, cfg, a_op, a_cfg, how, allowed in n.denied:
        rows.append([title, how, allowed, fmt_tq(n.op_time(op, cfg)),
                     fmt_tq(n.op_time(a_op, a_cfg)), fmt_q(n.op_ratio(op, cfg, a_op, a_cfg)),
                     fmt_q(n.op_ratio(op, cfg, a_op, a_cfg, clock="cpu"))])
    return md_table(["operation", "denied by", "allowed by", "denied: time/op",
                     "allowed: time/op", "denied / allowed: median [p25–p75]",
                     "the same in CPU time"], rows)


def took(secs):
    return f"{secs / 60:.1f} min" if secs >= 60 else f"{secs:.0f} s"


def vm_took(text):
    """(minutes, where that comes from) of the VM part: its header's
    "- Took: N min ..." line, outside the native section."""
    outside = text.replace(native_block(text), "")
    m = re.search(r"^- Took: (\d+) min on the host for the VM part", outside, re.M)
    return (int(m.group(1)), "its header") if m else VM_TOOK_FALLBACK


def load_line(n):
    parts = []
    for name, title in (("start", "start-up"), ("ops", "operations")):
        s = n.sections.get(name)
        if s:
            others = max(0.0, s["busy_cores"] - s["our_cores"])
            parts.append(f"{title}: {others:.2f} cores busy with other jobs, "
                         f"{s['our_cores']:.2f} with this benchmark"
                         + (f", {s['steal_cores']:.2f} stolen by the hypervisor"
                            if s.get("steal_cores") else ""))
    return "; ".join(parts)


def section(n, machine, build, took_s, existing):
    m = n.meta
    smoke = m.get("profile") == "smoke"
    vm = vm_took(existing)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    secs = {k: v["seconds"] for k, v in n.sections.items()}
    out = [NATIVE_BEGIN, "## Tier B natively on this machine (real clock)", "",
           ("**Smoke run (`make bench-smoke`): a few rounds, to check that the native "
            "benchmark still runs; its numbers are not for conclusions.**" if smoke else
            "Generated by `make bench` (or `make bench-native` alone: "
            "`tests/bench/native-bench`); do not edit by hand. The sections after this "
            "one are the VMs' (tier A, and tier B where those kernels have it, under icount)."),
           "",
           f"- Date: {now}",
           f"- Machine: {machine}; Landlock ABI {m.get('landlock_abi', '?')}; "
           f"hermetic-bpf enforces tier B here",
           f"- Measured: {build}; the sandboxed commands run as {m.get('user', '?')} "
           f"(uid {m.get('uid', '?')}): tier B does not seal a command running as root",
           f"- Compared with: {m.get('python', 'python3')} (`/usr/bin/python3`), util-linux "
           "`unshare`, " + (m["bwrap_version"] if m.get("bwrap") else
                            "no bubblewrap (not installed: its rows are left out)"),
           f"- Profile {m.get('profile', '?')}: {m.get('rounds', {}).get('start', '?')} "
           f"rounds of start-up, {m.get('rounds', {}).get('ops', '?')} of operations, "
           f"blocks of {m.get('block_s', '?')} s",
           f"- Load on the machine while measuring (cores, on average): {load_line(n)}",
           f"- Took: {took(took_s)} for this native part (start-up {took(secs.get('start', 0))}, "
           f"operations {took(secs.get('ops', 0))}, the rest calibrating, building and "
           "waiting)" + ("; then `make bench-smoke` boots its VMs" if smoke else
                         f"; then `make bench` boots its VMs for about {vm[0]} min ({vm[1]}): "
                         f"about {vm[0] + took_s / 60:.0f} min in all"),
           ""]
    if not n.done:
        out += ["**The native run did not finish: the numbers below are partial.**", ""]
    for e in n.errors:
        out += [f"- section {e['section']} failed: `{e['error']}`"]
    for a in n.anomalies[:20]:
        out += [f"- unexpected (left out of the numbers): {a}"]
    if n.errors or n.anomalies:
        out += [""]
    out += ["### Targets (issue 17), tier B natively", "",
            "Goals, not assertions: a target is met when its median is; \"p25–p75 crosses "
            "the target\" says the rounds' middle half lies on both sides of it.", "",
            *targets_tables(n), "",
            "### Start-up", ""]
    for cmd in n.commands:
        out += [start_table(n, cmd), ""]
    out += ["¹ hermetic-bpf's own exec, set-up before its first `-v` line, and exit.",
            "² After `run` exited, until the child it leaves to detach the programs had "
            "exited too (tier B: cgroup programs; 0 when nothing was loaded). Not in "
            "\"time\"; the next command started only then.",
            "³ Of the command and every process it waited for (`run`, the command, its "
            "children; not the child left to detach), median.", "",
            "### Operations: time relative to (a) no sandbox", "",
            "Each cell: the operation's time per call in that configuration over its time in "
            "(a), in the same round; median [p25–p75] over rounds. (c) is over (a3), the "
            "same task 3 levels deep with no agent: the agent is started before each of its "
            "blocks and unloaded after, so that no other block runs its programs. (c0), over "
            "(a3) too, has empty programs on the same inet hooks at the root instead: what "
            "any program there costs, which (c) cannot go below (no target).", "",
            "**Wall clock** (the targets' measure)", "", ops_table(n, "wall"), "",
            "**CPU time** of the timing process and the children it waited for: what other "
            "jobs' turns on the CPU do not inflate, but missing work done for it elsewhere "
            "(the launcher answering a seccomp notification, softirq threads)", "",
            ops_table(n, "cpu"), "",
            "### Denied against the allowed call it replaces", "",
            denied_table(n), ""]
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "native_method.md")) as f:
        out += [f.read().rstrip(), "", NATIVE_END]
    return "\n".join(out)


def main():
    out, machine, build, took_s, report = sys.argv[1:]
    n = Native(load(report))
    existing = open(out).read() if os.path.exists(out) else ""
    block = section(n, machine, build, float(took_s), existing)
    with open(out, "w") as f:
        f.write(with_native(existing, block))
    print(block.split("### Start-up")[0].rstrip())
    problems = ([] if n.done else ["did not finish"]) + \
        [f"section {e['section']} failed" for e in n.errors] + n.anomalies
    for p in problems:
        print(f"native-bench: problem: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
