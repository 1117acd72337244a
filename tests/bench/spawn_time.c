// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs CMD once and prints its wall time: from just before it is started
 * to its exit, without this program's own start-up; and the CPU time of
 * CMD and of every process it waited for (not of one it left behind).
 * -u UID:GID runs CMD as that user (no supplementary groups), for the
 * native benchmark's plain commands: hermetic-bpf run drops to the
 * sudo user before the command, and the baseline must run as the same
 * user. That needs fork(), which posix_spawn() cannot replace here;
 * without -u it stays posix_spawn(), as the guest's start-up section has
 * always measured.
 * Usage: spawn_time [-u UID:GID] CMD [ARG]...
 */
#include <grp.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

extern char **environ;

static pid_t start_as(char **argv, uid_t uid, gid_t gid)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid)) {
			perror("spawn_time: dropping to the user");
			_exit(126);
		}
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	return pid;
}

int main(int argc, char **argv)
{
	unsigned int uid = 0, gid = 0;
	int as_user = 0, bad = 0, status, used = 0;
	long long t0, t1;
	pid_t pid;

	if (argc > 2 && strcmp(argv[1], "-u") == 0) {
		bad = sscanf(argv[2], "%u:%u%n", &uid, &gid, &used) != 2 || argv[2][used];
		as_user = 1;
		argv += 2;
		argc -= 2;
	}
	if (argc < 2 || bad) {
		fprintf(stderr, "usage: spawn_time [-u UID:GID] CMD [ARG]...\n");
		return 2;
	}
	t0 = bench_now_ns();
	if (as_user) {
		pid = start_as(argv + 1, uid, gid);
		if (pid < 0) {
			perror("fork");
			return 1;
		}
	} else {
		errno = posix_spawnp(&pid, argv[1], NULL, NULL, argv + 1, environ);
		if (errno) {
			perror(argv[1]);
			return 127;
		}
	}
	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		return 1;
	}
	t1 = bench_now_ns();
	printf("spawn_time ns=%lld status=%d cpu_ns=%lld\n", t1 - t0,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	       bench_children_cpu_ns());
	return 0;
}
