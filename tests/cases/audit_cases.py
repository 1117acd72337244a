# SPDX-License-Identifier: GPL-2.0-only
"""--audit and event accounting (spec/events.md), registered into cases.py
like fs_cases.py: audit lets what the guards would deny through and
reports it, the seal still denies, and every event taken is delivered,
lost or held back by the rate limit, counted exactly."""
import os
import re
import shutil
import subprocess
import tempfile

import cases as C
from cases import (HB, PY, TESTER, case, expect, expect_eq, expect_tokens, hb, ptokens,
                   shared_tmpdir)


def enforced_then_audited(fs_errno, extra=()):
    """An exec, a connect and a write, under three guards: denied (the
    write with @fs_errno), then with --audit (and @extra) let through.
    Returns the written file and the audited run."""
    d = shared_tmpdir()
    target = os.path.join(d, "written")
    acts = ["run_true", f"connect 127.0.0.1 {C.TCP4.port}", f"write {target} x"]
    flags = ["--no-network", "--no-subprocess", "--fs-readonly"]
    got, _ = ptokens(flags, *acts)
    expect_tokens(got, ["EPERM", "EPERM", fs_errno], "enforced")
    expect(not os.path.exists(target), "nothing written when enforced")
    got, p = ptokens(["--audit", "--trace", *extra, *flags], *acts)
    expect_tokens(got, ["ok", "ok", "ok"], "--audit")
    with open(target) as f:
        expect_eq(f.read(), "x", "the audited write happened")
    return target, p


@case("tierA")
def audit_allows_and_reports():
    # Audited: the same actions go through and are reported as audited;
    # the seal is never relaxed.
    _, p = enforced_then_audited("EROFS")
    for line in ("audited exec path=/bin/true", f"audited connect 127.0.0.1:{C.TCP4.port}",
                 "audited open write"):
        expect(line in p.stderr, f"trace has {line!r}: {p.stderr!r}")
    expect("audit mode (--audit)" in p.stderr and "blocked" not in p.stderr,
           f"says it audits, blocks nothing: {p.stderr!r}")
    # The seal (here: root inside signalling the launcher) is never relaxed;
    # without --trace, one summary line for each verdict.
    got, p = ptokens(C.ROOT + ["--audit", "--no-network"], "kill_parent",
                     f"connect 127.0.0.1 {C.TCP4.port}", env=None)
    expect_tokens(got, ["EPERM", "ok"], "--audit as root: the seal, then a connect")
    expect(re.search(r"^hermetic-bpf: blocked 1 action \(kill 1\)", p.stderr, re.M) and
           re.search(r"^hermetic-bpf: audited 1 action \(connect 1\)", p.stderr, re.M),
           f"summaries: {p.stderr!r}")


FLOOD = """
import socket, sys
n = int(sys.argv[1])
denied = 0
for _ in range(n):
    s = socket.socket()
    try:
        s.connect(("192.0.2.1", 80))
    except OSError as e:
        denied += e.errno == 1
    s.close()
print("denied", denied)
"""


def counted(p, attempts, what):
    """delivered trace lines (a repeated one says how many times) + lost +
    limited == attempts, exactly."""
    delivered = sum(int(m.group(1) or 1) for m in re.finditer(
        r"^hermetic-bpf: blocked connect 192\.0\.2\.1:80 .*?(?: \((\d+) times\))?$",
        p.stderr, re.M))
    lost = re.search(r"^hermetic-bpf: (\d+) events? (?:was|were) not reported: the event "
                     r"buffer", p.stderr, re.M)
    limited = re.search(r"^hermetic-bpf: (\d+) events? (?:was|were) not reported: over the "
                        r"rate limit", p.stderr, re.M)
    lost = int(lost.group(1)) if lost else 0
    limited = int(limited.group(1)) if limited else 0
    expect_eq(delivered + lost + limited, attempts,
              f"{what}: delivered {delivered} + lost {lost} + limited {limited}")
    return delivered, lost, limited


@case("net")
def rate_limit_counts_every_event():
    n = 400
    # A noisy sandbox, limited to 20 events a second (burst 20)...
    noisy = subprocess.Popen([HB, "run", "--no-network", "--trace", "--event-rate", "20",
                              PY, "-c", FLOOD, str(n)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             env={**os.environ, **TESTER})
    # ...does not hold back another sandbox's events, running meanwhile.
    quiet = hb("run", "--no-network", "--trace", PY, "-c", FLOOD, "5", env=TESTER)
    out, err = noisy.communicate(timeout=300)
    expect_eq(out.split(), ["denied", str(n)], "every attempt denied (decisions are enforced)")
    delivered, _, limited = counted(subprocess.CompletedProcess([], 0, out, err), n, "noisy")
    expect(limited > 0 and delivered >= 20, f"the limit held some back: {delivered}/{limited}")
    expect_eq(quiet.stdout.split(), ["denied", "5"], "the quiet sandbox's decisions")
    expect_eq(counted(quiet, 5, "quiet"), (5, 0, 0), "all of the quiet sandbox's events")
    # With no limit, nothing is held back.
    p = hb("run", "--no-network", "--trace", "--event-rate", "0", PY, "-c", FLOOD, "100",
           env=TESTER)
    _, _, limited = counted(p, 100, "no limit")
    expect_eq(limited, 0, "--event-rate 0 limits nothing")


@case("always")
def event_rate_bad_input():
    marker = tempfile.mktemp()
    for value in ("x", "-1", "1000001", ""):
        p = hb("run", "--event-rate", value, "touch", marker)
        expect_eq(p.returncode, 125, f"--event-rate {value!r}")
        expect(f"--event-rate {value}: expected a number of events a second" in p.stderr,
               p.stderr)
        expect(not os.path.exists(marker), "nothing started")
    # The neighbour: a valid rate runs the command.
    p = hb("run", "--event-rate", "5", "touch", marker, env=TESTER)
    expect_eq(p.returncode, 0, f"--event-rate 5: {p.stderr!r}")
    expect(os.path.exists(marker), "ran")
    os.unlink(marker)


@case("nolsm")
def audit_without_a_guard_runs():
    # Nothing to audit: it runs, with run's warning that nothing is confined.
    # (With guards, tier B audits: audit_tierb_cases.py.)
    marker = tempfile.mktemp()
    p = hb("run", "--audit", "touch", marker, env=TESTER)
    expect_eq(p.returncode, 0, f"--audit alone: {p.stderr!r}")
    expect(os.path.exists(marker), "ran")
    os.unlink(marker)


@case("tierA")
def audit_answers_names_not_allowed():
    d = C.ANY4.port
    # The audited name is answered, and its address is then reachable like
    # an allowed name's; an address no answer gave is audited on connect.
    acts = ["lookup example.com", "lookup badexample.com", f"connect 127.0.0.12 {d}",
            f"connect 127.0.0.99 {d}"]
    got, p = C.tokens(["--trace", "--audit", "--allow-domain", "example.com"], *acts, dns=True)
    expect_tokens(got, ["127.0.0.10/1", "127.0.0.12/1", "ok", "ok"], "--audit --allow-domain")
    for line in ("audited DNS(badexample.com) (pid ", f"audited connect 127.0.0.99:{d} (pid "):
        expect(line in p.stderr, f"trace has {line!r}: {p.stderr!r}")
    got, _ = C.tokens(["--allow-domain", "example.com"], *acts, dns=True)
    expect_tokens(got, ["127.0.0.10/1", "gaierror", "EPERM", "EPERM"], "enforced")


LEARN_PROG = """
import socket, subprocess, sys
host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
addr = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
socket.create_connection((addr, port), timeout=5).close()
with open(out, "w") as f:
    f.write("x")
subprocess.run(["/bin/true"], check=True)
print("done", addr)
"""


@case("tierA", "once")
def learn_then_enforce():
    d = shared_tmpdir()
    prog = os.path.join(d, "job.py")
    with open(prog, "w") as f:
        f.write(LEARN_PROG)
    policy = os.path.join(d, "job.policy")
    port = str(C.ANY4.port)
    secret = "s3cr3t-token-in-argv"
    p = hb("learn", "-o", policy, "--", PY, prog, "example.com", port, f"{d}/out1", secret,
           env=TESTER, dns=True)
    expect_eq((p.returncode, p.stdout.split()), (0, ["done", "127.0.0.10"]),
              f"the command ran whole under learn: {p.stderr!r}")
    with open(policy) as f:
        text = f.read()
    for line in ("allow-domain = example.com", "allow-exec = /bin/true",
                 f"allow-write = {d}", "fs-readonly = yes", "block-native = yes"):
        expect(re.search(rf"^{re.escape(line)}$", text, re.M), f"{line!r} in {text!r}")
    expect(secret not in text and secret not in p.stderr, "argv never reaches the policy")
    # The same program passes under the policy...
    p = hb("run", "--policy", policy, "--", PY, prog, "example.com", port, f"{d}/out2",
           env=TESTER, dns=True)
    expect_eq((p.returncode, p.stdout.split()), (0, ["done", "127.0.0.10"]),
              f"passes under its policy: {p.stderr!r}")
    # ...and a changed one (a new host) is denied; so are its other changes.
    p = hb("run", "--policy", policy, "--trace", "--", PY, prog, "badexample.com", port,
           f"{d}/out3", env=TESTER, dns=True)
    expect(p.returncode != 0 and "blocked DNS(badexample.com)" in p.stderr,
           f"a new host is denied: {p.returncode} {p.stderr!r}")
    tool = os.path.join(d, "tool")  # another program (in the guest /bin/true is busybox)
    shutil.copy("/bin/busybox", tool)
    os.chmod(tool, 0o755)
    got, _ = ptokens(["--policy", policy], f"run_file {tool}", f"write {d}/x y",
                     "write /tmp/elsewhere y")
    expect_tokens(got, ["EPERM", "ok", "EROFS"], "other programs and directories")


@case("always")
def policy_file_errors_name_file_and_line():
    d = shared_tmpdir()
    bad = os.path.join(d, "bad.policy")
    with open(bad, "w") as f:
        f.write("[network]\nallow-localhost = yes\nallow-ip = 300.1.1.1\nbogus = 1\n"
                "[weird]\nx = 1\n")
    marker = tempfile.mktemp()
    p = hb("run", "--policy", bad, "touch", marker)
    expect_eq(p.returncode, 125, "a bad policy file")
    for msg in (f"{bad}:3: --allow-ip 300.1.1.1", f"{bad}:4: unknown key 'bogus'",
                f"{bad}:6: unknown section [weird]"):
        expect(msg in p.stderr, f"{msg!r} in {p.stderr!r}")
    expect(not os.path.exists(marker), "nothing started")
    with open(bad, "w") as f:
        f.write("[hermetic-bpf]\nversion = 2\n")
    p = hb("run", "--policy", bad, "touch", marker)
    expect(p.returncode == 125 and "this build reads version 1" in p.stderr, p.stderr)
    with open(bad, "w") as f:
        f.write("allow-write = /" + "x" * 300 + "\n")
    p = hb("run", "--policy", bad, "touch", marker)
    expect(p.returncode == 125 and f"{bad}:1: line too long" in p.stderr, p.stderr)
    p = hb("run", "--policy", "/nonexistent.policy", "touch", marker)
    expect(p.returncode == 125 and "--policy /nonexistent.policy: No such file" in p.stderr,
           p.stderr)
    expect(not os.path.exists(marker), "nothing started")
    # A good file (the neighbour) runs.
    good = os.path.join(d, "good.policy")
    with open(good, "w") as f:
        f.write("# comment\n[hermetic-bpf]\nversion = 1\n[network]\nallow-localhost = yes\n")
    p = hb("run", "--policy", good, "touch", marker)
    expect_eq(p.returncode, 0 if C.TIER else 125, f"a good file: {p.stderr!r}")
    if C.TIER:
        expect(os.path.exists(marker), "ran")
        os.unlink(marker)
