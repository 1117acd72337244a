# SPDX-License-Identifier: GPL-2.0-only
"""The seal's escape attempts for the cases, like procprobe.py.

Each action prints one token: "ok", a result, or the errno's name.
Usage: python3 sealprobe.py ACTION [ARGS...] | multi "ACTION ARGS" ...
"""
import ctypes
import fcntl
import os
import signal
import socket
import struct
import time

import netprobe
import procprobe

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NR_CLONE3 = 435
NR_PERF_EVENT_OPEN = 298
CLONE_INTO_CGROUP = 0x200000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
F_SETSIG = 10
TIOCSTI = 0x5412
TIOCGWINSZ = 0x5413
SIOCSIFMTU = 0x8922


def errno_raise():
    e = ctypes.get_errno()
    raise OSError(e, os.strerror(e))


def own_cgroup(cgroot):
    with open("/proc/self/cgroup") as f:
        rel = [l.split(":", 2)[2].strip() for l in f if l.startswith("0::")][0]
    return os.path.join(cgroot, rel.lstrip("/"))


# --- leaving the cgroup, or pulling others in ---------------------------

def clone3_into(cgdir, host, port, check_sub=False):
    """A child cloned straight into @cgdir connects to host:port: the
    child's verdict ("escaped", "confined"; "elsewhere" if @check_sub and
    it is not in @cgdir), or clone3's errno."""
    fd = os.open(cgdir, os.O_RDONLY | os.O_DIRECTORY)
    args = struct.pack("11Q", CLONE_INTO_CGROUP, 0, 0, 0, signal.SIGCHLD, 0, 0, 0, 0, 0, fd)
    buf = ctypes.create_string_buffer(args)
    pid = libc.syscall(NR_CLONE3, buf, ctypes.c_size_t(len(args)))
    if pid == 0:  # the child: one action, then out without Python's cleanup
        with open("/proc/self/cgroup") as f:
            where = f.read().strip()
        if check_sub and not where.endswith("/" + os.path.basename(cgdir)):
            os._exit(3)
        try:
            socket.create_connection((host, int(port)), timeout=3).close()
            os._exit(0)
        except OSError:
            os._exit(2)
    if pid < 0:
        errno_raise()
    os.close(fd)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    return {0: "escaped", 2: "confined", 3: "elsewhere"}.get(code, f"exit{code}")


def clone3_out(cgroot, host, port):
    return clone3_into(cgroot, host, port)


def clone3_sub(cgroot, host, port):
    """The neighbour: a child cloned into a cgroup of the sandbox's own."""
    sub = os.path.join(own_cgroup(cgroot), "hb-sub")
    os.makedirs(sub, exist_ok=True)
    return clone3_into(sub, host, port, check_sub=True)


def pull_in(cgroot, pid):
    """Writes an outside process's pid into the sandbox's own cgroup."""
    procprobe.write_file(os.path.join(own_cgroup(cgroot), "cgroup.procs"), str(pid))


def move_self_sub(cgroot):
    """The neighbour: the task moves itself into a cgroup of its own subtree."""
    sub = os.path.join(own_cgroup(cgroot), "hb-sub2")
    os.makedirs(sub, exist_ok=True)
    procprobe.write_file(os.path.join(sub, "cgroup.procs"), str(os.getpid()))
    return "moved" if own_cgroup(cgroot) == sub else "stayed"


# --- signals through a descriptor's owner -------------------------------

def sigio(pid):
    """SIGIO to @pid: a pipe owned by it, made ready by our write."""
    r, w = os.pipe()
    fcntl.fcntl(r, fcntl.F_SETOWN, int(pid))
    fcntl.fcntl(r, fcntl.F_SETFL, fcntl.fcntl(r, fcntl.F_GETFL) | os.O_ASYNC)
    os.write(w, b"x")
    time.sleep(0.3)
    return "sent"


def sigurg(pid):
    """SIGURG to @pid: urgent data on a unix stream socket it owns."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    fcntl.fcntl(a.fileno(), fcntl.F_SETOWN, int(pid))
    b.send(b"!", socket.MSG_OOB)
    time.sleep(0.3)
    return "sent"


def sig_own_child(kind):
    """The neighbour: SIGIO (or SIGURG, handled) to a child in the sandbox."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        signal.signal(signal.SIGURG, lambda *a: os.write(w, b"u"))
        signal.signal(signal.SIGIO, lambda *a: os.write(w, b"i"))
        os.write(w, b"r")
        for _ in range(50):
            time.sleep(0.1)
        os._exit(0)
    os.close(w)
    os.read(r, 1)  # ready: handlers installed
    (sigio if kind == "io" else sigurg)(pid)
    os.set_blocking(r, False)
    try:
        got = os.read(r, 8).decode()
    except BlockingIOError:
        got = ""
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return f"got-{got}" if got else "none"


# --- terminals ----------------------------------------------------------

def in_new_session(fn, *args):
    """@fn in a forked child that leads a session of its own (so that the
    terminal it opens becomes its controlling one): "ok" or the errno."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.setsid()
            fn(*args)
        except OSError as e:
            code = e.errno or 255
        os._exit(code)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if code:
        raise OSError(code, os.strerror(code))


def type_into(tty):
    fd = os.open(tty, os.O_RDWR)
    fcntl.ioctl(fd, TIOCGWINSZ, b"\0" * 8)  # the terminal itself works
    fcntl.ioctl(fd, TIOCSTI, b"#")


def use_tty(tty):
    import termios
    fd = os.open(tty, os.O_RDWR)
    fcntl.ioctl(fd, TIOCGWINSZ, b"\0" * 8)
    termios.tcsetattr(fd, termios.TCSANOW, termios.tcgetattr(fd))
    os.write(fd, b"hello\r\n")


def tiocsti(tty):
    """Types a character into @tty, its controlling terminal."""
    in_new_session(type_into, tty)


def tty_works(tty):
    """The neighbour: the same terminal, read, configured and written."""
    in_new_session(use_tty, tty)


# --- perf ---------------------------------------------------------------

def perf_open(pid, cpu, exclude_kernel="1"):
    """A software counter (task clock) on @pid/@cpu, as perf would."""
    flags = 1 | 64 | (32 if exclude_kernel == "1" else 0)  # disabled, exclude_hv
    attr = struct.pack("IIQQQQQ", 1, 64, 1, 0, 0, 0, flags) + b"\0" * 16
    buf = ctypes.create_string_buffer(attr)
    fd = libc.syscall(NR_PERF_EVENT_OPEN, buf, int(pid), int(cpu), -1, 0)
    if fd < 0:
        errno_raise()
    os.close(fd)


def perf_self():
    perf_open(0, -1)


def perf_cpu():
    perf_open(-1, 0)


def perf_pid(pid):
    perf_open(pid, -1)


def perf_kernel():
    perf_open(0, -1, "0")


# --- capabilities of a root command -------------------------------------

def set_mtu(ifname, mtu):
    """CAP_NET_ADMIN on the host's own interface."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    req = struct.pack("16si12x", ifname.encode(), int(mtu))
    fcntl.ioctl(s.fileno(), SIOCSIFMTU, req)


def sethostname():
    name = os.uname().nodename.encode()
    if libc.sethostname(name, len(name)) != 0:
        errno_raise()


NR_MOUNT_SETATTR = 442
MOUNT_ATTR_NOSYMFOLLOW = 0x00200000


def mount_setattr(path):
    """Sets nosymfollow on the mount at @path, then clears it again
    (CAP_SYS_ADMIN over the mount's namespace: the host's)."""
    for set_, clr in ((MOUNT_ATTR_NOSYMFOLLOW, 0), (0, MOUNT_ATTR_NOSYMFOLLOW)):
        attr = struct.pack("QQQQ", set_, clr, 0, 0)
        buf = ctypes.create_string_buffer(attr, len(attr))
        if libc.syscall(ctypes.c_long(NR_MOUNT_SETATTR), ctypes.c_long(-100),
                        ctypes.c_char_p(path.encode()), ctypes.c_long(0), buf,
                        ctypes.c_long(len(attr))) != 0:
            errno_raise()
    return "ok"


def chown_tmp():
    path = f"/tmp/hb-chown-{os.getpid()}"
    open(path, "w").close()
    try:
        os.chown(path, 1000, 1000)
    finally:
        os.unlink(path)


def mknod_dev(path):
    """A character device node (/dev/kmsg's numbers): CAP_MKNOD."""
    import stat
    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 11))
    os.unlink(path)


def userns_netns():
    """A user namespace of its own, and a network namespace in it."""
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        errno_raise()


# --- the kernel's other filesystems -------------------------------------

def mkdir_rm(path):
    """Makes @path (its errno if refused), then removes it if it may."""
    os.mkdir(path)
    try:
        os.rmdir(path)
    except OSError:
        pass


def symlink_rm(path):
    os.symlink("/tmp", path)
    try:
        os.unlink(path)
    except OSError:
        pass


def mkfifo_rm(path):
    os.mkfifo(path)
    os.unlink(path)


def dns_extra(server, name):
    """An A query for @name with a TXT record of our own in the additional
    section, to @server:53: "answered" if the reply has an answer."""
    qname = b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\0"
    txt = b"\x12exfiltrated-secret"
    msg = (struct.pack("!6H", 0x1234, 0x0100, 1, 0, 0, 1) + qname + struct.pack("!2H", 1, 1) +
           b"\x01x\0" + struct.pack("!2HIH", 16, 1, 0, len(txt)) + txt)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(msg, (server, 53))
        reply = s.recv(4096)
    return "answered" if struct.unpack("!6H", reply[:12])[3] > 0 else "empty"


def pidfd_self():
    """A pidfd of its own (pidfs since Linux 6.9: a file opened for writing)."""
    os.close(os.pidfd_open(os.getpid()))


def chattr_nodump(path):
    """chattr +d through FS_IOC_SETFLAGS (the owner may; no capability)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        cur = struct.unpack("i", fcntl.ioctl(fd, 0x80086601, b"\0" * 8)[:4])[0]
        fcntl.ioctl(fd, 0x40086602, struct.pack("q", cur | 0x40))
    finally:
        os.close(fd)


ACTIONS = dict(netprobe.ACTIONS)
ACTIONS.update(procprobe.ACTIONS)
ACTIONS.update({
    "clone3_out": clone3_out, "clone3_sub": clone3_sub, "pull_in": pull_in,
    "move_self_sub": move_self_sub, "sigio": sigio, "sigurg": sigurg,
    "sig_own_child": sig_own_child, "tiocsti": tiocsti, "tty_works": tty_works,
    "perf_self": perf_self, "perf_cpu": perf_cpu, "perf_pid": perf_pid,
    "perf_kernel": perf_kernel, "set_mtu": set_mtu, "sethostname": sethostname,
    "chown_tmp": chown_tmp, "mount_setattr": mount_setattr, "userns_netns": userns_netns, "mknod_dev": mknod_dev, "mkdir_rm": mkdir_rm,
    "symlink_rm": symlink_rm, "mkfifo_rm": mkfifo_rm, "chattr_nodump": chattr_nodump,
    "dns_extra": dns_extra, "pidfd_self": pidfd_self,
})

if __name__ == "__main__":
    netprobe.main(ACTIONS)
