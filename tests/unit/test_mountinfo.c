// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "mountinfo.h"

static int find(const char *text, const char *fstype, struct hb_mount *m)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err;

	assert_non_null(f);
	err = hb_mountinfo_find(f, fstype, m);
	fclose(f);
	return err;
}

/* This project's machines: v1 controllers, v2 at /sys/fs/cgroup/unified. */
static const char hybrid[] =
	"23 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char unified[] =
	"22 1 0:20 / /proc rw,nosuid shared:12 - proc proc rw\n"
	"25 22 0:22 / /sys/fs/cgroup rw,nosuid,nodev shared:4 master:1 - cgroup2 cgroup2 rw,nsdelegate\n"
	"26 22 0:23 / /sys/kernel/security rw shared:5 - securityfs securityfs rw\n";

static void finds_hybrid_and_unified(void **state)
{
	struct hb_mount m;

	(void)state;
	assert_int_equal(find(hybrid, "cgroup2", &m), 0);
	assert_string_equal(m.target, "/sys/fs/cgroup/unified");
	assert_string_equal(m.root, "/");
	assert_int_equal(find(unified, "cgroup2", &m), 0);
	assert_string_equal(m.target, "/sys/fs/cgroup");
	assert_int_equal(find(unified, "securityfs", &m), 0);
	assert_string_equal(m.target, "/sys/kernel/security");
}

static void missing_type(void **state)
{
	struct hb_mount m;

	(void)state;
	assert_int_equal(find(hybrid, "securityfs", &m), -ENOENT);
	assert_int_equal(find("", "cgroup2", &m), -ENOENT);
	/* A type that is a prefix or the source field must not match. */
	assert_int_equal(find("40 1 0:5 / /mnt rw - cgroup cgroup2 rw\n", "cgroup2", &m),
			 -ENOENT);
}

static void unescapes_octal(void **state)
{
	struct hb_mount m;

	(void)state;
	assert_int_equal(find("50 1 0:40 / /mnt/with\\040space\\134x rw - bpf bpf rw\n",
			      "bpf", &m), 0);
	assert_string_equal(m.target, "/mnt/with space\\x");
}

static void prefers_whole_filesystem(void **state)
{
	struct hb_mount m;
	const char text[] =
		"60 1 0:50 /sub /bind rw - cgroup2 cgroup2 rw\n"
		"61 1 0:50 / /whole rw - cgroup2 cgroup2 rw\n"
		"62 1 0:50 / /later rw - cgroup2 cgroup2 rw\n";

	(void)state;
	assert_int_equal(find(text, "cgroup2", &m), 0);
	assert_string_equal(m.target, "/whole");
	assert_int_equal(find("60 1 0:50 /sub /bind rw - cgroup2 cgroup2 rw\n",
			      "cgroup2", &m), 0);
	assert_string_equal(m.root, "/sub");
}

static void malformed_lines(void **state)
{
	struct hb_mount m;

	(void)state;
	assert_int_equal(find("41 31 0:38 / /x rw,relatime cgroup2 cgroup2 rw\n",
			      "cgroup2", &m), -EINVAL); /* no "-" */
	assert_int_equal(find("41 31 0:38\n", "cgroup2", &m), -EINVAL);
	assert_int_equal(find("41 31 0:38 / /x rw -\n", "cgroup2", &m), -EINVAL);
}

/* hb_mount_find with no descriptor left to open: only a kept answer. */
static int find_kept(const char *fstype, struct hb_mount *m)
{
	struct rlimit was, none;
	int fd = dup(0), err;

	if (fd < 0 || getrlimit(RLIMIT_NOFILE, &was))
		return -100;
	close(fd);
	none = was;
	none.rlim_cur = (rlim_t)fd; /* the lowest free descriptor, and above */
	if (setrlimit(RLIMIT_NOFILE, &none))
		return -100;
	err = hb_mount_find(fstype, m);
	setrlimit(RLIMIT_NOFILE, &was);
	return err;
}

/*
 * In a mount namespace of its own: the table is kept (no descriptor is
 * needed to answer again), and a mount or an unmount is seen at once.
 * Each step's failure is its own exit status.
 */
static int keep_then_see_changes(void)
{
	char dir[] = "/tmp/hb-mountinfo-XXXXXX";
	struct hb_mount m;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    !mkdtemp(dir))
		return 77;
	if (hb_mount_find("ramfs", &m) != -ENOENT) {
		rmdir(dir);
		return 77; /* the host has one: this test cannot tell */
	}
	if (find_kept("ramfs", &m) != -ENOENT)
		return 1; /* "none" kept */
	if (find_kept("proc", &m) || strcmp(m.target, "/proc"))
		return 2; /* not asked before, but in the table kept */
	if (mount("none", dir, "ramfs", 0, NULL)) {
		rmdir(dir);
		return 77;
	}
	if (hb_mount_find("ramfs", &m) || strcmp(m.target, dir))
		return 3; /* the new mount, not the kept "none" */
	if (find_kept("ramfs", &m) || strcmp(m.target, dir))
		return 4;
	umount(dir);
	rmdir(dir);
	if (hb_mount_find("ramfs", &m) != -ENOENT)
		return 5; /* gone again */
	return 0;
}

static void keeps_answers_until_the_table_changes(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(keep_then_see_changes());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_hybrid_and_unified),
		cmocka_unit_test(missing_type),
		cmocka_unit_test(unescapes_octal),
		cmocka_unit_test(prefers_whole_filesystem),
		cmocka_unit_test(malformed_lines),
		cmocka_unit_test(keeps_answers_until_the_table_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
