# SPDX-License-Identifier: GPL-2.0-only
"""The job summary of one confined step (deploy/ci/hermetic-action):
what `run --summary-json` says was blocked, or the policy `learn` wrote.
Markdown on stdout, for $GITHUB_STEP_SUMMARY.
Usage: summary.py SUMMARY_JSON LEARNED_POLICY STATUS
"""
import json
import sys


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


def main():
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
