# SPDX-License-Identifier: GPL-2.0-only
"""Roads into executable memory that no mmap or mprotect call announces,
for the --block-native cases (spec/exec.md), like procprobe.py.

Each action prints one token: "ok", a result, or the errno's name.
Usage: python3 memprobe.py ACTION [ARGS...] | multi "ACTION ARGS" ...
"""
import ctypes
import errno
import os
import signal
import time

import netprobe
import procprobe

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.sbrk.restype = ctypes.c_void_p
libc.personality.argtypes = [ctypes.c_ulong]
NR_USERFAULTFD = 323
NR_PROCESS_VM_WRITEV = 311
UFFD_USER_MODE_ONLY = 1
USERFAULTFD_IOC_NEW = 0xaa00
READ_IMPLIES_EXEC = 0x0400000
ADDR_NO_RANDOMIZE = 0x0040000
PTRACE_TRACEME, PTRACE_PEEKDATA, PTRACE_ATTACH, PTRACE_DETACH = 0, 2, 16, 17
# mov eax, 42; ret
RETURN_42 = b"\xb8\x2a\x00\x00\x00\xc3"


def errno_raise():
    e = ctypes.get_errno()
    raise OSError(e, os.strerror(e))


def trusted_function():
    """A function of a trusted library (root's file in root's directory),
    mapped read+exec: zlib's zlibVersion(), as a ctypes function."""
    libdir = "/lib/x86_64-linux-gnu"
    name = sorted(f for f in os.listdir(libdir) if f.startswith("libz.so"))[0]
    lib = ctypes.CDLL(os.path.join(libdir, name))
    lib.zlibVersion.restype = ctypes.c_int
    return lib.zlibVersion


def self_mem_code():
    """Writes "return 42" over a trusted function through /proc/self/mem
    (FOLL_FORCE writes through the page protection), then calls it."""
    fn = trusted_function()
    addr = ctypes.cast(fn, ctypes.c_void_p).value
    fd = os.open("/proc/self/mem", os.O_RDWR)
    try:
        os.pwrite(fd, RETURN_42, addr)
    finally:
        os.close(fd)
    return str(fn())


def self_mem_read():
    """The neighbour: reading its own memory."""
    fd = os.open("/proc/self/mem", os.O_RDONLY)
    try:
        addr = ctypes.cast(trusted_function(), ctypes.c_void_p).value
        return "ok" if len(os.pread(fd, 6, addr)) == 6 else "short"
    finally:
        os.close(fd)


def userfaultfd():
    """A userfaultfd (user faults only: no privilege or sysctl needed)."""
    fd = libc.syscall(ctypes.c_long(NR_USERFAULTFD),
                      ctypes.c_long(os.O_CLOEXEC | UFFD_USER_MODE_ONLY))
    if fd < 0:
        errno_raise()
    os.close(fd)
    return "ok"


def userfaultfd_dev():
    """The same through /dev/userfaultfd (Linux 6.1+, root may open it)."""
    import fcntl
    dev = os.open("/dev/userfaultfd", os.O_RDWR | os.O_CLOEXEC)
    try:
        fd = fcntl.ioctl(dev, USERFAULTFD_IOC_NEW, os.O_CLOEXEC | UFFD_USER_MODE_ONLY)
    finally:
        os.close(dev)
    os.close(fd)
    return "ok"


def with_child(fn):
    """@fn(pid) on a child of ours in the same sandbox, then the child ends."""
    pid = os.fork()
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    try:
        return fn(pid)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def attach(pid):
    if libc.ptrace(PTRACE_ATTACH, pid, None, None) < 0:
        errno_raise()
    os.waitpid(pid, 0)
    libc.ptrace(PTRACE_DETACH, pid, None, None)
    return "ok"


def child_attach():
    """PTRACE_ATTACH to its own child (then POKETEXT could write code)."""
    return with_child(attach)


def child_mem_write():
    """Opens the child's /proc/PID/mem for writing."""
    def open_mem(pid):
        os.close(os.open(f"/proc/{pid}/mem", os.O_RDWR))
        return "ok"
    return with_child(open_mem)


def child_vm_writev():
    """process_vm_writev() into the child (the address is the same: forked)."""
    buf = ctypes.create_string_buffer(16)

    class Iovec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

    def write(pid):
        iov = Iovec(ctypes.addressof(buf), 16)
        one, zero = ctypes.c_long(1), ctypes.c_long(0)
        n = libc.syscall(ctypes.c_long(NR_PROCESS_VM_WRITEV), ctypes.c_long(pid),
                         ctypes.byref(iov), one, ctypes.byref(iov), one, zero)
        if n < 0:
            errno_raise()
        return "ok"
    return with_child(write)


def child_oom_write():
    """The neighbour: a write to the child's /proc/PID file that is not its
    memory (its OOM score, which a user may raise)."""
    def write(pid):
        with open(f"/proc/{pid}/oom_score_adj", "w") as f:
            f.write("500")
        return "ok"
    return with_child(write)


def child_status():
    """The neighbour: reading its child's /proc/PID/status."""
    def read(pid):
        with open(f"/proc/{pid}/status") as f:
            return "ok" if "Pid:" in f.read() else "empty"
    return with_child(read)


def traceme():
    """A child asks to be traced by us (PTRACE_TRACEME): the child's errno."""
    pid = os.fork()
    if pid == 0:
        ok = libc.ptrace(PTRACE_TRACEME, 0, None, None) == 0
        os._exit(0 if ok else ctypes.get_errno())
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return "ok" if code == 0 else errno.errorcode.get(code, str(code))


def map_code(path):
    """Maps @path read+exec (private) and calls its first byte as code."""
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    fd = os.open(path, os.O_RDONLY)
    try:
        addr = libc.mmap(None, 4096, 0x1 | 0x4, 0x02, fd, 0)  # PROT_READ|EXEC, MAP_PRIVATE
        if addr in (None, ctypes.c_void_p(-1).value):
            errno_raise()
    finally:
        os.close(fd)
    return str(ctypes.CFUNCTYPE(ctypes.c_int)(addr)())


def rie_brk():
    """personality(READ_IMPLIES_EXEC), then the heap grows: its new pages
    are executable ("rwx") without any mapping call."""
    if libc.personality(READ_IMPLIES_EXEC) < 0:
        errno_raise()
    libc.sbrk(1 << 20)
    with open("/proc/self/maps") as f:
        return "rwx" if any(" rwxp " in l for l in f) else "no_rwx"


def personality_ok():
    """The neighbours: asking for the persona, and one without the bit."""
    cur = libc.personality(0xffffffff)
    if cur < 0 or libc.personality(cur | ADDR_NO_RANDOMIZE) < 0:
        errno_raise()
    return "ok"


ACTIONS = dict(procprobe.ACTIONS)
ACTIONS.update({
    "self_mem_code": self_mem_code, "self_mem_read": self_mem_read,
    "userfaultfd": userfaultfd, "userfaultfd_dev": userfaultfd_dev,
    "child_attach": child_attach, "child_mem_write": child_mem_write,
    "child_vm_writev": child_vm_writev, "child_status": child_status,
    "child_oom_write": child_oom_write,
    "traceme": traceme, "map_code": map_code, "rie_brk": rie_brk, "personality_ok": personality_ok,
})

if __name__ == "__main__":
    netprobe.main(ACTIONS)
