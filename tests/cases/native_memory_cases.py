# SPDX-License-Identifier: GPL-2.0-only
"""--block-native against its siblings (spec/exec.md): roads into
executable memory that no mmap or mprotect call announces, each tried as
a user (and as root where only root may), with the neighbours that must
keep working."""
import os

from cases import PROBE, ROOT, case, expect, expect_tokens
import cases

MEM = os.path.join(os.path.dirname(PROBE), "memprobe.py")

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
