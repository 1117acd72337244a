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
import subprocess

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
