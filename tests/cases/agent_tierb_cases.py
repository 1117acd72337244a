# SPDX-License-Identifier: GPL-2.0-only
"""The agent without BPF-LSM (tier B: the network guard on cgroup-bpf,
spec/agent.md), registered into cases.py like agent_cases.py.

A "service" is a long-running process in a cgroup made for the case,
started before the agent. Each case asserts the denial in the confined
cgroup, that an allowed address (and a process outside) keeps its
network, and that --unload leaves nothing: no pin, no map, no program
attached at the cgroup2 root.
"""
import ctypes
import json
import os
import shutil
import signal
import socket
import struct
import tempfile
import time

import cases as C
from cases import case, expect, expect_eq
from agent_cases import Agent, Worker, pinned, policy
import agent_policy_cases as P
from agent_policy_cases import Trace
from net_route_cases import drop_outside_address, outside_address

CG = "hbagentb"  # below the cgroup2 root: /hbagentb/svc, /hbagentb/free, ...

# A service: reads commands, answers one line each. "connect HOST PORT":
# OK or the errno's name. "ubind": a UDP socket bound to 0.0.0.0 (a
# service listening), its port. "urecv": what it received within a second.
SERVICE = r"""
import errno, socket, sys
u = None
for line in sys.stdin:
    cmd = line.split()
    try:
        if cmd[0] == "connect":
            s = socket.socket(socket.AF_INET6 if ":" in cmd[1] else socket.AF_INET)
            s.settimeout(5)
            try:
                s.connect((cmd[1], int(cmd[2])))
            finally:
                s.close()
            print("OK", flush=True)
        elif cmd[0] == "ubind":
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.bind(("0.0.0.0", 0))
            u.settimeout(1)
            print(u.getsockname()[1], flush=True)
        elif cmd[0] == "urecv":
            got = []
            try:
                while True:
                    got.append(u.recv(64).decode())
            except socket.timeout:
                pass
            print(",".join(got) or "timeout", flush=True)
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)), flush=True)
"""


class Service(Worker):
    SCRIPT = SERVICE

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def to(self, listener):
        """connect() to a listener of cases.py (its address and port)."""
        return self.ask(f"connect {listener.host} {listener.port}")


BPF_OBJ_GET, BPF_PROG_GET_FD_BY_ID, BPF_MAP_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD = 7, 13, 14, 15
BPF_LINK_GET_FD_BY_ID, BPF_LINK_GET_NEXT_ID = 30, 31
BPF_LINK_TYPE_CGROUP = 3


def bpf_info(cmd, obj_id, size):
    """struct bpf_*_info of object @obj_id (by bpf(), no bpftool), or None if gone."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    attr = ctypes.create_string_buffer(struct.pack("III", obj_id, 0, 0), 128)
    fd = libc.syscall(321, cmd, attr, 128)
    if fd < 0:
        return None
    info = ctypes.create_string_buffer(size)
    attr = ctypes.create_string_buffer(struct.pack("IIQ", fd, size, ctypes.addressof(info)), 128)
    ok = libc.syscall(321, BPF_OBJ_GET_INFO_BY_FD, attr, 128) == 0
    os.close(fd)
    return info.raw if ok else None


def root_programs():
    """Names of hermetic-bpf's programs linked at the cgroup2 root."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    root, names, next_id = os.stat(C.CGROOT).st_ino, [], 0
    while True:
        attr = ctypes.create_string_buffer(struct.pack("III", next_id, 0, 0), 128)
        if libc.syscall(321, BPF_LINK_GET_NEXT_ID, attr, 128) < 0:
            return sorted(names)
        next_id = struct.unpack_from("I", attr, 4)[0]
        link = bpf_info(BPF_LINK_GET_FD_BY_ID, next_id, 64)
        if not link:
            continue
        kind, _, prog_id = struct.unpack_from("III", link, 0)
        if kind != BPF_LINK_TYPE_CGROUP or struct.unpack_from("Q", link, 16)[0] != root:
            continue
        prog = bpf_info(BPF_PROG_GET_FD_BY_ID, prog_id, 80)
        name = prog[64:80].split(b"\0")[0].decode() if prog else "?"
        if name.startswith("hb_"):
            names.append(name)


def agent(pdir, *extra):
    ag = Agent(pdir, *extra)
    P.RUNNING.append(ag)  # stopped by P.cleanup if the case fails
    return ag


def cleanup(workers, pdir, traces=()):
    P.cleanup(list(workers), list(traces), pdir)
    for d, _, _ in os.walk(os.path.join(C.CGROOT, CG), topdown=False):
        try:
            os.rmdir(d)
        except OSError:
            pass


def agent_map_ids():
    """The ids of the maps the agent pinned (by bpf(): BPF_OBJ_GET, no bpftool)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    d = os.path.join(C.mount_of("bpf", "/sys/fs/bpf"), "hermetic-bpf-agent")
    ids = []
    for name in pinned():
        if not name.startswith("map_"):
            continue
        path = ctypes.create_string_buffer(os.path.join(d, name).encode())
        attr = ctypes.create_string_buffer(struct.pack("QII", ctypes.addressof(path), 0, 0), 128)
        fd = libc.syscall(321, BPF_OBJ_GET, attr, 128)
        expect(fd >= 0, f"BPF_OBJ_GET {name}: errno {ctypes.get_errno()}")
        info = ctypes.create_string_buffer(80)
        attr = ctypes.create_string_buffer(struct.pack("IIQ", fd, 80, ctypes.addressof(info)), 128)
        expect(libc.syscall(321, BPF_OBJ_GET_INFO_BY_FD, attr, 128) == 0, f"info of {name}")
        os.close(fd)
        ids.append(struct.unpack_from("I", info.raw, 4)[0])
    return ids


def unload_leaves_nothing(what):
    """--unload; then no pin, no program at the cgroup2 root, none of the
    agent's maps (ids taken before: other runs' maps may come and go)."""
    ids = agent_map_ids()
    expect(ids, "the agent's maps before --unload")
    p = C.hb("agent", "--unload")
    expect_eq(p.returncode, 0, f"--unload: {p.stderr}")
    expect_eq(pinned(), [], f"pins {what}")
    expect_eq(root_programs(), [], f"programs at the cgroup2 root {what}")
    deadline = time.time() + 60
    while time.time() < deadline:
        left = [i for i in ids if bpf_info(BPF_MAP_GET_FD_BY_ID, i, 80)]
        if not left:
            return
        time.sleep(0.2)
    raise C.Fail(f"the agent's maps {left} left {what}")


def udp_from(src, dst, port, data):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((src, 0))
        s.sendto(data.encode(), (dst, port))


@case("tierB")
def agent_tierb_confines_a_service():
    pdir = tempfile.mkdtemp()
    workers, traces = [], []
    addr, added = outside_address()
    svc = f"/{CG}/svc"
    try:
        inside = Service(f"{CG}/svc")
        outside = Service(f"{CG}/free")
        workers += [inside, outside]
        expect_eq(inside.to(C.TCPA), "OK", "the service before the agent")
        # A service listening on the wildcard address, before the agent.
        port = int(inside.ask("ubind"))
        udp_from(addr, addr, port, "early")
        expect_eq(inside.ask("urecv"), "early", f"a datagram from {addr} before the agent")
        policy(pdir, "svc.conf", f"[hermetic-bpf]\nversion = 1\ncgroup = {svc}\n[network]\n"
               f"no-network = yes\nallow-ip = 127.0.0.1/32:{C.TCP4.port}\n")
        events = os.path.join(pdir, "events.jsonl")
        ag = agent(pdir, "--events-file", events)
        expect(any("tier B" in x for x in ag.err), f"the agent says its tier: {ag.err}")
        expect_eq(inside.to(C.TCPA), "EPERM", "a running service, confined at once")
        expect_eq(inside.to(C.TCP4), "OK", "its allowed address")
        expect_eq(inside.to(C.TCP6), "EPERM", "IPv6 loopback, not allowed")
        expect_eq(outside.to(C.TCPA), "OK", "the sibling cgroup keeps its network")
        # Packets of its socket bound before the policy (cgroup_skb, found
        # through the socket's cgroup's ancestors): from outside the host
        # dropped, from loopback delivered.
        udp_from(addr, addr, port, "outside")
        udp_from("127.0.0.1", "127.0.0.1", port, "loopback")
        expect_eq(inside.ask("urecv"), "loopback", f"datagrams from {addr} and from loopback")
        child = Service(f"{CG}/svc/child")
        workers.append(child)
        expect_eq(child.to(C.TCPA), "EPERM", "a child cgroup made afterwards")
        expect_eq(child.to(C.TCP4), "OK", "and its allowed address")
        time.sleep(0.3)
        with ag.lock:
            lines = [json.loads(x) for x in ag.out]
        hits = [x for x in lines if x.get("sandbox", {}).get("cgroup") == svc]
        expect(hits, f"a JSON event naming {svc}: {lines[:3]}")
        with open(events) as f:
            expect(f"\"cgroup\":\"{svc}\"" in f.read(), "the event in --events-file")

        st = C.hb("status")
        expect_eq(st.returncode, 0, f"status: {st.stderr}")
        expect("tier: cgroup-bpf\n" in st.stdout and
               "serves: network; refuses: fs, exec, native, env, seal" in st.stdout,
               f"status says the tier and what it serves: {st.stdout!r}")
        mine = [x for x in st.stdout.splitlines() if x.startswith(f"  {svc} ")]
        expect(len(mine) == 1 and "; network; " in mine[0] and "seal" not in mine[0],
               f"the policy, network only (no seal in tier B): {st.stdout!r}")

        # A user's run through a tier B agent beside the service's policy
        # (agent_tierb_run_cases.py has the rest).
        from agent_unpriv_cases import urun
        u = urun("--no-network", C.PY, C.PROBE, "connect", C.TCPA.host, str(C.TCPA.port))
        expect_eq((u.returncode, u.stdout.strip()), (0, "EPERM"), f"a user's run: {u.stderr!r}")

        # trace follows the tier B agent's denials.
        tr = Trace()
        traces.append(tr)
        tr.following()
        expect_eq(inside.to(C.TCPC), "EPERM", "a denial while tracing")
        tr.wait(lambda x: f"{C.TCPC.host}:{C.TCPC.port}" in x, "the denial")

        # SIGHUP: loopback allowed by policy.
        policy(pdir, "svc.conf", f"cgroup = {svc}\nno-network = yes\nallow-localhost = yes\n")
        ag.hup("agent: reloaded")
        expect_eq(inside.to(C.TCPA), "OK", "loopback after allow-localhost")
        expect_eq(inside.to(C.TCP6), "OK", "IPv6 loopback too")
        expect_eq(inside.ask("connect 192.0.2.1 9"), "EPERM", "a non-loopback address")

        # policy apply/show/clear, live, on a cgroup without a file.
        p = C.hb("policy", "apply", "--cgroup", f"/{CG}/free", "--no-network")
        expect_eq(p.returncode, 0, f"policy apply: {p.stderr}")
        expect_eq(outside.to(C.TCPA), "EPERM", "confined by policy apply")
        sh = C.hb("policy", "show", "--cgroup", f"/{CG}/free")
        expect(f"/{CG}/free " in sh.stdout and ": apply; network; " in sh.stdout,
               f"policy show: {sh.stdout!r}")
        p = C.hb("policy", "clear", "--cgroup", f"/{CG}/free")
        expect_eq(p.returncode, 0, f"policy clear: {p.stderr}")
        expect_eq(outside.to(C.TCPA), "OK", "free again after policy clear")
        expect_eq(inside.ask("connect 192.0.2.1 9"), "EPERM", "the file's policy untouched")

        # A key of a guard tier B does not serve: the reload is refused by name.
        policy(pdir, "fs.conf", f"cgroup = /{CG}/free\nfs-readonly = yes\n")
        n = len(ag.err)
        ag.hup("reload refused")
        with ag.lock:
            said = "".join(ag.err[n:])
        expect("fs.conf:2: fs-readonly: the agent cannot enforce the filesystem guard" in said
               and "Hint:" in said, f"names the key, with a hint: {said!r}")
        expect_eq(outside.to(C.TCPA), "OK", "the refused file's cgroup is free")
        expect_eq(inside.ask("connect 192.0.2.1 9"), "EPERM", "the previous set stays")
        os.unlink(os.path.join(pdir, "fs.conf"))
        ag.stop()
        expect_eq(inside.ask("connect 192.0.2.1 9"), "EPERM", "enforced with no agent running")
        unload_leaves_nothing("after --unload")
        expect_eq(inside.to(C.TCPC), "OK", "no enforcement after --unload")
    finally:
        cleanup(workers, pdir, traces)
        drop_outside_address(added)


@case("tierB")
def agent_tierb_packets_at_every_depth():
    # The packet programs find a socket's sandbox through its cgroup's
    # ancestors at the marked levels alone: with policies at levels 1 and
    # 3, a service at level 3 misses at level 1 and is found deeper, for
    # its connects and for the packets of a socket bound before the agent;
    # a sibling at level 3 with no policy keeps both.
    pdir = tempfile.mkdtemp()
    workers = []
    addr, added = outside_address()
    top = "hbdeepb1"
    try:
        first = Service(top)
        inside = Service(f"{CG}/d2/svc")
        beside = Service(f"{CG}/d2/free")
        workers += [first, inside, beside]
        ports = {w: int(w.ask("ubind")) for w in (inside, beside)}
        policy(pdir, "one.conf", f"cgroup = /{top}\nno-network = yes\n")
        policy(pdir, "three.conf", f"cgroup = /{CG}/d2/svc\nno-network = yes\n"
               f"allow-ip = 127.0.0.1/32:{C.TCP4.port}\n")
        ag = agent(pdir)
        expect_eq(first.to(C.TCPA), "EPERM", "the policy at level 1")
        expect_eq(inside.to(C.TCPA), "EPERM", "the policy at level 3, past level 1")
        expect_eq(inside.to(C.TCP4), "OK", "its allowed address")
        expect_eq(beside.to(C.TCPA), "OK", "a sibling at level 3 keeps its network")
        for w in (inside, beside):
            udp_from(addr, addr, ports[w], "outside")
            udp_from("127.0.0.1", "127.0.0.1", ports[w], "loopback")
        expect_eq(inside.ask("urecv"), "loopback", f"{addr} dropped at level 3, loopback kept")
        expect_eq(beside.ask("urecv"), "outside,loopback", "the sibling receives both")
        ag.stop()
        unload_leaves_nothing("after --unload")
    finally:
        cleanup(workers, pdir)
        try:
            os.rmdir(os.path.join(C.CGROOT, top))
        except OSError:
            pass
        drop_outside_address(added)


@case("tierB")
def agent_tierb_no_lapse_across_kill9_and_restart():
    # A service connects in a tight loop, to a denied address with a
    # listener behind it (a lapse would succeed) and to an allowed one,
    # while the agent is killed with SIGKILL, started again, stopped with
    # SIGTERM and started again: the pins enforce throughout.
    from agent_crash_cases import Acceptor, Loop
    pdir = tempfile.mkdtemp()
    stop = os.path.join(pdir, "stop")
    denied, allowed = Acceptor(), Acceptor()
    loop = None
    try:
        policy(pdir, "svc.conf", f"cgroup = /{CG}/svc\nno-network = yes\n"
               f"allow-ip = 127.0.0.1:{allowed.port}\n")
        ag = agent(pdir)
        loop = Loop(f"{CG}/svc", stop, ("127.0.0.1", str(denied.port)),
                    ("127.0.0.1", str(allowed.port)))
        seen = sum(loop.wait_progress(0, "under the first agent")["denied"].values())
        ag.p.kill()
        ag.p.wait()
        expect(pinned(), "pins left by a killed agent")
        seen = sum(loop.wait_progress(seen, "with no agent running")["denied"].values())
        ag = agent(pdir)
        expect(any("re-opened the pins" in x for x in ag.err), f"restored: {ag.err}")
        seen = sum(loop.wait_progress(seen, "under the restarted agent")["denied"].values())
        ag.stop()
        seen = sum(loop.wait_progress(seen, "after SIGTERM")["denied"].values())
        ag = agent(pdir)
        loop.wait_progress(seen, "under the third agent")
        open(stop, "w").close()
        expect_eq(loop.p.wait(timeout=60), 0, "the loop's status")
        got = loop.last()
        expect("end" in got, f"the loop's last line: {got}")
        expect_eq(dict(got["denied"]), {"EPERM": sum(got["denied"].values())},
                  "every connect to the denied address, all along")
        expect_eq(dict(got["allowed"]), {"OK": sum(got["allowed"].values())},
                  "every connect to the allowed address, all along")
        ag.stop()
        unload_leaves_nothing("after --unload")
    finally:
        if loop:
            loop.stop()
        denied.close()
        allowed.close()
        cleanup([], pdir)


@case("tierB")
def agent_tierb_follows_a_recreated_cgroup():
    # A unit restart: its cgroup removed and made again is a new cgroup.
    # The tracepoint gives it its policy before anybody can enter it, with
    # the agent killed (the pins alone) and with it running.
    from agent_recreate_cases import first_connect, recreate
    pdir = tempfile.mkdtemp()
    rel = f"{CG}/unit"
    workers = []
    try:
        policy(pdir, "unit.conf", f"cgroup = /{rel}\nno-network = yes\n"
               f"allow-ip = 127.0.0.1:{C.TCP4.port}\n")
        ag = agent(pdir)
        expect_eq(first_connect(rel, C.TCPA.host, C.TCPA.port), "EPERM", "before")
        old = os.stat(os.path.join(C.CGROOT, rel)).st_ino
        ag.p.kill()
        ag.p.wait()
        recreate(rel)
        expect_eq(first_connect(rel, C.TCPA.host, C.TCPA.port), "EPERM",
                  "a process placed at once in the cgroup made again, no agent running")
        ag = agent(pdir)
        w = Service(rel)
        workers.append(w)
        expect_eq(w.to(C.TCP4), "OK", "its allowed address, once the agent is back")
        expect_eq(w.to(C.TCPA), "EPERM", "another port")
        w.stop()
        workers.clear()
        new = os.stat(os.path.join(C.CGROOT, rel)).st_ino
        st = C.hb("status").stdout
        expect(f"/{rel} (cgroup id {new})" in st and f"(cgroup id {old})" not in st,
               f"status names the new id {new}, not {old}: {st!r}")
        n = len(ag.err)
        recreate(rel)
        expect_eq(first_connect(rel, C.TCPA.host, C.TCPA.port), "EPERM",
                  "made again with the agent running")
        ag.wait_for(f"/{rel} was created again", after=n)
        w = Service(rel)
        workers.append(w)
        expect_eq(w.to(C.TCP4), "OK", "its allowed address after the agent saw it")
        ag.stop()
        unload_leaves_nothing("after --unload")
    finally:
        cleanup(workers, pdir)


@case("tierB")
def agent_tierb_refuses_unserved_guards():
    # Keys of guards the agent cannot serve without BPF-LSM are refused by
    # name, before anything is loaded or made.
    pdir = tempfile.mkdtemp()
    try:
        for key, value, guard in (("fs-readonly", "yes", "the filesystem guard"),
                                  ("allow-write", "/tmp", "the filesystem guard")):
            policy(pdir, "svc.conf", f"cgroup = /{CG}/svc\nno-network = yes\n{key} = {value}\n")
            p = C.hb("agent", "--policies", pdir, timeout=60)
            expect_eq(p.returncode, 125, f"the agent with {key}")
            expect(f"svc.conf:3: {key}: the agent cannot enforce {guard} here" in p.stderr and
                   "serves only network" in p.stderr and "Hint:" in p.stderr,
                   f"names {key}, with a hint: {p.stderr!r}")
            expect_eq(pinned(), [], f"nothing pinned after {key}")
            expect(not os.path.exists(os.path.join(C.CGROOT, CG)), "no cgroup made")
        # doctor says what the agent would serve here.
        d = C.hb("doctor")
        expect("agent    cgroup-bpf (tier B): serves network; refuses fs, exec, native, env, "
               "seal" in d.stdout, f"doctor's agent line: {d.stdout!r}")
    finally:
        shutil.rmtree(pdir, ignore_errors=True)


@case("tierB")
def agent_reads_only_policies_root_alone_can_change():
    # Whoever can change a policy file, or swap a directory on its path,
    # decides what the agent (root) confines: such a directory or file is
    # refused at start and at a reload, and the set before stays.
    pdir = tempfile.mkdtemp()
    workers = []
    svc = f"/{CG}/svc"
    conf = os.path.join(pdir, "svc.conf")
    try:
        inside = Service(f"{CG}/svc")
        workers.append(inside)
        policy(pdir, "svc.conf", f"cgroup = {svc}\nno-network = yes\n")
        for path, mode, why in ((pdir, 0o777, f"{pdir} is writable by all"),
                                (conf, 0o666, f"{conf} is writable by all")):
            os.chmod(path, mode)
            p = C.hb("agent", "--policies", pdir, timeout=60)
            os.chmod(path, 0o700 if path == pdir else 0o644)
            expect(p.returncode == 125 and why in p.stderr and "only policies that root alone "
                   "can change" in p.stderr and "Hint:" in p.stderr,
                   f"refused ({oct(mode)}): {p.returncode} {p.stderr!r}")
            expect_eq(pinned(), [], f"nothing pinned ({oct(mode)})")
            expect_eq(inside.to(C.TCPA), "OK", f"the service is not confined ({oct(mode)})")
        ag = agent(pdir)
        expect_eq(inside.to(C.TCPA), "EPERM", "root's own directory: the service confined")
        # Made writable by all, then changed: the reload is refused, the set stays.
        os.chmod(conf, 0o666)
        policy(pdir, "svc.conf", f"cgroup = {svc}\nno-network = yes\nallow-localhost = yes\n")
        n = len(ag.err)
        ag.hup("reload refused")
        with ag.lock:
            said = "".join(ag.err[n:])
        expect(f"{conf} is writable by all" in said, f"the reload names the file: {said!r}")
        expect_eq(inside.to(C.TCPA), "EPERM", "the previous set stays enforced")
        os.chmod(conf, 0o644)
        ag.hup("agent: reloaded")
        expect_eq(inside.to(C.TCPA), "OK", "root's file again: its allow-localhost")
        ag.stop()
        unload_leaves_nothing("after --unload")
    finally:
        cleanup(workers, pdir)
