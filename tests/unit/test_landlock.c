// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ruleset of a tier B sandbox without a filesystem or exec guard
 * (--no-network alone), taken on in a child (no root needed:
 * no_new_privs): a domain that keeps ptrace inside, scopes signals where
 * the ABI can, freezes the mount topology, and leaves files alone.
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "landlock.h"

enum { READ_PARENT = 1, SIGNAL_PARENT, WRITE_FILE, MKNOD_BLOCK, MOUNT_IN_USERNS, N_CHECKS };

/*
 * A mount in a user namespace of our own: 0, or the errno that stopped
 * it. The namespace's capabilities are enough for tmpfs: no id map needed.
 */
static int mount_in_userns(const char *dir)
{
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
		return errno;
	if (mount("none", dir, "tmpfs", 0, NULL))
		return errno;
	umount(dir);
	return 0;
}

/* Each check's errno, one byte per check, from a child in the domain. */
static void in_domain(int abi, unsigned char got[N_CHECKS], bool domain)
{
	struct hb_landlock_plan plan = {};
	struct hb_landlock ll;
	char tmp[] = "/tmp/hb-landlock-XXXXXX";
	int status, p[2];
	pid_t pid;

	assert_non_null(mkdtemp(tmp));
	assert_int_equal(hb_landlock_build(&plan, abi, &ll), 0);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		unsigned char r[N_CHECKS] = {};
		char path[64], byte;
		struct iovec local = { &byte, 1 }, remote = { &byte, 1 };
		int fd;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || (domain && hb_landlock_enforce(&ll)))
			_exit(200);
		/* process_vm_readv() asks what ptrace(PTRACE_ATTACH) asks. */
		if (process_vm_readv(getppid(), &local, 1, &remote, 1, 0) < 0)
			r[READ_PARENT] = (unsigned char)errno;
		if (kill(getppid(), 0))
			r[SIGNAL_PARENT] = (unsigned char)errno;
		snprintf(path, sizeof(path), "%s/f", tmp);
		fd = open(path, O_WRONLY | O_CREAT, 0600);
		if (fd < 0)
			r[WRITE_FILE] = (unsigned char)errno;
		else
			close(fd);
		snprintf(path, sizeof(path), "%s/b", tmp);
		if (mknod(path, S_IFBLK | 0600, makedev(7, 0)))
			r[MKNOD_BLOCK] = (unsigned char)errno;
		r[MOUNT_IN_USERNS] = (unsigned char)mount_in_userns(tmp);
		_exit(write(p[1], r, sizeof(r)) == sizeof(r) ? 0 : 201);
	}
	close(p[1]);
	assert_int_equal(read(p[0], got, N_CHECKS), N_CHECKS);
	close(p[0]);
	close(ll.fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (const char *name = "fb"; *name; name++) {
		char path[64];

		snprintf(path, sizeof(path), "%s/%c", tmp, *name);
		unlink(path);
	}
	rmdir(tmp);
}

/* What the kernel itself says to mknod of a block device (no Landlock). */
static int mknod_block_errno(void)
{
	char path[] = "/tmp/hb-mknod-XXXXXX";
	int fd = mkstemp(path), err = 0;

	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	if (mknod(path, S_IFBLK | 0600, makedev(7, 0)))
		err = errno;
	unlink(path);
	return err;
}

static void scopes_only(void **state)
{
	unsigned char got[N_CHECKS], without[N_CHECKS];
	int abi = hb_landlock_abi();

	(void)state;
	if (abi < HB_LANDLOCK_ABI_SCOPE)
		skip();
	in_domain(abi, got, true);
	assert_int_equal(got[READ_PARENT], EPERM);
	assert_int_equal(got[SIGNAL_PARENT], EPERM);
	assert_int_equal(got[WRITE_FILE], 0);
	assert_int_equal(got[MKNOD_BLOCK], mknod_block_errno());
	/* A domain that handles a filesystem right: no mount, even in a user namespace. */
	assert_int_equal(got[MOUNT_IN_USERNS], EPERM);
	in_domain(abi, without, false);
	assert_int_equal(without[MOUNT_IN_USERNS], 0);
}

/* ABI 1-5 cannot scope, and refuse a ruleset that handles nothing. */
static void before_scopes(void **state)
{
	unsigned char got[N_CHECKS];

	(void)state;
	if (hb_landlock_abi() < 1)
		skip();
	in_domain(5, got, true);
	assert_int_equal(got[READ_PARENT], EPERM);
	assert_int_equal(got[SIGNAL_PARENT], 0);
	assert_int_equal(got[WRITE_FILE], 0);
	/* The one right handled is allowed beneath "/": the kernel decides. */
	assert_int_equal(got[MKNOD_BLOCK], mknod_block_errno());
	assert_int_equal(got[MOUNT_IN_USERNS], EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scopes_only),
		cmocka_unit_test(before_scopes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
