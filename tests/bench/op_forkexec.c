// SPDX-License-Identifier: GPL-2.0-only
/*
 * N times fork(), exec PATH (default /bin/true) in the child, and wait.
 * A failed exec is reported with the child's errno (EPERM from a denial),
 * passed back through a shared page: no pipe per call, so the work
 * measured is the same whether the exec succeeds or not.
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

struct child {
	const char *path;
	int *exec_errno; /* MAP_SHARED: written by the child, read after wait */
};

static int fork_exec(void *arg)
{
	struct child *c = arg;
	char *argv[] = { (char *)c->path, NULL };
	int status;
	pid_t pid;

	*c->exec_errno = 0;
	pid = fork();
	if (pid == 0) {
		execv(c->path, argv);
		*c->exec_errno = errno;
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		/* The exec's errno, or "the child did not succeed". */
		errno = *c->exec_errno ? *c->exec_errno : ECHILD;
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = bench_count(argc, argv, "op_forkexec N [PATH]");
	struct child c = { argc > 2 ? argv[2] : "/bin/true", NULL };

	c.exec_errno = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c.exec_errno == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	bench_loop("forkexec", n, fork_exec, &c);
	return 0;
}
