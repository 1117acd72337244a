# SPDX-License-Identifier: GPL-2.0-only
"""/proc across the sandbox boundary, registered into cases.py like fs_cases.py.

--no-env: nothing below another process's /proc/PID opens (its command
line, status, mounts, network view, descriptors), while the process's own
/proc/self and its children's /proc/PID still do (README, spec/fs.md).
Writing another process's /proc/PID files is denied in every sandbox. A
read root denies /proc/self/net/* (the host's sockets) like /proc/meminfo.
--fs-readonly leaves each process, children included, its own /proc/PID.
Each case asserts the denial with its errno and the allowed neighbour.
"""
import os
import re
import subprocess
import tempfile

import cases as C
from cases import ROOT, TESTER, Fail, case, expect, expect_eq, hb

WALK = os.path.join(os.path.dirname(C.PROBE), "procwalk.py")

# Actions on /proc as a sandboxed process sees it; prints "NAME=TOKEN" for
# each. CHILD is a forked child of the command, PPID the launcher.
ACTS = r"""
import ctypes, errno, os, sys, time

def tok(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))

def read(p):
    return lambda: open(p, "rb").read()

def write(p, v):
    def w():
        with open(p, "w") as f:
            f.write(v)
    return w

def in_child(fn):
    # fn's token, from a forked child (its own /proc/self)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(w, tok(fn).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    return os.read(r, 64).decode()

def userns_map():
    # a user namespace of the child's own: it writes its own uid_map
    libc = ctypes.CDLL(None, use_errno=True)
    uid = os.getuid()
    if libc.unshare(0x10000000):
        raise OSError(ctypes.get_errno(), "unshare")
    write("/proc/self/setgroups", "deny")()
    write("/proc/self/uid_map", f"0 {uid} 1")()

child = os.fork()
if child == 0:
    time.sleep(30)
    os._exit(0)
ppid = os.getppid()
out = []
for spec in sys.argv[1:]:
    name, act, *arg = spec.split(":")
    arg = [a.replace("CHILD", str(child)).replace("PPID", str(ppid)) for a in arg]
    if act == "read":
        t = tok(read(arg[0]))
    elif act == "write":
        t = tok(write(arg[0], arg[1]))
    elif act == "rewrite":       # write back what it holds: no change if it works
        t = tok(lambda: write(arg[0], open(arg[0]).read())())
    elif act == "listdir":
        t = tok(lambda: os.listdir(arg[0]))
    elif act == "listed":        # whether a pid shows in /proc's listing
        t = "yes" if arg[0] in os.listdir("/proc") else "no"
    elif act == "child_write":
        t = in_child(write(arg[0], arg[1]))
    elif act == "child_read":
        t = in_child(read(arg[0]))
    elif act == "child_userns":
        t = in_child(userns_map)
    out.append(f"{name}={t}")
os.kill(child, 9)
os.waitpid(child, 0)
print(" ".join(out))
"""


def acts(flags, *specs, env=None):
    """Runs ACTS in a sandbox: {name: token}."""
    p = hb("run", *flags, C.PY, "-c", ACTS, *specs,
           env=C.DEFAULT_ENV if env is None else env)
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines:
        raise Fail(f"{flags} {specs}: exited {p.returncode}: {p.stdout!r} {p.stderr!r}")
    return dict(kv.split("=", 1) for kv in lines[-1].split()), p


def expect_acts(got, want, what):
    bad = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
    if bad:
        raise Fail(f"{what}: (got, want): {bad}")


def walk(flags, *pids, env=None):
    """procwalk.py in a sandbox: [(token, path with digits as N)]."""
    p = hb("run", *flags, C.PY, WALK, *pids, env=C.DEFAULT_ENV if env is None else env)
    if p.returncode != 0:
        raise Fail(f"procwalk {flags}: exited {p.returncode}: {p.stderr!r}")
    out = []
    for t, path in (l.split(" ", 1) for l in p.stdout.splitlines()):
        top, sep, rest = path[len("/proc/"):].partition("/")
        out.append((t, f"/proc/{top}{sep}" + re.sub(r"\d+", "N", rest)))
    return out


@case("tierA")
def no_env_hides_every_outside_proc_file():
    for flags, env in ((ROOT + ["--no-env"], None), (["--no-env"], TESTER)):
        entries = walk(flags, "1", "ppid", "self", env=env)
        opened = [p for t, p in entries if t == "ok" and not p.startswith("/proc/self")]
        expect(not opened, f"{flags}: outside processes' /proc opened: {opened[:20]}")
        denied = [t for t, p in entries if p in ("/proc/1", "/proc/ppid")]
        expect_eq(denied, ["EACCES", "EACCES"], f"{flags}: /proc/1 and the launcher's")
        # The neighbour: its own /proc/self opens exactly as without --no-env.
        # (map_files/ names are addresses: they differ from run to run.)
        def own(entries):
            return {p for t, p in entries
                    if t == "ok" and p.startswith("/proc/self") and "/map_files/" not in p}
        mine, plain = own(entries), own(walk(flags[:-1] + ["--no-network"], "self", env=env))
        expect(len(mine) > 40 and mine == plain,
               f"{flags}: its own /proc/self: only with: {mine - plain}, only without: "
               f"{plain - mine}")
    # Without --no-env outside processes' files stay readable, as for any process.
    entries = walk(ROOT + ["--no-network"], "1", "ppid")
    for path in ("/proc/1/cmdline", "/proc/ppid/cmdline", "/proc/ppid/status",
                 "/proc/ppid/mountinfo", "/proc/ppid/net/tcp", "/proc/1/task/N/status"):
        expect((("ok", path)) in entries, f"{path} readable without --no-env: {entries[:8]}")


@case("tierA")
def no_env_own_and_children_proc():
    want = {"self_status": "ok", "self_cmdline": "ok", "child_status": "ok",
            "child_cmdline": "ok", "child_task": "ok", "child_own": "ok",
            "launcher_cmdline": "EACCES", "launcher_status": "EACCES", "init_cmdline": "EACCES",
            "init_listed": "yes", "launcher_task": "EACCES", "launcher_fd": "EACCES",
            "via_tid": "EACCES"}
    specs = ["self_status:read:/proc/self/status", "self_cmdline:read:/proc/self/cmdline",
             "child_status:read:/proc/CHILD/status", "child_cmdline:read:/proc/CHILD/cmdline",
             "child_task:read:/proc/CHILD/task/CHILD/stat",
             "child_own:child_read:/proc/self/status",
             "launcher_cmdline:read:/proc/PPID/cmdline", "launcher_status:read:/proc/PPID/status",
             "init_cmdline:read:/proc/1/cmdline", "init_listed:listed:1",
             "launcher_task:listdir:/proc/PPID/task", "launcher_fd:listdir:/proc/PPID/fd",
             "via_tid:read:/proc/PPID/task/PPID/cmdline"]
    for flags, env in ((ROOT + ["--no-env"], None), (["--no-env"], TESTER)):
        got, _ = acts(flags, *specs, env=env)
        expect_acts(got, want, f"{flags}")
    # The trace names the process, as for /proc/PID/environ.
    _, p = acts(ROOT + ["--no-env", "--trace"], "c:read:/proc/1/cmdline")
    expect(re.search(r"^hermetic-bpf: blocked ptrace pid 1 \(pid \d+ python3\)", p.stderr, re.M),
           f"a trace line for /proc/1/cmdline: {p.stderr!r}")
    # ps lists its own processes, not the launcher's.
    p = hb("run", *ROOT, "--no-env", "sh", "-c", "sleep 5 & ps; kill $!", env=None)
    pids = {l.split()[0] for l in p.stdout.splitlines()[1:] if l.split()}
    expect(p.returncode == 0 and re.search(r"\bsleep 5\b", p.stdout) and "1" not in pids and
           "hermetic-bpf" not in p.stdout,
           f"ps under --no-env: {p.returncode} {p.stdout!r} {p.stderr!r}")
    # Without --no-env the same reads work.
    got, _ = acts(ROOT + ["--no-network"], "launcher_cmdline:read:/proc/PPID/cmdline",
                  "init_status:read:/proc/1/status")
    expect_acts(got, {"launcher_cmdline": "ok", "init_status": "ok"}, "without --no-env")


@case("tierA")
def outside_proc_files_are_not_writable():
    # Root inside, no --no-env: changing the launcher through its /proc files
    # is a change to a process outside (like ptrace attach), whatever the guard.
    for flags in (["--no-network"], ["--fs-readonly"], ["--no-subprocess"]):
        got, _ = acts(ROOT + flags, "launcher:rewrite:/proc/PPID/oom_score_adj",
                      "launcher_cf:rewrite:/proc/PPID/coredump_filter",
                      "init:rewrite:/proc/1/oom_score_adj",
                      "launcher_read:read:/proc/PPID/oom_score_adj",
                      "own:write:/proc/self/oom_score_adj:500",
                      "child:write:/proc/CHILD/oom_score_adj:600")
        # (--fs-readonly leaves a process its own /proc/PID, not its child's.)
        expect_acts(got, {"launcher": "EACCES", "launcher_cf": "EACCES", "init": "EACCES",
                          "launcher_read": "ok", "own": "ok",
                          "child": "EROFS" if flags == ["--fs-readonly"] else "ok"}, f"{flags}")
    # The neighbour outside every sandbox: the same write works.
    p = subprocess.run([C.PY, "-c", ACTS, "launcher:rewrite:/proc/PPID/oom_score_adj"],
                       capture_output=True, text=True)
    expect_eq(p.stdout.strip(), "launcher=ok", "the same write outside a sandbox")


def fs_readonly_own_proc(flags, want_child):
    d = tempfile.mkdtemp(prefix="hbproc")
    os.chmod(d, 0o755)
    got, _ = acts(flags, "own:write:/proc/self/oom_score_adj:500",
                  "child:child_write:/proc/self/oom_score_adj:500",
                  "child_comm:child_write:/proc/self/comm:kid",
                  "child_read:child_read:/proc/self/status",
                  f"file:write:{d}/f:x", "child_file:child_write:" + f"{d}/g:x",
                  "userns:child_userns", env=TESTER)
    want = {"own": "ok", "child": want_child, "child_comm": want_child, "child_read": "ok",
            "file": "EROFS" if C.FS_TIER == "BPF-LSM" else "EACCES"}
    want["child_file"] = want["file"]
    expect_acts(got, want, f"{flags}")
    return got


@case("tierA")
def fs_readonly_children_write_their_own_proc():
    got = fs_readonly_own_proc(["--fs-readonly"], "ok")
    # A user namespace of a child's own maps through its own /proc/self.
    expect_eq(got["userns"], "ok", "a child's uid_map")
    r = tempfile.mkdtemp(prefix="hbroot")
    os.chmod(r, 0o755)
    fs_readonly_own_proc([f"--fs-readonly={r}"], "ok")


@case("fsB")
def fs_readonly_children_own_proc_tier_b():
    # The documented limit (spec/tiers.md): Landlock's rule covers the
    # command's first process's /proc/PID only.
    fs_readonly_own_proc(["--fs-readonly"], "EACCES")


# Under a read root: what the process's /proc/self and /proc/net show.
PROC_NET_ACTS = ["tcp:read:/proc/self/net/tcp", "unix:read:/proc/net/unix",
                 "tcp6:read:/proc/self/net/tcp6", "task:read:/proc/thread-self/net/udp",
                 "child:child_read:/proc/self/net/tcp", "meminfo:read:/proc/meminfo",
                 "status:read:/proc/self/status", "mountinfo:read:/proc/self/mountinfo",
                 "thread:read:/proc/thread-self/status", "netdir:listdir:/proc/self/net",
                 "child_status:child_read:/proc/self/status"]


def proc_net_under_a_root(what, child_status):
    """The host's sockets are denied, the process's own files not; a
    child's own status as @child_status says (tier B: the limit)."""
    r = tempfile.mkdtemp(prefix="hbroot")
    os.chmod(r, 0o755)
    got, _ = acts([f"--fs-readonly={r}"], *PROC_NET_ACTS, env=TESTER)
    expect_acts(got, {"tcp": "EACCES", "unix": "EACCES", "tcp6": "EACCES", "task": "EACCES",
                      "child": "EACCES", "meminfo": "EACCES", "status": "ok",
                      "mountinfo": "ok", "thread": "ok", "netdir": "ok",
                      "child_status": child_status}, what)
    # The neighbour: --allow-read /proc gives them back; without a root they are readable.
    got, _ = acts([f"--fs-readonly={r}", "--allow-read=/proc"], "tcp:read:/proc/self/net/tcp",
                  env=TESTER)
    expect_acts(got, {"tcp": "ok"}, what + " --allow-read /proc")
    got, _ = acts(["--fs-readonly"], "tcp:read:/proc/self/net/tcp", env=TESTER)
    expect_acts(got, {"tcp": "ok"}, "--fs-readonly without a root")


@case("tierA")
def read_root_denies_proc_net():
    proc_net_under_a_root("--fs-readonly=ROOT", "ok")


@case("fsB")
def read_root_denies_proc_net_tier_b():
    # Landlock: a rule on each entry of the first process's /proc/self
    # but net (spec/tiers.md); its children's own are the documented limit.
    proc_net_under_a_root("tier B --fs-readonly=ROOT", "EACCES")
