# SPDX-License-Identifier: GPL-2.0-only
"""Tier B against user namespaces and re-pointed paths (spec/tiers.md,
"What every tier B sandbox gets"; spec/network.md, "Unix sockets"),
registered into cases.py like fs_cases.py.

Tier B's --allow-unix judges the path a client names. A user namespace's
bind mount, or a symlink in a directory the command may change, would put
another socket at that path: the sandbox gets no user namespace, its
Landlock domain freezes the mount topology, and a path the command's user
could re-point is refused at start. Each case asserts the denial and that
the allowed socket (by its real path) and ordinary programs still work.
"""
import os
import shutil
import socket
import tempfile
import threading

import cases as C
from cases import TESTER, case, expect, expect_eq, expect_tokens, hb
from tierb_seal_cases import tier_b_guard_sets

UID = int(TESTER["SUDO_UID"])
GID = int(TESTER["SUDO_GID"])

# unshare(CLONE_NEWUSER|CLONE_NEWNS), a bind mount of FORBIDDEN over
# ALLOWED, then connect(ALLOWED): one token per step.
ESCAPE = r"""
import ctypes, errno, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
allowed, forbidden = sys.argv[1], sys.argv[2]

def connect(path):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        return "reached:" + s.recv(64).decode()
    except OSError as e:
        return errno.errorcode[e.errno]

out = [connect(allowed)]
if libc.unshare(0x10000000 | 0x20000):
    out.append("unshare:" + errno.errorcode[ctypes.get_errno()])
elif libc.mount(forbidden.encode(), allowed.encode(), None, 4096, None):
    out.append("mount:" + errno.errorcode[ctypes.get_errno()])
else:
    out.append("mounted")
out.append(connect(allowed))
print(" ".join(out))
"""


class Servers:
    """Stream sockets anyone may reach that answer with their own name."""

    def __init__(self, *paths):
        self.socks = []
        for path in paths:
            if os.path.lexists(path):
                os.unlink(path)
            s = socket.socket(socket.AF_UNIX)
            s.bind(path)
            os.chmod(path, 0o777)
            s.listen(8)
            name = os.path.basename(path).encode()
            threading.Thread(target=self.serve, args=(s, name), daemon=True).start()
            self.socks.append(s)

    @staticmethod
    def serve(s, name):
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            c.sendall(name)
            c.close()

    def close(self):
        for s in self.socks:
            s.close()


def root_dir():
    """A directory of root's that the tester may search but not change."""
    d = tempfile.mkdtemp(prefix="hb-userns-")
    os.chmod(d, 0o755)
    return d


def guards_with_paths():
    """The tier B guards that judge paths, one flag set each."""
    return [f for f in tier_b_guard_sets() if f != ["--no-subprocess"]]


@case("tierB")
def allow_unix_cannot_be_remounted_from_a_user_namespace():
    d = root_dir()
    allowed, forbidden = os.path.join(d, "allowed"), os.path.join(d, "forbidden")
    srv = Servers(allowed, forbidden)
    try:
        # The neighbour first: without a guard the tester's namespace mounts.
        p = hb("run", C.PY, "-c", ESCAPE, allowed, forbidden, env=TESTER)
        expect_tokens(p.stdout.split(), ["reached:allowed", "mounted", "reached:forbidden"],
                      f"no guard: the user namespace works here: {p.stderr!r}")
        for flags in guards_with_paths():
            extra = ["--allow-unix", allowed] if flags == ["--no-network"] else []
            p = hb("run", *flags, *extra, C.PY, "-c", ESCAPE, allowed, forbidden, env=TESTER)
            expect_tokens(p.stdout.split(), ["reached:allowed", "unshare:EPERM",
                                             "reached:allowed"],
                          f"{flags}: no user namespace; the allowed socket by its path: "
                          f"{p.stderr!r}")
    finally:
        srv.close()
        shutil.rmtree(d)


@case("tierB")
def root_cannot_mount_in_a_tier_b_sandbox():
    """Root (only with --allow-partial in tier B) in a mount namespace of
    its own: the Landlock domain of a network-only sandbox denies mounts."""
    d = root_dir()
    # Private first (MS_REC|MS_PRIVATE), so that nothing reaches the host.
    script = ("import ctypes, errno, os, sys\n"
              "libc = ctypes.CDLL(None, use_errno=True)\n"
              "def err(): return errno.errorcode[ctypes.get_errno()]\n"
              "if libc.unshare(0x20000): print('unshare:' + err())\n"
              "elif libc.mount(None, b'/', None, 0x4000 | 0x40000, None):\n"
              "    print('mount:' + err())\n"
              "elif libc.mount(b'none', sys.argv[1].encode(), b'tmpfs', 0, None):\n"
              "    print('mount:' + err())\n"
              "else: print('mounted')\n")
    try:
        p = hb("run", "--allow-partial", "--no-network", C.PY, "-c", script, d, env={})
        expect_eq(p.stdout.split(), ["mount:EPERM"], f"--no-network, as root: {p.stderr!r}")
        p = hb("run", C.PY, "-c", script, d, env={})
        expect_eq(p.stdout.split(), ["mounted"], f"no guard, as root: {p.stderr!r}")
    finally:
        shutil.rmtree(d)


THREADS = ("import threading\n"
           "out = []\n"
           "ts = [threading.Thread(target=out.append, args=(i,)) for i in range(4)]\n"
           "[t.start() for t in ts]; [t.join() for t in ts]\n"
           "print(sorted(out))\n")


@case("tierB")
def threads_and_children_start_without_clone3():
    for flags in guards_with_paths():
        p = hb("run", *flags, C.PY, "-c", THREADS, env=TESTER)
        expect_eq((p.returncode, p.stdout.strip()), (0, "[0, 1, 2, 3]"),
                  f"{flags}: python threads: {p.stderr!r}")
        p = hb("run", *flags, "sh", "-c", "ls -d / & wait", env=TESTER)
        expect_eq((p.returncode, p.stdout.strip()), (0, "/"),
                  f"{flags}: sh -c 'ls & wait': {p.stderr!r}")


@case("tierB")
def allow_unix_path_the_user_could_repoint_is_refused():
    top = root_dir()
    mine = os.path.join(top, "mine")      # the tester's: it may rename inside
    theirs = os.path.join(top, "theirs")  # root's
    os.mkdir(mine)
    os.chown(mine, UID, GID)
    os.mkdir(theirs, 0o755)
    srv = Servers(os.path.join(mine, "s"), os.path.join(theirs, "s"))
    os.symlink(os.path.join(mine, "s"), os.path.join(theirs, "to-mine"))
    os.symlink(os.path.join(theirs, "s"), os.path.join(mine, "to-theirs"))
    try:
        # The first entry it may change: the socket; the one the symlink
        # leads to; the symlink itself.
        for path, entry in ((os.path.join(mine, "s"), os.path.join(mine, "s")),
                            (os.path.join(theirs, "to-mine"), os.path.join(mine, "s")),
                            (os.path.join(mine, "to-theirs"), os.path.join(mine, "to-theirs"))):
            p = hb("run", "--no-network", "--allow-unix", path, "true", env=TESTER)
            expect_eq(p.returncode, 125, f"--allow-unix {path}: {p.stderr!r}")
            expect(f"--allow-unix {path}: uid {UID} may rename or replace {entry}" in p.stderr
                   and "Hint:" in p.stderr, f"says why, with a hint: {p.stderr!r}")
        # The same from a policy file: named at its line.
        conf = os.path.join(top, "p.conf")
        with open(conf, "w") as f:
            f.write(f"no-network = yes\nallow-unix = {os.path.join(mine, 's')}\n")
        p = hb("run", "--policy", conf, "true", env=TESTER)
        expect(p.returncode == 125 and f"{conf}:2: --allow-unix {os.path.join(mine, 's')}: uid "
               f"{UID} may rename or replace" in p.stderr,
               f"a policy file's path, at its line: {p.stderr!r}")
        # The neighbour: a socket in root's directories, by its path.
        path = os.path.join(theirs, "s")
        p = hb("run", "--no-network", "--allow-unix", path, C.PY, "-c", ESCAPE, path, path,
               env=TESTER)
        expect_eq(p.stdout.split()[:1], ["reached:s"], f"--allow-unix {path}: {p.stderr!r}")
        # Root's command (only with --allow-partial) is not sealed: no check.
        p = hb("run", "--allow-partial", "--no-network", "--allow-unix",
               os.path.join(mine, "s"), "true", env={})
        expect_eq(p.returncode, 0, f"as root: {p.stderr!r}")
    finally:
        srv.close()
        shutil.rmtree(top)
