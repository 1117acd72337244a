# SPDX-License-Identifier: GPL-2.0-only
"""--audit and learn in tier B (spec/audit.md), registered into cases.py
like fs_cases.py: without BPF-LSM the cgroup programs allow and report,
the seccomp listener lets execs and socket kinds through and reports them,
fanotify reports file changes and reads outside a read root. Each case
asserts the audited action succeeded and was reported with tier A's
fields, and that the same run without --audit still denies it."""
import ctypes
import json
import os
import re
import subprocess
import tempfile

import cases as C
import report_seen_cases as R
from audit_cases import enforced_then_audited
from cases import PY, TESTER, case, expect, expect_eq, expect_tokens, hb, shared_tmpdir

# Tier B's three mechanisms: the network on cgroup-bpf, exec and files on Landlock.
TIER_B = ("tierB", "execB", "fsB")
NOT_SEEN = "hermetic-bpf: audit in tier B does not see: "
PR_CAPBSET_DROP, CAP_SYS_ADMIN = 24, 21


def summary_events(path):
    with open(path) as f:
        return json.load(f)["events"]


def one_event(events, what, **fields):
    got = [e for e in events if all(e.get(k) == v for k, v in fields.items())]
    expect(len(got) >= 1, f"{what}: no event with {fields} in {events!r}")
    return got[0]


@case(*TIER_B)
def audit_tier_b_allows_and_reports():
    # Enforced (no --audit): denied by seccomp, cgroup-bpf, Landlock; then audited.
    summary = os.path.join(shared_tmpdir(), "s.json")
    target, p = enforced_then_audited("EACCES", ["--summary-json", summary])
    for line in ("audited exec path=/bin/true (pid ",
                 f"audited connect 127.0.0.1:{C.TCP4.port} (pid ",
                 f"audited create path={target} (pid "):
        expect(line in p.stderr, f"trace has {line!r}: {p.stderr!r}")
    expect_eq(p.stderr.count(NOT_SEEN), 1, f"what it cannot see, said once: {p.stderr!r}")
    expect("blocked" not in p.stderr, f"nothing blocked: {p.stderr!r}")
    # The fields tier A's hooks give (spec/events.md).
    events = summary_events(summary)
    ev = one_event(events, "the file change", hook="fs_write", path=target)
    expect_eq((ev["verdict"], ev["guard"], ev["reason"], ev["op"], ev["comm"], ev["uid"]),
              ("audit", "fs", "fs_readonly", "create", "python3", 1000), f"fs event {ev!r}")
    ev = one_event(events, "the exec", hook="exec", path="/bin/true")
    expect_eq((ev["verdict"], ev["reason"], ev["uid"]), ("audit", "exec", 1000), f"exec {ev!r}")
    ev = one_event(events, "the connect", hook="connect", port=C.TCP4.port)
    expect_eq((ev["verdict"], ev["addr"], ev["guard"]), ("audit", "127.0.0.1", "network"),
              f"connect {ev!r}")


@case("tierB")
def audit_tier_b_seccomp_part():
    # io_uring_setup (the network guard's) is let through and reported;
    # unshare of a user namespace (the seal's) is still refused.
    free = subprocess.run([PY, "-c", R.CALLS, "io_uring"], capture_output=True, text=True)
    uring = free.stdout.split()[-1]  # what the host itself says (ok, or io_uring disabled)
    summary = os.path.join(shared_tmpdir(), "s.json")
    got, p = R.run_calls(["--no-network"], ["io_uring", "unshare", "inet"], summary)
    expect_tokens(got, ["EPERM", "EPERM", "ok"], "enforced")
    got, p = R.run_calls(["--no-network", "--audit"], ["io_uring", "unshare", "inet"], summary)
    expect_tokens(got, [uring, "EPERM", "ok"], "--audit: io_uring as the host has it")
    expect("audited system call io_uring_setup " in p.stderr and
           "blocked system call unshare (flags 0x10000000) " in p.stderr,
           f"audited and blocked lines: {p.stderr!r}")
    ev = one_event(summary_events(summary), "io_uring", hook="syscall", call="io_uring_setup")
    expect_eq((ev["verdict"], ev["guard"]), ("audit", "network"), f"io_uring event {ev!r}")


@case("tierB", "fsB")
def audit_tier_b_files_as_the_guard_decides():
    d, w, r = shared_tmpdir(), shared_tmpdir(), shared_tmpdir()
    elsewhere = os.path.join(shared_tmpdir(), "elsewhere")  # outside the root, not allowed
    with open(elsewhere, "w") as f:
        f.write("e")
    os.chmod(elsewhere, 0o644)
    inside, outside = os.path.join(w, "ok"), os.path.join(d, "renamed")
    secret = os.path.join(d, "secret")
    with open(secret, "w") as f:
        f.write("s")
    os.chmod(secret, 0o644)
    script = (f"import os\nopen({inside!r}, 'w').write('1')\n"
              f"os.rename({secret!r}, {outside!r})\nprint(open({outside!r}).read())\n")
    flags = [f"--fs-readonly={r}", "--allow-read", d, "--allow-write", w]
    # Enforced: the rename outside --allow-write is denied.
    p = hb("run", *flags, PY, "-c", script, env=TESTER)
    expect(p.returncode != 0 and "PermissionError" in p.stderr, f"enforced: {p.stderr!r}")
    expect(os.path.exists(secret), "not renamed when enforced")
    # Audited: renamed, reported with both names; the allowed write is not
    # reported; a read outside the root is.
    summary = os.path.join(shared_tmpdir(), "s.json")
    script += f"print(open({elsewhere!r}).read())\n"
    p = hb("run", "--audit", "--trace", "--summary-json", summary, *flags, PY, "-c", script,
           env=TESTER)
    expect_eq((p.returncode, p.stdout.split()), (0, ["s", "e"]), f"audited: {p.stderr!r}")
    events = summary_events(summary)
    ev = one_event(events, "the rename", hook="fs_write", op="rename")
    expect_eq((ev["path"], ev["path2"], ev["verdict"]), (secret, outside, "audit"),
              f"rename {ev!r}")
    ev = one_event(events, "the read", hook="fs_read", path=elsewhere)
    expect_eq((ev["verdict"], ev["reason"]), ("audit", "fs_outside_root"), f"read {ev!r}")
    expect(not [e for e in events if e.get("path") == inside],
           f"the write under --allow-write is not reported: {events!r}")
    expect("stat and readlink outside the read root" in p.stderr, p.stderr)


@case(*TIER_B)
def audit_tier_b_fails_closed():
    target = os.path.join(shared_tmpdir(), "t")
    # No CAP_SYS_ADMIN, no fanotify: the filesystem guard cannot be audited.
    # (Dropped from the bounding set before exec: root's run then lacks it.)
    env = {**os.environ, **TESTER}

    def no_sys_admin():
        ctypes.CDLL(None, use_errno=True).prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0)

    def run(*args):
        return subprocess.run([C.HB, "run", *args], capture_output=True, text=True, env=env,
                              timeout=120, preexec_fn=no_sys_admin)
    p = run("--audit", "--fs-readonly", "touch", target)
    expect_eq(p.returncode, 125, f"refused: {p.stderr!r}")
    expect("fanotify" in p.stderr and re.search(r"^Hint: .*--allow-partial", p.stderr, re.M),
           f"says why, and what gets less: {p.stderr!r}")
    expect(not os.path.exists(target), "nothing started")
    # Asking for less: --allow-partial runs it, unaudited and unenforced, said.
    p = run("--audit", "--allow-partial", "--fs-readonly", "touch", target)
    expect_eq(p.returncode, 0, f"--allow-partial: {p.stderr!r}")
    expect("neither enforced nor audited" in p.stderr and
           "does not see: the filesystem guard" in p.stderr, p.stderr)
    expect(os.path.exists(target), "ran")
    # The network guard's audit needs no fanotify.
    p = run("--audit", "--no-network", PY, C.PROBE, "connect", "127.0.0.1", str(C.TCP4.port))
    expect_eq((p.returncode, p.stdout.strip()), (0, "ok"), f"network audit: {p.stderr!r}")
    # Without --audit nothing is audited: the same run enforces.
    p = hb("run", "--no-network", PY, C.PROBE, "connect", "127.0.0.1", str(C.TCP4.port),
           env=TESTER)
    expect_eq(p.stdout.strip(), "EPERM", f"enforced: {p.stderr!r}")


HELPER_JOB = r"""
import socket, subprocess, sys
host, port, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
out = []
try:
    socket.create_connection((host, port), timeout=5).close(); out.append("ok")
except OSError as e:
    out.append(type(e).__name__)
try:
    open(d + "/out.txt", "w").write("x"); out.append("ok")
except OSError as e:
    out.append(type(e).__name__)
out.append(str(subprocess.run(["/bin/true"]).returncode))
try:  # a socket that is not there, as glibc tries nscd's: fails either way
    socket.socket(socket.AF_UNIX).connect(d + "/absent.sock")
except OSError:
    pass
print(" ".join(out))
"""


@case(*TIER_B)
def learn_round_trip_tier_b():
    d, other = shared_tmpdir(), shared_tmpdir()
    job = os.path.join(shared_tmpdir(), "job.py")
    with open(job, "w") as f:
        f.write(HELPER_JOB)
    policy = os.path.join(shared_tmpdir(), "learned.ini")
    p = hb("learn", "-o", policy, "--", PY, job, "127.0.0.1", str(C.TCP4.port), d, env=TESTER)
    expect_eq((p.returncode, p.stdout.split()), (0, ["ok", "ok", "0"]),
              f"learn ran it: {p.stderr!r}")
    expect("learning in tier B, without --block-native" in p.stderr, p.stderr)
    text = open(policy).read()
    for line in (f"allow-ip = 127.0.0.1/32:{C.TCP4.port}", f"allow-write = {d}",
                 "fs-readonly = yes", "#   /bin/true"):
        expect(line in text, f"learned {line!r}: {text}")
    # A connect to no socket is no block (spec/run.md), audited or not: run
    # would refuse an allow-unix with no socket, and the round trip with it.
    expect("absent.sock" not in text, f"no socket, nothing learned: {text}")
    os.unlink(os.path.join(d, "out.txt"))

    def enforced(host, port, where):
        p = hb("run", "--trace", "--policy", policy, PY, job, host, str(port), where,
               env=TESTER)
        return p.stdout.split(), p
    # Exactly what it did works, enforced...
    got, p = enforced("127.0.0.1", C.TCP4.port, d)
    expect_tokens(got, ["ok", "ok", "0"], "the learned run")
    expect("audit" not in p.stderr, f"enforced, not audited: {p.stderr!r}")
    # ...and what it did not do is denied: another address, another directory.
    got, p = enforced(C.TCPA.host, C.TCPA.port, d)
    expect_tokens(got, ["PermissionError", "ok", "0"], "another address")
    expect(f"blocked connect {C.TCPA.host}:{C.TCPA.port} " in p.stderr, p.stderr)
    got, _ = enforced("127.0.0.1", C.TCP4.port, other)
    expect_tokens(got, ["ok", "PermissionError", "0"], "another directory")
    expect(not os.path.exists(os.path.join(other, "out.txt")), "nothing written there")
