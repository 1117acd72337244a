/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event rings of the sandboxes that share one object (warm runs on the
 * agent's, tier B runs on the boot's programs), by slot of hb_event_rings.
 *
 * A sandbox claims a free slot (hb_ring_owners: slot -> its id, added
 * with BPF_NOEXIST, so two never share one) and names it in its policy.
 * Adding or removing a map of hb_event_rings waits for an RCU grace
 * period, about 10 ms each: so the first HB_RING_KEPT slots keep their
 * ring, pinned beside the object's maps, for the next sandbox to reuse,
 * and only sandboxes beyond that many at once pay for a ring of their own.
 * A reused ring may hold a killed sandbox's last events: its reader skips
 * events of other sandboxes.
 */
#ifndef HB_RING_POOL_H
#define HB_RING_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct hb_ring_pool {
	int rings;       /* hb_event_rings */
	int owners;      /* hb_ring_owners */
	const char *dir; /* the object's pin directory: kept rings' pins */
};

struct hb_ring_claim {
	int fd;          /* the ring, or -1 */
	__u32 slot;
	bool kept;       /* stays in the pool when released */
};

/*
 * A slot for sandbox @id, with its ring (made and added if the slot has
 * none). Returns 0, or -errno having said why (-ENOSPC: every slot taken).
 */
int hb_ring_claim(const struct hb_ring_pool *p, __u64 id, struct hb_ring_claim *c);

/*
 * Makes kept slot @slot's ring now, if it has none, so that no run pays
 * for it (the agent, before its object can serve runs). 0 or -errno, said.
 */
int hb_ring_make_kept(const struct hb_ring_pool *p, __u32 slot);

/*
 * Gives the slot back, once the sandbox's policy no longer names it; a
 * ring not kept is removed. @c's descriptor is closed.
 */
void hb_ring_release(const struct hb_ring_pool *p, struct hb_ring_claim *c);

/*
 * gc: releases every slot whose owner is not among the @n @live sandbox
 * ids (a run killed before it released its slot). Returns how many.
 */
int hb_ring_collect(const struct hb_ring_pool *p, const __u64 *live, size_t n);

#endif
