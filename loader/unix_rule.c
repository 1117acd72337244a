// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "file_id.h"
#include "log.h"
#include "unix_rule.h"

int hb_unix_rule_resolve(const char *path, struct hb_unix_rule *r)
{
	struct hb_file_id id;
	char real[PATH_MAX];
	int err;

	memset(r, 0, sizeof(*r));
	err = hb_file_id("allow-unix", path, &id);
	if (err)
		return err;
	if (!S_ISSOCK(id.mode)) {
		hb_log("--allow-unix %s: not a unix socket", path);
		return -ENOTSOCK;
	}
	if (!realpath(path, real) || strlen(path) >= sizeof(r->given) ||
	    strlen(real) >= sizeof(r->real)) {
		hb_log("--allow-unix %s: the path is longer than a unix socket's (%d bytes)",
		       path, HB_UNIX_PATH_MAX - 1);
		return -ENAMETOOLONG;
	}
	r->ino = id.ino;
	r->dev = id.dev;
	strcpy(r->given, path);
	strcpy(r->real, real);
	return 0;
}
