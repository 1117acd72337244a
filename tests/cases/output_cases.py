# SPDX-License-Identifier: GPL-2.0-only
"""Files hermetic-bpf writes for the user, and inputs that used to fail
open (spec/run.md: "Whose files they are", "A run without any guard";
docs/policy-file.md). Registered into cases.py like event_cases.py.

None of these needs a guard to be enforced (a guard-less run opens its
output files and writes its summary too), so they run everywhere; they
are hermetic-bpf's own user-space behaviour ("once"). Commands run as uid
1000 (TESTER: tester in the VMs; natively the machine's uid 1000). Each
case asserts the refusal and the allowed neighbour.
"""
import os
import stat
import subprocess
import tempfile

import cases as C
from cases import TESTER, case, expect, expect_eq, hb

UNGUARDED = "hermetic-bpf: warning: no guard requested: {} runs unconfined " \
            "(only its cgroup is tracked)"
AS_ROOT = ["--user", "root"]


def owner_mode(path):
    st = os.stat(path)
    return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)


def warnings(p):
    return [x for x in p.stderr.splitlines() if "no guard requested" in x]


@case("always", "once")
def output_files_belong_to_the_user():
    d = C.shared_tmpdir()
    trace, summary = os.path.join(d, "trace"), os.path.join(d, "summary.json")
    p = hb("run", "--trace-file", trace, "--summary-json", summary, "sh", "-c", "exit 3",
           env=TESTER)
    expect_eq(p.returncode, 3, f"the command's status passes through: {p.stderr!r}")
    for f in (trace, summary):
        expect_eq(owner_mode(f), (1000, 1000, 0o600), f"{f}: the user's, 0600")
    # The user can read them (the command runs as uid 1000 and reads one).
    p = hb("run", "cat", summary, env=TESTER)
    expect(p.returncode == 0 and '"command_status":3' in p.stdout,
           f"uid 1000 reads its summary: {p.stdout!r} {p.stderr!r}")
    # A root-owned file there is not the user's to write: refused, not run.
    theirs = os.path.join(d, "roots")
    with open(theirs, "w") as f:
        f.write("keep\n")
    os.chmod(theirs, 0o600)
    ran = os.path.join(d, "ran")
    p = hb("run", "--trace-file", theirs, "touch", ran, env=TESTER)
    expect(p.returncode == 125 and f"--trace-file {theirs}: Permission denied" in p.stderr,
           f"root's file refused: {p.returncode} {p.stderr!r}")
    expect(not os.path.exists(ran), "the command did not run")
    expect_eq(open(theirs).read(), "keep\n", "root's file untouched")
    # The neighbour: a command running as root opens its files as root, as before.
    mine = os.path.join(d, "root-trace")
    p = hb("run", *AS_ROOT, "--trace-file", mine, "--summary-json", theirs, "touch", ran,
           env=TESTER)
    expect_eq(p.returncode, 0, f"as root: {p.stderr!r}")
    expect(os.path.exists(ran), "the command ran")
    expect_eq(owner_mode(mine), (0, 0, 0o600), "root's run: root's file")
    expect('"command_status":0' in open(theirs).read(), "root wrote its own file")


@case("always", "once")
def output_file_where_the_user_cannot_write():
    d = C.shared_tmpdir()
    priv = tempfile.mkdtemp()  # root's, 0700
    link = os.path.join(d, "link")
    os.symlink(priv, link)  # the user's symlink to a directory of root's
    os.lchown(link, 1000, 1000)
    ran = os.path.join(d, "ran")
    bad = [("run", "--trace-file", os.path.join(priv, "t")),
           ("run", "--summary-json", os.path.join(priv, "s")),
           ("run", "--trace-file", os.path.join(link, "t")),
           ("run", "--summary-json", os.path.join(link, "s")),
           ("learn", "-o", os.path.join(link, "p.policy")),
           ("learn", "-o", os.path.join(priv, "p.policy"))]
    for cmd, flag, path in bad:
        p = hb(cmd, flag, path, "--", "touch", ran, env=TESTER)
        expect_eq(p.returncode, 125, f"{cmd} {flag} {path}: {p.stderr!r}")
        expect(f"hermetic-bpf: {flag} {path}: Permission denied" in p.stderr and
               "Hint: it is opened as uid 1000" in p.stderr,
               f"{cmd} {flag}: names the flag, the path and whom: {p.stderr!r}")
        expect(not os.path.exists(ran), f"{cmd} {flag} {path}: the command did not run")
    expect_eq(os.listdir(priv), [], "nothing written into root's directory")
    # The neighbour: the same paths for a command running as root.
    p = hb("run", *AS_ROOT, "--trace-file", os.path.join(link, "t"), "touch", ran,
           env=TESTER)
    expect(p.returncode == 0 and os.path.exists(ran), f"as root: {p.stderr!r}")
    expect_eq(os.listdir(priv), ["t"], "root's run wrote there")
    # learn into a directory the user may write: its file where learn can
    # audit every guard it asks for (BPF-LSM, or tier B: spec/audit.md);
    # elsewhere the run is refused and the file removed again.
    policy = os.path.join(d, "p.policy")
    learns = C.TIER is not None and C.FS_TIER is not None and C.EXEC_TIER is not None
    p = hb("learn", "-o", policy, "--", "true", env=TESTER, dns=learns)
    if learns:
        expect_eq(p.returncode, 0, f"learn: {p.stderr!r}")
        expect_eq(owner_mode(policy)[:2], (1000, 1000), "the learned policy is the user's")
    else:
        expect_eq(p.returncode, 125, f"learn without BPF-LSM: {p.stderr!r}")
        expect(not os.path.exists(policy), "the unfinished policy was removed")


@case("always", "once")
def policy_must_be_a_regular_file():
    d = C.shared_tmpdir()
    ran = os.path.join(d, "ran")
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    for path, kind in ((d, "is a directory"), (fifo, "is a FIFO"),
                       ("/dev/null", "is a device")):
        p = hb("run", "--policy", path, "touch", ran, env=TESTER, timeout=60)
        expect_eq(p.returncode, 125, f"--policy {path}: {p.stderr!r}")
        expect(f"hermetic-bpf: --policy {path}: {kind}; expected a policy file" in p.stderr,
               f"names --policy, the path and what was expected: {p.stderr!r}")
        expect(not os.path.exists(ran), f"--policy {path}: the command did not run")
    # The neighbour: a regular file runs (an empty one, with its warning).
    empty = os.path.join(d, "empty.policy")
    open(empty, "w").close()
    p = hb("run", "--policy", empty, "sh", "-c", f"touch {ran}; exit 4", env=TESTER)
    expect_eq((p.returncode, os.path.exists(ran)), (4, True), f"a regular file: {p.stderr!r}")
    expect_eq(warnings(p), [UNGUARDED.format("sh")], "and says nothing is confined")


@case("always", "once")
def unguarded_run_says_so():
    d = C.shared_tmpdir()
    rules = os.path.join(d, "no-rules.policy")
    with open(rules, "w") as f:
        f.write("# nothing but a version\n[hermetic-bpf]\nversion = 1\n")
    for flags in ((), ("-v",), ("--trace",), ("--policy", rules), ("--audit",)):
        p = hb("run", *flags, "sh", "-c", "echo ran; exit 7", env=TESTER)
        expect_eq((p.returncode, p.stdout), (7, "ran\n"), f"{flags}: runs, status passes")
        expect_eq(warnings(p), [UNGUARDED.format("sh")], f"{flags}: exactly one line")
    p = hb("run", "sh", "-c", "exit 7", env=TESTER)
    expect_eq(p.stderr, UNGUARDED.format("sh") + "\n", "nothing else on stderr")
    # The neighbour: with a guard, no such line (and where it cannot be
    # enforced, the refusal, and nothing ran).
    p = hb("run", "--no-network", "sh", "-c", "echo ran; exit 7", env=TESTER)
    expect_eq(warnings(p), [], f"a guard: no warning ({p.stderr!r})")
    expect_eq(p.returncode, 7 if C.TIER else 125, f"a guard: {p.stderr!r}")
    expect_eq(p.stdout, "ran\n" if C.TIER else "", "ran only where enforced")


@case("tierA")
def unprivileged_run_outputs_and_no_guard():
    from agent_unpriv_cases import urun, nothing_left
    from agent_warm_cases import Started
    d = C.shared_tmpdir()
    priv = tempfile.mkdtemp()
    with Started():
        # Through the agent: sealed, but no guard: one line saying so.
        p = urun("sh", "-c", "echo ran; exit 6")
        expect_eq((p.returncode, p.stdout), (6, "ran\n"), f"no guard: {p.stderr!r}")
        expect_eq(warnings(p), ["hermetic-bpf: warning: no guard requested: sh runs with "
                                "the seal alone (its network, files and programs are not "
                                "confined)"], "one line, true to the agent's seal")
        p = urun("--no-network", "true")
        expect_eq((p.returncode, warnings(p)), (0, []), f"a guard: no line ({p.stderr!r})")
        # The same checks as run's: --policy, and the files opened as the user.
        p = urun("--policy", d, "sh", "-c", "echo ran")
        expect(p.returncode == 125 and "is a directory" in p.stderr and not p.stdout,
               f"--policy DIR: {p.returncode} {p.stderr!r}")
        p = urun("--no-network", "--trace-file", os.path.join(priv, "t"), "sh", "-c",
                 "echo ran")
        expect(p.returncode == 125 and "--trace-file" in p.stderr and not p.stdout,
               f"a trace file the user may not write: {p.stderr!r}")
        trace = os.path.join(d, "t")
        p = urun("--no-network", "--trace-file", trace, "true")
        expect_eq(p.returncode, 0, f"a trace file of the user's: {p.stderr!r}")
        expect_eq(owner_mode(trace), (1000, 1000, 0o600), "the user's file")
        nothing_left("after the runs")


@case("always", "once")
def control_characters_in_messages_are_escaped():
    # A path or flag with an escape sequence or a newline cannot drive the
    # terminal or forge a line: each control character shows as \xNN.
    bad = "/tmp/hb-\x1b[31mred\nhermetic-bpf: forged"
    p = hb("run", "--policy", bad, "true")
    expect_eq(p.returncode, 125, "a missing policy file")
    expect("\x1b" not in p.stderr and "\nhermetic-bpf: forged" not in p.stderr and
           "/tmp/hb-\\x1b[31mred\\x0ahermetic-bpf: forged: No such file" in p.stderr,
           f"escaped: {p.stderr!r}")
    p = hb("run", "--bogus\x07", "true")
    expect(p.returncode == 125 and "unknown option '--bogus\\x07'" in p.stderr and
           "\x07" not in p.stderr, f"an option: {p.stderr!r}")
    # Its neighbour: printable text, UTF-8 included, is left as it is.
    p = hb("run", "--policy", "/tmp/hb-café-missing", "true")
    expect("--policy /tmp/hb-café-missing: No such file" in p.stderr, f"kept: {p.stderr!r}")
