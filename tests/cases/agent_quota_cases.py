# SPDX-License-Identifier: GPL-2.0-only
"""The agent's unprivileged CONFINE under attack (spec/agent-socket.md, "Run
without root"): a child's pid reused by another process before the move,
and users filling the shared rule maps. Registered into cases.py like
agent_unpriv_cases.py.

Each case asserts what is refused (and that nothing moved or was written)
and that the allowed neighbour still works: another user's run, root's,
and the same user's once its sandboxes have ended.
"""
import ctypes
import os
import select
import signal
import struct
import subprocess
import tempfile
import threading
import time

import cases as C
from cases import case, expect, expect_eq
from agent_unpriv_cases import USER, nothing_left, sandboxes, urun
from agent_warm_cases import Started

OTHER = dict(user=1001, group=1001, extra_groups=[])
AGENT_PINS = "hermetic-bpf-agent"
BPF_MAP_GET_NEXT_KEY, BPF_OBJ_GET, BPF_OBJ_GET_INFO_BY_FD = 4, 7, 15


def map_entries(name):
    """How many entries the agent's pinned map @name holds, by bpf()."""
    return pinned_map_entries(
        os.path.join(C.mount_of("bpf", "/sys/fs/bpf"), AGENT_PINS, "map_" + name))


def pinned_map_entries(pin):
    """How many entries the map pinned at @pin holds, by bpf()."""
    name = os.path.basename(pin)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    path = ctypes.create_string_buffer(pin.encode())
    attr = ctypes.create_string_buffer(struct.pack("QII", ctypes.addressof(path), 0, 0), 128)
    fd = libc.syscall(321, BPF_OBJ_GET, attr, 128)
    expect(fd >= 0, f"BPF_OBJ_GET {name}: {os.strerror(ctypes.get_errno())}")
    try:
        info = ctypes.create_string_buffer(80)
        attr = ctypes.create_string_buffer(
            struct.pack("IIQ", fd, 80, ctypes.addressof(info)), 128)
        expect(libc.syscall(321, BPF_OBJ_GET_INFO_BY_FD, attr, 128) == 0, f"info of {name}")
        size = struct.unpack_from("I", info, 8)[0]
        key, nxt, n, first = (ctypes.create_string_buffer(size),
                              ctypes.create_string_buffer(size), 0, True)
        while True:
            attr = ctypes.create_string_buffer(struct.pack(
                "IIQQ", fd, 0, 0 if first else ctypes.addressof(key),
                ctypes.addressof(nxt)), 128)
            if libc.syscall(321, BPF_MAP_GET_NEXT_KEY, attr, 128) < 0:
                return n
            n, first = n + 1, False
            ctypes.memmove(key, nxt, size)
    finally:
        os.close(fd)


def run_as(who, *args, timeout=120):
    return subprocess.run([C.HB, "run", *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, **who)


def executables(n):
    """@n distinct executable files (--allow-exec names each by identity)."""
    d = "/tmp/hb-quota-exec"
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    paths = []
    for i in range(n):
        p = os.path.join(d, f"e{i}")
        if not os.path.exists(p):
            with open(p, "w") as f:
                f.write("#!/bin/sh\n")
            os.chmod(p, 0o755)
        paths.append(p)
    return paths


def allow_exec(paths):
    return [w for p in paths for w in ("--allow-exec", p)]


def refused_for_quota(p, says, what):
    expect(p.returncode == 125 and "the agent refused: quota" in p.stderr and
           says in p.stderr and "ran" not in p.stdout,
           f"{what}: {p.returncode} {p.stdout!r} {p.stderr!r}")


def served(p, what):
    expect_eq((p.returncode, p.stdout.strip()), (0, "ran"), f"{what} ({p.stderr!r})")


class Sleeper:
    """An unprivileged run that holds its sandbox until stopped."""

    def __init__(self, who, *flags):
        self.p = subprocess.Popen([C.HB, "run", *flags, "sleep", "600"],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, **who)

    def stop(self):
        self.p.kill()
        self.p.wait()


def wait_sandboxes(n, timeout=120):
    deadline = time.time() + timeout
    while len(sandboxes()) < n and time.time() < deadline:
        time.sleep(0.2)
    expect_eq(len(sandboxes()), n, "live sandboxes")


@case("tierA")
def confine_rule_quota_per_user():
    with Started() as ag:
        exe = executables(129)
        expect_eq(map_entries("hb_exec_rules"), 0, "no exec rule before")
        # More than one user's share of hb_exec_rules (1024 / 8) in one run.
        p = urun(*allow_exec(exe), "sh", "-c", "echo ran")
        refused_for_quota(p, "one user may hold at most 128 of hb_exec_rules's 1024", "129 rules")
        expect_eq(map_entries("hb_exec_rules"), 0, "nothing written for the refused run")
        expect_eq(sandboxes(), [], "no sandbox made for the refused run")
        # Its share in one run is served.
        served(urun(*allow_exec(exe[:128]), "sh", "-c", "echo ran"), "128 rules")
        nothing_left("after a run at the quota")
        expect_eq(map_entries("hb_exec_rules"), 0, "its rules are gone with it")
        # A user's live sandboxes count together.
        held = Sleeper(USER, *allow_exec(exe[:100]))
        try:
            wait_sandboxes(1)
            # The cgroup exists before its rules are written: wait for them.
            deadline = time.time() + 60
            while map_entries("hb_exec_rules") < 100 and time.time() < deadline:
                time.sleep(0.2)
            expect_eq(map_entries("hb_exec_rules"), 100, "the live run's rules")
            p = urun(*allow_exec(exe[100:129]), "sh", "-c", "echo ran")
            refused_for_quota(p, "would hold 129 --allow-exec rules", "100 + 29 rules")
            expect_eq(map_entries("hb_exec_rules"), 100, "nothing written for the refusal")
            # Another user's share is its own; root is not limited.
            served(run_as(OTHER, *allow_exec(exe[:100]), "sh", "-c", "echo ran"),
                   "uid 1001's 100 rules")
            p = C.hb("run", *allow_exec(exe), "sh", "-c", "echo ran", env=C.TESTER)
            served(p, "root's 129 rules")
        finally:
            held.stop()
        nothing_left("after the held run ended")
        expect_eq(map_entries("hb_exec_rules"), 0, "every rule gone")
        # The quota is free again.
        served(urun(*allow_exec(exe[100:129]), "sh", "-c", "echo ran"), "29 rules after")
        nothing_left("at the end")
        expect(ag.p.poll() is None, "the agent still runs")


@case("tierA")
def confine_sandbox_quota_per_user():
    with Started() as ag:
        held = [Sleeper(USER, "--no-network") for _ in range(8)]
        try:
            wait_sandboxes(8)
            p = urun("--no-network", "sh", "-c", "echo ran")
            refused_for_quota(p, "uid 1000 has 8 live sandboxes", "a ninth sandbox")
            expect_eq(len(sandboxes()), 8, "no ninth sandbox made")
            served(run_as(OTHER, "--no-network", "sh", "-c", "echo ran"), "uid 1001's run")
            served(C.hb("run", "--no-network", "sh", "-c", "echo ran", env=C.TESTER),
                   "root's run")
            held.pop().stop()
            deadline = time.time() + 30
            while len(sandboxes()) > 7 and time.time() < deadline:
                time.sleep(0.2)
            served(urun("--no-network", "sh", "-c", "echo ran"), "a run once one ended")
        finally:
            for h in held:
                h.stop()
        nothing_left("after the held runs")
        expect(ag.p.poll() is None, "the agent still runs")


# A client of the agent's socket as uid 1000, in two halves: connects and
# forks a child that sleeps; then reads the agent's answer and prints it.
CLIENT = r"""
import ctypes, os, socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("/run/hermetic-bpf/agent.sock")
pid = os.fork()
if pid == 0:
    time.sleep(600)
    os._exit(0)
CONFINE = struct.pack("II", 1, 2) + b"--no-network\0true\0"
"""
ANSWER = r"""
s.settimeout(120)
r = s.recv(4096)
v, t, arg = struct.unpack("IIq", r[:16])
print(arg, r[16:].split(b"\0")[0].decode(), flush=True)
"""

# Prints the child's pid; on a line on stdin asks the agent to confine
# it, on the next kills and reaps it (its pid is free), then prints the
# agent's answer.
REUSE = CLIENT + r"""
fd = os.pidfd_open(pid)
print(pid, flush=True)
sys.stdin.readline()
socket.send_fds(s, [CONFINE], [fd])
sys.stdin.readline()
os.kill(pid, 9)
os.waitpid(pid, 0)
print("reaped", flush=True)
""" + ANSWER


class HeldAgent:
    """An agent (-v) whose stderr the case can fill, so that it stops at
    its next log line: between the request's checks and the move, it
    logs one (hb_debug), and nothing before them."""

    def __init__(self, pdir):
        r, self.w = os.pipe()
        self.p = subprocess.Popen([C.HB, "agent", "-v", "--policies", pdir],
                                  stdout=subprocess.DEVNULL, stderr=self.w,
                                  stdin=subprocess.DEVNULL)
        self.r, self.err, self.gate = r, [], threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.time() + 60
        # What a read returns is not a line: look in all of it.
        while "agent: ready" not in "".join(self.err) and time.time() < deadline:
            time.sleep(0.1)
        expect("agent: ready" in "".join(self.err), f"agent ready: {self.err}")

    def _read(self):
        os.set_blocking(self.r, False)
        while True:
            select.select([self.r], [], [], 0.1)
            with self.gate:
                try:
                    data = os.read(self.r, 65536)
                except BlockingIOError:
                    continue
            if not data:
                return
            self.err.append(data.decode(errors="replace"))

    def hold(self):
        """Stops reading and fills the pipe: the agent's next line waits."""
        self.gate.acquire()
        # A description of our own, non-blocking; the agent's stays blocking.
        fill = os.open(f"/proc/self/fd/{self.w}", os.O_WRONLY | os.O_NONBLOCK)
        for chunk in (4096, 1):
            try:
                while True:
                    os.write(fill, b"." * chunk)
            except BlockingIOError:
                pass
        os.close(fill)

    def blocked_in_log(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(f"/proc/{self.p.pid}/syscall") as f:
                if f.read().startswith("1 0x2 "):  # write(2, ...)
                    return True
            time.sleep(0.05)
        return False

    def release(self):
        self.gate.release()

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=30)


def pid_into(pid, who, cg):
    """A process of @who with pid @pid (ns_last_pid), put in cgroup @cg."""
    for _ in range(20):
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(pid - 1))
        v = subprocess.Popen(["sleep", "600"], **who)
        if v.pid == pid:
            with open(os.path.join(C.CGROOT, cg, "cgroup.procs"), "w") as f:
                f.write(str(v.pid))
            return v
        v.kill()
        v.wait()
    raise C.Fail(f"pid {pid} was never reused")


IN_MODIFY = 2
YAMA = "/proc/sys/kernel/yama/ptrace_scope"


def watch(path):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK)
    expect(fd >= 0 and libc.inotify_add_watch(fd, path.encode(), IN_MODIFY) >= 0,
           f"inotify on {path}")
    return fd


@case("tierA")
def confine_pid_reused_before_the_move():
    pdir = tempfile.mkdtemp()
    ag = HeldAgent(pdir)
    victims, scopes = [], [None]
    try:
        # Another user's process: the helper, as the caller, cannot even
        # hold it. One of the same user's in another cgroup: held, and
        # found not to be the child.
        for n, (who, says) in enumerate(((OTHER, "cannot hold process"),
                                         (USER, "exited before it was moved"))):
            cg = f"hbq-victim{n}"
            os.makedirs(os.path.join(C.CGROOT, cg), exist_ok=True)
            client = subprocess.Popen([C.PY, "-c", REUSE], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True, **USER)
            child = int(client.stdout.readline())
            ag.hold()
            try:
                client.stdin.write("send\n")
                client.stdin.flush()
                expect(ag.blocked_in_log(), "the agent stopped between its checks and the move")
                client.stdin.write("kill\n")
                client.stdin.flush()
                expect_eq(client.stdout.readline().strip(), "reaped", "the child was reaped")
                victim = pid_into(child, who, cg)
                victims.append(victim)
                events = os.path.join(C.CGROOT, cg, "cgroup.events")
                fd = watch(events)
                # The kernel tells of the victim's arrival later (a work
                # item, rate-limited): let it come and drop it while the
                # agent is still held, so that only a move can follow.
                time.sleep(1.0)
                try:
                    while os.read(fd, 4096):
                        pass
                except BlockingIOError:
                    pass
            finally:
                ag.release()
            answer = client.stdout.readline().strip()
            client.wait(timeout=60)
            expect_eq(open(f"/proc/{victim.pid}/cgroup").read().strip(), f"0::/{cg}",
                      "the process that took the pid stays where it was")
            try:
                moved = os.read(fd, 4096)
            except BlockingIOError:
                moved = b""
            os.close(fd)
            expect_eq(moved, b"", f"{cg} never emptied (nothing moved out of it, even for a moment)")
            expect(victim.poll() is None, "the process that took the pid lives")
            expect(answer.startswith("-") and says in answer,
                   f"refused at the move, pid {child} now {who['user']}'s: {answer!r}")
            nothing_left(f"after refusing the reused pid ({who['user']}'s)")
        # The allowed neighbour: a normal unprivileged run, also under
        # Yama's ptrace_scope 1 (the client gives the agent its leave).
        if os.path.exists(YAMA):
            scopes = [open(YAMA).read().strip(), "1"]
        for scope in scopes:
            if scope:
                with open(YAMA, "w") as f:
                    f.write(scope)
            p = urun("--no-network", C.PY, C.PROBE, "connect", "127.0.0.1",
                     str(C.TCP4.port))
            expect_eq((p.returncode, p.stdout.strip()), (0, "EPERM"),
                      f"a run after, ptrace_scope {scope} ({p.stderr!r})")
        p = urun("--no-network", "--allow-localhost", C.PY, C.PROBE, "connect", "127.0.0.1",
                 str(C.TCP4.port))
        expect_eq((p.returncode, p.stdout.strip()), (0, "ok"), f"localhost after ({p.stderr!r})")
        nothing_left("at the end")
        expect(ag.p.poll() is None, "the agent still runs")
    finally:
        if os.path.exists(YAMA) and scopes[0]:
            with open(YAMA, "w") as f:
                f.write(scopes[0])
        for v in victims:
            v.kill()
            v.wait()
        if ag.p.poll() is None:
            ag.stop()
        C.hb("agent", "--unload")
        for n in range(2):
            try:
                os.rmdir(os.path.join(C.CGROOT, f"hbq-victim{n}"))
            except OSError:
                pass


# Traces its child first with "traced", then asks the agent to confine it.
ASK = CLIENT + r"""
if sys.argv[1] == "traced":
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(0x4206, pid, 0, 0):  # PTRACE_SEIZE
        sys.exit("PTRACE_SEIZE: " + os.strerror(ctypes.get_errno()))
socket.send_fds(s, [CONFINE], [os.pidfd_open(pid)])
""" + ANSWER + """
os.kill(pid, 9)
"""


def ask(how):
    p = subprocess.run([C.PY, "-c", ASK, how], capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL, **USER)
    expect(p.returncode == 0 and p.stdout.strip(), f"ask {how}: {p.stdout!r} {p.stderr!r}")
    return p.stdout.strip()


@case("tierA")
def confine_child_that_cannot_be_held():
    with Started() as ag:
        # The move holds the child with ptrace as the caller: a child traced
        # already cannot be held, and is refused, never moved unheld.
        got = ask("traced")
        expect(got.startswith("-") and "cannot hold process" in got, f"a traced child: {got!r}")
        expect_eq(ask("plain").split(" ")[0], "0", "the same child untraced is served")
        if os.path.exists(YAMA):
            old = open(YAMA).read().strip()
            try:
                # Under ptrace_scope 1 without the child's leave (PR_SET_PTRACER,
                # which `run` gives): refused; `run` itself is served.
                with open(YAMA, "w") as f:
                    f.write("1")
                got = ask("plain")
                expect(got.startswith("-") and "cannot hold process" in got,
                       f"no leave under ptrace_scope 1: {got!r}")
                served(urun("--no-network", "sh", "-c", "echo ran"), "run under ptrace_scope 1")
            finally:
                with open(YAMA, "w") as f:
                    f.write(old)
        nothing_left("after the children that could not be held")
        expect(ag.p.poll() is None, "the agent still runs")
