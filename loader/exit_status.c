// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <sys/wait.h>
#include "exit_status.h"

int hb_exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return HB_EXIT_FAILURE;
}

int hb_exec_failure_status(int err)
{
	return err == ENOENT ? HB_EXIT_NOT_FOUND : HB_EXIT_CANNOT_EXEC;
}
