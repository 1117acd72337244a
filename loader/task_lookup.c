// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "task_lookup.h"

/* Groups beyond this many: the lookup is refused (the caller then denies). */
#define MAX_GROUPS 256

struct task_creds {
	uid_t fsuid;
	gid_t fsgid;
	int ngroups;
	gid_t groups[MAX_GROUPS];
};

/* The 4th id of a "Uid:" or "Gid:" line: the one path lookups use. */
static int fs_id(const char *line, unsigned int *id)
{
	unsigned int real, eff, saved;

	return sscanf(line, "%u %u %u %u", &real, &eff, &saved, id) == 4 ? 0 : -EPROTO;
}

static int read_groups(const char *line, struct task_creds *c)
{
	char *end;

	for (c->ngroups = 0;; c->ngroups++) {
		unsigned long g = strtoul(line, &end, 10);

		if (end == line)
			return 0;
		if (c->ngroups == MAX_GROUPS)
			return -E2BIG;
		c->groups[c->ngroups] = (gid_t)g;
		line = end;
	}
}

/* The process's filesystem credentials, from /proc/PID/status. */
static int read_creds(pid_t pid, struct task_creds *c)
{
	char path[64], line[4096];
	int have = 0, err = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno; /* gone, not "no such name" */
	while (!err && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Uid:", 4) && !(err = fs_id(line + 4, &c->fsuid)))
			have |= 1;
		else if (!strncmp(line, "Gid:", 4) && !(err = fs_id(line + 4, &c->fsgid)))
			have |= 2;
		else if (!strncmp(line, "Groups:", 7) && !(err = read_groups(line + 7, c)))
			have |= 4;
	}
	fclose(f);
	return err ? err : have == 7 ? 0 : -EPROTO;
}

/* What the helper asks of the name: that it exists, or that it is a socket. */
enum want { WANT_ANY, WANT_SOCK };

static int probe(const char *path, enum want want)
{
	struct stat st;

	if (want == WANT_ANY)
		return faccessat(AT_FDCWD, path, F_OK, AT_EACCESS) ? errno : 0;
	if (stat(path, &st))
		return errno;
	return S_ISSOCK(st.st_mode) ? 0 : ENOTSOCK;
}

struct helper_arg {
	int root, cwd;
	const struct task_creds *c;
	const char *path;
	enum want want;
};

/*
 * The helper: it shares our memory (a vfork), so only system calls from
 * here on, and raw ones for the ids (glibc's wrappers would change every
 * thread's). It takes the process's root, its working directory, then its
 * credentials (this task only, no capability kept), and looks the name up.
 */
static int helper(void *arg)
{
	const struct helper_arg *h = arg;
	const struct task_creds *c = h->c;

	if (fchdir(h->root) || chroot("."))
		_exit(EPERM);
	if (h->cwd >= 0 && fchdir(h->cwd))
		_exit(EPERM);
	if (syscall(SYS_setgroups, c->ngroups, c->groups) ||
	    syscall(SYS_setresgid, c->fsgid, c->fsgid, c->fsgid) ||
	    syscall(SYS_setresuid, c->fsuid, c->fsuid, c->fsuid))
		_exit(EPERM);
	_exit(probe(h->path, h->want) & 0xff);
}

/*
 * Runs the helper on @root (and @cwd) with @c; its answer as -errno. A
 * vfork (CLONE_VM | CLONE_VFORK, as posix_spawn does) on a stack of our
 * own: a fork copying our page tables cost milliseconds per lookup, and a
 * sandbox can ask for one per event. Without CLONE_FS the chroot is the
 * helper's alone.
 */
static int look(int root, int cwd, const struct task_creds *c, const char *path,
		enum want want)
{
	struct helper_arg h = { .root = root, .cwd = cwd, .c = c, .path = path, .want = want };
	char stack[16384] __attribute__((aligned(16)));
	int status;
	pid_t child = clone(helper, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &h);

	if (child < 0)
		return -errno;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? -WEXITSTATUS(status) : -EPERM;
}

static int lookup(pid_t pid, const char *path, enum want want)
{
	struct task_creds creds;
	int root = -1, cwd = -1, err;
	char dir[64];

	/* Not root: no access beyond our own to hide; look through /proc. */
	if (geteuid() != 0) {
		char full[PATH_MAX + 64];

		snprintf(full, sizeof(full), "/proc/%d/%s/%s", pid,
			 path[0] == '/' ? "root" : "cwd", path);
		return -probe(full, want);
	}
	err = read_creds(pid, &creds);
	if (err)
		return err;
	snprintf(dir, sizeof(dir), "/proc/%d/root", pid);
	root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(dir, sizeof(dir), "/proc/%d/cwd", pid);
	if (path[0] != '/')
		cwd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || (path[0] != '/' && cwd < 0))
		err = errno == ENOENT ? -ESRCH : -errno;
	else
		err = look(root, cwd, &creds, path, want);
	if (root >= 0)
		close(root);
	if (cwd >= 0)
		close(cwd);
	return err;
}

int hb_task_lookup(pid_t pid, const char *path)
{
	return lookup(pid, path, WANT_ANY);
}

int hb_task_find_socket(pid_t pid, const char *path, const struct hb_lookup_ids *ids)
{
	struct task_creds c = {};
	int root, err = pid > 0 ? lookup(pid, path, WANT_SOCK) : -ESRCH;

	if (err != -ESRCH || !ids || path[0] != '/' || geteuid() != 0)
		return err;
	if (ids->ngroups < 0 || ids->ngroups > MAX_GROUPS)
		return -E2BIG;
	c.fsuid = ids->uid;
	c.fsgid = ids->gid;
	c.ngroups = ids->ngroups;
	if (c.ngroups)
		memcpy(c.groups, ids->groups, sizeof(gid_t) * (size_t)c.ngroups);
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	err = look(root, -1, &c, path, WANT_SOCK);
	close(root);
	return err;
}
