# SPDX-License-Identifier: GPL-2.0-only
"""allow-domain in the agent's policy files (spec/agent.md, "Domains"),
registered into cases.py like agent_cases.py. One case for both tiers:
the agent's DNS proxy and redirect are the same in tier A and tier B.

The agent runs in a mount namespace whose /etc/resolv.conf names the
test's name server (dnsserver.py: example.com is 127.0.0.10, badexample.com
127.0.0.12), so that its DNS proxy forwards there. The confined service
resolves with the host's resolv.conf: whatever server it names, port 53 is
redirected to the policy's proxy. Its cgroup has no allow-localhost, so the
zone's loopback addresses are reachable only once the proxy answered them.
"""
import json
import os
import tempfile
import time

import cases as C
from cases import case, expect, expect_eq
from agent_cases import Agent, policy
import agent_policy_cases as P
from agent_tierb_cases import CG, Service, cleanup, unload_leaves_nothing

# A service that also resolves: "resolve NAME" answers its IPv4 address, or
# the resolver's error (EAI_AGAIN: the proxy refused, or none answered).
RESOLVER = Service.SCRIPT.replace('''        elif cmd[0] == "ubind":''', '''        elif cmd[0] == "resolve":
            try:
                ai = socket.getaddrinfo(cmd[1], 80, socket.AF_INET, socket.SOCK_STREAM)
                print(ai[0][4][0], flush=True)
            except socket.gaierror as e:
                names = {socket.EAI_AGAIN: "EAI_AGAIN", socket.EAI_NONAME: "EAI_NONAME"}
                print(names.get(e.errno, f"EAI{e.errno}"), flush=True)
        elif cmd[0] == "ubind":''')

ALLOWED, OTHER = "127.0.0.10", "127.0.0.12"  # example.com's, badexample.com's


class Resolver(Service):
    SCRIPT = RESOLVER

    def reach(self, addr):
        return self.ask(f"connect {addr} {C.ANY4.port}")


def dns_agent(pdir):
    """The agent, its proxies forwarding to the test's name server."""
    ag = Agent(pdir, prefix=["unshare", "-m", "sh", "-c",
                             f'mount -o bind {C.RESOLV} /etc/resolv.conf && exec "$@"', "sh"])
    P.RUNNING.append(ag)  # stopped by P.cleanup if the case fails
    return ag


def conf(cgroup, *domains):
    return (f"[hermetic-bpf]\nversion = 1\ncgroup = {cgroup}\n[network]\nno-network = yes\n" +
            "".join(f"allow-domain = {d}\n" for d in domains))


@case("net")
def agent_allow_domain():
    pdir = tempfile.mkdtemp()
    svc = f"/{CG}/dom"
    workers = []
    try:
        inside = Resolver(f"{CG}/dom")
        outside = Resolver(f"{CG}/free")
        workers += [inside, outside]
        policy(pdir, "dom.conf", conf(svc, "example.com"))
        ag = dns_agent(pdir)
        expect_eq(inside.reach(ALLOWED), "EPERM", "example.com's address, not resolved yet")
        expect_eq(inside.ask("resolve example.com"), ALLOWED, "the allowed name")
        expect_eq(inside.reach(ALLOWED), "OK", "its address once resolved")
        expect_eq(inside.reach(OTHER), "EPERM", "an address it did not resolve")
        expect_eq(inside.ask("resolve badexample.com"), "EAI_AGAIN", "a name not allowed")
        expect_eq(inside.reach(OTHER), "EPERM", "that name's address")
        expect_eq(outside.reach(OTHER), "OK", "the sibling cgroup keeps its network")
        # The refused name is an event of the policy's cgroup.
        deadline = time.time() + 5
        while time.time() < deadline:
            with ag.lock:
                dns = [json.loads(x) for x in ag.out if "badexample.com" in x]
            if dns:
                break
            time.sleep(0.05)
        expect(dns and dns[0].get("sandbox", {}).get("cgroup") == svc,
               f"an event naming badexample.com and {svc}: {dns}")

        # SIGHUP, the same domains: the same proxy, what it answered stays.
        ag.hup("agent: reloaded")
        expect_eq(inside.reach(ALLOWED), "OK", "after a reload")
        expect_eq(inside.ask("resolve example.com"), ALLOWED, "the name after a reload")
        # Other domains: what the old ones answered is forgotten.
        policy(pdir, "dom.conf", conf(svc, "badexample.com"))
        ag.hup("agent: reloaded")
        expect_eq(inside.reach(ALLOWED), "EPERM", "example.com's address once it is not allowed")
        expect_eq(inside.ask("resolve example.com"), "EAI_AGAIN", "example.com now refused")
        expect_eq(inside.ask("resolve badexample.com"), OTHER, "the name now allowed")
        expect_eq(inside.reach(OTHER), "OK", "its address")

        # No agent, no proxy: names resolve to nothing; the pins still deny.
        ag.p.kill()
        ag.p.wait()
        expect_eq(inside.ask("resolve badexample.com"), "EAI_AGAIN", "no proxy after kill -9")
        expect_eq(inside.reach(ALLOWED), "EPERM", "an address never answered, no agent")
        # A new agent: a new proxy, and what the old one answered forgotten.
        ag = dns_agent(pdir)
        expect(any("re-opened the pins" in x for x in ag.err), f"restored: {ag.err}")
        expect_eq(inside.reach(OTHER), "EPERM", "the old proxy's answer, after a restart")
        expect_eq(inside.ask("resolve badexample.com"), OTHER, "resolved by the new proxy")
        expect_eq(inside.reach(OTHER), "OK", "its address")

        # The cgroup made again (a unit's restart): the proxy answers for the new id.
        from agent_recreate_cases import recreate
        inside.stop()
        workers.remove(inside)
        n = len(ag.err)
        recreate(f"{CG}/dom")
        ag.wait_for(f"{svc} was created again", after=n)
        inside = Resolver(f"{CG}/dom")
        workers.append(inside)
        expect_eq(inside.reach(OTHER), "EPERM", "the gone cgroup's answer, in the new one")
        expect_eq(inside.ask("resolve badexample.com"), OTHER, "resolved in the cgroup made again")
        expect_eq(inside.reach(OTHER), "OK", "its address there")
        expect_eq(inside.reach(ALLOWED), "EPERM", "and not another")

        # The file removed: the cgroup is free again.
        os.unlink(os.path.join(pdir, "dom.conf"))
        ag.hup("agent: reloaded")
        expect_eq(inside.reach(ALLOWED), "OK", "no policy: any address")
        ag.stop()
        unload_leaves_nothing("after --unload")
    finally:
        cleanup(workers, pdir)
