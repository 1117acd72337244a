# SPDX-License-Identifier: GPL-2.0-only
"""The everyday edges a first-time user meets (issue 20), registered into
cases.py like agent_cases.py: help and version, options given twice,
--fs-readonly's bare-word ROOT, --fail-on-block=CODE, the trace on
standard output or an inherited descriptor, IPv6 with a port, the user's
own HOME, USER, LOGNAME and SHELL when the command drops to SUDO_UID, and
refusals whose hint fixes the case at hand. The files run writes for the
user are output_cases.py's.
"""
import json
import os
import pwd
import re
import subprocess
import tempfile

import cases as C
from cases import case, expect, expect_eq, hb

CONNECT = lambda port: [C.PY, C.PROBE, "connect", "127.0.0.1", str(port)]


@case("always", "once")
def help_and_version_as_users_type_them():
    h = hb("help", "run")
    expect_eq(h.returncode, 0, "help run")
    expect_eq(h.stdout, hb("run", "--help").stdout, "help run is run --help")
    v = hb("-V")
    expect(v.returncode == 0 and v.stdout.startswith("hermetic-bpf "), f"-V: {v.stdout!r}")
    expect_eq(v.stdout, hb("--version").stdout, "-V is --version")
    p = hb("help", "no-such-command")
    expect(p.returncode == 125 and "unknown command" in p.stderr, f"help of nothing: {p.stderr!r}")


@case("always", "once")
def single_valued_options_given_twice_are_refused():
    marker = tempfile.mktemp()
    for args in (["--fs-readonly=/usr", "--fs-readonly=/srv"],
                 ["--fs-readonly", "/usr", "--fs-readonly=/usr"],  # the bare word counts
                 ["--trace-format=json", "--trace-format=text"],
                 ["--trace-file", marker + ".a", "--trace-file", marker + ".b"],
                 ["--user", "root", "--user", "nobody"],
                 ["--event-rate", "5", "--event-rate", "6"],
                 ["--fail-on-block", "--fail-on-block=3"]):
        p = hb("run", *args, "touch", marker)
        expect_eq(p.returncode, 125, f"run {args}")
        expect("given twice" in p.stderr, f"says why for {args}: {p.stderr!r}")
        expect(not os.path.exists(marker), f"run {args} started nothing")
    # The neighbour: given once, and a switch given twice, are fine.
    p = hb("run", "--trace-format=json", "--trace", "--trace", "touch", marker)
    expect(p.returncode == 0 and os.path.exists(marker), f"once runs: {p.stderr!r}")
    os.unlink(marker)


@case("fsB", "once")
def fs_readonly_takes_a_bare_root_or_the_command():
    # hermetic's spelling (run --help, spec/fs.md): the word after
    # --fs-readonly is ROOT when it has a '/' and is a directory...
    import fs_cases as F
    root = F.tmpdir()
    F.populate(root, files=["in"])
    probe = F.with_probe(root)
    F.check(["--fs-readonly", root], [(f"read {root}/in", "ok"), ("read /etc/passwd", "EACCES"),
                                      (f"open {root}/in O_WRONLY", "EACCES")],
            "--fs-readonly ROOT", probe=probe)
    # ... and an existing file there is COMMAND (python3 here), under
    # --fs-readonly alone: everything readable, nothing writable.
    F.check(["--fs-readonly"], [(f"read {root}/in", "ok"), ("read /etc/passwd", "ok"),
                                (f"open {root}/in O_WRONLY", "EACCES")],
            "--fs-readonly COMMAND", probe=probe)
    # A directory that is not there is an error (not a command to run).
    p = hb("run", "--fs-readonly", root + "/missing/dir", C.PY, "-c", "pass")
    expect(p.returncode == 125 and f"--fs-readonly {root}/missing/dir: No such file or "
           "directory" in p.stderr, f"a missing ROOT: {p.stderr!r}")


@case("net", "once")
def fail_on_block_takes_an_exit_status():
    p = hb("run", "--no-network", "--fail-on-block=99", *CONNECT(C.TCP4.port))
    expect_eq((p.returncode, p.stdout.strip()), (99, "EPERM"), "blocked, with CODE")
    p = hb("run", "--no-network", "--fail-on-block", *CONNECT(C.TCP4.port))
    expect_eq(p.returncode, 2, "blocked, without CODE")
    p = hb("run", "--allow-localhost", "--fail-on-block=99", *CONNECT(C.TCP4.port))
    expect_eq((p.returncode, p.stdout.strip()), (0, "ok"), "nothing blocked")
    for bad in ("0", "256", "x"):
        p = hb("run", "--no-network", f"--fail-on-block={bad}", "true")
        expect(p.returncode == 125 and "1 to 255" in p.stderr, f"CODE {bad}: {p.stderr!r}")


def json_lines(text):
    return [json.loads(x) for x in text.splitlines() if x.startswith("{")]


# One pipe, two writers: hermetic-bpf writes each event in one write(), but
# the command's own line may take two (print under PYTHONUNBUFFERED writes
# the token, then the newline), and an event can land between them.
EVENT = re.compile(r'\{"schema".*\}\n?')


def split_shared(text):
    """(the events, the command's own words) of a pipe both wrote to."""
    return [json.loads(m) for m in EVENT.findall(text)], EVENT.sub("", text).split()


@case("net", "once")
def trace_to_standard_output_or_an_inherited_descriptor():
    # "-" and /dev/stdout: standard output, shared with the command's.
    for out in ("-", "/dev/stdout"):
        p = hb("run", "--no-network", "--trace-format=json", "--trace-file", out,
               *CONNECT(C.TCP4.port))
        events, words = split_shared(p.stdout)
        expect(p.returncode == 0 and words == ["EPERM"], f"{out}: ran: {p.stdout!r}")
        expect(any(e.get("type") == "denied" and e.get("action") == "connect" and
                   e.get("port") == C.TCP4.port for e in events),
               f"{out}: the connect event on stdout: {p.stdout!r}")
        expect(not EVENT.search(p.stderr), f"{out}: no JSON on stderr: {p.stderr!r}")
    # /dev/fd/N: a descriptor we were given; the command's stdout stays apart.
    r, w = os.pipe()
    env = dict(os.environ, **C.DEFAULT_ENV)
    q = subprocess.run([C.HB, "run", "--no-network", "--trace-format=json", "--trace-file",
                        f"/dev/fd/{w}", *CONNECT(C.TCP4.port)], pass_fds=(w,), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    os.close(w)
    with os.fdopen(r) as f:
        piped = f.read()
    expect(q.returncode == 0 and q.stdout.strip() == "EPERM", f"ran: {q.stdout!r} {q.stderr!r}")
    expect(json_lines(piped) and not json_lines(q.stdout), f"events on the pipe: {piped!r}")
    # The neighbour refused: a descriptor nobody opened.
    p = hb("run", "--no-network", "--trace-file", "/dev/fd/57", "true")
    expect(p.returncode == 125 and "not open for writing" in p.stderr, f"fd 57: {p.stderr!r}")


@case("net", "once")
def ipv6_with_a_port_needs_brackets():
    p = hb("run", "--allow-ip", "::1:80", "true")
    expect(p.returncode == 125 and "[ADDR]:PORT" in p.stderr, f"::1:80: {p.stderr!r}")
    p = hb("run", "--allow-ip", "[::1]:80", "true")
    expect_eq(p.returncode, 0, f"[::1]:80 runs: {p.stderr!r}")


@case("net", "once")
def sudo_user_gets_their_own_home_user_and_shell():
    me = pwd.getpwuid(int(C.TESTER["SUDO_UID"]))
    show = ["/bin/sh", "-c", 'echo "$HOME|$USER|$LOGNAME|$SHELL|$HB_MARK"']
    root_env = {**C.TESTER, "HOME": "/root", "USER": "root", "LOGNAME": "root",
                "SHELL": "/bin/root-shell", "HB_MARK": "kept"}
    p = hb("run", "--no-network", *show, env=root_env)
    want = f"{me.pw_dir}|{me.pw_name}|{me.pw_name}|{me.pw_shell or '/bin/sh'}|kept"
    expect_eq(p.stdout.strip(), want, f"the user's environment ({p.stderr!r})")
    env = {k: v for k, v in os.environ.items() if k != "SHELL"}
    env.update({k: v for k, v in root_env.items() if k != "SHELL"})
    q = subprocess.run([C.HB, "run", "--no-network", *show], env=env, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    expect_eq(q.stdout.strip().split("|")[3], "", "no SHELL when we had none")


@case("tierB", "once")
def refusals_hint_at_what_fixes_this_case():
    # Root without --user: the seal is what is missing, and --user fixes it.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUDO_")}
    p = subprocess.run([C.HB, "run", "--no-network", "true"], env=env, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    hints = [x for x in p.stderr.splitlines() if x.startswith("Hint:")]
    expect(p.returncode == 125 and len(hints) == 1 and "--user USER" in hints[0] and
           "runs as root" in p.stderr, f"root without --user: {p.stderr!r}")
    # The neighbour: as a user, the same run is sealed and runs.
    p = hb("run", "--no-network", "true", env=C.TESTER)
    expect_eq(p.returncode, 0, f"as the sudo user: {p.stderr!r}")


@case("always", "once")
def policy_check_reads_the_set_as_the_agent():
    # `policy check DIR` (as `nginx -t`): the agent's reading of its
    # directory, every error named, nothing loaded, no root needed.
    d = tempfile.mkdtemp()
    os.chmod(d, 0o755)
    good = os.path.join(d, "job.conf")
    with open(good, "w") as f:
        f.write("[hermetic-bpf]\nversion = 1\nunit = job.service\n[network]\nno-network = yes\n")
    os.chmod(good, 0o644)
    p = subprocess.run([C.HB, "policy", "check", d], capture_output=True, text=True,
                       user=65534, group=65534, extra_groups=[])
    expect_eq(p.returncode, 0, f"a good set, checked by a user: {p.stderr!r}")
    expect(f"{good}: /system.slice/job.service" in p.stdout, f"lists what it read: {p.stdout!r}")
    with open(os.path.join(d, "bad.conf"), "w") as f:
        f.write("cgroup = /ci.slice/b\nno-network = perhaps\n")
    p = hb("policy", "check", d)
    expect_eq(p.returncode, 1, "a bad file: the set is bad")
    expect("bad.conf:2:" in p.stderr, f"names the file and line: {p.stderr!r}")
    os.unlink(os.path.join(d, "bad.conf"))
    with open(os.path.join(d, "twice.conf"), "w") as f:
        f.write("unit = job.service\nallow-localhost = yes\n")
    p = hb("policy", "check", d)
    expect(p.returncode == 1 and "twice.conf" in p.stderr,
           f"two files for one cgroup: {p.returncode} {p.stderr!r}")
    # The filesystem guard: served by a tier A agent only. Root's check is
    # for this host's agent (here: the kernel's tier), a user's for BPF-LSM.
    os.unlink(os.path.join(d, "twice.conf"))
    with open(good, "a") as f:
        f.write("[files]\nfs-readonly = yes\n")
    p = hb("policy", "check", d)
    if C.TIER == "BPF-LSM":
        expect(p.returncode == 0 and "this host's agent: BPF-LSM" in p.stdout,
               f"fs-readonly for a tier A agent: {p.returncode} {p.stdout!r} {p.stderr!r}")
    else:
        expect(p.returncode == 1 and "tier B" in p.stdout and
               "cannot enforce the filesystem guard here" in p.stderr,
               f"fs-readonly for a tier B agent: {p.returncode} {p.stdout!r} {p.stderr!r}")
    p = subprocess.run([C.HB, "policy", "check", d], capture_output=True, text=True,
                       user=65534, group=65534, extra_groups=[])
    expect(p.returncode == 0 and "an agent with BPF-LSM" in p.stdout,
           f"a user's check is for BPF-LSM, and says so: {p.returncode} {p.stdout!r}")
    with open(good, "w") as f:
        f.write("[hermetic-bpf]\nversion = 1\nunit = job.service\n[network]\nno-network = yes\n")
    p = hb("policy", "check", "--cgroup", "/a")
    expect(p.returncode == 125 and "takes only a directory" in p.stderr,
           f"a flag check does not take: {p.returncode} {p.stderr!r}")
    p = hb("policy", "check", os.path.join(d, "missing"))
    expect(p.returncode == 1 and "missing" in p.stderr, f"no such directory: {p.stderr!r}")
    subprocess.run(["rm", "-rf", d])
