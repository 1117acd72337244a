# SPDX-License-Identifier: GPL-2.0-only
"""Tier B's programs, loaded once per boot and shared by every tier B run
(spec/tiers.md, "Loaded once per boot"), registered into cases.py like
fs_cases.py.

Each case checks that every run through the shared programs is confined
(a denied connect that never reaches the listener) and that the allowed
neighbour still connects through the same programs; and that the set
holds no policy once its runs are gone (`gc` unloads a set only then).
"""
import os
import signal
import subprocess
import time

import cases as C
from cases import TESTER, case, expect, expect_eq, hb, tierb_sets

LOADED = "loaded tier B's programs for this boot"
REUSED = "reusing tier B's programs for this boot"


def unload_sets():
    expect_eq(hb("gc").returncode, 0, "gc")
    expect_eq(tierb_sets(), [], "no tier B program set before the case")


def connect(*flags, verbose=True):
    """netprobe connect to the listener in a tier B run: (token, stderr)."""
    args = ["run"] + (["-v"] if verbose else []) + list(flags)
    p = hb(*args, C.PY, C.PROBE, "connect", C.TCP4.host, str(C.TCP4.port), env=TESTER)
    lines = p.stdout.strip().splitlines()
    expect(p.returncode == 0 and lines, f"netprobe exited {p.returncode}: {p.stderr!r}")
    return lines[-1], p.stderr


def denied_through_set(want_log):
    mark = C.TCP4.mark()
    token, err = connect("--no-network")
    expect_eq(token, "EPERM", "connect under --no-network")
    expect(want_log in err, f"says {want_log!r}: {err!r}")
    expect_eq(C.TCP4.since(mark, wait=0.3), [], "data that reached the listener")


def allowed_through_set():
    mark = C.TCP4.mark()
    token, err = connect("--allow-ip", f"{C.TCP4.host}:{C.TCP4.port}")
    expect_eq(token, "ok", "connect to an --allow-ip destination")
    expect(REUSED in err, f"the allowed run used the same programs: {err!r}")
    expect(C.TCP4.since(mark) != [], "the allowed connect reached the listener")


def prog_pins(d):
    return sorted(f for f in os.listdir(os.path.join(C.pinroot(), d)) if f.startswith("prog-"))


@case("tierB")
def tier_b_programs_loaded_once_per_boot():
    unload_sets()
    denied_through_set(LOADED)
    sets = tierb_sets()
    expect_eq(len(sets), 1, f"one set pinned: {sets}")
    denied_through_set(REUSED)
    allowed_through_set()
    expect_eq(tierb_sets(), sets, "still the same set")
    expect_eq(C.leftovers(), ([], []), "no sandbox cgroup or pins left")
    # gc unloads a set only when no policy is left in it: the three runs' are gone.
    expect_eq(hb("gc").returncode, 0, "gc")
    expect_eq(tierb_sets(), [], "gc unloaded the unused set")
    denied_through_set(LOADED)


@case("tierB")
def tier_b_programs_shared_by_concurrent_runs():
    unload_sets()
    mark = C.TCP4.mark()
    cmd = [C.HB, "run", "-v", "--no-network", C.PY, C.PROBE, "connect", C.TCP4.host,
           str(C.TCP4.port)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, **TESTER}) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        expect_eq(p.returncode, 0, f"run's status: {err!r}")
        expect_eq(out.strip().splitlines()[-1], "EPERM", "each concurrent run's connect")
    loaded = sum(LOADED in err for _, err in outs)
    expect_eq(loaded, 1, "exactly one of four concurrent runs loaded the programs")
    expect_eq(C.TCP4.since(mark, wait=0.3), [], "data that reached the listener")
    expect_eq(len(tierb_sets()), 1, "one set")
    allowed_through_set()
    expect_eq(hb("gc").returncode, 0, "gc")
    expect_eq(tierb_sets(), [], "no policy of the five runs was left in the set")


@case("tierB")
def tier_b_programs_cut_short_are_loaded_again():
    unload_sets()
    denied_through_set(LOADED)
    (d,) = tierb_sets()
    whole = prog_pins(d)
    expect(len(whole) >= 10, f"the set's programs: {whole}")
    # A program missing (a crash while pinning, a hand): never used as is.
    os.unlink(os.path.join(C.pinroot(), d, whole[0]))
    denied_through_set(LOADED)
    expect_eq(prog_pins(d), whole, "the set is whole again")
    allowed_through_set()
    expect_eq(hb("gc").returncode, 0, "gc")
    expect_eq(tierb_sets(), [], "gc unloaded the unused set")


def thrice_when_told(ready, go):
    """A script: says @ready, waits for @go, then tries the listener 3 times."""
    return ("import os, socket, time\n"
            f"open({ready!r}, 'w').close()\n"
            f"while not os.path.exists({go!r}): time.sleep(0.05)\n"
            "for _ in range(3):\n"
            "    try: socket.create_connection(('%s', %d), timeout=5)\n"
            "    except OSError: pass\n" % (C.TCP4.host, C.TCP4.port))


@case("tierB")
def tier_b_runs_reuse_rings_and_read_only_their_own_events():
    # The set keeps its runs' event rings for the next runs (loader/ring_pool.h):
    # a killed run's unread denials must not be reported as the next run's.
    unload_sets()
    denied_through_set(LOADED)
    d = C.shared_tmpdir()
    ready, go = os.path.join(d, "ready"), os.path.join(d, "go")
    live = subprocess.Popen([C.HB, "run", "--no-network", C.PY, "-c", thrice_when_told(ready, go)],
                            env={**os.environ, **TESTER}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    C.wait_for(ready)
    os.kill(live.pid, signal.SIGSTOP)  # its launcher reads no more events
    mark = C.TCP4.mark()
    open(go, "w").close()
    deadline = time.time() + 60  # the command's three denied connects, then its end
    while time.time() < deadline and any(
            open(os.path.join(C.CGROOT, "hermetic-bpf", cg, "cgroup.procs")).read()
            for cg in os.listdir(os.path.join(C.CGROOT, "hermetic-bpf")) if cg.startswith("run-")):
        time.sleep(0.1)
    live.kill()
    live.wait()
    expect_eq(C.TCP4.since(mark, wait=0.3), [], "data of the killed run's connects")
    # The next run's own gc frees the killed run's ring; the run reuses it.
    token, err = connect("--no-network")
    expect_eq(token, "EPERM", "connect in the run that reuses the ring")
    expect(REUSED in err and "event ring 0: this sandbox's now" in err and "made" not in err,
           f"the same set and ring: {err!r}")
    expect("blocked 1 action (connect 1)" in err,
           f"only the run's own denial is reported, not the killed run's 3: {err!r}")
    allowed_through_set()
    expect_eq(C.leftovers(), ([], []), "no sandbox cgroup or pins left")
    expect_eq(hb("gc").returncode, 0, "gc")
    expect_eq(tierb_sets(), [], "no policy was left in the set")
