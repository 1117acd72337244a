# SPDX-License-Identifier: GPL-2.0-only
"""One boot's raw numbers (the guest's BENCH lines) as ratios: each taken
between blocks of the same round, summarised as (median, min, max) over
rounds. Used by analyze.py.
"""
import json
import statistics

NET_OPS = ("connect", "sendto")


def load(path):
    """The BENCH records of a report. A line that is not JSON (cut short
    when qemu was killed) becomes a "garbled" record: reported, not fatal."""
    recs = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip().replace("\r", "")
            if not line.startswith("BENCH "):
                continue
            try:
                recs.append(json.loads(line[6:]))
            except ValueError:
                recs.append({"kind": "garbled", "line": line[:120]})
    return recs


def spread(values):
    """(median, min, max), or None without values."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def paired_ratios(rows, num, den):
    """Per round: rows[num][r] / rows[den][r], for rounds that have both."""
    a, b = rows.get(num, {}), rows.get(den, {})
    return [a[r] / b[r] for r in sorted(a) if r in b and b[r] > 0]


def phases(runs):
    """Median ms of each start-up phase, from the -v timestamps of RUNS:
    (total ns, {mark: ms}, ms until its programs were gone) each."""
    cols = {k: [] for k in ("probe", "cgroup", "load", "attach", "command", "cleanup", "rest",
                            "gone")}
    for total_ns, m, gone in runs:
        if not {"probe", "cgroup", "ready", "exited", "done"} <= m.keys():
            continue
        loaded = m.get("loaded", m["cgroup"])
        cols["probe"].append(m["probe"])
        cols["cgroup"].append(m["cgroup"] - m["probe"])
        cols["load"].append(loaded - m["cgroup"])
        cols["attach"].append(m["ready"] - loaded)
        cols["command"].append(m["exited"] - m["ready"])
        cols["cleanup"].append(m["done"] - m["exited"])
        cols["rest"].append(total_ns / 1e6 - m["done"])
        cols["gone"].append(gone)
    return {k: statistics.median(v) if v else None for k, v in cols.items()}


class Boot:
    """One kernel's numbers."""

    def __init__(self, recs):
        self.meta = next((r for r in recs if r["kind"] == "meta"), {})
        self.kernel = self.meta.get("kernel", "?")
        self.done = any(r["kind"] == "done" for r in recs)
        self.errors = [r for r in recs if r["kind"] == "error"]
        self.sections = {r["name"]: r["seconds"] for r in recs if r["kind"] == "section"}
        quiet = [r for r in recs if r["kind"] == "quiesce"]
        self.stray = sorted({p for r in quiet for p in r["left"]})
        self.max_wait = max((r["seconds"] for r in quiet), default=0)
        self.anomalies = []
        self.pairs = {}  # kind -> (rows by cfg and round, base cfg, other cfg)
        self._ops(recs)
        self._guard_events(recs)
        self._progs(recs)
        self._start(recs)
        self._pairs(recs, "dns", "plain", "proxy")
        self._pairs(recs, "allowmap", "rules1", "rules1000")
        self._events(recs)
        for r in recs:
            if r["kind"] == "garbled":
                self.anomalies.append(f"a report line is not JSON: {r['line']!r}")
        clocks = {r["clocksource"] for r in recs if r["kind"] == "clock"}
        if len(clocks) > 1:
            self.anomalies.append(f"the clocksource changed during the boot: {sorted(clocks)}")

    def _expect(self, r, errno, what):
        """ERRNO: every call must fail with it; None: none may fail. A
        block that printed nothing has n 0 and failed -1: reported."""
        if errno and (r["failed"] != r["n"] or r["errno"] != errno or not r["n"]):
            self.anomalies.append(f"{what} round {r['round']}: {r['failed']}/{r['n']} "
                                  f"failed ({r['errno']}), expected all {errno}")
        elif not errno and r["failed"]:
            self.anomalies.append(f"{what} round {r['round']}: {r['failed']}/{r['n']} "
                                  f"failed ({r['errno']})")

    def _ops(self, recs):
        # ops[op][cfg][round] = ns per operation; a guard's (bench.py's
        # GUARDS) operation OP is "GUARD.OP", its configurations its own.
        self.ops = {}
        for r in recs:
            if r["kind"] == "op":
                op = r["op"]
                errno = "EPERM" if r["cfg"] == "d" and op in NET_OPS else None
            elif r["kind"] == "guard_op":
                op, errno = f"{r['guard']}.{r['op']}", r["expect"]
            else:
                continue
            if r["ns"] is not None:
                self.ops.setdefault(op, {}).setdefault(r["cfg"], {})[r["round"]] = r["ns"]
            self._expect(r, errno, f"{op} ({r['cfg']})")

    def _guard_events(self, recs):
        self.guard_events = [r for r in recs if r["kind"] == "guard_events"]
        for r in self.guard_events:
            # Allowed configurations expect no event at all (calls 0).
            self._account(r, r["verdict"], [r["action"]],
                          f"{r['guard']} ({r['cfg']}) round {r['round']}")

    def _account(self, r, verdict, actions, what):
        """Every call's event accounted for: traced "VERDICT ACTION" events
        plus lost plus limited equal the calls; no other traced event."""
        r["net"] = sum(r["traced"].get(f"{verdict} {a}", 0) for a in actions) if verdict else 0
        r["other"] = sum(r["traced"].values()) - r["net"]
        r["accounted"] = r["net"] + r["lost"] + r["limited"]
        if r["accounted"] != r["calls"] or r["other"]:
            self.anomalies.append(
                f"{what}: {r['calls']} calls, but events {r['traced']} + lost {r['lost']} "
                f"+ limited {r['limited']}")

    def _events(self, recs):
        """Every event accounted for: delivered (traced), lost or
        limited, exactly once (spec/audit.md)."""
        self.op_events = [r for r in recs if r["kind"] == "op_events"]
        for r in self.op_events:
            self._account(r, {"d": "blocked", "e": "audited"}.get(r["cfg"]), NET_OPS,
                          f"ops ({r['cfg']}) round {r['round']}")
        self.events = [r for r in recs if r["kind"] == "events"]
        for r in self.events:
            r["accounted"] = r["delivered"] + r["lost"] + r["limited"]
            if r["accounted"] != r["eperm"] or r["other"] or r["limited"]:
                self.anomalies.append(
                    f"events round {r['round']} rate {r.get('rate', 0)}: {r['eperm']} denials "
                    f"({r['other']} other), but {r['delivered']} delivered + {r['lost']} lost "
                    f"+ {r['limited']} limited (no limit was set)")

    def lossless(self):
        """Per round, the paced run with the highest delivered rate that
        lost nothing: {round: record}."""
        best = {}
        for r in self.events:
            if r.get("mode") != "paced" or r["lost"] or r["limited"] or \
                    r["accounted"] != r["eperm"]:
                continue
            if r["round"] not in best or r["delivered"] / r["ns"] > \
                    best[r["round"]]["delivered"] / best[r["round"]]["ns"]:
                best[r["round"]] = r
        return best

    def op_ratio(self, op, cfg, den="a"):
        return self.time_ratio((op, cfg), (op, den))

    def time_ratio(self, num, den):
        """Per round: NUM's time per call over DEN's, each (op, cfg)."""
        rows = {k: self.ops.get(op, {}).get(cfg, {}) for k, (op, cfg) in
                (("num", num), ("den", den))}
        return spread(paired_ratios(rows, "num", "den"))

    def op_abs(self, op, cfg):
        s = spread(self.ops.get(op, {}).get(cfg, {}).values())
        return s[0] if s else None

    def _progs(self, recs):
        # progs[ctx][name][round] = ns per run; runs[ctx][name] = runs per
        # block; hooks[name] = its hook; floors[hook] = the floor's name;
        # agent_ctxs[(policy, depth)] = the context of the agent's programs
        # with that policy, for a task that deep.
        self.progs, self.runs, self.hooks, self.floors = {}, {}, {}, {}
        self.agent_ctxs, self.lookups = {}, {}
        # The operations' floor (f): its programs' hooks (bench.py's ops_floor).
        self.ops_floor = next((r["hooks"] for r in recs if r["kind"] == "ops_floor"), [])
        for r in recs:
            if r["kind"] != "prog" or not r["runs"]:
                continue
            if "agent" in r:
                self.agent_ctxs[(r["agent"], r["depth"])] = r["ctx"]
            self.progs.setdefault(r["ctx"], {}).setdefault(r["name"], {})[r["round"]] = \
                r["run_ns"] / r["runs"]
            self.runs.setdefault(r["ctx"], {}).setdefault(r["name"], []).append(r["runs"])
            if r["name"].startswith("floor_"):
                self.floors[r["hook"]] = r["name"]
            elif r["name"].startswith("lookup_"):  # floor.bpf.c's, not a floor
                self.lookups[r["name"]] = r["hook"]
            else:
                self.hooks[r["name"]] = r["hook"]

    def programs(self):
        """hermetic-bpf's programs that ran, those with a floor first."""
        return sorted(self.hooks, key=lambda n: (self.hooks[n] not in self.floors, n))

    def floor_of(self, name):
        return self.floors.get(self.hooks.get(name) or self.lookups.get(name))

    def prog_ratio(self, ctx, name):
        floor = self.floor_of(name)
        if not floor:
            return None
        return spread(paired_ratios(self.progs.get(ctx, {}), name, floor))

    def prog_worst(self, ctx, target):
        """Over the programs with a floor that ran in CTX: the one with the
        highest median ratio to its floor, that ratio's spread, how many
        medians exceed TARGET, and how many were judged; None if none."""
        judged = [(name, s) for name in self.progs.get(ctx, {})
                  if name in self.hooks and self.floor_of(name) and
                  (s := self.prog_ratio(ctx, name))]
        if not judged:
            return None
        name, s = max(judged, key=lambda x: x[1][0])
        return name, s, sum(1 for _, x in judged if x[0] > target), len(judged)

    def prog_abs(self, ctx, name):
        s = spread(self.progs.get(ctx, {}).get(name, {}).values())
        return s[0] if s else None

    def _start(self, recs):
        # start[cfg][round] = total ns; marks[cfg] = list of -v marks (ms)
        self.start, self.marks = {}, {}
        for r in recs:
            if r["kind"] != "start":
                continue
            self.start.setdefault(r["cfg"], {})[r["round"]] = r["ns"]
            self.marks.setdefault(r["cfg"], []).append((r["ns"], r["marks"], r.get("gone_ms", 0)))
            if r["status"]:
                self.anomalies.append(f"start {r['cfg']} round {r['round']}: exit {r['status']}")

    def phases(self, cfg):
        return phases(self.marks.get(cfg, []))

    def _pairs(self, recs, kind, base, other):
        rows = {}
        for r in recs:
            if r["kind"] == kind:
                rows.setdefault(r["cfg"], {})[r["round"]] = r["ns"]
                self._expect(r, None, f"{kind} ({r['cfg']})")
        self.pairs[kind] = (rows, base, other)
