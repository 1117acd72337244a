# SPDX-License-Identifier: GPL-2.0-only
"""The network guard's destination siblings (spec/network.md, "Routes",
"Ping sockets", "What reaches the sandbox"), registered into cases.py
like fs_cases.py.

Each case asserts the denial with its errno and that the allowed
neighbour still works: plain sends to the same allowed address, harmless
options, the same calls without the guard.
"""
import os
import socket
import subprocess
import threading
import time

import cases as C
from cases import TESTER, case, expect, expect_eq, expect_tokens, shared_tmpdir, tokens


class Sniffer:
    """Every packet on the loopback device, seen from outside the sandbox
    (root, AF_PACKET): where a packet really went, options and all."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(3))
        self.sock.bind(("lo", 0))
        self.sock.settimeout(0.2)
        self.packets = []
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                self.packets.append(self.sock.recv(65536))
            except socket.timeout:
                pass

    def close(self):
        time.sleep(0.3)
        self.stop = True
        self.thread.join()
        self.sock.close()

    def ipv4_with(self, marker):
        """(destination, has options) of each IPv4 packet carrying @marker."""
        return [(socket.inet_ntoa(p[16:20]), (p[0] & 0xf) != 5)
                for p in self.packets if p and p[0] >> 4 == 4 and marker in p]

    def ipv6_with(self, marker):
        """(destination, next header) of each IPv6 packet carrying @marker."""
        return [(socket.inet_ntop(socket.AF_INET6, p[24:40]), p[6])
                for p in self.packets if p and p[0] >> 4 == 6 and marker in p]


MARK = b"hb-route"


@case("net")
def ipv4_source_route_is_denied():
    # --allow-ip 127.0.0.1 only: a loose or strict source route through
    # 127.0.0.2 would send there (the route's first hop) instead. As root:
    # newer kernels want CAP_NET_RAW for IP_OPTIONS.
    flags = ["--allow-ip", "127.0.0.1"] + C.ROOT
    port = C.UDP4.port
    acts = [f"route_setsockopt lsrr 127.0.0.1 {port} 127.0.0.2",
            f"route_setsockopt ssrr 127.0.0.1 {port} 127.0.0.2",
            f"route_cmsg retopts 127.0.0.1 {port} 127.0.0.2",
            f"harmless_options 127.0.0.1 {port}",
            f"sendto 127.0.0.1 {port}",
            f"route_cmsg retopts 127.0.0.1 {port} 127.0.0.2 connected"]
    sniff = Sniffer()
    try:
        got, p = tokens(flags + ["--trace"], *acts)
    finally:
        sniff.close()
    expect_tokens(got, ["EPERM", "EPERM", "EPERM", "ok", "ok", "EPERM"], "IPv4 source routes")
    expect("blocked setsockopt IP_OPTIONS" in p.stderr, f"the trace names the option: {p.stderr!r}")
    if C.TIER == "BPF-LSM":
        expect("blocked setsockopt IP_RETOPTS (ancillary data)" in p.stderr,
               f"the trace names the control message: {p.stderr!r}")
    else:  # tier B drops the packet, and reports it (to the route's first hop)
        expect(f"blocked sendto 127.0.0.2:{port} (pid ? ?): a source route" in p.stderr,
               f"the trace names the dropped packet: {p.stderr!r}")
    expect_eq([p for p in sniff.ipv4_with(MARK) if p != ("127.0.0.1", False)], [],
              "packets that left for another address, or with options")
    expect(("127.0.0.1", False) in sniff.ipv4_with(MARK), "the plain sends went out")
    # Without the guard the same calls go through, to the route's first hop.
    sniff = Sniffer()
    try:
        got, _ = tokens(C.ROOT, acts[0], acts[2])
    finally:
        sniff.close()
    expect_tokens(got, ["ok", "ok"], "source routes without the guard")
    expect(("127.0.0.2", True) in sniff.ipv4_with(MARK),
           f"without the guard the packet goes to the first hop: {sniff.ipv4_with(MARK)}")


@case("net")
def ipv6_routing_header_is_denied():
    # Segment routing (type 4) and MIP6 (type 2) headers, set as options
    # and as ancillary data, under --allow-localhost. What the kernel
    # itself refuses (type 2 without MIP6, type 0 always) stays EINVAL.
    port = C.UDP6.port
    acts = [f"route_setsockopt rthdr4 ::1 {port} ::1",
            f"route_setsockopt rthdr2 ::1 {port} ::1",
            f"route_setsockopt pktoptions ::1 {port} ::1",
            f"route_cmsg rthdr2 ::1 {port} ::1",
            f"route_cmsg 2292rthdr ::1 {port} ::1",
            f"route_setsockopt rthdr0 ::1 {port} ::1",
            f"harmless_options ::1 {port}",
            f"sendto ::1 {port}"]
    sniff = Sniffer()
    try:
        free, _ = tokens([], *acts)
    finally:
        sniff.close()
    # The neighbour: without the guard, the kernel takes what it knows.
    expect(free[0] == "ok" and free[5] == "EINVAL" and free[6:] == ["ok", "ok"],
           f"routing headers without the guard: {free}")
    expect(any(p[1] == 43 for p in sniff.ipv6_with(MARK)),
           "without the guard a packet carries the routing header")
    sniff = Sniffer()
    try:
        got, _ = tokens(["--allow-localhost"], *acts)
    finally:
        sniff.close()
    # Options are refused before the kernel looks at them (EPERM); what
    # the kernel refuses as ancillary data it refuses first (EINVAL).
    want = ["EPERM", "EPERM", "EPERM",
            "EPERM" if free[3] == "ok" else free[3],
            "EPERM" if free[4] == "ok" else free[4],
            "EPERM", "ok", "ok"]
    expect_tokens(got, want, f"IPv6 routing headers (without the guard: {free})")
    expect_eq([p for p in sniff.ipv6_with(MARK) if p[1] == 43], [],
              "packets with a routing header")
    expect(sniff.ipv6_with(MARK) != [], "the plain sends went out")


@case("net")
def route_options_allowed_without_network_guard():
    # Another guard alone (--no-subprocess) leaves socket options alone.
    # (As a user: IPv4 source routes need CAP_NET_RAW on current kernels,
    # which the seal never leaves a root command.)
    got, _ = tokens((["--no-subprocess"] if C.EXEC_TIER else []),
                    f"route_setsockopt rthdr4 ::1 {C.UDP6.port} ::1",
                    f"harmless_options 127.0.0.1 {C.UDP4.port}")
    expect_tokens(got, ["ok", "ok"], "options without the network guard")


def ping_range(value=None):
    """net.ipv4.ping_group_range: read it, or set it and return the old one."""
    path = "/proc/sys/net/ipv4/ping_group_range"
    with open(path) as f:
        old = f.read().split()
    if value is not None:
        with open(path, "w") as f:
            f.write(value)
    return " ".join(old)


@case("net")
def ping_sockets_are_judged():
    # systemd's default lets every group make ping sockets; this machine's
    # kernel default (1 0) lets none: the case sets it, then restores it.
    # Tier B judges ping packets as they leave (no cgroup hook sees their
    # sendto): IPv4's send fails with EPERM, ICMPv6's kernel path drops the
    # verdict, so its sendto returns and nothing leaves (no reply).
    v6_denied = "EPERM" if C.TIER == "BPF-LSM" else "noreply"
    old = ping_range("0 2147483647")
    sniff = Sniffer()
    try:
        got, _ = tokens(["--allow-ip", "127.0.0.1"], "ping 127.0.0.1", "ping 127.0.0.2",
                        "ping ::1", "ping 127.0.0.1")
        expect_tokens(got, ["ok", "EPERM", v6_denied, "ok"], "ping under --allow-ip 127.0.0.1")
        got, _ = tokens(["--no-network"], "ping 127.0.0.1", "ping ::1")
        expect_tokens(got, ["EPERM", v6_denied], "ping under --no-network")
        sniff.close()
        expect_eq([p for p in sniff.packets if b"hb-ping" in p and
                   (p[0] >> 4 == 6 or p[16:20] != bytes([127, 0, 0, 1]))], [],
                  "echo requests that left for a denied address")
        got, _ = tokens(["--allow-localhost"], "ping 127.0.0.2", "ping ::1")
        expect_tokens(got, ["ok", "ok"], "loopback ping under --allow-localhost")
        got, _ = tokens([], "ping 127.0.0.2", "ping ::1")
        expect_tokens(got, ["ok", "ok"], "ping without the guard")
    finally:
        if not sniff.stop:
            sniff.close()
        ping_range(old)


# What outside_address() adds to lo where the host has no other address
# (TEST-NET-2: never routed).
ADDED_OUTSIDE = "198.51.100.7"


def outside_address():
    """A non-loopback IPv4 address of this host, and whether the case
    added it (to lo) to have one: a datagram to it comes from outside
    loopback's 127.0.0.0/8."""
    out = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if f[1] != "lo" and f[2] == "inet":
            return f[3].split("/")[0], False
    subprocess.run(["ip", "addr", "add", f"{ADDED_OUTSIDE}/32", "dev", "lo"], check=True)
    return ADDED_OUTSIDE, True


def drop_outside_address(added):
    """Undo outside_address(), where it added its address."""
    if added:
        subprocess.run(["ip", "addr", "del", f"{ADDED_OUTSIDE}/32", "dev", "lo"])


class Echo:
    """A UDP echo server on 127.0.0.1, outside every sandbox."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            data, peer = self.sock.recvfrom(64)
            self.sock.sendto(data, peer)


DIR = "%DIR%"  # where probe_with_port() puts the probe's shared directory


def probe_with_port(flags, args, act):
    """netprobe ARGS (DIR: a shared directory) in a sandbox with @flags;
    once the probe wrote DIR/port, act(port) runs out here, then DIR/sent
    is made for the probe to finish. Returns its last line and stderr."""
    d = shared_tmpdir()
    p = subprocess.Popen([C.HB, "run", *flags, C.PY, C.PROBE,
                          *(d if a == DIR else str(a) for a in args)],
                         env={**os.environ, **TESTER}, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        C.wait_for(os.path.join(d, "port"))
        act(int(open(os.path.join(d, "port")).read()))
        open(os.path.join(d, "sent"), "w").close()
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    lines = out.strip().splitlines()
    if p.returncode != 0 or not lines:
        raise C.Fail(f"{args[0]} exited {p.returncode}: {out!r} {err!r}")
    return lines[-1], err


def autobind_run(flags, addr, echo):
    """autobind_wait in a sandbox with @flags; a datagram from outside to
    the port its denied send left bound. Returns the probe's tokens."""
    def send(port):
        if port:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.sendto(b"from outside", (addr, port))
    return probe_with_port(flags, ["autobind_wait", "192.0.2.99", DIR, echo.port],
                           send)[0].split()


@case("net")
def udp_autobind_is_unreachable_from_outside():
    # Tier B: UDP binds an unbound socket to 0.0.0.0 before cgroup sendmsg4
    # denies the send. Tier A denies before the bind (the port stays 0).
    addr, added = outside_address()
    echo = Echo()
    try:
        got = autobind_run(["--allow-localhost"], addr, echo)
        expect_tokens(got, ["EPERM", "timeout", "ok"],
                      f"a datagram to {addr} after a denied send; the loopback echo")
        # The neighbour: without the guard the same socket receives it.
        got = autobind_run([], addr, echo)
        expect_tokens(got, ["!EPERM", "received", "ok"], f"the same without the guard ({addr})")
    finally:
        drop_outside_address(added)


def listen_unbound_peers(flags, addr):
    """listen_wait in a sandbox with @flags while a peer from @addr, then
    one from loopback, connects to the port it got: the probe's last line
    (its peers, or the listen's token) and its stderr."""
    def connect(port):
        for host in (addr, "127.0.0.1"):
            if port:
                with socket.socket() as s:
                    s.settimeout(1)
                    s.connect_ex((host, port))
    line, err = probe_with_port(flags, ["listen_wait", DIR], connect)
    return [line], err


@case("net")
def listen_unbound_is_unreachable_from_outside():
    # listen() on an unbound socket binds 0.0.0.0: tier A denies it, tier
    # B lets it listen but drops what comes from outside the host.
    addr, added = outside_address()
    try:
        for flags, want in ((["--allow-localhost"],
                             "EPERM" if C.TIER == "BPF-LSM" else "loopback"),
                            ([], "outside,loopback")):
            got, err = listen_unbound_peers(flags, addr)
            expect_eq(got, [want],
                      f"peers of an unbound listener with {flags} (outside: {addr}); {err!r}")
    finally:
        drop_outside_address(added)


@case("net")
def many_control_messages_fail_closed():
    # Tier A walks at most 64 control messages (HB_CMSG_MAX): one more is
    # denied, not skipped. Tier B reads none (its egress check sees the
    # packet), so the kernel takes them.
    port = C.UDP4.port
    got, _ = tokens(["--allow-localhost"], f"cmsg_flood 64 127.0.0.1 {port}",
                    f"cmsg_flood 65 127.0.0.1 {port}")
    expect_tokens(got, ["ok", "EPERM" if C.TIER == "BPF-LSM" else "ok"],
                  "64 and 65 control messages under --allow-localhost")
    got, _ = tokens([], f"cmsg_flood 65 127.0.0.1 {port}")
    expect_tokens(got, ["ok"], "65 control messages without the guard")
