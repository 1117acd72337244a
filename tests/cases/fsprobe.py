# SPDX-License-Identifier: GPL-2.0-only
"""Filesystem actions for the cases of the filesystem guard, like netprobe.py.

Each action prints one token: "ok", a result, or the errno's name (EROFS,
EACCES, ...). A child program's failure is named by the errno whose message
it printed (busybox says "Read-only file system": EROFS), else "exitN".
Usage: python3 fsprobe.py ACTION [ARGS...] | multi "ACTION ARGS" ...

In multi mode arguments are split on spaces: an argument may carry any byte
percent-encoded ("%0a" is a newline, "%20" a space, "%25" a percent sign).
Raw system calls: "sys NAME ARG...", where an ARG is an integer, a name
(AT_FDCWD, O_WRONLY|O_CREAT, RENAME_EXCHANGE, UID, GID, NULL, BUF for a
4 KiB output buffer, how=FLAGS for openat2's struct open_how) or else a
string passed as a pointer to its bytes.
"""
import ctypes
import errno
import importlib
import mmap
import os
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

import netprobe

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

# x86_64 system call numbers.
SYS = {
    "open": 2, "stat": 4, "lstat": 6, "truncate": 76, "ftruncate": 77, "rename": 82,
    "mkdir": 83, "rmdir": 84, "creat": 85, "link": 86, "unlink": 87, "symlink": 88,
    "readlink": 89, "chmod": 90, "fchmod": 91, "chown": 92, "fchown": 93, "lchown": 94,
    "utime": 132, "mknod": 133, "setxattr": 188, "lsetxattr": 189, "fsetxattr": 190,
    "removexattr": 197, "lremovexattr": 198, "fremovexattr": 199, "utimes": 235,
    "openat": 257, "mkdirat": 258, "mknodat": 259, "fchownat": 260, "futimesat": 261,
    "newfstatat": 262, "unlinkat": 263, "renameat": 264, "linkat": 265, "symlinkat": 266,
    "readlinkat": 267, "fchmodat": 268, "utimensat": 280, "fallocate": 285,
    "renameat2": 316, "statx": 332, "io_uring_setup": 425, "io_uring_enter": 426,
    "openat2": 437,
}

CONST = {
    "AT_FDCWD": -100, "AT_SYMLINK_NOFOLLOW": 0x100, "AT_REMOVEDIR": 0x200,
    "AT_EMPTY_PATH": 0x1000, "RENAME_NOREPLACE": 1, "RENAME_EXCHANGE": 2,
    "S_IFREG": stat.S_IFREG, "S_IFIFO": stat.S_IFIFO, "S_IFSOCK": stat.S_IFSOCK,
    "FALLOC_FL_KEEP_SIZE": 1, "STATX_BASIC_STATS": 0x7ff,
}

# What a child program's message says, to name the errno it got.
CHILD_ERRNOS = ("EROFS", "EACCES", "EPERM", "ENOENT", "EEXIST", "EXDEV", "ENOTEMPTY",
                "EISDIR", "ENOTDIR", "EINVAL", "ENOSPC", "ELOOP")


def P(arg):
    """A path (or name) from the command line, percent-decoded."""
    return os.fsdecode(urllib.parse.unquote_to_bytes(arg)) if "%" in arg else arg


def flags(spec):
    """"O_WRONLY|O_CREAT" (or a number) to an int."""
    value = 0
    for part in spec.split("|"):
        if part in CONST:
            value |= CONST[part]
        elif part.startswith("O_") and hasattr(os, part):
            value |= getattr(os, part)
        else:
            value |= int(part, 0)
    return value


def oserror():
    e = ctypes.get_errno()
    return OSError(e, os.strerror(e))


def child_token(p):
    if p.returncode == 0:
        return "ok"
    for name in CHILD_ERRNOS:
        if os.strerror(getattr(errno, name)) in p.stderr:
            return name
    return f"exit{p.returncode}"


# --- reading -------------------------------------------------------------

def read(path):
    with open(P(path), "rb") as f:
        f.read(1)


def listdir(path):
    os.listdir(P(path))


def do_stat(path):
    os.stat(P(path))


def do_lstat(path):
    os.lstat(P(path))


def readlink(path):
    os.readlink(P(path))


def do_exec(path, *args):
    """Runs PATH ARGS: "ok" for status 0, else "exitN"; EACCES if it cannot start."""
    p = subprocess.run([P(path), *map(P, args)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return "ok" if p.returncode == 0 else f"exit{p.returncode}"


def reopen(path, how="O_WRONLY", first="O_RDONLY"):
    """Opens PATH with @first (read-only), then /proc/self/fd/N of it with @how."""
    fd = os.open(P(path), flags(first))
    try:
        os.close(os.open(f"/proc/self/fd/{fd}", flags(how)))
    finally:
        os.close(fd)


def memfd_reopen(how="O_WRONLY"):
    """A memfd (a file the kernel makes without an open, on its own
    internal mount), re-opened through /proc/self/fd/N with @how."""
    fd = os.memfd_create("hb-probe")
    try:
        os.write(fd, b"x")
        os.close(os.open(f"/proc/self/fd/{fd}", flags(how)))
    finally:
        os.close(fd)


def opath_fstat(path):
    """An O_PATH descriptor reads nothing; fstat() on it is a stat."""
    fd = os.open(P(path), os.O_PATH)
    try:
        os.fstat(fd)
    finally:
        os.close(fd)


def chdir(path):
    os.chdir(P(path))


# --- changing ------------------------------------------------------------

def do_open(path, how, text=None):
    """os.open(PATH, HOW, 0o644), writes TEXT and a newline if given."""
    fd = os.open(P(path), flags(how), 0o644)
    try:
        if text is not None:
            os.write(fd, P(text).encode() + b"\n")
    finally:
        os.close(fd)


def tmpfile(directory):
    os.close(os.open(P(directory), os.O_TMPFILE | os.O_WRONLY, 0o600))


def mknod(path):
    os.mknod(P(path), 0o600 | stat.S_IFREG)


def mkfifo(path):
    os.mkfifo(P(path), 0o600)


def bind_unix(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(P(path))


def mkdir(path):
    os.mkdir(P(path))


def rmdir(path):
    os.rmdir(P(path))


def unlink(path):
    os.unlink(P(path))


def rename(old, new):
    os.rename(P(old), P(new))


def link(old, new):
    os.link(P(old), P(new))


def symlink(target, path):
    os.symlink(P(target), P(path))


def truncate(path, length="0"):
    os.truncate(P(path), int(length))


def chmod(path, mode="0o640"):
    os.chmod(P(path), int(mode, 0))


def fchmod(path, mode="0o640"):
    fd = os.open(P(path), os.O_RDONLY)
    try:
        os.fchmod(fd, int(mode, 0))
    finally:
        os.close(fd)


def chown(path):
    """To our own uid and gid: allowed to any owner, but still a change."""
    os.chown(P(path), os.getuid(), os.getgid())


def lchown(path):
    os.lchown(P(path), os.getuid(), os.getgid())


def fchown(path):
    fd = os.open(P(path), os.O_RDONLY)
    try:
        os.fchown(fd, os.getuid(), os.getgid())
    finally:
        os.close(fd)


def utime(path):
    os.utime(P(path), (1, 1))


def utime_now(path):
    os.utime(P(path), None)


def futimens(path):
    fd = os.open(P(path), os.O_RDONLY)
    try:
        os.utime(fd, (1, 1))
    finally:
        os.close(fd)


def setxattr(path, name="user.hb"):
    os.setxattr(P(path), name, b"1")


def lsetxattr(path, name="user.hb"):
    os.setxattr(P(path), name, b"1", follow_symlinks=False)


def fsetxattr(path, name="user.hb"):
    fd = os.open(P(path), os.O_RDONLY)
    try:
        os.setxattr(fd, name, b"1")
    finally:
        os.close(fd)


def removexattr(path, name="user.hb"):
    os.removexattr(P(path), name)


def fremovexattr(path, name="user.hb"):
    fd = os.open(P(path), os.O_RDONLY)
    try:
        os.removexattr(fd, name)
    finally:
        os.close(fd)


# A minimal POSIX ACL (user::rw- group::r-- other::r--), as the kernel
# takes it in system.posix_acl_access.
ACL_0644 = struct.pack("<I", 2) + b"".join(
    struct.pack("<HHI", tag, perm, 0xffffffff) for tag, perm in ((1, 6), (4, 4), (0x20, 4)))


def setacl(path):
    os.setxattr(P(path), "system.posix_acl_access", ACL_0644)


def mkstemp(directory):
    fd, name = tempfile.mkstemp(dir=P(directory))
    os.write(fd, b"x")
    os.close(fd)


def import_fresh(directory, module):
    """Imports MODULE from DIRECTORY with bytecode writing on (CPython
    skips writing __pycache__ it cannot write)."""
    sys.dont_write_bytecode = False
    sys.path.insert(0, P(directory))
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return "ImportError"
    return getattr(mod, "TOKEN", "ok")


# --- what keeps working ---------------------------------------------------

def pipe():
    r, w = os.pipe()
    os.write(w, b"x")
    if os.read(r, 1) != b"x":
        raise OSError(errno.EIO, "pipe lost data")
    os.close(r)
    os.close(w)


def fifo(path):
    """Data through an existing FIFO (O_RDWR does not block on Linux)."""
    fd = os.open(P(path), os.O_RDWR | os.O_NONBLOCK)
    try:
        os.write(fd, b"x")
        if os.read(fd, 1) != b"x":
            raise OSError(errno.EIO, "fifo lost data")
    finally:
        os.close(fd)


def openpty():
    """A pseudo-terminal: /dev/ptmx, then the user's own /dev/pts/N."""
    master, slave = os.openpty()
    try:
        os.write(slave, b"x")
        if os.read(master, 1) != b"x":
            raise OSError(errno.EIO, "pty lost data")
    finally:
        os.close(master)
        os.close(slave)


def devwrite(path):
    fd = os.open(P(path), os.O_WRONLY)
    try:
        os.write(fd, b"hb\n")
    finally:
        os.close(fd)


def ftruncate_fd(fd, length="0"):
    os.ftruncate(int(fd), int(length))


def fallocate_fd(fd, length="4096"):
    """fallocate(FALLOC_FL_KEEP_SIZE): space, not content."""
    if libc.fallocate(int(fd), 1, ctypes.c_long(0), ctypes.c_long(int(length))) != 0:
        raise oserror()


def say(word):
    """Prints WORD on a line of its own now (for a case waiting on it)."""
    print(word, flush=True)


def wait(path, timeout="60"):
    """Until PATH exists: the case outside makes it when it is ready."""
    deadline = time.time() + float(timeout)
    while not os.path.exists(P(path)):
        if time.time() > deadline:
            raise OSError(errno.ETIMEDOUT, f"no {path}")
        time.sleep(0.02)


# --- other processes -------------------------------------------------------

def child(*argv):
    """A child program: PATH ARGS."""
    p = subprocess.run([P(a) for a in argv], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return child_token(p)


def sh(*words):
    """busybox sh -c "WORDS; exit $?": what WORDS runs is a grandchild."""
    script = " ".join(P(w) for w in words) + "; exit $?"
    p = subprocess.run(["/bin/busybox", "sh", "-c", script], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return child_token(p)


# --- raw system calls ----------------------------------------------------

class OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64),
                ("resolve", ctypes.c_uint64)]


def sys_arg(arg, keep):
    """One argument of "sys": see the module's docstring."""
    if arg == "NULL":
        return None
    if arg == "UID":
        return ctypes.c_long(os.getuid())
    if arg == "GID":
        return ctypes.c_long(os.getgid())
    if arg == "BUF":
        buf = ctypes.create_string_buffer(4096)
        keep.append(buf)
        return buf
    if arg.startswith("how="):
        f = flags(arg[4:])
        creates = f & os.O_CREAT or f & os.O_TMPFILE == os.O_TMPFILE
        how = OpenHow(f, 0o644 if creates else 0, 0)
        keep.append(how)
        return ctypes.byref(how)
    try:
        return ctypes.c_long(flags(arg))
    except ValueError:
        return os.fsencode(P(arg))


def raw(name, *args):
    """libc.syscall(SYS[NAME], ARGS...); a returned descriptor is closed."""
    keep = []
    rc = libc.syscall(ctypes.c_long(SYS[name]), *(sys_arg(a, keep) for a in args))
    if rc == -1:
        raise oserror()
    if name in ("open", "openat", "openat2", "creat"):
        os.close(rc)


# --- io_uring (raw: no liburing in the guest) --------------------------------

class UringParams(ctypes.Structure):
    _fields_ = [("sq_entries", ctypes.c_uint32), ("cq_entries", ctypes.c_uint32),
                ("flags", ctypes.c_uint32), ("sq_thread_cpu", ctypes.c_uint32),
                ("sq_thread_idle", ctypes.c_uint32), ("features", ctypes.c_uint32),
                ("wq_fd", ctypes.c_uint32), ("resv", ctypes.c_uint32 * 3),
                # io_sqring_offsets: head tail ring_mask ring_entries flags
                # dropped array resv1 user_addr(2); io_cqring_offsets: head
                # tail ring_mask ring_entries overflow cqes flags resv1 user_addr(2)
                ("sq_off", ctypes.c_uint32 * 10), ("cq_off", ctypes.c_uint32 * 10)]


URING_OPS = {"openat": 18, "renameat": 35, "unlinkat": 36, "mkdirat": 37,
             "symlinkat": 38, "linkat": 39}
AT_FDCWD_U32 = (-100) & 0xffffffff


def uring(op, *args):
    """One operation through io_uring: "ok", the errno of the operation, or
    "setup:ERRNO" when io_uring itself is refused.

    openat PATH FLAGS | unlinkat PATH [AT_REMOVEDIR] | mkdirat PATH |
    renameat OLD NEW | linkat OLD NEW | symlinkat TARGET PATH
    """
    params = UringParams()
    ring = libc.syscall(ctypes.c_long(SYS["io_uring_setup"]), ctypes.c_long(4),
                        ctypes.byref(params))
    if ring < 0:
        return "setup:" + errno.errorcode.get(ctypes.get_errno(), "?")
    try:
        sq_off, cq_off = params.sq_off, params.cq_off
        rw = dict(flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        sq = mmap.mmap(ring, sq_off[6] + params.sq_entries * 4, offset=0, **rw)
        cq = mmap.mmap(ring, cq_off[5] + params.cq_entries * 16, offset=0x8000000, **rw)
        sqes = mmap.mmap(ring, params.sq_entries * 64, offset=0x10000000, **rw)
        bufs = [ctypes.create_string_buffer(os.fsencode(P(a))) for a in args]
        ptr = [ctypes.addressof(b) for b in bufs]
        fd, off, addr, length, op_flags = AT_FDCWD_U32, 0, ptr[0], 0, 0
        if op == "openat":
            length, op_flags = 0o644, flags(args[1])
        elif op == "unlinkat":
            op_flags = flags(args[1]) if len(args) > 1 else 0
        elif op == "mkdirat":
            length = 0o755
        elif op in ("renameat", "linkat"):
            length, off = AT_FDCWD_U32, ptr[1]
        elif op == "symlinkat":
            off = ptr[1]
        fd = fd - (1 << 32)  # the sqe's fd is signed: AT_FDCWD
        struct.pack_into("<BBHiQQIIQHHiQQ", sqes, 0, URING_OPS[op], 0, 0, fd, off, addr,
                         length, op_flags, 0x4842, 0, 0, 0, 0, 0)
        tail = struct.unpack_from("<I", sq, sq_off[1])[0]
        mask = struct.unpack_from("<I", sq, sq_off[2])[0]
        struct.pack_into("<I", sq, sq_off[6] + (tail & mask) * 4, 0)
        struct.pack_into("<I", sq, sq_off[1], tail + 1)
        if libc.syscall(ctypes.c_long(SYS["io_uring_enter"]), ctypes.c_long(ring),
                        ctypes.c_long(1), ctypes.c_long(1), ctypes.c_long(1), None,
                        ctypes.c_long(0)) < 0:
            return "enter:" + errno.errorcode.get(ctypes.get_errno(), "?")
        head = struct.unpack_from("<I", cq, cq_off[0])[0]
        cmask = struct.unpack_from("<I", cq, cq_off[2])[0]
        _, res, _ = struct.unpack_from("<QiI", cq, cq_off[5] + (head & cmask) * 16)
        struct.pack_into("<I", cq, cq_off[0], head + 1)
        for m in (sq, cq, sqes):
            m.close()
    finally:
        os.close(ring)
    if res < 0:
        raise OSError(-res, os.strerror(-res))
    if op == "openat":
        os.close(res)


ACTIONS = {
    "read": read, "listdir": listdir, "stat": do_stat, "lstat": do_lstat,
    "readlink": readlink, "exec": do_exec, "reopen": reopen,
    "memfd_reopen": memfd_reopen,
    "opath_fstat": opath_fstat, "chdir": chdir,
    "open": do_open, "tmpfile": tmpfile, "mknod": mknod, "mkfifo": mkfifo,
    "bind_unix": bind_unix, "mkdir": mkdir, "rmdir": rmdir, "unlink": unlink,
    "rename": rename, "link": link, "symlink": symlink, "truncate": truncate,
    "chmod": chmod, "fchmod": fchmod, "chown": chown, "lchown": lchown,
    "fchown": fchown, "utime": utime, "utime_now": utime_now, "futimens": futimens,
    "setxattr": setxattr, "lsetxattr": lsetxattr, "fsetxattr": fsetxattr,
    "removexattr": removexattr, "fremovexattr": fremovexattr, "setacl": setacl,
    "mkstemp": mkstemp, "import": import_fresh, "pipe": pipe, "fifo": fifo,
    "openpty": openpty,
    "devwrite": devwrite, "ftruncate_fd": ftruncate_fd, "fallocate_fd": fallocate_fd,
    "say": say, "wait": wait, "child": child, "sh": sh, "sys": raw, "uring": uring,
}

if __name__ == "__main__":
    netprobe.main(ACTIONS)
