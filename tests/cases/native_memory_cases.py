# SPDX-License-Identifier: GPL-2.0-only
"""--block-native against its siblings (spec/exec.md): roads into
executable memory that no mmap or mprotect call announces, each tried as
a user (and as root where only root may), with the neighbours that must
keep working."""
import errno
import os
import shutil
import signal
import struct
import tempfile

from cases import PROBE, ROOT, case, expect, expect_tokens
import cases

MEM = os.path.join(os.path.dirname(PROBE), "memprobe.py")
RETURN_42 = b"\xb8\x2a\x00\x00\x00\xc3"  # mov eax, 42; ret

# Each road, then what must keep working beside it.
ROADS = ["self_mem_code", "userfaultfd", "child_attach", "child_mem_write",
         "child_vm_writev", "traceme"]
NEIGHBOURS = ["self_mem_read", "child_status", "child_oom_write", "fork", "import _ctypes"]


def mtokens(flags, *actions, env=cases.TESTER):
    return cases.ptokens(flags, *actions, env=env, probe=MEM)


@case("tierA")
def block_native_memory_roads():
    got, p = mtokens(["--block-native", "--trace"], *ROADS, *NEIGHBOURS)
    expect_tokens(got, ["EPERM"] * len(ROADS) + ["ok", "ok", "ok", "exit7", "ok"],
                  "--block-native, as a user")
    for road in ("proc_mem", "userfaultfd", "ptrace_traceme"):
        expect(f"blocked memory write {road} (pid " in p.stderr, f"trace of {road}: {p.stderr!r}")
    expect("blocked ptrace pid " in p.stderr, f"trace of the attach: {p.stderr!r}")
    # Without the guard every road is open: the code written runs.
    got, _ = mtokens(["--no-network"], *ROADS)
    expect_tokens(got, ["42", "ok", "ok", "ok", "ok", "ok"], "without --block-native")
    # --audit allows and reports them, the attach inside the sandbox too
    # (the hook is the seal's, the reason the native guard's).
    got, p = mtokens(["--block-native", "--audit", "--trace"], "userfaultfd", "child_attach")
    expect_tokens(got, ["ok", "ok"], "--block-native --audit")
    expect("audited memory write userfaultfd" in p.stderr and "audited ptrace pid " in p.stderr,
           f"audit trace: {p.stderr!r}")


@case("tierA")
def block_native_memory_roads_as_root():
    # /dev/userfaultfd is root's; the same inode name, the same answer.
    got, _ = mtokens(ROOT + ["--block-native"], "userfaultfd_dev", "self_mem_code",
                     "child_attach", "self_mem_read", env=None)
    expect_tokens(got, ["EPERM", "EPERM", "EPERM", "ok"], "--block-native, as root")
    got, _ = mtokens(ROOT + ["--no-network"], "userfaultfd_dev", env=None)
    expect_tokens(got, ["ok"], "/dev/userfaultfd without --block-native")


@case("tierA")
def block_native_read_implies_exec():
    got, _ = mtokens(["--block-native"], "rie_brk", "personality_ok")
    expect_tokens(got, ["EPERM", "ok"], "--block-native: READ_IMPLIES_EXEC")
    got, _ = mtokens(["--no-network"], "rie_brk")
    expect_tokens(got, ["rwx"], "READ_IMPLIES_EXEC without --block-native")


def i386_program(path):
    """A static i386 ELF without PT_GNU_STACK (its loader sets
    READ_IMPLIES_EXEC): getpid() then exit(0), through int 0x80."""
    code = bytes([0xb8, 20, 0, 0, 0, 0xcd, 0x80,              # getpid
                  0xb8, 1, 0, 0, 0, 0x31, 0xdb, 0xcd, 0x80])  # exit(0)
    base, off = 0x08048000, 52 + 32
    head = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8) + struct.pack(
        "<HHIIIIIHHHHHH", 2, 3, 1, base + off, 52, 0, 0, 52, 32, 1, 0, 0, 0)
    load = struct.pack("<IIIIIIII", 1, 0, base, base, off + len(code), off + len(code), 5,
                       0x1000)
    with open(path, "wb") as f:
        f.write(head + load + code)
    os.chmod(path, 0o755)


@case("tierA")
def block_native_refuses_the_i386_abi():
    d = tempfile.mkdtemp()
    os.chmod(d, 0o755)
    prog = os.path.join(d, "i386")
    i386_program(prog)
    p = cases.hb("run", "--no-network", prog, env=cases.TESTER)
    expect(p.returncode == 0, f"the i386 program runs without --block-native: {p.returncode}")
    # Its first system call through the i386 entry ends it (SIGSYS).
    p = cases.hb("run", "--block-native", prog, env=cases.TESTER)
    expect(p.returncode == 128 + signal.SIGSYS, f"--block-native: {p.returncode} {p.stderr!r}")
    shutil.rmtree(d)


@case("tierA")
def block_native_runs_its_own_untrusted_command():
    # A user's own build as the command: the kernel maps its code inside the
    # sandbox, allowed as the task's own executable (asked only of a file
    # not trusted); another execve of the same file stays denied.
    d = tempfile.mkdtemp()
    os.chmod(d, 0o755)
    tool = os.path.join(d, "busybox")
    shutil.copy("/bin/busybox", tool)
    os.chown(tool, 1000, 1000)
    script = f"{tool} true; echo again=$?"
    p = cases.hb("run", "--block-native", "--trace", "--", tool, "sh", "-c", script,
                 env=cases.TESTER)
    expect(p.returncode == 0 and "again=126" in p.stdout,
           f"--block-native: {p.returncode} {p.stdout!r} {p.stderr!r}")
    # The shell names the errno of the exec it could not do: EPERM.
    expect(f"{tool}: {os.strerror(errno.EPERM)}" in p.stderr, f"errno: {p.stderr!r}")
    expect(f"blocked exec path={tool} (pid " in p.stderr, f"trace: {p.stderr!r}")
    p = cases.hb("run", "--no-network", "--", tool, "sh", "-c", script, env=cases.TESTER)
    expect(p.returncode == 0 and "again=0" in p.stdout,
           f"without --block-native: {p.returncode} {p.stdout!r} {p.stderr!r}")
    shutil.rmtree(d)


@case("tierA")
def block_native_trusts_only_world_readable_files():
    # Root's files that a user reads through a group (or an ACL) hold what
    # users wrote there (logs, the journal, core dumps), not code root
    # installed: the same bytes are trusted only when everyone may read them.
    d = tempfile.mkdtemp()
    os.chmod(d, 0o755)
    paths = {}
    for name, mode in (("group", 0o640), ("world", 0o644)):
        paths[name] = os.path.join(d, name + ".bin")
        with open(paths[name], "wb") as f:
            f.write(RETURN_42)
        os.chown(paths[name], 0, 1000)
        os.chmod(paths[name], mode)
    acts = ["map_code " + paths["group"], "map_code " + paths["world"]]
    got, p = mtokens(["--block-native", "--trace"], *acts)
    expect_tokens(got, ["EPERM", "42"], "--block-native: a group-readable file of root's")
    expect(f"blocked mmap path={paths['group']} (pid " in p.stderr, f"trace: {p.stderr!r}")
    got, _ = mtokens(["--no-network"], *acts)
    expect_tokens(got, ["42", "42"], "without --block-native")
    shutil.rmtree(d)
