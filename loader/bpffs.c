// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "bpffs.h"
#include "log.h"
#include "mountinfo.h"
#include "path.h"

static int mount_bpffs(void)
{
	if (mkdir(HB_BPFFS_DEFAULT, 0700) && errno != EEXIST)
		return -errno;
	if (mount("bpf", HB_BPFFS_DEFAULT, "bpf", 0, "mode=0700"))
		return -errno;
	hb_debug("mounted bpffs at " HB_BPFFS_DEFAULT);
	return 0;
}

int hb_bpffs_dir(const char *name, char *out, size_t len, bool mount)
{
	struct hb_mount m;
	int err;

	err = hb_mount_find("bpf", &m);
	if (err == -ENOENT && mount) {
		err = mount_bpffs();
		if (err) {
			hb_log("no bpffs is mounted and mounting one at " HB_BPFFS_DEFAULT
			       " failed: %s", strerror(-err));
			hb_hint("mount -t bpf bpf " HB_BPFFS_DEFAULT);
			return err;
		}
		strcpy(m.target, HB_BPFFS_DEFAULT);
	} else if (err) {
		return err;
	}
	err = hb_path_join(out, len, m.target, name);
	if (err)
		return err;
	if (mount && mkdir(out, 0700) && errno != EEXIST) {
		err = -errno;
		hb_log("cannot create %s: %s", out, strerror(errno));
		return err;
	}
	return 0;
}

int hb_bpffs_pin_root(char *out, size_t len, bool mount)
{
	return hb_bpffs_dir(HB_PIN_PARENT, out, len, mount);
}

int hb_bpffs_pin_count(const char *dir, const char *name, __u32 count)
{
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, err;

	err = hb_path_join(path, sizeof(path), dir, name);
	if (err)
		return err;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "hb_count", sizeof(zero), sizeof(count), 1, NULL);
	err = fd < 0 || bpf_map_update_elem(fd, &zero, &count, BPF_ANY) ||
	      bpf_obj_pin(fd, path) ? -errno : 0;
	if (err)
		hb_log("cannot pin %s: %s", path, strerror(-err));
	if (fd >= 0)
		close(fd);
	return err;
}

int hb_bpffs_read_count(const char *dir, const char *name, __u32 *count)
{
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, err;

	err = hb_path_join(path, sizeof(path), dir, name);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	err = fd < 0 || bpf_map_lookup_elem(fd, &zero, count) ? -errno : 0;
	if (fd >= 0)
		close(fd);
	return err;
}

int hb_bpffs_remove_dir(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) && errno != ENOENT && !err)
			err = -errno;
	}
	closedir(d);
	if (rmdir(dir) && errno != ENOENT && !err)
		err = -errno;
	if (err)
		hb_log("cannot remove pins in %s: %s", dir, strerror(-err));
	return err;
}
