// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "hermetic_policy.h"

/*
 * The kernel hands out cgroup ids nearly in order (kernfs: the inode
 * number low, a generation high). A sandbox's policy is looked up only if
 * its id's bit is set, so ids made one after another must land on
 * different bits: a host full of cgroups then shares few bits with the
 * sandboxes'.
 */
static void consecutive_ids_spread(void **state)
{
	static __u64 seen[HB_ID_WORDS];
	const __u64 gens[] = { 0, 1ULL << 32, 7ULL << 32 };
	unsigned int shared = 0;

	(void)state;
	for (size_t g = 0; g < sizeof(gens) / sizeof(gens[0]); g++) {
		memset(seen, 0, sizeof(seen));
		shared = 0;
		for (__u64 ino = 1000; ino < 1000 + HB_MAX_SANDBOXES; ino++) {
			__u32 bit = hb_id_bit(gens[g] | ino);

			assert_true(hb_id_word(bit) < HB_ID_WORDS);
			shared += !!(seen[hb_id_word(bit)] & hb_id_mask(bit));
			seen[hb_id_word(bit)] |= hb_id_mask(bit);
		}
		/* A random function would share about 31 of 1024 in 16384 bits. */
		assert_true(shared <= 31);
	}
}

/* The bits are the word's 64: the mask names one, and the words cover all. */
static void bits_cover_the_filter(void **state)
{
	(void)state;
	assert_int_equal(hb_id_word((1u << HB_ID_BITS_SHIFT) - 1), HB_ID_WORDS - 1);
	assert_int_equal(hb_id_word(0), 0);
	assert_true(hb_id_mask(63) == 1ULL << 63);
	assert_true(hb_id_mask(64) == 1);
	assert_true(hb_id_bit(~0ULL) < (1u << HB_ID_BITS_SHIFT));
}

/*
 * The lowest marked level, as the hooks find it: every bit alone, and
 * with every higher bit set too (a table with one wrong entry fails here).
 */
static void lowest_bit_of_every_mask(void **state)
{
	(void)state;
	for (unsigned int b = 0; b < 32; b++) {
		__u32 alone = 1u << b;

		assert_int_equal(hb_lowest_bit(alone), b);
		assert_int_equal(hb_lowest_bit(~0u << b), b);
		assert_int_equal(hb_lowest_bit(alone | 0x80000000u), b);
		assert_int_equal(hb_lowest_bit64((__u64)alone << 32), 32 + b);
		assert_int_equal(hb_lowest_bit64(~0ULL << b), b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(consecutive_ids_spread),
		cmocka_unit_test(bits_cover_the_filter),
		cmocka_unit_test(lowest_bit_of_every_mask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
