# SPDX-License-Identifier: GPL-2.0-only
"""Audit policies of the agent (spec/agent.md, "Audit policies"): a
file's `audit = yes` and `policy apply --audit` allow and report what
the policy would deny, in either tier; registered into cases.py like
agent_cases.py. Each case proves the audited action went through (a
listener accepted it), that it was reported as audited, and that the
same policy without audit denies it.
"""
import json
import os
import shutil
import tempfile
import time

import cases as C
from cases import case, expect, expect_eq
from agent_cases import policy
import agent_policy_cases as P
from agent_policy_cases import Trace, line_of
from agent_tierb_cases import Service, agent

CG = "hbaudit"  # below the cgroup2 root: /hbaudit/svc, /hbaudit/free


def events_of(path, cgroup, until=len, timeout=10):
    """The JSON events of @path naming @cgroup, once @until(them) holds."""
    deadline = time.time() + timeout
    while True:
        with open(path) as f:
            got = [json.loads(x) for x in f if x.startswith("{")]
        got = [x for x in got if x.get("sandbox", {}).get("cgroup") == cgroup]
        if until(got) or time.time() > deadline:
            return got
        time.sleep(0.05)


def reached(ev, listener):
    return ev.get("addr") == listener.host and ev.get("port") == listener.port


@case("net")
def agent_audit_policy():
    pdir = tempfile.mkdtemp()
    workers, traces = [], []
    svc, free = f"/{CG}/svc", f"/{CG}/free"
    try:
        inside, outside = Service(f"{CG}/svc"), Service(f"{CG}/free")
        workers += [inside, outside]
        text = (f"cgroup = {svc}\n[network]\nno-network = yes\n"
                f"allow-ip = 127.0.0.1/32:{C.TCP4.port}\n")
        policy(pdir, "svc.conf", text + "audit = yes\n")
        events = os.path.join(pdir, "events.jsonl")
        ag = agent(pdir, "--events-file", events)
        expect(any(f"svc.conf audits (allows and reports) {svc} " in x for x in ag.err),
               f"the agent says it audits: {ag.err}")
        tr = Trace("--json")
        traces.append(tr)
        tr.following()
        expect_eq(inside.to(C.TCPA), "OK", "a connect the policy would deny goes through")
        expect_eq(inside.to(C.TCP4), "OK", "its allowed address")
        got = events_of(events, svc)
        expect(len(got) == 1 and reached(got[0], C.TCPA) and got[0]["type"] == "audited" and
               got[0]["verdict"] == "audit" and got[0]["hook"] == "connect",
               f"one audited connect, to {C.TCPA.host}:{C.TCPA.port}; none to the allowed "
               f"address: {got}")
        seen = json.loads(tr.wait(lambda x: f'"port":{C.TCPA.port}' in x, "the audited connect"))
        expect_eq(seen["verdict"], "audit", "trace's verdict")
        line = line_of(C.hb("status").stdout, svc)
        expect(": file, audit; " in line and "--audit" in line and "; audited 1," in line,
               f"status says audit and counts it: {line!r}")

        # The same file without audit: denied.
        policy(pdir, "svc.conf", text)
        ag.hup("agent: reloaded")
        expect_eq(inside.to(C.TCPA), "EPERM", "the policy without audit denies it")
        expect_eq(inside.to(C.TCP4), "OK", "and keeps its allowed address")
        line = line_of(C.hb("status").stdout, svc)
        expect(": file; " in line and "--audit" not in line and "; denied 2," in line,
               f"status, enforcing: {line!r}")

        # policy apply --audit; then a policy file applied over it, enforcing.
        p = C.hb("policy", "apply", "--cgroup", free, "--no-network", "--audit")
        expect_eq(p.returncode, 0, f"policy apply --audit: {p.stderr}")
        expect_eq(outside.to(C.TCPC), "OK", "audited by policy apply")
        got = events_of(events, free)
        expect(len(got) == 1 and reached(got[0], C.TCPC) and got[0]["verdict"] == "audit",
               f"the audited connect of {free}: {got}")
        line = line_of(P.pol("show", "--cgroup", free).stdout, free)
        expect(": apply, audit; network" in line, f"policy show says audit: {line!r}")
        enforce = os.path.join(pdir, "enforce.policy")
        policy(pdir, "enforce.policy", f"[network]\nno-network = yes\n"
               f"allow-ip = {C.TCPC.host}/32:{C.TCPC.port}\n")
        p = C.hb("policy", "apply", "--cgroup", free, "--policy", enforce)
        expect_eq(p.returncode, 0, f"policy apply --policy: {p.stderr}")
        expect_eq(outside.to(C.TCPC), "OK", "the file's allowed address")
        expect_eq(outside.to(C.TCPA), "EPERM", "the file's policy enforces")
        policy(pdir, "enforce.policy", "no-network = yes\nfs-readonly = yes\n")
        p = C.hb("policy", "apply", "--cgroup", free, "--policy", enforce)
        expect(p.returncode == 125 and "enforce.policy:2: fs-readonly: not a key the agent "
               "reads in policy apply" in p.stderr, f"a key apply does not take: {p.stderr!r}")
        expect_eq(outside.to(C.TCPA), "EPERM", "the refused file changed nothing")
        expect_eq(P.pol("clear", "--cgroup", free).returncode, 0, "policy clear")
        expect_eq(outside.to(C.TCPA), "OK", "free again")
        ag.stop()
    finally:
        P.cleanup(workers, traces, pdir)
        for d in (free, svc, f"/{CG}"):
            try:
                os.rmdir(C.CGROOT + d)
            except OSError:
                pass


@case("tierA")
def agent_audit_policy_files_and_seal():
    # Tier A audits every guard a file holds; the seal still denies.
    from agent_cases import Writer
    pdir, d = tempfile.mkdtemp(), tempfile.mkdtemp()
    job = f"/{CG}/job"
    workers = []
    try:
        w = Writer(f"{CG}/job")
        workers.append(w)
        os.makedirs(C.CGROOT + f"/{CG}/free", exist_ok=True)
        policy(pdir, "job.conf", f"cgroup = {job}\nfs-readonly = yes\naudit = yes\n")
        events = os.path.join(pdir, "events.jsonl")
        ag = agent(pdir, "--events-file", events)
        target = os.path.join(d, "f")
        expect_eq(w.write(target), "OK", "a write fs-readonly would deny goes through")
        expect(os.path.exists(target), "the file was written")
        got = events_of(events, job, lambda g: any(x["hook"] == "fs_write" for x in g))
        expect(any(x["hook"] == "fs_write" and x["verdict"] == "audit" and
                   x.get("path", "").endswith("/f") for x in got),
               f"the write, reported as audited: {got}")
        # Moving a process out of the cgroup: the seal's, never audited.
        procs = C.CGROOT + f"/{CG}/free/cgroup.procs"
        expect_eq(w.write(procs), "EPERM", "the seal denies under audit")
        got = events_of(events, job, lambda g: any(x["guard"] == "seal" for x in g))
        expect(any(x["guard"] == "seal" and x["verdict"] == "deny" for x in got),
               f"and reports it as denied: {got}")
        ag.stop()
    finally:
        P.cleanup(workers, [], pdir)
        shutil.rmtree(d, ignore_errors=True)
        for rel in (job, f"/{CG}/free", f"/{CG}"):
            try:
                os.rmdir(C.CGROOT + rel)
            except OSError:
                pass
