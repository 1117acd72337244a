/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For the seccomp tests: i386's entry point from this 64-bit process, so
 * the filter's i386 rules are tried without a 32-bit binary. Include
 * after <cmocka.h>.
 */
#ifndef HB_TEST_I386_CALL_H
#define HB_TEST_I386_CALL_H

#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

/* int 0x80: -errno or the result. */
static inline long i386_syscall3(long nr, long a0, long a1, long a2)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a0), "c"(a1), "d"(a2)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

/* Whether a child's @test succeeds without a filter (an ABI may be off). */
static inline bool works_in_child(bool (*test)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		_exit(test() ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static inline bool i386_getpid(void)
{
	return i386_syscall3(20, 0, 0, 0) == getpid();
}

/* Whether this kernel runs i386 system calls (ia32_emulation may be off). */
static inline bool i386_works(void)
{
	return works_in_child(i386_getpid);
}

#endif
