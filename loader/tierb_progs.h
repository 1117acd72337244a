/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tier B's programs, loaded once per boot and shared by every tier B run.
 *
 * Loading and verifying the cgroup programs is most of a cold tier B
 * run's start (the kernel's BTF read and parsed, a dozen programs
 * verified: 150-250 ms natively). The first tier B run of a boot loads
 * them once, with full-size maps, and pins programs and maps in
 * <bpffs>/hermetic-bpf/tierb-L<level>-<object's crc32>; every later run
 * attaches the programs its guards need to its own cgroup (links pinned
 * in its own pin directory, as before) and writes its policy, keyed by
 * its cgroup's id, into the shared maps. The programs run only in the
 * cgroups they are attached to: nothing outside a sandbox pays for them.
 *
 * Locking: a run holds the directory's flock, shared, from finding the
 * set until its policy is written (exclusive while it builds the set);
 * `gc` removes a set only under the exclusive lock and only when no
 * policy is left in it, so a set is never removed under a run.
 */
#ifndef HB_TIERB_PROGS_H
#define HB_TIERB_PROGS_H

#include <limits.h>
#include <stdbool.h>
#include "obj.h"
#include "ring_pool.h"

#define HB_TIERB_PROGS_PREFIX "tierb-"
#define HB_TIERB_MAX_PROGS 32

struct hb_tierb_progs {
	char dir[PATH_MAX];
	int lock;                   /* the directory, flocked; -1 when released */
	struct hb_policy_maps maps;
	int rings;                  /* hb_event_rings */
	int ring_owners;            /* hb_ring_owners */
	size_t n;
	struct {
		char name[64];
		int attach;         /* enum bpf_attach_type */
		int fd;
	} prog[HB_TIERB_MAX_PROGS];
};

/*
 * The boot's set for sandboxes at cgroup @level, loaded and pinned if it
 * is not there or not whole. Returns with the lock held; *@loaded says
 * whether this call loaded it.
 */
int hb_tierb_progs_get(struct hb_tierb_progs *tp, const struct hb_tiers *t, __u32 level,
		       bool *loaded);

/*
 * Attaches the programs @cfg needs to cgroup @cg_fd, each link pinned as
 * @pin_dir/<program name>: they stay attached if the launcher dies.
 */
int hb_tierb_progs_attach(const struct hb_tierb_progs *tp, const struct hb_sandbox_config *cfg,
			  int cg_fd, const char *pin_dir);

/* The runs' rings (ring_pool.h): their slots, kept ones pinned in the set's directory. */
static inline struct hb_ring_pool hb_tierb_progs_rings(const struct hb_tierb_progs *tp)
{
	return (struct hb_ring_pool){ tp->rings, tp->ring_owners, tp->dir };
}

/*
 * Removes sandbox @id's policy from the set, and its entries in the rule
 * maps @kinds names (HB_RULES_ALL if its configuration is not known).
 */
int hb_tierb_progs_forget(const struct hb_tierb_progs *tp, __u64 id, unsigned int kinds);

/* Lets go of the lock: once the run's policy is in, gc sees it. */
void hb_tierb_progs_unlock(struct hb_tierb_progs *tp);

/* Closes every descriptor (and the lock, if still held). */
void hb_tierb_progs_close(struct hb_tierb_progs *tp);

/*
 * gc: for each set on this boot, @each removes the policies of gone
 * sandboxes; then, with @unused, a set left without any policy and used
 * by no run starting is removed (a set left unfinished by a crash always
 * is). Returns how many sets were removed.
 */
int hb_tierb_progs_collect(void (*each)(const struct hb_tierb_progs *tp, void *ctx), void *ctx,
			   bool unused);

#endif
