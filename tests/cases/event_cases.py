# SPDX-License-Identifier: GPL-2.0-only
"""The trace as JSON, trace files, --fail-on-block and --summary-json
(spec/events.md, spec/run.md), registered into cases.py like fs_cases.py.

The network guard makes the denials (tag "net": natively on tier B and in
the VMs on BPF-LSM); every case asserts the denial and that the allowed
neighbour still works, and that what the sandbox chose (comm, a socket's
path) cannot forge a line or a field.
"""
import datetime
import json
import os
import re
import socket
import stat
import tempfile
import time

import cases as C
from cases import TESTER, case, expect, expect_eq, hb, run_probe

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")


def json_lines(text):
    """Every line that starts with "{", parsed; a line that does not
    parse fails the case (it would be a forged or broken line)."""
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError as e:
                raise C.Fail(f"not JSON: {line!r} ({e})")
    return out


def expect_typed(ev, **want):
    """The fields every denied line has, with their types; then @want."""
    types = {"schema": int, "type": str, "time": str, "ts_ns": int, "sandbox": dict,
             "pid": int, "tgid": int, "uid": int, "comm": str, "hook": str,
             "action": str, "guard": str, "reason": str, "reason_text": str,
             "verdict": str}
    for k, t in types.items():
        expect(isinstance(ev.get(k), t) and not isinstance(ev.get(k), bool),
               f"{k} is a {t.__name__}: {ev!r}")
    expect_eq(ev["schema"], 1, "schema")
    expect_eq(ev["type"], "denied", "type")
    expect_eq(ev["verdict"], "deny", "verdict")
    expect(TIME.match(ev["time"]), f"RFC 3339 time with ns: {ev['time']!r}")
    t = datetime.datetime.strptime(ev["time"][:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    expect(abs(t - time.time()) < 300, f"time is now, in UTC: {ev['time']}")
    expect(isinstance(ev["sandbox"].get("id"), int) and
           ev["sandbox"].get("cgroup", "").startswith("/hermetic-bpf/run-"),
           f"sandbox: {ev['sandbox']!r}")
    expect(ev["pid"] > 0 and ev["tgid"] > 0, "pid and tgid")
    expect("argv" not in ev and "env" not in ev, "no argv or environment field")
    for k, v in want.items():
        expect_eq(ev.get(k), v, k)


@case("net", "once")
def json_trace_denied_connect():
    mark = C.TCP4.mark()
    token, p = run_probe("connect", C.TCP4.host, str(C.TCP4.port),
                         flags=["--trace-format=json"], env=TESTER)
    expect_eq(token, "EPERM", "the connect under --no-network")
    expect_eq(C.TCP4.since(mark, wait=0.3), [], "data that reached the listener")
    evs = json_lines(p.stderr)
    expect_eq(len(evs), 1, f"one JSON line in {p.stderr!r}")
    expect_typed(evs[0], hook="connect", action="connect", guard="network",
                 reason="net_disabled", reason_text="network disabled",
                 family="AF_INET", family_num=2, addr="127.0.0.1", port=C.TCP4.port,
                 uid=1000, comm="python3", type="denied", verdict="deny", seq=1)
    expect(isinstance(evs[0].get("ppid"), int) and evs[0]["ppid"] > 0,
           f"the parent's pid: {evs[0]!r}")
    expect(os.path.basename(evs[0].get("exe", "")).startswith("python3"),
           f"the executable: {evs[0]!r}")
    expect("blocked connect" not in p.stderr, f"no text line besides: {p.stderr!r}")
    # IPv6, in the same format.
    token, p = run_probe("connect", C.TCP6.host, str(C.TCP6.port),
                         flags=["--trace-format=json"], env=TESTER)
    expect_eq(token, "EPERM", "the IPv6 connect")
    expect_typed(json_lines(p.stderr)[0], family="AF_INET6", addr="::1", port=C.TCP6.port)
    # The neighbour: without the guard it connects, and nothing is traced.
    token, p = run_probe("connect", C.TCP4.host, str(C.TCP4.port), guard=False,
                         flags=["--trace-format=json"], env=TESTER)
    expect_eq(token, "ok", "the connect without a guard")
    expect(C.TCP4.since(mark) != [], "the allowed connect reached the listener")
    expect_eq(json_lines(p.stderr), [], "no event without a denial")


def hostile_unix_socket():
    """A socket anyone may reach whose path holds a newline and quotes."""
    path = os.path.join(C.UNIX_DIR, 'x\n{"type":"denied","hook":"forged"}"q.sock')
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, 0o777)
    s.listen(4)
    return s, path


@case("net", "once")
def json_hostile_names_cannot_forge():
    s, path = hostile_unix_socket()
    try:
        token, p = run_probe("unix_connect", path, flags=["--trace-format=json"], env=TESTER)
        expect_eq(token, "EPERM", "connecting to the hostile socket")
        evs = json_lines(p.stderr)
        expect_eq(len(evs), 1, f"one line for one denial: {p.stderr!r}")
        expect_typed(evs[0], hook="unix", guard="network", reason="net_unix",
                     path=path, abstract=False)
        expect(all(not l.startswith('{"type"') for l in p.stderr.splitlines()),
               "no line starts where the path's newline was")
        # The neighbour: --allow-unix for that very path lets it through.
        token, p = run_probe("unix_connect", path, guard=False,
                             flags=["--allow-unix", path, "--trace-format=json"], env=TESTER)
        expect_eq(token, "ok", "--allow-unix of the hostile path")
        expect_eq(json_lines(p.stderr), [], "nothing denied")
    finally:
        s.close()
        os.unlink(path)
    # A thread name (comm, 15 bytes) with a newline and quotes.
    name = 'x\n{"a":"b"}'
    token, p = run_probe("rename_then_connect", name.replace("\n", r"\n"), C.TCP4.host,
                         str(C.TCP4.port), flags=["--trace-format=json"], env=TESTER)
    expect_eq(token, "EPERM", "the renamed thread's connect")
    evs = json_lines(p.stderr)
    expect_eq(len(evs), 1, f"one line: {p.stderr!r}")
    expect_typed(evs[0], comm=name, hook="connect")


@case("net")
def json_never_argv_or_environment():
    d = C.shared_tmpdir()  # the files are opened as the user
    summary = os.path.join(d, "summary.json")
    token, p = run_probe("connect", C.TCP4.host, str(C.TCP4.port), "--", "SECRET-ARGV-1234",
                         flags=["--trace-format=json", "--summary-json", summary],
                         env={**TESTER, "SECRET_ENV": "SECRET-ENV-5678"})
    expect_eq(token, "EPERM", "the connect")
    evs = json_lines(p.stderr)
    expect_eq([e["hook"] for e in evs], ["connect"], "the event is there")
    with open(summary) as f:
        text = f.read()
    expect_eq(json.loads(text)["denied"], 1, "the summary counts it")
    for where, out in (("stderr", p.stderr), ("stdout", p.stdout), ("summary", text)):
        expect("SECRET" not in out, f"no argv or environment in {where}: {out!r}")


# Launcher-side output, the same whatever the tier: proven where tier B
# runs (this machine, the lsmoff VMs), to keep the tier A boots short.
@case("tierB")
def trace_file_gets_the_trace():
    d = C.shared_tmpdir()  # opened as the user (spec/run.md): they must reach it
    trace = os.path.join(d, "trace.jsonl")
    for n in (1, 2):
        token, p = run_probe("connect", C.TCP4.host, str(C.TCP4.port),
                             flags=["--trace-format=json", "--trace-file", trace], env=TESTER)
        expect_eq(token, "EPERM", "the connect")
        expect_eq(p.stderr, "", "nothing on stderr")
        with open(trace) as f:
            evs = json_lines(f.read())
        expect_eq(len(evs), n, f"run {n} appended one line")
        expect_typed(evs[-1], hook="connect", port=C.TCP4.port)
    st = os.stat(trace)
    expect_eq((stat.S_IMODE(st.st_mode), st.st_uid), (0o600, 1000), "created 0600, the user's")
    # Text lines, to a file too; the neighbour (no guard) writes nothing.
    text = os.path.join(d, "trace.txt")
    token, p = run_probe("connect", C.TCP4.host, str(C.TCP4.port),
                         flags=["--trace-file", text], env=TESTER)
    expect_eq((token, p.stderr), ("EPERM", ""), "text to a file: denied, stderr empty")
    with open(text) as f:
        body = f.read()
    expect(re.fullmatch(r"hermetic-bpf: blocked connect 127\.0\.0\.1:%d \(pid \d+ python3\): "
                        r"network disabled\n" % C.TCP4.port, body), f"the text line: {body!r}")
    token, p = run_probe("connect", C.TCP4.host, str(C.TCP4.port), guard=False,
                         flags=["--trace-file", text], env=TESTER)
    expect_eq((token, p.stderr), ("ok", "hermetic-bpf: warning: no guard requested: "
                                  f"{C.PY} runs unconfined (only its cgroup is tracked)\n"),
              "without a guard: only the warning that says so")
    expect_eq(open(text).read(), body, "nothing more was written")


@case("net")
def trace_outputs_refused_before_start():
    d = C.shared_tmpdir()
    ran = os.path.join(d, "ran")
    target = os.path.join(d, "target")
    with open(target, "w") as f:
        f.write("keep\n")
    os.symlink(target, os.path.join(d, "link"))
    bad = [(["--trace-file", os.path.join(d, "link")], "--trace-file"),
           (["--summary-json", os.path.join(d, "link")], "--summary-json"),
           (["--trace-file", os.path.join(d, "no/such/dir")], "--trace-file"),
           (["--trace-format=yaml"], "--trace-format"),
           (["--trace-file="], "--trace-file"),
           (["--trace-file", "/tmp/x", "--summary-json", "/tmp/x"], "--summary-json")]
    for flags, name in bad:
        p = hb("run", "--no-network", *flags, "sh", "-c", f"touch {ran}", env=TESTER)
        expect_eq(p.returncode, 125, f"{flags}")
        expect(f"hermetic-bpf: " in p.stderr and name in p.stderr,
               f"{flags}: the error names {name}: {p.stderr!r}")
        expect(not os.path.exists(ran), f"{flags}: the command did not run")
    expect_eq(open(target).read(), "keep\n", "nothing written through the symlink")
    # The neighbour: a plain file in the same directory works.
    p = hb("run", "--no-network", "--trace-file", os.path.join(d, "ok"), "sh", "-c",
           f"touch {ran}", env=TESTER)
    expect_eq(p.returncode, 0, f"a plain trace file: {p.stderr!r}")
    expect(os.path.exists(ran), "the command ran")


# Launcher-side output, the same whatever the tier: proven where tier B
# runs (this machine, the lsmoff VMs), to keep the tier A boots short.
@case("tierB")
def fail_on_block_exit_status():
    connect = f"{C.PY} {C.PROBE} connect {C.TCP4.host} {C.TCP4.port}"
    # Blocked, and the command exited 0: 2, with a line that says so.
    p = hb("run", "--no-network", "--fail-on-block", "sh", "-c", connect, env=TESTER)
    expect_eq(p.stdout.strip(), "EPERM", "the connect was denied")
    expect_eq(p.returncode, 2, f"--fail-on-block after a denial: {p.stderr!r}")
    expect("--fail-on-block: 1 action was blocked or audited; exiting 2" in p.stderr,
           f"says why: {p.stderr!r}")
    # The same run without the flag: the command's 0.
    p = hb("run", "--no-network", "sh", "-c", connect, env=TESTER)
    expect_eq((p.stdout.strip(), p.returncode), ("EPERM", 0), "without --fail-on-block")
    # Blocked, but the command failed on its own: its status, unchanged.
    p = hb("run", "--no-network", "--fail-on-block", "sh", "-c", f"{connect}; exit 3",
           env=TESTER)
    expect_eq(p.returncode, 3, "the command's own failure passes through")
    # Nothing blocked: 0, and the allowed neighbour did connect.
    mark = C.TCP4.mark()
    p = hb("run", "--no-network", "--allow-ip", C.TCP4.host, "--fail-on-block", "sh", "-c",
           connect, env=TESTER)
    expect_eq((p.stdout.strip(), p.returncode), ("ok", 0), f"nothing blocked: {p.stderr!r}")
    expect(C.TCP4.since(mark) != [], "the allowed connect arrived")
    p = hb("run", "--fail-on-block", "sh", "-c", "exit 5", env=TESTER)
    expect_eq(p.returncode, 5, "no guard, the command's status")


# Launcher-side output, the same whatever the tier: proven where tier B
# runs (this machine, the lsmoff VMs), to keep the tier A boots short.
@case("tierB")
def summary_json_counts_and_events():
    d = C.shared_tmpdir()  # the files are opened as the user
    out = os.path.join(d, "summary.json")
    acts = [f"connect {C.TCP4.host} {C.TCP4.port}", f"connect {C.TCP6.host} {C.TCP6.port}",
            f"sendto {C.UDP4.host} {C.UDP4.port}", "socketpair"]
    got, p = C.tokens(["--no-network", "--summary-json", out], *acts)
    C.expect_tokens(got, ["EPERM", "EPERM", "EPERM", "ok"], "three denials, one neighbour")
    expect("blocked 3 actions (connect 2, sendto 1)" in p.stderr,
           f"the summary line stays: {p.stderr!r}")
    with open(out) as f:
        text = f.read()
    expect(text.endswith("\n") and text.count("\n") == 1, "one line")
    s = json.loads(text)
    for k, v in (("schema", 1), ("type", "summary"), ("command_status", 0),
                 ("exit_status", 0), ("denied", 3), ("by_guard", {"network": 3}),
                 ("by_hook", {"connect": 2, "sendmsg": 1}), ("events_lost", 0),
                 ("events_truncated", False)):
        expect_eq(s.get(k), v, f"summary {k}")
    expect("signal" not in s, "no signal")
    expect_eq([e["hook"] for e in s["events"]], ["connect", "connect", "sendmsg"], "events")
    for e in s["events"]:
        expect_typed(e, guard="network")
        expect_eq(e["sandbox"], s["sandbox"], "one sandbox")
    # More than 20: the first 20 kept, all counted; the status is the command's.
    script = f"for i in $(seq 25); do {C.PY} {C.PROBE} sendto {C.UDP4.host} {C.UDP4.port}; done; exit 7"
    p = hb("run", "--no-network", "--summary-json", out, "sh", "-c", script, env=TESTER)
    expect_eq(p.returncode, 7, "the command's status")
    s = json.load(open(out))
    expect_eq((s["denied"], len(s["events"]), s["events_truncated"]), (25, 20, True),
              "25 counted, 20 kept")
    expect_eq((s["command_status"], s["exit_status"]), (7, 7), "statuses")
    # With --fail-on-block the two statuses differ.
    p = hb("run", "--no-network", "--fail-on-block", "--summary-json", out, C.PY, C.PROBE,
           "connect", C.TCP4.host, str(C.TCP4.port), env=TESTER)
    s = json.load(open(out))
    expect_eq((p.returncode, s["command_status"], s["exit_status"]), (2, 0, 2),
              "--fail-on-block in the summary")
    # The neighbour: nothing blocked, an empty summary (the file truncated).
    p = hb("run", "--no-network", "--summary-json", out, C.PY, C.PROBE, "socketpair",
           env=TESTER)
    expect_eq(p.stdout.strip(), "ok", "socketpair")
    s = json.load(open(out))
    expect_eq((s["denied"], s["by_guard"], s["by_hook"], s["events"]), (0, {}, {}, []),
              "nothing blocked")
