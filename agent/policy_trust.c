// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "policy_trust.h"

/* Why @st, at the end of the path (@leaf) or above it, is not ours alone; NULL if it is. */
static const char *untrusted(const struct stat *st, bool leaf)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return "owned by another user";
	if ((st->st_mode & S_IWGRP) && st->st_gid != 0)
		return "writable by its group";
	/* Others may write to a sticky directory above: not rename what is ours. */
	if ((st->st_mode & S_IWOTH) && (leaf || !S_ISDIR(st->st_mode) || !(st->st_mode & S_ISVTX)))
		return "writable by all";
	return NULL;
}

int hb_policy_path_trusted(const char *path)
{
	char real[PATH_MAX], *slash;
	struct stat st;
	bool leaf = true;

	if (!realpath(path, real)) {
		int err = -errno;

		hb_log("%s: %s", path, strerror(errno));
		return err;
	}
	for (;;) {
		const char *at = real[0] ? real : "/", *why;

		if (stat(at, &st)) {
			int err = -errno;

			hb_log("%s: %s", at, strerror(errno));
			return err;
		}
		why = untrusted(&st, leaf);
		if (why) {
			if (leaf && !strcmp(path, at))
				hb_log("%s is %s: the agent reads only policies that root alone "
				       "can change", at, why);
			else
				hb_log("%s: %s%s%s is %s: the agent reads only policies that root "
				       "alone can change", path, leaf ? "" : "the directory above it, ",
				       at, leaf ? "" : ",", why);
			if (leaf)
				hb_hint("chown root and chmod go-w %s, or keep the policies in "
					"/etc/hermetic-bpf/policies.d", at);
			else
				hb_hint("keep the policies where only root can change the path, "
					"such as /etc/hermetic-bpf/policies.d");
			return -EPERM;
		}
		if (!real[0])
			return 0;
		slash = strrchr(real, '/');
		*slash = '\0'; /* "/a/b" -> "/a" -> "" (the root) */
		leaf = false;
	}
}
