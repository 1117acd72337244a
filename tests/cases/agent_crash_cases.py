# SPDX-License-Identifier: GPL-2.0-only
"""kill -9 of the agent under load (#7 item 7, spec/agent.md), registered
into cases.py like agent_cases.py.

A process in a confined cgroup connects in a tight loop, to a denied
address with a listener behind it (a lapse would succeed, not fail) and
to an allowed one, for the whole case; the agent is killed with SIGKILL
while events flow and started again. Enforcement must never lapse, and
every denial the loop saw must be delivered as a JSON line or counted
as lost or limited.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import cases as C
from cases import case, expect, expect_eq
from agent_cases import Agent, cleanup, policy, CG

# Events the 1 MiB ring buffer holds: 360-byte records, 8-byte headers.
RING_EVENTS = (1 << 20) // (360 + 8)

# Loops until FILE exists: each round one connect to DENIED, and every
# 10th round one to ALLOWED. Prints the running counts every 200 rounds
# and once at the end, as JSON: outcomes by errno name ("OK" = connected).
LOOP = r"""
import collections, errno, json, os, socket, sys, time
stop, dh, dp, ah, ap = sys.argv[1:]
sys.stdin.readline()  # moved into the cgroup: go
got = {"denied": collections.Counter(), "allowed": collections.Counter()}
def attempt(kind, host, port):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((host, int(port)))
        got[kind]["OK"] += 1
    except OSError as e:
        got[kind][errno.errorcode.get(e.errno, str(e.errno))] += 1
    finally:
        s.close()
n = 0
while True:
    attempt("denied", dh, dp)
    if n % 10 == 0:
        attempt("allowed", ah, ap)
    n += 1
    if n % 200 == 0:
        print(json.dumps({"t": time.monotonic(), **got}), flush=True)
        if os.path.exists(stop):
            break
print(json.dumps({"t": time.monotonic(), "end": 1, **got}), flush=True)
"""


# What deploy/systemd/hermetic-bpf-agent.service leaves the agent: a
# network namespace of its own (PrivateNetwork=), the capability bounding
# set (CAP_DAC_OVERRIDE, CAP_SETGID, CAP_SETUID, CAP_SYS_ADMIN, CAP_PERFMON,
# CAP_BPF) and
# NoNewPrivileges; then execs argv[1:]. Root's capabilities after exec
# are the bounding set.
UNIT_CAPS = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare(0x40000000):  # CLONE_NEWNET
    sys.exit(f"unshare(CLONE_NEWNET): {os.strerror(ctypes.get_errno())}")
keep = {1, 6, 7, 21, 38, 39}
last = int(open("/proc/sys/kernel/cap_last_cap").read())
for cap in range(last + 1):
    if cap not in keep and libc.prctl(24, cap, 0, 0, 0):  # PR_CAPBSET_DROP
        sys.exit(f"PR_CAPBSET_DROP {cap}: {os.strerror(ctypes.get_errno())}")
if libc.prctl(38, 1, 0, 0, 0):  # PR_SET_NO_NEW_PRIVS
    sys.exit("PR_SET_NO_NEW_PRIVS failed")
os.execv(sys.argv[1], sys.argv[1:])
"""
AS_UNIT = (C.PY, "-c", UNIT_CAPS)


class Acceptor:
    """A loopback listener that accepts and closes, as fast as it can."""

    def __init__(self, port=0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.close()

    def close(self):
        self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        self.sock.close()


class Loop:
    """LOOP started in cgroup @rel; its progress lines kept as they come."""

    def __init__(self, rel, stop, denied, allowed):
        path = os.path.join(C.CGROOT, rel)
        os.makedirs(path, exist_ok=True)
        self.p = subprocess.Popen([C.PY, "-c", LOOP, stop, *denied, *allowed],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(self.p.pid))
        self.lines = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        self.p.stdin.write("go\n")
        self.p.stdin.flush()

    def _read(self):
        for line in self.p.stdout:
            with self.lock:
                self.lines.append(json.loads(line))

    def last(self):
        with self.lock:
            return self.lines[-1] if self.lines else None

    def wait_progress(self, since, what, timeout=60):
        """Waits for a progress line whose denied total passed @since."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.last()
            if got and sum(got["denied"].values()) > since:
                return got
            expect(self.p.poll() is None, f"the loop exited {self.p.poll()}")
            time.sleep(0.05)
        raise C.Fail(f"the loop made no progress {what}")

    def stop(self):
        self.p.kill()
        self.p.wait()


def expect_unit_caps(ag):
    """The agent really runs with the unit's capabilities only."""
    with open(f"/proc/{ag.p.pid}/status") as f:
        st = dict(x.split(":\t", 1) for x in f.read().splitlines() if ":\t" in x)
    want = (1 << 1) | (1 << 6) | (1 << 7) | (1 << 21) | (1 << 38) | (1 << 39)
    expect_eq(int(st["CapEff"], 16), want, "the agent's CapEff")
    expect_eq(st["NoNewPrivs"].strip(), "1", "the agent's NoNewPrivs")
    expect(os.readlink(f"/proc/{ag.p.pid}/ns/net") != os.readlink("/proc/self/ns/net"),
           "the agent in a network namespace of its own")


def events_of(lines, cg):
    """The denials among an agent's stdout lines for cgroup @cg."""
    out = []
    for line in lines:
        ev = json.loads(line)  # every stdout line must be one whole object
        if ev.get("sandbox", {}).get("cgroup") == cg and ev["type"] == "denied":
            out.append(ev)
    return out


def counters(cg):
    """denied, events lost, limited of @cg's line in `hermetic-bpf status`."""
    st = C.hb("status")
    expect_eq(st.returncode, 0, f"status: {st.stderr}")
    for line in st.stdout.splitlines():
        if line.startswith(f"  {cg} "):
            tail = line.split("; ", 1)[1]  # "denied N, events lost N, limited N"
            return tuple(int(x.split()[-1]) for x in tail.split(", "))
    raise C.Fail(f"status has no line for {cg}: {st.stdout!r}")


@case("tierA")
def agent_kill9_under_load():
    pdir = tempfile.mkdtemp()
    stop = os.path.join(pdir, "stop")
    cg = f"/{CG}/job"
    loop = None
    agents = []
    try:
        ok = Acceptor()
        denied = (C.TCPA.host, str(C.TCPA.port))  # 127.0.0.2, a live listener
        # No rate limit: every denial made while no agent runs goes to the
        # ring, so more of them than it holds must be counted lost (with a
        # limit, a fast loop's denials were mostly limited and none lost).
        policy(pdir, "job.conf", f"[hermetic-bpf]\nversion = 1\ncgroup = {cg}\n"
               f"[network]\nno-network = yes\nallow-ip = 127.0.0.1:{ok.port}\n"
               "event-rate = 0\n")
        events = os.path.join(pdir, "events.jsonl")
        mark = C.TCPA.mark()
        # Both agents with the unit's capabilities only: loading, attaching
        # and pinning, then re-opening the pins, must need no more.
        agents.append(Agent(pdir, "--events-file", events, prefix=AS_UNIT))
        expect(any("loaded and pinned" in x for x in agents[0].err),
               f"the first agent loaded the programs: {agents[0].err}")
        expect_unit_caps(agents[0])
        loop = Loop(f"{CG}/job", stop, denied, ("127.0.0.1", str(ok.port)))
        before = loop.wait_progress(0, "under the first agent")

        # SIGKILL once the first agent has written events: mid-stream.
        deadline = time.time() + 60
        while time.time() < deadline and len(agents[0].out) < 50:
            time.sleep(0.02)
        expect(len(agents[0].out) >= 50, f"events flowing: {len(agents[0].out)} lines")
        agents[0].p.send_signal(signal.SIGKILL)
        agents[0].p.wait(timeout=30)
        killed_at = time.monotonic()
        at_kill = loop.wait_progress(sum(before["denied"].values()), "at the kill")
        # Down while the loop makes more denials than the 1 MiB ring buffer
        # holds: the pins enforce alone, and the kernel must count a loss.
        down = loop.wait_progress(sum(at_kill["denied"].values()) + RING_EVENTS + 300,
                                  "with no agent running", timeout=120)
        expect(down["allowed"].get("OK", 0) > at_kill["allowed"].get("OK", 0),
               f"the allowed address kept working with no agent: {down}")
        restarted_at = time.monotonic()
        # The second agent also says READY=1 to a service manager's socket.
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(os.path.join(pdir, "notify"))
        notify.settimeout(30)
        os.environ["NOTIFY_SOCKET"] = os.path.join(pdir, "notify")
        try:
            agents.append(Agent(pdir, "--events-file", events, prefix=AS_UNIT))
        finally:
            del os.environ["NOTIFY_SOCKET"]
        expect_unit_caps(agents[1])
        expect_eq(notify.recv(64), b"READY=1", "sd_notify after the policies were written")
        notify.close()
        expect(any("re-opened the pins" in x for x in agents[1].err),
               f"the second agent re-opened the pins: {agents[1].err}")
        loop.wait_progress(sum(down["denied"].values()) + 200, "under the second agent")

        # Stop the loop, then let the second agent drain what is left.
        with open(stop, "w"):
            pass
        expect_eq(loop.p.wait(timeout=120), 0, "the loop's status")
        final = loop.last()
        expect("end" in final, f"the loop's last line: {final}")
        seen = final["denied"]
        expect_eq(dict(seen), {"EPERM": seen.get("EPERM", 0)},
                  "every connect to the denied address, at any time")
        expect_eq(dict(final["allowed"]), {"OK": final["allowed"].get("OK", 0)},
                  "every connect to the allowed address")
        expect_eq(C.TCPA.since(mark, wait=0.2), [], "connections that reached the denied listener")

        want = seen["EPERM"]
        deadline = time.time() + 60
        while True:
            denied_n, lost, limited = counters(cg)
            with agents[0].lock, agents[1].lock:
                evs = events_of(agents[0].out, cg) + events_of(agents[1].out, cg)
            seqs = {e["seq"] for e in evs}
            if len(seqs) + lost + limited >= want or time.time() > deadline:
                break
            time.sleep(0.2)
        agents[1].stop()
        expect_eq(denied_n, want, "the policy's denied counter against the loop's EPERMs")
        expect_eq(len(seqs) + lost + limited, want,
                  f"delivered ({len(seqs)}, {len(evs) - len(seqs)} twice) + lost "
                  f"({lost}) + limited ({limited}) against the loop's denials")
        expect(min(seqs) >= 1 and max(seqs) <= want,
               f"sequence numbers within 1..{want}: {min(seqs)}..{max(seqs)}")
        # What the kernel kept while no agent ran reached the second one;
        # what did not fit in the ring was counted as lost.
        late = [e for e in events_of(agents[1].out, cg)
                if killed_at * 1e9 < e["ts_ns"] < restarted_at * 1e9]
        expect(late, "events emitted while the agent was down, delivered on restart")
        expect(lost > 0, f"more denials while down than the ring holds, counted lost: {lost}")
        # kill -9 can stop the first agent's write of a line at a page
        # boundary: that one line is torn (and the second agent ends it);
        # every other is whole, and holds what stdout got.
        filed, torn = set(), 0
        with open(events) as f:
            for x in f:
                try:
                    ev = json.loads(x)
                except ValueError:
                    torn += 1
                    continue
                filed |= {e["seq"] for e in events_of([x], cg)}
        expect(torn <= 1 and filed <= seqs and len(seqs - filed) <= torn,
               f"the --events-file holds what stdout got ({torn} torn line): "
               f"{sorted(seqs - filed)[:5]} missing, {sorted(filed - seqs)[:5]} extra")
        print(f"    {want} denials: {len(seqs)} delivered ({len(late)} from the "
              f"down time, {len(evs) - len(seqs)} twice), {lost} lost, {limited} "
              f"limited; {final['allowed']['OK']} allowed connects", flush=True)
    finally:
        if loop:
            loop.stop()
        for ag in agents:
            if ag.p.poll() is None:
                ag.p.kill()
                ag.p.wait()
        cleanup([], pdir)
