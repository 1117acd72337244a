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

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* The unit and the container a path shows, as each runtime names them. */
static void unit_and_container(void **state)
{
	char u[256], c[72];

	(void)state;
	assert_string_equal(hb_cgroup_unit("/system.slice/nginx.service", u, sizeof(u)),
			    "nginx.service");
	assert_string_equal(hb_cgroup_unit("/user.slice/user-1000.slice/session-2.scope/x",
					   u, sizeof(u)), "session-2.scope");
	assert_null(hb_cgroup_unit("/hermetic-bpf/run-1-ab", u, sizeof(u)));
	assert_null(hb_cgroup_unit("/a/.service", u, sizeof(u)));
	assert_string_equal(hb_cgroup_container("/system.slice/docker-" ID ".scope", c, sizeof(c)),
			    ID);
	assert_string_equal(hb_cgroup_container("/kubepods.slice/kubepods-pod1.slice/"
						"cri-containerd-" ID ".scope", c, sizeof(c)), ID);
	assert_string_equal(hb_cgroup_container("/machine.slice/libpod-" ID ".scope/container",
						c, sizeof(c)), ID);
	assert_string_equal(hb_cgroup_container("/docker/" ID, c, sizeof(c)), ID);
	assert_string_equal(hb_cgroup_container("/kubepods/burstable/podx/" ID, c, sizeof(c)), ID);
	/* 65 digits, a capital, or more after the id: no container. */
	assert_null(hb_cgroup_container("/docker/" ID "0", c, sizeof(c)));
	assert_null(hb_cgroup_container("/docker-" ID ".scopeX", c, sizeof(c)));
	assert_null(hb_cgroup_container("/docker/0123456789ABCDEF0123456789abcdef0123456789abcdef"
					"0123456789abcdef", c, sizeof(c)));
	assert_null(hb_cgroup_container("/system.slice/nginx.service", c, sizeof(c)));
	assert_null(hb_cgroup_container("/docker/" ID, c, 64));
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
		cmocka_unit_test(unit_and_container),
		cmocka_unit_test(path_under),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
