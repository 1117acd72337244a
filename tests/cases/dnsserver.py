# SPDX-License-Identifier: GPL-2.0-only
"""A tiny authoritative DNS server for the --allow-domain cases.

Serves one fixed zone over UDP and TCP on ADDR:PORT until killed, and
prints "ready" on stdout once both sockets are bound. It does not speak
EDNS, so a UDP answer is at most 512 bytes: a longer one goes out with TC
set and no records, and the client retries over TCP, where it gets them
all. Standard library only.
Usage: python3 dnsserver.py ADDR PORT [LOG]
With LOG, every message received is appended to it, as hex, one a line.
"""
import socket
import socketserver
import struct
import sys
import threading

A, CNAME, TXT, AAAA = 1, 5, 16, 28
IN = 1
NOERROR, NXDOMAIN, REFUSED = 0, 3, 5
QR, AA, TC, RD = 0x8000, 0x0400, 0x0200, 0x0100
TTL = 300
UDP_MAX = 512

ZONE = {
    "example.com": [(A, "127.0.0.10"), (TXT, "hello")],
    "api.example.com": [(A, "127.0.0.11")],
    "badexample.com": [(A, "127.0.0.12")],
    "cname.example.com": [(CNAME, "target.example.net")],
    "target.example.net": [(A, "127.0.0.13")],
    "v6.example.com": [(AAAA, "::1")],
    "big.example.com": [(A, f"127.0.1.{i}") for i in range(1, 41)],
    "metadata.google.internal": [(A, "169.254.169.254")],
}


def encode_name(name):
    labels = [label.encode() for label in name.split(".") if label]
    return b"".join(bytes([len(label)]) + label for label in labels) + b"\0"


def rdata(rtype, value):
    if rtype == A:
        return socket.inet_pton(socket.AF_INET, value)
    if rtype == AAAA:
        return socket.inet_pton(socket.AF_INET6, value)
    if rtype == CNAME:
        return encode_name(value)
    return bytes([len(value)]) + value.encode()  # TXT: one string


def parse_query(msg):
    """(id, flags, question as sent, lower-case name, qtype, qclass), or None."""
    if len(msg) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", msg[:6])
    if flags & QR or (flags >> 11) & 0xF or qdcount != 1:
        return None
    pos, labels = 12, []
    while pos < len(msg) and msg[pos]:
        n = msg[pos]
        if n > 63 or pos + 1 + n > len(msg):  # also refuses pointers
            return None
        labels.append(msg[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n
    if pos + 5 > len(msg):
        return None
    qtype, qclass = struct.unpack("!HH", msg[pos + 1:pos + 5])
    return qid, flags, msg[12:pos + 5], ".".join(labels).lower(), qtype, qclass


def lookup(name, qtype):
    """The answer records for (name, qtype), following CNAMEs in the zone."""
    records = []
    for _ in range(8):
        rrs = ZONE.get(name, [])
        targets = [value for rtype, value in rrs if rtype == CNAME]
        if targets and qtype != CNAME:
            records.append((name, CNAME, targets[0]))
            name = targets[0]
            continue
        records += [(name, rtype, value) for rtype, value in rrs if rtype == qtype]
        break
    return records


LOG = None


def note(msg):
    if LOG:
        with open(LOG, "a") as f:
            f.write(msg.hex() + "\n")


def respond(msg, tcp):
    query = parse_query(msg)
    if query is None:
        return None
    qid, flags, question, name, qtype, qclass = query
    records, rcode = [], NOERROR
    if qclass != IN:
        rcode = REFUSED
    elif name not in ZONE:
        rcode = NXDOMAIN
    else:
        records = lookup(name, qtype)
    body = b""
    for owner, rtype, value in records:
        rd = rdata(rtype, value)
        body += encode_name(owner) + struct.pack("!HHIH", rtype, IN, TTL, len(rd)) + rd
    rflags = QR | AA | (flags & RD) | rcode
    reply = struct.pack("!6H", qid, rflags, 1, len(records), 0, 0) + question + body
    if not tcp and len(reply) > UDP_MAX:
        reply = struct.pack("!6H", qid, rflags | TC, 1, 0, 0, 0) + question
    return reply


class UDPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        note(data)
        reply = respond(data, tcp=False)
        if reply:
            sock.sendto(reply, self.client_address)


class TCPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(10)
        stream = self.request.makefile("rb")
        while True:
            head = stream.read(2)
            if len(head) < 2:
                return
            (length,) = struct.unpack("!H", head)
            msg = stream.read(length)
            note(msg)
            reply = respond(msg, tcp=True)
            if not reply:
                return
            self.request.sendall(struct.pack("!H", len(reply)) + reply)


def server(base, handler, addr, port):
    class Server(socketserver.ThreadingMixIn, base):
        address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        allow_reuse_address = True
        daemon_threads = True

    return Server((addr, port), handler)


def main():
    global LOG
    addr, port = sys.argv[1], int(sys.argv[2])
    LOG = sys.argv[3] if len(sys.argv) > 3 else None
    servers = [server(socketserver.UDPServer, UDPHandler, addr, port),
               server(socketserver.TCPServer, TCPHandler, addr, port)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
