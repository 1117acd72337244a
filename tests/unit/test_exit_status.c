// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "exit_status.h"

/* wait(2) status words, as the kernel builds them. */
#define EXITED(code) (((code) & 0xff) << 8)
#define KILLED(sig) ((sig) & 0x7f)
#define STOPPED(sig) ((((sig) & 0xff) << 8) | 0x7f)

static void passes_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(hb_exit_status(EXITED(0)), 0);
	assert_int_equal(hb_exit_status(EXITED(7)), 7);
	assert_int_equal(hb_exit_status(EXITED(125)), 125);
	assert_int_equal(hb_exit_status(EXITED(255)), 255);
}

static void signals_become_128_plus_n(void **state)
{
	(void)state;
	assert_int_equal(hb_exit_status(KILLED(SIGKILL)), 137);
	assert_int_equal(hb_exit_status(KILLED(SIGTERM)), 143);
	assert_int_equal(hb_exit_status(KILLED(SIGSEGV) | 0x80), 128 + SIGSEGV); /* core */
	assert_int_equal(hb_exit_status(STOPPED(SIGSTOP)), HB_EXIT_FAILURE);
}

static void exec_failures(void **state)
{
	(void)state;
	assert_int_equal(hb_exec_failure_status(ENOENT), 127);
	assert_int_equal(hb_exec_failure_status(EACCES), 126);
	assert_int_equal(hb_exec_failure_status(ENOEXEC), 126);
	assert_int_equal(hb_exec_failure_status(EPERM), 126);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(passes_exit_codes),
		cmocka_unit_test(signals_become_128_plus_n),
		cmocka_unit_test(exec_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
