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
import subprocess
import tempfile
import time

import cases as C
from cases import case, expect, expect_eq
from agent_cases import Agent, pinned, policy
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


# Runs its arguments with socket(AF_INET or AF_INET6) failing with
# EAFNOSUPPORT, as under the shipped unit's RestrictAddressFamilies=AF_UNIX
# (a seccomp filter; x86_64).
INET_DENIED = r"""
import ctypes, os, struct, sys
ld, jeq, ret = 0x20, 0x15, 0x06
prog = [(ld, 0, 0, 4), (jeq, 0, 6, 0xc000003e),          # the arch: x86_64, else allow
        (ld, 0, 0, 0), (jeq, 0, 4, 41),                 # socket()
        (ld, 0, 0, 16), (jeq, 1, 0, 2), (jeq, 0, 1, 10),  # AF_INET, AF_INET6
        (ret, 0, 0, 0x00050000 | 97), (ret, 0, 0, 0x7fff0000)]
insns = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in prog))
fprog = ctypes.create_string_buffer(struct.pack("H6xQ", len(prog), ctypes.addressof(insns)))
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(22, 2, ctypes.c_void_p(ctypes.addressof(fprog)), 0, 0):  # PR_SET_SECCOMP, FILTER
    sys.exit("PR_SET_SECCOMP: errno %d" % ctypes.get_errno())
os.execv(sys.argv[1], sys.argv[1:])
"""


@case("net")
def agent_allow_domain_refused_without_inet():
    # Where its proxy cannot open inet sockets (the shipped unit), a policy
    # with allow-domain stops the agent before anything is loaded; the same
    # file without it starts there.
    pdir = tempfile.mkdtemp()
    try:
        policy(pdir, "dom.conf", conf(f"/{CG}/dom", "example.com"))
        p = subprocess.run([C.PY, "-c", INET_DENIED, C.HB, "agent", "--policies", pdir],
                           capture_output=True, text=True, timeout=60)
        expect_eq(p.returncode, 125, f"the agent without inet sockets: {p.stderr}")
        expect("dom.conf: allow-domain: cannot open its DNS proxy" in p.stderr and
               "Hint:" in p.stderr and "PrivateNetwork=no" in p.stderr,
               f"says why, with a hint: {p.stderr!r}")
        expect_eq(pinned(), [], "nothing pinned")
        expect(not os.path.exists(os.path.join(C.CGROOT, CG)), "no cgroup made")
        policy(pdir, "dom.conf", conf(f"/{CG}/dom"))
        ag = Agent(pdir, prefix=[C.PY, "-c", INET_DENIED])
        P.RUNNING.append(ag)
        ag.stop()
        unload_leaves_nothing("after --unload")
    finally:
        cleanup([], pdir)
