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
import socket
import subprocess
import tempfile
import time

import cases as C
from cases import TESTER, case, expect, expect_eq, hb, tierb_sets
from agent_quota_cases import pinned_map_entries

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


# The set's maps a run can write rules to (spec/tiers.md, "Loaded once per boot").
SET_RULE_MAPS = ("hb_net_rules", "hb_bind_rules", "hb_unix_rules", "hb_unix_paths",
                 "hb_dns_addrs")


def set_entries(d):
    return {m: pinned_map_entries(os.path.join(C.pinroot(), d, "map-" + m))
            for m in SET_RULE_MAPS}


@case("tierB")
def tier_b_runs_remove_each_kind_of_rule_they_wrote():
    # A run's end walks only the set's rule maps its configuration wrote
    # to, and its DNS proxy's answers if it had one: a run with each kind
    # leaves every map as it found it.
    unload_sets()
    denied_through_set(LOADED)
    (d,) = tierb_sets()
    before = set_entries(d)
    tmp, sock_dir = C.shared_tmpdir(), tempfile.mkdtemp()
    os.chmod(sock_dir, 0o755)  # a socket path the command cannot replace (tier B)
    go, sock_path = os.path.join(tmp, "go"), os.path.join(sock_dir, "s.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sock_path)
    os.chmod(sock_path, 0o777)
    listener.listen(4)
    # The lookup first (the proxy writes its answer), then a pause to count.
    cmd = ["unshare", "-m", "sh", "-c", f'mount -o bind {C.RESOLV} /etc/resolv.conf && exec "$@"',
           "sh", C.HB, "run", "--allow-ip", f"{C.TCP4.host}:{C.TCP4.port}",
           "--allow-bind", "127.0.0.1:40999/tcp", "--allow-unix", sock_path,
           "--allow-domain", "example.com", C.PY, C.PROBE, "multi", "lookup example.com",
           f"waitfor {go}", f"connect 127.0.0.10 {C.ANY4.port}",
           f"connect {C.TCP4.host} {C.TCP4.port}", f"connect {C.TCPA.host} {C.TCPA.port}",
           f"unix_connect {sock_path}"]
    live = subprocess.Popen(cmd, env={**os.environ, **TESTER}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    during = set_entries(d)
    while during["hb_dns_addrs"] == before["hb_dns_addrs"] and time.time() < deadline \
            and live.poll() is None:
        time.sleep(0.1)
        during = set_entries(d)
    if live.poll() is not None:
        out, err = live.communicate()
        expect(False, f"the run ended before its pause: {live.returncode} {out!r} {err!r}")
    for m in SET_RULE_MAPS:
        expect(during[m] > before[m], f"the live run's entries in {m}: {before} -> {during}")
    open(go, "w").close()
    out, err = live.communicate(timeout=120)
    listener.close()
    expect_eq(out.split(), ["127.0.0.10/1", "ok", "ok", "ok", "EPERM", "ok"],
              f"lookup, its answer, --allow-ip, another address, --allow-unix: {err!r}")
    expect_eq(set_entries(d), before, "the set's rule maps after the run ended")
    allowed_through_set()
    expect_eq(set_entries(d), before, "the set's rule maps after an --allow-ip run")
    expect_eq(C.leftovers(), ([], []), "no sandbox cgroup or pins left")
    expect_eq(hb("gc").returncode, 0, "gc")
    expect_eq(tierb_sets(), [], "no policy was left in the set")
