# SPDX-License-Identifier: GPL-2.0-only
"""A user's `run` through an agent without BPF-LSM (spec/agent-socket.md,
"Without BPF-LSM"): the agent makes the sandbox and judges its network on
tier B's cgroup programs; the client's child takes on the Landlock ruleset
and seccomp filter itself. Registered into cases.py like agent_cases.py.

Commands run as uid 1000 for real. Each case asserts what is denied or
refused next to the allowed neighbour, and that nothing is left after.
"""
import os
import subprocess
import tempfile

import cases as C
from cases import case, expect, expect_eq
from agent_tierb_cases import agent
import agent_policy_cases as P
from agent_unpriv_cases import USER, raw, refused, sandboxes, urun

# One token per attempt: "ok" or the errno's name. argv: HOST PORT DIR
# OTHER_DIR PID (a process of the same user outside the sandbox).
JOB = r"""
import ctypes, errno, os, socket, subprocess, sys
host, port, d, other, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
libc = ctypes.CDLL(None, use_errno=True)
out = []
def attempt(fn):
    try:
        fn()
        out.append("ok")
    except OSError as e:
        out.append(errno.errorcode.get(e.errno, str(e.errno)))
def connect(h, p):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((h, p))
    finally:
        s.close()
def ptrace():
    if libc.ptrace(16, pid, 0, 0) != 0:  # PTRACE_ATTACH
        raise OSError(ctypes.get_errno(), "ptrace")
def leave():  # the root cgroup's cgroup.procs (argv 7: the cgroup2 mount), never made
    fd = os.open(os.path.join(sys.argv[7], "cgroup.procs"), os.O_WRONLY)
    try:
        os.write(fd, str(os.getpid()).encode())
    finally:
        os.close(fd)
attempt(lambda: connect("127.0.0.1", port))
attempt(lambda: connect(host, port if host == "127.0.0.1" else int(sys.argv[6])))
attempt(lambda: open(os.path.join(d, "out.txt"), "w").write("x"))
attempt(lambda: open(os.path.join(other, "out.txt"), "w").write("x"))
attempt(lambda: subprocess.run(["/bin/true"], check=True))
attempt(ptrace)
attempt(lambda: os.kill(pid, 0))
attempt(leave)
print(" ".join(out), open("/proc/self/cgroup").read().strip().split(":")[-1])
"""


# argv as uid 1000 holding CAP_DAC_OVERRIDE as an ambient capability (no
# setpriv --reuid in the VMs' busybox): kept across setresuid, then raised.
AMBIENT = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
class Hdr(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
class Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]
libc.prctl(8, 1, 0, 0, 0)  # PR_SET_KEEPCAPS
os.setgroups([])
os.setresgid(1000, 1000, 1000)
os.setresuid(1000, 1000, 1000)
caps = (Data * 2)()
caps[0].effective = caps[0].permitted = caps[0].inheritable = 1 << 1  # CAP_DAC_OVERRIDE
if libc.capset(ctypes.byref(Hdr(0x20080522, 0)), caps) or \
        libc.prctl(47, 2, 1, 0, 0):  # PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE
    sys.exit(f"capset/ambient: {os.strerror(ctypes.get_errno())}")
os.execv(sys.argv[1], sys.argv[1:])
"""


def shared_dirs():
    d, other = C.shared_tmpdir(), C.shared_tmpdir()
    return d, other


@case("tierB")
def agent_tierb_confines_a_users_run():
    pdir = tempfile.mkdtemp()
    sleeper = subprocess.Popen(["sleep", "120"], **USER)
    try:
        ag = agent(pdir)
        d, other = shared_dirs()
        mark = C.TCP4.mark()
        flags = ["--no-network", "--allow-ip", f"127.0.0.1/32:{C.TCP4.port}",
                 "--fs-readonly", "--allow-write", d, "--no-subprocess", "--trace"]
        p = urun(*flags, "--", C.PY, "-c", JOB, C.TCPA.host, str(C.TCP4.port), d, other,
                 str(sleeper.pid), str(C.TCPA.port), C.CGROOT)
        words = p.stdout.split()
        expect_eq((p.returncode, words[:8]),
                  (0, ["ok", "EPERM", "ok", "EACCES", "EPERM", "EPERM", "EPERM", "EACCES"]),
                  "allowed connect, other address, write inside, write outside, exec, "
                  f"ptrace and signal outside, leaving the cgroup: {p.stderr!r}")
        expect(words[8].startswith("/hermetic-bpf/run-"), f"in the agent's sandbox: {words}")
        expect(C.TCP4.since(mark) != [], "the allowed connect reached the listener")
        expect(os.path.exists(os.path.join(d, "out.txt")), "the allowed write happened")
        expect(not os.path.exists(os.path.join(other, "out.txt")), "nothing written outside")
        expect(sleeper.poll() is None, "the process outside is untouched")
        expect(f"blocked connect {C.TCPA.host}:{C.TCPA.port} " in p.stderr,
               f"the trace names the denied connect: {p.stderr!r}")
        expect("network guard: enforced by cgroup-bpf" in p.stderr and
               "filesystem guard: enforced by Landlock" in p.stderr,
               f"--trace says which mechanism enforces what: {p.stderr!r}")
        expect("confines process" in "".join(ag.err), f"the agent made it: {ag.err}")
        st = C.hb("status")
        expect("users' runs: the network on the agent's programs; files, exec" in st.stdout,
               f"status says how users' runs are enforced: {st.stdout!r}")
        # A command that runs nothing else, unguarded but for the network: it runs.
        p = urun("--no-network", "--", C.PY, "-c", "print('ran')")
        expect_eq((p.returncode, p.stdout.strip()), (0, "ran"), f"a plain run: {p.stderr!r}")
        expect_eq(sandboxes(), [], "no sandbox cgroup left")
    finally:
        sleeper.kill()
        P.cleanup([], [], pdir)


@case("tierB")
def agent_tierb_refuses_what_it_cannot_enforce():
    pdir = tempfile.mkdtemp()
    try:
        agent(pdir)
        d = C.shared_tmpdir()
        mark = os.path.join(d, "ran")
        # Refused by name, before the command exists; the allowed neighbour runs.
        for flags, says in ((["--block-native"], "--block-native cannot be enforced"),
                            (["--no-subprocess", "--allow-exec", "/bin/true"],
                             "--allow-exec cannot be kept"),
                            (["--audit", "--fs-readonly"], "needs root (fanotify)")):
            p = urun(*flags, "--", "touch", mark)
            expect(p.returncode == 125 and says in p.stderr and not os.path.exists(mark),
                   f"{flags}: {p.returncode} {p.stderr!r}")
        p = urun("--block-native", "--allow-partial", "--no-network", "--", "touch", mark)
        expect(p.returncode == 0 and os.path.exists(mark) and
               "--block-native: not enforced (--allow-partial" in p.stderr,
               f"--allow-partial runs it, and says what is not enforced: {p.stderr!r}")
        # A command that would keep a capability (ambient: it survives exec) could
        # undo its sandbox as root could: refused. The same user without it runs.
        capped = [C.PY, "-c", AMBIENT, C.HB, "run", "--no-network", "--", "touch", mark + "2"]
        p = subprocess.run(capped, capture_output=True, text=True, timeout=120)
        expect(p.returncode == 125 and "would hold capabilities" in p.stderr and
               not os.path.exists(mark + "2"), f"ambient CAP_DAC_OVERRIDE: {p.stderr!r}")
        p = urun("--no-network", "--", "touch", mark + "2")
        expect(p.returncode == 0 and os.path.exists(mark + "2"), f"without it: {p.stderr!r}")
        # A client that would not take Landlock and seccomp on (CONFINE, op 2) is refused;
        # CONFINE_B (op 3) is served.
        got, _ = raw("child-as-1000")
        refused(got[0], "this client is older than the agent", "an older client's CONFINE")
        expect_eq(sandboxes(), [], "no sandbox cgroup left")
    finally:
        P.cleanup([], [], pdir)
