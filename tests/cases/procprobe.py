# SPDX-License-Identifier: GPL-2.0-only
"""Exec, native-code and tamper actions for the cases, like netprobe.py.

Each action prints one token: "ok", a result, or the errno's name.
Usage: python3 procprobe.py ACTION [ARGS...] | multi "ACTION ARGS" ...
"""
import ctypes
import errno
import mmap
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading

import netprobe

libc = ctypes.CDLL(None, use_errno=True)
SYS = {"bpf": 321, "finit_module": 313, "kexec_file_load": 320, "ptrace": 101,
       "memfd_create": 319, "seccomp": 317, "unshare": 272, "mount": 165, "umount2": 166}



def sys_call(name, *args):
    rc = libc.syscall(SYS[name], *args)
    if rc == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return rc


def exit_code(status):
    """A child's wait status as a token: "exit0", "exit127", ..."""
    return f"exit{os.waitstatus_to_exitcode(status)}"


# --- subprocesses ------------------------------------------------------

def run_true(path="/bin/true"):
    subprocess.run([path], check=True)


def system():
    return exit_code(os.system("true") or 0)


def spawn():
    pid = os.posix_spawn("/bin/true", ["true"], os.environ)
    return exit_code(os.waitpid(pid, 0)[1])


def fork_execv():
    """os.execv in a forked child; the child reports its errno."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.execv("/bin/true", ["true"])
        except OSError as e:
            os.write(w, errno.errorcode[e.errno].encode())
        os._exit(1)
    os.close(w)
    msg = os.read(r, 64).decode()
    os.waitpid(pid, 0)
    if msg:
        raise OSError(getattr(errno, msg), msg)


def ctypes_execve():
    """execve through libc in a forked child, so success does not replace us."""
    pid = os.fork()
    if pid == 0:
        argv = (ctypes.c_char_p * 2)(b"true", None)
        libc.execve(b"/bin/true", argv, None)
        os._exit(100 + ctypes.get_errno())
    status = os.waitpid(pid, 0)[1]
    code = os.waitstatus_to_exitcode(status)
    if code > 100:
        raise OSError(code - 100, os.strerror(code - 100))


def memfd_exec():
    """A program written into memory and run from there (fexecve)."""
    fd = sys_call("memfd_create", b"x", 0)
    with open("/bin/busybox", "rb") as f:
        os.write(fd, f.read())
    pid = os.fork()
    if pid == 0:
        try:
            os.execve(fd, ["true"], {})
        except OSError as e:
            os._exit(100 + e.errno)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if code > 100:
        raise OSError(code - 100, os.strerror(code - 100))


def ldso():
    """The dynamic loader runs a program without execve-ing the program."""
    subprocess.run(["/lib64/ld-linux-x86-64.so.2", "/bin/busybox", "true"], check=True)


def reexec():
    """Replace this very process: what a launcher that re-execs does."""
    os.execv("/bin/true", ["true"])


def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    return exit_code(os.waitpid(pid, 0)[1])


def _square(x):
    return x * x


def multiprocessing_fork():
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(2) as pool:
        if pool.map(_square, [1, 2, 3]) != [1, 4, 9]:
            raise OSError(errno.EIO, "wrong result")


def thread():
    out = []
    t = threading.Thread(target=lambda: out.append(1))
    t.start()
    t.join()
    if out != [1]:
        raise OSError(errno.EIO, "thread did not run")


# --- native code -------------------------------------------------------

def load_lib(path):
    ctypes.CDLL(path)


def copy_and_load(src, dst):
    shutil.copy(src, dst)
    os.chmod(dst, 0o755)
    ctypes.CDLL(dst)


def import_ext(name):
    __import__(name)


def anon_exec():
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_EXEC).close()


def anon_wx():
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC).close()


def mprotect_wx():
    """Write code into an anonymous page, then make it executable."""
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    addr = libc.mmap(None, 4096, 3, 0x22, -1, 0)  # RW, MAP_PRIVATE|MAP_ANONYMOUS
    ctypes.memset(addr, 0xc3, 1)  # ret
    if libc.mprotect(ctypes.c_void_p(addr), 4096, 5) != 0:  # R|X
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def memfd_map_exec():
    fd = sys_call("memfd_create", b"x", 0)
    os.write(fd, b"\xc3" * 4096)
    mmap.mmap(fd, 4096, prot=mmap.PROT_READ | mmap.PROT_EXEC).close()


def run_file(path):
    subprocess.run([path, "true"], check=True)


# --- tamper (run as root) ----------------------------------------------

def bpf():
    attr = (ctypes.c_uint32 * 16)(2, 4, 4, 1)  # BPF_MAP_TYPE_ARRAY, 4, 4, 1
    sys_call("bpf", 0, attr, 64)  # BPF_MAP_CREATE


def write_file(path, data="0"):
    with open(path, "w") as f:
        f.write(data)


def move_out(cgroot):
    write_file(os.path.join(cgroot, "cgroup.procs"), str(os.getpid()))


def mkdir_and_move(cgroot):
    d = os.path.join(cgroot, "hb-escape")
    os.makedirs(d, exist_ok=True)
    write_file(os.path.join(d, "cgroup.procs"), str(os.getpid()))


def unlink_pins(pinroot):
    for d in os.listdir(pinroot):
        for f in os.listdir(os.path.join(pinroot, d)):
            os.unlink(os.path.join(pinroot, d, f))
            return


def do_mount(fstype, target):
    sys_call("mount", fstype.encode(), target.encode(), fstype.encode(), 0, None)


def do_umount(target):
    sys_call("umount2", target.encode(), 2)  # MNT_DETACH


def ptrace_attach(pid):
    sys_call("ptrace", 16, int(pid), 0, 0)  # PTRACE_ATTACH


def kill(pid, sig="0"):
    os.kill(int(pid), int(sig))


def kill_parent():
    """Our parent is the launcher (hermetic-bpf run), outside the sandbox."""
    os.kill(os.getppid(), signal.SIGTERM)


def read_file(path):
    with open(path, "rb") as f:
        f.read(1)


def load_module():
    fd = os.open("/bin/busybox", os.O_RDONLY)
    sys_call("finit_module", fd, b"", 0)


def kexec():
    fd = os.open("/bin/busybox", os.O_RDONLY)
    sys_call("kexec_file_load", fd, fd, 1, b"", 0)


def unshare_all():
    # CLONE_NEWCGROUP | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS
    sys_call("unshare", 0x02000000 | 0x00020000 | 0x40000000 | 0x04000000)


def seccomp_listener():
    """A seccomp filter with a listener of our own: under tier B's
    --no-subprocess, its listener would hear our execs before the launcher."""
    import struct
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS, as an unprivileged filter needs
    insn = ctypes.create_string_buffer(struct.pack("HBBI", 0x06, 0, 0, 0x7fff0000))
    prog = ctypes.create_string_buffer(struct.pack("H6xQ", 1, ctypes.addressof(insn)))
    # seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, prog)
    os.close(sys_call("seccomp", 1, 8, prog))


ACTIONS = {
    "seccomp_listener": seccomp_listener,
    "run_true": run_true, "system": system, "spawn": spawn, "fork_execv": fork_execv,
    "ctypes_execve": ctypes_execve, "memfd_exec": memfd_exec, "ldso": ldso,
    "reexec": reexec, "fork": fork, "multiprocessing": multiprocessing_fork,
    "thread": thread, "load_lib": load_lib, "copy_and_load": copy_and_load,
    "import": import_ext, "anon_exec": anon_exec, "anon_wx": anon_wx,
    "mprotect_wx": mprotect_wx, "memfd_map_exec": memfd_map_exec, "run_file": run_file,
    "bpf": bpf, "write": write_file, "move_out": move_out, "mkdir_and_move": mkdir_and_move,
    "unlink_pins": unlink_pins, "mount": do_mount, "umount": do_umount,
    "ptrace_attach": ptrace_attach, "kill": kill, "kill_parent": kill_parent,
    "read": read_file,
    "load_module": load_module, "kexec": kexec, "unshare": unshare_all,
    "connect": netprobe.connect,
}

# --- tier B's seal (tierb_seal_cases.py) ---------------------------------

def ptrace_child():
    """Attach to, then detach from, a child of our own (inside the sandbox)."""
    pid = os.fork()
    if pid == 0:
        signal.pause()
        os._exit(0)
    try:
        sys_call("ptrace", 16, pid, 0, 0)  # PTRACE_ATTACH
        os.waitpid(pid, os.WUNTRACED)
        sys_call("ptrace", 17, pid, 0, 0)  # PTRACE_DETACH
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def kill_child():
    """Signal a child of our own (inside the sandbox)."""
    pid = os.fork()
    if pid == 0:
        signal.pause()
        os._exit(0)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _tty_ioctl(req, arg):
    import fcntl
    return fcntl.ioctl(0, req, arg)


def tiocsti(ch="x"):
    """Push a byte into our terminal's input: what the user would type."""
    import termios
    _tty_ioctl(termios.TIOCSTI, ch.encode()[:1])


def tioclinux():
    import termios
    _tty_ioctl(termios.TIOCLINUX, bytes([6, 0]))  # TIOCL_GETSHIFTSTATE


def tiocgwinsz():
    import struct
    import termios
    rows, cols = struct.unpack("HHHH", _tty_ioctl(termios.TIOCGWINSZ, bytes(8)))[:2]
    return f"{rows}x{cols}"


def tcsets():
    import termios
    try:
        termios.tcsetattr(0, termios.TCSANOW, termios.tcgetattr(0))
    except termios.error as e:  # not an OSError: its errno, as the other actions
        raise OSError(e.args[0], e.args[1])


def tcsetpgrp():
    os.tcsetpgrp(0, os.getpgrp())


def tty_write(text="hb-tty"):
    os.write(0, text.encode() + b"\n")


def tiocsti_i386():
    """TIOCSTI on stdin through i386's entry (int 0x80), in a child: "noia32"
    where the kernel runs no i386 calls (ia32_emulation off)."""
    import mmap
    import termios
    # push rbx; mov eax, 54 (ioctl); mov ebx, edi; mov ecx, esi; int 0x80;
    # pop rbx; movsxd rax, eax; ret. The third argument is already in edx.
    code = bytes([0x53, 0xb8, 54, 0, 0, 0, 0x89, 0xfb, 0x89, 0xf1, 0xcd, 0x80, 0x5b,
                  0x48, 0x63, 0xc0, 0xc3])
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGSEGV, signal.SIG_DFL)
        # MAP_32BIT: the byte's address must fit in edx.
        buf = mmap.mmap(-1, 4096, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x40,
                        prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        buf[:len(code)] = code
        buf[256:257] = b"x"
        addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
        fn = ctypes.CFUNCTYPE(ctypes.c_long, ctypes.c_long, ctypes.c_long, ctypes.c_long)(addr)
        r = fn(0, termios.TIOCSTI, addr + 256)
        os._exit(0 if r >= 0 else -r)
    status = os.waitpid(pid, 0)[1]
    if os.WIFSIGNALED(status):
        return "noia32"
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise OSError(code, os.strerror(code))


def exec_errno(path):
    """posix_spawn(@path): the errno its execve() got, or "ran"."""
    try:
        pid = os.posix_spawn(path, [path], os.environ)
    except OSError as e:
        return errno.errorcode[e.errno]
    os.waitpid(pid, 0)
    return "ran"


ACTIONS.update({
    "ptrace_child": ptrace_child, "kill_child": kill_child, "tiocsti": tiocsti,
    "tioclinux": tioclinux, "tiocgwinsz": tiocgwinsz, "tcsets": tcsets,
    "tcsetpgrp": tcsetpgrp, "tty_write": tty_write, "exec_errno": exec_errno,
    "tiocsti_i386": tiocsti_i386,
})


if __name__ == "__main__":
    netprobe.main(ACTIONS)
