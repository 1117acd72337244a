// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "cgroup_names.h"

/* The bit a policy's cgroup sets in hb_levels: the kernel's level. */
static void path_levels(void **state)
{
	(void)state;
	assert_int_equal(hb_cgroup_path_level("/"), 0);
	assert_int_equal(hb_cgroup_path_level("/a"), 1);
	assert_int_equal(hb_cgroup_path_level("/system.slice/x.service"), 2);
	assert_int_equal(hb_cgroup_path_level("/hermetic-bpf/run-1-ab"), 2);
	assert_int_equal(hb_cgroup_path_level("/a/b/c/d/e/f"), 6);
	/* A trailing or doubled slash is no level. */
	assert_int_equal(hb_cgroup_path_level("/a/b/"), 2);
	assert_int_equal(hb_cgroup_path_level("/a//b"), 2);
}

static void path_under(void **state)
{
	(void)state;
	assert_true(hb_cgroup_path_under("/a/b", "/a"));
	assert_true(hb_cgroup_path_under("/a", "/a"));
	assert_false(hb_cgroup_path_under("/ab", "/a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(path_levels),
		cmocka_unit_test(path_under),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
