// SPDX-License-Identifier: GPL-2.0-only
/* The real filter, installed in a child (no root needed: no_new_privs). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "seccomp.h"

/* socket() in a filtered child: 0 if it worked, else its errno. */
static int try_in_child(long nr, long a0, long a1, long a2)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		long fd;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || hb_seccomp_restrict_sockets())
			_exit(200);
		fd = syscall(nr, a0, a1, a2);
		_exit(fd >= 0 ? 0 : errno);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void families(void **state)
{
	(void)state;
	assert_int_equal(try_in_child(__NR_socket, AF_UNIX, SOCK_STREAM, 0), 0);
	assert_int_equal(try_in_child(__NR_socket, AF_INET, SOCK_DGRAM, 0), 0);
	assert_int_equal(try_in_child(__NR_socket, AF_INET6, SOCK_STREAM, 0), 0);
	assert_int_equal(try_in_child(__NR_socket, AF_NETLINK, SOCK_RAW, 0), 0);
	assert_int_equal(try_in_child(__NR_socket, AF_PACKET, SOCK_RAW, 0), EPERM);
	assert_int_equal(try_in_child(__NR_socket, AF_VSOCK, SOCK_STREAM, 0), EPERM);
	assert_int_equal(try_in_child(__NR_socket, AF_TIPC, SOCK_RDM, 0), EPERM);
	/* The kernel reads an int: high bits must not smuggle a family in. */
	assert_int_equal(try_in_child(__NR_socket, (1L << 32) | AF_PACKET, SOCK_RAW, 0), EPERM);
}

static void around_the_filter(void **state)
{
	(void)state;
	assert_int_equal(try_in_child(__NR_io_uring_setup, 1, 0, 0), EPERM);
	assert_int_equal(try_in_child(0x40000000L | __NR_socket, AF_UNIX, SOCK_STREAM, 0), EPERM);
	/* Everything else still works. */
	assert_int_equal(try_in_child(__NR_getpid, 0, 0, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(families),
		cmocka_unit_test(around_the_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
