# SPDX-License-Identifier: GPL-2.0-only
"""The agent follows a policy's cgroup across re-creation (spec/agent.md,
"A cgroup that is removed and created again"), registered into cases.py
like agent_cases.py.

A service manager removes a unit's cgroup and makes it again on every
restart; the new cgroup has a new id. Each case re-creates the cgroup and
puts a process there at once, whose first action is connect(): it must be
denied (the guards hold from the cgroup's creation), the policy's allowed
address must work once the agent has written the rules, and a process
outside keeps its network.
"""
import errno
import json
import os
import shutil
import signal
import socket
import tempfile
import time

import cases as C
from cases import case, expect, expect_eq
from agent_cases import Agent, Worker, pinned, policy

CG = "hbrec"
SVC = f"{CG}/svc"
UNIT = "hbrec.service"  # unit = NAME.service: /system.slice/NAME.service
SLICE = "system.slice"


def cg_id(rel):
    return os.stat(os.path.join(C.CGROOT, rel)).st_ino


def recreate(*rels):
    """rmdir @rels (innermost first, as given), then mkdir them in reverse:
    what systemd does to a unit's cgroup between a stop and a start."""
    for rel in rels:
        for tries in range(100, 0, -1):  # the last process may still be leaving
            try:
                os.rmdir(os.path.join(C.CGROOT, rel))
                break
            except OSError as e:
                if e.errno != errno.EBUSY or tries == 1:
                    raise
                time.sleep(0.05)
    for rel in reversed(rels):
        os.mkdir(os.path.join(C.CGROOT, rel))


def first_connect(rel, host, port):
    """A process put into cgroup @rel whose first action is connect() to
    HOST:PORT; returns OK or the errno's name."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        res = "crash"
        try:
            os.close(r)
            with open(os.path.join(C.CGROOT, rel, "cgroup.procs"), "w") as f:
                f.write("0")  # moves the writer itself
            try:
                s = socket.socket()
                s.connect((host, port))
                res = "OK"
            except OSError as e:
                res = errno.errorcode.get(e.errno, str(e.errno))
        finally:
            os.write(w, res.encode())
            os._exit(0)
    os.close(w)
    out = os.read(r, 64).decode()
    os.close(r)
    os.waitpid(pid, 0)
    return out


def status_lines():
    st = C.hb("status")
    expect_eq(st.returncode, 0, f"status: {st.stderr}")
    return st.stdout


def expect_policy_of(rel, new, old):
    """status: one policy names @rel with id @new; none has id @old."""
    out = status_lines()
    mine = [x for x in out.splitlines() if x.startswith(f"  /{rel} ")]
    expect(len(mine) == 1 and f"(cgroup id {new})" in mine[0] and "network,seal" in mine[0],
           f"status names /{rel} by its new id {new}: {out!r}")
    expect(f"(cgroup id {old})" not in out, f"the old id {old} is gone: {out!r}")
    expect("(cgroup gone)" not in out, f"no policy of a removed cgroup: {out!r}")


def files(pdir):
    allow = f"allow-ip = 127.0.0.1:{C.TCP4.port}\n"
    policy(pdir, "svc.conf", f"cgroup = /{SVC}\nno-network = yes\n{allow}")
    policy(pdir, "unit.conf", f"unit = {UNIT}\nno-network = yes\n{allow}")


def cleanup(workers, pdir, slice_made, agents):
    for w in workers:
        w.stop()
    for a in agents:  # a failed case may leave one running
        if a.p.poll() is None:
            a.p.send_signal(signal.SIGCONT)
            a.p.kill()
            a.p.wait()
    C.hb("agent", "--unload")
    shutil.rmtree(pdir, ignore_errors=True)
    rels = [f"{CG}/free", SVC, CG, f"{SLICE}/{UNIT}"] + ([SLICE] if slice_made else [])
    for rel in rels:
        try:
            os.rmdir(os.path.join(C.CGROOT, rel))
        except OSError:
            pass


def expect_complete(rel, what):
    """The full policy in @rel: the allowed address works, another is denied."""
    w = Worker(rel)
    try:
        expect_eq(w.connect(C.TCP4.port), "OK", f"{what}: the allowed address")
        expect_eq(first_connect(rel, "127.0.0.2", C.TCPA.port), "EPERM",
                  f"{what}: another address")
    finally:
        w.stop()


@case("tierA")
def agent_follows_a_recreated_cgroup():
    pdir = tempfile.mkdtemp()
    workers, agents = [], []
    slice_made = not os.path.isdir(os.path.join(C.CGROOT, SLICE))
    unit_rel = f"{SLICE}/{UNIT}"
    try:
        files(pdir)
        ag = Agent(pdir)
        agents.append(ag)
        outside = Worker(f"{CG}/free")
        workers.append(outside)
        expect_complete(SVC, "before any re-creation")
        old = cg_id(SVC)

        # Re-created with the agent running: a process at once is confined.
        recreate(SVC)
        expect_eq(first_connect(SVC, "127.0.0.2", C.TCPA.port), "EPERM",
                  "the first connect() in the re-created cgroup")
        ag.wait_for(f"/{SVC} was created again (cgroup id {cg_id(SVC)})")
        expect_complete(SVC, "after the agent read the event")
        expect_eq(outside.connect(C.TCP4.port), "OK", "a process outside")
        expect_eq(first_connect(f"{CG}/free", "127.0.0.2", C.TCPA.port), "OK",
                  "a new process outside, to the address denied inside")
        expect_policy_of(SVC, cg_id(SVC), old)

        # The agent held up: the new cgroup has the guards, not yet the rule.
        old = cg_id(SVC)
        n = len(ag.err)
        ag.p.send_signal(signal.SIGSTOP)
        try:
            recreate(SVC)
            expect_eq(first_connect(SVC, "127.0.0.1", C.TCP4.port), "EPERM",
                      "the allowed address, before the agent adds the rule")
            expect_eq(first_connect(f"{CG}/free", "127.0.0.1", C.TCP4.port), "OK",
                      "outside, meanwhile")
        finally:
            ag.p.send_signal(signal.SIGCONT)
        ag.wait_for(f"/{SVC} was created again (cgroup id {cg_id(SVC)})", after=n)
        # The denial made while the agent was held names the new cgroup.
        want = {"id": cg_id(SVC), "cgroup": f"/{SVC}"}
        deadline = time.time() + 10
        while time.time() < deadline:
            with ag.lock:
                hits = [x for x in ag.out if json.loads(x).get("sandbox") == want]
            if hits:
                break
            time.sleep(0.1)
        expect(hits, f"a JSON event naming {want}: {ag.out[-3:]}")
        expect_complete(SVC, "once the agent went on")
        expect_policy_of(SVC, cg_id(SVC), old)

        # unit = NAME.service, its slice made again too when the test made it.
        old = cg_id(unit_rel)
        n = len(ag.err)
        recreate(unit_rel, *([SLICE] if slice_made else []))
        expect_eq(first_connect(unit_rel, "127.0.0.2", C.TCPA.port), "EPERM",
                  "the first connect() in the re-created unit's cgroup")
        ag.wait_for(f"/{unit_rel} was created again", after=n)
        expect_complete(unit_rel, "the unit's cgroup")
        expect_policy_of(unit_rel, cg_id(unit_rel), old)

        # Its file removed (SIGHUP): the path is no longer followed.
        os.unlink(os.path.join(pdir, "unit.conf"))
        ag.hup("agent: reloaded")
        recreate(unit_rel)
        expect_eq(first_connect(unit_rel, "127.0.0.2", C.TCPA.port), "OK",
                  "a cgroup whose policy file was removed, made again")
        out = status_lines()
        expect(f"/{unit_rel} " not in out and out.count("\n  /") == 1,
               f"only the followed policy is left: {out!r}")

        # A cgroup nobody follows is not confined by being made.
        workers.remove(outside)
        outside.stop()
        recreate(f"{CG}/free")
        expect_eq(first_connect(f"{CG}/free", "127.0.0.1", C.TCP4.port), "OK",
                  "a sibling cgroup made again")
        ag.stop()
    finally:
        cleanup(workers, pdir, slice_made, agents)
    expect_eq(pinned(), [], "pins after --unload")


@case("tierA")
def agent_stopped_while_cgroup_recreated():
    pdir = tempfile.mkdtemp()
    workers, agents = [], []
    slice_made = not os.path.isdir(os.path.join(C.CGROOT, SLICE))
    try:
        files(pdir)
        ag = Agent(pdir)
        agents.append(ag)
        ag.stop()
        expect(pinned(), "pins left by a stopped agent")
        os.makedirs(os.path.join(C.CGROOT, CG, "free"), exist_ok=True)
        old = cg_id(SVC)
        # Twice while no agent runs: the first new cgroup is stale by the start.
        recreate(SVC)
        recreate(SVC)
        expect_eq(first_connect(SVC, "127.0.0.2", C.TCPA.port), "EPERM",
                  "re-created with no agent: another address")
        expect_eq(first_connect(SVC, "127.0.0.1", C.TCP4.port), "EPERM",
                  "re-created with no agent: the allowed address waits for the agent")
        expect_eq(first_connect(f"{CG}/free", "127.0.0.1", C.TCP4.port), "OK",
                  "outside, meanwhile")
        expect_policy_of(SVC, cg_id(SVC), old)

        ag = Agent(pdir)
        agents.append(ag)
        expect(any("re-opened the pins" in x for x in ag.err), f"restored: {ag.err}")
        expect_complete(SVC, "after the agent started again")
        expect_policy_of(SVC, cg_id(SVC), old)
        out = status_lines()
        expect_eq(out.count("\n  /"), 2, f"one policy per file: {out!r}")
        ag.stop()
    finally:
        cleanup(workers, pdir, slice_made, agents)
    expect_eq(pinned(), [], "pins after --unload")
