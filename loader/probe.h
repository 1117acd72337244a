/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which kernel mechanisms can enforce here? Asked in layers, cheapest
 * first; the first layer that fails says what is missing and how to fix it.
 * Nothing is printed here: the caller decides whether a failure is fatal
 * (no tier left) or only worth a -v line (another tier takes over).
 */
#ifndef HB_PROBE_H
#define HB_PROBE_H

#include <stdbool.h>
#include <stddef.h>

struct hb_probe_failure {
	char what[256]; /* "BPF-LSM is not active: ..." */
	char hint[512]; /* what the user can change, or "" */
};

/*
 * Why a BPF-LSM attach can fail with E2BIG on a kernel that has BPF-LSM:
 * the hook's trampoline is full (BPF_MAX_TRAMP_LINKS, host-wide).
 */
#define HB_HINT_HOOK_FULL							\
	"each running sandbox attaches its own programs, and the kernel takes "	\
	"at most 38 on one hook (fewer if other tools attach LSM or fentry "	\
	"programs there); wait for other sandboxes to end"

/*
 * Tier A: 0 when a BPF-LSM program loads and attaches here, else -errno;
 * -E2BIG when BPF-LSM works but its hook has no room (HB_HINT_HOOK_FULL).
 */
int hb_probe_bpf_lsm(struct hb_probe_failure *f);

/*
 * Tier A's layers but the last: root, bpf in the LSM list, the kernel's
 * BTF. `run` stops here; its own programs' load is the last layer, and
 * only if that fails is hb_probe_bpf_lsm() asked why (loader/sandbox.c).
 */
int hb_probe_bpf_lsm_listed(struct hb_probe_failure *f);

/*
 * Tier B for files and exec: the kernel's Landlock ABI if it is at least
 * @need, else -errno with what is missing and how to get it.
 */
int hb_probe_landlock(int need, struct hb_probe_failure *f);

/* Every tier: 0 when cgroup v2 is mounted (each sandbox is a group). */
int hb_probe_cgroup2(struct hb_probe_failure *f);

/* Tier B: 0 when a cgroup sock_addr program loads here, else -errno. */
int hb_probe_cgroup_bpf(struct hb_probe_failure *f);

/*
 * The cgroup hooks for unix sockets (Linux 6.7), by their UAPI numbers:
 * libbpf 1.1's headers predate them, and UAPI numbers never change.
 */
#define HB_CGROUP_UNIX_CONNECT 49
#define HB_CGROUP_UNIX_SENDMSG 50

/*
 * Whether the kernel knows cgroup sock_addr attach type @type: @type when
 * a two-instruction program of that type loads, else -errno (EINVAL: an
 * older kernel). No BTF is read: parsing the kernel's costs ~90 ms.
 */
int hb_probe_attach_type(int type);

/* "hermetic-bpf: <what>" and "Hint: <hint>". */
void hb_probe_failure_log(const struct hb_probe_failure *f);

#endif
