// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cgroup.h"
#include "log.h"
#include "mountinfo.h"
#include "path.h"

/* The kernel numbers the root cgroup 1; kernfs uses the id as inode. */
#define HB_ROOT_CGROUP_ID 1

/* How long a killed cgroup may take to empty (processes in D state). */
#define HB_KILL_TIMEOUT_MS 10000

int hb_cgroup_root(char *out, size_t len)
{
	struct hb_mount m;
	struct stat st;
	int err;

	err = hb_mount_find("cgroup2", &m);
	if (err) {
		hb_log("no cgroup v2 hierarchy is mounted");
		hb_hint("mount -t cgroup2 none /sys/fs/cgroup (or boot with systemd.unified_cgroup_hierarchy=1)");
		return err;
	}
	if (stat(m.target, &st)) {
		err = -errno;
		hb_log("cannot stat the cgroup2 mount %s: %s", m.target, strerror(errno));
		return err;
	}
	if (st.st_ino != HB_ROOT_CGROUP_ID) {
		hb_log("the cgroup2 mount %s is not the hierarchy's root (a container's cgroup namespace?)",
		       m.target);
		hb_hint("run hermetic-bpf in the host's cgroup namespace");
		return -EXDEV;
	}
	if (strlen(m.target) >= len)
		return -ENAMETOOLONG;
	strcpy(out, m.target);
	return 0;
}

const char *hb_cgroup_below_root(const char *name, char *buf, size_t len)
{
	struct hb_mount m;
	size_t n;
	struct stat st;

	if (hb_mount_find("cgroup2", &m))
		return name;
	n = strlen(m.target);
	if (strncmp(name, m.target, n) || name[n] != '/' ||
	    (snprintf(buf, len, "%s%s", m.target, name) < (int)len && !stat(buf, &st)))
		return name;
	snprintf(buf, len, "%s", name + n);
	return buf;
}

static int lock_parent(const char *root, int op)
{
	char path[PATH_MAX];
	int fd, err;

	err = hb_path_join(path, sizeof(path), root, HB_CGROUP_PARENT);
	if (err)
		return err;
	if (mkdir(path, 0755) && errno != EEXIST) {
		err = -errno;
		hb_log("cannot create cgroup %s: %s", path, strerror(errno));
		return err;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, op)) {
		err = -errno;
		hb_log("cannot lock cgroup %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

int hb_cgroup_create(const char *root, struct hb_cgroup *cg)
{
	char parent_dir[PATH_MAX];
	unsigned int rnd;
	struct stat st;
	int parent, err = 0;

	memset(cg, 0, sizeof(*cg));
	cg->fd = -1;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -errno;
	snprintf(cg->name, sizeof(cg->name), "run-%d-%08x", (int)getpid(), rnd);
	err = hb_path_join(parent_dir, sizeof(parent_dir), root, HB_CGROUP_PARENT);
	if (!err)
		err = hb_path_join(cg->path, sizeof(cg->path), parent_dir, cg->name);
	if (err)
		return err;

	/* Shared: gc, which takes it exclusively, cannot see us half-made. */
	parent = lock_parent(root, LOCK_SH);
	if (parent < 0)
		return parent;
	if (mkdir(cg->path, 0755)) {
		err = -errno;
		hb_log("cannot create cgroup %s: %s", cg->path, strerror(errno));
		goto out;
	}
	cg->fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->fd < 0 || flock(cg->fd, LOCK_EX | LOCK_NB) || fstat(cg->fd, &st)) {
		err = -errno;
		hb_log("cannot open cgroup %s: %s", cg->path, strerror(errno));
		rmdir(cg->path);
		goto out;
	}
	cg->id = st.st_ino;
	cg->level = 2; /* <root>/hermetic-bpf/<name> */
out:
	close(parent);
	if (err && cg->fd >= 0) {
		close(cg->fd);
		cg->fd = -1;
	}
	return err;
}

static int read_populated(int fd)
{
	char buf[256], *p;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	p = strstr(buf, "populated ");
	if (!p)
		return -EINVAL;
	return p[strlen("populated ")] == '1';
}

static int open_events(const char *path)
{
	char file[PATH_MAX];

	if (hb_path_join(file, sizeof(file), path, "cgroup.events")) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(file, O_RDONLY | O_CLOEXEC);
}

int hb_cgroup_populated(const char *path)
{
	int fd = open_events(path), r;

	if (fd < 0)
		return -errno;
	r = read_populated(fd);
	close(fd);
	return r;
}

static int write_file(const char *dir, const char *name, const char *val)
{
	char file[PATH_MAX];
	int fd, err = 0;

	if (hb_path_join(file, sizeof(file), dir, name))
		return -ENAMETOOLONG;
	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int hb_cgroup_kill(const char *path)
{
	long deadline = now_ms() + HB_KILL_TIMEOUT_MS;
	struct pollfd pfd = { .events = POLLPRI };
	int err, r;

	pfd.fd = open_events(path);
	if (pfd.fd < 0) {
		err = -errno;
		hb_log("cannot watch cgroup %s: %s", path, strerror(errno));
		return err;
	}
	r = read_populated(pfd.fd);
	if (r == 1) {
		/* cgroup.kill (5.14+) kills the whole subtree, forks included. */
		err = write_file(path, "cgroup.kill", "1");
		if (err) {
			hb_log("cannot kill cgroup %s: %s", path, strerror(-err));
			goto out;
		}
	}
	/* kernfs wakes POLLPRI readers of cgroup.events on every change. */
	while ((r = read_populated(pfd.fd)) == 1 && now_ms() < deadline)
		poll(&pfd, 1, (int)(deadline - now_ms()));
	err = r < 0 ? r : r ? -EBUSY : 0;
	if (err)
		hb_log("cgroup %s did not empty after kill: %s", path, strerror(-err));
out:
	close(pfd.fd);
	return err;
}

/* nftw() has no context argument: the first rmdir() failure goes here. */
static int remove_errno;

static int rmdir_entry(const char *path, const struct stat *st, int type,
		       struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	/* Cgroup interface files cannot (and need not) be unlinked. */
	if (type == FTW_DP && rmdir(path) && errno != ENOENT) {
		remove_errno = errno;
		return 1;
	}
	return 0;
}

int hb_cgroup_remove(const char *path)
{
	int r;

	remove_errno = 0;
	r = nftw(path, rmdir_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (r == -1 && errno == ENOENT)
		return 0;
	if (r) {
		int err = remove_errno ? remove_errno : errno;

		hb_log("cannot remove cgroup %s: %s", path, strerror(err));
		return -err;
	}
	return 0;
}

void hb_cgroup_close(struct hb_cgroup *cg)
{
	if (cg->fd >= 0)
		close(cg->fd);
	cg->fd = -1;
}
