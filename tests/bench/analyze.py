# SPDX-License-Identifier: GPL-2.0-only
"""Writes docs/benchmarks.md from the guests' reports: the targets, the
tables, and the method (method.md). The ratios come from results.py;
absolute times are emulated and only give context.
Usage: analyze.py OUT.md MODE MACHINE BUILD REPORT...
"""
import datetime
import json
import os
import statistics
import sys

from results import NET_OPS, Boot, load, paired_ratios, spread

OPS = ["open", "stat", "connect", "sendto", "forkexec", "mmap_exec"]
OP_TITLE = {
    "open": "open+close", "stat": "stat", "connect": "TCP connect+close (loopback)",
    "sendto": "UDP sendto (loopback)", "forkexec": "fork+exec /bin/true",
    "mmap_exec": "mmap(PROT_EXEC) of a file",
}
CONTEXTS = {"outside": "outside every sandbox", "allowed": "inside, allowed",
            "denied": "inside, denied",
            "agent-level2-in": "inside the agent's policy at level 2, denied"}
# The agent's policies in bench.py's per-program section (AGENT_POLICIES),
# in the order the page shows them.
AGENT_POLICIES = {"none": "no policy", "level2": "a policy at level 2"}
# (plain, unshare -n, hermetic-bpf) start-up configurations, with labels.
START_GROUPS = [
    [("true", "`true`"), ("unshare_true", "`unshare -n true`"),
     ("hb_true", "`hermetic-bpf run -v -- true` (no guard: nothing loaded)"),
     ("hb_true_net", "`hermetic-bpf run -v --no-network -- true`, cold"),
     ("hb_true_warm", "the same, warm (the agent's programs)")],
    [("python", "`python3 -c pass`"), ("unshare_python", "`unshare -n python3 -c pass`"),
     ("hb_python", "`hermetic-bpf run -v --no-network -- python3 -c pass`, cold"),
     ("hb_python_warm", "the same, warm (the agent's programs)"),
     ("python_agent", "`python3 -c pass` beside the agent's programs (outside)")],
]
# The guards' own section (bench.py's GUARDS): per guard a title, its
# operations, its configurations besides (a), and ratios between them
# (numerator, denominator, column title).
GUARDS = {
    "fs": ("Filesystem guard: `--fs-readonly` with `--allow-write` (issues 4 and 6)",
           {"write_allowed": "open(O_WRONLY)+close, a file in an allowed subtree",
            "write_denied": "open(O_WRONLY)+close, a file outside every subtree ⁴",
            "open": "open+close `/etc/passwd`", "stat": "stat `/etc/passwd`"},
           {"b": "(b) outside", "in1": "inside, 1 subtree", "in64": "inside, 64 subtrees",
            "audit": "`--audit`, 1 subtree"},
           [("in64", "in1", "64 / 1 subtree"), ("audit", "in1", "audit / enforce (1 subtree)")]),
    "exec": ("Exec guard: `--no-subprocess` (issues 5 and 6)",
             {"forkexec": "fork+exec `/bin/true` ⁵"},
             {"b": "(b) outside", "allow": "inside, `--allow-exec /bin/true`",
              "deny": "inside, `--no-subprocess`", "audit": "`--audit --no-subprocess`"},
             [("deny", "allow", "denied / allowed"), ("audit", "deny", "audit / enforce"),
              ("audit", "allow", "audit / allowed")]),
    "native": ("Native-code guard: `--block-native` (issues 5 and 6)",
               {"mmap_trusted": "mmap(PROT_EXEC) of libc (trusted)",
                "mmap_untrusted": "mmap(PROT_EXEC) of a copy of libc in /tmp ⁶"},
               {"b": "(b) outside", "in": "inside", "audit": "`--audit --block-native`"},
               [("audit", "in", "audit / enforce")]),
}
GUARD_NOTES = (
    "⁴ Denied (EROFS) inside, checked on every call; allowed and audited under `--audit`. "
    "⁵ The exec is denied (EPERM, checked) under `--no-subprocess`, after the fork; allowed "
    "and audited under `--audit`. ⁶ Denied (EPERM, checked) inside; allowed and audited "
    "under `--audit`. For the other operations nothing is denied or audited, and "
    "\"audit / enforce\" compares two configurations that allow them.")

# The native section (tests/bench/native_analyze.py) lies between these
# lines: it replaces only what is between them, and a VM run keeps it.
NATIVE_BEGIN = "<!-- tier B natively: written by tests/bench/native-bench; the VM part keeps it -->"
NATIVE_END = "<!-- end of tier B natively -->"

TARGET_OUTSIDE = 1.02
TARGET_PROG = 1.5
TARGET_INSIDE = 1.05
TARGET_DENIED = 1.00
TARGET_WARM = 1.03
TARGET_COLD_MS = 150
# The guards' operations inside (bench.py's GUARDS) that issue 17's inside
# targets cover: allowed, (operation, configuration, title); and denied
# against the allowed call it replaces, (denied op, cfg, allowed op, cfg,
# title), the two in one round.
GUARD_ALLOWED = [
    ("fs.write_allowed", "in1", "open(O_WRONLY)+close in an `--allow-write` subtree "
                                "(`--fs-readonly`)"),
    ("fs.open", "in1", "open+close `/etc/passwd` (`--fs-readonly`)"),
    ("fs.stat", "in1", "stat `/etc/passwd` (`--fs-readonly`)"),
    ("exec.forkexec", "allow", "fork+exec `/bin/true` (`--allow-exec /bin/true`)"),
    ("native.mmap_trusted", "in", "mmap(PROT_EXEC) of libc (`--block-native`)"),
]
GUARD_DENIED = [
    ("fs.write_denied", "in1", "fs.write_allowed", "in1",
     "open(O_WRONLY)+close (`--fs-readonly`, EROFS; allowed: in the `--allow-write` subtree)"),
    ("exec.forkexec", "deny", "exec.forkexec", "allow",
     "fork+exec `/bin/true` (`--no-subprocess`, EPERM; allowed: `--allow-exec /bin/true`)"),
    ("native.mmap_untrusted", "in", "native.mmap_trusted", "in",
     "mmap(PROT_EXEC) (`--block-native`, EPERM: a copy of libc in /tmp; allowed: libc)"),
]


def native_block(text):
    """The native section of a page, markers included, or ""."""
    if NATIVE_BEGIN not in text or NATIVE_END not in text:
        return ""
    start = text.index(NATIVE_BEGIN)
    return text[start:text.index(NATIVE_END, start) + len(NATIVE_END)]


def with_native(text, block):
    """TEXT with its native section replaced by BLOCK, or BLOCK put before
    the first kernel's section (after the VMs' targets), else before the
    method, else at the end."""
    old = native_block(text)
    if old:
        return text.replace(old, block)
    if not text:
        return f"# Benchmarks\n\n{block}\n"
    for heading in ("\n## Linux ", "\n## Method"):
        if heading in text:
            at = text.index(heading) + 1
            return f"{text[:at]}{block}\n\n{text[at:]}"
    return f"{text.rstrip()}\n\n{block}\n"


def fmt_ratio(s, digits=3):
    if s is None:
        return "no data"
    med, lo, hi = s
    if len(set((med, lo, hi))) == 1:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def fmt_time(ns):
    if ns is None:
        return "no data"
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def verdict(s, target, spread="spread"):
    """met / not met on the median; says so when the SPREAD (lo, hi)
    straddles it."""
    if s is None:
        return "no data"
    med, lo, hi = s
    word = "met" if med <= target else "not met"
    if lo <= target < hi:
        word += f" ({spread} crosses the target)"
    return word


def fmt_ms(s):
    med, lo, hi = s
    return f"{med:.0f} ms ({lo:.0f}–{hi:.0f})"


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def short(kernel):
    return ".".join(kernel.split(".")[:2])


def targets(boots):
    rows = []

    def row(what, target, get, fmt=fmt_ratio, floor=None):
        """FLOOR: the same ratio with the empty programs alone, (f)."""
        cells = []
        for b in boots:
            s = get(b)
            cell = "no data" if s is None else f"{fmt(s)}: {verdict(s, target)}"
            f = floor(b) if floor else None
            if f:
                cell += f"; the empty programs alone {fmt(f)}" + \
                        (" (above the target)" if f[0] > target else "")
            cells.append(cell)
        rows.append([what] + cells)

    for op in OPS:
        row(f"outside ≤ {TARGET_OUTSIDE:.2f}× no programs: {OP_TITLE[op]}", TARGET_OUTSIDE,
            lambda b, op=op: b.op_ratio(op, "b"),
            floor=lambda b, op=op: b.op_ratio(op, "f"))
    lookups = {name: hook for b in boots for name, hook in b.lookups.items()}
    for name, hook in sorted(lookups.items()):
        cells = []
        for b in boots:
            s = b.prog_ratio("outside", name)
            cells.append("no data" if s is None else f"{fmt_ratio(s)}" +
                         (f" (above {TARGET_PROG}×)" if s[0] > TARGET_PROG else ""))
        rows.append([f"no target, the least per-task decision: one lookup of the task's "
                     f"cgroup and a compare (`{name}` ⁷), against the empty program on "
                     f"{hook}"] + cells)
    for ctx in CONTEXTS:
        named = {}
        for b in boots:
            for name in b.programs():
                if b.floor_of(name) and name in b.progs.get(ctx, {}):
                    named.setdefault(name, b.hooks[name])
        for name in sorted(named):
            row(f"`{name}` ≤ {TARGET_PROG}× empty program on {named[name]} ({CONTEXTS[ctx]})",
                TARGET_PROG, lambda b, ctx=ctx, name=name: b.prog_ratio(ctx, name))
    for policy, depth in agent_columns(boots):
        cells = []
        for b in boots:
            w = b.prog_worst(b.agent_ctxs.get((policy, depth)), TARGET_PROG)
            cells.append("no data" if w is None else
                         f"{fmt_ratio(w[1])} (`{w[0]}`): {verdict(w[1], TARGET_PROG)}; "
                         f"{w[2]} of {w[3]} programs over")
        rows.append([f"agent host, {AGENT_POLICIES.get(policy, policy)}, a task {depth} "
                     f"level{'s' if depth > 1 else ''} deep outside every sandbox: every "
                     f"program ≤ {TARGET_PROG}× the empty program on its hook (the worst one)"]
                    + cells)
    for op in OPS:
        row(f"inside, allowed ≤ {TARGET_INSIDE:.2f}× no programs: {OP_TITLE[op]}",
            TARGET_INSIDE, lambda b, op=op: b.op_ratio(op, "c"))
    for op, cfg, title in GUARD_ALLOWED:
        row(f"inside, allowed ≤ {TARGET_INSIDE:.2f}× no programs: {title}", TARGET_INSIDE,
            lambda b, op=op, cfg=cfg: b.op_ratio(op, cfg))
    for op in NET_OPS:
        row(f"denied ≤ allowed: {OP_TITLE[op]}", TARGET_DENIED,
            lambda b, op=op: b.op_ratio(op, "d", "c"))
    for dop, dcfg, aop, acfg, title in GUARD_DENIED:
        row(f"denied ≤ allowed, time per call: {title}", TARGET_DENIED,
            lambda b, d=(dop, dcfg), a=(aop, acfg): b.time_ratio(d, a))
    row(f"cold tier A start ≤ {TARGET_COLD_MS} ms: `hermetic-bpf run -v --no-network -- true`",
        TARGET_COLD_MS,
        lambda b: spread([ns / 1e6 for ns in b.start.get("hb_true_net", {}).values()]),
        fmt=fmt_ms)
    row(f"warm run ≤ {TARGET_WARM:.2f}× plain python3", TARGET_WARM,
        lambda b: spread(paired_ratios(b.start, "hb_python_warm", "python")))
    return md_table(["target (ratio: median (min–max) over rounds)"] +
                    [short(b.kernel) for b in boots], rows)


def ops_table(b):
    rows = []
    for op in OPS:
        note = ""
        if op not in NET_OPS:
            note = " ¹"
        net = op in NET_OPS
        rows.append([OP_TITLE[op] + note, fmt_time(b.op_abs(op, "a")),
                     fmt_ratio(b.op_ratio(op, "b")), fmt_ratio(b.op_ratio(op, "f")),
                     fmt_ratio(b.op_ratio(op, "c")),
                     fmt_ratio(b.op_ratio(op, "d")),
                     fmt_ratio(b.op_ratio(op, "d", "c")) if net else "—",
                     fmt_ratio(b.op_ratio(op, "e")),
                     fmt_ratio(b.op_ratio(op, "e", "d")) if net else "—",
                     fmt_ratio(b.op_ratio(op, "e", "c")) if net else "—"])
    return md_table(["operation", "(a) none: time/op", "(b) outside / (a)",
                     "(f) empty programs / (a)", "(c) inside allowed / (a)",
                     "(d) inside denied / (a)", "(d) / (c)", "(e) audit / (a)",
                     "(e) audit / (d) enforce", "(e) / (c)"], rows)


def op_events_table(b):
    rows = []
    for r in sorted(b.op_events, key=lambda r: (r["cfg"], r["round"])):
        if r["cfg"] not in ("d", "e"):
            continue
        ok = r["accounted"] == r["calls"] and not r["other"]
        rows.append([f"({r['cfg']})", r["round"], f"{r['calls']:,}", f"{r['net']:,}",
                     f"{r['limited']:,}", f"{r['lost']:,}",
                     "yes" if ok else f"no ({r['accounted']:,}; other events: {r['other']:,})"])
    return md_table(["configuration", "round", "connect+sendto calls", "traced",
                     "limited", "lost", "every call's event accounted for"], rows)


def guard_table(b, g):
    _, ops, cfgs, extra = GUARDS[g]
    rows = []
    for op, title in ops.items():
        rows.append([title, fmt_time(b.op_abs(f"{g}.{op}", "a"))] +
                    [fmt_ratio(b.op_ratio(f"{g}.{op}", cfg)) for cfg in cfgs] +
                    [fmt_ratio(b.op_ratio(f"{g}.{op}", num, den)) for num, den, _ in extra])
    return md_table(["operation", "(a) none: time/op"] +
                    [f"{label} / (a)" for label in cfgs.values()] +
                    [label for _, _, label in extra], rows)


def guard_events_table(b):
    rows = []
    order = [(g, cfg) for g, spec in GUARDS.items() for cfg in spec[2]]
    for r in sorted(b.guard_events, key=lambda r: (order.index((r["guard"], r["cfg"])),
                                                    r["round"])):
        ok = r["accounted"] == r["calls"] and not r["other"]
        rows.append([GUARDS[r["guard"]][2][r["cfg"]], r["round"], f"{r['calls']:,}",
                     f"{r['verdict']} {r['action']}: {r['net']:,}", f"{r['limited']:,}",
                     f"{r['lost']:,}",
                     "yes" if ok else f"no ({r['accounted']:,}; other events: {r['other']:,})"])
    return md_table(["configuration", "round", "denied or audited calls", "traced",
                     "limited", "lost", "every call's event accounted for"], rows)


def progs_table(b):
    rows = []
    for ctx, title in CONTEXTS.items():
        for name in b.programs():
            runs = b.runs.get(ctx, {}).get(name)
            if not runs:
                continue
            floor = b.floor_of(name)
            rows.append([f"`{name}`", b.hooks[name], title, int(statistics.median(runs)),
                         fmt_time(b.prog_abs(ctx, name)),
                         fmt_time(b.prog_abs(ctx, floor)) if floor else "no floor loaded",
                         fmt_ratio(b.prog_ratio(ctx, name), 2) if floor else "—"])
    for name, hook in sorted(b.lookups.items()):
        runs = b.runs.get("outside", {}).get(name)
        if runs:
            rows.append([f"`{name}` ⁷", hook, CONTEXTS["outside"], int(statistics.median(runs)),
                         fmt_time(b.prog_abs("outside", name)),
                         fmt_time(b.prog_abs("outside", b.floor_of(name))),
                         fmt_ratio(b.prog_ratio("outside", name), 2)])
    return md_table(["program", "hook", "caller", "runs/block", "ns/run (median)",
                     "empty program ns/run", "ratio"], rows)


def agent_columns(boots):
    """(policy, depth) of the agent's contexts that some boot measured, in
    the page's order."""
    order = list(AGENT_POLICIES)
    got = {k for b in boots for k in b.agent_ctxs}
    return sorted(got, key=lambda k: (order.index(k[0]) if k[0] in order else len(order),
                                      k[0], k[1]))


def agent_table(b):
    """The agent's programs outside every sandbox, one column per policy
    and depth: each program's ratio to the empty program on its hook."""
    cols = [(k, b.agent_ctxs[k]) for k in agent_columns([b])]
    rows = []
    for name in b.programs():
        if not any(name in b.progs.get(ctx, {}) for _, ctx in cols):
            continue
        floor = b.floor_of(name)
        runs = [n for _, ctx in cols for n in b.runs.get(ctx, {}).get(name, [])]
        floor_ns = [v for _, ctx in cols
                    for v in b.progs.get(ctx, {}).get(floor, {}).values()] if floor else []
        cells = []
        for _, ctx in cols:
            ns = b.prog_abs(ctx, name)
            if ns is None:
                cells.append("did not run")
            elif floor:
                cells.append(f"{fmt_ratio(b.prog_ratio(ctx, name), 2)}; {fmt_time(ns)}")
            else:
                cells.append(f"—; {fmt_time(ns)}")
        rows.append([f"`{name}`", b.hooks[name], int(statistics.median(runs)),
                     fmt_time(statistics.median(floor_ns)) if floor_ns else "no floor loaded"]
                    + cells)
    verdicts = []
    for _, ctx in cols:
        w = b.prog_worst(ctx, TARGET_PROG)
        verdicts.append("no data" if w is None else
                        f"{verdict(w[1], TARGET_PROG)}: {w[2]} of {w[3]} over; worst "
                        f"`{w[0]}` {fmt_ratio(w[1], 2)}")
    rows.append([f"**every program ≤ {TARGET_PROG}× the empty program**", "", "", ""] +
                verdicts)
    return md_table(["program", "hook", "runs/block", "empty program ns/run"] +
                    [f"{AGENT_POLICIES.get(p, p)}, task {d} deep" for (p, d), _ in cols], rows)


AGENT_NOTES = (
    "Each cell: the program's run time per call against the empty program's on the same "
    "hook in the same block, median (min–max) over rounds; then its own time per call. The "
    "agent runs (`hermetic-bpf agent --policies DIR`), its whole object attached, with no "
    "policy file or with one confining `/bench-pol/job` (`no-network = yes`); the "
    "operations run outside every sandbox, in a plain cgroup that many levels below the "
    "root. With no policy no level is marked in `hb_levels`, and a hook's search for the "
    "task's policy ends at one load; with the policy at level 2, a task 1 level deep "
    "ends it at level 2 (its path ends above), and a task 3 or 6 levels deep asks for its "
    "level-2 ancestor, whose id's bit in the id filter of `hb_levels` is clear (a hash "
    "lookup only if it shares the policy's bit), and ends there (no deeper level is "
    "marked). Programs on "
    "hooks without an empty program in `tests/bench/floor.bpf.c` are listed with their "
    "time only.")


LOOKUP_NOTE = ("⁷ Not hermetic-bpf's: `tests/bench/floor.bpf.c`'s program that asks for the "
               "task's cgroup at level 2 (`bpf_get_current_ancestor_cgroup_id()`) and "
               "compares it with an id, and decides nothing. It is the least that a program "
               "which decides per task does on every call (a run's own object does that, "
               "then stops, for a task outside); its ratio is where the per-program rows of "
               "such programs can go at best.")


START_NOTES = ("² hermetic-bpf's own exec, set-up before its first `-v` line, and exit.\n"
               "³ After `run` exited, until no hermetic-bpf program was loaded any more "
               "(polled every 50 ms, so 0 means already gone): detaching left to a child "
               "process. Not in \"time\".\n"
               "Cold runs: after the boot's first cold run, each relocates its programs "
               "against the kernel's types that run kept (bpftool being in the guest; "
               "spec/probe.md, \"The kernel's types, kept for the boot\"); the first "
               "also keeps them, in its cleanup. The median is over the rounds.")


def start_table(b):
    keys = ("probe", "cgroup", "load", "attach", "command", "cleanup", "rest", "gone")
    rows = []
    for group in START_GROUPS:
        plain = group[0][0]
        for cfg, label in group:
            s = spread(b.start.get(cfg, {}).values())
            ph = b.phases(cfg) if cfg.startswith("hb_") else {}
            rows.append([label, fmt_time(s[0]) if s else "no data",
                         fmt_ratio(spread(paired_ratios(b.start, cfg, plain)), 2)] +
                        [("no data" if ph[k] is None else f"{ph[k]:.0f}") if ph else "—"
                         for k in keys])
    return md_table(["command", "time", "/ plain", "probe ms", "cgroup ms", "load ms",
                     "attach+pin ms", "exec+command ms", "cleanup ms",
                     "outside -v ms ²", "programs gone after exit ms ³"], rows)


def pair_table(b, kind, labels):
    rows_, base, other = b.pairs[kind]
    s_base = spread(rows_.get(base, {}).values())
    s_other = spread(rows_.get(other, {}).values())
    ratio = spread(paired_ratios(rows_, other, base))
    added = None
    if s_base and s_other:
        added = s_other[0] - s_base[0]
    return md_table(["", labels[0], labels[1], "ratio", "added per call"],
                    [["time per call", fmt_time(s_base[0]) if s_base else "no data",
                      fmt_time(s_other[0]) if s_other else "no data",
                      fmt_ratio(ratio, 2),
                      fmt_time(added) if added is not None and added >= 0 else
                      f"−{fmt_time(-added)}" if added is not None else "no data"]])


def events_table(b):
    rows = []
    for e in b.events:
        secs = e["ns"] / 1e9
        ok = e["accounted"] == e["eperm"]
        mode = f"paced at {e['rate']:,}/s" if e.get("mode") == "paced" else "flood"
        rows.append([e["round"], mode, f"{e['attempts'] / secs:,.0f}",
                     f"{e['delivered'] / secs:,.0f}", f"{e['attempts']:,}",
                     f"{e['delivered']:,}", f"{e['lost']:,}", f"{e['limited']:,}",
                     "yes" if ok else f"no ({e['eperm'] - e['accounted']:,} unaccounted)"])
    return md_table(["round", "loop", "denials/s", "delivered/s", "denials",
                     "traced", "lost (buffer full)", "limited", "all accounted for"], rows)


def fmt_rate(s):
    med, lo, hi = s
    return f"{med:,.0f}" if lo == hi else f"{med:,.0f} ({lo:,.0f}–{hi:,.0f})"


def lossless_line(b):
    best = b.lossless()
    floods = [e["delivered"] / e["ns"] * 1e9 for e in b.events if e.get("mode") != "paced"]
    out = []
    if best:
        rates = [r["delivered"] / r["ns"] * 1e9 for r in best.values()]
        top = [r["round"] for r in best.values()
               if r["rate"] == max(e["rate"] for e in b.events if e["round"] == r["round"])]
        out.append(f"**Events per second delivered with zero loss** (the fastest paced run "
                   f"that lost nothing, median (min–max) over rounds): "
                   f"{fmt_rate(spread(rates))}" +
                   (f"; in round(s) {top} even the fastest pace lost nothing, so this is a "
                    "lower bound" if top else "") + ".")
    else:
        out.append("**Events per second delivered with zero loss**: no paced run lost nothing.")
    if floods:
        out.append(f"Under a flood the launcher delivered {fmt_rate(spread(floods))} "
                   "events/s and counted the rest as lost; no loss went unreported where "
                   "\"all accounted for\" says yes.")
    return " ".join(out)


def kernel_section(b, section):
    """One section of boot B's part of the page, as lines."""
    if section == "ops":
        return ["### Operations: time relative to (a) no programs loaded", "",
                ops_table(b), "",
                "¹ Not a network operation: nothing is denied in (d) or audited in (e), "
                "which are more \"inside\" configurations for it.", "",
                "(f) loads no sandbox: only the empty programs of `tests/bench/floor.bpf.c` "
                "on the hooks where (b)'s sandbox attaches one of its programs ("
                + (", ".join(b.ops_floor) or "none recorded") + "). What any BPF-LSM program "
                "on those hooks costs (the trampoline, entering and leaving the program); "
                "(b)'s programs can only add to it, on these hooks and on those of its hooks "
                "that floor.bpf.c has no empty program for.", "",
                "(d) and (e) trace to a file at the default `--event-rate` (1000/s): "
                "beyond a burst of 1000, a call's event is counted as limited "
                "(table below). (e) / (d) compares an audited call, which goes through, "
                "with a denied one, which stops at the hook; (e) / (c) compares it with "
                "the same call allowed.", ""]
    if section == "guards":
        out = ["### The filesystem, exec and native guards: time relative to (a) no "
               "programs loaded", ""]
        for g, (title, *_) in GUARDS.items():
            out += [f"**{title}**", "", guard_table(b, g), ""]
        return out + [GUARD_NOTES, "",
                      "Events of the denied and audited calls (all at the default "
                      "`--event-rate`):", "", guard_events_table(b), ""]
    if section == "progs":
        out = ["### In-kernel cost per program, against an empty program on the same hook",
               "", progs_table(b), "", LOOKUP_NOTE, ""]
        if b.agent_ctxs:
            out += ["### The agent's programs outside every sandbox, by the task's cgroup "
                    "depth", "", agent_table(b), "", AGENT_NOTES, ""]
        return out
    if section == "start":
        return ["### Start-up", "", start_table(b), "", START_NOTES, ""]
    if section == "dns":
        return ["### DNS through the proxy (`--allow-domain example.com`)", "",
                pair_table(b, "dns", ("direct", "through the proxy")), ""]
    if section == "allowmap":
        return ["### connect() with 1,000 `--allow-ip` rules", "",
                pair_table(b, "allowmap", ("1 rule", "1,000 rules")), ""]
    if section == "events":
        return ["### Events delivered (`run --no-network --event-rate 0 --trace-file`, "
                "denied connects)", "", events_table(b), "", lossless_line(b), ""]
    return ["### Events of the denied and audited operations, (d) and (e)", "",
            op_events_table(b), ""]


def main():
    out, mode, machine, build, *reports = sys.argv[1:]
    boots = [Boot(load(p)) for p in reports]
    boots.sort(key=lambda b: [int(x) if x.isdigit() else 0
                              for x in b.kernel.replace("-", ".").split(".")[:3]])
    first = boots[0].meta if boots else {}
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    smoke = any(b.meta.get("smoke") for b in boots)
    # Test kernels that run-bench was not asked to boot this time.
    missing = os.environ.get("HB_BENCH_MISSING", "").split()
    jobs = {"1": "one boot"}.get(os.environ.get("HB_BENCH_JOBS", "1"),
                                 f"{os.environ.get('HB_BENCH_JOBS')} boots")
    doc = ["# Benchmarks", "",
           ("Generated by `make bench-smoke` (`tests/bench/run-bench`). **Smoke run: "
            "one short block per configuration, to check that every benchmark still "
            "runs; its numbers are not for conclusions.**"
            if smoke else
            f"Generated by `HB_BENCH_ONLY={os.environ['HB_BENCH_ONLY']} tests/bench/run-bench` "
            "(only those sections of `make bench`); do not edit by hand."
            if os.environ.get("HB_BENCH_ONLY") else
            "Generated by `make bench` (`tests/bench/run-bench`); do not edit by hand."), "",
           f"- Date: {now}",
           f"- Mode: {mode}",
           "- Kernels: " + ", ".join(f"{b.kernel}" for b in boots)
           + (f"; **not measured in this run: {', '.join(missing)}** (no numbers for "
              "them on this page)" if missing else ""),
           f"- Machine: {machine}",
           f"- Measured: {build}",
           *([f"- Took: {int(os.environ['HB_BENCH_TOOK_S']) / 60:.0f} min on the host for the "
              f"VM part, {jobs} at a time"] if os.environ.get("HB_BENCH_TOOK_S") else []),
           f"- Profile {first.get('profile', '?')}: rounds per section "
           f"{json.dumps(first.get('rounds', {}))}; blocks of {first.get('block_s', '?')} s",
           ""]
    # HB_BENCH_ONLY=start (run-bench): rows of targets not measured are left out.
    only = set(os.environ.get("HB_BENCH_ONLY", "").split(",")) - {""}
    table = targets(boots)
    if only:
        table = "\n".join(x for x in table.splitlines()
                          if set(c.strip() for c in x.strip("|").split("|")[1:]) != {"no data"})
    doc += ["## Targets", "",
            "Goals, not assertions; a target is met when its median ratio is.", "",
            table, ""]
    for b in boots:
        doc += [f"## Linux {b.kernel}", ""]
        if not b.done:
            doc += ["**This boot did not finish: the numbers below are partial.**", ""]
        for e in b.errors:
            doc += [f"- section {e['section']} failed: `{e['error']}`"]
        if b.stray:
            doc += [f"- programs still loaded after 120 s, measured with the next block: "
                    f"{', '.join(b.stray)}"]
        if b.max_wait:
            doc += [f"- the longest wait for a finished run's programs to go away: "
                    f"{b.max_wait:.1f} s (guest time)"]
        for a in b.anomalies[:20]:
            doc += [f"- unexpected: {a}"]
        if doc[-1]:
            doc += [""]
        # HB_BENCH_ONLY: the sections measured, in the page's order.
        for section in ("ops", "guards", "progs", "start", "dns", "allowmap", "events",
                        "op_events"):
            if not only or section in only or (section == "op_events" and "ops" in only):
                doc += kernel_section(b, section)
        doc += [f"Sections took (guest seconds): {json.dumps(b.sections)}", ""]
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "method.md")) as f:
        doc += [f.read().format(block_s=first.get("block_s", "?"),
                                event_s=first.get("event_s", "?"))]
    text = "\n".join(doc)
    # The native part (make bench runs it first) is not this run's to rewrite.
    if os.path.exists(out):
        kept = native_block(open(out).read())
        if kept:
            text = with_native(text, kept)
    with open(out, "w") as f:
        f.write(text)
    print(text.split("## Method")[0].rstrip())
    # A benchmark that measured something else than it meant to fails.
    problems = [f"{b.kernel}: {p}" for b in boots for p in
                (["did not finish"] if not b.done else []) +
                [f"section {e['section']} failed" for e in b.errors] +
                b.anomalies + ([f"programs left loaded: {b.stray}"] if b.stray else [])]
    if not boots:
        problems.append("no report")
    for p in problems:
        print(f"bench: problem: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
