# SPDX-License-Identifier: GPL-2.0-only
"""The seal's cases (spec/threat-model.md): ways out of a sandbox that the
kernel offers beside the obvious ones, each tried as root inside (and as
a user where a user could), with the neighbour that must keep working."""
import os
import shutil
import subprocess
import tempfile
import time

from cases import (CGROOT, PY, PROBE, ROOT, TESTER, case, expect, expect_eq, expect_tokens)
import cases

SEAL = os.path.join(os.path.dirname(PROBE), "sealprobe.py")


def stokens(flags, *actions, env=TESTER, dns=False):
    """sealprobe multi ACTION...: one token per action, and the process."""
    return cases.ptokens(flags, *actions, env=env, probe=SEAL, dns=dns)


class Sysctl:
    """A sysctl set for one case, put back after it (absent: left alone)."""

    def __init__(self, name, value):
        self.path = "/proc/sys/" + name.replace(".", "/")
        self.value = value

    def __enter__(self):
        self.old = None
        if os.path.exists(self.path):
            with open(self.path) as f:
                self.old = f.read()
            with open(self.path, "w") as f:
                f.write(self.value)
        return self

    def __exit__(self, *exc):
        if self.old is not None:
            with open(self.path, "w") as f:
                f.write(self.old)


def outside_target(as_tester):
    """A process outside every sandbox that notes each SIGIO and SIGURG it
    gets in a file: (process, file)."""
    mark = f"/tmp/hb-sig-{time.time_ns()}"
    open(mark, "w").close()
    os.chmod(mark, 0o666)
    script = ("import os, signal, sys, time\n"
              "def note(sig, _):\n"
              "    with open(sys.argv[1], 'a') as f: f.write(str(sig) + ' ')\n"
              "signal.signal(signal.SIGIO, note)\n"
              "signal.signal(signal.SIGURG, note)\n"
              "print('ready', flush=True)\n"
              "for _ in range(600): time.sleep(0.1)\n")
    user = (lambda: (os.setgid(1000), os.setuid(1000))) if as_tester else None
    p = subprocess.Popen([PY, "-c", script, mark], stdout=subprocess.PIPE, text=True,
                         preexec_fn=user)
    expect_eq(p.stdout.readline().strip(), "ready", "the outside target started")
    return p, mark


# --- leaving the cgroup, or pulling others in ---------------------------

@case("tierA")
def seal_clone3_into_cgroup():
    # Root inside clones a child straight into the root cgroup: refused,
    # while a child cloned into a cgroup of the sandbox's own is made, and
    # stays confined; moving itself within its subtree works too.
    port = cases.TCP4.port
    mark = cases.TCP4.mark()
    got, _ = stokens(ROOT + ["--no-network"], f"clone3_out {CGROOT} 127.0.0.1 {port}",
                     f"clone3_sub {CGROOT} 127.0.0.1 {port}", f"move_self_sub {CGROOT}",
                     f"connect 127.0.0.1 {port}", env=None)
    expect_tokens(got, ["EPERM", "confined", "moved", "EPERM"], "clone3(CLONE_INTO_CGROUP)")
    expect_eq(cases.TCP4.since(mark, wait=0.3), [], "connections that got out")
    # The same as a user, under --no-subprocess alone.
    got, _ = stokens(["--no-subprocess"], f"clone3_out {CGROOT} 127.0.0.1 {port}",
                     f"clone3_sub {CGROOT} 127.0.0.1 {port}")
    expect(got[0] in ("EPERM", "EACCES") and got[1] != "escaped", f"as a user: {got}")
    # Outside every sandbox the probe does get out (the attempt is real).
    got, _ = stokens([], f"clone3_out {CGROOT} 127.0.0.1 {port}", env=None)
    expect_tokens(got, ["escaped"], "clone3 into the root cgroup without a sandbox")


@case("tierA")
def seal_pull_in_outside_process():
    # Root inside writes the pid of a process outside into its own
    # cgroup: refused, for PID 1 too; the outside process stays where it is.
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        with open(f"/proc/{sleeper.pid}/cgroup") as f:
            before = f.read()
        got, p = stokens(ROOT + ["--no-network", "--trace"], f"pull_in {CGROOT} {sleeper.pid}",
                         f"pull_in {CGROOT} 1", f"move_self_sub {CGROOT}", env=None)
        expect_tokens(got, ["EPERM", "EPERM", "moved"], "pulling outside processes in")
        with open(f"/proc/{sleeper.pid}/cgroup") as f:
            expect_eq(f.read(), before, "the outside process's cgroup")
        with open("/proc/1/cgroup") as f:
            expect("hermetic-bpf" not in f.read(), "PID 1 stayed out")
        expect("blocked write path=cgroup.procs" in p.stderr, f"reported: {p.stderr!r}")
    finally:
        sleeper.kill()
        sleeper.wait()


# --- signals through a descriptor's owner -------------------------------

def sigio_round(flags, env, as_tester):
    target, mark = outside_target(as_tester)
    try:
        got, p = stokens(flags + ["--no-network", "--trace"], f"sigio {target.pid}",
                         f"sigurg {target.pid}", "sig_own_child io", "sig_own_child urg",
                         env=env)
        expect_tokens(got, ["sent", "sent", "got-i", "got-u"], "SIGIO and SIGURG")
        time.sleep(0.2)
        with open(mark) as f:
            expect_eq(f.read(), "", "signals the outside process got")
        expect(target.poll() is None, "the outside process lives")
        expect(f"blocked kill pid {target.pid} signal 29" in p.stderr,
               f"the SIGIO reported: {p.stderr!r}")
    finally:
        target.kill()
        target.wait()
        os.unlink(mark)


@case("tierA")
def seal_sigio_to_outside():
    sigio_round(ROOT, None, as_tester=False)
    sigio_round([], cases.TESTER, as_tester=True)
    # Without a sandbox the same probe does reach the target.
    target, mark = outside_target(as_tester=False)
    try:
        got, _ = stokens([], f"sigio {target.pid}", f"sigurg {target.pid}", env=None)
        expect_tokens(got, ["sent", "sent"], "without a sandbox")
        time.sleep(0.2)
        with open(mark) as f:
            expect_eq(sorted(set(f.read().split())), ["23", "29"], "signals delivered outside")
    finally:
        target.kill()
        target.wait()
        os.unlink(mark)


# --- terminals ----------------------------------------------------------

def ensure_devpts():
    """The guest's /dev is a bare devtmpfs: pseudo-terminals need devpts."""
    if not os.path.exists("/dev/pts/ptmx"):
        os.makedirs("/dev/pts", exist_ok=True)
        subprocess.run(["mount", "-t", "devpts", "-o", "ptmxmode=0666", "devpts", "/dev/pts"],
                       check=True)
        if not os.path.exists("/dev/ptmx"):
            os.symlink("pts/ptmx", "/dev/ptmx")


@case("tierA")
def seal_terminal_injection():
    ensure_devpts()
    master, slave = os.openpty()
    tty = os.ttyname(slave)
    os.chown(tty, 1000, 1000)
    try:
        with Sysctl("dev.tty.legacy_tiocsti", "1"):
            got, p = stokens(["--no-network", "--trace"], f"tiocsti {tty}", f"tty_works {tty}")
            expect_tokens(got, ["EPERM", "ok"], "TIOCSTI into the command's own terminal")
            expect("blocked ioctl TIOCSTI (pid " in p.stderr, f"reported: {p.stderr!r}")
            got, _ = stokens(ROOT + ["--no-subprocess"], f"tiocsti {tty}", f"tty_works {tty}",
                             env=None)
            expect_tokens(got, ["EPERM", "ok"], "TIOCSTI as root")
            got, _ = stokens([], f"tiocsti {tty}")
            expect_tokens(got, ["ok"], "TIOCSTI without a sandbox")
    finally:
        os.close(master)
        os.close(slave)


# --- perf ---------------------------------------------------------------

@case("tierA")
def seal_perf_beyond_the_sandbox():
    # With every perf access open to everybody (paranoid -1), root inside
    # still gets neither a CPU's events, nor the kernel's, nor PID 1's;
    # counting itself works.
    with Sysctl("kernel.perf_event_paranoid", "-1"):
        got, p = stokens(ROOT + ["--no-network", "--trace"], "perf_cpu", "perf_kernel",
                         "perf_pid 1", "perf_self", env=None)
        expect_tokens(got, ["EPERM", "EPERM", "EPERM", "ok"], "perf_event_open as root")
        expect("blocked perf_event_open every task on a CPU (pid " in p.stderr and
               "blocked perf_event_open pid 1 (pid " in p.stderr, f"reported: {p.stderr!r}")
        got, _ = stokens(["--no-network"], "perf_cpu", "perf_self")
        expect_tokens(got, ["EPERM", "ok"], "perf_event_open as a user")
        got, _ = stokens([], "perf_cpu", "perf_kernel", "perf_pid 1", "perf_self", env=None)
        expect_tokens(got, ["ok", "ok", "ok", "ok"], "without a sandbox")


# --- capabilities of a root command -------------------------------------

@case("tierA")
def seal_capabilities_allow_list():
    port = cases.TCP4.port
    got, p = stokens(ROOT + ["--no-network", "--trace"], "set_mtu lo 65536", "sethostname",
                     "unshare", "mknod_dev /tmp/hb-kmsg", "chown_tmp", "userns_netns",
                     "mount_setattr /", f"connect 127.0.0.1 {port}", env=None)
    expect_tokens(got, ["EPERM", "EPERM", "EPERM", "EPERM", "ok", "ok", "EPERM", "EPERM"],
                  "capabilities of a root command")
    expect("blocked capability CAP_NET_ADMIN (pid " in p.stderr and
           "blocked capability CAP_SYS_ADMIN (pid " in p.stderr, f"reported: {p.stderr!r}")
    got, _ = stokens([], "set_mtu lo 65536", "sethostname", "mknod_dev /tmp/hb-kmsg",
                     "chown_tmp", "mount_setattr /", env=None)
    expect_tokens(got, ["ok", "ok", "ok", "ok", "ok"], "without a sandbox")


# --- the kernel's other filesystems, as root ----------------------------

def tracefs():
    """Where tracefs is mounted, mounting it if the guest has not."""
    t = cases.mount_of("tracefs", None)
    if t is None:
        t = "/sys/kernel/tracing"
        subprocess.run(["mount", "-t", "tracefs", "tracefs", t], check=True)
    return t


@case("tierA")
def seal_kernel_filesystems_as_root():
    # Root inside changes no entry in bpffs (pins), nor in any kernel
    # interface that is not a data filesystem (a tracefs instance here;
    # binfmt_misc and configfs alike, which the guest lacks), while data
    # filesystems work as before.
    bpffs = os.path.dirname(cases.pinroot())
    if not os.path.ismount(bpffs):
        subprocess.run(["mount", "-t", "bpf", "bpf", bpffs], check=True)
    inst = os.path.join(tracefs(), "instances", "hb-x")
    got, p = stokens(ROOT + ["--no-network", "--trace"], f"mkdir_rm {bpffs}/hb-x",
                     f"symlink_rm {bpffs}/hb-l", f"mkdir_rm {inst}", "mkdir_rm /tmp/hb-x",
                     "symlink_rm /tmp/hb-l", "mkfifo_rm /tmp/hb-f", "write /dev/null x",
                     "pidfd_self", env=None)
    expect_tokens(got, ["EPERM", "EPERM", "EPERM", "ok", "ok", "ok", "ok", "ok"],
                  "directory changes as root")
    expect("blocked directory change path=hb-x (pid " in p.stderr, f"reported: {p.stderr!r}")
    made = [x for x in (inst, f"{bpffs}/hb-x", f"{bpffs}/hb-l") if os.path.lexists(x)]
    for x in made:
        (os.rmdir if os.path.isdir(x) and not os.path.islink(x) else os.unlink)(x)
    expect(not made, f"entries made in kernel filesystems: {made}")
    got, _ = stokens([], f"mkdir_rm {bpffs}/hb-x", f"mkdir_rm {inst}", env=None)
    expect_tokens(got, ["ok", "ok"], "without a sandbox")


# --- privilege at exec, where nothing set no_new_privs -------------------

SETID = r"""
import errno, os, sys
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(w)
    os.read(r, 1)
    with open("/proc/self/cgroup") as f:
        where = f.read().strip()
    try:
        os.execv(sys.argv[1], [sys.argv[1], "-c", "import os; print('euid', os.geteuid())"])
    except OSError as e:
        print(where, "exec", errno.errorcode[e.errno], flush=True)
    os._exit(0)
os.close(r)
if len(sys.argv) > 2:
    # The sandbox lives as long as the connection: kept open till the end.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(SOCK)
    socket.send_fds(s, [req(body=b"--no-network\0true\0")], [os.pidfd_open(pid)])
    s.settimeout(30)
    ans = s.recv(4096)
    print("answer", struct.unpack("IIq", ans[:16])[2], flush=True)
os.write(w, b"x")
os.waitpid(pid, 0)
"""


@case("tierA")
def seal_no_privilege_gain_at_exec():
    # The agent's unprivileged client sets no_new_privs on its own child;
    # a client that does not gets a child in a sandbox whose setuid
    # programs still run without their privilege: the exec is refused.
    from agent_unpriv_cases import RAW, USER
    from agent_warm_cases import Started

    d = tempfile.mkdtemp()
    os.chmod(d, 0o755)
    suid = os.path.join(d, "python3-suid")
    shutil.copy(os.path.realpath(PY), suid)
    os.chmod(suid, 0o4755)
    script = RAW.split("out = []")[0] + SETID
    try:
        # Outside a sandbox the program does run as root (the test is real).
        p = subprocess.run([PY, "-c", script, suid], capture_output=True, text=True,
                           timeout=60, **USER)
        expect("euid 0" in p.stdout, f"setuid outside a sandbox: {p.stdout!r} {p.stderr!r}")
        with Started():
            p = subprocess.run([PY, "-c", script, suid, "confine"], capture_output=True,
                               text=True, timeout=60, **USER)
            lines = p.stdout.splitlines()
            expect(len(lines) == 2 and lines[0].startswith("answer 0") and
                   "/hermetic-bpf/" in lines[1] and lines[1].endswith("exec EPERM"),
                   f"setuid inside: {p.stdout!r} {p.stderr!r}")
            # Its neighbour: the same program without the bit runs, as the user.
            os.chmod(suid, 0o755)
            p = subprocess.run([PY, "-c", script, suid, "confine"], capture_output=True,
                               text=True, timeout=60, **USER)
            expect(p.stdout.splitlines()[-1:] == ["euid 1000"],
                   f"the same program without setuid: {p.stdout!r} {p.stderr!r}")
    finally:
        shutil.rmtree(d)


# --- relays: a service outside that acts on the command's behalf --------

@case("exec")
def relays_need_the_network_guard():
    # A daemon outside that runs programs on request (systemd --user over
    # D-Bus, a tmux server) is reached over a unix socket: --no-subprocess
    # confines the sandbox's own processes, not such a service, and says
    # so (spec/threat-model.md); with --no-network (block-all has it) the
    # socket is denied. The test's unix server stands in for the relay.
    path, abstract = cases.UNIX_STREAM, cases.UNIX_ABSTRACT
    got, _ = stokens(["--no-subprocess"], f"unix_connect {path}", f"unix_connect {abstract}",
                     "run_true")
    # (Tier B's Landlock domain scopes abstract sockets from ABI 6 on.)
    expect(got[0] == "ok" and got[1] in ("ok", "EPERM") and got[2] == "EPERM",
           f"--no-subprocess alone: the relay is reachable: {got}")
    if cases.TIER is None:  # no network guard on this kernel: refused, checked elsewhere
        return
    got, _ = stokens(["--no-subprocess", "--no-network"], f"unix_connect {path}",
                     f"unix_connect {abstract}", "run_true")
    expect_tokens(got, ["EPERM", "EPERM", "EPERM"], "with --no-network: no relay")
    if cases.TIER == "BPF-LSM":  # block-all's --block-native needs BPF-LSM
        got, _ = stokens(["--profile", "block-all"], f"unix_connect {path}")
        expect_tokens(got, ["EPERM"], "block-all")
    # An --allow-unix socket is the user's explicit choice of relay.
    got, _ = stokens(["--no-subprocess", "--no-network", "--allow-unix", path],
                     f"unix_connect {path}")
    expect_tokens(got, ["ok"], "--allow-unix")


# --- --fs-readonly: attribute changes through ioctl ----------------------

@case("tierA")
def fs_readonly_denies_attribute_ioctls():
    d = cases.shared_tmpdir()
    try:
        w = os.path.join(d, "w")
        os.makedirs(w)
        os.chown(w, 1000, 1000)
        inside, outside = os.path.join(w, "f"), os.path.join(d, "f")
        for f in (inside, outside):
            open(f, "w").close()
            os.chown(f, 1000, 1000)
        got, p = stokens(["--fs-readonly", "--allow-write", w, "--trace"],
                         f"chattr_nodump {outside}", f"chattr_nodump {inside}")
        expect_tokens(got, ["EROFS", "ok"], "FS_IOC_SETFLAGS under --fs-readonly")
        expect(f"blocked setattr path={outside} (pid " in p.stderr, f"reported: {p.stderr!r}")
        got, _ = stokens(["--no-network"], f"chattr_nodump {outside}")
        expect_tokens(got, ["ok"], "without --fs-readonly")
    finally:
        shutil.rmtree(d)


# --- a sandbox inside a subtree delegated to its user --------------------

def delegated(path):
    """A cgroup owned by tester, as systemd delegates user@.service."""
    os.makedirs(path, exist_ok=True)
    for f in ("", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control"):
        os.chown(os.path.join(path, f), 1000, 1000)


def tester_in(cgroup, argv):
    """A process of tester's, placed in @cgroup before it goes on (it
    waits for a line on stdin): the Popen."""
    p = subprocess.Popen(["sh", "-c", 'read x; exec "$@"', "sh", *argv], user=1000, group=1000,
                         extra_groups=[], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
        f.write(str(p.pid))
    return p


@case("tierA")
def seal_delegated_subtree():
    # The user owns /hbdeleg (a delegated subtree), and the agent confines
    # /hbdeleg/job. The kernel lets the user move tasks anywhere below
    # /hbdeleg; the seal keeps the job's tasks in the job, and keeps the
    # user's other tasks out of it.
    from agent_warm_cases import Started

    top = os.path.join(CGROOT, "hbdeleg")
    job, other = os.path.join(top, "job"), os.path.join(top, "other")
    port = cases.TCP4.port
    procs = []
    try:
        for d in (top, job, other):
            delegated(d)
        with Started():
            q = tester_in(other, ["sleep", "60"])
            procs.append(q)
            q.stdin.write("go\n")
            q.stdin.flush()
            p = tester_in(job, [PY, SEAL, "multi", f"clone3_out {other} 127.0.0.1 {port}",
                                f"pull_in {CGROOT} {q.pid}", f"move_out {other}",
                                f"clone3_sub {CGROOT} 127.0.0.1 {port}"])
            procs.append(p)
            a = cases.hb("policy", "apply", "--cgroup", "/hbdeleg/job", "--no-network")
            expect_eq(a.returncode, 0, f"policy apply: {a.stderr}")
            out, _ = p.communicate("go\n", timeout=60)
            expect_tokens(out.split(), ["EPERM", "EPERM", "EPERM", "confined"],
                          "leaving the job, or pulling the user's own process in")
            with open(f"/proc/{q.pid}/cgroup") as f:
                expect(f.read().strip().endswith("/hbdeleg/other"), "the other task stayed")
            cases.hb("policy", "clear", "--cgroup", "/hbdeleg/job")
            # Without the policy the user may do all of it (the test is real).
            p = tester_in(job, [PY, SEAL, "multi", f"clone3_out {other} 127.0.0.1 {port}"])
            out, _ = p.communicate("go\n", timeout=60)
            expect_tokens(out.split(), ["escaped"], "without a policy")
    finally:
        for p in procs:
            p.kill()
            p.wait()
        for d in (os.path.join(job, "hb-sub"), job, other, top):
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)


# --- the DNS proxy forwards the question alone ---------------------------

@case("net")
def dns_proxy_forwards_the_question_alone():
    # A query for an allowed name carrying a TXT record of the client's:
    # answered, but what reaches the upstream is the question alone.
    secret = "exfiltrated-secret".encode().hex()
    open(cases.DNS_LOG, "w").close()
    got, _ = stokens(["--allow-domain", "example.com"], f"dns_extra {cases.DNS_ADDR} example.com",
                     dns=True)
    expect_tokens(got, ["answered"], "an allowed name's answer")
    with open(cases.DNS_LOG) as f:
        seen = f.read().split()
    expect(seen and not any(secret in q for q in seen),
           f"the upstream got the question alone: {seen}")
    # Without the proxy the same message reaches the server whole (the
    # probe really carries the record).
    open(cases.DNS_LOG, "w").close()
    got, _ = stokens([], f"dns_extra {cases.DNS_ADDR} example.com", dns=True)
    with open(cases.DNS_LOG) as f:
        expect(secret in f.read(), "the record reaches a server without the proxy")
