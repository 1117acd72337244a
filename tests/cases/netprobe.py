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


def waitfor(path):
    """Returns once @path exists: the case looks at the sandbox meanwhile."""
    import time
    while not os.path.exists(path):
        time.sleep(0.05)


def hold(directory, host, port):
    """For the launcher-killed case: outlive the launcher, then connect.

    Writes DIR/ready, waits for DIR/go, tries the connect, writes the token
    to DIR/result, and exits when DIR/exit appears.
    """
    def wait(name):
        waitfor(os.path.join(directory, name))

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
    "unix_sendto": unix_sendto, "fetch": fetch, "waitfor": waitfor,
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



# --- routes, ping sockets, autobind (net_route_cases.py) -----------------

IPV6_RTHDR, IPV6_2292RTHDR, IPV6_2292PKTOPTIONS = 57, 5, 6
IP_OPTIONS, IP_RETOPTS = 4, 7
ROUTE_DATA = b"hb-route\n"


def _rthdr(kind, hop):
    """A routing header whose next hop is @hop: SRv6 (type 4) or MIP6 (2)."""
    a = socket.inet_pton(socket.AF_INET6, hop)
    if kind == "4":  # two segments: [0] the destination (the kernel's), [1] the hop
        return bytes([0, 4, 4, 1, 1, 0, 0, 0]) + bytes(16) + a
    if kind == "0":  # RFC 2460's type 0, which Linux refuses (EINVAL)
        return bytes([0, 2, 0, 1, 0, 0, 0, 0]) + a
    return bytes([0, 2, 2, 1, 0, 0, 0, 0]) + a  # type 2: one home address


def _srr(hop, strict=False):
    """An IPv4 loose (or strict) source route through @hop, padded to 8 bytes."""
    return bytes([137 if strict else 131, 7, 4]) + socket.inet_aton(hop) + bytes([1])


def route_setsockopt(kind, host, port, hop):
    """setsockopt() of a route (rthdr4, rthdr2, rthdr0, lsrr, ssrr,
    pktoptions), then a send to @host: the token of the first call that
    fails, "ok" if both went through."""
    fam = family_of(host)
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        if kind.startswith("rthdr"):
            s.setsockopt(socket.IPPROTO_IPV6, IPV6_RTHDR, _rthdr(kind[5:], hop))
        elif kind == "pktoptions":
            cm = _cmsg(41, IPV6_2292RTHDR, _rthdr("2", hop))
            s.setsockopt(socket.IPPROTO_IPV6, IPV6_2292PKTOPTIONS, cm)
        else:
            s.setsockopt(socket.IPPROTO_IP, IP_OPTIONS, _srr(hop, kind == "ssrr"))
        s.sendto(ROUTE_DATA, (host, int(port)))


def _cmsg(level, type_, data):
    import struct
    n = 16 + len(data)
    return struct.pack("@QiI", n, level, type_) + data + bytes((-n) % 8)


def route_cmsg(kind, host, port, hop, connected=""):
    """sendmsg() with the route as ancillary data (rthdr2, 2292rthdr,
    retopts); with @connected, on a socket connected to @host first."""
    fam = family_of(host)
    if kind == "retopts":
        anc = [(socket.IPPROTO_IP, IP_RETOPTS, _srr(hop))]
    else:
        anc = [(socket.IPPROTO_IPV6, IPV6_2292RTHDR if kind == "2292rthdr" else IPV6_RTHDR,
                _rthdr("2", hop))]
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        if connected:
            s.connect((host, int(port)))
            s.sendmsg([ROUTE_DATA], anc)
        else:
            s.sendmsg([ROUTE_DATA], anc, 0, (host, int(port)))


def cmsg_flood(count, host, port):
    """One send with @count harmless control messages (IP_TTL or IPV6_HOPLIMIT)."""
    import struct
    fam = family_of(host)
    one = ((socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT, struct.pack("i", 7))
           if fam == socket.AF_INET6 else (socket.IPPROTO_IP, socket.IP_TTL, struct.pack("i", 7)))
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.sendmsg([ROUTE_DATA], [one] * int(count), 0, (host, int(port)))


def harmless_options(host, port):
    """Options that leave the route alone, set and as ancillary data, then sends."""
    import struct
    fam = family_of(host)
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, 0x10)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 9)
            anc = [(socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT, struct.pack("i", 7)),
                   (socket.IPPROTO_IPV6, socket.IPV6_TCLASS, struct.pack("i", 0x20))]
        else:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x10)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 9)
            anc = [(socket.IPPROTO_IP, socket.IP_TTL, struct.pack("i", 7)),
                   (socket.IPPROTO_IP, socket.IP_TOS, struct.pack("i", 0x20))]
        s.sendto(ROUTE_DATA, (host, int(port)))
        s.sendmsg([ROUTE_DATA], anc, 0, (host, int(port)))
        s.connect((host, int(port)))
        s.sendmsg([ROUTE_DATA], anc)


def ping(host, wait="1"):
    """An ICMP echo from a ping socket (SOCK_DGRAM, IPPROTO_ICMP[V6]);
    "ok" once the reply came, "noreply" if the send went but none came."""
    fam = family_of(host)
    proto = socket.IPPROTO_ICMPV6 if fam == socket.AF_INET6 else socket.IPPROTO_ICMP
    with socket.socket(fam, socket.SOCK_DGRAM, proto) as s:
        s.settimeout(float(wait))
        echo = bytes([128 if fam == socket.AF_INET6 else 8, 0, 0, 0, 0, 0, 0, 1]) + b"hb-ping"
        s.sendto(echo, (host, 0))
        try:
            s.recv(1024)
        except socket.timeout:
            return "noreply"


def autobind_wait(denied, directory, echo_port):
    """A send that the guard denies, on an unbound UDP socket; its port
    (0 if unbound) into DIR/port; then whether a datagram reaches it in
    3 s; then a connected loopback socket's round trip to the echo server.
    Tokens: "<send> <received|timeout> <echo>"."""
    import time
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    send = run("sendto", [denied, "9"], {"sendto": lambda h, p: s.sendto(b"x", (h, int(p)))})
    port = s.getsockname()[1]
    with open(os.path.join(directory, "port.tmp"), "w") as f:
        f.write(str(port))
    os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
    s.settimeout(3)
    try:
        s.recv(64)
        got = "received"
    except socket.timeout:
        got = "timeout"
    while not os.path.exists(os.path.join(directory, "sent")):
        time.sleep(0.02)

    def echo():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
            c.settimeout(3)
            c.connect(("127.0.0.1", int(echo_port)))
            c.send(b"echo")
            if c.recv(64) != b"echo":
                raise OSError(errno.EBADMSG, "wrong echo")
    return f"{send} {got} {run('echo', [], {'echo': echo})}"


def listen_wait(directory):
    """listen() on an unbound TCP socket (tier A denies it); its port into
    DIR/port (0 if denied), then the first peer accepted within 3 s:
    "loopback", "outside", or "timeout" (then the listen's token)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    token = run("listen", [], {"listen": s.listen})
    with open(os.path.join(directory, "port.tmp"), "w") as f:
        f.write(str(s.getsockname()[1] if token == "ok" else 0))
    os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
    if token != "ok":
        return token
    s.settimeout(3)
    seen = []
    try:
        while True:
            c, peer = s.accept()
            seen.append("loopback" if peer[0].startswith("127.") else "outside")
            c.close()
    except socket.timeout:
        pass
    return ",".join(seen) or "timeout"


# --- --allow-bind (bind_cases.py) ---------------------------------------

def _is_loopback(host):
    return host.startswith(("127.", "::ffff:127.")) or host == "::1"


def bind_udp(host, port):
    with socket.socket(family_of(host), socket.SOCK_DGRAM) as s:
        s.bind((host, int(port)))


def bound_connect(host, port, dest, dport):
    """A TCP socket bound to HOST PORT, then connected to DEST DPORT."""
    with socket.socket(family_of(host), socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
        s.settimeout(3)
        s.connect((dest, int(dport)))


def serve_wait(directory, host, port, proto):
    """Binds HOST PORT over PROTO (tcp: and listens); the port into
    DIR/port (0 if refused); then until DIR/sent exists (10 s at most)
    answers each TCP peer it accepts, or each UDP datagram's sender, with
    "pong". Token: "<bind>" if refused, else "ok,<peer>/<reply>,...", the
    peer "outside" or "loopback", the reply's token (ok, EPERM, ...)."""
    import time
    tcp = proto == "tcp"
    s = socket.socket(family_of(host), socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)

    def bind_listen():
        s.bind((host, int(port)))
        if tcp:
            s.listen()
    token = run("bind", [], {"bind": bind_listen})
    with open(os.path.join(directory, "port.tmp"), "w") as f:
        f.write(port if token == "ok" else "0")
    os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
    if token != "ok":
        return token
    seen = ["ok"]
    s.settimeout(0.3)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            if tcp:
                c, peer = s.accept()
                reply = run("reply", [], {"reply": lambda: c.sendall(b"pong")})
                c.close()
            else:
                _, peer = s.recvfrom(64)
                reply = run("reply", [], {"reply": lambda: s.sendto(b"pong", peer)})
        except socket.timeout:
            if os.path.exists(os.path.join(directory, "sent")):
                break
            continue
        seen.append(("loopback" if _is_loopback(peer[0]) else "outside") + "/" + reply)
    s.close()
    return ",".join(seen)


ACTIONS.update({
    "bind_udp": bind_udp, "bound_connect": bound_connect, "serve_wait": serve_wait,
    "listen_wait": listen_wait, "cmsg_flood": cmsg_flood,
    "route_setsockopt": route_setsockopt, "route_cmsg": route_cmsg,
    "harmless_options": harmless_options, "ping": ping, "autobind_wait": autobind_wait,
})


if __name__ == "__main__":
    main()
