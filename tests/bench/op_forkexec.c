// SPDX-License-Identifier: GPL-2.0-only
/* N times fork(), exec PATH (default /bin/true) in the child, and wait. */
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

static int fork_exec(void *path)
{
	char *argv[] = { path, NULL };
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execv(path, argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = ECHILD; /* "the child did not succeed" */
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = bench_count(argc, argv, "op_forkexec N [PATH]");

	bench_loop("forkexec", n, fork_exec, argc > 2 ? argv[2] : "/bin/true");
	return 0;
}
