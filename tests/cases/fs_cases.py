# SPDX-License-Identifier: GPL-2.0-only
"""The filesystem guard's cases (spec/fs.md), registered into cases.py.

cases.py imports this module just before main(); it is not run alone.
Each case runs fsprobe.py's "multi" mode inside one sandbox and compares
every action's token with what the spec says: the denial with its exact
errno (EROFS for a change, EACCES for a read outside the root) and the
allowed neighbour (the same action under --allow-write, or an allowed one
in the same run). Fixtures are made as root outside the sandbox, owned by
tester (uid 1000) wherever the command should be able to change them
without the guard, so that only the guard can say no.
"""
import os
import py_compile
import re
import shutil
import stat
import subprocess
import tempfile
import urllib.parse

import cases as C
from cases import (DEFAULT_ENV, HB, PROBE, PY, ROOT, TESTER, Fail, case, expect, expect_eq,
                   hb)

PROBE_DIR = os.path.dirname(PROBE)
FSPROBE = os.path.join(PROBE_DIR, "fsprobe.py")
TESTER_UID = TESTER_GID = 1000
XATTR_SET = "ok|ENOTSUP"          # tmpfs has user.* xattrs from Linux 6.6
XATTR_REMOVE = "ok|ENOTSUP|ENODATA"


# --- fixtures ---------------------------------------------------------------

def chown_tree(path, uid=TESTER_UID, gid=TESTER_GID):
    os.lchown(path, uid, gid)
    for top, dirs, files in os.walk(path):
        for n in dirs + files:
            os.lchown(os.path.join(top, n), uid, gid)


def tmpdir(owner=TESTER_UID):
    """A fresh directory, mode 0755, owned by @owner (tester by default)."""
    d = tempfile.mkdtemp(prefix="hbfs")
    os.chmod(d, 0o755)
    os.chown(d, owner, owner)
    return d


def populate(base, files=(), dirs=(), owner=TESTER_UID, content="orig\n"):
    """Files (with @content) and directories below @base: those listed and
    the directories made for them are owned by @owner."""
    made = []

    def mkdirs(path):
        if not os.path.isdir(path):
            mkdirs(os.path.dirname(path))
            os.mkdir(path)
            made.append(path)

    for d in dirs:
        mkdirs(os.path.join(base, d))
    for f in files:
        p = os.path.join(base, f)
        mkdirs(os.path.dirname(p))
        with open(p, "w") as fh:
            fh.write(content)
    for p in made + [os.path.join(base, n) for n in list(files) + list(dirs)]:
        os.lchown(p, owner, owner)


def try_setxattr(path, name="user.hb"):
    """As root, before the run; tmpfs before 6.6 has no user.* xattrs."""
    try:
        os.setxattr(path, name, b"1")
    except OSError:
        pass


def with_probe(root):
    """fsprobe.py and what it imports, copied into @root and compiled (so
    that Python does not try to write __pycache__ there)."""
    for name in ("fsprobe.py", "netprobe.py"):
        dst = os.path.join(root, name)
        shutil.copy(os.path.join(PROBE_DIR, name), dst)
        os.chmod(dst, 0o644)
        py_compile.compile(dst, doraise=False)
    return os.path.join(root, "fsprobe.py")


def snapshot(root):
    """What a change would alter: type, mode, owner, size, times, links,
    content and xattrs of everything below @root (atime left out)."""
    out = {}
    for top, dirs, files in os.walk(root):
        for n in dirs + files + ([""] if top == root else []):
            p = os.path.join(top, n)
            st = os.lstat(p)
            item = [stat.S_IFMT(st.st_mode), st.st_mode, st.st_uid, st.st_gid, st.st_nlink]
            if stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode):
                # (a FIFO's times change when data passes: not a file change)
                item += [st.st_size, st.st_mtime_ns, st.st_ctime_ns]
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    item.append(f.read())
            if not stat.S_ISLNK(st.st_mode):
                try:
                    item.append(sorted(os.listxattr(p)))
                except OSError:
                    pass
            out[os.path.relpath(p, root)] = item
    return out


def expect_unchanged(before, after, what):
    if before != after:
        diff = sorted(set(before) ^ set(after)) + sorted(
            k for k in set(before) & set(after) if before[k] != after[k])
        raise Fail(f"{what}: changed: {diff[:12]}")


def q(path):
    """A path as one word of a multi action (fsprobe percent-decodes it)."""
    return urllib.parse.quote(path, safe="/._-")


# --- running the probe --------------------------------------------------------

def full_env(env):
    e = dict(os.environ)
    e.update(DEFAULT_ENV if env is None else env)
    return e


def matches(got, want):
    """@want: a token, "A|B" (either), or "!A" (anything but A)."""
    return got != want[1:] if want.startswith("!") else got in want.split("|")


def expect_actions(pairs, got, what):
    """Every (action, want) against its token; all mismatches in one Fail."""
    if len(got) != len(pairs):
        raise Fail(f"{what}: {len(got)} tokens for {len(pairs)} actions: {got}")
    bad = [f"{a!r}: got {g}, want {w}" for (a, w), g in zip(pairs, got) if not matches(g, w)]
    if bad:
        raise Fail(f"{what}: " + "; ".join(bad))


def fsrun(flags, pairs, env=TESTER, cwd=None, stdout=None, probe=None, cmd=None,
          pass_fds=()):
    """hermetic-bpf run FLAGS python3 fsprobe.py multi ACTIONS: (tokens, proc).

    @stdout: a file for the command's stdout (tokens are then read back
    from it by the caller: returned as None). @cmd replaces "python3 PROBE".
    @pass_fds: descriptors the command inherits, at the same numbers.
    """
    argv = [HB, "run", *flags, *(cmd or [PY, probe or FSPROBE]), "multi",
            *(a for a, _ in pairs)]
    p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                       stdout=stdout if stdout is not None else subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, env=full_env(env), cwd=cwd,
                       timeout=240, pass_fds=pass_fds)
    if stdout is not None:
        if p.returncode != 0:
            raise Fail(f"fsprobe exited {p.returncode}: {p.stderr.strip()!r}")
        return None, p
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines:
        raise Fail(f"fsprobe {flags} exited {p.returncode}: "
                   f"{p.stdout.strip()[-300:]!r} {p.stderr.strip()[-1500:]!r}")
    return lines[-1].split(), p


def check(flags, pairs, what, **kw):
    got, p = fsrun(flags, pairs, **kw)
    expect_actions(pairs, got, what)
    return p


def run_paused(flags, pairs, on_ready, env=TESTER, probe=None, cwd=None):
    """Like fsrun, for actions that include "say ready" and "wait GO":
    on_ready() runs outside the sandbox between the two."""
    argv = [HB, "run", *flags, PY, probe or FSPROBE, "multi", *(a for a, _ in pairs)]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=full_env(env), cwd=cwd)
    try:
        line = p.stdout.readline().strip()
        if line != "ready":
            p.kill()
            _, err = p.communicate(timeout=60)
            raise Fail(f"the command did not get ready: {line!r} {err.strip()[-1500:]!r}")
        on_ready()
        out, err = p.communicate(timeout=240)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    lines = out.strip().splitlines()
    if p.returncode != 0 or not lines:
        raise Fail(f"fsprobe exited {p.returncode}: {out!r} {err.strip()[-1500:]!r}")
    expect_actions(pairs, lines[-1].split(), "after the rename")
    return p


def mount_bind(src, dst):
    subprocess.run(["mount", "-o", "bind", src, dst], check=True)


def umount_below(base):
    """Every mount below @base (deepest first), wherever a rename moved it."""
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    for m in sorted((m for m in points if m.startswith(base + "/")), key=len, reverse=True):
        subprocess.run(["umount", m], check=False)


# --- what --fs-readonly denies: every change, every interface ---------------

# (action, fixture it needs) for the os module; {d} is the directory.
# Each action has its own target, so that all of them can succeed in one
# run under --allow-write.
OS_CHANGES = [
    ("open {d}/w O_WRONLY", "f"), ("open {d}/rw O_RDWR", "f"),
    ("open {d}/ap O_WRONLY|O_APPEND", "f"),
    ("open {d}/t O_RDONLY|O_TRUNC", "f"),        # truncates although read-only
    ("open {d}/t2 O_WRONLY|O_TRUNC", "f"),
    ("open {d}/new1 O_WRONLY|O_CREAT|O_EXCL", None),
    ("open {d}/new2 O_RDONLY|O_CREAT", None),   # creates although read-only
    ("tmpfile {d}", None), ("mknod {d}/nod", None), ("mkfifo {d}/fifo", None),
    ("bind_unix {d}/sock", None), ("mkdir {d}/newdir", None),
    ("rmdir {d}/emptydir", "d"), ("unlink {d}/u", "f"),
    ("rename {d}/r1 {d}/r1b", "f"), ("rename {d}/r2 {d}/r3", "f r3"),  # replacing r3
    ("rename {d}/rdir {d}/rdir2", "d"),
    ("link {d}/l1 {d}/l1b", "f"), ("symlink {d}/w {d}/sym", None),
    ("truncate {d}/tr", "f"), ("chmod {d}/cm", "f"), ("fchmod {d}/fcm", "f"),
    ("chown {d}/co", "f"), ("lchown {d}/lco", "f"), ("fchown {d}/fco", "f"),
    ("utime {d}/ut", "f"), ("utime_now {d}/utn", "f"), ("futimens {d}/fut", "f"),
    ("setxattr {d}/xa", "f"), ("lsetxattr {d}/lxa", "f"), ("fsetxattr {d}/fxa", "f"),
    ("removexattr {d}/rxa", "fx"), ("fremovexattr {d}/frxa", "fx"),
    ("setacl {d}/acl", "f"), ("removexattr {d}/racl system.posix_acl_access", "f"),
    ("mkstemp {d}", None),
    ("reopen {d}/ro O_WRONLY", "f"),            # a read-only descriptor, re-opened
]

RAW_CHANGES = [
    ("sys open {d}/s_open O_WRONLY 0", "f"),
    ("sys openat AT_FDCWD {d}/s_openat O_RDWR 0", "f"),
    ("sys openat AT_FDCWD {d}/s_trunc O_RDONLY|O_TRUNC 0", "f"),
    ("sys openat AT_FDCWD {d}/s_new O_WRONLY|O_CREAT 420", None),
    ("sys openat AT_FDCWD {d} O_TMPFILE|O_RDWR 384", None),
    ("sys openat2 AT_FDCWD {d}/s_openat2 how=O_WRONLY 24", "f"),
    ("sys openat2 AT_FDCWD {d}/s_openat2new how=O_WRONLY|O_CREAT 24", None),
    ("sys creat {d}/s_creat 420", None),
    ("sys mkdir {d}/s_dir 493", None), ("sys mkdirat AT_FDCWD {d}/s_dirat 493", None),
    ("sys mknod {d}/s_reg S_IFREG|0o600 0", None),
    ("sys mknodat AT_FDCWD {d}/s_fifo S_IFIFO|0o600 0", None),
    ("sys chown {d}/s_chown UID GID", "f"),
    ("sys lchown {d}/s_lchown UID GID", "f"),
    ("sys fchownat AT_FDCWD {d}/s_fchownat UID GID 0", "f"),
    ("sys fchownat AT_FDCWD {d}/s_fchownatn UID GID AT_SYMLINK_NOFOLLOW", "f"),
    ("sys unlink {d}/s_unlink", "f"), ("sys unlinkat AT_FDCWD {d}/s_unlinkat 0", "f"),
    ("sys rmdir {d}/s_rmdir", "d"),
    ("sys unlinkat AT_FDCWD {d}/s_rmdirat AT_REMOVEDIR", "d"),
    ("sys rename {d}/s_ren {d}/s_ren2", "f"),
    ("sys renameat AT_FDCWD {d}/s_renat AT_FDCWD {d}/s_renat2", "f"),
    ("sys renameat2 AT_FDCWD {d}/s_ren2a AT_FDCWD {d}/s_ren2b 0", "f"),
    ("sys renameat2 AT_FDCWD {d}/s_x1 AT_FDCWD {d}/s_x2 RENAME_EXCHANGE", "f s_x2"),
    ("sys renameat2 AT_FDCWD {d}/s_nr AT_FDCWD {d}/s_nr2 RENAME_NOREPLACE", "f"),
    ("sys link {d}/s_link {d}/s_link2", "f"),
    ("sys linkat AT_FDCWD {d}/s_linkat AT_FDCWD {d}/s_linkat2 0", "f"),
    ("sys symlink /x {d}/s_sym", None), ("sys symlinkat /x AT_FDCWD {d}/s_symat", None),
    ("sys chmod {d}/s_chmod 0o600", "f"),
    ("sys fchmodat AT_FDCWD {d}/s_fchmodat 0o600 0", "f"),
    ("sys truncate {d}/s_truncate 0", "f"),
    ("sys utime {d}/s_utime NULL", "f"), ("sys utimes {d}/s_utimes NULL", "f"),
    ("sys utimensat AT_FDCWD {d}/s_utimensat NULL 0", "f"),
    ("sys setxattr {d}/s_setxattr user.hb val 3 0", "f"),
    ("sys lsetxattr {d}/s_lsetxattr user.hb val 3 0", "f"),
    ("sys removexattr {d}/s_rmxattr user.hb", "fx"),
    ("sys lremovexattr {d}/s_lrmxattr user.hb", "fx"),
]

CHILD_CHANGES = [
    ("child /bin/busybox touch {d}/c_new", None), ("child /bin/busybox touch {d}/c_old", "f"),
    ("child /bin/busybox mkdir {d}/c_dir", None), ("child /bin/busybox rm {d}/c_rm", "f"),
    ("child /bin/busybox rm -r {d}/c_rmdir", "d"),
    ("child /bin/busybox mv {d}/c_mv {d}/c_mv2", "f"),
    ("child /bin/busybox cp {d}/c_old {d}/c_cp", None),
    ("child /bin/busybox ln -s x {d}/c_ln", None),
    ("child /bin/busybox chmod 600 {d}/c_chmod", "f"),
    # Grandchildren: busybox sh -c "busybox touch ...; exit $?".
    ("sh /bin/busybox touch {d}/g_new", None), ("sh /bin/busybox rm {d}/g_rm", "f"),
    ("sh /bin/busybox mkdir {d}/g_dir", None),
    ("sh echo hi > {d}/g_redir", None),
    # io_uring: the same hooks, from the ring's worker threads too.
    ("uring openat {d}/u_w O_WRONLY", "f"), ("uring openat {d}/u_new O_WRONLY|O_CREAT", None),
    ("uring mkdirat {d}/u_dir", None), ("uring unlinkat {d}/u_unlink", "f"),
    ("uring unlinkat {d}/u_rmdir AT_REMOVEDIR", "d"),
    ("uring renameat {d}/u_ren {d}/u_ren2", "f"), ("uring linkat {d}/u_link {d}/u_link2", "f"),
    ("uring symlinkat /x {d}/u_sym", None),
]


def make_fixture(d, table):
    """The files ("f", "fx": with an xattr), directories ("d") and extra
    files an action table needs, below @d."""
    files, dirs, xattr = ["ro", "w"], ["emptydir"], []
    for action, need in table:
        if not need:
            continue
        kind, *extra = need.split()
        # the first "{d}/NAME" of the action is the fixture
        name = re.search(r"\{d\}/([^ ]+)", action).group(1)
        (dirs if kind == "d" else files).append(name)
        if kind == "fx":
            xattr.append(name)
        files += extra
    populate(d, files=files, dirs=dirs)
    for name in xattr:
        try_setxattr(os.path.join(d, name))


def want_allowed(action):
    """What an action of the tables gives where changes are allowed."""
    words = action.split()
    op = words[1] if words[0] == "sys" else words[0]
    if op == "setacl" or op.endswith("setxattr"):
        return XATTR_SET
    if op.endswith("removexattr"):
        return XATTR_REMOVE
    return "ok"


def readonly_and_allowed(table, what):
    """The table under --fs-readonly (every action EROFS, nothing changed,
    reads still work) and under --allow-write on a fresh copy (every action
    succeeds)."""
    ro, rw = tmpdir(), tmpdir()
    make_fixture(ro, table)
    make_fixture(rw, table)
    reads = [(f"read {ro}/w", "ok"), (f"listdir {ro}", "ok"), (f"stat {ro}/w", "ok"),
             (f"reopen {ro}/ro O_RDONLY", "ok"),
             (f"open {ro}/w O_RDONLY|O_CREAT", "ok")]   # O_CREAT of an existing file
    before = snapshot(ro)
    p = check(["--fs-readonly"], [(a.format(d=ro), "EROFS") for a, _ in table] + reads,
              f"{what} under --fs-readonly")
    expect_unchanged(before, snapshot(ro), f"{what}: the directory under --fs-readonly")
    expect(re.search(r"^hermetic-bpf: blocked \d+ actions? \(.*\); rerun with --trace to see "
                     r"each$", p.stderr, re.M), f"a summary line without --trace: {p.stderr!r}")
    check(["--allow-write", rw], [(a.format(d=rw), want_allowed(a)) for a, _ in table],
          f"{what} under --allow-write of the directory")
    return ro, rw


@case("tierA")
def fs_readonly_os_module():
    _, rw = readonly_and_allowed(OS_CHANGES, "os module")
    expect(os.path.exists(f"{rw}/new2") and not os.path.exists(f"{rw}/u"),
           "the allowed changes happened")


@case("tierA")
def fs_readonly_raw_syscalls():
    readonly_and_allowed(RAW_CHANGES, "raw system calls")


@case("tierA")
def fs_readonly_children_and_io_uring():
    ro, rw = readonly_and_allowed(CHILD_CHANGES, "busybox children, grandchildren, io_uring")
    for name in ("c_new", "g_new", "g_redir", "u_new"):
        expect(os.path.exists(os.path.join(rw, name)), f"{name} created under --allow-write")


# --- what stays writable under --fs-readonly ------------------------------------

@case("tierA")
def fs_readonly_allowed_neighbours():
    d = tmpdir()
    populate(d, files=["f", "ro"])
    os.mkfifo(os.path.join(d, "fifo0"), 0o600)
    # Device nodes: the allowed ones count by device number, wherever the
    # node is; any other device is a file like any other.
    os.mknod(os.path.join(d, "null-node"), 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    os.mknod(os.path.join(d, "kmsg-node"), 0o600 | stat.S_IFCHR, os.makedev(1, 11))
    chown_tree(d)

    def acts(out):
        return [
            (f"read {d}/f", "ok"), (f"listdir {d}", "ok"), (f"stat {d}/f", "ok"),
            ("devwrite /dev/null", "ok"), ("devwrite /dev/zero", "ok"),
            ("devwrite /dev/full", "ENOSPC"),       # the device answers, not the guard
            ("devwrite /dev/urandom", "ok"), (f"devwrite {d}/null-node", "ok"),
            (f"devwrite {d}/kmsg-node", "EROFS"), (f"fifo {d}/fifo0", "ok"), ("pipe", "ok"),
            ("openpty", "ok"),
            ("open /proc/self/comm O_WRONLY fsprobe", "ok"),
            # stdout is the caller's file, opened for appending.
            ("open /dev/stdout O_WRONLY|O_APPEND lost-line", "ok"),
            ("ftruncate_fd 1 0", "ok"),
            ("open /dev/stdout O_WRONLY|O_APPEND via-dev-stdout", "ok"),
            ("open /proc/self/fd/1 O_WRONLY|O_APPEND via-proc-fd", "ok"),
            (f"open {out} O_WRONLY|O_APPEND via-path", "ok"),
            ("fallocate_fd 1", "ok"),
            (f"reopen {d}/ro O_WRONLY", "EROFS"), (f"reopen {d}/ro O_RDONLY", "ok"),
        ]

    # The guest has no devpts of its own: pseudo-terminals need one.
    with open("/proc/self/mountinfo") as f:
        has_devpts = any(" - devpts " in line for line in f)
    if not has_devpts:
        os.makedirs("/dev/pts", exist_ok=True)
        subprocess.run(["mount", "-t", "devpts", "-o", "mode=620,ptmxmode=666", "devpts",
                        "/dev/pts"], check=True)
    # The neighbour of the run: no guard, and the two denials work too.
    unguarded = {f"devwrite {d}/kmsg-node": "ok", f"reopen {d}/ro O_WRONLY": "ok"}
    try:
        for flags in (["--fs-readonly"], []):
            out = os.path.join(tmpdir(), "stdout")
            with open(out, "a") as f:
                os.chown(out, TESTER_UID, TESTER_GID)  # re-opening checks its mode too
                pairs = [(a, w if flags else unguarded.get(a, w)) for a, w in acts(out)]
                fsrun(flags, pairs, stdout=f)
            with open(out) as f:
                lines = f.read().splitlines()
            expect_eq(lines[:-1], ["via-dev-stdout", "via-proc-fd", "via-path"],
                      f"what reached the caller's file {flags} (ftruncate emptied it first)")
            expect_actions(pairs, lines[-1].split() if lines else [], f"neighbours {flags}")
    finally:
        if not has_devpts:
            subprocess.run(["umount", "/dev/pts"], check=False)


@case("tierA")
def fs_readonly_held_descriptor_far_up():
    """A descriptor held far up the table (the fifth word of its bitmap of
    open descriptors, past empty ones) counts as held, as stdout does:
    re-opening its file for writing gains nothing. Its neighbour, not
    held, stays read-only."""
    d = tmpdir()
    populate(d, files=["held", "free"])
    chown_tree(d)
    far = 300
    fd = os.open(os.path.join(d, "held"), os.O_WRONLY | os.O_APPEND)
    try:
        os.dup2(fd, far)
        for flags in (["--fs-readonly"], []):
            check(flags, [(f"open {d}/held O_WRONLY|O_APPEND far{len(flags)}", "ok"),
                          (f"open {d}/free O_WRONLY|O_APPEND", "EROFS" if flags else "ok"),
                          (f"open {d}/held O_RDONLY", "ok")],
                  f"descriptor {far} held {flags}", pass_fds=(far,))
    finally:
        os.close(fd)
        os.close(far)
    with open(os.path.join(d, "held")) as f:
        expect_eq(f.read(), "orig\nfar1\nfar0\n", "what reached the held file")


@case("tierA")
def fs_readonly_held_counts_only_own_writers():
    """Held means held by the task: a file another process has open for
    writing stays read-only in the sandbox, while a memfd the task writes
    (made without an open, so no writer count of its own) re-opens for
    writing as stdout does."""
    d = tmpdir()
    populate(d, files=["busy"])
    chown_tree(d)
    fd = os.open(os.path.join(d, "busy"), os.O_WRONLY | os.O_APPEND)
    try:
        for flags in (["--fs-readonly"], []):
            check(flags, [(f"open {d}/busy O_WRONLY|O_APPEND in{len(flags)}",
                           "EROFS" if flags else "ok"),
                          ("memfd_reopen O_WRONLY", "ok"), ("memfd_reopen O_RDONLY", "ok"),
                          (f"open {d}/busy O_RDONLY", "ok")],
                  f"a writer outside, a memfd inside {flags}")
        os.write(fd, b"outside\n")
    finally:
        os.close(fd)
    with open(os.path.join(d, "busy")) as f:
        expect_eq(f.read(), "orig\nin0\noutside\n", "what reached the busy file")


@case("tierA")
def fs_readonly_python_imports_without_pycache():
    code = "import hbmod; print(hbmod.TOKEN)"
    for flags, cached in ((["--fs-readonly"], False), ([], True)):
        d = tmpdir()
        with open(os.path.join(d, "hbmod.py"), "w") as f:
            f.write("TOKEN = 'imported'\n")
        chown_tree(d)
        e = full_env(TESTER)
        e.pop("PYTHONDONTWRITEBYTECODE", None)
        p = subprocess.run([HB, "run", *flags, PY, "-c", code], cwd=d, env=e,
                           capture_output=True, text=True, timeout=120)
        expect_eq((p.returncode, p.stdout.strip()), (0, "imported"),
                  f"python3 -c 'import hbmod' {flags} (stderr {p.stderr.strip()!r})")
        expect_eq(os.path.isdir(os.path.join(d, "__pycache__")), cached,
                  f"__pycache__ written {flags}")


# --- --allow-write --------------------------------------------------------------

@case("tierA")
def allow_write_directory():
    base = tmpdir()
    w, o = os.path.join(base, "W"), os.path.join(base, "O")
    deep10 = "/".join(["d"] * 9)
    deep130 = "/".join(["d"] * 129)
    populate(base, dirs=["W", "O", "W/sub", "W/dirout", "O/dirin", f"W/{deep130}"],
             files=["W/f", "W/a", "W/m1", "W/e1", "W/bm", "O/target", "O/f", "O/u", "O/m2",
                    "O/hl", "O/e2", "O/pre-linked", "O/pre-linked2", f"W/{deep10}/f",
                    f"W/{deep130}/f"])
    # Made as root before the run: names in W for files that live outside.
    os.symlink(f"{o}/target", f"{w}/link-out")
    os.link(f"{o}/pre-linked", f"{w}/pre-linked")
    os.link(f"{o}/pre-linked2", f"{w}/pre-linked2")
    os.lchown(f"{w}/link-out", TESTER_UID, TESTER_GID)
    # A mount below W when run starts is part of W.
    os.mkdir(f"{w}/mnt")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755,uid=1000,gid=1000", "hbfs",
                    f"{w}/mnt"], check=True)
    before = snapshot(o)
    pairs = [
        # Inside: everything.
        (f"open {w}/new O_WRONLY|O_CREAT hello", "ok"), (f"open {w}/f O_WRONLY|O_TRUNC x", "ok"),
        (f"rename {w}/f {w}/f2", "ok"), (f"unlink {w}/f2", "ok"), (f"mkdir {w}/nd", "ok"),
        (f"open {w}/nd/x O_WRONLY|O_CREAT", "ok"), (f"mkstemp {w}", "ok"),
        (f"symlink x {w}/sym", "ok"), (f"chmod {w}/new", "ok"), (f"tmpfile {w}/sub", "ok"),
        (f"open {w}/mnt/f O_WRONLY|O_CREAT", "ok"),
        (f"open {w}/{deep10}/f O_WRONLY", "ok"),
        (f"open {w}/{deep130}/f O_WRONLY", "EROFS"),        # too deep: denied
        # A second link makes a file unwritable until it is gone again.
        (f"link {w}/a {w}/a2", "ok"), (f"open {w}/a O_WRONLY", "EROFS"),
        (f"unlink {w}/a2", "ok"), (f"open {w}/a O_WRONLY", "ok"),
        # Nothing reaches outside.
        (f"open {w}/link-out O_WRONLY", "EROFS"),
        (f"rename {w}/m1 {o}/m1", "EROFS"), (f"rename {o}/m2 {w}/m2", "EROFS"),
        (f"rename {w}/dirout {o}/dirout", "EROFS"), (f"rename {o}/dirin {w}/dirin", "EROFS"),
        (f"sys renameat2 AT_FDCWD {w}/e1 AT_FDCWD {o}/e2 RENAME_EXCHANGE", "EROFS"),
        (f"child /bin/busybox mv {w}/bm {o}/bm", "EROFS"),
        (f"link {o}/hl {w}/hl", "EROFS"),
        (f"open {w}/pre-linked O_WRONLY", "EROFS"), (f"open {w}/pre-linked O_RDONLY|O_TRUNC",
                                                     "EROFS"),
        (f"truncate {w}/pre-linked", "EROFS"), (f"chmod {w}/pre-linked", "EROFS"),
        (f"read {w}/pre-linked", "ok"), (f"unlink {w}/pre-linked2", "ok"),
        (f"open {o}/f O_WRONLY", "EROFS"), (f"unlink {o}/u", "EROFS"),
        (f"mkdir {o}/nd", "EROFS"), (f"open {o}/new O_WRONLY|O_CREAT", "EROFS"),
        (f"rename {w} {base}/W2", "EROFS"),                 # W's parent is not writable
    ]
    try:
        check(["--allow-write", w], pairs, "--allow-write DIR")
    finally:
        umount_below(base)
    after = snapshot(o)
    # pre-linked2's other name was removed inside W: only its link count moved.
    for snap in (before, after):
        snap.pop("pre-linked2", None)
    expect_unchanged(before, after, "the outside directory")
    expect(os.path.exists(f"{w}/m1") and os.path.exists(f"{w}/dirout") and
           os.path.exists(f"{w}/bm"), "nothing moved out")


@case("tierA")
def allow_write_single_file():
    d = tmpdir()
    populate(d, files=["F", "sib"])
    f = os.path.join(d, "F")
    check(["--allow-write", f], [
        (f"open {f} O_RDWR|O_TRUNC", "ok"), (f"open {f} O_WRONLY hello", "ok"),
        (f"truncate {f} 5", "ok"), (f"chmod {f}", "ok"), (f"utime {f}", "ok"),
        (f"setxattr {f}", XATTR_SET),
        (f"open {d}/sib O_WRONLY", "EROFS"), (f"open {d}/new O_WRONLY|O_CREAT", "EROFS"),
        (f"link {f} {d}/F3", "EROFS"), (f"mkdir {d}/nd", "EROFS"),
        (f"rename {f} {d}/F2", "EROFS"), (f"unlink {f}", "EROFS"),    # its directory is not
    ], "--allow-write FILE")
    with open(f) as fh:
        expect_eq(fh.read(), "hello", "F's content after the allowed writes")


# --- a directory renamed while the command runs ---------------------------------

@case("tierA")
def fs_directory_renamed_while_running():
    # --allow-write: what moves out stops being writable, the allowed
    # directory itself keeps its rule under its new name, what moves in
    # becomes writable (rules are about files, not names).
    base = tmpdir()
    w, o = os.path.join(base, "W"), os.path.join(base, "O")
    populate(base, dirs=["W/sub", "O/in"], files=["W/sub/f", "O/in/f"])
    go = os.path.join(base, "go")

    def moves():
        os.rename(f"{w}/sub", f"{o}/sub")
        os.rename(f"{o}/in", f"{w}/in")
        os.rename(w, f"{base}/W-renamed")
        open(go, "w").close()

    run_paused(["--allow-write", w], [
        (f"open {w}/sub/f O_WRONLY", "ok"), ("say ready", "ok"), (f"wait {go}", "ok"),
        (f"open {o}/sub/f O_WRONLY", "EROFS"), (f"open {o}/sub/new O_WRONLY|O_CREAT", "EROFS"),
        (f"open {base}/W-renamed/new O_WRONLY|O_CREAT", "ok"),
        (f"open {base}/W-renamed/in/f O_WRONLY", "ok"),
    ], moves)

    # --fs-readonly=ROOT: a directory moved out of the root is unreadable.
    base = tmpdir(owner=0)
    r, o = os.path.join(base, "R"), os.path.join(base, "O")
    populate(base, dirs=["R/moving", "R/sub", "O/in"],
             files=["R/moving/f", "R/sub/f", "O/in/f"], owner=0)
    probe = with_probe(r)
    go = os.path.join(r, "go")

    def moves_root():
        os.rename(f"{r}/moving", f"{o}/moved")
        os.rename(f"{r}/sub", f"{r}/sub2")
        os.rename(f"{o}/in", f"{r}/in")
        open(go, "w").close()

    run_paused([f"--fs-readonly={r}"], [
        (f"read {r}/moving/f", "ok"), (f"listdir {r}/moving", "ok"), ("say ready", "ok"),
        (f"wait {go}", "ok"),
        (f"read {o}/moved/f", "EACCES"), (f"listdir {o}/moved", "EACCES"),
        (f"stat {o}/moved/f", "EACCES"),
        (f"read {r}/sub2/f", "ok"), (f"read {r}/in/f", "ok"),
    ], moves_root, probe=probe)


# --- --fs-readonly=ROOT: reads ---------------------------------------------------

@case("tierA")
def fs_root_confines_reads():
    base = tmpdir(owner=0)
    r = os.path.join(base, "R")
    deep10 = "/".join(["d"] * 9)
    deep130 = "/".join(["d"] * 129)
    populate(base, owner=0, dirs=["R/sub", "O1", "O2", "bindout", "R/bindin", "A", "O"],
             files=["R/data", "R/sub/f", f"R/{deep10}/f", f"R/{deep130}/f", "x", "O1/secret",
                    "O2/secret", "A/f", "onefile", "otherfile", "O/f"])
    populate(base, files=["R/tw", "O/tw", "W/f"])          # tester's: only the guard denies
    w = os.path.join(base, "W")
    probe = with_probe(r)
    shutil.copy("/bin/busybox", f"{r}/busybox")          # static
    shutil.copy(HB, f"{r}/dynamic")                      # needs ld.so and libc
    os.chmod(f"{r}/busybox", 0o755)
    os.chmod(f"{r}/dynamic", 0o755)
    os.symlink("/etc/passwd", f"{r}/lnk-out")
    os.symlink(f"{r}/data", f"{r}/lnk-in")
    os.symlink(f"{r}/data", f"{base}/lnk")
    pyfile = os.__file__   # the stdlib: the interpreter's PREFIX/lib is readable
    try:
        mount_bind(f"{base}/O1", f"{base}/bindout")   # outside R: still outside
        mount_bind(f"{base}/O2", f"{r}/bindin")       # below R at start: part of R
        pairs = [
            # The root and the runtime list.
            (f"read {r}/data", "ok"), (f"listdir {r}", "ok"), (f"stat {r}/data", "ok"),
            (f"listdir {r}/sub", "ok"), (f"read {r}/lnk-in", "ok"),
            (f"readlink {r}/lnk-out", "ok"), (f"exec {r}/busybox true", "ok"),
            (f"exec {r}/dynamic --version", "ok"),
            (f"read {pyfile}", "ok"), ("read /proc/self/status", "ok"),
            ("read /dev/urandom", "ok"),
            # Ancestors: stat only.
            ("stat /", "ok"), (f"stat {os.path.dirname(base)}", "ok"), (f"stat {base}", "ok"),
            ("stat /usr", "ok"), ("stat /usr/bin", "ok"),   # /usr/lib, the command
            ("listdir /", "EACCES"), (f"listdir {base}", "EACCES"), ("listdir /usr", "EACCES"),
            ("listdir /usr/bin", "EACCES"),
            # Outside: EACCES, whatever the interface.
            ("read /etc/passwd", "EACCES"), ("listdir /etc", "EACCES"),
            ("stat /etc/passwd", "EACCES"), ("lstat /etc/passwd", "EACCES"),
            (f"stat {base}/x", "EACCES"), (f"readlink {base}/lnk", "EACCES"),
            ("exec /bin/busybox true", "EACCES"), ("read /proc/1/status", "EACCES"),
            ("read /proc/meminfo", "EACCES"), ("listdir /sys", "EACCES"),
            ("sys openat AT_FDCWD /etc/passwd O_RDONLY 0", "EACCES"),
            ("sys openat2 AT_FDCWD /etc/passwd how=O_RDONLY 24", "EACCES"),
            ("sys newfstatat AT_FDCWD /etc/passwd BUF 0", "EACCES"),
            ("sys statx AT_FDCWD /etc/passwd 0 STATX_BASIC_STATS BUF", "EACCES"),
            (f"sys readlinkat AT_FDCWD {base}/lnk BUF 4096", "EACCES"),
            ("uring openat /etc/passwd O_RDONLY", "EACCES"),
            # O_PATH holds no read access: fstat and re-opening are reads.
            ("reopen /etc/passwd O_RDONLY O_PATH", "EACCES"),
            ("opath_fstat /etc/passwd", "EACCES"),
            # Escapes: the hooks see the file reached, not the name.
            (f"read {r}/lnk-out", "EACCES"), (f"read {r}/../x", "EACCES"),
            ("read /proc/self/root/etc/passwd", "EACCES"),
            ("read /proc/self/cwd/etc/passwd", "EACCES"),     # cwd is / (outside)
            (f"chdir {r}", "ok"), ("read /proc/self/cwd/data", "ok"),
            ("chdir /etc", "ok"), ("listdir .", "EACCES"), (f"chdir {r}", "ok"),
            (f"read {base}/bindout/secret", "EACCES"), (f"read {base}/O1/secret", "EACCES"),
            (f"read {r}/bindin/secret", "ok"),
            (f"read {base}/O2/secret", "ok"),   # the same files by their other name
            (f"read {r}/{deep10}/f", "ok"), (f"read {r}/{deep130}/f", "EACCES"),
            # Reads do not make writes: a read-only descriptor stays one.
            (f"reopen {r}/tw O_WRONLY", "EROFS"), (f"reopen {r}/tw O_RDONLY", "ok"),
            (f"open {r}/tw O_WRONLY", "EROFS"), (f"open {base}/O/tw O_WRONLY", "EROFS"),
            # --allow-read DIR, --allow-read FILE, --allow-write DIR.
            (f"read {base}/A/f", "ok"), (f"listdir {base}/A", "ok"),
            (f"read {base}/onefile", "ok"), (f"read {base}/otherfile", "EACCES"),
            (f"read {w}/f", "ok"), (f"listdir {w}", "ok"),
            (f"open {w}/new O_WRONLY|O_CREAT", "ok"),
        ]
        check([f"--fs-readonly={r}", "--allow-read", f"{base}/A", "--allow-read",
               f"{base}/onefile", "--allow-write", w], pairs, "--fs-readonly=ROOT",
              probe=probe, cwd="/")
    finally:
        umount_below(base)


@case("tierA")
def fs_root_spellings_script_root_user():
    base = tmpdir(owner=0)
    r = os.path.join(base, "R")
    populate(base, owner=0, dirs=["R"], files=["R/data", "R/rootfile", "outfile"])
    probe = with_probe(r)
    os.symlink(r, f"{base}/Rlink")
    # A #! script as the command: its interpreter's runtime comes along.
    tool = os.path.join(r, "tool")
    with open(tool, "w") as f:
        f.write(f"#!{PY}\nimport sys\nsys.path.insert(0, {r!r})\nimport fsprobe\n"
                "fsprobe.netprobe.main(fsprobe.ACTIONS)\n")
    os.chmod(tool, 0o755)
    # hermetic's spelling: "--fs-readonly ROOT" (the next word is a directory).
    check(["--fs-readonly", r], [(f"read {r}/data", "ok"), ("read /etc/passwd", "EACCES"),
                                 (f"listdir {r}", "ok"), (f"open {r}/data O_RDONLY", "ok")],
          "--fs-readonly ROOT with a #! script", cmd=[tool])
    # As root, through a symlink to the root: root's powers do not matter.
    p = check([*ROOT, "--trace", f"--fs-readonly={base}/Rlink"], [
        (f"read {r}/data", "ok"), ("read /etc/passwd", "EACCES"),
        ("open /etc/passwd O_WRONLY|O_APPEND", "EROFS"), ("listdir /root", "EACCES"),
        ("read /proc/1/status", "EACCES"), (f"open {r}/rootfile O_WRONLY", "EROFS"),
        (f"unlink {r}/rootfile", "EROFS"), (f"mkdir {base}/nd", "EROFS"),
        (f"chmod {base}/outfile", "EROFS"), ("devwrite /dev/null", "ok"),
    ], "--fs-readonly=ROOT as root", probe=probe, env=None)
    for line in (r"blocked open write path=/etc/passwd \(pid \d+ python3\): read-only filesystem",
                 r"blocked open read-outside-root path=/etc/passwd \(pid \d+ python3\): "
                 r"outside the read root"):
        expect(re.search("^hermetic-bpf: " + line + "$", p.stderr, re.M),
               f"trace line {line!r} in {p.stderr!r}")
    expect(os.path.exists(f"{r}/rootfile") and not os.path.exists(f"{base}/nd"),
           "root changed nothing")
    # The profile.
    d = tmpdir()
    populate(d, files=["w"])
    check(["--profile", "fs-readonly"], [(f"open {d}/w O_WRONLY", "EROFS"),
                                         ("read /etc/passwd", "ok")], "--profile fs-readonly")


# --- trace ---------------------------------------------------------------------

HOSTILE = ("x\nhermetic-bpf: blocked open write path=FAKE (pid 1 init): read-only filesystem"
           "\x1b[2J\\")


def trace_escape(s):
    out = ""
    for ch in s:
        out += ch if 0x20 <= ord(ch) <= 0x7e and ch != "\\" else "\\x%02x" % ord(ch)
    return out


@case("tierA")
def fs_trace_lines():
    base = tmpdir(owner=0)
    r, w = os.path.join(base, "R"), os.path.join(base, "W")
    populate(base, owner=0, dirs=["R"])
    probe = with_probe(r)
    populate(base, dirs=["R/ed"], files=["R/tw", "R/tu", "R/tc", "R/tx", f"R/{HOSTILE}",
                                         "W/a", "W/b"])
    os.chown(r, TESTER_UID, TESTER_GID)   # R itself is tester's: only the guard denies
    os.symlink(f"{r}/tw", f"{base}/lnk")
    pairs = [
        (f"open {r}/tw O_WRONLY", "EROFS"), (f"unlink {r}/tu", "EROFS"),
        (f"rename {w}/a {r}/a", "EROFS"), (f"mkdir {r}/nd", "EROFS"), (f"rmdir {r}/ed", "EROFS"),
        (f"open {r}/new O_WRONLY|O_CREAT", "EROFS"), (f"link {w}/b {r}/b", "EROFS"),
        (f"symlink x {r}/sl", "EROFS"), (f"chmod {r}/tc", "EROFS"), (f"setxattr {r}/tx", "EROFS"),
        ("read /etc/passwd", "EACCES"), ("stat /etc/passwd", "EACCES"),
        (f"readlink {base}/lnk", "EACCES"), ("exec /bin/busybox true", "EACCES"),
        (f"open {q(r + '/' + HOSTILE)} O_WRONLY", "EROFS"),
        (f"read {r}/tw", "ok"),
    ]
    p = check(["--trace", f"--fs-readonly={r}", "--allow-write", w], pairs, "trace run",
              probe=probe)
    ro, out = "read-only filesystem", "outside the read root"
    for what, reason in ((f"open write path={r}/tw", ro), (f"unlink path={r}/tu", ro),
                         (f"rename path={w}/a -> {r}/a", ro), (f"mkdir path={r}/nd", ro),
                         (f"rmdir path={r}/ed", ro), (f"create path={r}/new", ro),
                         (f"link path={w}/b -> {r}/b", ro), (f"symlink path={r}/sl", ro),
                         (f"setattr path={r}/tc", ro), (f"xattr path={r}/tx", ro),
                         ("open read-outside-root path=/etc/passwd", out),
                         ("stat read-outside-root path=/etc/passwd", out),
                         (f"readlink read-outside-root path={base}/lnk", out),
                         ("exec read-outside-root path=/bin/busybox", out)):
        # (the exec is denied in the forked child, before it has a new name)
        comm = "[^)]*" if what.startswith("exec") else "python3"
        pattern = (r"^hermetic-bpf: blocked " + re.escape(what) + rf" \(pid \d+ {comm}\): " +
                   re.escape(reason) + "$")
        expect(re.search(pattern, p.stderr, re.M), f"trace line {what!r} in {p.stderr!r}")
    # A name cannot forge a line: it is escaped, and nothing starts a line
    # but the real ones.
    want = f"hermetic-bpf: blocked open write path={r}/{trace_escape(HOSTILE)} (pid "
    expect(any(l.startswith(want) and l.endswith(f"): {ro}") for l in p.stderr.splitlines()),
           f"the hostile name escaped: want {want!r} in {p.stderr!r}")
    expect(not any(l.startswith("hermetic-bpf: blocked open write path=FAKE")
                   for l in p.stderr.splitlines()), "no forged line")
    expect("\x1b" not in p.stderr, "no raw escape character on stderr")
    expect("rerun with --trace" not in p.stderr, "no summary line with --trace")


# --- without BPF-LSM; bad input ------------------------------------------------

@case("fsRefused")
def fs_guard_refused_without_bpf_lsm():
    d = tempfile.mkdtemp()
    os.chmod(d, 0o777)
    for flags in (["--fs-readonly"], [f"--fs-readonly={d}"], ["--allow-write", d],
                  ["--profile", "fs-readonly"]):
        marker = tempfile.mktemp()
        p = hb("run", *flags, "touch", marker)
        expect_eq(p.returncode, 125, f"run {flags}")
        expect(re.search(r"(filesystem|fs-readonly).*: not enforced", p.stderr) and
               re.search(r"^Hint: ", p.stderr, re.M), f"says what and how: {p.stderr!r}")
        if C.LANDLOCK_ABI:
            expect(f"Landlock is ABI {C.LANDLOCK_ABI}; this needs ABI 3" in p.stderr,
                   f"says why Landlock cannot: {p.stderr!r}")
        expect(not os.path.exists(marker), f"run {flags} started nothing")
    marker = tempfile.mktemp()
    p = hb("run", "--allow-partial", "--fs-readonly", "touch", marker)
    expect_eq(p.returncode, 0, "--allow-partial runs it")
    expect(re.search(r"^hermetic-bpf: warning: .*(filesystem|fs-readonly).*: not enforced",
                     p.stderr, re.M), f"with a warning: {p.stderr!r}")
    expect(os.path.exists(marker), "the unguarded command ran (and could write)")
    os.unlink(marker)


@case("always")
def fs_flags_bad_input():
    marker = tempfile.mktemp()
    tier_a = C.TIER == "BPF-LSM"
    for args, msg in ((["--allow-write", "/nonexistent"],
                       "--allow-write /nonexistent: No such file or directory"),
                      (["--fs-readonly=/nonexistent"], "/nonexistent: No such file or directory"),
                      (["--fs-readonly", "/nonexistent/dir"], "/nonexistent/dir: No such file or "
                                                              "directory"),
                      (["--fs-readonly=/tmp", "--allow-read", "/nonexistent"],
                       "--allow-read /nonexistent: No such file or directory")):
        p = hb("run", *args, "touch", marker)
        expect_eq(p.returncode, 125, f"run {args}")
        # Without BPF-LSM the refusal may come before the paths are looked at.
        expect(msg in p.stderr or (not tier_a and ": not enforced" in p.stderr),
               f"run {args} names flag, path and reason: {p.stderr!r}")
        expect(not os.path.exists(marker), f"run {args} started nothing")
    # --allow-read needs a root. (Alone it turns no guard on: nothing to
    # refuse; with --fs-readonly a refusal may come first without BPF-LSM.)
    for args, refusal_ok in ((["--allow-read", "/tmp"], False),
                             (["--fs-readonly", "--allow-read", "/tmp"], not tier_a)):
        p = hb("run", *args, "touch", marker)
        expect_eq(p.returncode, 125, f"run {args}: --allow-read needs a root")
        expect(("--allow-read" in p.stderr and "--fs-readonly" in p.stderr) or
               (refusal_ok and ": not enforced" in p.stderr),
               f"run {args} says --allow-read needs --fs-readonly=ROOT: {p.stderr!r}")
        expect(not os.path.exists(marker), f"run {args} started nothing")
