// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "fs_tree.h"
#include "file_id.h"
#include "fs_rule.h"
#include "hermetic_abi.h"
#include "mountinfo.h"

/* A mountinfo with no mount below anything: the root. */
static const char no_mounts[] = "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n";

static int setup(void **state)
{
	static const char *const dirs[] = { "a", "a/b", "a/b/c", "a/m1", "a/m1/m2",
					    "a/with space", "ab" };

	(void)state;
	if (tree_create("hb-fs-rule"))
		return -1;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir(at(dirs[i]), 0755))
			return -1;
	fclose(fopen(at("a/f"), "w"));
	return symlink("a", at("link"));
}

static int add_from(struct hb_fs_rules *r, const char *mountinfo, const char *path,
		    __u32 flags, int optional)
{
	FILE *f = fmemopen((void *)mountinfo, strlen(mountinfo), "r");
	int err;

	assert_non_null(f);
	err = hb_fs_rules_add_from(r, f, "allow-write", path, flags, optional);
	fclose(f);
	return err;
}

/* stderr, while @fn runs with hb_log() writing there. */
static FILE *capture;
static int saved_stderr = -1;

static void capture_start(void)
{
	capture = tmpfile();
	assert_non_null(capture);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fileno(capture), STDERR_FILENO);
}

static const char *capture_end(void)
{
	static char text[1024];
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(capture);
	n = fread(text, 1, sizeof(text) - 1, capture);
	text[n] = '\0';
	fclose(capture);
	return text;
}

static void merges_same_identity(void **state)
{
	struct hb_fs_rules r = { 0 };

	(void)state;
	assert_int_equal(add_from(&r, no_mounts, at("a"), HB_FS_RULE_WRITE, 0), 0);
	assert_int_equal(r.n, 1);
	/* The same directory by another name, with another flag: one entry. */
	assert_int_equal(add_from(&r, no_mounts, at("link"), HB_FS_RULE_READ, 0), 0);
	assert_int_equal(flags_of(&r, at("a")), HB_FS_RULE_WRITE | HB_FS_RULE_READ);
	for (size_t i = 0; i < r.n; i++)
		for (size_t j = 0; j < i; j++)
			assert_false(r.v[i].dev == r.v[j].dev && r.v[i].ino == r.v[j].ino);
	hb_fs_rules_free(&r);
	assert_null(r.v);
	assert_int_equal(r.n, 0);
}

static void read_gives_ancestors_stat(void **state)
{
	struct hb_fs_rules r = { 0 };

	(void)state;
	assert_int_equal(add_from(&r, no_mounts, at("a/b/c"), HB_FS_RULE_READ, 0), 0);
	assert_int_equal(flags_of(&r, at("a/b/c")), HB_FS_RULE_READ);
	assert_int_equal(flags_of(&r, at("a/b")), HB_FS_RULE_STAT);
	assert_int_equal(flags_of(&r, at("a")), HB_FS_RULE_STAT);
	assert_int_equal(flags_of(&r, tmp), HB_FS_RULE_STAT);
	assert_int_equal(flags_of(&r, "/tmp"), HB_FS_RULE_STAT);
	assert_int_equal(flags_of(&r, "/"), HB_FS_RULE_STAT);
	assert_int_equal(r.n, 6);
	/* Nothing below the path, and no sibling. */
	assert_int_equal(flags_of(&r, at("ab")), 0);
	/* A readable directory that also leads to another keeps both. */
	assert_int_equal(add_from(&r, no_mounts, at("a"), HB_FS_RULE_READ, 0), 0);
	assert_int_equal(flags_of(&r, at("a")), HB_FS_RULE_STAT | HB_FS_RULE_READ);
	assert_int_equal(r.n, 6);
	hb_fs_rules_free(&r);

	/* Writing alone needs no way there: no ancestors. */
	assert_int_equal(add_from(&r, no_mounts, at("a/b/c"), HB_FS_RULE_WRITE, 0), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(flags_of(&r, "/"), 0);
	hb_fs_rules_free(&r);

	/* "/" has no ancestors; a file has its directories. */
	assert_int_equal(add_from(&r, no_mounts, "/", HB_FS_RULE_READ, 0), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(flags_of(&r, "/"), HB_FS_RULE_READ);
	assert_int_equal(add_from(&r, no_mounts, at("a/f"), HB_FS_RULE_READ, 0), 0);
	assert_int_equal(flags_of(&r, at("a/f")), HB_FS_RULE_READ);
	assert_int_equal(flags_of(&r, at("a")), HB_FS_RULE_STAT);
	hb_fs_rules_free(&r);
}

static void optional_skips_missing(void **state)
{
	struct hb_fs_rules r = { 0 };
	const char *out;

	(void)state;
	capture_start();
	assert_int_equal(add_from(&r, no_mounts, at("nope"), HB_FS_RULE_READ, 1), 0);
	assert_int_equal(add_from(&r, no_mounts, at("a/f/x"), HB_FS_RULE_READ, 1), 0);
	assert_int_equal(hb_fs_rules_add_optional(&r, "allow-read", at("nope"),
						  HB_FS_RULE_READ), 0);
	out = capture_end();
	assert_string_equal(out, "");
	assert_int_equal(r.n, 0);
	assert_null(r.v);
	/* Other failures are not skipped. */
	capture_start();
	assert_int_equal(add_from(&r, "garbage\n", at("a"), HB_FS_RULE_READ, 1), -EINVAL);
	out = capture_end();
	assert_non_null(strstr(out, "a: Invalid argument"));
	assert_int_equal(r.n, 0);
}

static void errors_name_flag_and_path(void **state)
{
	struct hb_fs_rules r = { 0 };
	char expect[PATH_MAX + 100];
	struct hb_fs_entry before;
	const char *out;

	(void)state;
	assert_int_equal(add_from(&r, no_mounts, at("a/b"), HB_FS_RULE_READ, 0), 0);
	before = r.v[0];

	capture_start();
	assert_int_equal(add_from(&r, no_mounts, at("nope"), HB_FS_RULE_WRITE, 0), -ENOENT);
	out = capture_end();
	snprintf(expect, sizeof(expect),
		 "hermetic-bpf: --allow-write %s: No such file or directory\n", at("nope"));
	assert_string_equal(out, expect);

	capture_start();
	assert_int_equal(hb_fs_rules_add(&r, "allow-read", at("a/f/x"), HB_FS_RULE_READ),
			 -ENOTDIR);
	out = capture_end();
	snprintf(expect, sizeof(expect), "hermetic-bpf: --allow-read %s: Not a directory\n",
		 at("a/f/x"));
	assert_string_equal(out, expect);

	/* A failure half-way (a malformed mountinfo after the path) changes nothing. */
	capture_start();
	assert_int_equal(add_from(&r, "1 0 8:1 / / rw\n", at("a"), HB_FS_RULE_WRITE, 0),
			 -EINVAL);
	out = capture_end();
	assert_non_null(strstr(out, "--allow-write"));
	assert_int_equal(r.n, 5);
	assert_memory_equal(&r.v[0], &before, sizeof(before));
	assert_int_equal(flags_of(&r, at("a")), HB_FS_RULE_STAT);
	hb_fs_rules_free(&r);
}

static void mounts_below_are_added(void **state)
{
	struct hb_fs_rules r = { 0 };
	char text[8 * PATH_MAX];

	(void)state;
	/* Mount points are real directories here: their own inodes stand for the roots. */
	snprintf(text, sizeof(text),
		 "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		 "2 1 0:40 / %s rw - tmpfs tmpfs rw\n"            /* the path's parent */
		 "3 1 0:41 / %s/a/m1 rw shared:4 - tmpfs tmpfs rw\n"
		 "4 3 0:42 /sub %s/a/m1/m2 rw - ext4 /dev/sdb rw\n" /* nested */
		 "5 1 0:43 / %s/a/with\\040space rw - tmpfs x rw\n"
		 "6 1 0:44 / %s/ab rw - tmpfs tmpfs rw\n"         /* a prefix, not below */
		 "7 1 0:45 / %s/a/gone rw - tmpfs tmpfs rw\n",    /* cannot be stat-ed */
		 tmp, tmp, tmp, tmp, tmp, tmp);
	assert_int_equal(add_from(&r, text, at("link"), HB_FS_RULE_WRITE, 0), 0);
	assert_int_equal(flags_of(&r, at("a")), HB_FS_RULE_WRITE);
	assert_int_equal(flags_of(&r, at("a/m1")), HB_FS_RULE_WRITE);
	assert_int_equal(flags_of(&r, at("a/m1/m2")), HB_FS_RULE_WRITE);
	assert_int_equal(flags_of(&r, at("a/with space")), HB_FS_RULE_WRITE);
	assert_int_equal(flags_of(&r, at("ab")), 0);
	assert_int_equal(flags_of(&r, tmp), 0);
	assert_int_equal(flags_of(&r, at("a/b")), 0);
	assert_int_equal(r.n, 4);
	hb_fs_rules_free(&r);

	/* Below "/" is every mount but the root. */
	assert_int_equal(add_from(&r, text, "/", HB_FS_RULE_READ, 0), 0);
	assert_int_equal(flags_of(&r, tmp), HB_FS_RULE_READ);
	assert_int_equal(flags_of(&r, at("ab")), HB_FS_RULE_READ);
	assert_int_equal(flags_of(&r, at("a/m1/m2")), HB_FS_RULE_READ);
	assert_int_equal(r.n, 6);
	hb_fs_rules_free(&r);
}

static void real_mountinfo(void **state)
{
	struct hb_fs_rules r = { 0 };

	(void)state;
	/* /proc is a mount below "/" on every machine that runs this. */
	assert_int_equal(hb_fs_rules_add(&r, "fs-readonly", "/", HB_FS_RULE_READ), 0);
	assert_int_equal(flags_of(&r, "/"), HB_FS_RULE_READ);
	assert_int_equal(flags_of(&r, "/proc"), HB_FS_RULE_READ);
	hb_fs_rules_free(&r);
}

static void limit_is_e2big(void **state)
{
	struct hb_fs_rules r = { 0 };
	struct hb_file_id a;
	const char *out;

	(void)state;
	assert_int_equal(hb_file_id_stat(at("a"), &a), 0);
	r.cap = r.n = HB_MAX_FS_RULES;
	r.v = calloc(r.n, sizeof(*r.v));
	assert_non_null(r.v);
	for (size_t i = 0; i < r.n; i++)
		r.v[i] = (struct hb_fs_entry){ .ino = i + 1, .dev = 0xffffffff };
	r.v[0] = (struct hb_fs_entry){ .ino = a.ino, .dev = a.dev, .flags = HB_FS_RULE_READ };

	/* Full, but merging into an entry that is there needs no room. */
	assert_int_equal(add_from(&r, no_mounts, at("a"), HB_FS_RULE_WRITE, 0), 0);
	assert_int_equal(r.v[0].flags, HB_FS_RULE_READ | HB_FS_RULE_WRITE);

	capture_start();
	assert_int_equal(add_from(&r, no_mounts, at("a/b"), HB_FS_RULE_WRITE, 0), -E2BIG);
	out = capture_end();
	assert_non_null(strstr(out, "--allow-write "));
	assert_non_null(strstr(out, "a/b: more than 16384 rules"));
	assert_int_equal(r.n, HB_MAX_FS_RULES);
	assert_int_equal(flags_of(&r, at("a/b")), 0);
	hb_fs_rules_free(&r);
}

static int collect(const struct hb_mount *m, void *ctx)
{
	char *seen = ctx;

	strcat(seen, m->target);
	strcat(seen, ";");
	return strcmp(m->target, "/stop") ? 0 : 42;
}

static void mountinfo_each(void **state)
{
	static const char text[] =
		"1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		"2 1 0:40 / /a\\040b rw shared:1 master:2 - tmpfs tmpfs rw\n"
		"3 1 0:41 / /stop rw - tmpfs tmpfs rw\n"
		"4 1 0:42 / /never rw - tmpfs tmpfs rw\n";
	char seen[64] = "";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	(void)state;
	assert_non_null(f);
	/* In order, unescaped, until the callback says stop. */
	assert_int_equal(hb_mountinfo_each(f, collect, seen), 42);
	assert_string_equal(seen, "/;/a b;/stop;");
	fclose(f);
	f = fmemopen((void *)text, strchr(text, '\n') + 1 - text, "r"); /* line 1 */
	seen[0] = '\0';
	assert_int_equal(hb_mountinfo_each(f, collect, seen), 0);
	assert_string_equal(seen, "/;");
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(merges_same_identity),
		cmocka_unit_test(read_gives_ancestors_stat),
		cmocka_unit_test(optional_skips_missing),
		cmocka_unit_test(errors_name_flag_and_path),
		cmocka_unit_test(mounts_below_are_added),
		cmocka_unit_test(real_mountinfo),
		cmocka_unit_test(limit_is_e2big),
		cmocka_unit_test(mountinfo_each),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
