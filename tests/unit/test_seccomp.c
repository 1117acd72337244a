// SPDX-License-Identifier: GPL-2.0-only
/* The real filter, installed in a child (no root needed: no_new_privs). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/ioctl.h>
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

/* i386's entry point (int 0x80), from this 64-bit process: -errno or the result. */
static long i386_syscall3(long nr, long a0, long a1, long a2)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a0), "c"(a1), "d"(a2)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

enum entry { NATIVE, X32, X32_OWN, I386 };

/*
 * ioctl(@cmd) on a pipe in a child under the terminal filter: 0 if it
 * worked, else its errno. A pipe is no terminal: anything the filter lets
 * through fails with ENOTTY instead of EPERM.
 */
static int tty_ioctl_in_child(enum entry how, unsigned long cmd)
{
	int status, fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c = 'x';
		long r;

		signal(SIGSEGV, SIG_DFL); /* cmocka's handler would run the tests on */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || hb_seccomp_deny_tty_inject())
			_exit(200);
		switch (how) {
		case NATIVE:
			r = syscall(__NR_ioctl, fds[0], cmd, &c);
			break;
		case X32:
			r = syscall(0x40000000L | __NR_ioctl, fds[0], cmd, &c);
			break;
		case X32_OWN:
			r = syscall(0x40000000L | 514, fds[0], cmd, &c);
			break;
		default:
			r = i386_syscall3(54, fds[0], (long)cmd, 0);
			if (r < 0) {
				errno = (int)-r;
				r = -1;
			}
		}
		_exit(r >= 0 ? 0 : errno);
	}
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Whether this kernel runs i386 system calls (ia32_emulation may be off). */
static bool i386_works(void)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		_exit(i386_syscall3(20, 0, 0, 0) == getpid() ? 0 : 1); /* getpid */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void terminal_injection(void **state)
{
	(void)state;
	for (enum entry how = NATIVE; how <= X32_OWN; how++) {
		assert_int_equal(tty_ioctl_in_child(how, TIOCSTI), EPERM);
		assert_int_equal(tty_ioctl_in_child(how, TIOCLINUX), EPERM);
	}
	/* The kernel reads an unsigned int: high bits change nothing. */
	assert_int_equal(tty_ioctl_in_child(NATIVE, (1UL << 32) | TIOCSTI), EPERM);
	/* Every other ioctl reaches the kernel (a pipe is no terminal). */
	assert_int_equal(tty_ioctl_in_child(NATIVE, TIOCGWINSZ), ENOTTY);
	assert_int_equal(tty_ioctl_in_child(NATIVE, TIOCSPGRP), ENOTTY);
	assert_int_equal(tty_ioctl_in_child(NATIVE, FIONREAD), 0);
}

/* Where i386 calls run (not on this project's host: the VM case has them). */
static void terminal_injection_i386(void **state)
{
	(void)state;
	if (!i386_works())
		skip();
	assert_int_equal(tty_ioctl_in_child(I386, TIOCSTI), EPERM);
	assert_int_equal(tty_ioctl_in_child(I386, TIOCLINUX), EPERM);
	assert_int_equal(tty_ioctl_in_child(I386, TIOCGWINSZ), ENOTTY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(families),
		cmocka_unit_test(around_the_filter),
		cmocka_unit_test(terminal_injection),
		cmocka_unit_test(terminal_injection_i386),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
