// SPDX-License-Identifier: GPL-2.0-only
/* Which denials a sandbox enforces but cannot report (spec/tiers.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "hermetic_abi.h"
#include "unseen.h"

static struct hb_tiers tier_b(int abi)
{
	struct hb_tiers t = { .net = HB_TIER_B, .fs = HB_TIER_LANDLOCK,
			      .exec = HB_TIER_LANDLOCK, .landlock_abi = abi };
	return t;
}

static void tier_a_sees_everything(void **state)
{
	struct hb_tiers t;

	(void)state;
	hb_tier_lsm(&t);
	assert_int_equal(hb_unseen(HB_GUARD_ALL, &t), 0);
}

static void tier_b_per_guard(void **state)
{
	struct hb_tiers t = tier_b(7);
	char list[512];

	(void)state;
	assert_int_equal(hb_unseen(0, &t), 0); /* no guard, no sandbox to report on */
	/* Seccomp's denials and dropped packets are reported: never unseen. */
	assert_int_equal(hb_unseen(HB_GUARD_EXEC, &t), HB_UNSEEN_SCOPE);
	assert_int_equal(hb_unseen(HB_GUARD_NET, &t), HB_UNSEEN_SCOPE);
	assert_int_equal(hb_unseen(HB_GUARD_FS, &t), HB_UNSEEN_FS | HB_UNSEEN_SCOPE);
	/* Only a whole guard's denials stop --fail-on-block. */
	assert_int_equal(hb_unseen_refused(hb_unseen(HB_GUARD_FS | HB_GUARD_NET, &t)),
			 HB_UNSEEN_FS);
	assert_int_equal(hb_unseen_refused(hb_unseen(HB_GUARD_NET, &t)), 0);
	/* No Landlock domain (--allow-partial): nothing scoped, nothing unseen there. */
	t = tier_b(0);
	t.fs = HB_TIER_NONE;
	assert_int_equal(hb_unseen(HB_GUARD_FS | HB_GUARD_NET, &t), 0);
	hb_unseen_list(HB_UNSEEN_FS | HB_UNSEEN_SCOPE, list, sizeof(list));
	assert_non_null(strstr(list, "filesystem denials (Landlock); ptrace "));
	hb_unseen_list(0, list, sizeof(list));
	assert_string_equal(list, "");
	hb_unseen_list(HB_UNSEEN_FS | HB_UNSEEN_SCOPE, list, 8); /* cut, terminated */
	assert_int_equal(strlen(list), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tier_a_sees_everything),
		cmocka_unit_test(tier_b_per_guard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
