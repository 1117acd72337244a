// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "log.h"
#include "unix_rule.h"

/* The kernel's dev_t (MKDEV), which is what BPF reads from a superblock. */
static __u32 kernel_dev(dev_t d)
{
	return (major(d) << 20) | minor(d);
}

int hb_unix_rule_resolve(const char *path, struct hb_unix_rule *r)
{
	char real[PATH_MAX];
	struct stat st;

	memset(r, 0, sizeof(*r));
	if (stat(path, &st)) {
		int err = errno;

		hb_log("--allow-unix %s: %s", path, strerror(err));
		return -err;
	}
	if (!S_ISSOCK(st.st_mode)) {
		hb_log("--allow-unix %s: not a unix socket", path);
		return -ENOTSOCK;
	}
	if (!realpath(path, real) || strlen(path) >= sizeof(r->given) ||
	    strlen(real) >= sizeof(r->real)) {
		hb_log("--allow-unix %s: the path is longer than a unix socket's (%d bytes)",
		       path, HB_UNIX_PATH_MAX - 1);
		return -ENAMETOOLONG;
	}
	r->ino = st.st_ino;
	r->dev = kernel_dev(st.st_dev);
	strcpy(r->given, path);
	strcpy(r->real, real);
	return 0;
}
