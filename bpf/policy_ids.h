/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Where a cgroup id's bit sits in struct hb_level_map.ids: the hooks read
 * it, and every writer of a policy (the loader, and hb_cg_mkdir in the
 * kernel) sets it first.
 * A part of hermetic_policy.h, compiled for BPF and host alike (see there).
 */
#ifndef HB_POLICY_IDS_H
#define HB_POLICY_IDS_H

#include "policy_req.h"

/*
 * Fibonacci hashing: the top bits of the product, so that the nearly
 * consecutive ids the kernel hands out fall far apart.
 */
static __always_inline __u32 hb_id_bit(__u64 id)
{
	return (__u32)((id * 0x9e3779b97f4a7c15ULL) >> (64 - HB_ID_BITS_SHIFT));
}

/* The word of hb_level_map.ids that holds @bit, and the bit in it. */
static __always_inline __u32 hb_id_word(__u32 bit)
{
	return (bit >> 6) & (HB_ID_WORDS - 1);
}

static __always_inline __u64 hb_id_mask(__u32 bit)
{
	return 1ULL << (bit & 63);
}

#endif
