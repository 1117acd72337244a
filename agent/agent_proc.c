// SPDX-License-Identifier: GPL-2.0-only
/*
 * A process's identity as the kernel has it (agent_proc.h): the pidfd's
 * fdinfo and /proc/PID. Plain reads, so that the agent's pid-holding
 * helper (agent_move.c) can run them too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "agent_proc.h"

int hb_pidfd_alive(int pidfd)
{
	/*
	 * EPERM says it lives: without CAP_KILL (the shipped unit) even
	 * signal 0 to another uid is refused.
	 */
	if (!syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) || errno == EPERM)
		return 0;
	return -errno;
}

/* /proc/@fmt with @n in it ("%d/status"), for reading. */
static FILE *proc_open(const char *fmt, int n)
{
	char path[64] = "/proc/";

	snprintf(path + 6, sizeof(path) - 6, fmt, n);
	return fopen(path, "re");
}

pid_t hb_pidfd_pid(int pidfd)
{
	char line[128];
	pid_t pid = 0;
	FILE *f = proc_open("self/fdinfo/%d", pidfd);

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %d", &pid) == 1)
			break;
	fclose(f);
	return pid > 0 ? pid : 0;
}

int hb_proc_status(pid_t pid, pid_t *ppid, uid_t uids[4], __u64 *caps)
{
	unsigned long long v;
	char line[256];
	int got = 0;
	FILE *f = proc_open("%d/status", pid);

	if (!f)
		return -errno;
	*caps = 0;
	while (fgets(line, sizeof(line), f)) {
		got += sscanf(line, "PPid: %d", ppid) == 1;
		got += sscanf(line, "Uid: %u %u %u %u", &uids[0], &uids[1], &uids[2],
			      &uids[3]) == 4;
		if (sscanf(line, "CapPrm: %llx", &v) == 1 || sscanf(line, "CapEff: %llx", &v) == 1 ||
		    sscanf(line, "CapAmb: %llx", &v) == 1) {
			*caps |= v;
			got++;
		}
	}
	fclose(f);
	return got == 5 ? 0 : -EIO;
}

int hb_proc_cgroup(pid_t pid, char *out, size_t len)
{
	char line[4096 + 8];
	int err = -ENOENT;
	FILE *f = proc_open("%d/cgroup", pid);

	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::/", 4))
			continue;
		line[strcspn(line, "\n")] = '\0';
		err = snprintf(out, len, "%s", line + 3) < (int)len ? 0 : -ENAMETOOLONG;
	}
	fclose(f);
	return err;
}
