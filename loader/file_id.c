// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "file_id.h"
#include "log.h"

int hb_file_id(const char *flag, const char *path, struct hb_file_id *id)
{
	struct stat st;

	if (stat(path, &st)) {
		int err = errno;

		hb_log("--%s %s: %s", flag, path, strerror(err));
		return -err;
	}
	id->ino = st.st_ino;
	/* User space's dev_t encodes differently from the kernel's. */
	id->dev = (major(st.st_dev) << 20) | minor(st.st_dev);
	id->mode = st.st_mode;
	return 0;
}
