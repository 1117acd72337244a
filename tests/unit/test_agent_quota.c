// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "agent_quota.h"
#include "hermetic_abi.h"

static void within_and_beyond(void **state)
{
	struct hb_quota_use mine = {}, users = {}, want = { .sandboxes = 1 };
	char text[256] = "";

	(void)state;
	want.rules[HB_QUOTA_EXEC] = HB_MAX_EXEC_RULES / 8;
	assert_int_equal(hb_quota_check(1000, &mine, &users, &want, text, sizeof(text)), 0);
	/* One more than an eighth of the map: refused, naming the map and the limit. */
	want.rules[HB_QUOTA_EXEC]++;
	assert_int_equal(hb_quota_check(1000, &mine, &users, &want, text, sizeof(text)),
			 -EDQUOT);
	assert_non_null(strstr(text, "hb_exec_rules"));
	assert_non_null(strstr(text, "at most 128"));
	/* Root is never limited. */
	assert_int_equal(hb_quota_check(0, &mine, &users, &want, text, sizeof(text)), 0);
	/* What the user's live sandboxes hold counts. */
	want.rules[HB_QUOTA_EXEC] = 1;
	mine.rules[HB_QUOTA_EXEC] = users.rules[HB_QUOTA_EXEC] = HB_MAX_EXEC_RULES / 8;
	assert_int_equal(hb_quota_check(1000, &mine, &users, &want, text, sizeof(text)),
			 -EDQUOT);
	/* Users together keep 5/8 of each map for root. */
	memset(&mine, 0, sizeof(mine));
	users.rules[HB_QUOTA_FS] = HB_MAX_FS_RULES / 8 * 3;
	users.rules[HB_QUOTA_EXEC] = 0;
	want.rules[HB_QUOTA_EXEC] = 0;
	want.rules[HB_QUOTA_FS] = 1;
	assert_int_equal(hb_quota_check(1001, &mine, &users, &want, text, sizeof(text)),
			 -EDQUOT);
	assert_non_null(strstr(text, "users together"));
	assert_true(HB_QUOTA_USERS(HB_MAX_FS_RULES) * 2 < HB_MAX_FS_RULES);
}

static void sandboxes(void **state)
{
	struct hb_quota_use mine = { .sandboxes = HB_QUOTA_SANDBOXES - 1 }, users = mine;
	struct hb_quota_use want = { .sandboxes = 1 };
	char text[256] = "";

	(void)state;
	assert_int_equal(hb_quota_check(1000, &mine, &users, &want, text, sizeof(text)), 0);
	mine.sandboxes = users.sandboxes = HB_QUOTA_SANDBOXES;
	assert_int_equal(hb_quota_check(1000, &mine, &users, &want, text, sizeof(text)),
			 -EDQUOT);
	assert_non_null(strstr(text, "live sandboxes"));
	/* Another user's sandboxes are not this one's. */
	memset(&mine, 0, sizeof(mine));
	assert_int_equal(hb_quota_check(1001, &mine, &users, &want, text, sizeof(text)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(within_and_beyond),
		cmocka_unit_test(sandboxes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
