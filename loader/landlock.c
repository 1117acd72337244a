// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/landlock.h>
#include "fs_runtime.h"
#include "landlock.h"
#include "log.h"

/* Rights and scopes newer than Debian 12's headers (Linux 6.1). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#define HB_LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define HB_LL_SCOPE_SIGNAL (1ULL << 1)

/* The ruleset attribute as of ABI 6; older kernels take a prefix of it. */
struct hb_ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net;
	__u64 scoped;
};

#define LL(x) LANDLOCK_ACCESS_FS_##x
#define RIGHTS_READ (LL(READ_FILE) | LL(READ_DIR))
#define RIGHTS_WRITE (LL(WRITE_FILE) | LL(REMOVE_DIR) | LL(REMOVE_FILE) | LL(MAKE_CHAR) | \
		      LL(MAKE_DIR) | LL(MAKE_REG) | LL(MAKE_SOCK) | LL(MAKE_FIFO) |      \
		      LL(MAKE_BLOCK) | LL(MAKE_SYM) | LL(REFER) | LL(TRUNCATE))
/* What a rule on a file (not a directory) may hold. */
#define RIGHTS_FILE (LL(EXECUTE) | LL(WRITE_FILE) | LL(READ_FILE) | LL(TRUNCATE))
/* Opened and written, not changed: the devices spec/fs.md keeps usable. */
#define RIGHTS_DEVICE (LL(READ_FILE) | LL(WRITE_FILE) | LL(TRUNCATE))

/* Handled only to freeze the mount topology; allowed everywhere. */
#define TOPOLOGY_RIGHT LL(MAKE_BLOCK)

static const char *const devices[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
	"/dev/tty", "/dev/ptmx", "/dev/pts",
};

int hb_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? -errno : (int)abi;
}

/* The filesystem rights a kernel of ABI @abi knows. */
static __u64 known_rights(int abi)
{
	__u64 r = LL(EXECUTE) | RIGHTS_READ | (RIGHTS_WRITE & ~(LL(REFER) | LL(TRUNCATE)));

	if (abi >= 2)
		r |= LL(REFER);
	if (abi >= 3)
		r |= LL(TRUNCATE);
	return r;
}

struct builder {
	int fd;
	__u64 handled;
	const struct hb_landlock_plan *p;
};

/*
 * Allows @access beneath @path (or on the file). @flag names the option
 * for errors; with @optional, a path that does not exist adds nothing.
 */
static int allow(struct builder *b, const char *flag, const char *path, __u64 access,
		 bool optional)
{
	struct landlock_path_beneath_attr attr = {};
	struct stat st;
	int fd, err = 0;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (optional && (err == -ENOENT || err == -ENOTDIR))
			return 0;
		hb_log("--%s %s: %s", flag, path, strerror(-err));
		return err;
	}
	if (!fstat(fd, &st) && !S_ISDIR(st.st_mode))
		access &= RIGHTS_FILE;
	attr.allowed_access = access & b->handled;
	attr.parent_fd = fd;
	if (attr.allowed_access &&
	    syscall(SYS_landlock_add_rule, b->fd, LANDLOCK_RULE_PATH_BENEATH, &attr, 0)) {
		err = -errno;
		hb_log("--%s %s: cannot add the Landlock rule: %s", flag, path, strerror(-err));
	}
	close(fd);
	return err;
}

static int allow_all(struct builder *b, const char *flag, const char *const *paths,
		     size_t n, __u64 access)
{
	int err = 0;

	for (size_t i = 0; !err && i < n; i++)
		err = allow(b, flag, paths[i], access, false);
	return err;
}

/* A runtime list entry: read, or (a program) run and read. */
static int allow_runtime(void *ctx, const char *path, enum hb_runtime_kind kind)
{
	struct builder *b = ctx;
	__u64 exec = b->p->exec ? 0 : LL(EXECUTE); /* what reading lets run */

	switch (kind) {
	case HB_RUNTIME_PROGRAM:
		return allow(b, "fs-readonly", path, LL(READ_FILE) | LL(EXECUTE), true);
	case HB_RUNTIME_READ:
		return allow(b, "fs-readonly", path, RIGHTS_READ | exec, true);
	default:
		return 0; /* names: Landlock does not confine readlink */
	}
}

/* What the sandbox asks for, as rules. */
static int add_rules(struct builder *b)
{
	const struct hb_landlock_plan *p = b->p;
	__u64 exec = p->exec ? 0 : LL(EXECUTE);
	int err = 0;

	/* No guard's rights: the one handled (see below) is allowed everywhere. */
	if (!p->fs_write && !p->exec)
		return allow(b, "no-network", "/", TOPOLOGY_RIGHT, false);
	for (size_t i = 0; !err && i < sizeof(devices) / sizeof(devices[0]); i++)
		err = allow(b, "fs-readonly", devices[i], RIGHTS_DEVICE, true);
	if (!err)
		err = allow_all(b, "allow-write", p->write_paths, p->n_write,
				RIGHTS_WRITE | RIGHTS_READ | exec);
	if (!err && p->root)
		err = allow(b, "fs-readonly", p->root, RIGHTS_READ | exec, false);
	if (!err)
		err = allow_all(b, "allow-read", p->read_paths, p->n_read, RIGHTS_READ | exec);
	/* The command must start: its runtime list (programs only, for exec). */
	if (!err && (p->fs_read || p->exec))
		err = hb_fs_runtime_each(p->cmd, p->path_env, allow_runtime, b);
	return err;
}

int hb_landlock_build(const struct hb_landlock_plan *p, int abi, struct hb_landlock *ll)
{
	struct hb_ruleset_attr attr = {};
	struct builder b = { .p = p };
	size_t size = sizeof(attr.handled_access_fs);
	int err;

	ll->fd = -1;
	if (p->fs_write)
		attr.handled_access_fs |= RIGHTS_WRITE;
	if (p->fs_read)
		attr.handled_access_fs |= RIGHTS_READ | LL(EXECUTE);
	if (p->exec)
		attr.handled_access_fs |= LL(EXECUTE);
	attr.handled_access_fs &= known_rights(abi);
	/* Whatever the guards: nothing of the sandbox signals or connects out. */
	if (abi >= HB_LANDLOCK_ABI_SCOPE) {
		attr.scoped = HB_LL_SCOPE_SIGNAL | HB_LL_SCOPE_ABSTRACT_UNIX;
		size = sizeof(attr);
	}
	/*
	 * A domain that handles a filesystem right is denied mount, umount,
	 * pivot_root and move_mount, even to root in a user namespace (a
	 * scope-only domain is not, from ABI 6), and before ABI 6 a ruleset
	 * must handle something: handle one right and allow it beneath "/"
	 * (add_rules), so only the mount topology changes.
	 */
	if (!attr.handled_access_fs)
		attr.handled_access_fs = TOPOLOGY_RIGHT;
	b.handled = attr.handled_access_fs;
	b.fd = syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (b.fd < 0) {
		err = -errno;
		hb_log("cannot create the Landlock ruleset: %s", strerror(-err));
		return err;
	}
	err = add_rules(&b);
	if (err) {
		close(b.fd);
		return err;
	}
	ll->fd = b.fd;
	ll->own_proc = b.handled & (RIGHTS_READ | RIGHTS_DEVICE);
	return 0;
}

/* @rights beneath @fd (a file's rule holds the file rights only). */
static int allow_fd(int ruleset, int fd, __u64 rights)
{
	struct landlock_path_beneath_attr attr = { .parent_fd = fd, .allowed_access = rights };
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		attr.allowed_access &= RIGHTS_FILE;
	if (!attr.allowed_access)
		return 0;
	return syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) ?
	       -errno : 0;
}

/* Levels of the walk below: /proc/self, its task/, a thread's directory. */
enum { PROC_SELF, PROC_TASKS, PROC_THREAD };

/*
 * The process's own procfs directory @dfd at @level: listed, and @rights
 * on every entry but "net", whose files are the network namespace's (the
 * host's sockets, spec/fs.md); task/ the same for each thread there (the
 * threads of now: one). Links lead elsewhere, judged there. An entry that
 * cannot be opened gets no rule: stricter, never looser.
 */
static int allow_own_proc(int ruleset, int dfd, __u64 rights, int level)
{
	int err = allow_fd(ruleset, dfd, rights & LL(READ_DIR)), fd = dup(dfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return err ? err : -errno;
	}
	while (!err && (e = readdir(d))) {
		bool tasks = level == PROC_SELF && !strcmp(e->d_name, "task");
		int child;

		if (e->d_type == DT_LNK || !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, "net"))
			continue;
		if (level == PROC_TASKS || tasks) {
			child = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (child >= 0)
				err = allow_own_proc(ruleset, child, rights,
						     tasks ? PROC_TASKS : PROC_THREAD);
		} else {
			child = openat(dfd, e->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (child >= 0)
				err = allow_fd(ruleset, child, rights);
		}
		if (child >= 0)
			close(child);
	}
	closedir(d);
	return err;
}

int hb_landlock_enforce(const struct hb_landlock *ll)
{
	int err = 0;

	if (ll->fd < 0)
		return 0;
	/* /proc/self: this process's own directory, by the time it runs. */
	if (ll->own_proc) {
		int self = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		err = self < 0 ? -errno : allow_own_proc(ll->fd, self, ll->own_proc, PROC_SELF);
		if (self >= 0)
			close(self);
	}
	if (!err && syscall(SYS_landlock_restrict_self, ll->fd, 0))
		err = -errno;
	return err;
}
