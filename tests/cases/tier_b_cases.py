# SPDX-License-Identifier: GPL-2.0-only
"""Tier B's Landlock cases and doctor's (spec/tiers.md, spec/doctor.md),
registered into cases.py like fs_cases.py.

Each case asserts the denial with the errno tier B gives (EACCES, EXDEV,
EPERM) and the allowed neighbour in the same run or without the guard.
Where tier B differs from tier A on purpose (attributes, stat outside a
read root), the case pins the documented behaviour, so that the spec
changes with the code.
"""
import json
import os
import re
import tempfile

import cases as C
import fs_cases as F
from cases import TESTER, case, expect, expect_eq, expect_tokens, hb, ptokens


@case("fsB")
def fs_readonly_on_landlock():
    base = F.tmpdir()
    w, o = os.path.join(base, "W"), os.path.join(base, "O")
    F.populate(base, dirs=["W", "O", "O/d"], files=["W/f", "O/f", "O/g", "O/h"])
    os.symlink(f"{o}/f", f"{w}/link-out")
    os.lchown(f"{w}/link-out", F.TESTER_UID, F.TESTER_GID)
    other = F.tmpdir()
    F.populate(other, files=["attr"])
    before = F.snapshot(o)
    pairs = [
        # Inside --allow-write, and the default devices: everything.
        (f"open {w}/new O_WRONLY|O_CREAT hello", "ok"), (f"open {w}/f O_WRONLY|O_TRUNC x", "ok"),
        (f"rename {w}/f {w}/f2", "ok"), (f"mkdir {w}/nd", "ok"), (f"unlink {w}/f2", "ok"),
        ("devwrite /dev/null", "ok"), (f"read {o}/f", "ok"), (f"listdir {o}", "ok"),
        # Outside: every change to names or contents, by any route.
        (f"open {o}/f O_WRONLY", "EACCES"), (f"open {o}/f O_RDWR|O_TRUNC", "EACCES"),
        (f"open {o}/new O_WRONLY|O_CREAT", "EACCES"), (f"truncate {o}/g", "EACCES"),
        (f"unlink {o}/g", "EACCES"), (f"mkdir {o}/nd", "EACCES"), (f"rmdir {o}/d", "EACCES"),
        (f"rename {o}/g {o}/g2", "EACCES"), (f"symlink x {o}/sym", "EACCES"),
        (f"mkfifo {o}/fifo", "EACCES"), (f"mknod {o}/node", "EACCES"),
        (f"sys truncate {o}/g 0", "EACCES"),
        # Leaving the writable subtree: a symlink out, a rename out, a link in.
        (f"open {w}/link-out O_WRONLY", "EACCES"), (f"rename {w}/new {o}/moved", "EXDEV|EACCES"),
        (f"link {o}/h {w}/h", "EXDEV|EACCES"),
        # A child of a child is confined too.
        (f"sh echo%20x%20>{F.q(o)}/h", "EACCES"),
        # Documented difference (spec/tiers.md): attributes are not confined.
        (f"chmod {other}/attr", "ok"),
    ]
    F.check(["--fs-readonly", "--allow-write", w], pairs, "--fs-readonly on Landlock")
    F.expect_unchanged(before, F.snapshot(o), "outside --allow-write")
    # The neighbour: without the guard the same user may change O.
    F.check([], [(f"open {o}/f O_WRONLY", "ok"), (f"unlink {o}/g", "ok")], "no guard")


@case("fsB")
def fs_read_root_on_landlock():
    root = F.tmpdir()
    F.populate(root, files=["in"], dirs=["sub"])
    probe = F.with_probe(root)
    extra = F.tmpdir()
    F.populate(extra, files=["more"])
    out = F.tmpdir()
    F.populate(out, files=["secret"], dirs=["sub"])
    pairs = [
        (f"read {root}/in", "ok"), (f"listdir {root}/sub", "ok"), (f"read {extra}/more", "ok"),
        (f"read {out}/secret", "EACCES"), (f"listdir {out}", "EACCES"),
        (f"open {out}/secret O_RDONLY", "EACCES"), ("read /etc/passwd", "EACCES"),
        (f"open {root}/in O_WRONLY", "EACCES"), (f"open {root}/new O_WRONLY|O_CREAT", "EACCES"),
        ("exec /bin/busybox true", "EACCES"),
        # Documented difference: names and metadata outside stay visible.
        (f"stat {out}/secret", "ok"),
    ]
    # The probe runs from the root: Python and its modules come from the
    # runtime list, so the command started.
    F.check([f"--fs-readonly={root}", "--allow-read", extra], pairs,
            "--fs-readonly=ROOT on Landlock", probe=probe)
    F.check([], [(f"read {out}/secret", "ok"), ("read /etc/passwd", "ok"),
                 ("exec /bin/busybox true", "ok")], "no guard",
            probe=probe)


@case("execB")
def no_subprocess_on_landlock_and_seccomp():
    # The sandbox cannot add an exec listener of its own (it would hear its
    # execs first); without the guard the same call works.
    got, _ = ptokens(["--no-subprocess"], "seccomp_listener", "fork", "run_true")
    expect_tokens(got, ["EPERM", "exit7", "EPERM"], "a listener of the sandbox's own")
    got, _ = ptokens([], "seccomp_listener", "run_true")
    expect_tokens(got, ["ok", "ok"], "no guard")
    if C.LANDLOCK_ABI >= 6:
        got, _ = ptokens(["--no-subprocess"], "kill_parent")
        expect_tokens(got, ["EPERM"], "signals stay inside the sandbox (Landlock scope)")
    # A PATH search: the missing names are ENOENT and not reported; the
    # program found is refused and reported once.
    p = hb("run", "--no-subprocess", "--trace", "sh", "-c", "nonexistent-hb; /bin/true",
           env=TESTER)
    expect_eq(p.returncode, 126, f"status: {p.stderr!r}")
    expect_eq(re.findall(r"blocked exec path=(\S+)", p.stderr), ["/bin/true"],
              f"one trace line: {p.stderr!r}")
    p = hb("run", "-v", "--no-subprocess", "true", env=TESTER)
    expect_eq(p.returncode, 0, "the command itself runs")
    expect("--no-subprocess: enforced by Landlock and seccomp" in p.stderr, p.stderr)


@case("execB")
def allow_exec_refused_on_landlock():
    marker = tempfile.mktemp()
    p = hb("run", "--no-subprocess", "--allow-exec", "/bin/busybox", "touch", marker,
           env=TESTER)
    expect_eq(p.returncode, 125, "--allow-exec without BPF-LSM")
    expect("--allow-exec /bin/busybox" in p.stderr and "dynamic loader" in p.stderr and
           re.search(r"^Hint: ", p.stderr, re.M), f"says why and what to do: {p.stderr!r}")
    expect(not os.path.exists(marker), "nothing started")
    p = hb("run", "--no-subprocess", "touch", marker, env=TESTER)
    expect_eq(p.returncode, 0, f"--no-subprocess alone: {p.stderr!r}")
    expect(os.path.exists(marker), "the command ran")
    os.unlink(marker)


def tier_letter(tier):
    return {"BPF-LSM": "A", "cgroup-bpf": "B", "Landlock": "B"}.get(tier, "none")


@case("always")
def doctor_says_what_enforces_each_guard():
    lsm = "A" if C.TIER == "BPF-LSM" else "none"
    want = {"network": tier_letter(C.TIER), "fs": tier_letter(C.FS_TIER),
            "exec": tier_letter(C.EXEC_TIER), "native": lsm, "env": lsm, "seal": lsm}
    p = hb("doctor", "--json")
    try:
        data = json.loads(p.stdout)
    except ValueError:
        raise C.Fail(f"doctor --json is not JSON: {p.stdout!r} {p.stderr!r}")
    expect_eq({g["guard"]: g["tier"] for g in data["guards"]}, want, "tier per guard")
    for g in data["guards"]:
        if g["tier"] == "none":
            expect(g["reason"] and g["hint"] and g["mechanism"] is None, f"why and how: {g}")
        else:
            expect(g["mechanism"] and g["reason"] is None, f"a mechanism: {g}")
    expect_eq(data["landlock_abi"], C.LANDLOCK_ABI, "Landlock ABI")
    expect_eq(data["bpf_lsm"], C.TIER == "BPF-LSM", "BPF-LSM")
    complete = "none" not in want.values()
    expect_eq(data["all_enforceable"], complete, "all_enforceable")
    expect_eq(p.returncode, 0 if complete else 1, "exit status of doctor --json")
    t = hb("doctor")
    expect_eq(t.returncode, p.returncode, "text and JSON agree on the status")
    for name, tier in want.items():
        m = re.search(rf"^{name} +(.*)\n(.*)", t.stdout, re.M)
        expect(m, f"a line for {name}: {t.stdout!r}")
        if tier == "none":
            expect(m.group(1).startswith("not enforceable: ") and
                   re.match(r" +Hint: \S", m.group(2)), f"{name}: why and how: {m.group(0)!r}")
        else:
            expect(f"(tier {tier})" in m.group(1), f"{name}: tier {tier}: {m.group(1)!r}")
    if C.TIER != "BPF-LSM" and "BPF-LSM is not active" in t.stdout:
        expect(re.search(r"Hint: boot with lsm=\S*,bpf", t.stdout), f"lsm= hint: {t.stdout!r}")
    bad = hb("doctor", "--bogus")
    expect_eq(bad.returncode, 125, "doctor --bogus")
    expect("unknown option '--bogus'" in bad.stderr, bad.stderr)
