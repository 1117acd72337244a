# SPDX-License-Identifier: GPL-2.0-only
"""--allow-bind (spec/network.md, "bind() and listen()"), registered into
cases.py like net_route_cases.py.

A sandbox serves a port beyond loopback: it binds and listens there,
peers from outside the host (a non-loopback address of this host, as
the sender's) reach it and get replies on what they opened, while
every other bind, the other protocol, and the sandbox's own outbound
traffic stay denied, in the same sandbox. Each `run` costs seconds
under the VMs' emulation: the cases keep to a few.
"""
import os
import shutil
import socket
import subprocess

import cases as C
from cases import TESTER, case, expect, expect_eq, expect_tokens, shared_tmpdir, tokens
from net_route_cases import (DIR, drop_outside_address, listen_unbound_peers, outside_address,
                             probe_with_port)


def free_port(proto="tcp"):
    """A port no socket of this host holds (over @proto), for the sandbox."""
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET6, kind) as s:
        s.bind(("::", 0))
        return s.getsockname()[1]


def peer(addr, port, proto):
    """One peer outside every sandbox: connects (or sends) from @addr's
    side to @addr:@port and returns the sandbox's reply, or "none"."""
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, kind) as s:
        s.settimeout(1.5)
        try:
            if proto == "tcp":
                s.connect((addr, port))
                return s.recv(16).decode() or "none"
            s.sendto(b"ping", (addr, port))
            return s.recv(16).decode()
        except OSError:
            return "none"


def serve(flags, host, port, proto, peers):
    """serve_wait HOST PORT PROTO in a sandbox with @flags, while each of
    @peers (addresses) connects or sends to it once. Returns the probe's
    token and what each peer got back."""
    got = []

    def visit(bound):
        if bound:
            got.extend(peer(a, port, proto) for a in peers)
    line, err = probe_with_port(flags, ["serve_wait", DIR, host, port, proto], visit)
    return line, got, err


class Outside:
    """A non-loopback address of this host (added to lo if it has none)."""

    def __enter__(self):
        self.addr, self.added = outside_address()
        return self.addr

    def __exit__(self, *exc):
        drop_outside_address(self.added)


@case("net")
def allow_bind_serves_the_wildcard_from_outside():
    # 0.0.0.0:P: listening there works, a peer from outside the host and
    # one on loopback are accepted and read the reply. Every other bind is
    # still denied: another port, IPv6's wildcard, UDP on P, a specific
    # address on P; and so is the sandbox's own outbound traffic.
    port, other = free_port(), free_port()
    flags = ["--allow-bind", f"0.0.0.0:{port}"]
    with Outside() as addr:
        # Before serving: the port is not in TIME_WAIT yet.
        got, p = tokens(flags + ["--trace"], f"bind 0.0.0.0 {other}", f"bind :: {port}",
                        f"bind_udp 0.0.0.0 {port}", f"bind {addr} {port}",
                        f"connect {addr} {C.TCP4.port}", "bind 127.0.0.1 0",
                        f"bind ::ffff:0.0.0.0 {port}",
                        f"bound_connect 0.0.0.0 {port} 127.0.0.1 {C.TCP4.port}")
        expect_tokens(got, ["EPERM", "EPERM", "EPERM", "EPERM", "EPERM", "ok", "ok", "EPERM"],
                      "other binds, IPv4's wildcard mapped, and connects under the rule")
        expect(f"blocked bind 0.0.0.0:{other}" in p.stderr,
               f"the trace names the other port: {p.stderr!r}")
        # The neighbour: the connect from the bound port, without the guard.
        got, _ = tokens([], f"bound_connect 0.0.0.0 {other} 127.0.0.1 {C.TCP4.port}")
        expect_tokens(got, ["ok"], "a connect from a bound port without the guard")
        token, got, err = serve(flags, "0.0.0.0", port, "tcp", [addr, "127.0.0.1"])
        expect_eq(token, "ok,outside/ok,loopback/ok", f"serving 0.0.0.0:{port}; {err!r}")
        expect_eq(got, ["pong", "pong"], "the replies the peers read")


@case("net")
def allow_bind_on_one_address_or_any():
    # ADDR:P allows that address only (not the wildcard); P alone allows
    # every address, the wildcard included; neither allows another port.
    port = free_port()
    with Outside() as addr:
        token, got, err = serve(["--allow-bind", f"{addr}:{port}"], addr, port, "tcp", [addr])
        expect_eq((token, got), ("ok,outside/ok", ["pong"]), f"serving {addr}:{port}; {err!r}")
        got, _ = tokens(["--allow-bind", f"{addr}:{port}"], f"bind 0.0.0.0 {port}",
                        f"bind {addr} {port + 1 if port < 65535 else port - 1}")
        expect_tokens(got, ["EPERM", "EPERM"], "the wildcard and another port under ADDR:P")
        # A port of its own: the one served above is in TIME_WAIT now.
        port = free_port()
        got, _ = tokens(["--allow-bind", str(port)], f"bind 0.0.0.0 {port}",
                        f"bind {addr} {port}", f"bind :: {port}", f"bind_udp 0.0.0.0 {port}")
        expect_tokens(got, ["ok", "ok", "ok", "EPERM"], "P alone: any address, TCP only")


@case("net")
def allow_bind_ipv6_wildcard_takes_ipv4_peers():
    # [::]:P is dual-stack: an IPv4 peer from outside reaches it (tier B
    # judges the socket's own bound address, ::, not the packet's).
    port = free_port()
    with Outside() as addr:
        token, got, err = serve(["--allow-bind", f"[::]:{port}"], "::", port, "tcp", [addr])
        expect_eq((token, got), ("ok,outside/ok", ["pong"]), f"serving [::]:{port}; {err!r}")


@case("net")
def allow_bind_udp_receives_but_replies_only_where_allowed():
    # /udp: datagrams from outside arrive; a reply is an addressed send,
    # judged like any other: to the outside peer denied, to loopback
    # under --allow-localhost allowed. TCP on the same port stays denied.
    port = free_port("udp")
    flags = ["--allow-bind", f"0.0.0.0:{port}/udp", "--allow-localhost"]
    with Outside() as addr:
        token, got, err = serve(flags, "0.0.0.0", port, "udp", [addr, "127.0.0.1"])
        expect_eq(token, "ok,outside/EPERM,loopback/ok", f"serving UDP {port}; {err!r}")
        expect_eq(got, ["none", "pong"], "the replies the peers read")
        got, _ = tokens(flags, f"bind 0.0.0.0 {port}")
        expect_tokens(got, ["EPERM"], "TCP on a /udp rule's port")


@case("net")
def allow_bind_leaves_other_listeners_unreachable():
    # The rule opens its port only: in tier B a listen() on an unbound
    # socket (which no hook stops) still gets no peer from outside; tier A
    # denies that listen() outright.
    port = free_port()
    with Outside() as addr:
        got, err = listen_unbound_peers(["--allow-bind", f"0.0.0.0:{port}", "--allow-localhost"],
                                        addr)
        expect_eq(got, ["EPERM" if C.TIER == "BPF-LSM" else "loopback"],
                  f"peers of an unbound listener beside --allow-bind; {err!r}")


@case("net", "once")
def allow_bind_refuses_what_it_cannot_mean():
    # Port 0, ranges, networks, bare IPv6 and unknown protocols: 125 with
    # the flag named, nothing run.
    for spec, says in (("0", "port 0"), ("0.0.0.0:0", "port 0"), ("8000-8010", "range"),
                       ("10.0.0.0/8:80", "network"), ("::1:80", "[ADDR]:PORT"),
                       ("80/sctp", "tcp or udp"), ("[::1]", "[ADDR]:PORT")):
        p = C.hb("run", "--allow-bind", spec, "true")
        expect_eq(p.returncode, 125, f"--allow-bind {spec}: {p.stderr!r}")
        expect(f"--allow-bind {spec}" in p.stderr and says in p.stderr,
               f"--allow-bind {spec} names the flag and says {says!r}: {p.stderr!r}")


# A Type=notify service as the agent sees it: moved into its cgroup, then
# driven line by line ("listen H P", "dgram PATH TEXT", "connect H P",
# "accept"), each answered "OK", a result, or the errno's name.
SERVICE = r"""
import errno, socket, sys
srv = None
for line in sys.stdin:
    cmd, *a = line.split()
    try:
        if cmd == "listen":
            s = socket.socket(socket.AF_INET6 if ":" in a[0] else socket.AF_INET)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((a[0], int(a[1])))
            s.listen()
            srv = srv or s
        elif cmd == "dgram":
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as u:
                u.sendto(a[1].encode(), a[0])
        elif cmd == "connect":
            with socket.socket() as c:
                c.settimeout(3)
                c.connect((a[0], int(a[1])))
        elif cmd == "accept":
            srv.settimeout(5)
            c, peer = srv.accept()
            c.sendall(b"pong")
            c.close()
            print("loopback" if peer[0].startswith("127.") else "outside", flush=True)
            continue
        print("OK", flush=True)
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)) if e.errno else type(e).__name__,
              flush=True)
"""


class Service:
    def __init__(self, rel):
        path = os.path.join(C.CGROOT, rel)
        os.makedirs(path, exist_ok=True)
        self.p = subprocess.Popen([C.PY, "-c", SERVICE], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(self.p.pid))

    def do(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def stop(self):
        self.p.kill()
        self.p.wait()


def dgram_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(2)
    return s


@case("net")
def agent_serves_a_notify_service_on_the_wildcard():
    # An agent policy a Type=notify service can live with: it listens on
    # 0.0.0.0:P (allow-bind), says READY=1 to the manager's notify socket
    # and logs to a journal-like socket (allow-unix, by name), and a peer
    # from outside its cgroup and the host's loopback reaches it. Another
    # port, another unix socket and an outbound connect stay denied; the
    # journal socket made again (a restart) is followed by the agent.
    from agent_cases import Agent, cleanup, policy
    import tempfile
    import time
    pdir = tempfile.mkdtemp()
    sdir = tempfile.mkdtemp()
    os.chmod(sdir, 0o755)
    notify_path, journal_path, other_path = (os.path.join(sdir, n) for n in
                                              ("notify", "journal", "other"))
    notify, journal, other = (dgram_socket(p) for p in (notify_path, journal_path, other_path))
    port, another = free_port(), free_port()
    svc = None
    with Outside() as addr:
        try:
            svc = Service("hbagent/svc")
            policy(pdir, "svc.conf",
                   "[hermetic-bpf]\nversion = 1\ncgroup = /hbagent/svc\n[network]\n"
                   f"no-network = yes\nallow-bind = 0.0.0.0:{port}\n"
                   f"allow-unix = {notify_path}\nallow-unix = {journal_path}\n")
            ag = Agent(pdir)
            expect_eq(svc.do(f"listen 0.0.0.0 {port}"), "OK", "listen on the allowed port")
            expect_eq(svc.do(f"dgram {notify_path} READY=1"), "OK", "sd_notify")
            expect_eq(notify.recv(64), b"READY=1", "what the notify socket read")
            expect_eq(svc.do(f"dgram {journal_path} hello"), "OK", "a journal line")
            expect_eq(journal.recv(64), b"hello", "what the journal socket read")
            expect_eq(svc.do(f"dgram {other_path} leak"), "EPERM", "another unix socket")
            expect_eq(svc.do(f"listen 0.0.0.0 {another}"), "EPERM", "another port")
            expect_eq(svc.do(f"connect {addr} {C.TCP4.port}"), "EPERM", "an outbound connect")
            expect_eq(svc.do(f"connect 127.0.0.1 {C.TCP4.port}"), "EPERM", "even to loopback")
            for source in (addr, "127.0.0.1"):
                with socket.socket() as c:
                    c.settimeout(5)
                    c.connect((source, port))
                    expect_eq(svc.do("accept"), "outside" if source == addr else "loopback",
                              f"the peer from {source}")
                    expect_eq(c.recv(16), b"pong", "the reply on the accepted connection")
            # journald restarts: a new socket (a new inode) at the same path.
            journal.close()
            os.unlink(journal_path)
            n = len(ag.err)
            journal = dgram_socket(journal_path)
            ag.wait_for("allow-unix sockets looked up again", after=n, timeout=10)
            expect_eq(svc.do(f"dgram {journal_path} again"), "OK", "the journal made again")
            expect_eq(journal.recv(64), b"again", "what the new journal socket read")
            st = C.hb("policy", "show", "--cgroup", "/hbagent/svc")
            expect(f"--allow-bind 0.0.0.0:{port}/tcp" in st.stdout,
                   f"policy show names the bind rule: {st.stdout!r}")
            ag.stop()
        finally:
            if svc:
                svc.stop()
            try:
                os.rmdir(os.path.join(C.CGROOT, "hbagent/svc"))
            except OSError:
                pass
            cleanup([], pdir)
            for s in (notify, journal, other):
                s.close()
            shutil.rmtree(sdir, ignore_errors=True)


@case("tierA", "once")
def learn_writes_allow_bind():
    # learn turns an audited bind beyond loopback into the rule that
    # allows it (address, port, protocol); run --policy then allows that
    # bind and still denies another port.
    d = shared_tmpdir()
    policy = os.path.join(d, "serve.policy")
    port, other = free_port(), free_port()
    p = C.hb("learn", "-o", policy, "--", C.PY, C.PROBE, "multi", f"bind 0.0.0.0 {port}",
             f"bind_udp :: {port}", env=TESTER)
    expect_eq((p.returncode, p.stdout.split()), (0, ["ok", "ok"]), f"learn: {p.stderr!r}")
    with open(policy) as f:
        text = f.read()
    for line in (f"allow-bind = 0.0.0.0:{port}/tcp", f"allow-bind = [::]:{port}/udp"):
        expect(f"\n{line}\n" in text, f"{line!r} in {text!r}")
    expect("no-network" not in text, f"binds are network events: {text!r}")
    got, _ = tokens(["--policy", policy], f"bind 0.0.0.0 {port}", f"bind_udp :: {port}",
                    f"bind 0.0.0.0 {other}", f"bind :: {port}")
    expect_tokens(got, ["ok", "ok", "EPERM", "EPERM"], "run --policy with the learned rules")
