// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs CMD once and prints its wall time: from just before posix_spawn()
 * to its exit, without this program's own start-up.
 * Usage: spawn_time CMD [ARG]...
 */
#include <spawn.h>
#include <sys/wait.h>
#include "bench.h"

extern char **environ;

int main(int argc, char **argv)
{
	long long t0, t1;
	int status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: spawn_time CMD [ARG]...\n");
		return 2;
	}
	t0 = bench_now_ns();
	errno = posix_spawnp(&pid, argv[1], NULL, NULL, argv + 1, environ);
	if (errno) {
		perror(argv[1]);
		return 127;
	}
	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		return 1;
	}
	t1 = bench_now_ns();
	printf("spawn_time ns=%lld status=%d\n", t1 - t0,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
