// SPDX-License-Identifier: GPL-2.0-only
/*
 * Whether a user could re-point a path: a tree made here, judged in a
 * child with nobody's effective ids (root needed to make the tree and
 * switch; skipped otherwise).
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "path_change.h"

#define NOBODY 65534

static char top[] = "/tmp/hb-path-change-XXXXXX";

/* hb_path_changeable(@rel under top) as nobody: its result; the entry in @entry. */
static int judge(const char *rel, char *entry)
{
	int p[2], status;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char path[PATH_MAX], out[PATH_MAX] = "";
		int r;

		snprintf(path, sizeof(path), rel[0] == '/' ? "%s%s" : "%.0s%s", top, rel);
		if (setegid(NOBODY) || seteuid(NOBODY))
			_exit(200);
		r = hb_path_changeable(path, NOBODY, out, sizeof(out));
		_exit(write(p[1], out, sizeof(out)) == sizeof(out) ? r + 100 : 201);
	}
	close(p[1]);
	assert_int_equal(read(p[0], entry, PATH_MAX), PATH_MAX);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status) - 100;
}

static void make(const char *rel, mode_t mode, uid_t uid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", top, rel);
	if (S_ISDIR(mode))
		assert_int_equal(mkdir(path, mode & 07777), 0);
	else
		assert_int_equal(mknod(path, mode, 0), 0);
	assert_int_equal(chmod(path, mode & 07777), 0);
	assert_int_equal(lchown(path, uid, uid), 0);
}

static void link_to(const char *rel, const char *target)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", top, rel);
	assert_int_equal(symlink(target, path), 0);
}

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0 || !mkdtemp(top))
		return 0;
	chmod(top, 0755);
	make("/root", S_IFDIR | 0755, 0);
	make("/root/s", S_IFSOCK | 0777, 0);
	make("/mine", S_IFDIR | 0755, NOBODY);
	make("/mine/s", S_IFSOCK | 0777, 0);
	make("/sticky", S_IFDIR | 01777, 0);
	make("/sticky/s", S_IFSOCK | 0777, 0);
	make("/sticky/own", S_IFSOCK | 0777, NOBODY);
	make("/open", S_IFDIR | 0777, 0);
	make("/open/s", S_IFSOCK | 0777, 0);
	link_to("/root/to-mine", "../mine/s");
	link_to("/root/loop", "loop");
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	return geteuid() == 0 && system(cmd) ? -1 : 0;
}

static void entry_is(const char *entry, const char *rel)
{
	char want[PATH_MAX];

	snprintf(want, sizeof(want), "%s%s", top, rel);
	assert_string_equal(entry, want);
}

static void judged(void **state)
{
	char e[PATH_MAX];

	(void)state;
	if (geteuid() != 0)
		skip();
	/* The neighbours: root's directories, and a sticky one's other entries. */
	assert_int_equal(judge("/root/s", e), 0);
	assert_int_equal(judge("/sticky/s", e), 0);
	assert_int_equal(judge("/root/./../root/s", e), 0);
	assert_int_equal(judge("/mine/s", e), 1);
	entry_is(e, "/mine/s");
	assert_int_equal(judge("/sticky/own", e), 1);
	entry_is(e, "/sticky/own");
	assert_int_equal(judge("/open/s", e), 1);
	entry_is(e, "/open/s");
	/* A symlink in root's directory that leads into the user's. */
	assert_int_equal(judge("/root/to-mine", e), 1);
	entry_is(e, "/mine/s");
	assert_int_equal(judge("/root/loop", e), -ELOOP);
	assert_int_equal(judge("relative", e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(judged),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
