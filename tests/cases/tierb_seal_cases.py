# SPDX-License-Identifier: GPL-2.0-only
"""Tier B's seal for a command that runs as a user (spec/tiers.md, "What
every tier B sandbox gets"), registered into cases.py like fs_cases.py.

Every tier B sandbox, whatever its guards, is a Landlock domain: no
ptrace of processes outside it (any ABI), no signals or abstract unix
sockets out (ABI 6+); and a seccomp filter refuses the terminal ioctls
that type into the user's shell (TIOCSTI, TIOCLINUX). Each case asserts
the denial with its errno and that the neighbour (the same action on the
sandbox's own child, or without a guard) still works.
"""
import fcntl
import os
import re
import struct
import subprocess
import tempfile
import termios

import cases as C
from cases import TESTER, case, expect, expect_eq, expect_tokens, hb, ptokens

UID = int(TESTER["SUDO_UID"])
GID = int(TESTER["SUDO_GID"])

# A process of the sandbox's user, outside every sandbox, that lets any
# process of its user trace it (PR_SET_PTRACER_ANY: Yama's ptrace_scope 1
# would otherwise refuse before Landlock is asked).
TARGET = """
import ctypes, sys, time
ctypes.CDLL(None).prctl(0x59616d61, ctypes.c_ulong(-1), 0, 0, 0)
print("ready", flush=True)
time.sleep(600)
"""


class Outside:
    def __enter__(self):
        self.p = subprocess.Popen([C.PY, "-c", TARGET], stdout=subprocess.PIPE, text=True,
                                  user=UID, group=GID, extra_groups=[])
        expect_eq(self.p.stdout.readline().strip(), "ready", "the outside process started")
        return self.p.pid

    def __exit__(self, *exc):
        self.p.kill()
        self.p.wait()


def scoped_signal():
    """What a signal from a sandbox to a process outside gets: ABI 6 scopes it."""
    return "EPERM" if C.LANDLOCK_ABI >= 6 else "ok"


def tier_b_guard_sets():
    """One flag set per guard that runs in tier B here."""
    sets = []
    if C.TIER == "cgroup-bpf":
        sets.append(["--no-network"])
    if C.EXEC_TIER == "Landlock":
        sets.append(["--no-subprocess"])
    if C.FS_TIER == "Landlock":
        sets.append(["--fs-readonly"])
    return sets


def check_scoped(flags):
    with Outside() as pid:
        got, _ = ptokens(flags, f"ptrace_attach {pid}", f"kill {pid} 18", "ptrace_child",
                         "kill_child")
        expect_tokens(got, ["EPERM", scoped_signal(), "ok", "ok"],
                      f"{flags}: ptrace and a signal out; its own child")
        # The neighbour: the same user, in a sandbox without a guard, may.
        got, _ = ptokens([], f"kill {pid} 18", f"ptrace_attach {pid}")
        expect_tokens(got, ["ok", "ok"], "no guard: the same process is reachable")


@case("tierB")
def no_network_sandbox_cannot_trace_or_signal_outside():
    check_scoped(["--no-network"])
    p = hb("run", "-v", "--no-network", "true", env=TESTER)
    expect_eq(p.returncode, 0, f"status: {p.stderr!r}")
    expect(re.search(r"^hermetic-bpf: Landlock \(ABI \d+\): no ptrace", p.stderr, re.M),
           f"-v names what Landlock scopes: {p.stderr!r}")


@case("execB")
def every_tier_b_sandbox_is_scoped():
    for flags in tier_b_guard_sets():
        if flags != ["--no-network"]:
            check_scoped(flags)
        p = hb("run", "-v", *flags, "true", env=TESTER)
        expect_eq(p.returncode, 0, f"{flags}: {p.stderr!r}")
        line = re.search(r"^hermetic-bpf: Landlock \(ABI \d+\): no ptrace.*$", p.stderr, re.M)
        expect(line, f"{flags}: -v names what Landlock scopes: {p.stderr!r}")
        says_not = "signals are not scoped" in line.group(0)
        expect_eq(says_not, C.LANDLOCK_ABI < 6, f"{flags}: signals on ABI {C.LANDLOCK_ABI}")
    d = hb("doctor")
    expect(re.search(r"^Landlock: ABI \d+; every tier B sandbox: no ptrace", d.stdout, re.M),
           f"doctor says what every tier B sandbox gets: {d.stdout!r}")
    expect_eq("signals are not scoped" in d.stdout, 0 < C.LANDLOCK_ABI < 6, "doctor on signals")


def legacy_tiocsti():
    try:
        with open("/proc/sys/dev/tty/legacy_tiocsti") as f:
            return f.read().strip() == "1"
    except FileNotFoundError:
        return True  # before 6.2: always allowed on one's controlling tty


TTY_ACTIONS = ["tiocsti", "tioclinux", "tiocgwinsz", "tcsets", "tcsetpgrp", "tty_write",
               "tiocsti_i386"]


def ensure_devpts():
    """The test guest mounts no devpts (a host has one): mount it for the ptys."""
    if not os.path.ismount("/dev/pts"):
        os.makedirs("/dev/pts", exist_ok=True)
        subprocess.run(["mount", "-t", "devpts", "devpts", "/dev/pts"], check=True)


def tty_tokens(flags):
    """procprobe on a new pty, which is its stdin and controlling terminal."""
    ensure_devpts()
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = dict(os.environ)
    env.update(TESTER)
    try:
        p = subprocess.run([C.HB, "run", *flags, C.PY, C.PROC, "multi", *TTY_ACTIONS],
                           stdin=slave, capture_output=True, text=True, env=env, timeout=120,
                           start_new_session=True,
                           preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.set_blocking(master, False)
        try:
            seen = os.read(master, 4096)
        except BlockingIOError:
            seen = b""
    finally:
        os.close(slave)
        os.close(master)
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines:
        raise C.Fail(f"procprobe on a tty exited {p.returncode}: {p.stdout!r} {p.stderr!r}")
    return lines[-1].split(), seen


@case("execB")
def terminal_injection_denied_in_tier_b():
    # The neighbour first: without a guard the same ioctls work (TIOCSTI
    # as the kernel's legacy_tiocsti says), and whether i386 calls run.
    legacy = "ok" if legacy_tiocsti() else "EIO"
    got, seen = tty_tokens([])
    ia32 = got[-1:] != ["noia32"]
    expect_tokens(got, [legacy, "!EPERM", "24x80", "ok", "ok", "ok",
                        legacy if ia32 else "noia32"], "no guard: the same ioctls")
    expect(b"hb-tty" in seen, f"no guard: written to the terminal: {seen!r}")
    for flags in tier_b_guard_sets():
        got, seen = tty_tokens(flags)
        expect_tokens(got, ["EPERM", "EPERM", "24x80", "ok", "ok", "ok",
                            "EPERM" if ia32 else "noia32"],
                      f"{flags}: TIOCSTI, TIOCLINUX (x86_64, i386); the terminal still works")
        expect(b"hb-tty" in seen, f"{flags}: written to the terminal: {seen!r}")


@case("execB")
def no_subprocess_does_not_leak_names_the_user_cannot_see():
    secret = tempfile.mkdtemp(prefix="hb-secret-")  # root's, 0700
    os.chmod(secret, 0o700)
    with open(os.path.join(secret, "present"), "w") as f:
        f.write("#!/bin/sh\n")
    os.chmod(os.path.join(secret, "present"), 0o755)
    public = tempfile.mkdtemp(prefix="hb-public-")
    os.chmod(public, 0o755)
    # Inside: a name the user cannot look up is EPERM, present or not; a
    # missing name the user can see is still ENOENT (PATH searches).
    got, _ = ptokens(["--no-subprocess"], f"exec_errno {secret}/present",
                     f"exec_errno {secret}/absent", f"exec_errno {public}/absent",
                     "exec_errno /bin/true")
    expect_tokens(got, ["EPERM", "EPERM", "ENOENT", "EPERM"], "exec of hidden and missing names")
    # The neighbour: without the guard the user sees EACCES for both.
    got, _ = ptokens([], f"exec_errno {secret}/present", f"exec_errno {secret}/absent",
                     f"exec_errno {public}/absent", "exec_errno /bin/true")
    expect_tokens(got, ["EACCES", "EACCES", "ENOENT", "ran"], "no guard")
