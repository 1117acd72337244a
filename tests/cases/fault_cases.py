# SPDX-License-Identifier: GPL-2.0-only
"""Faults and load (spec/faults.md), registered into cases.py like
fs_cases.py.

Each case breaks one thing hermetic-bpf depends on (a full map or ring
buffer, a cgroup that cannot be made, bpffs out of reach, a dead or lying
DNS upstream) or runs many sandboxes at once, and asserts what the user
gets: the refusal (125, a clear message, the command never started,
nothing left behind) or the guard still enforced, and the neighbour that
keeps working.
"""
import ctypes
import os
import re
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time

import cases as C
from cases import TESTER, case, expect, expect_eq, expect_tokens, hb, leftovers


def no_leftovers(what):
    cg, pins = leftovers()
    expect_eq((cg, pins), ([], []), f"sandbox cgroups and pins left after {what}")


def in_mount_ns(setup, *args, env=TESTER, timeout=120):
    """hermetic-bpf ARGS in a private mount namespace prepared by the
    shell commands @setup (which must succeed)."""
    full_env = dict(os.environ)
    full_env.update(env)
    cmd = ["unshare", "-m", "--propagation", "private", "sh", "-c",
           f'set -e; {setup}; exec "$@"', "sh", C.HB, *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=full_env,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def refused_cleanly(p, marker, says, what):
    expect_eq(p.returncode, 125, f"exit status when {what}")
    expect(says in p.stderr, f"says why ({says!r}) when {what}: {p.stderr!r}")
    expect(not os.path.exists(marker), f"the command did not run when {what}")
    no_leftovers(what)


# --- a BPF-LSM hook with no room left ------------------------------------

def wait_no_policy_maps(what, timeout=120, left=0):
    """Until every hermetic-bpf object but @left is gone (a run's is
    dropped in the background after it ends), then asserts so; @what
    says when."""
    deadline = time.time() + timeout
    while policy_maps() > left and time.time() < deadline:
        time.sleep(0.5)
    expect_eq(policy_maps(), left, f"policy maps left {what}")


class HookFill:
    """hook_fill HOOK, for a with-block: takes every free slot on HOOK."""

    def __init__(self, hook):
        helper = os.environ.get("HB_HOOKFILL", os.path.join(C.HERE, "hook_fill"))
        self.p = subprocess.Popen([helper, hook], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.said = self.p.stdout.readline().strip()
        if not re.fullmatch(r"attached \d+: Argument list too long", self.said):
            self.__exit__()
            expect(False, f"hook_fill {hook} filled the hook: {self.said!r} "
                          f"{self.p.stderr.read()!r}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.p.stdin.close()
        self.p.wait(timeout=60)


@case("tierA")
def lsm_hook_full():
    # The kernel takes a few dozen programs per BPF-LSM hook, host-wide,
    # and every sandbox attaches its own. When another tool has taken the
    # last slot, run refuses; it neither falls back to tier B (what is
    # enforced would then depend on the host's load) nor leaves behind
    # what it had attached to other hooks.
    hint = "Hint: each running sandbox attaches its own programs"
    wait_no_policy_maps("before filling file_open")
    marker = tempfile.mktemp()
    with HookFill("file_open"):
        p = hb("run", "--fs-readonly", "sh", "-c", f"echo x > {marker}", env=TESTER)
        refused_cleanly(p, marker, "cannot attach hb_file_open: Argument list too long",
                        "file_open has no room")
        expect(hint in p.stderr, f"the hint: {p.stderr!r}")
    wait_no_policy_maps("before filling socket_connect")
    with HookFill("socket_connect"):
        p = hb("run", "--no-network", "sh", "-c", f"echo x > {marker}", env=TESTER)
        refused_cleanly(p, marker, "its socket_connect hook has no room for another program",
                        "socket_connect has no room")
        expect(hint in p.stderr, f"the hint: {p.stderr!r}")
        expect("cgroup-bpf" not in p.stderr, f"no tier B instead: {p.stderr!r}")
    # With the slots free again, the same runs start and deny.
    token, _ = C.run_probe("connect", C.TCP4.host, str(C.TCP4.port), env=TESTER)
    expect_eq(token, "EPERM", "connect once the hook has room again")
    token, _ = C.run_probe("connect", C.TCP4.host, str(C.TCP4.port), guard=False, env=TESTER)
    expect_eq(token, "ok", "the same connect without the guard")
    p = hb("run", "--fs-readonly", "sh", "-c", f"echo x > {marker}", env=TESTER)
    expect(p.returncode != 0 and "Read-only file system" in p.stderr,
           f"the write once file_open has room again: {p.returncode} {p.stderr!r}")
    expect_eq(hb("run", "--fs-readonly", "cat", "/etc/passwd", env=TESTER).returncode, 0,
              "a read under --fs-readonly")
    no_leftovers("the runs after the full hooks")


# --- maps of fixed size ----------------------------------------------------

@case("net")
def rule_maps_full():
    # Each sandbox loads its own BPF object: its policy map holds one
    # entry, and cannot fill (the load case counts one policy map per
    # sandbox). What can fill are the rule maps, from the command line:
    # the limit is said before anything is created.
    marker = tempfile.mktemp()
    port = C.TCPA.port
    rules = [f"127.0.0.1:{i}" for i in range(1, 16384)] + [f"127.0.0.2:{port}"]
    args = [a for r in rules for a in ("--allow-ip", r)]
    got, _ = C.tokens(args, f"connect 127.0.0.2 {port}", f"connect 127.0.0.3 {port}")
    expect_tokens(got, ["ok", "EPERM"], "16384 --allow-ip rules, the most there can be")
    p = hb("run", *args, "--allow-ip", "127.0.0.9", "touch", marker, env=TESTER)
    refused_cleanly(p, marker, "too many --allow-ip rules: at most 16384", "one rule more")
    paths = ["--allow-unix", C.UNIX_STREAM] * 1025
    p = hb("run", *paths, "touch", marker, env=TESTER)
    refused_cleanly(p, marker, "too many --allow-unix rules: at most 1024", "1025 --allow-unix")


# --- the event ring buffer ---------------------------------------------------

FLOOD = r"""
import os, socket, sys, time
d, n, port, ok_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
open(os.path.join(d, "ready"), "w").close()
while not os.path.exists(os.path.join(d, "go")):
    time.sleep(0.02)
s = socket.socket()
denied = other = 0
for _ in range(n):
    try:
        s.connect(("127.0.0.1", port))
        other += 1
    except PermissionError:
        denied += 1
    except OSError:
        other += 1
try:  # the allowed neighbour, with the buffer full
    socket.create_connection(("127.0.0.2", ok_port), timeout=5).close()
    allowed = "ok"
except OSError as e:
    allowed = type(e).__name__
with open(os.path.join(d, "result"), "w") as f:
    f.write(f"{denied} {other} {allowed}")
"""

# Events are 344 bytes (+8 of header) in a 1 MiB buffer: about 2980 fit.
FLOOD_ATTEMPTS = 8000


@case("net")
def ring_buffer_full():
    # The launcher is stopped while the command floods: nobody reads the
    # buffer, so it fills; every decision must still be made.
    d = C.shared_tmpdir()
    mark = C.TCP4.mark()
    # (No rate limit: the buffer, not --event-rate, must be what holds back.)
    p = subprocess.Popen([C.HB, "run", "--no-network", "--event-rate", "0",
                          "--allow-ip", f"127.0.0.2:{C.TCPA.port}",
                          C.PY, "-c", FLOOD, d, str(FLOOD_ATTEMPTS), str(C.TCP4.port),
                          str(C.TCPA.port)], env={**os.environ, **TESTER},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        C.wait_for(os.path.join(d, "ready"))
        os.kill(p.pid, signal.SIGSTOP)
        open(os.path.join(d, "go"), "w").close()
        C.wait_for(os.path.join(d, "result"), timeout=300)
    finally:
        os.kill(p.pid, signal.SIGCONT)
        out, err = p.communicate(timeout=120)
    denied, other, allowed = open(os.path.join(d, "result")).read().split()
    expect_eq((int(denied), int(other)), (FLOOD_ATTEMPTS, 0), "denied and other connects")
    expect_eq(allowed, "ok", "the allowed neighbour with the buffer full")
    expect_eq(C.TCP4.since(mark, wait=0.3), [], "data that reached the denied listener")
    expect_eq(p.returncode, 0, f"the command's status: {err!r}")
    seen = re.search(r"blocked (\d+) actions? \(connect (\d+)\)", err)
    lost = re.search(r"(\d+) events? (?:was|were) not reported: "
                     r"the event buffer was full", err)
    expect(seen and lost, f"the summary reports delivered and lost events: {err!r}")
    expect_eq(int(seen.group(1)) + int(lost.group(1)), FLOOD_ATTEMPTS,
              f"delivered {seen.group(1)} + lost {lost.group(1)}")
    expect(int(lost.group(1)) > 0 and int(seen.group(1)) > 1000,
           f"the buffer filled after holding many: {err!r}")
    no_leftovers("the flood")


# --- the sandbox cgroup ------------------------------------------------------

@case("vm", "net")
def cgroup_creation_fails():
    marker = tempfile.mktemp()
    parent = os.path.join(C.CGROOT, "hermetic-bpf")
    expect_eq(hb("run", "true", env=TESTER).returncode, 0, "a first run makes the parent")
    # No cgroup may be made below the parent (cgroup.max.descendants).
    with open(os.path.join(parent, "cgroup.max.descendants"), "w") as f:
        f.write("0")
    try:
        p = hb("run", "--no-network", "touch", marker, env=TESTER)
    finally:
        with open(os.path.join(parent, "cgroup.max.descendants"), "w") as f:
            f.write("max")
    refused_cleanly(p, marker, f"cannot create cgroup {parent}/run-", "the parent allows no child")
    # The cgroup2 mount read-only (in a mount namespace of its own).
    p = in_mount_ns(f"mount -o remount,bind,ro {C.CGROOT}", "run", "--no-network", "touch",
                    marker)
    refused_cleanly(p, marker, "Read-only file system", "the cgroup2 mount is read-only")
    expect("cannot create cgroup" in p.stderr, f"names the cgroup: {p.stderr!r}")
    # The neighbour: the same run once the fault is gone.
    expect_eq(hb("run", "--no-network", "touch", marker, env=TESTER).returncode, 0, "no fault")
    expect(os.path.exists(marker), "the command ran")


# --- bpffs -------------------------------------------------------------------

@case("vm", "net")
def bpffs_unmounted_or_unmountable():
    # Not mounted: hermetic-bpf mounts its own (in this mount namespace,
    # which the sandbox's processes keep alive with the pins in it).
    marker = tempfile.mktemp()
    unmount = "umount /sys/fs/bpf 2>/dev/null || true; ! grep -q ' - bpf ' /proc/self/mountinfo"
    p = in_mount_ns(unmount, "run", "--no-network", C.PY, C.PROBE, "connect",
                    C.TCP4.host, str(C.TCP4.port))
    expect_eq((p.returncode, p.stdout.strip()), (0, "EPERM"),
              f"--no-network without bpffs mounted: {p.stderr!r}")
    p = in_mount_ns(unmount, "run", C.PY, C.PROBE, "connect", C.TCP4.host, str(C.TCP4.port))
    expect_eq((p.returncode, p.stdout.strip()), (0, "ok"), "the same without a guard")
    # Cannot be mounted: /sys/fs is an empty read-only tmpfs but for a
    # new cgroup2 mount, so there is no /sys/fs/bpf to mount bpffs on.
    hide = (f"{unmount}; mount -t tmpfs tmpfs /sys/fs; mkdir /sys/fs/cgroup; "
            "mount -t cgroup2 cgroup2 /sys/fs/cgroup; mount -o remount,ro /sys/fs")
    if C.CGROOT != "/sys/fs/cgroup":
        raise C.Fail(f"the case assumes cgroup2 at /sys/fs/cgroup, not {C.CGROOT}")
    p = in_mount_ns(hide, "run", "--no-network", "touch", marker)
    refused_cleanly(p, marker, "no bpffs is mounted and mounting one at /sys/fs/bpf failed",
                    "bpffs cannot be mounted")
    expect("Hint: mount -t bpf bpf /sys/fs/bpf" in p.stderr, f"says how: {p.stderr!r}")


# --- DNS upstream faults -----------------------------------------------------

class GarbageDNS:
    """A name server on @host:53 that answers every query with a lie of
    another kind: random bytes, a header alone, counts beyond the data,
    a reply with the client's ID but another question, a name loop."""

    def __init__(self, host):
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((host, 53))
        self.tcp = socket.socket()
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((host, 53))
        self.tcp.listen(8)
        self.n = 0
        threading.Thread(target=self._udp, daemon=True).start()
        threading.Thread(target=self._tcp, daemon=True).start()

    def lie(self, q):
        self.n += 1
        qid, rest = q[:2], q[12:]
        kind = self.n % 5
        if kind == 0:
            return os.urandom(64)
        if kind == 1:
            return qid + b"\x81\x80" + b"\0" * 8  # a header, no question
        if kind == 2:  # 5 answers promised, none there
            return qid + b"\x81\x80\x00\x01\x00\x05\x00\x00\x00\x00" + rest
        if kind == 3:  # another question, an answer for it
            other = b"\x05other\x03com\x00\x00\x01\x00\x01"
            return (qid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + other +
                    b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x0a")
        # A compression pointer that points at itself.
        return (qid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + rest +
                b"\xc0\x2a\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x0a")

    def _udp(self):
        while True:
            q, peer = self.udp.recvfrom(4096)
            if len(q) >= 12:
                self.udp.sendto(self.lie(q), peer)

    def _tcp(self):
        while True:
            c, _ = self.tcp.accept()
            with c:
                c.settimeout(5)
                try:
                    c.recv(4096)
                    c.sendall(struct.pack("!H", 3) + b"bad")  # short, then closed
                except OSError:
                    pass

    def close(self):
        self.udp.close()
        self.tcp.close()


# One query for example.com/A to NAMESERVER:53 (which the sandbox's
# redirect takes to the proxy): "rcode=N", or "timeout" after 5 s.
RAW_QUERY = r"""
import socket, struct, sys
q = struct.pack("!6H", 0x4242, 0x0100, 1, 0, 0, 0) + b"\x07example\x03com\x00\x00\x01\x00\x01"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.connect((sys.argv[1], 53))
s.send(q)
try:
    r = s.recv(4096)
    print(f"rcode={r[3] & 15}" if r[:2] == q[:2] else "wrong-id")
except socket.timeout:
    print("timeout")
"""


def dns_fault_run(nameserver):
    """A lookup of an allowed name, a denied one and a connect to the
    allowed name's address, then a raw query, under --allow-domain
    example.com with @nameserver as the only upstream; the command
    exits 7."""
    resolv, rawq = tempfile.mktemp(), tempfile.mktemp(suffix=".py")
    with open(resolv, "w") as f:
        f.write(f"nameserver {nameserver}\noptions timeout:2 attempts:1\n")
    with open(rawq, "w") as f:
        f.write(RAW_QUERY)
    for path in (resolv, rawq):
        os.chmod(path, 0o644)
    script = (f'{C.PY} {C.PROBE} multi "lookup example.com" "lookup badexample.com" '
              f'"lookup example.com" "connect 127.0.0.10 {C.ANY4.port}"; '
              f'{C.PY} {rawq} {nameserver}; exit 7')
    return in_mount_ns(f"mount -o bind {resolv} /etc/resolv.conf", "run", "--trace",
                       "--allow-domain", "example.com", "sh", "-c", script)


def dns_fault_checks(p, what):
    expect_eq(p.returncode, 7, f"hermetic-bpf exits with the command's status ({what}): "
              f"{p.stderr!r}")
    lines = p.stdout.splitlines()
    expect_eq(len(lines), 2, f"the command's output ({what})")
    expect_tokens(lines[0].split(), ["gaierror", "gaierror", "gaierror", "EPERM"],
                  f"lookups and the unanswered address ({what})")
    # The proxy answers, SERVFAIL, once its upstreams have failed (2 s each).
    expect_eq(lines[1], "rcode=2", f"the proxy's answer to a raw query ({what})")
    expect("blocked DNS(badexample.com) (pid " in p.stderr,
           f"the denied name is still denied, by the proxy ({what}): {p.stderr!r}")
    expect("DNS proxy stopped" not in p.stderr, f"the proxy kept running ({what})")


@case("net", "once")
def dns_upstream_unreachable():
    # Nothing listens on 127.0.0.154: every query is refused at once.
    dns_fault_checks(dns_fault_run("127.0.0.154"), "nothing at the upstream")
    # No route (TEST-NET-1; the guest has only loopback).
    dns_fault_checks(dns_fault_run("192.0.2.1"), "no route to the upstream")
    # A server that reads every query and never answers: timeouts.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.156", 53))
        t0 = time.time()
        dns_fault_checks(dns_fault_run("127.0.0.156"), "an upstream that never answers")
        expect(time.time() - t0 >= 2, "the lookups waited for the upstream")
    no_leftovers("the DNS faults")
    # The neighbour: the test's own name server answers.
    got, _ = C.tokens(["--allow-domain", "example.com"], "lookup example.com",
                      f"connect 127.0.0.10 {C.ANY4.port}", dns=True)
    expect_tokens(got, ["127.0.0.10/1", "ok"], "a working upstream")


@case("net", "once")
def dns_upstream_garbage():
    srv = GarbageDNS("127.0.0.155")
    try:
        for i in range(2):  # each run's queries meet other lies
            dns_fault_checks(dns_fault_run("127.0.0.155"), f"garbage answers, run {i}")
    finally:
        srv.close()
    expect(srv.n >= 4, f"the garbage server was asked ({srv.n} queries)")
    no_leftovers("garbage DNS")


# --- load: many sandboxes at once --------------------------------------------

LOAD_SCRIPT = r"""
import os, socket, subprocess, sys, time
d, i, mine, other = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
open(os.path.join(d, i, "ready"), "w").close()
while not os.path.exists(os.path.join(d, "go")):
    time.sleep(0.05)
out = [str(os.getpid())]
for port in (mine, other):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(f"sandbox {i}\n".encode())
        out.append("ok")
    except OSError as e:
        out.append(type(e).__name__)
for path in (os.path.join(d, i, "f"), os.path.join(d, str(sys.argv[5]), "f")):
    try:
        with open(path, "w") as f:
            f.write(i)
        out.append("ok")
    except OSError as e:
        out.append(type(e).__name__)
try:  # odd sandboxes run --no-subprocess
    subprocess.run(["/bin/true"], check=True)
    out.append("ok")
except OSError as e:
    out.append(type(e).__name__)
print(" ".join(out))
"""

BPF_MAP_GET_NEXT_ID, BPF_MAP_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD = 12, 14, 15


def bpf_map_names():
    """The names of every BPF map on the system, by bpf() (no bpftool)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    names, next_id = [], 0
    while True:
        attr = ctypes.create_string_buffer(struct.pack("III", next_id, 0, 0), 128)
        if libc.syscall(321, BPF_MAP_GET_NEXT_ID, attr, 128) < 0:
            return names
        next_id = struct.unpack_from("I", attr, 4)[0]
        attr = ctypes.create_string_buffer(struct.pack("III", next_id, 0, 0), 128)
        fd = libc.syscall(321, BPF_MAP_GET_FD_BY_ID, attr, 128)
        if fd < 0:
            continue  # gone meanwhile
        info = ctypes.create_string_buffer(80)
        attr = ctypes.create_string_buffer(
            struct.pack("IIQ", fd, 80, ctypes.addressof(info)), 128)
        if libc.syscall(321, BPF_OBJ_GET_INFO_BY_FD, attr, 128) == 0:
            names.append(info.raw[24:40].split(b"\0")[0].decode())
        os.close(fd)


def policy_maps():
    return bpf_map_names().count("hb_policies")


@case("tierA")
def many_sandboxes_at_once():
    # HB_LOAD_SANDBOXES (hb.load=N on the guest's command line) sets N;
    # under TCG the default (4) keeps the case under 3 minutes.
    load_sandboxes(int(os.environ.get("HB_LOAD_SANDBOXES", "4")), live_maps=lambda n: n)


def load_sandboxes(n, live_maps, maps_after=0):
    """N sandboxes at once, each with its own port and directory, each
    trying its neighbour's, and an exec (denied in odd ones, which run
    --no-subprocess): no cross-talk, every denial attributed to the right
    sandbox, nothing left afterwards. @live_maps(n): how many
    hb_policies maps are expected while all are live (at least); @maps_after,
    once all have ended (the agent's stays)."""
    t0 = time.time()
    d = C.shared_tmpdir()
    listeners = [C.Listener(socket.AF_INET, socket.SOCK_STREAM) for _ in range(n)]
    ports = [x.port for x in listeners]
    for i in range(n):
        os.mkdir(os.path.join(d, str(i)))
        os.chown(os.path.join(d, str(i)), 1000, 1000)
    procs = []
    for i in range(n):
        j = (i + 1) % n
        procs.append(subprocess.Popen(
            [C.HB, "run", "--trace", "--allow-ip", f"127.0.0.1:{ports[i]}", "--fs-readonly",
             "--allow-write", os.path.join(d, str(i))] + (["--no-subprocess"] if i % 2 else []) +
            [C.PY, "-c", LOAD_SCRIPT, d, str(i),
             str(ports[i]), str(ports[j]), str(j)],
            env={**os.environ, **TESTER}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True))
    try:
        deadline = time.time() + 60 + 10 * n
        while not all(os.path.exists(os.path.join(d, str(i), "ready")) for i in range(n)):
            dead = [i for i, p in enumerate(procs) if p.poll() is not None]
            expect(not dead, f"sandbox {dead[:1]} ended early: "
                   f"{procs[dead[0]].communicate() if dead else ''}")
            expect(time.time() < deadline, "timed out waiting for every sandbox")
            time.sleep(0.2)
        t_ready = time.time() - t0
        # Every sandbox live at once, each with its own object and map.
        live = policy_maps()
        marks = [x.mark() for x in listeners]
        open(os.path.join(d, "go"), "w").close()
        results = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    expect(live >= live_maps(n), f"policy maps while {n} sandboxes live: {live}")
    for i, (p, (out, err)) in enumerate(zip(procs, results)):
        j = (i + 1) % n
        expect_eq(p.returncode, 0, f"sandbox {i}'s status ({err!r})")
        fields = out.split()
        expect_eq(fields[1:], ["ok", "PermissionError", "ok", "OSError",
                               "PermissionError" if i % 2 else "ok"],
                  f"sandbox {i}: its port, {j}'s port, its file, {j}'s file, an exec")
        pid = fields[0]
        blocked = re.findall(r"blocked connect 127\.0\.0\.1:(\d+) \(pid (\d+) ", err)
        expect_eq(blocked, [(str(ports[j]), pid)],
                  f"sandbox {i}'s connect denials, by port and pid")
        paths = re.findall(r"blocked (?!exec )[^\n]*path=(\S+) \(pid (\d+) ", err)
        expect(paths and set(paths) == {(f"{d}/{j}/f", pid)},
               f"sandbox {i}'s write denials, by path and pid: {err!r}")
        execs = re.findall(r"blocked exec path=(\S+) \(pid ", err)
        expect_eq(execs, ["/bin/true"] if i % 2 else [],
                  f"sandbox {i}'s exec denials (--no-subprocess on odd ones only)")
        got = listeners[i].since(marks[i])
        expect_eq(got, [f"sandbox {i}\n".encode()], f"what reached listener {i}")
        expect_eq(open(os.path.join(d, str(i), "f")).read(), str(i), f"sandbox {i}'s file")
    elapsed = time.time() - t0
    # Every object is dropped, in the background, soon after its run.
    wait_no_policy_maps("after every run ended", left=maps_after)
    no_leftovers(f"{n} sandboxes")
    print(f"# load: {n} sandboxes, all live after {t_ready:.1f}s, done in {elapsed:.1f}s "
          f"(emulated time under TCG)", flush=True)
    return live


# --- memory errors: a whole run under valgrind --------------------------------

@case("tierA", "once")
def valgrind_whole_run():
    # memcheck over a whole run on BPF-LSM: probe, load, attach, pin, the
    # command's start (valgrind has no clone3: the fork-and-move start),
    # events, clean-up. Any error or definite/indirect leak exits 99.
    if not os.path.exists("/usr/bin/valgrind"):
        raise C.Fail("valgrind is not in the guest (mkinitramfs copies the host's)")
    mark = C.TCP4.mark()
    p = subprocess.run(
        ["valgrind", "--error-exitcode=99", "--leak-check=full",
         "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
         "--suppressions=/e2e/valgrind.supp", "-q",
         C.HB, "run", "-v", "--trace", "--no-network", C.PY, C.PROBE, "connect", "127.0.0.1",
         str(C.TCP4.port)],
        capture_output=True, text=True, env={**os.environ, **TESTER}, timeout=900,
        stdin=subprocess.DEVNULL)
    said = "\n".join(x for x in p.stderr.splitlines() if "unhandled eBPF command" not in x)
    expect_eq(p.returncode, 0, f"valgrind's verdict on a whole run: {said[-3000:]!r}")
    expect_eq(p.stdout.strip().splitlines()[-1:], ["EPERM"], "the connect inside, denied")
    expect("forked, then moved into the cgroup" in p.stderr,
           f"the start without clone3: {said[-1500:]!r}")
    expect("blocked connect" in p.stderr, f"the denial's event: {said[-1500:]!r}")
    expect_eq(C.TCP4.since(mark, wait=0.3), [], "what reached the listener")
    # The same start works outside valgrind, for an allowed connect.
    token, _ = C.run_probe("connect", "127.0.0.1", str(C.TCP4.port),
                           flags=["--allow-localhost"], env=TESTER)
    expect_eq(token, "ok", "an allowed connect (clone3 start)")
    no_leftovers("a run under valgrind")
