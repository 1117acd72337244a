# SPDX-License-Identifier: GPL-2.0-only
"""One network action, run inside (or outside) a sandbox by the cases.

Prints one token: "ok" or the errno's name (EPERM, ...). The exit status is
0 either way, so that the token alone carries the result; a crash is a
Python traceback and a non-zero status, which the cases treat as failure.
Usage: python3 netprobe.py ACTION [ARGS...]
"""
import ctypes
import ctypes.util
import errno
import os
import socket
import sys

libc = ctypes.CDLL(None, use_errno=True)
SYS_connect = 42  # x86_64


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def sockaddr(host, port):
    """A raw sockaddr for ctypes calls."""
    fam = family_of(host)
    if fam == socket.AF_INET:
        buf = (ctypes.c_ubyte * 16)()
        buf[0:2] = list(socket.AF_INET.to_bytes(2, "little"))
        buf[2:4] = list(port.to_bytes(2, "big"))
        buf[4:8] = list(socket.inet_pton(fam, host))
    else:
        buf = (ctypes.c_ubyte * 28)()
        buf[0:2] = list(socket.AF_INET6.to_bytes(2, "little"))
        buf[2:4] = list(port.to_bytes(2, "big"))
        buf[8:24] = list(socket.inet_pton(fam, host))
    return buf


def connect(host, port):
    with socket.socket(family_of(host), socket.SOCK_STREAM) as s:
        s.settimeout(3)
        s.connect((host, int(port)))
        s.sendall(b"hello\n")


def connect_ex(host, port):
    with socket.socket(family_of(host), socket.SOCK_STREAM) as s:
        rc = s.connect_ex((host, int(port)))
        if rc:
            raise OSError(rc, os.strerror(rc))


def sendto(host, port):
    with socket.socket(family_of(host), socket.SOCK_DGRAM) as s:
        s.sendto(b"datagram\n", (host, int(port)))


def sendmsg(host, port):
    with socket.socket(family_of(host), socket.SOCK_DGRAM) as s:
        s.sendmsg([b"datagram\n"], [], 0, (host, int(port)))


class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]


class mmsghdr(ctypes.Structure):
    _fields_ = [("hdr", msghdr), ("len", ctypes.c_uint)]


def sendmmsg(host, port):
    """Two datagrams through libc's sendmmsg(), which Python lacks."""
    s = socket.socket(family_of(host), socket.SOCK_DGRAM)
    addr = sockaddr(host, int(port))
    data = ctypes.create_string_buffer(b"datagram\n")
    iov = iovec(ctypes.cast(data, ctypes.c_void_p), 9)
    msgs = (mmsghdr * 2)()
    for m in msgs:
        m.hdr.name = ctypes.cast(addr, ctypes.c_void_p)
        m.hdr.namelen = len(addr)
        m.hdr.iov = ctypes.pointer(iov)
        m.hdr.iovlen = 1
    n = libc.sendmmsg(s.fileno(), msgs, 2, 0)
    if n < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    if n != 2:
        raise OSError(errno.EIO, f"sendmmsg sent {n} of 2")


def fastopen(host, port):
    """TCP fast open: the SYN carries data; there is no connect() call."""
    with socket.socket(family_of(host), socket.SOCK_STREAM) as s:
        s.sendto(b"hello\n", socket.MSG_FASTOPEN, (host, int(port)))


def ctypes_connect(host, port):
    s = socket.socket(family_of(host), socket.SOCK_STREAM)
    addr = sockaddr(host, int(port))
    if libc.connect(s.fileno(), addr, len(addr)) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def syscall_connect(host, port):
    s = socket.socket(family_of(host), socket.SOCK_STREAM)
    addr = sockaddr(host, int(port))
    if libc.syscall(SYS_connect, s.fileno(), addr, len(addr)) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def unspec_sendto(port):
    """UDP takes an AF_UNSPEC destination as an IPv4 one."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    addr = sockaddr("127.0.0.1", int(port))
    addr[0] = 0
    addr[1] = 0  # sa_family = AF_UNSPEC
    data = b"datagram\n"
    n = libc.sendto(s.fileno(), data, len(data), 0, addr, len(addr))
    if n < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def udp_disconnect():
    """connect(AF_UNSPEC) only dissolves an association: not network."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    addr = (ctypes.c_ubyte * 16)()
    if libc.connect(s.fileno(), addr, 16) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def sock(family, type_, proto):
    socket.socket(int(family), int(type_), int(proto)).close()


def socketpair():
    a, b = socket.socketpair()
    a.sendall(b"x")
    assert b.recv(1) == b"x"


def resolve(name):
    socket.getaddrinfo(name, 80)


def lookup(name, family="4"):
    """The first address (sorted) and how many: "127.0.0.10/1"."""
    fam = socket.AF_INET6 if family == "6" else socket.AF_INET
    addrs = sorted({ai[4][0] for ai in socket.getaddrinfo(name, 80, fam, socket.SOCK_STREAM)},
                   key=lambda a: socket.inet_pton(fam, a))
    return f"{addrs[0]}/{len(addrs)}"


def bind(host, port):
    with socket.socket(family_of(host), socket.SOCK_STREAM) as s:
        s.bind((host, int(port)))


def listen_unbound():
    """listen() on an unbound socket binds the wildcard address."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.listen()


def listen_loopback():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()


def unix_path(path):
    """'@name' names an abstract socket."""
    return "\0" + path[1:] if path.startswith("@") else path


def unix_connect(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(unix_path(path))


def unix_sendto(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(b"datagram\n", unix_path(path))


def fetch(url, cafile=None):
    """GET @url; "ok" only for a 200 whose body says hermetic."""
    import ssl
    import urllib.error
    import urllib.request

    ctx = ssl.create_default_context(cafile=cafile) if cafile else None
    try:
        with urllib.request.urlopen(url, timeout=10, context=ctx) as r:
            body = r.read()
    except urllib.error.URLError as e:
        if isinstance(e.reason, OSError):
            raise e.reason
        raise
    if r.status != 200 or b"hermetic" not in body:
        raise OSError(errno.EBADMSG, f"status {r.status} body {body[:40]!r}")

def hold(directory, host, port):
    """For the launcher-killed case: outlive the launcher, then connect.

    Writes DIR/ready, waits for DIR/go, tries the connect, writes the token
    to DIR/result, and exits when DIR/exit appears.
    """
    import time

    def wait(name):
        while not os.path.exists(os.path.join(directory, name)):
            time.sleep(0.05)

    open(os.path.join(directory, "ready"), "w").close()
    wait("go")
    try:
        connect(host, port)
        token = "ok"
    except OSError as e:
        token = errno.errorcode.get(e.errno, str(e.errno))
    with open(os.path.join(directory, "result.tmp"), "w") as f:
        f.write(token)
    os.rename(os.path.join(directory, "result.tmp"),
              os.path.join(directory, "result"))
    wait("exit")
    sys.exit(0)


def rename_then_connect(name, host, port):
    """Sets comm (what traces show) to NAME first: escaping is tested."""
    libc.prctl(15, name.encode().decode("unicode_escape").encode("latin-1"), 0, 0, 0)
    connect(host, port)


def whoami():
    print(os.getuid(), os.getgid(), ",".join(map(str, sorted(os.getgroups()))))
    sys.exit(0)


ACTIONS = {
    "connect": connect, "connect_ex": connect_ex, "sendto": sendto,
    "sendmsg": sendmsg, "sendmmsg": sendmmsg, "fastopen": fastopen,
    "ctypes_connect": ctypes_connect, "syscall_connect": syscall_connect,
    "unspec_sendto": unspec_sendto, "udp_disconnect": udp_disconnect,
    "socket": sock, "socketpair": socketpair, "resolve": resolve,
    "whoami": whoami, "hold": hold, "rename_then_connect": rename_then_connect,
    "lookup": lookup, "bind": bind, "listen_unbound": listen_unbound,
    "listen_loopback": listen_loopback, "unix_connect": unix_connect,
    "unix_sendto": unix_sendto, "fetch": fetch,
}


def run(action, args, actions=None):
    """One action's token: "ok", a result, an errno name, or "gaierror"."""
    try:
        result = (actions or ACTIONS)[action](*args)
    except socket.gaierror:
        return "gaierror"
    except socket.timeout:
        return "timeout"
    except OSError as e:
        # One word per token: an errno's name, or the exception's class.
        return errno.errorcode.get(e.errno, str(e.errno)) if e.errno else type(e).__name__
    return result if isinstance(result, str) else "ok"


def main(actions=None):
    """ACTION ARGS..., or multi "ACTION ARGS" ...: tokens on one line."""
    action, args = sys.argv[1], sys.argv[2:]
    if "--" in args:  # what follows is for the cases (e.g. a fake secret)
        args = args[:args.index("--")]
    if action == "multi":  # several actions in one process: "connect h p" ...
        print(" ".join(run(a.split()[0], a.split()[1:], actions) for a in args), flush=True)
        return
    print(run(action, args, actions), flush=True)


if __name__ == "__main__":
    main()
