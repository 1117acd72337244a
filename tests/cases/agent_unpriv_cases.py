# SPDX-License-Identifier: GPL-2.0-only
"""`run` without root through the agent's socket (spec/agent-socket.md, "Run
without root"). Registered into cases.py like agent_cases.py.

Commands run as uid 1000 for real (subprocess's user=, group=). Each
case asserts what is refused and that the allowed neighbour still works:
a denied connect next to an allowed one, a refused request next to a
served one, and that nothing is left after each run.
"""
import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time

import cases as C
from cases import case, expect, expect_eq
from agent_cases import Agent
from agent_crash_cases import AS_UNIT
from agent_warm_cases import Started, run_policies

USER = dict(user=1000, group=1000, extra_groups=[])
SANDBOXES = os.path.join(C.CGROOT, "hermetic-bpf")

# Raw requests to the agent's socket; prints one JSON answer per request:
# "arg reason" as the agent replied, "closed" or "connect:ERRNO".
RAW = r"""
import errno, json, os, socket, struct, sys, time
SOCK = "/run/hermetic-bpf/agent.sock"
WORDS = b"--no-network\0true\0"

def ask(msg, fds=()):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect(SOCK)
    except OSError as e:
        return "connect:" + errno.errorcode.get(e.errno, str(e.errno))
    try:
        if fds:
            socket.send_fds(s, [msg], list(fds))
        else:
            s.send(msg)
        s.settimeout(10)
        r = s.recv(4096)
    except OSError as e:
        return "error:" + errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()
    if len(r) < 16:
        return "closed"
    v, t, arg = struct.unpack("IIq", r[:16])
    return f"{arg} " + r[16:].split(b"\0")[0].decode()

def req(op=2, body=WORDS, version=1):
    return struct.pack("II", version, op) + body

def child(uid=None):
    pid = os.fork()
    if pid == 0:
        if uid is not None:
            os.setresuid(uid, uid, uid)
        time.sleep(60)
        os._exit(0)
    time.sleep(0.2)
    return pid, os.pidfd_open(pid)

out = []
for what in sys.argv[1:]:
    if what.startswith("pid="):
        out.append(ask(req(), [os.pidfd_open(int(what[4:]))]))
    elif what == "child":
        pid, fd = child()
        out.append(ask(req(), [fd]))
        os.kill(pid, 9)
    elif what == "child-as-1000":
        pid, fd = child(1000)
        out.append(ask(req(), [fd]))
        os.kill(pid, 9)
    elif what == "nofd":
        out.append(ask(req()))
    elif what == "twofds":
        pid, fd = child()
        out.append(ask(req(), [fd, fd]))
        os.kill(pid, 9)
    elif what == "pipefd":
        r, w = os.pipe()
        out.append(ask(req(), [r]))
    elif what == "unterminated":
        pid, fd = child()
        out.append(ask(req(body=b"--no-network\0true"), [fd]))
        os.kill(pid, 9)
    elif what == "fifo":
        pid, fd = child()
        out.append(ask(req(body=b"--policy\0/tmp/hb-fifo\0true\0"), [fd]))
        os.kill(pid, 9)
    elif what == "garbage":
        out.append(ask(os.urandom(700)))
    elif what == "half":
        out.append(ask(b"\1\0\0"))
    elif what == "version":
        out.append(ask(req(version=7)))
    elif what == "op":
        out.append(ask(req(op=99)))
    elif what == "huge":
        out.append(ask(req(body=b"x" * 40000)))
    elif what == "trace":
        out.append(ask(req(op=1, body=b"")))
    elif what == "silent":
        # Connects and sends half a request, then goes quiet.
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(SOCK)
        s.send(b"\1")
        out.append("sent")
print(json.dumps(out), flush=True)
"""


def raw(*what, user=USER, run=None):
    """The RAW script's answers to @what, as uid 1000 by default; with
    @run, inside an unprivileged `run RUN...`."""
    cmd = [C.PY, "-c", RAW, *what]
    if run is not None:
        cmd = [C.HB, "run", *run, *cmd]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL, **user)
    lines = p.stdout.strip().splitlines()
    expect(lines, f"raw {what}: {p.returncode} {p.stdout!r} {p.stderr!r}")
    return json.loads(lines[-1]), p


def urun(*args, timeout=120, cwd=None):
    """hermetic-bpf run ARGS as uid 1000."""
    return subprocess.run([C.HB, "run", *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, cwd=cwd, **USER)


def sandboxes():
    return sorted(x for x in os.listdir(SANDBOXES) if x.startswith("run-")) \
        if os.path.isdir(SANDBOXES) else []


def nothing_left(what, timeout=30):
    deadline = time.time() + timeout
    while (sandboxes() or run_policies()) and time.time() < deadline:
        time.sleep(0.2)
    expect_eq(sandboxes(), [], f"sandbox cgroups {what}")
    expect_eq(run_policies(), 0, f"runs' policies in the agent's maps {what}")


def refused(got, says, what):
    expect(got.split(" ", 1)[0].lstrip("-").isdigit() and got.startswith("-") and
           says in got, f"{what}: refused saying {says!r}: {got!r}")


@case("tierA")
def unprivileged_run_through_the_agent():
    with Started() as ag:
        d = os.stat("/run/hermetic-bpf")
        sock = os.stat("/run/hermetic-bpf/agent.sock")
        expect(stat.S_IMODE(d.st_mode) == 0o755 and stat.S_IMODE(sock.st_mode) == 0o666 and
               d.st_uid == sock.st_uid == 0, f"the socket's modes: {d} {sock}")
        port = str(C.TCP4.port)
        p = urun("--no-network", "--trace", C.PY, C.PROBE, "connect", "127.0.0.1", port)
        expect_eq((p.returncode, p.stdout.strip()), (0, "EPERM"),
                  f"--no-network as uid 1000 ({p.stderr!r})")
        expect(f"hermetic-bpf: blocked connect 127.0.0.1:{port}" in p.stderr,
               f"the run printed the denial: {p.stderr!r}")
        nothing_left("after a denied run")
        p = urun("--no-network", "--allow-localhost", C.PY, C.PROBE, "connect",
                 "127.0.0.1", port)
        expect_eq((p.returncode, p.stdout.strip()), (0, "ok"),
                  f"--allow-localhost as uid 1000 ({p.stderr!r})")
        # Without --trace: the summary line; JSON lines name the sandbox.
        p = urun("--no-network", C.PY, C.PROBE, "connect", "127.0.0.1", port)
        expect("blocked" in p.stderr and "rerun with --trace" in p.stderr,
               f"the exit summary: {p.stderr!r}")
        p = urun("--no-network", "--trace-format=json", C.PY, C.PROBE, "connect",
                 "127.0.0.1", port)
        ev = [json.loads(x) for x in p.stderr.splitlines() if x.startswith("{")]
        expect(ev and ev[0]["type"] == "denied" and
               ev[0]["sandbox"]["cgroup"].startswith("/hermetic-bpf/run-"),
               f"a JSON denial naming the sandbox: {p.stderr!r}")
        # The command runs as the user, its status passed on.
        p = urun("--no-network", "sh", "-c", "id -u; exit 7")
        expect_eq((p.returncode, p.stdout.strip()), (7, "1000"), "uid and status")
        p = urun("--no-network", "/nonexistent")
        expect_eq(p.returncode, 127, f"a missing command ({p.stderr!r})")
        # What needs root, or what the agent's programs cannot serve: 125, why.
        os.makedirs("/tmp/hb-priv/inner", exist_ok=True)
        os.chmod("/tmp/hb-priv", 0o700)
        for flags, says in ((("--user", "root"), "--user needs root"),
                            (("--allow-domain", "example.com"), "--allow-domain needs root"),
                            (("--fs-readonly=/",), "--fs-readonly=ROOT needs root"),
                            (("--allow-write", "/tmp/hb-priv/inner"),
                             "cannot be used by uid 1000")):
            p = urun(*flags, "--no-network", "sh", "-c", "echo ran")
            expect(p.returncode == 125 and "the agent refused" in p.stderr and
                   says in p.stderr and "ran" not in p.stdout,
                   f"{flags}: {p.returncode} {p.stdout!r} {p.stderr!r}")
        # The same write rule on a path the user may use is served; a relative
        # one is the caller's (from its working directory, not the agent's).
        os.makedirs("/tmp/hb-mine", exist_ok=True)
        os.chown("/tmp/hb-mine", 1000, 1000)
        p = urun("--fs-readonly", "--allow-write", "hb-mine", "sh", "-c",
                 "echo a > /tmp/hb-mine/f && echo ok; echo b > /tmp/hb-denied || echo denied",
                 cwd="/tmp")
        expect_eq((p.returncode, p.stdout.split()), (0, ["ok", "denied"]),
                  f"--allow-write as the user: {p.stderr!r}")
        nothing_left("after the runs")
        expect(ag.p.poll() is None, "the agent still runs")


@case("tierA")
def unprivileged_run_killed_with_its_client():
    with Started() as ag:
        d = "/tmp/hb-unpriv-kill"
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o777)
        pidfile = os.path.join(d, "pid")
        if os.path.exists(pidfile):
            os.unlink(pidfile)
        client = subprocess.Popen(
            [C.HB, "run", "--no-network", "sh", "-c", f"echo $$ > {pidfile}; exec sleep 600"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **USER)
        deadline = time.time() + 60
        while not os.path.exists(pidfile) and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(0.2)
        cmd = int(open(pidfile).read())
        cg = open(f"/proc/{cmd}/cgroup").read()
        expect("/hermetic-bpf/run-" in cg and len(sandboxes()) == 1,
               f"the command is in a sandbox: {cg!r} {sandboxes()}")
        expect_eq(run_policies(), 1, "its policy in the agent's maps")
        client.send_signal(signal.SIGKILL)
        client.wait(timeout=30)
        deadline = time.time() + 30
        while os.path.exists(f"/proc/{cmd}") and time.time() < deadline:
            time.sleep(0.1)
        expect(not os.path.exists(f"/proc/{cmd}"), "the command was killed with its client")
        nothing_left("after the client was killed")
        expect(ag.p.poll() is None, "the agent still runs")
        ag.wait_for("ended (its client closed)")


@case("tierA")
def confine_requests_are_checked():
    with Started() as ag:
        # Another user's process (root's), and a uid 1000 process that is not our child.
        root_proc = subprocess.Popen(["sleep", "600"])
        users = subprocess.Popen(["sleep", "600"], **USER)
        try:
            got, _ = raw(f"pid={root_proc.pid}", f"pid={users.pid}", "child")
            refused(got[0], "is not the caller's child", "root's process")
            refused(got[1], "is not the caller's child", "a process not the caller's child")
            expect_eq(got[2].split(" ")[0], "0", f"the caller's own child is served: {got[2]!r}")
            for p in (root_proc, users):
                expect_eq(open(f"/proc/{p.pid}/cgroup").read().count("hermetic-bpf"), 0,
                          "the refused processes were not moved")
            # A child that does not run as the caller (root asking for a uid 1000 child).
            got, _ = raw("child-as-1000", user={})
            refused(got[0], "does not run as the caller's uid", "a child of another uid")
        finally:
            root_proc.kill()
            users.kill()
        nothing_left("after the raw requests")
        expect(ag.p.poll() is None, "the agent still runs")


@case("tierA")
def agent_socket_survives_malformed_requests():
    with Started() as ag:
        if not os.path.exists("/tmp/hb-fifo"):
            os.mkfifo("/tmp/hb-fifo", 0o666)
        os.chmod("/tmp/hb-fifo", 0o666)
        got, _ = raw("nofd", "twofds", "pipefd", "unterminated", "garbage", "half",
                     "version", "op", "huge", "trace", "silent", "fifo")
        refused(got[0], "exactly one descriptor", "no descriptor")
        refused(got[1], "exactly one descriptor", "two descriptors")
        refused(got[2], "not a live process's pidfd", "a pipe for a pidfd")
        refused(got[3], "malformed request", "words without their last NUL")
        expect(got[4] == "closed" or got[4].startswith("-"), f"garbage: {got[4]!r}")
        expect_eq(got[5].split(" ")[0], "-71", "half a header: EPROTO")
        expect_eq(got[6].split(" ")[0], "-71", "another version: EPROTO")
        expect_eq(got[7].split(" ")[0], "-95", "an unknown op: EOPNOTSUPP")
        expect_eq(got[8], "closed", "a request longer than the agent reads")
        expect_eq(got[9].split(" ")[0], "-1", "trace as a user: EPERM")
        expect_eq(got[10], "sent", "a client that sent half a message and left")
        # A FIFO named as a policy file would stall the agent's read: refused.
        refused(got[11], "the flags do not parse", "--policy naming a FIFO")
        # A trace as a user says so; the agent still serves the next client.
        p = subprocess.run([C.HB, "trace"], capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL, **USER)
        expect(p.returncode == 125 and "root" in p.stderr, f"trace as a user: {p.stderr!r}")
        p = urun("--no-network", C.PY, C.PROBE, "connect", "127.0.0.1", str(C.TCP4.port))
        expect_eq((p.returncode, p.stdout.strip()), (0, "EPERM"),
                  f"a run after the garbage ({p.stderr!r})")
        expect(ag.p.poll() is None, "the agent still runs")
        nothing_left("after the malformed requests")


@case("tierA")
def confined_caller_cannot_get_out():
    with Started() as ag:
        # Under --no-network the socket cannot be reached at all.
        got, p = raw("child", run=["--no-network"])
        expect(got[0].startswith("connect:"), f"inside --no-network: {got} {p.stderr!r}")
        # Without the network guard it is reached, and refused.
        got, p = raw("child", run=["--no-subprocess"])
        refused(got[0], "runs under a policy already", "inside --no-subprocess")
        # A root run's sandbox (its own programs or the agent's) is refused the same way.
        got, p = raw("child", user={}, run=["--no-subprocess"])
        refused(got[0], "runs under a policy already", "inside a root run")
        nothing_left("after the confined callers")
        expect(ag.p.poll() is None, "the agent still runs")


@case("tierA")
def unprivileged_run_under_the_units_capabilities():
    # The shipped unit's capability set and network namespace: CONFINE still
    # works (pidfd checks without CAP_KILL), and lookups are the user's
    # (the agent's CAP_DAC_OVERRIDE does not reach a directory of root's).
    pdir = tempfile.mkdtemp()
    ag = Agent(pdir, prefix=AS_UNIT)
    try:
        port = str(C.TCP4.port)
        p = urun("--no-network", "--trace", C.PY, C.PROBE, "connect", "127.0.0.1", port)
        expect_eq((p.returncode, p.stdout.strip()), (0, "EPERM"),
                  f"--no-network under the unit's set ({p.stderr!r})")
        expect(f"blocked connect 127.0.0.1:{port}" in p.stderr, f"the event: {p.stderr!r}")
        p = urun("--no-network", "--allow-localhost", C.PY, C.PROBE, "connect",
                 "127.0.0.1", port)
        expect_eq((p.returncode, p.stdout.strip()), (0, "ok"),
                  f"--allow-localhost under the unit's set ({p.stderr!r})")
        os.makedirs("/tmp/hb-priv/inner", exist_ok=True)
        os.chmod("/tmp/hb-priv", 0o700)
        p = urun("--allow-write", "/tmp/hb-priv/inner", "sh", "-c", "echo ran")
        expect(p.returncode == 125 and "cannot be used by uid 1000" in p.stderr and
               "ran" not in p.stdout, f"a root-only path: {p.returncode} {p.stderr!r}")
        nothing_left("under the unit's set")
        ag.stop()
    finally:
        if ag.p.poll() is None:
            ag.p.kill()
        C.hb("agent", "--unload")
        shutil.rmtree(pdir, ignore_errors=True)


@case("nolsm")
def unprivileged_run_without_an_agent():
    p = urun("--no-network", "sh", "-c", "echo ran")
    expect(p.returncode == 125 and "run needs root" in p.stderr and
           "Hint:" in p.stderr and "agent" in p.stderr and "ran" not in p.stdout,
           f"no agent: {p.returncode} {p.stdout!r} {p.stderr!r}")
