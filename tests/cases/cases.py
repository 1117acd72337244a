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
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HB = os.environ.get("HB_BIN", "/usr/sbin/hermetic-bpf")
PY = os.environ.get("HB_PYTHON", "/usr/bin/python3")
PROBE = os.environ.get("HB_PROBE", "/e2e/netprobe.py")
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

# Guard flags the group's kernel can enforce: cases that check the launcher
# itself run with each of them, and without.
GUARDS = {"lsm": [(), ("--no-network",)], "lsmoff": [()], "native": [()]}
GUARD_SETS = [()]

CASES = []


def case(*groups):
    def register(fn):
        CASES.append((groups or ("lsm",), fn))
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

    def __init__(self, family, kind):
        host = "127.0.0.1" if family == socket.AF_INET else "::1"
        self.sock = socket.socket(family, kind)
        self.sock.bind((host, 0))
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


TCP4 = TCP6 = UDP4 = UDP6 = None


def start_listeners():
    global TCP4, TCP6, UDP4, UDP6
    TCP4 = Listener(socket.AF_INET, socket.SOCK_STREAM)
    TCP6 = Listener(socket.AF_INET6, socket.SOCK_STREAM)
    UDP4 = Listener(socket.AF_INET, socket.SOCK_DGRAM)
    UDP6 = Listener(socket.AF_INET6, socket.SOCK_DGRAM)


# --- running hermetic-bpf ------------------------------------------------

def hb(*args, env=None, timeout=120, stdin=subprocess.DEVNULL):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([HB, *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, stdin=stdin)


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
    """Sandbox cgroups and pin directories that still exist."""
    cg = [d for d in os.listdir(os.path.join(CGROOT, "hermetic-bpf"))
          if d.startswith("run-")] if os.path.isdir(os.path.join(CGROOT, "hermetic-bpf")) else []
    pins = os.listdir(pinroot()) if os.path.isdir(pinroot()) else []
    return cg, pins


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

@case()
def tcp4_connect():
    denied_and_allowed("connect", TCP4.host, TCP4.port, TCP4)


@case()
def tcp6_connect():
    denied_and_allowed("connect", TCP6.host, TCP6.port, TCP6)


@case()
def tcp_v4_mapped_connect():
    denied_and_allowed("connect", "::ffff:127.0.0.1", TCP4.port, TCP4)


@case()
def connect_ex_returns_errno():
    denied_and_allowed("connect_ex", TCP4.host, TCP4.port, TCP4)


@case()
def tcp_fast_open():
    denied_and_allowed("fastopen", TCP4.host, TCP4.port, TCP4)


@case()
def ctypes_libc_connect():
    denied_and_allowed("ctypes_connect", TCP4.host, TCP4.port, TCP4)


@case()
def raw_syscall_connect():
    denied_and_allowed("syscall_connect", TCP6.host, TCP6.port, TCP6)


# --- the guard: addressed sends -----------------------------------------

@case()
def udp4_sendto():
    denied_and_allowed("sendto", UDP4.host, UDP4.port, UDP4)


@case()
def udp6_sendto():
    denied_and_allowed("sendto", UDP6.host, UDP6.port, UDP6)


@case()
def udp_sendmsg():
    denied_and_allowed("sendmsg", UDP4.host, UDP4.port, UDP4)


@case()
def udp_sendmmsg():
    denied_and_allowed("sendmmsg", UDP6.host, UDP6.port, UDP6)


@case()
def udp_sendto_af_unspec():
    mark = UDP4.mark()
    token, _ = run_probe("unspec_sendto", str(UDP4.port), env=TESTER)
    expect_eq(token, "EPERM", "sendto with an AF_UNSPEC destination")
    token, _ = run_probe("unspec_sendto", str(UDP4.port), guard=False, env=TESTER)
    expect_eq(token, "ok", "the same without a guard")
    expect(UDP4.since(mark) != [], "the unguarded datagram arrived")


# --- what --no-network leaves alone ---------------------------------------

@case()
def local_ipc_still_works():
    for action in (["socketpair"], ["resolve", "localhost"], ["udp_disconnect"],
                   ["socket", "1", "1", "0"],      # AF_UNIX stream
                   ["socket", "16", "3", "0"]):    # netlink route
        token, _ = run_probe(*action, env=TESTER)
        expect_eq(token, "ok", f"{' '.join(action)} under --no-network")


@case()
def sockets_that_bypass_connect_are_denied():
    # As root, so that only the guard can say no (not a missing CAP_NET_RAW).
    kinds = {"AF_PACKET raw": ["17", "3", "768"],
             "AF_INET raw ICMP": ["2", "3", "1"],
             "AF_INET6 raw": ["10", "3", "58"]}
    for what, args in kinds.items():
        token, _ = run_probe("socket", *args, flags=["--user", "root"])
        expect_eq(token, "EPERM", f"{what} socket under --no-network")
        token, _ = run_probe("socket", *args, guard=False, flags=["--user", "root"])
        expect_eq(token, "ok", f"{what} socket without a guard")
    # SCTP's connectx bypasses socket_connect; the module is not even
    # loaded here, so the guard's EPERM must come before EPROTONOSUPPORT.
    token, _ = run_probe("socket", "2", "1", "132", flags=["--user", "root"])
    expect_eq(token, "EPERM", "SCTP socket under --no-network")
    token, _ = run_probe("socket", "2", "1", "132", guard=False, flags=["--user", "root"])
    expect(token != "EPERM", f"SCTP without a guard is not EPERM (got {token})")


# --- descendants, other processes, nesting ------------------------------

@case()
def grandchild_busybox_nc():
    script = f"sh -c 'echo grandchild | nc {TCP4.host} {TCP4.port}'"
    mark = TCP4.mark()
    p = hb("run", "--no-network", "sh", "-c", script, env=TESTER)
    expect(p.returncode != 0, f"nc in a grandchild failed (exit {p.returncode})")
    expect("Operation not permitted" in p.stderr, f"nc's error is EPERM: {p.stderr!r}")
    expect_eq(TCP4.since(mark, wait=0.3), [], "data that reached the listener")
    p = hb("run", "sh", "-c", script, env=TESTER)
    expect_eq(p.returncode, 0, "nc in a grandchild without a guard")
    expect(any(b"grandchild" in d for d in TCP4.since(mark)), "nc's data arrived")


@case()
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


@case()
def nested_cgroup_stays_confined():
    # As root: make a child cgroup of the sandbox, move in, then connect.
    script = (
        'cg=/sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup); '
        'mkdir "$cg/inner" && echo $$ > "$cg/inner/cgroup.procs" && '
        f'grep -q "/inner$" /proc/self/cgroup && exec {PY} {PROBE} connect {TCP4.host} {TCP4.port}')
    for guard, want in ((True, "EPERM"), (False, "ok")):
        args = ["run"] + (["--no-network"] if guard else []) + ["--user", "root", "sh", "-c", script]
        p = hb(*args)
        expect_eq(p.stdout.strip(), want, f"connect from a nested cgroup, guard={guard} "
                  f"(stderr {p.stderr.strip()!r})")


@case()
def cannot_move_out_as_user():
    script = (f'echo $$ > {CGROOT}/cgroup.procs; echo moved=$?; '
              f'exec {PY} {PROBE} connect {TCP4.host} {TCP4.port}')
    p = hb("run", "--no-network", "sh", "-c", script, env=TESTER)
    lines = p.stdout.split()
    expect(lines and lines[0] != "moved=0", f"moving to the root cgroup failed: {p.stdout!r}")
    expect_eq(lines[-1] if lines else "", "EPERM", "connect after the attempt")


# --- the launcher: exit codes, users, signals, cleanup ------------------

@case("lsm", "lsmoff", "native")
def exit_status_pass_through():
    for cmd, want in ((["true"], 0), (["sh", "-c", "exit 7"], 7),
                      (["sh", "-c", "kill -KILL $$"], 128 + 9),
                      (["sh", "-c", "kill -TERM $$"], 128 + 15)):
        for guard in GUARD_SETS:
            p = hb("run", *guard, *cmd)
            expect_eq(p.returncode, want, f"exit status of {cmd} {guard}")


@case("lsm", "lsmoff", "native")
def command_not_found_or_not_executable():
    for guard in GUARD_SETS:
        p = hb("run", *guard, "/nonexistent/cmd")
        expect_eq(p.returncode, 127, "a missing command")
        expect("cannot run '/nonexistent/cmd'" in p.stderr, f"says why: {p.stderr!r}")
        p = hb("run", *guard, "/etc/passwd")
        expect_eq(p.returncode, 126, "a file that is not executable")
        p = hb("run", *guard, "no-such-command-on-path")
        expect_eq(p.returncode, 127, "a name not on PATH")
        p = hb("run", *guard, "sh", "-c", "exit 0")
        expect_eq(p.returncode, 0, "a command found on PATH")


@case("lsm", "lsmoff", "native")
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


@case()
def with_and_without_double_dash():
    for sep in ([], ["--"]):
        p = hb("run", "--no-network", *sep, PY, PROBE, "connect", TCP4.host, str(TCP4.port))
        expect_eq(p.stdout.strip(), "EPERM", f"separator {sep}")


@case()
def runs_as_sudo_user():
    token, _ = run_probe("whoami", env=TESTER)
    expect_eq(token, "1000 1000 1000,1001", "uid, gid and groups under sudo")
    token, _ = run_probe("whoami", env=TESTER, flags=["--user", "root"])
    expect_eq(token, "0 0 0", "--user root under sudo")
    token, _ = run_probe("whoami", flags=["--user", "1000"])
    expect_eq(token, "1000 1000 1000,1001", "--user 1000")
    token, _ = run_probe("whoami")
    expect_eq(token.split()[0], "0", "no sudo, no --user: stays root")
    p = hb("run", "--no-network", "grep", "NoNewPrivs", "/proc/self/status", env=TESTER)
    expect_eq(p.stdout.split(), ["NoNewPrivs:", "1"], "no_new_privs is set")


@case("lsm", "lsmoff", "native")
def stdio_pass_through():
    for guard in GUARD_SETS:
        p = subprocess.run([HB, "run", *guard, "cat"], input="through\n",
                           capture_output=True, text=True, timeout=60)
        expect_eq((p.returncode, p.stdout), (0, "through\n"), f"stdin to stdout {guard}")


@case("lsm", "lsmoff", "native")
def signals_are_forwarded():
    code = ("import signal, sys, time\n"
            "signal.signal(signal.SIGTERM, lambda *a: sys.exit(42))\n"
            "print('ready', flush=True)\n"
            "time.sleep(60)\n")
    p = subprocess.Popen([HB, "run", *GUARD_SETS[-1], PY, "-c", code],
                         stdout=subprocess.PIPE, text=True)
    expect_eq(p.stdout.readline().strip(), "ready", "the command started")
    p.send_signal(signal.SIGTERM)
    expect_eq(p.wait(timeout=60), 42, "the command's handler ran and its status came back")


@case("lsm", "lsmoff", "native")
def leftovers_are_killed_and_removed():
    before = leftovers()
    for guard in GUARD_SETS:
        p = hb("run", *guard, "sh", "-c", "sleep 1000 & echo $!")
        pid = int(p.stdout.strip())
        expect_eq(p.returncode, 0, "the command's status")
        expect(not alive(pid), "the background sleep was killed")
        expect_eq(leftovers(), before, "no cgroup or pins left")


@case()
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


@case()
def trace_escapes_hostile_names():
    # comm holds 15 bytes: "x", a newline, then what would forge a line.
    token, p = run_probe("rename_then_connect", r"x\nhermetic-bpf: ok", TCP4.host,
                         str(TCP4.port), flags=["--trace"], env=TESTER)
    expect_eq(token, "EPERM", "the connect")
    lines = [l for l in p.stderr.splitlines() if "enforced by" not in l]
    expect_eq(len(lines), 1, f"one trace line and nothing else in {p.stderr!r}")
    expect(lines[0].endswith(" x\\x0ahermetic-bpf:): network disabled"),
           f"the newline is escaped: {lines[0]!r}")


@case()
def summary_without_trace():
    _, p = run_probe("connect", TCP4.host, str(TCP4.port), env=TESTER)
    expect_eq(p.stderr.strip(), "hermetic-bpf: blocked 1 action (connect 1); "
              "rerun with --trace to see each", "summary line")
    _, p = run_probe("socketpair", env=TESTER)
    expect_eq(p.stderr, "", "nothing blocked, nothing said")


@case()
def verbose_names_the_mechanism():
    p = hb("run", "-v", "--no-network", "true")
    expect_eq(p.returncode, 0, "status")
    expect("--no-network: enforced by BPF-LSM" in p.stderr, f"mechanism: {p.stderr!r}")


@case()
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
    token, _ = run_probe("connect", TCP4.host, str(TCP4.port), guard=False)
    expect_eq(token, "ok", "connect after gc")


@case()
def probe_layers_securityfs_unmounted():
    subprocess.run(["umount", "/sys/kernel/security"], check=True)
    try:
        p = hb("run", "--no-network", "touch", "/tmp/secfs-marker")
    finally:
        subprocess.run(["mount", "-t", "securityfs", "securityfs",
                        "/sys/kernel/security"], check=True)
    expect_eq(p.returncode, 125, "refused")
    expect("securityfs is not mounted" in p.stderr and
           "Hint: mount -t securityfs" in p.stderr, f"says why and how: {p.stderr!r}")
    expect(not os.path.exists("/tmp/secfs-marker"), "the command did not run")
    p = hb("run", "--no-network", "touch", "/tmp/secfs-marker")
    expect(p.returncode == 0 and os.path.exists("/tmp/secfs-marker"),
           "runs once securityfs is back")


# --- a kernel booted without bpf in lsm= ---------------------------------

@case("lsmoff")
def refuses_without_bpf_lsm():
    p = hb("run", "--no-network", "touch", "/tmp/lsmoff-marker")
    expect_eq(p.returncode, 125, "exit status")
    expect("BPF-LSM is not active" in p.stderr, f"says what is missing: {p.stderr!r}")
    expect(re.search(r"^Hint: boot with lsm=\S*,bpf", p.stderr, re.M),
           f"hint names the lsm= line: {p.stderr!r}")
    expect(not os.path.exists("/tmp/lsmoff-marker"), "the command never ran")
    expect_eq(leftovers()[0], [], "no cgroup was left behind")


# --- this project's machines: a kernel that cannot load BPF-LSM ----------

def expect_refusal(p, marker, what):
    expect_eq(p.returncode, 125, f"{what}: exit status")
    expect(re.search(r"^Hint: \S", p.stderr, re.M), f"{what}: a hint in {p.stderr!r}")
    expect(not os.path.exists(marker), f"{what}: the command never ran")


@case("native")
def refuses_no_network_natively():
    marker = tempfile.mktemp()
    before = leftovers()
    p = hb("run", "--no-network", "touch", marker)
    expect_refusal(p, marker, "--no-network here")
    expect_eq(leftovers(), before, "no cgroup was left behind")
    p = hb("run", "touch", marker)
    expect(p.returncode == 0 and os.path.exists(marker), "an unguarded run works")
    os.unlink(marker)


@case("native")
def refusal_names_the_failing_layer():
    # In a private mount namespace, so the host's mounts stay as they are:
    # without securityfs, then with it (where the program load must fail).
    marker = tempfile.mktemp()
    p = subprocess.run(["unshare", "-m", "sh", "-c",
                        "umount -l /sys/kernel/security 2>/dev/null; "
                        f"exec {HB} run --no-network touch {marker}"],
                       capture_output=True, text=True, timeout=60)
    expect_refusal(p, marker, "without securityfs")
    expect("securityfs is not mounted" in p.stderr, f"names securityfs: {p.stderr!r}")
    p = subprocess.run(["unshare", "-m", "sh", "-c",
                        "mountpoint -q /sys/kernel/security || "
                        "mount -t securityfs securityfs /sys/kernel/security; "
                        f"exec {HB} run --no-network touch {marker}"],
                       capture_output=True, text=True, timeout=60)
    expect_refusal(p, marker, "with securityfs")
    expect("BPF-LSM is not active" in p.stderr or
           "a BPF-LSM program cannot be loaded here" in p.stderr,
           f"names the layer: {p.stderr!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--group", default="lsm")
    ap.add_argument("names", nargs="*")
    opts = ap.parse_args()
    GUARD_SETS[:] = GUARDS[opts.group]
    start_listeners()
    passed = failed = 0
    selected = [fn for groups, fn in CASES if opts.group in groups and
                (not opts.names or fn.__name__ in opts.names)]
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
        print(f"#{n} {fn.__name__}: {verdict} [{time.time() - t0:.1f}s]", flush=True)
    print(f"{passed} passed, {failed} failed", flush=True)


if __name__ == "__main__":
    main()
