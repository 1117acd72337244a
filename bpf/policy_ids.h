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

/*
 * The index of the lowest bit set in @x (not 0), as the hooks find the
 * lowest level hb_level_map.levels marks: the isolated bit times a de
 * Bruijn constant has a distinct top five bits for each of the 32 bits,
 * which a table turns into the index (BPF has no count-trailing-zeros
 * instruction, and clang 14 cannot lower __builtin_ctz for it). Five
 * instructions and one load, where a population count took 22.
 */
#ifdef __bpf__
__attribute__((section(".rodata"))) /* not a map of its own (.rodata.cst32) */
#endif
static const __u8 hb_debruijn_index[32] = {
	0, 1, 28, 2, 29, 14, 24, 3, 30, 22, 20, 15, 25, 17, 4, 8,
	31, 27, 13, 23, 21, 19, 16, 7, 26, 12, 18, 6, 11, 5, 10, 9,
};

static __always_inline __u32 hb_lowest_bit(__u32 x)
{
	return hb_debruijn_index[(__u32)((x & -x) * 0x077cb531u) >> 27];
}

/* The same for a 64-bit @x (not 0). */
static __always_inline __u32 hb_lowest_bit64(__u64 x)
{
	__u32 lo = (__u32)x;

	return lo ? hb_lowest_bit(lo) : 32 + hb_lowest_bit((__u32)(x >> 32));
}

#endif
