# SPDX-License-Identifier: GPL-2.0-only
"""A warm `run`: with the agent's object pinned, `run` writes its policy
into the agent's maps instead of loading programs (spec/agent.md, "Warm
runs"). Registered into cases.py like agent_cases.py.

Each case asserts the denials of a warm run and the work it allows, that
no second object was loaded, and that nothing is left in the agent's maps
afterwards.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import cases as C
from cases import case, expect, expect_eq
from agent_cases import Agent, pinned
from fault_cases import (bpf_map_names, load_sandboxes, policy_maps, wait_no_policy_maps,
                         no_leftovers)

RUN_POLICY = re.compile(r"^  /hermetic-bpf/run-", re.M)
WARM = "warm: the agent's programs"


def run_policies():
    """How many policies of runs `status` lists in the agent's maps."""
    st = C.hb("status")
    expect_eq(st.returncode, 0, f"status: {st.stderr!r}")
    return len(RUN_POLICY.findall(st.stdout))


def probe(*flags, action=("connect", "127.0.0.1"), port=None, probe=None):
    """One probe action in a -v run with @flags: (token, stderr)."""
    args = [*action] + ([str(port)] if port else [])
    p = C.hb("run", "-v", *flags, C.PY, probe or C.PROBE, *args, env=C.TESTER)
    lines = p.stdout.strip().splitlines()
    expect(p.returncode == 0 and lines,
           f"run {flags} {args}: {p.returncode} {p.stdout!r} {p.stderr!r}")
    return lines[-1], p.stderr


def run_pins():
    """The runs' own pin directories (<bpffs>/hermetic-bpf/run-*)."""
    d = os.path.join(C.mount_of("bpf", "/sys/fs/bpf"), "hermetic-bpf")
    return sorted(n for n in os.listdir(d) if n.startswith("run-")) if os.path.isdir(d) else []


def retired():
    """Unloaded agents' objects kept for their warm runs (spec/agent.md, --unload)."""
    d = C.mount_of("bpf", "/sys/fs/bpf")
    return sorted(n for n in os.listdir(d) if n.startswith("hermetic-bpf-agent-retired-"))


def connect_when_told(go):
    """A script that waits for the file @go, then connects: its verdict on stdout."""
    return ("import os, socket, time\n"
            f"while not os.path.exists({go!r}): time.sleep(0.05)\n"
            "s = socket.socket()\n"
            "try:\n"
            f"    s.connect(('127.0.0.1', {C.TCP4.port})); print('ok', flush=True)\n"
            "except OSError as e: print(type(e).__name__, flush=True)\n")


def warm_run(script, stderr, flags=("--no-network",)):
    """`run FLAGS` of @script as the tester, once its policy is in the agent's maps."""
    live = subprocess.Popen([C.HB, "run", *flags, C.PY, "-c", script],
                            env={**os.environ, **C.TESTER}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=stderr, text=True)
    deadline = time.time() + 60
    while run_policies() < 1 and time.time() < deadline:
        time.sleep(0.2)
    expect_eq(run_policies(), 1, "the warm run's policy")
    return live


class Started:
    """An agent with no policy files, unloaded afterwards."""

    def __enter__(self):
        self.pdir = tempfile.mkdtemp()
        self.agent = Agent(self.pdir)
        return self.agent

    def __exit__(self, *exc):
        if self.agent.p.poll() is None:
            self.agent.stop()
        C.hb("agent", "--unload")
        shutil.rmtree(self.pdir, ignore_errors=True)


@case("tierA")
def warm_run_uses_the_agents_programs():
    with Started() as ag:
        # The network guard: denied and reported from the run's own ring.
        token, err = probe("--no-network", port=C.TCP4.port)
        expect_eq(token, "EPERM", "connect in a warm --no-network run")
        expect(WARM in err, f"-v says the run is warm: {err!r}")
        expect("blocked" in err and "connect" in err, f"the denial is reported: {err!r}")
        token, err = probe("--no-network", "--allow-localhost", port=C.TCP4.port)
        expect_eq(token, "ok", "localhost with --allow-localhost, warm")
        token, _ = probe("--allow-ip", f"127.0.0.1:{C.TCP4.port}", "--no-network",
                         port=C.TCPA.port)
        expect_eq(token, "EPERM", "another port than --allow-ip's, warm")
        token, _ = probe("--allow-ip", f"127.0.0.1:{C.TCP4.port}", "--no-network",
                         port=C.TCP4.port)
        expect_eq(token, "ok", "--allow-ip's port, warm (its rule is gone after the "
                  "run before: no leak between runs)")
        # The exec guard and --block-native.
        token, err = probe("--no-subprocess", action=("run_true",), probe=C.PROC)
        expect(token in ("EPERM", "EACCES"), f"exec under warm --no-subprocess: {token}")
        expect(WARM in err, f"warm: {err!r}")
        token, _ = probe(action=("run_true",), probe=C.PROC)
        expect_eq(token, "ok", "exec without a guard")
        # The filesystem guard: writes denied but below --allow-write.
        d = C.shared_tmpdir()
        denied = C.hb("run", "-v", "--fs-readonly", "touch", os.path.join(d, "no"),
                      env=C.TESTER)
        expect(denied.returncode != 0 and not os.path.exists(os.path.join(d, "no")),
               f"a write under warm --fs-readonly: {denied.returncode} {denied.stderr!r}")
        expect(WARM in denied.stderr, f"warm: {denied.stderr!r}")
        ok = C.hb("run", "--fs-readonly", "--allow-write", d, "touch",
                  os.path.join(d, "yes"), env=C.TESTER)
        expect(ok.returncode == 0 and os.path.exists(os.path.join(d, "yes")),
               f"a write below --allow-write, warm: {ok.stderr!r}")
        # What the agent's object cannot serve loads its own, and says so.
        p = C.hb("run", "-v", "--fs-readonly=/usr", "true", env=C.TESTER)
        expect(p.returncode == 0 and WARM not in p.stderr and "loading our own" in p.stderr,
               f"--fs-readonly=ROOT runs cold: {p.stderr!r}")
        wait_no_policy_maps("after the cold run beside the agent", left=1)
        # One object on the host while a warm run lives; nothing left after.
        live = subprocess.Popen([C.HB, "run", "--no-network", "sleep", "30"],
                                env={**os.environ, **C.TESTER}, stdin=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while run_policies() < 1 and time.time() < deadline:
            time.sleep(0.2)
        expect_eq(run_policies(), 1, "the live warm run's policy in the agent's maps")
        expect_eq(policy_maps(), 1, "hb_policies maps while a warm run lives")
        expect_eq(run_pins(), [], "pins of the live warm run (its policy holds the programs)")
        # A reload of the agent's files leaves a run's policy alone.
        ag.hup("agent: reloaded")
        expect_eq(run_policies(), 1, "the run's policy after SIGHUP")
        live.send_signal(signal.SIGTERM)
        live.wait(timeout=60)
        expect_eq(run_policies(), 0, "run policies after every run ended")
        no_leftovers("warm runs")


@case("tierA")
def warm_run_outlives_the_agent_and_is_collected():
    with Started() as ag:
        d = C.shared_tmpdir()
        go = os.path.join(d, "go")
        # Waits for "go", then connects: the verdict after the agent is gone.
        live = warm_run(connect_when_told(go), subprocess.PIPE)
        ag.stop()
        p = C.hb("agent", "--unload")
        expect_eq(p.returncode, 0, f"--unload beside a warm run: {p.stderr!r}")
        expect_eq(pinned(), [], "the agent's pins after --unload")
        open(go, "w").close()
        out, err = live.communicate(timeout=120)
        expect_eq(out.strip(), "PermissionError",
                  f"the warm run stays confined after the agent is unloaded: {err!r}")
        expect_eq(live.returncode, 0, "its status")
        wait_no_policy_maps("after the last warm run of an unloaded agent ended")
        expect_eq(retired(), [], "the unloaded object after its last warm run ended")

    # A warm run's launcher killed: gc removes its policy from the agent's maps.
    with Started():
        live = subprocess.Popen([C.HB, "run", "--no-network", "sleep", "300"],
                                env={**os.environ, **C.TESTER}, stdin=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while run_policies() < 1 and time.time() < deadline:
            time.sleep(0.2)
        expect_eq(run_policies(), 1, "the warm run's policy")
        live.kill()
        live.wait()
        expect_eq(run_policies(), 1, "a killed launcher leaves its sandbox enforced")
        for cg in os.listdir(os.path.join(C.CGROOT, "hermetic-bpf")):
            if cg.startswith("run-"):
                with open(os.path.join(C.CGROOT, "hermetic-bpf", cg, "cgroup.kill"), "w") as f:
                    f.write("1")
        time.sleep(0.5)
        p = C.hb("gc")
        expect_eq(p.returncode, 0, f"gc: {p.stderr!r}")
        expect_eq(run_policies(), 0, "the gone sandbox's policy after gc")
        no_leftovers("a killed warm run after gc")


@case("tierA")
def unload_keeps_a_killed_warm_runs_programs():
    # The launcher of a warm run killed, then the agent unloaded: its command
    # still runs, so the programs stay (moved aside) while a new agent starts;
    # gc detaches them once the sandbox is empty.
    d = C.shared_tmpdir()
    go = os.path.join(d, "go")
    with Started() as ag:
        live = warm_run(connect_when_told(go), subprocess.DEVNULL)
        live.kill()
        live.wait()
        ag.stop()
        p = C.hb("agent", "--unload")
        expect_eq(p.returncode, 0, f"--unload beside a killed warm run: {p.stderr!r}")
        expect_eq(pinned(), [], "the agent's pins after --unload")
        expect_eq(len(retired()), 1, f"the unloaded object kept for the run: {retired()}")
    with Started():
        expect_eq(len(pinned()) > 0, True, "a new agent starts beside the retired object")
        open(go, "w").close()
        out = live.stdout.readline().strip()
        expect_eq(out, "PermissionError",
                  "the killed launcher's command stays confined after --unload")
        token, _ = probe("--no-network", "--allow-localhost", port=C.TCP4.port)
        expect_eq(token, "ok", "a warm run on the new agent")
        deadline = time.time() + 30
        while time.time() < deadline and any(
                os.path.exists(os.path.join(C.CGROOT, "hermetic-bpf", cg, "cgroup.procs")) and
                open(os.path.join(C.CGROOT, "hermetic-bpf", cg, "cgroup.procs")).read()
                for cg in os.listdir(os.path.join(C.CGROOT, "hermetic-bpf"))
                if cg.startswith("run-")):
            time.sleep(0.2)
        p = C.hb("gc")
        expect_eq(p.returncode, 0, f"gc: {p.stderr!r}")
        expect_eq(retired(), [], "the retired object after its last sandbox was collected")
        wait_no_policy_maps("after the retired object's last run (the new agent's stays)",
                            left=1)
    wait_no_policy_maps("after the new agent's --unload")
    no_leftovers("an unloaded agent's killed warm run")


@case("tierA")
def warm_runs_beyond_the_hook_limit():
    # 40 sandboxes at once: more than one hook's trampoline takes (38), which
    # only runs that share the agent's programs can reach. No cross-talk.
    with Started():
        live = load_sandboxes(int(os.environ.get("HB_WARM_SANDBOXES", "40")),
                              live_maps=lambda n: 1, maps_after=1)
        expect_eq(live, 1, "one hb_policies map (the agent's) for every live sandbox")
        expect_eq(run_policies(), 0, "run policies left in the agent's maps")


def ring_maps():
    """Event rings of runs that share an object (loader/ring_pool.h), alive now."""
    return bpf_map_names().count("hb_run_events")


def wait_ring_maps(most, what):
    """Until at most @most run rings are left (a removed map is freed after a grace period)."""
    deadline = time.time() + 60
    while ring_maps() > most and time.time() < deadline:
        time.sleep(0.5)
    expect(ring_maps() <= most, f"run rings {what}: {ring_maps()}, at most {most}")


@case("tierA")
def warm_runs_reuse_rings_and_read_only_their_own_events():
    # Warm runs take a ring from the pool the agent's object keeps, instead
    # of adding one to a map of maps per run: a killed run's unread events
    # in a reused ring must not be reported as the next run's.
    d = C.shared_tmpdir()
    go = os.path.join(d, "go")
    thrice = ("import os, socket, time\n"
              f"while not os.path.exists({go!r}): time.sleep(0.05)\n"
              "for _ in range(3):\n"
              "    try: socket.create_connection(('127.0.0.1', %d), timeout=5)\n"
              "    except OSError: pass\n" % C.TCP4.port)
    with Started():
        expect_eq(ring_maps(), 1, "run rings once the agent is ready: it made ring 0")
        live = warm_run(thrice, subprocess.DEVNULL)
        live.kill()
        live.wait()
        open(go, "w").close()  # three denials into a ring nobody reads now
        deadline = time.time() + 60
        while time.time() < deadline and any(
                open(os.path.join(C.CGROOT, "hermetic-bpf", cg, "cgroup.procs")).read()
                for cg in os.listdir(os.path.join(C.CGROOT, "hermetic-bpf"))
                if cg.startswith("run-")):
            time.sleep(0.2)
        p = C.hb("gc", "-v")
        expect_eq(p.returncode, 0, f"gc: {p.stderr!r}")
        expect("gc: freed event ring 0" in p.stderr, f"gc frees the killed run's ring: {p.stderr!r}")
        expect_eq(run_policies(), 0, "the killed run's policy after gc")
        token, err = probe("--no-network", port=C.TCP4.port)
        expect_eq(token, "EPERM", "connect in the warm run that reuses the ring")
        expect("event ring 0: this sandbox's now" in err and "made" not in err,
               f"the next run reuses the ring: {err!r}")
        expect("blocked 1 action (connect 1)" in err,
               f"only the run's own denial is reported, not the killed run's 3: {err!r}")
        token, err = probe("--no-network", "--allow-localhost", port=C.TCP4.port)
        expect_eq(token, "ok", "localhost allowed in a run on the same ring")
        expect("blocked" not in err, f"nothing reported for an allowed run: {err!r}")
        expect_eq(ring_maps(), 1, "run rings between runs: the one kept")
        # Beyond the kept ones, a run's ring is its own and goes with it.
        n = 10
        lives = [warm_run_n(connect_when_told(go + "x"), i + 1) for i in range(n)]
        expect_eq(ring_maps(), n, f"run rings while {n} warm runs live")
        open(go + "x", "w").close()
        for live in lives:
            out, _ = live.communicate(timeout=120)
            expect_eq(out.strip(), "PermissionError", "each of the runs at once is confined")
        wait_ring_maps(8, f"after {n} runs at once ended (8 kept)")
        expect_eq(run_policies(), 0, "run policies after they ended")
    wait_ring_maps(0, "after the agent's --unload")
    no_leftovers("warm runs on reused rings")


def warm_run_n(script, n):
    """As warm_run(), the @n-th live at once."""
    live = subprocess.Popen([C.HB, "run", "--no-network", C.PY, "-c", script],
                            env={**os.environ, **C.TESTER}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 60
    while run_policies() < n and time.time() < deadline:
        time.sleep(0.2)
    expect_eq(run_policies(), n, f"the warm runs' policies ({n} live)")
    return live


# The agent's maps a warm run can write rules to (spec/agent.md, warm runs, step 5).
RULE_MAPS = ("hb_net_rules", "hb_bind_rules", "hb_unix_rules", "hb_unix_paths",
             "hb_exec_rules", "hb_fs_subtrees")


@case("tierA")
def warm_runs_remove_each_kind_of_rule_they_wrote():
    # A warm run's end walks only the rule maps its configuration wrote to:
    # one with every kind of rule a warm run can have leaves each map as it
    # found it, and so does one with none.
    from agent_quota_cases import map_entries
    with Started():
        before = {m: map_entries(m) for m in RULE_MAPS}
        d, other = C.shared_tmpdir(), C.shared_tmpdir()
        go = os.path.join(d, "go")
        sock_path = os.path.join(d, "s.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(sock_path)
        os.chmod(sock_path, 0o777)
        listener.listen(4)
        script = (
            "import errno, os, socket, time\n"
            f"while not os.path.exists({go!r}): time.sleep(0.05)\n"
            "def conn(port):\n"
            "    s = socket.socket()\n"
            "    try:\n"
            "        s.connect(('127.0.0.1', port)); return 'ok'\n"
            "    except OSError as e:\n"
            "        return errno.errorcode[e.errno]\n"
            "    finally:\n"
            "        s.close()\n"
            "def write(p):\n"
            "    try:\n"
            "        open(p, 'w').close(); return 'ok'\n"
            "    except OSError as e:\n"
            "        return errno.errorcode[e.errno]\n"
            f"print(conn({C.TCP4.port}), conn({C.TCPA.port}), "
            f"write({os.path.join(d, 'yes')!r}), write({os.path.join(other, 'no')!r}))\n")
        live = warm_run(script, subprocess.PIPE, flags=(
            "-v", "--no-network", "--allow-ip", f"127.0.0.1:{C.TCP4.port}",
            "--allow-bind", "127.0.0.1:40999/tcp", "--allow-unix", sock_path,
            "--allow-exec", C.PY, "--fs-readonly", "--allow-write", d))
        during = {m: map_entries(m) for m in RULE_MAPS}
        for m in RULE_MAPS:
            expect(during[m] > before[m], f"the live run's entries in {m}: {before} -> {during}")
        open(go, "w").close()
        out, err = live.communicate(timeout=120)
        listener.close()
        expect(WARM in err, f"the run was warm: {err!r}")
        expect_eq(out.split(), ["ok", "EPERM", "ok", "EROFS"],
                  f"its --allow-ip port, another port, below --allow-write, elsewhere: {err!r}")
        expect_eq({m: map_entries(m) for m in RULE_MAPS}, before,
                  "the rule maps after the run with every kind of rule ended")
        token, _ = probe("--no-network", port=C.TCP4.port)
        expect_eq(token, "EPERM", "a warm run with no rule")
        token, _ = probe("--no-network", "--allow-localhost", port=C.TCP4.port)
        expect_eq(token, "ok", "a warm run with --allow-localhost")
        expect_eq({m: map_entries(m) for m in RULE_MAPS}, before,
                  "the rule maps after runs with no rule and with --allow-localhost")
        expect_eq(run_policies(), 0, "run policies after every run ended")
    no_leftovers("warm runs with every kind of rule")
