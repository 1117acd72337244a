# SPDX-License-Identifier: GPL-2.0-only
"""The host-wide agent (spec/agent.md), registered into cases.py like
fault_cases.py.

One BPF object for the host, policies per cgroup from a directory. Each
case asserts the denial in the confined cgroup and that a process
outside keeps its network; loads are few (each costs seconds under TCG).
"""
import errno
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import cases as C
from cases import case, expect, expect_eq
from fault_cases import policy_maps, wait_no_policy_maps

CG = "hbagent"  # below the cgroup2 root: /hbagent/job, /hbagent/job/child

# Reads "HOST PORT" lines, answers OK or the errno's name: a process that
# is already running when the agent starts.
WORKER = r"""
import errno, socket, sys
for line in sys.stdin:
    host, port = line.split()
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((host, int(port)))
        print("OK", flush=True)
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)), flush=True)
    finally:
        s.close()
"""


def pinned():
    d = os.path.join(C.mount_of("bpf", "/sys/fs/bpf"), "hermetic-bpf-agent")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


class Worker:
    """A connecting process moved into cgroup @rel (created if needed)."""

    SCRIPT = WORKER

    def __init__(self, rel):
        path = os.path.join(C.CGROOT, rel)
        os.makedirs(path, exist_ok=True)
        self.p = subprocess.Popen([C.PY, "-c", self.SCRIPT], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(self.p.pid))

    def connect(self, port):
        self.p.stdin.write(f"127.0.0.1 {port}\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def stop(self):
        self.p.kill()
        self.p.wait()


class Agent:
    """hermetic-bpf agent (run through @prefix), its output collected
    line by line."""

    def __init__(self, pdir, *extra, prefix=()):
        self.p = subprocess.Popen([*prefix, C.HB, "agent", "--policies", pdir, *extra],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, stdin=subprocess.DEVNULL)
        self.err, self.out = [], []
        self.lock = threading.Lock()
        for stream, into in ((self.p.stderr, self.err), (self.p.stdout, self.out)):
            threading.Thread(target=self._read, args=(stream, into), daemon=True).start()
        self.wait_for("agent: ready")

    def _read(self, stream, into):
        for line in stream:
            with self.lock:
                into.append(line)

    def wait_for(self, text, after=0, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if any(text in x for x in self.err[after:]):
                    return
            expect(self.p.poll() is None or self.p.poll() == 0,
                   f"agent exited {self.p.poll()}: {''.join(self.err)}")
            time.sleep(0.05)
        raise C.Fail(f"agent never said {text!r}: {''.join(self.err)}")

    def hup(self, says):
        n = len(self.err)
        self.p.send_signal(signal.SIGHUP)
        self.wait_for(says, after=n)

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        expect_eq(self.p.wait(timeout=30), 0, "the agent's status after SIGTERM")
        time.sleep(0.1)  # the reader threads take the last lines


def policy(pdir, name, text):
    with open(os.path.join(pdir, name), "w") as f:
        f.write(text)


def cleanup(workers, pdir):
    for w in workers:
        w.stop()
    C.hb("agent", "--unload")
    shutil.rmtree(pdir, ignore_errors=True)
    for rel in (f"{CG}/job/child", f"{CG}/job", f"{CG}/free", CG):
        try:
            os.rmdir(os.path.join(C.CGROOT, rel))
        except OSError:
            pass


@case("tierA")
def agent_confines_a_running_cgroup():
    pdir = tempfile.mkdtemp()
    workers = []
    try:
        inside = Worker(f"{CG}/job")
        outside = Worker(f"{CG}/free")
        workers += [inside, outside]
        expect_eq(inside.connect(C.TCP4.port), "OK", "connect before the agent")
        policy(pdir, "job.conf", f"[hermetic-bpf]\nversion = 1\ncgroup = /{CG}/job\n"
               "[network]\nno-network = yes\n")
        events = os.path.join(pdir, "events.jsonl")
        ag = Agent(pdir, "--events-file", events)
        expect_eq(inside.connect(C.TCP4.port), "EPERM", "a running process, confined at once")
        expect_eq(outside.connect(C.TCP4.port), "OK", "the sibling cgroup keeps its network")
        child = Worker(f"{CG}/job/child")
        workers.append(child)
        expect_eq(child.connect(C.TCP4.port), "EPERM", "a child cgroup made afterwards")
        # The denial as a JSON line, naming the cgroup, on stdout and in the file.
        time.sleep(0.3)
        with ag.lock:
            lines = [json.loads(x) for x in ag.out]
        hits = [x for x in lines if x.get("sandbox", {}).get("cgroup") == f"/{CG}/job"]
        expect(hits, f"a JSON event naming /{CG}/job: {lines[:3]}")
        expect_eq(hits[0].get("host"), os.uname().nodename, "the event names the host")
        with open(events) as f:
            expect(f"\"cgroup\":\"/{CG}/job\"" in f.read(), "the event in --events-file")

        # SIGHUP: a rule added, then a bad file refused whole, then removed.
        policy(pdir, "job.conf", f"cgroup = /{CG}/job\nallow-ip = 127.0.0.1:{C.TCP4.port}\n")
        ag.hup("agent: reloaded")
        expect_eq(inside.connect(C.TCP4.port), "OK", "the port allowed after SIGHUP")
        expect_eq(inside.connect(C.TCPA.port), "EPERM", "another port still denied")
        policy(pdir, "bad.conf", f"cgroup = /{CG}/free\nno-network = perhaps\n")
        n = len(ag.err)
        ag.hup("reload refused")
        with ag.lock:
            said = "".join(ag.err[n:])
        expect("bad.conf:2:" in said, f"the bad file and line: {said!r}")
        expect_eq(outside.connect(C.TCP4.port), "OK", "the bad file's cgroup is not confined")
        expect_eq(inside.connect(C.TCP4.port), "OK", "the previous policy kept its rule")
        expect_eq(inside.connect(C.TCPA.port), "EPERM", "and its denial")
        os.unlink(os.path.join(pdir, "bad.conf"))
        policy(pdir, "job.conf", f"cgroup = /{CG}/job\nno-network = yes\n")
        ag.hup("agent: reloaded")
        expect_eq(inside.connect(C.TCP4.port), "EPERM", "the rule removed by SIGHUP")
        os.unlink(os.path.join(pdir, "job.conf"))
        ag.hup("agent: reloaded")
        expect_eq(inside.connect(C.TCP4.port), "OK", "the file removed: the cgroup is free")
        ag.stop()
    finally:
        cleanup(workers, pdir)
    expect_eq(pinned(), [], "pins after --unload")


@case("tierA")
def agent_policies_at_every_depth():
    # The hooks look only at the levels that hold a policy (hb_levels): a
    # policy at level 1, 3 or 6 is found, before and after a reload adds one
    # at a new level; the cgroups beside and above them keep their network.
    pdir = tempfile.mkdtemp()
    rels = {1: "hbdeep1", 3: f"{CG}/d2/d3", 6: f"{CG}/d2/d3x/d4/d5/d6"}
    workers = {}
    above = free = None
    try:
        for depth, rel in rels.items():
            workers[depth] = Worker(rel)
        above = Worker(f"{CG}/d2")
        free = Worker(f"{CG}/free")
        policy(pdir, "one.conf", f"cgroup = /{rels[1]}\nno-network = yes\n")
        policy(pdir, "six.conf", f"cgroup = /{rels[6]}\nno-network = yes\n")
        ag = Agent(pdir)
        expect_eq(workers[1].connect(C.TCP4.port), "EPERM", "a policy at level 1")
        expect_eq(workers[6].connect(C.TCP4.port), "EPERM", "a policy at level 6")
        expect_eq(workers[3].connect(C.TCP4.port), "OK", "level 3, no policy yet")
        policy(pdir, "three.conf", f"cgroup = /{rels[3]}\nno-network = yes\n")
        ag.hup("agent: reloaded")
        expect_eq(workers[3].connect(C.TCP4.port), "EPERM", "a policy at a new level (3)")
        expect_eq(workers[6].connect(C.TCP4.port), "EPERM", "level 6 after the reload")
        expect_eq(above.connect(C.TCP4.port), "OK", "the cgroup above level 3's policy")
        expect_eq(free.connect(C.TCP4.port), "OK", "a sibling cgroup")
        ag.stop()
    finally:
        cleanup([w for w in (*workers.values(), above, free) if w], pdir)
        for rel in (rels[6], f"{CG}/d2/d3x/d4/d5", f"{CG}/d2/d3x/d4", f"{CG}/d2/d3x",
                    rels[3], f"{CG}/d2", rels[1]):
            try:
                os.rmdir(os.path.join(C.CGROOT, rel))
            except OSError:
                pass
    expect_eq(pinned(), [], "pins after --unload")


@case("tierA")
def agent_restart_reuses_pins():
    pdir = tempfile.mkdtemp()
    workers = []
    try:
        inside = Worker(f"{CG}/job")
        workers.append(inside)
        policy(pdir, "job.conf", f"cgroup = /{CG}/job\nno-network = yes\n")
        ag = Agent(pdir)
        expect_eq(inside.connect(C.TCP4.port), "EPERM", "confined by the first agent")
        ag.stop()
        expect(pinned(), "pins left by a stopped agent")
        expect_eq(inside.connect(C.TCP4.port), "EPERM", "still enforced with no agent running")
        ag = Agent(pdir)
        expect(any("re-opened the pins" in x for x in ag.err), f"restored: {ag.err}")
        expect_eq(policy_maps(), 1, "hb_policies maps loaded after a restart")
        expect_eq(inside.connect(C.TCP4.port), "EPERM", "still enforced after a restart")
        expect_eq(C.hb("run", "true").returncode, 0, "run still works beside the agent")
        for args in (["--policies", pdir], ["--unload"]):
            p = C.hb("agent", *args, timeout=60)
            expect(p.returncode == 125 and "another agent is running" in p.stderr,
                   f"agent {args[0]} while one runs: {p.returncode} {p.stderr!r}")
        expect_eq(inside.connect(C.TCP4.port), "EPERM", "still enforced after both")
        ag.stop()
        st = C.hb("status")
        expect_eq(st.returncode, 0, f"status: {st.stderr}")
        mine = [x for x in st.stdout.splitlines() if x.startswith(f"  /{CG}/job ")]
        expect(len(mine) == 1 and "network,seal" in mine[0] and "denied 0," not in mine[0],
               f"status names the policy by path, with its denials: {st.stdout!r}")
        # A pin missing: a hook would be unguarded, so the agent refuses.
        links = [x for x in pinned() if x.startswith("link_")]
        os.unlink(os.path.join(C.mount_of("bpf", "/sys/fs/bpf"), "hermetic-bpf-agent",
                               links[0]))
        p = C.hb("agent", "--policies", pdir, timeout=60)
        expect_eq(p.returncode, 125, "a partial restore")
        expect("incomplete" in p.stderr and links[0] in p.stderr,
               f"names the missing pin: {p.stderr!r}")
        expect_eq(C.hb("status").returncode, 125, "status of incomplete pins")
        p = C.hb("agent", "--unload")
        expect_eq(p.returncode, 0, f"--unload: {p.stderr}")
        expect_eq(pinned(), [], "pins after --unload")
        expect_eq(C.hb("status").stdout, "agent: nothing pinned\n", "status after --unload")
        expect_eq(inside.connect(C.TCP4.port), "OK", "no enforcement after --unload")
        wait_no_policy_maps("after --unload (the agent's maps)", timeout=60)
    finally:
        cleanup(workers, pdir)


@case("refusal")
def agent_refused_without_bpf_lsm():
    # No BPF-LSM and no tier B for the network guard (Linux 6.1: no cgroup
    # hooks for unix sockets): the agent refuses, saying both reasons.
    pdir = tempfile.mkdtemp()
    try:
        policy(pdir, "job.conf", f"cgroup = /{CG}/job\nno-network = yes\n")
        p = C.hb("agent", "--policies", pdir, timeout=60)
        expect_eq(p.returncode, 125, "the agent without BPF-LSM or tier B")
        expect("agent: cannot enforce here" in p.stderr and "unix sockets" in p.stderr and
               "Hint:" in p.stderr, f"says why, with a hint: {p.stderr!r}")
        expect_eq(pinned(), [], "nothing pinned")
        expect(not os.path.exists(os.path.join(C.CGROOT, CG)), "no cgroup made")
    finally:
        shutil.rmtree(pdir, ignore_errors=True)


# Reads paths, answers OK or the errno's name of opening each for writing.
WRITER = r"""
import errno, sys
for line in sys.stdin:
    try:
        with open(line.strip(), "w") as f:
            f.write("x")
        print("OK", flush=True)
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)), flush=True)
"""


class Writer(Worker):
    """A writing process moved into cgroup @rel (created if needed)."""

    SCRIPT = WRITER

    def write(self, path):
        self.p.stdin.write(path + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()


@case("tierA")
def agent_fs_readonly_policy():
    pdir = tempfile.mkdtemp()
    d = tempfile.mkdtemp()
    ok, other = os.path.join(d, "ok"), os.path.join(d, "other")
    os.mkdir(ok)
    os.mkdir(other)
    workers = []
    try:
        inside, outside = Writer(f"{CG}/job"), Writer(f"{CG}/free")
        workers += [inside, outside]
        policy(pdir, "job.conf", f"cgroup = /{CG}/job\nfs-readonly = yes\n"
               f"allow-write = {ok}\nallow-write = {other}\n")
        ag = Agent(pdir)
        expect_eq(inside.write(os.path.join(ok, "f")), "OK", "a write below allow-write")
        expect_eq(inside.write(os.path.join(d, "f")), "EROFS", "a write elsewhere, confined")
        expect_eq(outside.write(os.path.join(d, "f")), "OK", "the sibling cgroup writes")
        # A reload that drops a subtree: it must not stay writable.
        policy(pdir, "job.conf", f"cgroup = /{CG}/job\nfs-readonly = yes\nallow-write = {ok}\n")
        ag.hup("agent: reloaded")
        expect_eq(inside.write(os.path.join(other, "f")), "EROFS", "the dropped subtree")
        expect_eq(inside.write(os.path.join(ok, "g")), "OK", "the kept subtree")
        # A read root is run's only: refused by name, and the set stays.
        policy(pdir, "job.conf", f"cgroup = /{CG}/job\nfs-readonly = /usr\n")
        n = len(ag.err)
        ag.hup("reload refused")
        with ag.lock:
            said = "".join(ag.err[n:])
        expect("fs-readonly = /usr" in said, f"says why: {said!r}")
        expect_eq(inside.write(os.path.join(d, "h")), "EROFS", "the previous policy stays")
        ag.stop()
    finally:
        cleanup(workers, pdir)
        shutil.rmtree(d, ignore_errors=True)
