# SPDX-License-Identifier: GPL-2.0-only
"""What the trace, --summary-json and --fail-on-block report (spec/run.md):
a unix connect to no socket is no block, a repeated action is one line
with a count, and what tier B cannot see is said, listed and refused to
--fail-on-block. Registered into cases.py like fs_cases.py.
"""
import json
import os
import re
import socket
import subprocess
import tempfile

import cases as C
import fs_cases as F
from cases import TESTER, case, expect, expect_eq, hb

NSCD = "/var/run/nscd/socket"


def blocked_lines(stderr):
    return [l for l in stderr.splitlines() if l.startswith("hermetic-bpf: blocked ")]


def listening_unix(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, 0o777)
    s.listen(8)
    return s


# glibc asks nscd's socket before each user lookup; where nscd does not
# run that connect would fail anyway: no line, no count, no exit 2.
@case("net")
def user_lookups_are_not_blocks():
    expect(not os.path.exists(NSCD), f"{NSCD} exists here: the case needs no nscd")
    for cmd in (["id"], ["ls", "-l", "/"]):
        p = hb("run", "--no-network", "--fail-on-block", "--trace", *cmd, env=TESTER)
        expect_eq(p.returncode, 0, f"{cmd} under --fail-on-block: {p.stderr!r}")
        expect_eq(blocked_lines(p.stderr), [], f"{cmd}: no blocked line")
        # What it cannot see is said once, where a kind goes unseen.
        expect(("--fail-on-block does not see" in p.stderr) == ("scope" in expected_unseen()),
               f"{cmd}: the unseen kinds said: {p.stderr!r}")
    expect("uid=1000" in hb("run", "--no-network", "id", env=TESTER).stdout, "id ran")
    # The neighbour: a connect to a socket that is there is a block: 2, one line.
    p = hb("run", "--no-network", "--fail-on-block", "--trace", C.PY, C.PROBE,
           "unix_connect", C.UNIX_STREAM, env=TESTER)
    expect_eq((p.stdout.strip(), p.returncode), ("EPERM", 2), f"a real block: {p.stderr!r}")
    expect_eq(len(blocked_lines(p.stderr)), 1, f"one line: {p.stderr!r}")


# The lookup is the user's: in a directory the user cannot search, a
# present socket and an absent one are both reported, so the trace tells
# the user nothing stat() would not. Nothing there at all: no block.
@case("tierB")
def no_socket_judged_as_the_user():
    d = tempfile.mkdtemp()
    os.chmod(d, 0o700)  # root's: tester cannot search it
    s = listening_unix(os.path.join(d, "present.sock"))
    try:
        for name in ("present.sock", "absent.sock"):
            p = hb("run", "--no-network", "--fail-on-block", "--trace", C.PY, C.PROBE,
                   "unix_connect", os.path.join(d, name), env=TESTER)
            expect_eq((p.stdout.strip(), p.returncode), ("EPERM", 2),
                      f"{name} behind a closed directory: {p.stderr!r}")
            expect_eq(len(blocked_lines(p.stderr)), 1, f"{name}: one line")
        absent = os.path.join(C.UNIX_DIR, "absent.sock")
        open_dir_file = os.path.join(C.UNIX_DIR, "not-a-socket")
        with open(open_dir_file, "w"):
            pass
        os.chmod(open_dir_file, 0o666)
        summary = os.path.join(C.shared_tmpdir(), "s.json")
        for path in (absent, open_dir_file):
            p = hb("run", "--no-network", "--fail-on-block", "--trace", "--summary-json",
                   summary, C.PY, C.PROBE, "unix_connect", path, env=TESTER)
            expect_eq((p.stdout.strip(), p.returncode), ("EPERM", 0),
                      f"{path}: nothing to connect to: {p.stderr!r}")
            expect_eq(blocked_lines(p.stderr), [], f"{path}: no line")
            sj = json.load(open(summary))
            expect_eq((sj["denied"], sj["unix_no_socket"]), (0, 1), "not counted, noted")
    finally:
        s.close()
        os.unlink(os.path.join(d, "present.sock"))
        os.rmdir(d)
        if os.path.exists(os.path.join(C.UNIX_DIR, "not-a-socket")):
            os.unlink(os.path.join(C.UNIX_DIR, "not-a-socket"))


# The text trace shows a repeated action once, with a count; the JSON
# stream keeps one object per event (spec/events.md: schema 1 unchanged).
@case("net")
def repeats_are_counted_not_printed():
    acts = [f"unix_connect {C.UNIX_STREAM}"] * 4 + [f"unix_sendto {C.UNIX_DGRAM}"]
    p = hb("run", "--no-network", "--trace", C.PY, C.PROBE, "multi", *acts, env=TESTER)
    expect_eq(p.stdout.split(), ["EPERM"] * 5, f"five denials: {p.stderr!r}")
    lines = blocked_lines(p.stderr)
    expect_eq(len(lines), 2, f"one line per action: {lines!r}")
    expect(C.UNIX_STREAM in lines[0] and lines[0].endswith(" (4 times)"),
           f"the repeated connect, counted: {lines[0]!r}")
    expect(C.UNIX_DGRAM in lines[1] and "times)" not in lines[1], f"the send: {lines[1]!r}")
    # Held for repeats, not for the run: the line comes while the command still runs.
    p = subprocess.Popen([C.HB, "run", "--no-network", "--trace", "sh", "-c",
                          f"{C.PY} {C.PROBE} unix_connect {C.UNIX_STREAM}; sleep 3"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         env={**os.environ, **TESTER})
    line = next((l for l in p.stderr if l.startswith("hermetic-bpf: blocked ")), "")
    running = p.poll() is None
    p.communicate(timeout=60)
    expect(C.UNIX_STREAM in line and running, f"the line while the command runs: {line!r}")
    out = os.path.join(C.shared_tmpdir(), "s.json")
    p = hb("run", "--no-network", "--trace-format=json", "--summary-json", out, C.PY, C.PROBE,
           "multi", *acts, env=TESTER)
    evs = [json.loads(l) for l in p.stderr.splitlines() if l.startswith("{")]
    expect_eq([e["hook"] for e in evs], ["unix"] * 5, "one JSON object per event")
    expect_eq(json.load(open(out))["denied"], 5, "every one counted")


def expected_unseen():
    """What this kernel's sandbox with --fs-readonly --no-network cannot report."""
    if C.TIER == "BPF-LSM":
        return []
    kinds = ["scope"] if C.LANDLOCK_ABI else []
    # Seccomp's denials and dropped packets are reported (report_seen_cases.py).
    return (["fs"] if C.FS_TIER == "Landlock" else []) + kinds


# Tier B's filesystem guard is Landlock, which tells nobody: run says so,
# the summary lists it, and --fail-on-block refuses unless --allow-partial.
@case("fsB")
def fail_on_block_refuses_unseen_fs():
    base = F.tmpdir()
    F.populate(base, dirs=["W", "O"], files=["O/f"])
    w, o = os.path.join(base, "W"), os.path.join(base, "O")
    write = f"echo x > {o}/f && echo wrote || echo denied; echo y > {w}/g && echo ok"
    p = hb("run", "--fs-readonly", "--allow-write", w, "--fail-on-block", "sh", "-c", write,
           env=TESTER)
    expect_eq((p.returncode, p.stdout), (125, ""), f"refused before the start: {p.stderr!r}")
    expect("cannot promise --fail-on-block" in p.stderr and "Hint:" in p.stderr and
           "--allow-partial" in p.stderr, f"says why and what to do: {p.stderr!r}")
    out = os.path.join(C.shared_tmpdir(), "s.json")
    p = hb("run", "--fs-readonly", "--allow-write", w, "--fail-on-block", "--allow-partial",
           "--summary-json", out, "sh", "-c", write, env=TESTER)
    expect_eq((p.returncode, p.stdout.split()), (0, ["denied", "ok"]),
              f"enforced, not counted: {p.stderr!r}")
    expect(re.search(r"warning: --fail-on-block: tier B cannot see filesystem denials",
                     p.stderr), f"the warning: {p.stderr!r}")
    s = json.load(open(out))
    expect_eq((s["denied"], s["unseen"][:1]), (0, ["fs"]), "the summary says what it missed")
    # Without --fail-on-block: one line at start, and the write still denied.
    p = hb("run", "--fs-readonly", "--allow-write", w, "sh", "-c", write, env=TESTER)
    expect_eq(p.stdout.split(), ["denied", "ok"], "the guard holds")
    expect_eq(p.stderr.count("tier B cannot report filesystem denials"), 1,
              f"said once: {p.stderr!r}")
    # The neighbour: --no-network alone has no unseen guard: --fail-on-block runs.
    p = hb("run", "--no-network", "--fail-on-block", "--summary-json", out, "true",
           env=TESTER)
    expect_eq(p.returncode, 0, f"network guard alone: {p.stderr!r}")
    expect("filesystem" not in p.stderr, "nothing said of files")
    expect("fs" not in json.load(open(out))["unseen"], "fs not listed")


# Every kernel: the summary and doctor list exactly what is not reported.
@case("always")
def unseen_kinds_listed():
    out = os.path.join(C.shared_tmpdir(), "s.json")
    flags = ((["--no-network"] if C.TIER else []) + (["--fs-readonly"] if C.FS_TIER else []) +
             (["--no-subprocess"] if C.EXEC_TIER else []))
    p = hb("run", *flags, "--summary-json", out, "true", env=TESTER)
    expect_eq(p.returncode, 0, f"run {flags}: {p.stderr!r}")
    want = [k for k in expected_unseen()
            if k != "fs" or "--fs-readonly" in flags] if flags else []
    expect_eq(json.load(open(out))["unseen"], want, f"summary of {flags}")
    d = json.loads(hb("doctor", "--json").stdout)
    expect_eq([u["kind"] for u in d["unseen"]], expected_unseen(), "doctor --json")
    expect_eq([u["kind"] for u in d["unseen"] if u["refuses_fail_on_block"]],
              ["fs"] if "fs" in expected_unseen() else [], "what --fail-on-block refuses")
    text = hb("doctor").stdout
    expect_eq(text.count("\nunseen "), len(expected_unseen()), f"doctor's text: {text!r}")
