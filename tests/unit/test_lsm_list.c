// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lsm_list.h"

static void has_exact_names_only(void **state)
{
	(void)state;
	assert_true(hb_lsm_list_has("lockdown,capability,landlock,bpf", "bpf"));
	assert_true(hb_lsm_list_has("bpf", "bpf"));
	assert_true(hb_lsm_list_has("bpf,yama", "bpf"));
	assert_true(hb_lsm_list_has("capability,bpf\n", "bpf"));
	assert_false(hb_lsm_list_has("capability,ebpf,bpfx", "bpf"));
	assert_false(hb_lsm_list_has("lockdown,capability,landlock,yama", "bpf"));
	assert_false(hb_lsm_list_has("", "bpf"));
	assert_false(hb_lsm_list_has(",,", "bpf"));
	assert_false(hb_lsm_list_has("bpf", ""));
	/* The file is one line: nothing after a newline counts. */
	assert_false(hb_lsm_list_has("lockdown\n,bpf,yama", "bpf"));
}

static void boot_line_keeps_the_others(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(hb_lsm_list_with("lockdown,yama\n", "bpf", out, sizeof(out)), 0);
	assert_string_equal(out, "lockdown,yama,bpf");
	assert_int_equal(hb_lsm_list_with("yama,bpf", "bpf", out, sizeof(out)), 0);
	assert_string_equal(out, "yama,bpf");
	assert_int_equal(hb_lsm_list_with("", "bpf", out, sizeof(out)), 0);
	assert_string_equal(out, "bpf");
	assert_int_equal(hb_lsm_list_with("lockdown,yama", "bpf", out, 10), -ENAMETOOLONG);
}

static void read_file(void **state)
{
	char dir[] = "/tmp/hb-lsm-XXXXXX", path[64], buf[64];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(hb_lsm_list_read(dir, buf, sizeof(buf)), -ENOENT);

	snprintf(path, sizeof(path), "%s/lsm", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(hb_lsm_list_read(dir, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_false(hb_lsm_list_has(buf, "bpf"));

	f = fopen(path, "w");
	fputs("lockdown,capability,bpf\n", f);
	fclose(f);
	assert_int_equal(hb_lsm_list_read(dir, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "lockdown,capability,bpf");
	assert_true(hb_lsm_list_has(buf, "bpf"));

	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(has_exact_names_only),
		cmocka_unit_test(boot_line_keeps_the_others),
		cmocka_unit_test(read_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
