// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "file_id.h"
#include "log.h"

__u32 hb_file_dev(dev_t dev)
{
	/* User space's dev_t encodes differently from the kernel's. */
	return (major(dev) << 20) | minor(dev);
}

static int file_id(const char *path, struct hb_file_id *id, int flags)
{
	struct stat st;

	if (fstatat(AT_FDCWD, path, &st, flags))
		return -errno;
	id->ino = st.st_ino;
	id->dev = hb_file_dev(st.st_dev);
	id->mode = st.st_mode;
	return 0;
}

int hb_file_id_stat(const char *path, struct hb_file_id *id)
{
	return file_id(path, id, 0);
}

int hb_file_id_lstat(const char *path, struct hb_file_id *id)
{
	return file_id(path, id, AT_SYMLINK_NOFOLLOW);
}

int hb_file_id(const char *flag, const char *path, struct hb_file_id *id)
{
	int err = hb_file_id_stat(path, id);

	if (err)
		hb_log("--%s %s: %s", flag, path, strerror(-err));
	return err;
}
