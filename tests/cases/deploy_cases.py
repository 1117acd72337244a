# SPDX-License-Identifier: GPL-2.0-only
"""What `make install` ships for deployment (docs/services.md), registered
into cases.py like agent_cases.py: the example policies are accepted by
the agent and confine what they say.
"""
import os
import shutil
import tempfile

import cases as C
from cases import case, expect, expect_eq
from agent_cases import Agent, Worker
from agent_crash_cases import Acceptor

EXAMPLES = os.path.join(C.HERE, "deploy-examples")
PROXY_PORT = 3128  # the port examples/ci-runner.conf allows


@case("tierA", "once")
def agent_takes_the_shipped_examples():
    pdir = tempfile.mkdtemp()
    proxy = Acceptor(PROXY_PORT)
    workers = []
    made = ["ci.slice/job", "ci.slice", "system.slice/example.service", "system.slice"]
    existed = {m: os.path.isdir(os.path.join(C.CGROOT, m)) for m in made}
    try:
        names = sorted(x for x in os.listdir(EXAMPLES) if x.endswith(".conf"))
        expect_eq(names, ["ci-runner.conf", "service.conf"], "the shipped examples")
        for n in names:
            shutil.copy(os.path.join(EXAMPLES, n), pdir)
        ag = Agent(pdir)
        expect(any("ready, 2 policies enforced" in x for x in ag.err), f"{ag.err}")
        job = Worker("ci.slice/job")  # a job's cgroup made below the runner's slice
        workers.append(job)
        expect_eq(job.connect(PROXY_PORT), "OK", "the proxy the runner example allows")
        expect_eq(job.connect(C.TCP4.port), "EPERM", "anything else from ci.slice")
        svc = Worker("system.slice/example.service")
        workers.append(svc)
        expect_eq(svc.connect(C.TCP4.port), "OK", "loopback, which the service example allows")
        st = C.hb("status")
        for cg in ("/ci.slice", "/system.slice/example.service"):
            expect(any(x.startswith(f"  {cg} ") and "network,seal" in x
                       for x in st.stdout.splitlines()), f"status of {cg}: {st.stdout!r}")
        ag.stop()
    finally:
        for w in workers:
            w.stop()
        proxy.close()
        C.hb("agent", "--unload")
        shutil.rmtree(pdir, ignore_errors=True)
        for m in made:
            if not existed[m]:
                try:
                    os.rmdir(os.path.join(C.CGROOT, m))
                except OSError:
                    pass
