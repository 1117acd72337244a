# SPDX-License-Identifier: GPL-2.0-only
"""Reads everything below /proc/PID that a process can read, for the cases.

Usage: python3 procwalk.py PID|ppid|self [PID...]
Prints one line per entry: "TOKEN PATH", TOKEN being "ok" or the errno's
name of the first step that failed (listing a directory, reading a link,
opening or reading a file). Only reads: nothing is written, and /proc/PID/mem
is read at offset 0, which never holds a mapping.
"""
import errno
import os
import sys

DEPTH = 3        # /proc/PID/task/TID/fd/N: deep enough for every kind of entry
SKIP = {"pagemap", "clear_refs"}  # large or write-only; mm files are covered by maps


def token(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def visit(path, depth, out):
    try:
        if os.path.islink(path):
            os.readlink(path)
            out.append(("ok", path))
            return
        if os.path.isdir(path):
            names = sorted(os.listdir(path))
            out.append(("ok", path))
            if depth == 0:
                return
            if os.path.basename(path) == "task":
                names = names[:1]        # one thread is enough
            for n in names:
                if n not in SKIP:
                    visit(os.path.join(path, n), depth - 1, out)
            return
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            os.read(fd, 4096)
        finally:
            os.close(fd)
        out.append(("ok", path))
    except OSError as e:
        out.append((token(e), path))


def main(argv):
    for arg in argv:
        pid = {"ppid": str(os.getppid()), "self": str(os.getpid())}.get(arg, arg)
        out = []
        visit(f"/proc/{pid}", DEPTH, out)
        for tok, path in out:
            print(tok, path.replace(f"/proc/{pid}", f"/proc/{arg}", 1))
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
