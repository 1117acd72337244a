# SPDX-License-Identifier: GPL-2.0-only
"""Tier B reports what its seccomp filter refuses and what its packet
programs drop, as tier A would (spec/tiers.md, "What tier B can report"),
registered into cases.py like fs_cases.py.

Each denied call gets EPERM, one trace line and a count in --summary-json;
the allowed neighbours (an inet socket, an ioctl on a real terminal, a
thread) still work and report nothing.
"""
import json
import os

import cases as C
import net_route_cases as R
import seal_cases
from cases import TESTER, case, expect, expect_eq, expect_tokens, hb

# Each argument is a call; one token per call: "ok" or the errno's name.
# Raw system calls (x86_64 numbers) where Python has no wrapper.
CALLS = r"""
import ctypes, errno, fcntl, os, socket, struct, sys, termios, threading
libc = ctypes.CDLL(None, use_errno=True)
def sys_(nr, *a):
    if libc.syscall(nr, *[ctypes.c_long(x) for x in a]) < 0:
        raise OSError(ctypes.get_errno(), "")
def thread():
    t = threading.Thread(target=lambda: None); t.start(); t.join()
def winsize():
    m, s = os.openpty()
    fcntl.ioctl(s, termios.TIOCGWINSZ, b"\0" * 8)
calls = {
    "packet": lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0),
    "vsock": lambda: socket.socket(40, socket.SOCK_STREAM, 0),
    "io_uring": lambda: sys_(425, 1, 0),
    "tiocsti": lambda: fcntl.ioctl(0, termios.TIOCSTI, b"x"),
    "unshare": lambda: sys_(272, 0x10000000),
    "setns": lambda: sys_(308, 0, 0x10000000),
    "inet": lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close(),
    "winsize": winsize, "thread": thread,
}
out = []
for c in sys.argv[1:]:
    try:
        calls[c](); out.append("ok")
    except OSError as e:
        out.append(errno.errorcode.get(e.errno, str(e.errno)))
print(" ".join(out))
"""

# What each refused call's trace line starts with (spec/events.md).
LINES = {
    "packet": "blocked socket AF_PACKET SOCK_RAW ",
    "vsock": "blocked socket AF_VSOCK SOCK_STREAM ",
    "io_uring": "blocked system call io_uring_setup ",
    "tiocsti": "blocked ioctl TIOCSTI ",
    "unshare": "blocked system call unshare (flags 0x10000000) ",
    "setns": "blocked system call setns (flags 0x10000000) ",
}
HOOKS = {"packet": "socket", "vsock": "socket", "io_uring": "syscall", "tiocsti": "ioctl",
         "unshare": "syscall", "setns": "syscall"}


def run_calls(flags, names, summary):
    p = hb("run", *flags, "--trace", "--summary-json", summary, C.PY, "-c", CALLS, *names,
           env=TESTER)
    lines = p.stdout.strip().splitlines()
    expect(lines, f"calls {names} printed nothing: {p.returncode} {p.stderr!r}")
    return lines[-1].split(), p


@case("tierB")
def seccomp_denials_are_reported():
    seal_cases.ensure_devpts()  # the winsize neighbour opens a pseudo-terminal
    out = os.path.join(C.shared_tmpdir(), "s.json")
    names = list(LINES)
    got, p = run_calls(["--no-network"], names, out)
    expect_tokens(got, ["EPERM"] * len(names), "refused calls under --no-network")
    for n in names:
        expect_eq(p.stderr.count("hermetic-bpf: " + LINES[n]), 1,
                  f"one trace line for {n}: {p.stderr!r}")
    s = json.load(open(out))
    expect_eq(s["denied"], len(names), f"each counted: {s!r}")
    want = {}
    for n in names:
        want[HOOKS[n]] = want.get(HOOKS[n], 0) + 1
    expect_eq(s["by_hook"], want, "by hook")
    expect("seccomp" not in s["unseen"], f"not listed as unseen: {s['unseen']}")
    ev = next(e for e in s["events"] if e["hook"] == "socket")
    expect_eq((ev["family"], ev["sock_type"], ev["guard"], ev["reason"], ev["comm"]),
              ("AF_PACKET", "SOCK_RAW", "network", "net_socket_kind", "python3"),
              f"the socket event as tier A's: {ev!r}")
    ev = next(e for e in s["events"] if e["hook"] == "ioctl")
    expect_eq((ev["request"], ev["guard"]), ("TIOCSTI", "seal"), f"the ioctl event: {ev!r}")
    # The neighbours, in the same kind of sandbox: no wait, no line, no count.
    got, p = run_calls(["--no-network", "--fail-on-block"], ["inet", "winsize", "thread"], out)
    expect_tokens(got, ["ok", "ok", "ok"], "allowed neighbours")
    expect_eq((p.returncode, "blocked" in p.stderr), (0, False), f"nothing reported: {p.stderr!r}")
    expect_eq(json.load(open(out))["denied"], 0, "nothing counted")
    # Another guard alone still refuses the terminal ioctl, and says so.
    if C.EXEC_TIER == "Landlock":
        got, p = run_calls(["--no-subprocess"], ["tiocsti", "inet"], out)
        expect_tokens(got, ["EPERM", "ok"], "--no-subprocess: TIOCSTI, an inet socket")
        expect_eq(p.stderr.count(LINES["tiocsti"]), 1, f"its line: {p.stderr!r}")


@case("tierB")
def fail_on_block_sees_packet_socket():
    p = hb("run", "--no-network", "--fail-on-block", C.PY, "-c", CALLS, "packet", env=TESTER)
    expect_eq((p.returncode, p.stdout.split()), (2, ["EPERM"]),
              f"--fail-on-block after a packet socket: {p.stderr!r}")
    p = hb("run", "--no-network", "--fail-on-block", C.PY, "-c", CALLS, "inet", env=TESTER)
    expect_eq((p.returncode, p.stdout.split()), (0, ["ok"]), f"an inet socket: {p.stderr!r}")


@case("tierB")
def dropped_packets_are_reported():
    # Inbound: the port a denied send left bound (UDP's autobind) gets a
    # datagram from outside loopback; the program drops it and says so.
    addr, added = R.outside_address()
    echo = R.Echo()
    out = os.path.join(C.shared_tmpdir(), "s.json")
    try:
        got = R.autobind_run(["--allow-localhost", "--summary-json", out], addr, echo)
        expect_tokens(got, ["EPERM", "timeout", "ok"], f"a datagram from {addr}")
    finally:
        R.drop_outside_address(added)
    s = json.load(open(out))
    ins = [e for e in s["events"] if e["hook"] == "ingress"]
    expect(len(ins) == 1 and ins[0]["addr"] == addr and ins[0]["reason"] == "net_inbound" and
           ins[0]["guard"] == "network", f"one ingress event from {addr}: {s!r}")
    # The loopback echo's reply was not dropped: the send and the packet only.
    expect_eq(s["by_hook"], {"sendmsg": 1, "ingress": 1}, f"what was counted: {s!r}")
    # Outbound: a ping echo to a denied address is dropped as it leaves.
    old = R.ping_range("0 2147483647")
    try:
        p = hb("run", "--allow-ip", "127.0.0.1", "--trace", "--summary-json", out, C.PY,
               C.PROBE, "multi", "ping 127.0.0.1", "ping 127.0.0.2", env=TESTER)
    finally:
        R.ping_range(old)
    expect_tokens(p.stdout.split(), ["ok", "EPERM"], f"pings: {p.stderr!r}")
    expect_eq(p.stderr.count("blocked sendto 127.0.0.2:0 "), 1, f"its line: {p.stderr!r}")
    s = json.load(open(out))
    expect_eq((s["denied"], s["by_hook"]), (1, {"sendmsg": 1}), f"counted: {s!r}")
