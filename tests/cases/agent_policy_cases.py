# SPDX-License-Identifier: GPL-2.0-only
"""policy apply/show/clear and trace on a running agent (spec/agent-commands.md),
registered into cases.py like agent_cases.py.

Each case asserts the denial in the confined cgroup and that a process
outside, or an allowed address, keeps its network.
"""
import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time

import cases as C
from cases import case, expect, expect_eq
from agent_cases import Agent, Worker, pinned, policy

CG = "hbpol"  # below the cgroup2 root: /hbpol/job, /hbpol/free, ...

# Reads "HOST PORT N": N connects, then prints how many were refused.
BURST = r"""
import socket, sys
host, port, n = sys.stdin.readline().split()
refused = 0
for _ in range(int(n)):
    s = socket.socket()
    try:
        s.connect((host, int(port)))
    except PermissionError:
        refused += 1
    finally:
        s.close()
print(refused, flush=True)
"""


RUNNING = []  # agents started by the case running now


def agent(pdir):
    ag = Agent(pdir)
    RUNNING.append(ag)
    return ag


def connect(w, host, port):
    w.p.stdin.write(f"{host} {port}\n")
    w.p.stdin.flush()
    return w.p.stdout.readline().strip()


def pol(*args, **kw):
    return C.hb("policy", *args, **kw)


def line_of(out, path):
    mine = [x for x in out.splitlines() if x.startswith(f"  {path} ")]
    expect(len(mine) == 1, f"one line for {path}: {out!r}")
    return mine[0]


class Trace:
    """hermetic-bpf trace ARGS, its output collected line by line."""

    def __init__(self, *args, user=None):
        self.p = subprocess.Popen([C.HB, "trace", *args], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True,
                                  stdin=subprocess.DEVNULL, user=user)
        self.out, self.err = [], []
        self.lock = threading.Lock()
        for stream, into in ((self.p.stdout, self.out), (self.p.stderr, self.err)):
            threading.Thread(target=self._read, args=(stream, into), daemon=True).start()

    def _read(self, stream, into):
        for line in stream:
            with self.lock:
                into.append(line)

    def wait(self, pred, what, where="out", timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                hit = [x for x in getattr(self, where) if pred(x)]
            if hit:
                return hit[0]
            time.sleep(0.05)
        with self.lock:
            raise C.Fail(f"trace never showed {what}: out {self.out[-5:]} err {self.err}")

    def following(self):
        self.wait(lambda x: "following the agent's events" in x, "that it follows", "err")

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()


def cleanup(workers, traces, pdir):
    """@workers and @traces stopped, and any agent a failed case left running."""
    for x in workers + traces:
        x.stop()
    for ag in RUNNING:
        if ag.p.poll() is None:
            ag.p.terminate()
            ag.p.wait(timeout=30)
    RUNNING.clear()
    C.hb("agent", "--unload")
    shutil.rmtree(pdir, ignore_errors=True)
    # Deepest first: a cgroup is removed once it has no child left.
    for d, _, _ in os.walk(os.path.join(C.CGROOT, CG), topdown=False):
        try:
            os.rmdir(d)
        except OSError:
            pass


@case("tierA")
def policy_apply_show_clear():
    pdir = tempfile.mkdtemp()
    workers = []
    job = f"/{CG}/job"
    try:
        inside, outside = Worker(f"{CG}/job"), Worker(f"{CG}/free")
        workers += [inside, outside]
        ag = agent(pdir)  # no policy file: everything here comes from apply
        p = pol("apply", "--cgroup", job, "--allow-ip", f"127.0.0.1:{C.TCP4.port}")
        expect_eq(p.returncode, 0, f"policy apply: {p.stderr}")
        expect("confined" in p.stderr, f"says so: {p.stderr!r}")
        expect_eq(connect(inside, "127.0.0.2", C.TCPA.port), "EPERM",
                  "a running process, denied at once")
        expect_eq(connect(inside, "127.0.0.1", C.TCP4.port), "OK", "its --allow-ip port")
        expect_eq(connect(outside, "127.0.0.2", C.TCPA.port), "OK", "a process outside")

        p = pol("show")
        expect_eq(p.returncode, 0, f"policy show: {p.stderr}")
        mine = line_of(p.stdout, job)
        expect(": apply; network,seal; --no-network --allow-ip "
               f"127.0.0.1/32:{C.TCP4.port} --event-rate 1000; denied 1," in mine,
               f"origin, guards, rules and counters: {mine!r}")
        p = pol("show", "--cgroup", f"/{CG}/free")
        expect_eq(p.stdout, "policies: 0\n", "show of a cgroup with none above or below")
        p = pol("show", "--cgroup", f"{job}/child")
        expect(line_of(p.stdout, job), "show of a cgroup below lists the policy above")
        st = C.hb("status")
        expect("tier: BPF-LSM\n" in st.stdout and ": apply; " in line_of(st.stdout, job),
               f"status: the tier and the origin: {st.stdout!r}")
        # The agent's own events name the cgroup of a policy it did not write.
        time.sleep(0.3)
        with ag.lock:
            lines = [json.loads(x) for x in ag.out]
        expect([x for x in lines if x.get("sandbox", {}).get("cgroup") == job],
               f"an agent event naming {job}: {lines[:3]}")

        # Applied again: replaced whole, the dropped --allow-ip rule removed.
        p = pol("apply", "--cgroup", job, "--no-network")
        expect_eq(p.returncode, 0, f"apply again: {p.stderr}")
        expect("replaced" in p.stderr, f"says so: {p.stderr!r}")
        expect_eq(connect(inside, "127.0.0.1", C.TCP4.port), "EPERM", "the dropped rule")
        expect("--allow-ip" not in line_of(pol("show").stdout, job), "show without the rule")
        # A reload of the agent's files leaves apply's policy alone.
        ag.hup("agent: reloaded")
        expect_eq(connect(inside, "127.0.0.1", C.TCP4.port), "EPERM", "after SIGHUP")
        expect(": apply; " in line_of(pol("show").stdout, job), "still listed after SIGHUP")

        p = pol("clear", "--cgroup", job)
        expect_eq(p.returncode, 0, f"policy clear: {p.stderr}")
        expect_eq(connect(inside, "127.0.0.2", C.TCPA.port), "OK", "cleared: free again")
        expect_eq(pol("show").stdout, "policies: 0\n", "show after clear")
        p = pol("clear", "--cgroup", job)
        expect(p.returncode == 125 and "has no policy" in p.stderr,
               f"clear of nothing: {p.returncode} {p.stderr!r}")
        ag.stop()
    finally:
        cleanup(workers, [], pdir)
    expect_eq(pinned(), [], "pins after --unload")


@case("tierA", "once")
def policy_apply_refusals():
    pdir = tempfile.mkdtemp()
    workers = []
    filed = f"/{CG}/filed"
    try:
        p = pol("apply", "--cgroup", filed, "--no-network")
        expect(p.returncode == 125 and "no agent object is pinned" in p.stderr and
               "Hint: start `hermetic-bpf agent`" in p.stderr,
               f"apply with no agent: {p.returncode} {p.stderr!r}")
        inside = Worker(f"{CG}/filed")
        workers.append(inside)
        os.makedirs(os.path.join(C.CGROOT, CG, "filed", "sub"))
        os.makedirs(os.path.join(C.CGROOT, CG, "other", "sub"))
        policy(pdir, "filed.conf", f"cgroup = {filed}\nno-network = yes\n")
        ag = agent(pdir)
        expect_eq(connect(inside, "127.0.0.1", C.TCP4.port), "EPERM", "the file's policy")

        def refused(args, says, what):
            p = pol(*args)
            expect(p.returncode == 125 and all(x in p.stderr for x in says),
                   f"{what}: {p.returncode} {p.stderr!r}")

        missing = f"/{CG}/missing"
        refused(("apply", "--cgroup", missing, "--no-network"),
                (f"cgroup {missing}: does not exist", "Hint:"), "a missing cgroup")
        expect(not os.path.exists(os.path.join(C.CGROOT, CG, "missing")), "not created")
        refused(("apply", "--cgroup", filed, "--allow-localhost"),
                ("confined by a policy file", "SIGHUP"), "a file's cgroup")
        expect_eq(connect(inside, "127.0.0.1", C.TCP4.port), "EPERM", "not weakened")
        refused(("clear", "--cgroup", filed), ("confined by a policy file", "SIGHUP"),
                "clear of a file's policy")
        expect_eq(connect(inside, "127.0.0.1", C.TCP4.port), "EPERM", "not removed")
        refused(("apply", "--cgroup", f"{filed}/sub", "--no-network"),
                (f"is below {filed}", "(file)"), "below a file's cgroup")
        refused(("apply", "--cgroup", f"/{CG}", "--no-network"),
                (f"is above {filed}", "(file)"), "above a file's cgroup")
        refused(("apply", "--cgroup", f"/{CG}/other", "--allow-domain", "example.org"),
                ("--allow-domain: not a flag policy apply takes",), "a guard the agent lacks")
        # The allowed neighbour: a sibling, then nesting against apply's own.
        p = pol("apply", "--cgroup", f"/{CG}/other", "--no-network")
        expect_eq(p.returncode, 0, f"a sibling cgroup: {p.stderr}")
        refused(("apply", "--cgroup", f"/{CG}/other/sub", "--no-network"),
                (f"is below /{CG}/other", "(apply)"), "below apply's cgroup")
        # And the agent's files against apply's: the reload is refused whole.
        policy(pdir, "sub.conf", f"cgroup = /{CG}/other/sub\nno-network = yes\n")
        n = len(ag.err)
        ag.hup("reload refused")
        with ag.lock:
            said = "".join(ag.err[n:])
        expect(f"sub.conf: cgroup /{CG}/other/sub is below /{CG}/other" in said,
               f"names both: {said!r}")
        expect_eq(connect(inside, "127.0.0.1", C.TCP4.port), "EPERM", "the set before it kept")
        os.unlink(os.path.join(pdir, "sub.conf"))
        p = pol("show")
        expect(": file; " in line_of(p.stdout, filed) and
               ": apply; " in line_of(p.stdout, f"/{CG}/other"), f"both listed: {p.stdout!r}")
        ag.stop()
    finally:
        cleanup(workers, [], pdir)


@case("tierA", "once")
def trace_follows_the_agent():
    pdir = tempfile.mkdtemp()
    workers, traces = [], []
    job = f"/{CG}/job"
    try:
        p = C.hb("trace", timeout=30)
        expect(p.returncode == 125 and "no agent is running" in p.stderr and
               "Hint:" in p.stderr, f"trace with no agent: {p.returncode} {p.stderr!r}")
        inside = Worker(f"{CG}/job")
        workers.append(inside)
        ag = agent(pdir)
        d, sock = os.stat("/run/hermetic-bpf"), os.stat("/run/hermetic-bpf/agent.sock")
        expect(stat.S_ISDIR(d.st_mode) and stat.S_IMODE(d.st_mode) == 0o755 and
               stat.S_ISSOCK(sock.st_mode) and stat.S_IMODE(sock.st_mode) == 0o666 and
               d.st_uid == sock.st_uid == 0, f"the socket's modes: {d} {sock}")
        expect_eq(pol("apply", "--cgroup", job, "--no-network", "--event-rate", "0").returncode,
                  0, "policy apply")
        text, js = Trace(), Trace("--json")
        mine, other = Trace("--cgroup", job), Trace("--json", "--cgroup", f"/{CG}/free")
        traces += [text, js, mine, other]
        for t in traces:
            t.following()
        nobody = Trace(user=1000)
        nobody.p.wait(timeout=30)
        expect(nobody.p.returncode == 125 and any("needs root" in x for x in nobody.err),
               f"trace as a user: {nobody.p.returncode} {nobody.err}")

        expect_eq(connect(inside, "127.0.0.1", C.TCP4.port), "EPERM", "a denial")
        text.wait(lambda x: x.startswith(f"hermetic-bpf: blocked connect 127.0.0.1:{C.TCP4.port} ")
                  and "network disabled" in x, "the denial as text")
        got = json.loads(js.wait(lambda x: f'"port":{C.TCP4.port}' in x, "the denial as JSON"))
        expect(got["type"] == "denied" and got["hook"] == "connect" and
               got["sandbox"]["cgroup"] == job and got["addr"] == "127.0.0.1",
               f"the JSON event: {got}")
        mine.wait(lambda x: f"127.0.0.1:{C.TCP4.port}" in x, "the denial, through --cgroup")
        time.sleep(0.5)
        with other.lock:
            expect_eq(other.out, [], "--cgroup of another cgroup shows nothing")

        # A trace that does not read falls behind; it is told what it missed.
        for t in (text, js):
            t.p.send_signal(signal.SIGSTOP)
        burst = subprocess.Popen([C.PY, "-c", BURST], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        with open(os.path.join(C.CGROOT, CG, "job", "cgroup.procs"), "w") as f:
            f.write(str(burst.pid))
        out, _ = burst.communicate(f"127.0.0.1 {C.TCP4.port} 3000\n", timeout=600)
        expect_eq(out.strip(), "3000", "every connect of the burst denied")
        time.sleep(1)
        for t in (text, js):
            t.p.send_signal(signal.SIGCONT)
        lost = text.wait(lambda x: "events lost" in x, "the events it lost")
        expect(int(lost.split()[1]) > 0, f"a count: {lost!r}")
        lost = json.loads(js.wait(lambda x: '"type":"lost"' in x, "a JSON lost line"))
        expect(lost["count"] > 0 and lost["sandbox"] == {"id": 0, "cgroup": None},
               f"missed by this trace, of no one sandbox: {lost}")
        # Caught up, both follow again.
        expect_eq(connect(inside, "127.0.0.2", C.TCPA.port), "EPERM", "a later denial")
        text.wait(lambda x: f"127.0.0.2:{C.TCPA.port}" in x, "a denial after its loss")
        js.wait(lambda x: f'"port":{C.TCPA.port}' in x, "the later denial as JSON")
        ag.stop()
        for t in (text, js):
            expect_eq(t.p.wait(timeout=30), 0, "trace's status when the agent stops")
        expect(any("the agent stopped" in x for x in text.err), f"says so: {text.err}")
        expect(not os.path.exists("/run/hermetic-bpf/agent.sock"), "the socket removed")
    finally:
        cleanup(workers, traces, pdir)


@case("nolsm")
def policy_and_trace_need_an_agent():
    # No agent running or pinned: each says so, and nothing is made.
    for args, says in ((("trace",), "no agent is running"),
                       (("policy", "apply", "--cgroup", f"/{CG}/job", "--no-network"),
                        "no agent object is pinned"),
                       (("policy", "show"), "no agent object is pinned")):
        p = C.hb(*args, timeout=30)
        expect(p.returncode == 125 and says in p.stderr and "Hint:" in p.stderr,
               f"{' '.join(args[:2])}: {p.returncode} {p.stderr!r}")
    expect_eq(C.hb("status").stdout, "agent: nothing pinned\n", "status")
    expect_eq(pinned(), [], "nothing pinned")
    expect(not os.path.exists(os.path.join(C.CGROOT, CG)), "no cgroup made")
