# SPDX-License-Identifier: GPL-2.0-only
"""The end-to-end cases, run as root inside the test VMs and natively.

Groups: "lsm" (a kernel with BPF-LSM: every guard), "lsmoff" (booted
without bpf in lsm=: refusals), "native" (this project's machines, whose
kernel cannot load BPF-LSM programs). Every case asserts the denial with
its exact errno AND that the allowed neighbour still works. Prints
"#N name: OK|FAIL (why)" per case and one final "N passed, N failed"
line; a missing final line counts as failure.
Usage: python3 cases.py --group lsm|lsmoff|native [NAME...]
Paths come from HB_BIN, HB_PYTHON and HB_PROBE (defaults: the guest's).
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.modules.setdefault("cases", sys.modules[__name__])

HB = os.environ.get("HB_BIN", "/usr/sbin/hermetic-bpf")
PY = os.environ.get("HB_PYTHON", "/usr/bin/python3")
PROBE = os.environ.get("HB_PROBE", "/e2e/netprobe.py")
PROC = os.path.join(os.path.dirname(PROBE), "procprobe.py")
TESTER = {"SUDO_UID": "1000", "SUDO_GID": "1000", "SUDO_USER": "tester"}


def mount_of(fstype, default):
    """Mount point of @fstype from mountinfo (field after the " - ")."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[0] == fstype and left.split()[3] == "/":
                return left.split()[4]
    return default


CGROOT = mount_of("cgroup2", "/sys/fs/cgroup")

# Which mechanism each group's kernel should enforce the network guard
# with (None: none, the guard is refused). Tier B's cgroup hooks for unix
# sockets need Linux 6.7.
def expected_tier(group):
    release = tuple(int(x) for x in re.findall(r"\d+", os.uname().release)[:2])
    if group == "lsm":
        return "BPF-LSM"
    return "cgroup-bpf" if release >= (6, 7) else None


def landlock_abi():
    """The kernel's Landlock ABI (0: none), asked directly, not through us."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return abi if abi > 0 else 0


# What each group's kernel should enforce the filesystem guard and
# --no-subprocess with (spec/tiers.md): without BPF-LSM, Landlock, if its
# ABI has what each needs (3: truncate is a right; 1: execute rights).
def expected_landlock_tiers(group, abi):
    if group == "lsm":
        return "BPF-LSM", "BPF-LSM"
    return ("Landlock" if abi >= 3 else None), ("Landlock" if abi >= 1 else None)


TIER = None
LANDLOCK_ABI = 0
FS_TIER = None
EXEC_TIER = None
# Guard flags the kernel can enforce: cases that check the launcher itself
# run with each of them, and without.
GUARD_SETS = [()]
# Running the command as root: tier B cannot seal such a sandbox, so there
# it takes --allow-partial (set in main()).
ROOT = ["--user", "root"]

CASES = []

# Tags: "always"; "net" (the network guard works here, any tier); "tierA",
# "tierB" (one tier only); "refusal" (no tier: the guard is refused);
# "vm" (needs the guest's users); "native" (this project's own kernel);
# "nolsm" (no BPF-LSM); "exec", "execB" (--no-subprocess enforced: any
# tier, Landlock); "fsB", "fsRefused" (the filesystem guard on Landlock,
# or nowhere).
TAG_PASSES = {
    "nolsm": lambda g: g != "lsm",
    "exec": lambda g: EXEC_TIER is not None,
    "execB": lambda g: EXEC_TIER == "Landlock",
    "fsB": lambda g: FS_TIER == "Landlock",
    "fsRefused": lambda g: FS_TIER is None,
    "always": lambda g: True,
    "net": lambda g: TIER is not None,
    "tierA": lambda g: TIER == "BPF-LSM",
    "tierB": lambda g: TIER == "cgroup-bpf",
    "refusal": lambda g: TIER is None,
    "vm": lambda g: g in ("lsm", "lsmoff"),
    "native": lambda g: g == "native",
    # What one kernel shows as well as two: hermetic-bpf's own user-space
    # behaviour (exit statuses, argument and credential handling, output
    # formats, the DNS proxy's parsing, the agent's refusals, a memory
    # check), not an enforcement claim: not in the 6.1 boots, to keep CI's
    # boots short (natively and on 6.12 they run). Enforcement cases run
    # on both kernels.
    "once": lambda g: not (g in ("lsm", "lsmoff") and os.uname().release.startswith("6.1.")),
}


def case(*tags):
    def register(fn):
        CASES.append((tags, fn))
        return fn
    return register


def pinroot():
    return os.path.join(mount_of("bpf", "/sys/fs/bpf"), "hermetic-bpf")


class Fail(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Fail(what)


def expect_eq(got, want, what):
    if got != want:
        raise Fail(f"{what}: got {got!r}, want {want!r}")


# --- listeners outside every sandbox ------------------------------------

class Listener:
    """A TCP or UDP server on loopback that records what reaches it."""

    def __init__(self, family, kind, host=None, port=0):
        host = host or ("127.0.0.1" if family == socket.AF_INET else "::1")
        self.sock = socket.socket(family, kind)
        self.sock.bind((host, port))
        self.host, self.port = host, self.sock.getsockname()[1]
        self.data = []
        self.lock = threading.Lock()
        if kind == socket.SOCK_STREAM:
            self.sock.listen(64)
            target = self._accept
        else:
            target = self._recv
        threading.Thread(target=target, daemon=True).start()

    def _accept(self):
        while True:
            conn, _ = self.sock.accept()
            threading.Thread(target=self._drain, args=(conn,), daemon=True).start()

    def _drain(self, conn):
        with conn:
            conn.settimeout(5)
            buf = b""
            try:
                while chunk := conn.recv(4096):
                    buf += chunk
            except OSError:
                pass
            self._add(buf)

    def _recv(self):
        while True:
            self._add(self.sock.recv(4096))

    def _add(self, item):
        with self.lock:
            self.data.append(item)

    def mark(self):
        with self.lock:
            return len(self.data)

    def since(self, mark, wait=2.0):
        """What arrived after mark(), waiting up to @wait for anything."""
        deadline = time.time() + wait
        while time.time() < deadline:
            with self.lock:
                if len(self.data) > mark:
                    break
            time.sleep(0.02)
        time.sleep(0.05)
        with self.lock:
            return list(self.data[mark:])


TCP4 = TCP6 = UDP4 = UDP6 = TCPA = TCPB = TCPC = ANY4 = None
HTTP_PORT = HTTPS_PORT = None
HERE = os.path.dirname(os.path.abspath(__file__))
DNS_ADDR = "127.0.0.153"  # the test's name server, for /etc/resolv.conf
RESOLV = "/tmp/hb-resolv.conf"
DNS_LOG = "/tmp/hb-dns-queries"  # what the test's name server received
UNIX_DIR = "/tmp/hb-unix"
UNIX_STREAM = UNIX_DIR + "/stream.sock"
UNIX_DGRAM = UNIX_DIR + "/dgram.sock"
UNIX_ABSTRACT = "@hb-abstract"


class Page(__import__("http.server").server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hermetic\n")

    def log_message(self, *args):
        pass


def serve_http(host, tls):
    import http.server
    import ssl

    srv = http.server.ThreadingHTTPServer((host, 0), Page)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(HERE, "tls/cert.pem"), os.path.join(HERE, "tls/key.pem"))
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv.server_address[1]


def serve_unix():
    """Stream, datagram and abstract unix servers that anyone may reach."""
    os.makedirs(UNIX_DIR, exist_ok=True)
    # Root's, not writable by others: tier B refuses an --allow-unix path
    # the command's user could re-point (spec/network.md).
    os.chmod(UNIX_DIR, 0o755)
    socks = []
    for kind, path in ((socket.SOCK_STREAM, UNIX_STREAM), (socket.SOCK_DGRAM, UNIX_DGRAM),
                       (socket.SOCK_STREAM, "\0" + UNIX_ABSTRACT[1:])):
        if not path.startswith("\0") and os.path.exists(path):
            os.unlink(path)
        s = socket.socket(socket.AF_UNIX, kind)
        s.bind(path)
        if not path.startswith("\0"):
            os.chmod(path, 0o777)
        if kind == socket.SOCK_STREAM:
            s.listen(16)
            threading.Thread(target=lambda s=s: [c.close() for c, _ in iter(s.accept, None)],
                             daemon=True).start()
        socks.append(s)
    return socks


def start_listeners():
    global TCP4, TCP6, UDP4, UDP6, TCPA, TCPB, TCPC, ANY4, HTTP_PORT, HTTPS_PORT, UNIX_SOCKS
    TCP4 = Listener(socket.AF_INET, socket.SOCK_STREAM)
    TCP6 = Listener(socket.AF_INET6, socket.SOCK_STREAM)
    UDP4 = Listener(socket.AF_INET, socket.SOCK_DGRAM)
    UDP6 = Listener(socket.AF_INET6, socket.SOCK_DGRAM)
    # Other loopback addresses, to tell rules apart: A and B share a port.
    TCPA = Listener(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.2")
    TCPB = Listener(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.3", TCPA.port)
    TCPC = Listener(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.3")
    # The test zone's addresses are all 127.x: one wildcard listener serves them.
    ANY4 = Listener(socket.AF_INET, socket.SOCK_STREAM, "0.0.0.0")
    HTTP_PORT = serve_http("127.0.0.11", False)
    HTTPS_PORT = serve_http("127.0.0.11", True)
    UNIX_SOCKS = serve_unix()


def start_dns():
    """The test zone (dnsserver.py) on DNS_ADDR:53, and a resolv.conf naming it."""
    p = subprocess.Popen([PY, os.path.join(HERE, "dnsserver.py"), DNS_ADDR, "53", DNS_LOG],
                         stdout=subprocess.PIPE, text=True)
    if p.stdout.readline().strip() != "ready":
        raise RuntimeError("dnsserver.py did not start")
    with open(RESOLV, "w") as f:
        f.write(f"nameserver {DNS_ADDR}\noptions timeout:2 attempts:1\n")
    os.chmod(RESOLV, 0o644)
    return p


# --- running hermetic-bpf ------------------------------------------------

# Where tier B cannot seal a root command's sandbox (it refuses, which a
# case checks), commands run as tester unless a case says otherwise.
DEFAULT_ENV = {}


def hb(*args, env=None, timeout=120, stdin=subprocess.DEVNULL, dns=False):
    """hermetic-bpf ARGS; with @dns, in a mount namespace whose
    /etc/resolv.conf names the test's name server (for the sandbox, its
    proxy and unsandboxed lookups alike)."""
    full_env = dict(os.environ)
    full_env.update(DEFAULT_ENV if env is None else env)
    cmd = [HB, *args]
    if dns:
        cmd = ["unshare", "-m", "sh", "-c",
               f'mount -o bind {RESOLV} /etc/resolv.conf && exec "$@"', "sh"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True,
                          env=full_env, timeout=timeout, stdin=stdin)


def tokens(flags, *actions, env=TESTER, dns=False, user_flags=()):
    """netprobe multi ACTION...: one token per action, and the process."""
    p = hb("run", *flags, *user_flags, PY, PROBE, "multi", *actions, env=env, dns=dns)
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines:
        raise Fail(f"netprobe {actions} exited {p.returncode}: "
                   f"{p.stdout.strip()!r} {p.stderr.strip()!r}")
    return lines[-1].split(), p


def run_probe(*args, guard=True, flags=(), env=None):
    """netprobe ACTION ARGS, with or without --no-network: (token, proc)."""
    cmd = ["run"] + (["--no-network"] if guard else []) + list(flags)
    p = hb(*cmd, PY, PROBE, *args, env=env)
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines:
        raise Fail(f"netprobe {' '.join(args)} exited {p.returncode}: "
                   f"{p.stdout.strip()!r} {p.stderr.strip()!r}")
    return lines[-1], p


def denied_and_allowed(action, host, port, listener, errno_name="EPERM",
                       env=TESTER):
    """The action is denied with @errno_name under --no-network, nothing
    arrives, and the same action without the guard gets through."""
    mark = listener.mark()
    token, _ = run_probe(action, host, str(port), env=env)
    expect_eq(token, errno_name, f"{action} {host}:{port} under --no-network")
    expect_eq(listener.since(mark, wait=0.3), [], "data that reached the listener")
    token, _ = run_probe(action, host, str(port), guard=False, env=env)
    expect_eq(token, "ok", f"{action} {host}:{port} without a guard")
    expect(listener.since(mark) != [], "the allowed action reached the listener")


def leftovers():
    """Sandbox cgroups and pin directories that still exist (tier B's
    shared programs are no sandbox's: tierb_sets())."""
    cg = [d for d in os.listdir(os.path.join(CGROOT, "hermetic-bpf"))
          if d.startswith("run-")] if os.path.isdir(os.path.join(CGROOT, "hermetic-bpf")) else []
    pins = [d for d in os.listdir(pinroot()) if not d.startswith("tierb-")] \
        if os.path.isdir(pinroot()) else []
    return cg, pins


def tierb_sets():
    """Tier B's shared program sets pinned on this boot (spec/tiers.md)."""
    return sorted(d for d in os.listdir(pinroot()) if d.startswith("tierb-")) \
        if os.path.isdir(pinroot()) else []


def alive(pid):
    """Running, as opposed to gone or a zombie its new parent has not reaped."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def shared_tmpdir():
    """A directory that the sandboxed user (tester) can write to."""
    d = tempfile.mkdtemp()
    os.chmod(d, 0o777)
    return d


def wait_for(path, timeout=60):
    deadline = time.time() + timeout
    while not os.path.exists(path):
        if time.time() > deadline:
            raise Fail(f"timed out waiting for {path}")
        time.sleep(0.05)


# --- the guard: TCP ------------------------------------------------------

@case("net")
def tcp4_connect():
    denied_and_allowed("connect", TCP4.host, TCP4.port, TCP4)


@case("net")
def tcp6_connect():
    denied_and_allowed("connect", TCP6.host, TCP6.port, TCP6)


@case("net")
def tcp_v4_mapped_connect():
    denied_and_allowed("connect", "::ffff:127.0.0.1", TCP4.port, TCP4)


@case("net")
def connect_ex_returns_errno():
    denied_and_allowed("connect_ex", TCP4.host, TCP4.port, TCP4)


@case("net")
def tcp_fast_open():
    denied_and_allowed("fastopen", TCP4.host, TCP4.port, TCP4)


@case("net")
def ctypes_libc_connect():
    denied_and_allowed("ctypes_connect", TCP4.host, TCP4.port, TCP4)


@case("net")
def raw_syscall_connect():
    denied_and_allowed("syscall_connect", TCP6.host, TCP6.port, TCP6)


# --- the guard: addressed sends -----------------------------------------

@case("net")
def udp4_sendto():
    denied_and_allowed("sendto", UDP4.host, UDP4.port, UDP4)


@case("net")
def udp6_sendto():
    denied_and_allowed("sendto", UDP6.host, UDP6.port, UDP6)


@case("net")
def udp_sendmsg():
    denied_and_allowed("sendmsg", UDP4.host, UDP4.port, UDP4)


@case("net")
def udp_sendmmsg():
    denied_and_allowed("sendmmsg", UDP6.host, UDP6.port, UDP6)


@case("net")
def udp_sendto_af_unspec():
    mark = UDP4.mark()
    token, _ = run_probe("unspec_sendto", str(UDP4.port), env=TESTER)
    expect_eq(token, "EPERM", "sendto with an AF_UNSPEC destination")
    token, _ = run_probe("unspec_sendto", str(UDP4.port), guard=False, env=TESTER)
    expect_eq(token, "ok", "the same without a guard")
    expect(UDP4.since(mark) != [], "the unguarded datagram arrived")


# --- what --no-network leaves alone ---------------------------------------

@case("net")
def local_ipc_still_works():
    for action in (["socketpair"], ["resolve", "localhost"], ["udp_disconnect"],
                   ["socket", "1", "1", "0"],      # AF_UNIX stream
                   ["socket", "16", "3", "0"]):    # netlink route
        token, _ = run_probe(*action, env=TESTER)
        expect_eq(token, "ok", f"{' '.join(action)} under --no-network")


@case("net")
def sockets_that_bypass_connect_are_denied():
    # As root, so that only the guard can say no (not a missing CAP_NET_RAW).
    kinds = {"AF_PACKET raw": ["17", "3", "768"],
             "AF_INET raw ICMP": ["2", "3", "1"],
             "AF_INET6 raw": ["10", "3", "58"]}
    for what, args in kinds.items():
        token, _ = run_probe("socket", *args, flags=ROOT)
        expect_eq(token, "EPERM", f"{what} socket under --no-network")
        token, _ = run_probe("socket", *args, guard=False, flags=ROOT)
        expect_eq(token, "ok", f"{what} socket without a guard")
    # SCTP's connectx bypasses socket_connect. BPF-LSM's hook runs before
    # the protocol is looked up, so its EPERM comes even without the sctp
    # module; cgroup-bpf's runs after, so without the module the kernel's
    # EPROTONOSUPPORT comes first (and with it, the hook's EPERM).
    token, _ = run_probe("socket", "2", "1", "132", flags=ROOT)
    expect(token == "EPERM" or (TIER == "cgroup-bpf" and token == "EPROTONOSUPPORT"),
           f"SCTP socket under --no-network ({TIER}): got {token}")
    token, _ = run_probe("socket", "2", "1", "132", guard=False, flags=ROOT)
    expect(token != "EPERM", f"SCTP without a guard is not EPERM (got {token})")


# --- descendants, other processes, nesting ------------------------------

@case("net")
def grandchild_busybox_nc():
    script = f"sh -c 'echo grandchild | busybox nc {TCP4.host} {TCP4.port}'"
    mark = TCP4.mark()
    p = hb("run", "--no-network", "sh", "-c", script, env=TESTER)
    expect(p.returncode != 0, f"nc in a grandchild failed (exit {p.returncode})")
    expect("Operation not permitted" in p.stderr, f"nc's error is EPERM: {p.stderr!r}")
    expect_eq(TCP4.since(mark, wait=0.3), [], "data that reached the listener")
    p = hb("run", "sh", "-c", script, env=TESTER)
    expect_eq(p.returncode, 0, "nc in a grandchild without a guard")
    expect(any(b"grandchild" in d for d in TCP4.since(mark)), "nc's data arrived")


@case("net")
def outside_process_keeps_network():
    d = shared_tmpdir()
    p = subprocess.Popen([HB, "run", "--no-network", PY, PROBE, "hold", d,
                          TCP4.host, str(TCP4.port)], env={**os.environ, **TESTER},
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(os.path.join(d, "ready"))
        mark = TCP4.mark()
        with socket.create_connection((TCP4.host, TCP4.port), timeout=5) as s:
            s.sendall(b"outside\n")
        expect(any(b"outside" in x for x in TCP4.since(mark)),
               "an unconfined connect while a sandbox runs")
        open(os.path.join(d, "go"), "w").close()
        wait_for(os.path.join(d, "result"))
        expect_eq(open(os.path.join(d, "result")).read(), "EPERM",
                  "the sandboxed connect at the same time")
    finally:
        open(os.path.join(d, "exit"), "w").close()
        p.wait(timeout=60)


@case("net")
def nested_cgroup_stays_confined():
    # As root: make a child cgroup of the sandbox, move in, then connect.
    script = (
        f'cg={CGROOT}$(sed -n "s/^0:://p" /proc/self/cgroup); '
        'mkdir "$cg/inner" && echo $$ > "$cg/inner/cgroup.procs" && '
        f'grep -q "/inner$" /proc/self/cgroup && exec {PY} {PROBE} connect {TCP4.host} {TCP4.port}')
    for guard, want in ((True, "EPERM"), (False, "ok")):
        args = ["run"] + (["--no-network"] if guard else []) + ROOT + ["sh", "-c", script]
        p = hb(*args)
        expect_eq(p.stdout.strip(), want, f"connect from a nested cgroup, guard={guard} "
                  f"(stderr {p.stderr.strip()!r})")


@case("net")
def cannot_move_out_as_user():
    script = (f'echo $$ > {CGROOT}/cgroup.procs; echo moved=$?; '
              f'exec {PY} {PROBE} connect {TCP4.host} {TCP4.port}')
    p = hb("run", "--no-network", "sh", "-c", script, env=TESTER)
    lines = p.stdout.split()
    expect(lines and lines[0] != "moved=0", f"moving to the root cgroup failed: {p.stdout!r}")
    expect_eq(lines[-1] if lines else "", "EPERM", "connect after the attempt")


# --- the launcher: exit codes, users, signals, cleanup ------------------

@case("always", "once")
def exit_status_pass_through():
    for cmd, want in ((["true"], 0), (["sh", "-c", "exit 7"], 7),
                      (["sh", "-c", "kill -KILL $$"], 128 + 9),
                      (["sh", "-c", "kill -TERM $$"], 128 + 15)):
        for guard in GUARD_SETS:
            p = hb("run", *guard, *cmd)
            expect_eq(p.returncode, want, f"exit status of {cmd} {guard}")


@case("always", "once")
def command_not_found_or_not_executable():
    for guard in GUARD_SETS:
        p = hb("run", *guard, "/nonexistent/cmd")
        expect_eq(p.returncode, 127, "a missing command")
        expect("cannot run '/nonexistent/cmd'" in p.stderr, f"says why: {p.stderr!r}")
        p = hb("run", *guard, "/etc/passwd")
        expect_eq(p.returncode, 126, "a file that is not executable")
        # (With a PATH the user may search: an unreadable directory on it
        # makes execvp say EACCES, 126, as env does.)
        p = hb("run", *guard, "no-such-command-on-path",
               env={**DEFAULT_ENV, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        expect_eq(p.returncode, 127, "a name not on PATH")
        p = hb("run", *guard, "sh", "-c", "exit 0")
        expect_eq(p.returncode, 0, "a command found on PATH")


@case("always")
def bad_usage_runs_nothing():
    marker = tempfile.mktemp()
    for args, msg in ((["--no-netwrk", "touch", marker], "unknown option '--no-netwrk'"),
                      (["--user"], "needs a value"),
                      (["--user", "nosuchuser", "touch", marker], "no such user"),
                      ([], "no command given")):
        p = hb("run", *args)
        expect_eq(p.returncode, 125, f"exit status for run {args}")
        expect(msg in p.stderr, f"message for run {args}: {p.stderr!r}")
        expect(not os.path.exists(marker), f"run {args} started nothing")
    p = hb("run", "touch", marker)
    expect(p.returncode == 0 and os.path.exists(marker), "a correct command line runs")
    os.unlink(marker)


@case("net", "once")
def with_and_without_double_dash():
    for sep in ([], ["--"]):
        p = hb("run", "--no-network", *sep, PY, PROBE, "connect", TCP4.host, str(TCP4.port))
        expect_eq(p.stdout.strip(), "EPERM", f"separator {sep}")


@case("vm", "net", "once")
def runs_as_sudo_user():
    token, _ = run_probe("whoami", env=TESTER)
    expect_eq(token, "1000 1000 1000,1001", "uid, gid and groups under sudo")
    token, _ = run_probe("whoami", env=TESTER, flags=ROOT)
    expect_eq(token, "0 0 0", "--user root under sudo")
    token, _ = run_probe("whoami", flags=["--user", "1000"])
    expect_eq(token, "1000 1000 1000,1001", "--user 1000")
    if TIER == "BPF-LSM":  # tier B refuses a root command (a case checks)
        token, _ = run_probe("whoami", env={})
        expect_eq(token.split()[0], "0", "no sudo, no --user: stays root")
    p = hb("run", "--no-network", "grep", "NoNewPrivs", "/proc/self/status", env=TESTER)
    expect_eq(p.stdout.split(), ["NoNewPrivs:", "1"], "no_new_privs is set")


@case("always")
def stdio_pass_through():
    for guard in GUARD_SETS:
        p = subprocess.run([HB, "run", *guard, "cat"], input="through\n",
                           capture_output=True, text=True, timeout=60,
                           env={**os.environ, **DEFAULT_ENV})
        expect_eq((p.returncode, p.stdout), (0, "through\n"), f"stdin to stdout {guard}")


@case("always")
def signals_are_forwarded():
    # Short sleeps: CPython runs a handler between bytecodes, so a signal
    # that lands just before one long sleep() starts would wait it out.
    code = ("import signal, sys, time\n"
            "signal.signal(signal.SIGTERM, lambda *a: sys.exit(42))\n"
            "print('ready', flush=True)\n"
            "for _ in range(600): time.sleep(0.1)\n")
    p = subprocess.Popen([HB, "run", *GUARD_SETS[-1], PY, "-c", code],
                         stdout=subprocess.PIPE, text=True, env={**os.environ, **DEFAULT_ENV})
    expect_eq(p.stdout.readline().strip(), "ready", "the command started")
    p.send_signal(signal.SIGTERM)
    expect_eq(p.wait(timeout=60), 42, "the command's handler ran and its status came back")


@case("always")
def leftovers_are_killed_and_removed():
    before = leftovers()
    for guard in GUARD_SETS:
        p = hb("run", *guard, "sh", "-c", "sleep 1000 & echo $!")
        pid = int(p.stdout.strip())
        expect_eq(p.returncode, 0, "the command's status")
        expect(not alive(pid), "the background sleep was killed")
        expect_eq(leftovers(), before, "no cgroup or pins left")


@case("net", "once")
def trace_names_address_not_argv():
    token, p = run_probe("connect", TCP4.host, str(TCP4.port), "--", "SECRET-ARGV-1234",
                         flags=["--trace"], env={**TESTER, "SECRET_ENV": "SECRET-ENV-5678"})
    expect_eq(token, "EPERM", "the connect")
    want = re.compile(r"^hermetic-bpf: blocked connect 127\.0\.0\.1:%d \(pid \d+ python3\): "
                      r"network disabled$" % TCP4.port, re.M)
    expect(want.search(p.stderr), f"trace line in {p.stderr!r}")
    expect("SECRET" not in p.stderr + p.stdout, "no argv or environment in the output")
    token, p = run_probe("connect", TCP6.host, str(TCP6.port), flags=["--trace"])
    expect(f"blocked connect [::1]:{TCP6.port} (pid " in p.stderr, f"IPv6 form: {p.stderr!r}")


@case("net")
def trace_escapes_hostile_names():
    # comm holds 15 bytes: "x", a newline, then what would forge a line.
    token, p = run_probe("rename_then_connect", r"x\nhermetic-bpf: ok", TCP4.host,
                         str(TCP4.port), flags=["--trace"], env=TESTER)
    expect_eq(token, "EPERM", "the connect")
    lines = [l for l in p.stderr.splitlines() if "blocked" in l]
    expect_eq(len(lines), 1, f"one trace line in {p.stderr!r}")
    expect(lines[0].endswith(" x\\x0ahermetic-bpf:): network disabled"),
           f"the newline is escaped: {lines[0]!r}")
    expect(not any(l.startswith("hermetic-bpf:)") for l in p.stderr.splitlines()),
           "no forged line")


@case("net", "once")
def summary_without_trace():
    _, p = run_probe("connect", TCP4.host, str(TCP4.port), env=TESTER)
    expect_eq(p.stderr.strip(), "hermetic-bpf: blocked 1 action (connect 1); "
              "rerun with --trace to see each", "summary line")
    _, p = run_probe("socketpair", env=TESTER)
    expect_eq(p.stderr, "", "nothing blocked, nothing said")


@case("net", "once")
def verbose_names_the_mechanism():
    for flag in ("-v", "--trace"):
        p = hb("run", flag, "--no-network", "true")
        expect_eq(p.returncode, 0, "status")
        expect(f"network guard: enforced by {TIER}" in p.stderr,
               f"{flag} names the mechanism: {p.stderr!r}")
    p = hb("run", "--no-network", "true")
    expect_eq(p.stderr, "", "quiet without -v or --trace")


@case("net")
def launcher_killed_stays_enforced():
    d = shared_tmpdir()
    script = f"{PY} {PROBE} hold {d} {TCP4.host} {TCP4.port} & wait"
    p = subprocess.Popen([HB, "run", "--no-network", "sh", "-c", script],
                         env={**os.environ, **TESTER}, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    wait_for(os.path.join(d, "ready"))
    p.kill()
    p.wait()
    cg, pins = leftovers()
    expect(len(cg) == 1 and len(pins) == 1, f"cgroup and pins outlive the launcher: {cg} {pins}")
    expect_eq(hb("gc").returncode, 0, "gc while the sandbox still runs")
    expect_eq(leftovers(), (cg, pins), "gc leaves a populated sandbox enforced")
    mark = TCP4.mark()
    open(os.path.join(d, "go"), "w").close()
    wait_for(os.path.join(d, "result"))
    expect_eq(open(os.path.join(d, "result")).read(), "EPERM",
              "the grandchild's connect after the launcher died")
    expect_eq(TCP4.since(mark, wait=0.3), [], "data that reached the listener")
    open(os.path.join(d, "exit"), "w").close()
    populated = os.path.join(CGROOT, "hermetic-bpf", cg[0], "cgroup.events")
    deadline = time.time() + 30
    while "populated 1" in open(populated).read() and time.time() < deadline:
        time.sleep(0.05)
    expect_eq(hb("gc").returncode, 0, "gc after the sandbox emptied")
    expect_eq(leftovers(), ([], []), "gc removed the abandoned sandbox")
    # Its policy in tier B's shared maps went too: gc unloads a set only
    # when no policy is left in it.
    expect_eq(tierb_sets(), [], "tier B's programs unloaded by gc, no policy left")
    token, _ = run_probe("connect", TCP4.host, str(TCP4.port), guard=False)
    expect_eq(token, "ok", "connect after gc")


@case("tierA")
def probe_layers_securityfs_unmounted():
    # Without securityfs BPF-LSM cannot be shown to be active: tier A is
    # out. Tier B takes over where the kernel has it (6.7+), else refusal.
    marker = tempfile.mktemp()
    subprocess.run(["umount", "/sys/kernel/security"], check=True)
    try:  # as a user: tier B would refuse a root command (it cannot seal)
        p = hb("run", "-v", "--no-network", "touch", marker, env=TESTER)
    finally:
        subprocess.run(["mount", "-t", "securityfs", "securityfs",
                        "/sys/kernel/security"], check=True)
    expect("securityfs is not mounted" in p.stderr, f"says why: {p.stderr!r}")
    if expected_tier("lsmoff"):
        expect_eq(p.returncode, 0, "tier B ran it")
        expect("network guard: enforced by cgroup-bpf" in p.stderr, f"says so: {p.stderr!r}")
        # Tier B's programs stay loaded for the boot's next tier B run;
        # gc unloads them once no policy is left (spec/tiers.md).
        expect(tierb_sets() != [], "tier B's programs are kept for the boot")
        expect_eq(hb("gc").returncode, 0, "gc")
        expect_eq(tierb_sets(), [], "gc unloaded them: the run left no policy")
    else:
        expect_eq(p.returncode, 125, "refused")
        expect("Hint: mount -t securityfs" in p.stderr, f"says how: {p.stderr!r}")
        expect(not os.path.exists(marker), "the command did not run")
    p = hb("run", "-v", "--no-network", "true", env=TESTER)
    expect(p.returncode == 0 and "enforced by BPF-LSM" in p.stderr,
           f"BPF-LSM again once securityfs is back: {p.stderr!r}")


@case("tierA")
def lsm_hook_stubs_kept_for_the_boot():
    # A cold run finds the kernel's LSM hook stubs (bpf_lsm_<hook>: the BTF
    # id a program attaches to, and the hook's shape) in one pass over its
    # BTF once a boot; the next runs attach their programs by the ids in
    # /run/hermetic-bpf/lsm-hooks, unless the file is another boot's, an
    # older build's, or could have been written by another user
    # (spec/probe.md).
    cache = "/run/hermetic-bpf/lsm-hooks"
    kept = "the kernel's LSM hooks: as found earlier in this boot"
    if os.path.exists(cache):
        os.unlink(cache)
    p = hb("run", "-v", "--no-network", "true", env=TESTER)
    expect(p.returncode == 0 and kept not in p.stderr, f"the first run parses: {p.stderr!r}")
    st = os.stat(cache)
    expect(st.st_uid == 0 and not st.st_mode & 0o022, f"root's, not writable by others: {st}")
    with open(cache) as f:
        lines = f.read().splitlines()
    with open("/proc/sys/kernel/random/boot_id") as f:
        expect_eq(lines[0], f.read().strip(), "keyed by this boot")
    stubs = {w[0]: w[1:] for w in (line.split() for line in lines[1:])}
    expect(all(len(v) == 2 and int(v[1]) > 0 for v in stubs.values()),
           f"hook, arguments, BTF id on every line: {lines[1:4]}")
    expect_eq(stubs.get("socket_connect", [None])[0], "3", "socket_connect's three arguments")
    p = hb("run", "-v", "--fs-readonly", "--no-network", "true", env=TESTER)
    expect(p.returncode == 0 and kept in p.stderr, f"the next run takes them: {p.stderr!r}")
    token, _ = run_probe("connect", TCP4.host, str(TCP4.port), env=TESTER)
    expect_eq(token, "EPERM", "a run attached by the kept ids still denies")
    token, _ = run_probe("connect", TCP4.host, str(TCP4.port), flags=("--allow-localhost",),
                         env=TESTER)
    expect_eq(token, "ok", "and allows what its policy allows")
    os.chmod("/run/hermetic-bpf", 0o777)
    try:
        p = hb("run", "-v", "--no-network", "true", env=TESTER)
    finally:
        os.chmod("/run/hermetic-bpf", 0o755)
    expect(p.returncode == 0 and kept not in p.stderr,
           f"a directory others can write: the file ignored: {p.stderr!r}")
    boot = lines[0]
    older = [f"{h} {v[0]}" for h, v in stubs.items()]  # an older build's two fields
    for what, first, rest, mode in (("another boot's", "0" * len(boot), lines[1:], 0o644),
                                    ("world-writable", boot, lines[1:], 0o666),
                                    ("an older build's", boot, older, 0o644)):
        with open(cache, "w") as f:
            f.write("\n".join([first] + rest) + "\n")
        os.chmod(cache, mode)
        p = hb("run", "-v", "--no-network", "true", env=TESTER)
        expect(p.returncode == 0 and kept not in p.stderr, f"{what} file ignored: {p.stderr!r}")
        with open(cache) as f:
            expect_eq(f.read().splitlines(), lines, f"{what} file made anew")
        os.chmod(cache, 0o644)


@case("tierA")
def kernel_types_kept_for_the_boot():
    # libbpf relocates the programs by scanning the kernel's whole BTF once
    # per type they read. The first cold run of a boot keeps the types its
    # object uses (bpftool gen min_core_btf) in /run/hermetic-bpf; the
    # next cold runs relocate against that file, and deny and allow as
    # before. Another user's file, or one the load cannot use, is not
    # trusted: the whole BTF again (spec/probe.md).
    made = "the kernel's types: kept what the programs use"
    kept = "the kernel's types: as kept earlier in this boot"
    acts = [f"connect 127.0.0.1 {TCP4.port}", "connect 192.0.2.1 80",
            f"sendto 127.0.0.1 {UDP4.port}", "sendto 192.0.2.1 9"]
    want = ["ok", "EPERM", "ok", "EPERM"]
    if not os.path.exists("/usr/sbin/bpftool"):
        raise Fail("the guest has no /usr/sbin/bpftool (tests/vm/mkinitramfs copies it)")
    cache = "/run/hermetic-bpf"
    for f in os.listdir(cache) if os.path.isdir(cache) else []:
        if f.startswith("core-"):
            os.unlink(os.path.join(cache, f))
    got, p = tokens(["-v", "--allow-localhost"], *acts)
    expect_tokens(got, want, "the run that scans the whole BTF")
    expect(made in p.stderr and kept not in p.stderr, f"it keeps the types: {p.stderr!r}")
    files = [f for f in os.listdir(cache) if f.startswith("core-")]
    expect_eq(len(files), 1, f"one file, no leftovers: {files}")
    path = os.path.join(cache, files[0])
    with open("/proc/sys/kernel/random/boot_id") as f:
        expect(f.read().strip() in files[0], f"keyed by this boot: {files[0]}")
    st = os.stat(path)
    expect(st.st_uid == 0 and not st.st_mode & 0o022, f"root's, not writable by others: {st}")
    expect(st.st_size < os.stat("/sys/kernel/btf/vmlinux").st_size // 20,
           f"a small part of the kernel's BTF: {st.st_size} bytes")
    got, p = tokens(["-v", "--allow-localhost"], *acts)
    expect_tokens(got, want, "a run on the kept types")
    expect(kept in p.stderr and made not in p.stderr, f"the next run uses them: {p.stderr!r}")
    with open(path, "rb") as f:
        good = f.read()
    # Writable by others: not used, and not replaced by this run either.
    os.chmod(path, 0o666)
    got, p = tokens(["-v", "--allow-localhost"], *acts)
    expect_tokens(got, want, "a run beside another user's file")
    expect(kept not in p.stderr and "not root's alone" in p.stderr, f"not used: {p.stderr!r}")
    # Root's but unusable (garbage, or another kernel's): the load fails
    # against it, the file goes, and the run loads against the whole BTF.
    os.chmod(path, 0o644)
    with open(path, "wb") as f:
        f.write(b"\x9f\xeb\x01\x00" + bytes(60))
    got, p = tokens(["-v", "--allow-localhost"], *acts)
    expect_tokens(got, want, "a run past an unusable file")
    expect("again against the kernel's whole BTF" in p.stderr, f"says so: {p.stderr!r}")
    with open(path, "rb") as f:
        expect_eq(f.read(), good, "the whole-BTF load kept the types anew")


# --- a kernel booted without bpf in lsm= ---------------------------------

@case("refusal")
def refuses_without_a_mechanism():
    for flags in (["--no-network"], ["--allow-localhost"], ["--allow-domain", "example.com"]):
        marker = tempfile.mktemp()
        p = hb("run", *flags, "touch", marker)
        expect_eq(p.returncode, 125, f"exit status of run {flags}")
        expect("BPF-LSM is not active" in p.stderr, f"says what is missing: {p.stderr!r}")
        expect(re.search(r"^Hint: boot with lsm=\S*,bpf", p.stderr, re.M),
               f"hint names the lsm= line: {p.stderr!r}")
        expect("no hooks for unix sockets (Linux 6.7 or later)" in p.stderr,
               f"says why tier B cannot: {p.stderr!r}")
        expect(not os.path.exists(marker), "the command never ran")
    expect_eq(leftovers()[0], [], "no cgroup was left behind")


@case("tierB")
def tier_b_says_why_not_tier_a():
    p = hb("run", "-v", "--no-network", "true")
    expect_eq(p.returncode, 0, "status")
    expect(re.search(r"tier A \(BPF-LSM\) unavailable: \S", p.stderr),
           f"-v gives tier A's missing piece: {p.stderr!r}")
    expect("network guard: enforced by cgroup-bpf" in p.stderr and "seccomp" in p.stderr,
           f"and names tier B's mechanisms: {p.stderr!r}")


# --- --no-subprocess, --allow-exec, --block-native ------------------------

def ptokens(flags, *actions, env=TESTER, probe=None, dns=False):
    """procprobe (or @probe) multi ACTION...: one token per action, and
    the process (@dns: as hb())."""
    probe = probe or PROC
    p = hb("run", *flags, PY, probe, "multi", *actions, env=env, dns=dns)
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines:
        raise Fail(f"{os.path.basename(probe)} {actions} exited {p.returncode}: "
                   f"{p.stdout.strip()!r} {p.stderr.strip()!r}")
    return lines[-1].split(), p


# What a program tries in order to run another one, and what must keep working.
EXEC_WAYS = ["run_true", "system", "spawn", "fork_execv", "ctypes_execve", "memfd_exec",
             "ldso"]
EXEC_OK = ["fork", "multiprocessing", "thread"]


@case("exec")
def no_subprocess_blocks_every_exec():
    got, p = ptokens(["--no-subprocess", "--trace"], *EXEC_WAYS, *EXEC_OK)
    expect_tokens(got, ["EPERM", "exit127", "EPERM", "EPERM", "EPERM", "EPERM", "EPERM",
                        "exit7", "ok", "ok"], "--no-subprocess")
    expect("blocked exec path=/bin/true (pid " in p.stderr and
           "subprocesses disabled" in p.stderr, f"trace: {p.stderr!r}")
    got, _ = ptokens([], *EXEC_WAYS, *EXEC_OK)
    expect_tokens(got, ["ok", "exit0", "exit0", "ok", "ok", "ok", "ok", "exit7", "ok", "ok"],
                  "no guard")


@case("exec")
def no_subprocess_lets_the_command_start():
    d = shared_tmpdir()
    script = os.path.join(d, "script.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\necho started\n/bin/true && echo ran-true\n")
    os.chmod(script, 0o755)
    # A #! script: its interpreter runs as part of the command's own exec.
    p = hb("run", "--no-subprocess", script, env=TESTER)
    expect_eq(p.stdout.split(), ["started"], f"the script starts, true does not: {p.stderr!r}")
    # Found on PATH.
    p = hb("run", "--no-subprocess", "sh", "-c", "echo on-path", env=TESTER)
    expect_eq(p.stdout.strip(), "on-path", "a command found on PATH starts")
    # Re-executing itself is a second exec: no window opens.
    p = hb("run", "--no-subprocess", "sh", "-c", "exec sh -c 'echo second'", env=TESTER)
    expect("second" not in p.stdout and p.returncode != 0,
           f"the re-exec is denied: {p.stdout!r} {p.returncode}")
    got, _ = ptokens(["--no-subprocess"], "reexec")
    expect_tokens(got, ["EPERM"], "os.execv of the command itself")


@case("tierA")
def allow_exec_by_identity():
    d = shared_tmpdir()
    tool = os.path.join(d, "busybox")  # busybox picks its applet by name
    shutil.copy("/bin/busybox", tool)
    os.chown(tool, 1000, 1000)
    os.chmod(tool, 0o755)
    got, _ = ptokens(["--allow-exec", tool], f"run_file {tool}", "run_file /bin/busybox")
    expect_tokens(got, ["ok", "EPERM"], "the allowed file, and another")
    # Re-creating the allowed name makes a new inode: not the file allowed.
    script = f"rm {tool} && cp /bin/busybox {tool} && exec {tool} true"
    p = hb("run", "--allow-exec", tool, "--allow-exec", "/bin/busybox", "sh", "-c", script,
           env=TESTER)
    expect(p.returncode != 0 and "Operation not permitted" in p.stderr,
           f"a re-created file is not the one allowed: {p.returncode} {p.stderr!r}")
    p = hb("run", "--allow-exec", "/nonexistent", "true")
    expect_eq(p.returncode, 125, "--allow-exec of a missing file")
    expect("--allow-exec /nonexistent: No such file or directory" in p.stderr, p.stderr)


@case("tierA")
def block_native():
    d = shared_tmpdir()
    libz = [os.path.join(r, f) for r, _, fs in os.walk("/lib/x86_64-linux-gnu")
            for f in fs if f.startswith("libz.so")][0]
    tool = os.path.join(shared_tmpdir(), "busybox")
    shutil.copy("/bin/busybox", tool)
    os.chown(tool, 1000, 1000)
    acts = ["import _json", "import _ctypes", "load_lib libc.so.6", "load_lib " + libz,
            f"copy_and_load {libz} {d}/libz-copy.so", "anon_exec", "anon_wx", "mprotect_wx",
            "memfd_map_exec", f"run_file {tool}", "run_file /bin/busybox"]
    got, p = ptokens(["--block-native", "--trace"], *acts)
    expect_tokens(got, ["ok", "ok", "ok", "ok", "OSError", "EPERM", "EPERM", "EPERM", "EPERM",
                        "EPERM", "ok"], "--block-native")
    expect("blocked mmap path=" + d + "/libz-copy.so (pid " in p.stderr and
           "blocked mmap (anonymous memory) (pid " in p.stderr, f"trace: {p.stderr!r}")
    # Judged as anonymous memory, not as a file it could not read (6.2+
    # verifiers take the hook's file as never NULL: bpf/exec.bpf.h).
    anon = [ln for ln in p.stderr.splitlines() if "blocked mmap (anonymous memory)" in ln]
    expect(all("anonymous executable memory" in ln for ln in anon),
           f"anonymous memory's reason: {anon!r}")
    got, _ = ptokens([], *acts)
    expect_tokens(got, ["ok"] * len(acts), "no guard")


# --- sealed: what even root inside cannot do ----------------------------

@case("tierA")
def sealed_even_as_root():
    pins = pinroot()
    attempts = {
        "bpf": "bpf", "move_out": f"move_out {CGROOT}", "mkdir_and_move": f"mkdir_and_move {CGROOT}",
        "unlink_pins": f"unlink_pins {pins}", "umount bpffs": f"umount {os.path.dirname(pins)}",
        "mount cgroup2": "mount cgroup2 /mnt", "mount tmpfs": "mount tmpfs /mnt",
        "ptrace pid 1": "ptrace_attach 1", "kill the launcher": "kill_parent",
        "core_pattern": "write /proc/sys/kernel/core_pattern |/bin/sh",
        "sysrq": "write /proc/sysrq-trigger h", "sysfs": "write /sys/kernel/uevent_seqnum 0",
        "module": "load_module", "kexec": "kexec", "/dev/mem": "read /dev/mem",
    }
    # Every attempt in one sandbox, in turn (one load of the programs, not
    # fifteen), then a connect that must still fail; new cgroup, mount and
    # network namespaces of the host's are refused (CAP_SYS_ADMIN), and a
    # user namespace of its own changes nothing (seal_cases.py).
    connect = f"connect 127.0.0.1 {TCP4.port}"
    names = list(attempts) + ["then connect", "unshare", "then connect"]
    want = ["EPERM"] * len(attempts) + ["EPERM", "EPERM", "EPERM"]
    got, _ = ptokens(ROOT + ["--no-network", "--trace"], *attempts.values(), connect,
                     "unshare", connect, env=None)
    bad = [f"{n}: {g}" for n, g, w in zip(names, got, want) if g != w]
    expect(len(got) == len(want) and not bad, f"sealed as root: {bad or got}")


@case("tierA")
def sealed_neighbours_still_work():
    # What root inside may do: its own /proc, its own subtree, signals to
    # its own processes.
    got, _ = ptokens(ROOT + ["--no-network"], "read /proc/self/environ", "fork",
                     "write /proc/self/comm x", env=None)
    expect_tokens(got, ["ok", "exit7", "ok"], "inside the sandbox")
    # Outside every sandbox, root is not limited.
    got, _ = ptokens([], "bpf", "read /proc/1/environ", env=None)
    expect_tokens(got, ["ok", "ok"], "outside a sandbox")


@case("tierA")
def no_env():
    env = {**TESTER, "SECRET_TOKEN": "s3cr3t"}
    p = hb("run", "--no-env", "--no-network", "env", env=env)
    names = {l.split("=", 1)[0] for l in p.stdout.splitlines()}
    expect({"HOME", "LOGNAME", "PATH", "USER"} <= names <=
           {"HOME", "LOGNAME", "PATH", "USER", "TERM", "LANG", "LC_ALL", "TZ"},
           f"the minimal environment: {sorted(names)}")
    expect("s3cr3t" not in p.stdout, "no secret in it")
    # procfs turns the hook's "no" into EACCES for these files.
    got, _ = ptokens(ROOT + ["--no-env"], "read /proc/1/environ", "read /proc/self/environ",
                     env=None)
    expect_tokens(got, ["EACCES", "ok"], "other processes' environ hidden")
    got, _ = ptokens(ROOT + ["--no-network"], "read /proc/1/environ", env=None)
    expect_tokens(got, ["ok"], "readable without --no-env")


@case("tierA", "once")
def profiles():
    got, _ = tokens(["--profile", "net-hermetic"], f"connect 127.0.0.1 {TCP4.port}",
                    "connect 192.0.2.1 80")
    expect_tokens(got, ["ok", "EPERM"], "net-hermetic")
    got, _ = ptokens(["--profile", "exec-deny"], "run_true", "fork")
    expect_tokens(got, ["EPERM", "exit7"], "exec-deny")
    got, _ = ptokens(["--profile", "block-native"], "anon_exec", "run_true")
    expect_tokens(got, ["EPERM", "ok"], "block-native")
    got, _ = ptokens(["--profile", "block-all", "--profile", "net-hermetic"], "anon_exec",
                     "run_true", f"connect 127.0.0.1 {TCP4.port}")
    expect_tokens(got, ["EPERM", "EPERM", "ok"], "block-all + net-hermetic (union)")


@case("always")
def profile_and_flag_errors():
    marker = tempfile.mktemp()
    for args, msg in ((["--profile", "nope"], "unknown profile; valid: block-all, net-hermetic, "
                                               "exec-deny, block-native, fs-readonly"),
                      (["--seal"], "--seal: hermetic-bpf's guards are always sealed"),
                      (["--no-code-exec"], "--no-code-exec: eval() and exec() happen inside"),
                      (["--no-interpreter-mutation"], "--no-interpreter-mutation: changes"),
                      (["--deny-import", "os"], "--deny-import: Python imports are invisible")):
        p = hb("run", *args, "touch", marker)
        expect_eq(p.returncode, 125, f"run {args}")
        expect(msg in p.stderr, f"run {args} says why: {p.stderr!r}")
        expect(not os.path.exists(marker), "nothing started")


@case("nolsm")
def exec_guards_refused_without_bpf_lsm():
    refused = [["--block-native"], ["--no-env"]]
    if EXEC_TIER is None:
        refused.append(["--no-subprocess"])
    for flags in refused:
        marker = tempfile.mktemp()
        p = hb("run", *flags, "touch", marker)
        expect_eq(p.returncode, 125, f"run {flags}")
        expect(": not enforced" in p.stderr and re.search(r"^Hint: ", p.stderr, re.M),
               f"says what and how: {p.stderr!r}")
        expect(not os.path.exists(marker), "nothing started")
    # The neighbour: with no guard the same command runs.
    marker = tempfile.mktemp()
    expect_eq(hb("run", "touch", marker).returncode, 0, "run without a guard")
    expect(os.path.exists(marker), "the command ran")
    os.unlink(marker)


@case("tierB")
def root_command_not_sealed_without_bpf_lsm():
    # A root command cannot be sealed here: refused, or run with a warning.
    p = hb("run", "--user", "root", "--no-network", "true")
    expect_eq(p.returncode, 125, "a root command under tier B")
    expect("sealing a sandbox whose command runs as root" in p.stderr, p.stderr)
    p = hb("run", "--user", "root", "--allow-partial", "--no-network", "true")
    expect_eq(p.returncode, 0, "--allow-partial runs it")
    expect("warning: sealing a sandbox whose command runs as root" in p.stderr, p.stderr)


# --- allow rules: localhost, IPs, metadata -------------------------------

def expect_tokens(got, want, what):
    """Compare tokens; "!EPERM" in @want means anything but EPERM."""
    ok = len(got) == len(want) and all(
        g != w[1:] if w.startswith("!") else g == w for g, w in zip(got, want))
    if not ok:
        raise Fail(f"{what}: got {got}, want {want}")


@case("net")
def allow_localhost():
    acts = [f"connect 127.0.0.1 {TCP4.port}", f"connect ::1 {TCP6.port}",
            f"connect ::ffff:127.0.0.1 {TCP4.port}", f"connect 127.0.0.2 {TCPA.port}",
            f"sendto 127.0.0.1 {UDP4.port}", f"sendto ::1 {UDP6.port}",
            "connect 192.0.2.1 80", "sendto 192.0.2.1 9"]
    got, _ = tokens(["--allow-localhost"], *acts)
    expect_tokens(got, ["ok"] * 6 + ["EPERM", "EPERM"], "--allow-localhost")
    got, _ = tokens(["--no-network"], *acts)
    expect_tokens(got, ["EPERM"] * 8, "--no-network alone")
    got, _ = tokens([], *acts[:6])
    expect_tokens(got, ["ok"] * 6, "no guard")


@case("net")
def allow_ip_rules():
    a, c = TCPA.port, TCPC.port
    acts = [f"connect 127.0.0.2 {a}", f"connect 127.0.0.3 {a}", f"connect 127.0.0.3 {c}",
            f"connect 127.0.0.1 {TCP4.port}", f"connect ::ffff:127.0.0.2 {a}"]
    got, _ = tokens(["--allow-ip", "127.0.0.2"], *acts)
    expect_tokens(got, ["ok", "EPERM", "EPERM", "EPERM", "ok"], "one host, any port, v4-mapped too")
    got, _ = tokens(["--allow-ip", f"127.0.0.0/30:{a}"], *acts)
    expect_tokens(got, ["ok", "ok", "EPERM", "EPERM", "ok"], "a /30 on one port")
    got, _ = tokens(["--allow-ip", "::ffff:127.0.0.3", "--allow-ip", f"127.0.0.1:{TCP4.port}"],
                    *acts)
    expect_tokens(got, ["EPERM", "ok", "ok", "ok", "EPERM"], "an IPv4-mapped rule, a port rule")
    six = [f"connect ::1 {TCP6.port}", f"connect ::1 {UDP6.port}", f"sendto ::1 {UDP6.port}",
           f"sendto 127.0.0.1 {UDP4.port}"]
    got, _ = tokens(["--allow-ip", f"[::1]:{TCP6.port}"], *six)
    expect_tokens(got, ["ok", "EPERM", "EPERM", "EPERM"], "IPv6 host:port")
    got, _ = tokens(["--allow-ip", f"[::1]/128:{UDP6.port}", "--allow-ip", "127.0.0.1"], *six)
    # ECONNREFUSED: allowed, but nothing listens for TCP on the UDP port.
    expect_tokens(got, ["EPERM", "ECONNREFUSED", "ok", "ok"], "IPv6 prefix:port and UDP")


@case("always")
def allow_ip_bad_input():
    marker = tempfile.mktemp()
    for value, why in (("300.1.1.1", "not an IPv4 or IPv6 address"),
                       ("10.0.0.0/33", "the prefix length must be 0 to 32"),
                       ("1.2.3.4:0", "the port must be 1 to 65535"),
                       ("1.2.3.4:70000", "the port must be 1 to 65535"),
                       ("[::1]/129", "the prefix length must be 0 to 128"),
                       ("10.0.0.1/8", "bits are set beyond the prefix length")):
        p = hb("run", "--allow-ip", value, "touch", marker)
        expect_eq(p.returncode, 125, f"--allow-ip {value}")
        expect(f"--allow-ip {value}: {why}" in p.stderr, f"names flag, value, why: {p.stderr!r}")
        expect(not os.path.exists(marker), "nothing started")
    for flag, value, why in (("--allow-domain", "*.example.com", "expected a domain name"),
                             ("--allow-unix", "relative.sock", "expected the absolute path")):
        p = hb("run", flag, value, "touch", marker)
        expect_eq(p.returncode, 125, f"{flag} {value}")
        expect(f"{flag} {value}: {why}" in p.stderr, f"names flag, value, why: {p.stderr!r}")
        expect(not os.path.exists(marker), "nothing started")


@case("net")
def metadata_denied_whatever_is_allowed():
    acts = ["connect 169.254.169.254 80", "connect 169.254.170.2 80",
            "connect 100.100.100.200 80", "connect ::ffff:169.254.169.254 80",
            "connect fd00:ec2::254 80", "sendto 169.254.169.254 53",
            "connect 169.254.170.23 80", "connect fd00:ec2::23 80", "connect 169.254.0.23 80",
            "connect 168.63.129.16 80", "connect 192.0.0.192 80", "connect fd20:ce::254 80",
            "connect 169.254.42.42 80",
            "connect 169.254.1.1 80", "connect fd00:ec2::253 80", "connect 168.63.129.17 80"]
    got, p = tokens(["--trace", "--allow-ip", "169.254.0.0/16", "--allow-ip", "100.64.0.0/10",
                     "--allow-ip", "168.63.0.0/16", "--allow-ip", "192.0.0.0/24",
                     "--allow-ip", "::/0"], *acts)
    expect_tokens(got, ["EPERM"] * 13 + ["!EPERM"] * 3, "metadata vs. its neighbours")
    expect("blocked connect 169.254.169.254:80 (pid " in p.stderr and
           "cloud metadata endpoint" in p.stderr, f"trace: {p.stderr!r}")


# --- unix sockets, bind and listen ----------------------------------------

@case("net")
def unix_sockets():
    acts = [f"unix_connect {UNIX_STREAM}", f"unix_sendto {UNIX_DGRAM}",
            f"unix_connect {UNIX_ABSTRACT}", "socketpair"]
    got, p = tokens(["--no-network", "--trace"], *acts)
    expect_tokens(got, ["EPERM", "EPERM", "EPERM", "ok"], "--no-network")
    expect(f"blocked unix {UNIX_STREAM} (pid " in p.stderr and
           f"blocked unix {UNIX_ABSTRACT} (pid " in p.stderr,
           f"trace names the sockets: {p.stderr!r}")
    got, _ = tokens(["--allow-unix", UNIX_STREAM], *acts)
    expect_tokens(got, ["ok", "EPERM", "EPERM", "ok"], "--allow-unix for the stream socket")
    got, _ = tokens(["--allow-unix", UNIX_DGRAM, "--allow-unix", UNIX_STREAM], *acts)
    expect_tokens(got, ["ok", "ok", "EPERM", "ok"], "both pathname sockets allowed")
    got, _ = tokens([], *acts)
    expect_tokens(got, ["ok"] * 4, "no guard")
    for value, why in (("/nonexistent.sock", "No such file or directory"),
                       ("/etc/passwd", "not a unix socket")):
        p = hb("run", "--allow-unix", value, "true")
        expect_eq(p.returncode, 125, f"--allow-unix {value}")
        expect(f"--allow-unix {value}: {why}" in p.stderr, f"says why: {p.stderr!r}")


@case("net")
def bind_only_loopback():
    acts = ["bind 127.0.0.1 0", "bind ::1 0", "bind ::ffff:127.0.0.1 0", "listen_loopback",
            "bind 0.0.0.0 0", "bind :: 0", "bind 192.0.2.1 0"]
    got, p = tokens(["--no-network", "--trace"], *acts)
    expect_tokens(got, ["ok"] * 4 + ["EPERM"] * 3, "--no-network")
    expect("blocked bind 0.0.0.0:0 (pid " in p.stderr, f"trace: {p.stderr!r}")
    got, _ = tokens([], *acts)
    expect_tokens(got, ["ok"] * 6 + ["EADDRNOTAVAIL"], "no guard")


@case("tierA")
def listen_without_bind():
    got, _ = tokens(["--no-network"], "listen_unbound", "listen_loopback")
    expect_tokens(got, ["EPERM", "ok"], "listen() would bind the wildcard address")
    got, _ = tokens([], "listen_unbound")
    expect_tokens(got, ["ok"], "no guard")


@case("net")
def io_uring_connect():
    helper = os.environ.get("HB_URING", os.path.join(HERE, "uring_connect"))
    want = "connect:EPERM" if TIER == "BPF-LSM" else "setup:EPERM"
    p = hb("run", "--no-network", helper, "127.0.0.1", str(TCP4.port), env=TESTER)
    expect_eq(p.stdout.strip(), want, f"io_uring connect under --no-network ({TIER})")
    p = hb("run", helper, "127.0.0.1", str(TCP4.port), env=TESTER)
    expect_eq(p.stdout.strip(), "ok", "io_uring connect without a guard")


# --- --allow-domain: the DNS proxy ---------------------------------------

@case("net")
def allow_domain_names():
    d = ANY4.port
    acts = ["lookup example.com", f"connect 127.0.0.10 {d}",
            "lookup API.Example.COM.", f"connect 127.0.0.11 {d}",
            "lookup badexample.com", f"connect 127.0.0.12 {d}",
            "lookup cname.example.com", f"connect 127.0.0.13 {d}",
            "lookup big.example.com", f"connect 127.0.1.40 {d}",
            "lookup v6.example.com 6", f"connect ::1 {TCP6.port}",
            "lookup metadata.google.internal", "lookup nonexistent.example.com"]
    got, p = tokens(["--trace", "--allow-domain", "example.com", "--allow-domain",
                     "google.internal"], *acts, dns=True)
    expect_tokens(got, ["127.0.0.10/1", "ok", "127.0.0.11/1", "ok", "gaierror", "EPERM",
                        "127.0.0.13/1", "ok", "127.0.1.1/40", "ok", "::1/1", "ok",
                        "gaierror", "gaierror"], "--allow-domain example.com")
    for line in ("blocked DNS(badexample.com) (pid ", "blocked DNS(metadata.google.internal) (pid ",
                 f"blocked connect 127.0.0.12:{d} (pid "):
        expect(line in p.stderr, f"trace has {line!r}: {p.stderr!r}")
    expect(re.search(r"blocked DNS\(badexample\.com\) \(pid \d+ python3\): "
                     r"name not in --allow-domain", p.stderr), "the DNS line names pid and comm")
    # Without the domain, DNS itself is network: the lookup fails, and so
    # does a connect to the address it would have given.
    got, p = tokens(["--no-network", "--trace"], "lookup example.com", f"connect 127.0.0.10 {d}",
                    dns=True)
    expect_tokens(got, ["gaierror", "EPERM"], "--no-network")
    expect(f"{DNS_ADDR}:53 (pid " in p.stderr, f"the DNS query was blocked: {p.stderr!r}")
    got, _ = tokens([], "lookup example.com", "lookup badexample.com", dns=True)
    expect_tokens(got, ["127.0.0.10/1", "127.0.0.12/1"], "no guard")


@case("net")
def allow_domain_http_and_https():
    cafile = os.path.join(HERE, "tls/cert.pem")
    acts = [f"fetch http://api.example.com:{HTTP_PORT}/",
            f"fetch https://api.example.com:{HTTPS_PORT}/ {cafile}",
            f"fetch http://badexample.com:{HTTP_PORT}/"]
    got, _ = tokens(["--allow-domain", "example.com"], *acts, dns=True)
    expect_tokens(got, ["ok", "ok", "gaierror"], "urllib through the proxy, TLS included")
    # The address is reachable only once the proxy answered it.
    got, _ = tokens(["--allow-domain", "example.com"], f"fetch http://127.0.0.11:{HTTP_PORT}/",
                    dns=True)
    expect_tokens(got, ["EPERM"], "the IP before any lookup")
    got, _ = tokens([], *acts[:2], dns=True)
    expect_tokens(got, ["ok", "ok"], "no guard")


import fs_cases  # noqa: registers the filesystem guard's cases
import tier_b_cases  # noqa: registers tier B's Landlock cases and doctor's
import audit_cases  # noqa: registers --audit's and event accounting's cases
import event_cases  # noqa: registers the JSON trace, trace file and summary cases
import fault_cases  # noqa: registers the faults and load cases (spec/faults.md)
import agent_cases  # noqa: registers the host-wide agent cases (spec/agent.md)
import agent_warm_cases  # noqa: registers the warm run cases (spec/agent.md)
import agent_recreate_cases  # noqa: registers the agent's re-created cgroup cases
import agent_crash_cases  # noqa: registers kill -9 of the agent under load
import deploy_cases  # noqa: registers the shipped example policies
import agent_policy_cases  # noqa: registers policy apply/show/clear and trace (spec/agent-commands.md)
import agent_unpriv_cases  # noqa: registers run without root through the agent
import seal_cases  # noqa: registers the seal's escape attempts (spec/threat-model.md)
import output_cases  # noqa: registers output files opened as the user, fail-open inputs
import tierb_seal_cases  # noqa: registers tier B's seal: Landlock scopes, terminal ioctls
import net_route_cases  # noqa: registers routes, ping sockets and autobind (spec/network.md)
import bind_cases  # noqa: registers --allow-bind: serving a port beyond loopback (spec/network.md)
import userns_cases  # noqa: registers tier B against user namespaces and re-pointed paths
import agent_quota_cases  # noqa: registers the unprivileged CONFINE attack cases (pid reuse, quotas)
import native_memory_cases  # noqa: registers --block-native against its siblings (spec/exec.md)
import proc_cases  # noqa: registers /proc across the sandbox boundary (--no-env, read roots)
import report_cases  # noqa: registers what tier B reports: no-socket connects, repeats, unseen kinds
import cli_edge_cases  # noqa: registers help, repeated options, trace to a pipe, sudo's env
import report_seen_cases  # noqa: registers tier B's reported seccomp denials and dropped packets
import tierb_progs_cases  # noqa: registers tier B's programs shared by the boot's runs
import audit_tierb_cases  # noqa: registers --audit and learn in tier B (spec/audit.md)
import agent_tierb_cases  # noqa: registers the agent without BPF-LSM (tier B, spec/agent.md)
import flood_cases  # noqa: registers a flood of denials against their readers (loader/ring_pass.h)
import agent_domain_cases  # noqa: registers allow-domain in the agent's policies (spec/agent.md)
import agent_tierb_run_cases  # noqa: registers a user's run through a tier B agent
import agent_audit_cases  # noqa: registers the agent's audit policies (spec/agent.md)


def stop_stray_agents():
    """After a failed case: an agent it left running would fail every later
    agent case with "another agent is running"; stop it and unload its pins."""
    stray = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if len(argv) > 1 and argv[0].endswith(b"hermetic-bpf") and argv[1] == b"agent":
            stray.append(int(pid))
    for pid in stray:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in stray:
        while alive(pid):
            time.sleep(0.05)
    if stray:
        hb("agent", "--unload", env={})
    return stray


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--group", default="lsm")
    ap.add_argument("names", nargs="*")
    opts = ap.parse_args()
    global TIER, LANDLOCK_ABI, FS_TIER, EXEC_TIER
    TIER = expected_tier(opts.group)
    LANDLOCK_ABI = landlock_abi()
    FS_TIER, EXEC_TIER = expected_landlock_tiers(opts.group, LANDLOCK_ABI)
    GUARD_SETS[:] = [(), ("--no-network",)] if TIER else [()]
    if TIER == "cgroup-bpf":
        ROOT.append("--allow-partial")
        DEFAULT_ENV.update(TESTER)
    start_listeners()
    dns = start_dns()
    passed = failed = 0
    selected = [fn for tags, fn in CASES if all(TAG_PASSES[t](opts.group) for t in tags) and
                (not opts.names or fn.__name__ in opts.names)]
    print(f"# group {opts.group}, kernel {os.uname().release}, "
          f"network guard expected from: {TIER or 'nothing (refused)'}, "
          f"files: {FS_TIER or 'nothing'}, exec: {EXEC_TIER or 'nothing'} "
          f"(Landlock ABI {LANDLOCK_ABI})", flush=True)
    for n, fn in enumerate(selected, 1):
        t0 = time.time()
        try:
            fn()
            verdict = "OK"
            passed += 1
        except Exception as e:  # a crash in a case is a failure, not an abort
            detail = str(e) if isinstance(e, Fail) else traceback.format_exc()
            verdict = f"FAIL ({detail.strip()})"
            failed += 1
            stray = stop_stray_agents()
            if stray:
                verdict += f" (stopped the agent it left running: {stray})"
        print(f"#{n} {fn.__name__}: {verdict} [{time.time() - t0:.1f}s]", flush=True)
    dns.kill()
    print(f"{passed} passed, {failed} failed", flush=True)


if __name__ == "__main__":
    main()
