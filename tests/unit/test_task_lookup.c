// SPDX-License-Identifier: GPL-2.0-only
/* Looking names up as another process sees them (its root, cwd and ids). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "task_lookup.h"

static void as_ourselves(void **state)
{
	(void)state;
	assert_int_equal(hb_task_lookup(getpid(), "/"), 0);
	assert_int_equal(hb_task_lookup(getpid(), "/proc/self"), 0);
	assert_int_equal(hb_task_lookup(getpid(), "/nonexistent-hb/x"), -ENOENT);
	assert_int_equal(hb_task_lookup(getpid(), "."), 0);
}

/* A directory only root can search: a user learns nothing of its names. */
static void as_another_user(void **state)
{
	char dir[] = "/tmp/hb-lookup-XXXXXX", present[64], absent[64];
	int p[2], fd;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0700), 0);
	snprintf(present, sizeof(present), "%s/present", dir);
	snprintf(absent, sizeof(absent), "%s/absent", dir);
	fd = open(present, O_WRONLY | O_CREAT, 0755);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;

		close(p[1]);
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(1);
		(void)!read(p[0], &c, 1); /* until the parent is done */
		_exit(0);
	}
	close(p[0]);
	/* Give it time to drop its ids: /proc/PID/status says when. */
	for (int i = 0; i < 1000 && hb_task_lookup(pid, present) == 0; i++)
		usleep(1000);
	assert_int_equal(hb_task_lookup(pid, present), -EACCES);
	assert_int_equal(hb_task_lookup(pid, absent), -EACCES);
	/* Root's own view of the same names, and a name the user can see. */
	assert_int_equal(hb_task_lookup(getpid(), present), 0);
	assert_int_equal(hb_task_lookup(getpid(), absent), -ENOENT);
	assert_int_equal(hb_task_lookup(pid, "/nonexistent-hb"), -ENOENT);
	close(p[1]);
	waitpid(pid, NULL, 0);
	unlink(present);
	rmdir(dir);
}

/* A socket, a file that is not one, nothing; and a process that is gone. */
static void find_socket(void **state)
{
	char dir[] = "/tmp/hb-sock-XXXXXX", sock[64], file[64], absent[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct hb_lookup_ids ids = { .uid = getuid(), .gid = getgid() };
	int s, fd;
	pid_t gone;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/s", dir);
	snprintf(file, sizeof(file), "%s/f", dir);
	snprintf(absent, sizeof(absent), "%s/a", dir);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	fd = open(file, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hb_task_find_socket(getpid(), sock, NULL), 0);
	assert_int_equal(hb_task_find_socket(getpid(), file, NULL), -ENOTSOCK);
	assert_int_equal(hb_task_find_socket(getpid(), absent, NULL), -ENOENT);
	gone = fork();
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	if (geteuid() == 0) {
		/* Gone: ours is the view, with the ids given; none given, unknown. */
		assert_int_equal(hb_task_find_socket(gone, absent, NULL), -ESRCH);
		assert_int_equal(hb_task_find_socket(gone, absent, &ids), -ENOENT);
		assert_int_equal(hb_task_find_socket(gone, sock, &ids), 0);
		assert_int_equal(hb_task_find_socket(gone, "relative", &ids), -ESRCH);
		/* The ids are the user's: a closed directory hides what is in it. */
		ids.uid = ids.gid = 65534;
		assert_int_equal(chmod(dir, 0700), 0);
		assert_int_equal(hb_task_find_socket(gone, absent, &ids), -EACCES);
		assert_int_equal(hb_task_find_socket(gone, sock, &ids), -EACCES);
	}
	close(s);
	unlink(sock);
	unlink(file);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(as_ourselves),
		cmocka_unit_test(as_another_user),
		cmocka_unit_test(find_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
