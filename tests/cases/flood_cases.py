# SPDX-License-Identifier: GPL-2.0-only
"""A sandbox that denies faster than its events are read, registered into
cases.py like agent_cases.py.

With --event-rate 0 (no limit) every denial is an event, and processes
that loop on a denied call make them faster than a reader writes them
out: the ring is never empty. The reader reads a pass at a time
(loader/ring_pass.h) and serves its signals between passes: a run's
launcher forwards SIGTERM and ends, the agent answers SIGHUP and SIGTERM
and serves other users' runs while one user's floods. Read to the end
instead, none would while the flood lasts.
"""
import json
import os
import signal
import subprocess
import tempfile
import time

import cases as C
from cases import case, expect, expect_eq
from agent_cases import policy, CG
from agent_crash_cases import counters
from agent_unpriv_cases import USER, nothing_left, urun
from agent_warm_cases import Started

# Sends to a denied address until FILE exists (looked for every 500
# sends). Every 500 sends, and at the end, prints its outcomes so far by
# errno name ("OK": sent), with its pid: a flood killed with its sandbox
# leaves its last count.
FLOOD = r"""
import collections, errno, json, os, socket, sys
stop = sys.argv[1]
got = collections.Counter()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
n = 0
while n % 500 or not os.path.exists(stop):
    try:
        s.sendto(b"x", ("198.51.100.7", 9))
        got["OK"] += 1
    except OSError as e:
        got[errno.errorcode.get(e.errno, str(e.errno))] += 1
    n += 1
    if n % 500 == 0:
        print(json.dumps({"pid": os.getpid(), **got}), flush=True)
print(json.dumps({"pid": os.getpid(), **got}), flush=True)
"""
FLOODS = 8  # processes: together they outpace one reader on one CPU


def floods(d, n=FLOODS):
    """sh -c's command in directory D: N floods until D/stop exists,
    each appending its outcome to D/out."""
    script = os.path.join(d, "flood.py")
    with open(script, "w") as f:
        f.write(FLOOD)
    os.chmod(script, 0o644)
    one = f"{C.PY} {script} {d}/stop >> {d}/out"
    return " ".join(f"{one} &" for _ in range(n)) + " wait"


def wait_lines(path, n, what, timeout=120):
    """Waits until file PATH holds N lines or more."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open(path, errors="replace") as f:
                if sum(1 for _ in f) >= n:
                    return
        except FileNotFoundError:
            pass
        time.sleep(0.2)
    raise C.Fail(f"{what}: fewer than {n} lines in {path} after {timeout} s")


def outcomes(path):
    """Each flood's last outcome line, summed."""
    last = {}
    with open(path, errors="replace") as f:
        for line in f:
            try:
                got = json.loads(line)
            except ValueError:  # cut short by the kill
                continue
            last[got.pop("pid")] = got
    total = {}
    for got in last.values():
        for k, v in got.items():
            total[k] = total.get(k, 0) + v
    return total


def expect_all_denied(d, what):
    """Every send of the floods in directory D failed with EPERM."""
    got = outcomes(os.path.join(d, "out"))
    expect(got.get("EPERM", 0) > 0 and set(got) == {"EPERM"},
           f"every send denied with EPERM, {what}: {got}")


def start_flooding_run(d, n=FLOODS, **how):
    """`run --no-network --event-rate 0` of N floods in D, tracing to
    D/trace; returned once it has traced 2,000 denials and its ring had
    3 s more to fill. HOW: Popen's user or env."""
    p = subprocess.Popen([C.HB, "run", "--no-network", "--event-rate", "0",
                          "--trace-file", os.path.join(d, "trace"), "sh", "-c",
                          floods(d, n)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         stdin=subprocess.DEVNULL, **how)
    try:
        wait_lines(os.path.join(d, "trace"), 2000, "the floods' denials traced")
    except C.Fail:
        p.kill()
        p.wait()
        raise
    time.sleep(3)  # the ring full, its reader behind
    return p


def end_flooding_run(p, d):
    """SIGTERM to the flooding run P: it ends with 143 within 90 s, its
    trace holds its denials, and every send was denied. Its stderr."""
    p.send_signal(signal.SIGTERM)
    try:
        _, err = p.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        raise C.Fail("the flooding run did not forward SIGTERM and end within 90 s")
    expect_eq(p.returncode, 128 + signal.SIGTERM, f"the flooding run's status: {err[-600:]}")
    with open(os.path.join(d, "trace"), errors="replace") as f:
        blocked = sum(1 for line in f if line.startswith("hermetic-bpf: blocked"))
    expect(blocked >= 2000, f"the floods' denials traced: {blocked}")
    expect_all_denied(d, "during the flooding run")
    return err


@case("net", "vm", "once")
def flooding_sandbox_does_not_hold_its_launcher():
    d = tempfile.mkdtemp()
    os.chmod(d, 0o777)  # the trace file is opened as the user
    p = start_flooding_run(d, env=dict(os.environ, **C.TESTER))
    try:
        err = end_flooding_run(p, d)
        # More denials than the ring holds while the launcher fell behind: counted.
        expect("not reported: the event buffer was full" in err,
               f"the exit summary counts the events lost: {err[-600:]}")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    # Allowed work: a run of the same flags after it, without a flood.
    ok = C.hb("run", "--no-network", "--event-rate", "0", "true", env=C.TESTER)
    expect_eq(ok.returncode, 0, f"a plain run after the flood: {ok.stderr}")


@case("tierA", "once")
def flooding_policy_does_not_hold_the_agent():
    pdir = tempfile.mkdtemp()
    cg = os.path.join(C.CGROOT, CG, "job")
    stop = os.path.join(pdir, "stop")
    cmd = floods(pdir)
    policy(pdir, "job.conf", f"[hermetic-bpf]\nversion = 1\ncgroup = /{CG}/job\n"
           "[network]\nno-network = yes\nevent-rate = 0\n")
    err = open(os.path.join(pdir, "agent.err"), "w+")
    agent = subprocess.Popen([C.HB, "agent", "--policies", pdir],
                             stdout=subprocess.DEVNULL, stderr=err)
    flood = None
    try:
        os.makedirs(cg, exist_ok=True)
        said = lambda text: text in open(err.name).read()  # noqa: E731
        deadline = time.time() + 120
        while not said("agent: ready") and time.time() < deadline:
            expect(agent.poll() is None, f"agent exited: {open(err.name).read()}")
            time.sleep(0.1)
        expect(said("agent: ready"), f"agent not ready: {open(err.name).read()}")
        # The floods in the policy's cgroup, from their first instruction.
        flood = subprocess.Popen(["sh", "-c", f"echo $$ > {cg}/cgroup.procs && "
                                  f"exec sh -c '{cmd}'"])
        deadline = time.time() + 120
        while counters(f"/{CG}/job")[0] < 5000 and time.time() < deadline:
            time.sleep(0.5)
        expect(counters(f"/{CG}/job")[0] >= 5000, "the floods' denials counted")
        time.sleep(3)  # the ring full, the agent behind
        n = len(open(err.name).read())
        agent.send_signal(signal.SIGHUP)
        deadline = time.time() + 90
        while time.time() < deadline and "agent: reloaded" not in open(err.name).read()[n:]:
            time.sleep(0.2)
        expect("agent: reloaded" in open(err.name).read()[n:],
               f"no answer to SIGHUP within 90 s of a flood: {open(err.name).read()[-600:]}")
        agent.send_signal(signal.SIGTERM)
        try:
            expect_eq(agent.wait(timeout=90), 0, "the agent's status after SIGTERM")
        except subprocess.TimeoutExpired:
            raise C.Fail("the agent did not stop within 90 s of SIGTERM during a flood")
        with open(stop, "w"):
            pass
        expect_eq(flood.wait(timeout=120), 0, "the floods' status")
        expect_all_denied(pdir, "with no agent running at the end as well")
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
        if flood and flood.poll() is None:
            with open(stop, "w"):
                pass
            flood.wait(timeout=120)
        err.close()
        C.hb("agent", "--unload")
        for rel in (f"{CG}/job", CG):
            try:
                os.rmdir(os.path.join(C.CGROOT, rel))
            except OSError:
                pass


@case("tierA", "once")
def flooding_users_run_does_not_hold_the_agent():
    d = tempfile.mkdtemp()
    os.chmod(d, 0o777)  # the user's run writes its trace and outcomes here
    with Started() as ag:
        # uid 1000's run, two floods: the agent makes its sandbox and reads
        # its ring. (With eight, the agent's share of the one vCPU answers
        # no request within a client's 10 s, held or not.)
        p = start_flooding_run(d, 2, **USER)
        try:
            # Another run meanwhile: a held agent answers none of three.
            for _ in range(3):
                other = urun("--no-network", "sh", "-c", "echo served", timeout=90)
                if other.returncode == 0:
                    break
            expect_eq((other.returncode, other.stdout.strip()), (0, "served"),
                      f"another run during the flood: {other.stderr!r} {ag.err[-4:]}")
            n = len(ag.err)
            ag.p.send_signal(signal.SIGHUP)
            ag.wait_for("agent: reloaded", after=n, timeout=90)
            end_flooding_run(p, d)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        nothing_left("after the flooding run")
