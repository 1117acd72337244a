# SPDX-License-Identifier: GPL-2.0-only
"""The job summary of one confined step (deploy/ci/hermetic-action):
what `run --summary-json` says was blocked, or the policy `learn` wrote;
or of a whole job (deploy/ci/job.sh): what the agent's events say the
job's cgroup reached (audit) or was blocked from (enforce), and after an
audit the agent policy learned from them, written to LEARN.
Markdown on stdout, for $GITHUB_STEP_SUMMARY.
Usage: summary.py SUMMARY_JSON LEARNED_POLICY STATUS
       summary.py --job EVENTS_JSONL audit|enforce CGROUP LEARN "COUNTED LOST LIMITED"
"""
import ipaddress
import json
import os
import stat
import sys

# At most this many distinct actions are listed in a job's table.
JOB_ROWS = 50


def cell(text):
    """A table cell: no line breaks or pipes from a process's name."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def target(ev):
    if "addr" in ev:
        host = f"[{ev['addr']}]" if ":" in ev["addr"] else ev["addr"]
        return f"{host}:{ev['port']}" if ev.get("port") else host
    return ev.get("path") or ev.get("family") or ""


def blocked(summary, status):
    out = ["### hermetic-bpf: this step", ""]
    denied = summary.get("denied", 0)
    guards = ", ".join(f"{g} {n}" for g, n in sorted(summary.get("by_guard", {}).items()))
    out.append(f"Blocked {denied} action{'s' if denied != 1 else ''}"
               f"{f' ({guards})' if guards else ''}; exit status {status}.")
    events = summary.get("events", [])
    if events:
        out += ["", "| guard | action | target | process | verdict |", "|---|---|---|---|---|"]
        out += [f"| {cell(e.get('guard', ''))} | {cell(e.get('action', e.get('hook', '')))} | "
                f"`{cell(target(e))}` | {cell(e.get('comm') or 'unknown')} ({e.get('pid', 0)}) | "
                f"{cell(e.get('verdict', ''))} |" for e in events]
    if summary.get("events_truncated"):
        out.append(f"\nOnly the first {len(events)} are listed.")
    if summary.get("events_lost"):
        out.append(f"\n{summary['events_lost']} events were lost (rate limit or a full buffer).")
    return out


def learned(path, status):
    try:
        with open(path) as f:
            policy = f.read()
    except OSError:
        return ["### hermetic-bpf: this step", "",
                f"`learn` wrote no policy (exit status {status}); the step's log says why."]
    return ["### hermetic-bpf: learned this step's policy", "",
            f"Exit status {status}. Commit it and enforce it with the input `policy:`:", "",
            "```ini", policy.rstrip("\n"), "```"]


def job_events(path, cgroup):
    """The agent's events (trace --json lines) of the job's cgroup."""
    out = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                try:
                    ev = json.loads(line) if line.startswith("{") else None
                except ValueError:
                    continue
                if ev and ev.get("type") in ("audited", "denied"):
                    out.append(ev)
    except OSError:
        pass
    return out


def no_socket(ev):
    """A unix connect to a path where no socket is: without BPF-LSM it is
    judged before the kernel looks the path up, but it would have failed
    anyway (glibc asks nscd's socket before every user lookup). As `run`
    does (spec/run.md, "Connects to no socket"): neither counted nor
    learned. Unsure (no permission): it stands."""
    path = ev.get("path", "")
    if ev.get("hook") != "unix" or ev.get("abstract") or not path.startswith("/"):
        return False
    try:
        return not stat.S_ISSOCK(os.stat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False


def loopback(addr):
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def learn_rules(events):
    """The agent policy's network lines for what the audit saw, and what
    no key of an agent policy can allow (as text)."""
    ips, unix, other, localhost = [], [], [], False
    for ev in events:
        hook = ev.get("hook")
        if hook in ("connect", "sendmsg") and ev.get("addr") and ev.get("port") is not None:
            if loopback(ev["addr"]):
                localhost = True
                continue
            ip = ipaddress.ip_address(ev["addr"])
            mapped = getattr(ip, "ipv4_mapped", None)
            rule = (f"{mapped or ip}/32:{ev['port']}" if (mapped or ip).version == 4
                    else f"[{ip}]/128:{ev['port']}")
            if rule not in ips:
                ips.append(rule)
        elif hook == "unix" and ev.get("path", "").startswith("/") and not ev.get("abstract"):
            if ev["path"] not in unix:
                unix.append(ev["path"])
        else:
            text = f"{ev.get('action', hook)} {target(ev)} ({ev.get('reason_text', '')})"
            if text not in other:
                other.append(text)
    rules = (["allow-localhost = yes"] if localhost else []) + \
        [f"allow-ip = {r}" for r in ips] + [f"allow-unix = {p}" for p in unix]
    return rules, other


def learned_policy(events, cgroup):
    rules, other = learn_rules(events)
    text = ["# hermetic-bpf agent policy learned from an audit of a whole job",
            f"# (the cgroup {cgroup}; deploy/ci/hermetic-action job-end). Enforce it",
            "# with the action's mode: job-start and policy: this file.",
            "# Names are not learned: the agent's events carry addresses, and a",
            "# name's addresses change (GitHub's own, registries, CDNs). Replace",
            "# those allow-ip lines with allow-domain lines once the agent takes them.",
            "[hermetic-bpf]", "version = 1", "", "[network]", "no-network = yes"]
    text += rules
    if other:
        text += ["", "# seen, and no key of an agent policy allows it (it will be denied):"]
        text += [f"#   {o}" for o in other]
    return "\n".join(text) + "\n"


def job(events_path, mode, cgroup, learn, counters, counted_path=None):
    counted, lost, limited = (int(x) for x in counters.split())
    received = job_events(events_path, cgroup)
    events = [e for e in received if not no_socket(e)]
    nowhere = len(received) - len(events)
    counted -= nowhere
    if counted_path:  # job-end's fail-on-block: what was blocked, judged so
        with open(counted_path, "w") as f:
            f.write(f"{counted}\n")
    word = "audited (allowed and reported)" if mode == "audit" else "blocked"
    out = [f"### hermetic-bpf: this job ({mode})", "",
           f"The job's cgroup `{cell(cgroup)}`: {counted} action{'s' if counted != 1 else ''} "
           f"{word}."]
    rows = {}
    for e in events:
        key = (e.get("guard", ""), e.get("action", e.get("hook", "")), target(e),
               e.get("comm") or "unknown", e.get("verdict", ""))
        rows[key] = rows.get(key, 0) + 1
    if rows:
        out += ["", "| guard | action | target | process | verdict | times |",
                "|---|---|---|---|---|---|"]
        out += [f"| {cell(g)} | {cell(a)} | `{cell(t)}` | {cell(c)} | {cell(v)} | {n} |"
                for (g, a, t, c, v), n in list(rows.items())[:JOB_ROWS]]
        if len(rows) > JOB_ROWS:
            out.append(f"\nOnly the first {JOB_ROWS} of {len(rows)} distinct actions are listed.")
    if nowhere:
        out.append(f"\nNot counted: {nowhere} unix connect{'s' if nowhere != 1 else ''} to a "
                   "path where no socket is (such as nscd's): it would have failed anyway.")
    missing = counted - lost - limited - len(events)
    if lost or limited or missing > 0:
        out.append(f"\nNot listed: {lost} lost (a full buffer), {limited} over the rate limit"
                   f"{f', {missing} not received in time' if missing > 0 else ''}.")
    if mode == "audit":
        policy = learned_policy(events, cgroup)
        try:
            with open(learn, "w") as f:
                f.write(policy)
            where = f"Written to `{cell(learn)}`"
        except OSError as e:
            where = f"Could not write `{cell(learn)}` ({e.strerror})"
        out += ["", f"{where}; commit it and enforce it with `mode: job-start` and `policy:`. "
                "Domains are not learned: the agent's events carry addresses only, and the "
                "runner reaches GitHub by name (addresses that change); use `allow-domain` "
                "lines for those once the agent takes them.", "",
                "```ini", policy.rstrip("\n"), "```"]
    return out


def main():
    if sys.argv[1:2] == ["--job"]:
        print("\n".join(job(*sys.argv[2:8])) + "\n")
        return 0
    summary_json, learned_path, status = sys.argv[1:4]
    if learned_path:
        lines = learned(learned_path, status)
    else:
        try:
            with open(summary_json) as f:
                summary = json.load(f)
        except (OSError, ValueError):
            # hermetic-bpf refused before the command ran (exit 125): its
            # message is in the step's log.
            summary = None
        lines = blocked(summary, status) if summary else [
            "### hermetic-bpf: this step", "",
            f"The step did not run confined (exit status {status}); the step's log says why."]
    print("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
