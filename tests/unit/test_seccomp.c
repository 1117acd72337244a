// SPDX-License-Identifier: GPL-2.0-only
/* The real filter, installed in a child (no root needed: no_new_privs). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "i386_call.h"
#include "seccomp_filter.h"

static const struct hb_seccomp_plan sockets = { .sockets = true };
static const struct hb_seccomp_plan tty = { .tty_inject = true };
static const struct hb_seccomp_plan userns = { .no_userns = true };
static const struct hb_seccomp_plan rie = { .no_rie = true };

/*
 * syscall(@nr, ...) in a child under @plan's filter: 0 if it worked,
 * else its errno; 255 if a signal (SIGSYS: killed by the filter) ended it.
 */
static int call_in_child(const struct hb_seccomp_plan *plan, long nr, long a0, long a1,
			 long a2)
{
	int status, l;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		long r;

		signal(SIGSYS, SIG_DFL); /* cmocka's handler would run the tests on */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || hb_seccomp_install(plan, &l))
			_exit(200);
		r = syscall(nr, a0, a1, a2);
		_exit(r >= 0 ? 0 : errno);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return 255;
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int try_in_child(long nr, long a0, long a1, long a2)
{
	return call_in_child(&sockets, nr, a0, a1, a2);
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

static bool x32_getpid(void)
{
	return syscall(0x40000000L | __NR_getpid) == getpid();
}

/* Whether it runs x32's (CONFIG_X86_X32_ABI, and syscall.x32 on Debian). */
static bool x32_works(void)
{
	return works_in_child(x32_getpid);
}

static void around_the_filter(void **state)
{
	(void)state;
	assert_int_equal(try_in_child(__NR_io_uring_setup, 1, 0, 0), EPERM);
	assert_int_equal(try_in_child(0x40000000L | __NR_io_uring_setup, 1, 0, 0), EPERM);
	/* x32's socket() is judged as x86_64's (ENOSYS: the kernel has no x32). */
	assert_int_equal(try_in_child(0x40000000L | __NR_socket, AF_PACKET, SOCK_RAW, 0), EPERM);
	assert_int_equal(try_in_child(0x40000000L | __NR_socket, AF_UNIX, SOCK_STREAM, 0),
			 x32_works() ? 0 : ENOSYS);
	/* Everything else still works. */
	assert_int_equal(try_in_child(__NR_getpid, 0, 0, 0), 0);
}

enum entry { NATIVE, X32, X32_OWN, I386 };

/*
 * ioctl(@cmd) on a pipe in a child under the terminal filter: 0 if it
 * worked, else its errno. A pipe is no terminal: anything the filter lets
 * through fails with ENOTTY instead of EPERM.
 */
static int tty_ioctl_in_child(enum entry how, unsigned long cmd)
{
	int status, fds[2], l;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c = 'x';
		long r;

		signal(SIGSEGV, SIG_DFL); /* cmocka's handler would run the tests on */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || hb_seccomp_install(&tty, &l))
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

static void terminal_injection(void **state)
{
	(void)state;
	assert_int_equal(tty_ioctl_in_child(NATIVE, TIOCSTI), EPERM);
	assert_int_equal(tty_ioctl_in_child(NATIVE, TIOCLINUX), EPERM);
	assert_int_equal(tty_ioctl_in_child(X32_OWN, TIOCSTI), EPERM);
	assert_int_equal(tty_ioctl_in_child(X32_OWN, TIOCLINUX), EPERM);
	/* x86_64's own number with the x32 bit is no x32 call: the kernel's ENOSYS. */
	assert_int_equal(tty_ioctl_in_child(X32, TIOCSTI), ENOSYS);
	/* The kernel reads an unsigned int: high bits change nothing. */
	assert_int_equal(tty_ioctl_in_child(NATIVE, (1UL << 32) | TIOCSTI), EPERM);
	assert_int_equal(tty_ioctl_in_child(NATIVE, (0xffUL << 32) | TIOCLINUX), EPERM);
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

static void no_user_namespace(void **state)
{
	(void)state;
	assert_int_equal(call_in_child(&userns, __NR_unshare, CLONE_NEWUSER, 0, 0), EPERM);
	assert_int_equal(call_in_child(&userns, __NR_unshare, CLONE_NEWUSER | CLONE_NEWNS, 0, 0),
			 EPERM);
	assert_int_equal(call_in_child(&userns, __NR_clone, CLONE_NEWUSER | SIGCHLD, 0, 0), EPERM);
	assert_int_equal(call_in_child(&userns, __NR_clone3, 0, 0, 0), ENOSYS);
	assert_int_equal(call_in_child(&userns, __NR_setns, -1, 0, 0), EPERM);
	assert_int_equal(call_in_child(&userns, __NR_setns, -1, CLONE_NEWNET, 0), EPERM);
	/* The neighbours: other unshares and forks; without the part, the kernel answers. */
	assert_int_equal(call_in_child(&userns, __NR_unshare, 0, 0, 0), 0);
	assert_int_equal(call_in_child(&userns, __NR_clone, SIGCHLD, 0, 0), 0);
	assert_int_equal(call_in_child(&tty, __NR_unshare, CLONE_NEWUSER, 0, 0), 0);
	assert_int_equal(call_in_child(&tty, __NR_setns, -1, 0, 0), EBADF);
	assert_int_equal(call_in_child(&tty, __NR_clone3, 0, 0, 0), EINVAL);
}

static void *thread_main(void *arg)
{
	return arg;
}

/* glibc tries clone3 first for threads and posix_spawn, then falls back. */
static void threads_without_clone3(void **state)
{
	int status, l;
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "true", NULL };
		pthread_t t;
		void *ret = NULL;
		pid_t child;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || hb_seccomp_install(&userns, &l))
			_exit(200);
		if (pthread_create(&t, NULL, thread_main, &l) || pthread_join(t, &ret) ||
		    ret != &l)
			_exit(1);
		if (posix_spawn(&child, "/bin/true", NULL, NULL, argv, NULL) ||
		    waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			_exit(2);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void no_read_implies_exec(void **state)
{
	(void)state;
	assert_int_equal(call_in_child(&rie, __NR_personality, READ_IMPLIES_EXEC, 0, 0), EPERM);
	assert_int_equal(call_in_child(&rie, __NR_personality, READ_IMPLIES_EXEC | PER_LINUX32,
				       0, 0), EPERM);
	assert_int_equal(call_in_child(&rie, __NR_personality, 0xfffffffeL, 0, 0), EPERM);
	assert_int_equal(call_in_child(&rie, __NR_personality, 0x7fffffffL, 0, 0), EPERM);
	/* The kernel reads an unsigned int: high bits change nothing. */
	assert_int_equal(call_in_child(&rie, __NR_personality, (1L << 32) | READ_IMPLIES_EXEC,
				       0, 0), EPERM);
	/* The neighbours: the query, other personas; without the part, the kernel takes it. */
	assert_int_equal(call_in_child(&rie, __NR_personality, 0xffffffffL, 0, 0), 0);
	assert_int_equal(call_in_child(&rie, __NR_personality, PER_LINUX | ADDR_NO_RANDOMIZE,
				       0, 0), 0);
	assert_int_equal(call_in_child(&tty, __NR_personality, READ_IMPLIES_EXEC, 0, 0), 0);
}

/* The process's own READ_IMPLIES_EXEC is gone once the filter is in. */
static void read_implies_exec_cleared(void **state)
{
	int status, l;
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0) {
		if (personality(READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE) < 0 ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || hb_seccomp_install(&rie, &l))
			_exit(200);
		_exit(personality(0xffffffff) == ADDR_NO_RANDOMIZE ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* i386's getpid() in a child under @plan: 0 if it worked, 255 if killed. */
static int i386_getpid_in_child(const struct hb_seccomp_plan *plan)
{
	int status, l;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSYS, SIG_DFL);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || hb_seccomp_install(plan, &l))
			_exit(200);
		_exit(i386_getpid() ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return 255;
	return WEXITSTATUS(status);
}

/* --block-native: the ABIs whose ELF loader sets it on its own are killed. */
static void read_implies_exec_x32(void **state)
{
	(void)state;
	assert_int_equal(call_in_child(&rie, 0x40000000L | __NR_getpid, 0, 0, 0), 255);
	assert_int_equal(call_in_child(&rie, __NR_getpid, 0, 0, 0), 0);
}

/* Where i386 calls run (not on this project's host). */
static void read_implies_exec_i386(void **state)
{
	(void)state;
	if (!i386_works())
		skip();
	assert_int_equal(i386_getpid_in_child(&rie), 255);
	assert_int_equal(i386_getpid_in_child(&tty), 0);
}

/* Every part in one filter: one load, each part still holds. */
static void one_filter(void **state)
{
	static const struct hb_seccomp_plan all = {
		.sockets = true, .tty_inject = true, .no_userns = true, .no_rie = true,
	};
	int status, l;
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0) {
		char line[256];
		FILE *f;
		int n = -1;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || hb_seccomp_install(&all, &l))
			_exit(200);
		f = fopen("/proc/self/status", "r");
		while (f && fgets(line, sizeof(line), f))
			sscanf(line, "Seccomp_filters: %d", &n);
		if (n != 1)
			_exit(1);
		if (socket(AF_PACKET, SOCK_RAW, 0) >= 0 || errno != EPERM ||
		    ioctl(0, TIOCSTI, "x") >= 0 || errno != EPERM ||
		    unshare(CLONE_NEWUSER) >= 0 || errno != EPERM ||
		    personality(READ_IMPLIES_EXEC) >= 0 || errno != EPERM)
			_exit(2);
		if (socket(AF_UNIX, SOCK_STREAM, 0) < 0 || personality(0xffffffff) < 0)
			_exit(3);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(families),
		cmocka_unit_test(around_the_filter),
		cmocka_unit_test(terminal_injection),
		cmocka_unit_test(terminal_injection_i386),
		cmocka_unit_test(no_user_namespace),
		cmocka_unit_test(threads_without_clone3),
		cmocka_unit_test(no_read_implies_exec),
		cmocka_unit_test(read_implies_exec_cleared),
		cmocka_unit_test(read_implies_exec_x32),
		cmocka_unit_test(read_implies_exec_i386),
		cmocka_unit_test(one_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
