// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel side of hermetic-bpf. Each hook first finds whether the
 * current task lives under a sandbox cgroup (one map miss for everybody
 * else), gathers facts (socket, destination, map lookups), asks
 * hermetic_policy.h for a verdict and reports denials on the ring buffer.
 *
 * Tier A: BPF-LSM programs (lsm/...) enforce. Tier B, on kernels where
 * those cannot load: the cgroup programs (cgroup/...) attached to the
 * sandbox cgroup enforce the same decisions (hb_tier_b). In both tiers the
 * cgroup programs redirect DNS to the sandbox's proxy.
 *
 * One object and one set of maps, which the loader's autoload table
 * (loader/obj.c) and the agent's pins name: so each guard is a header,
 * not an object of its own, included below after what it uses.
 */
#include "common.bpf.h"
#include "facts.bpf.h"
#include "fs_text.bpf.h"
#include "enforce.bpf.h"
#include "net.bpf.h"
#include "exec.bpf.h"
#include "seal.bpf.h"
#include "proc.bpf.h"
#include "fs.bpf.h"
#include "cgroup_net.bpf.h"
#include "agent.bpf.h"

char LICENSE[] SEC("license") = "GPL";
