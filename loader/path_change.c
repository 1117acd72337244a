// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "path_change.h"

/* The kernel's own limit on symlinks followed in one lookup. */
#define MAX_LINKS 40

/* Whether @uid could remove or replace @name in directory @dfd. */
static int entry_changeable(int dfd, const char *name, uid_t uid)
{
	struct stat d, e;

	if (fstat(dfd, &d) || fstatat(dfd, name, &e, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (d.st_uid == uid) /* it could chmod the directory first */
		return 1;
	if (faccessat(dfd, ".", W_OK | X_OK, AT_EACCESS))
		return 0;
	return !(d.st_mode & S_ISVTX) || e.st_uid == uid;
}

/* The entry's path, for the message (the walk's own, no symlink in it). */
static void name_entry(int dfd, const char *name, char *out, size_t len)
{
	char proc[64], dir[PATH_MAX];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dfd);
	n = readlink(proc, dir, sizeof(dir) - 1);
	dir[n > 0 ? n : 0] = '\0';
	snprintf(out, len, "%s/%s", strcmp(dir, "/") ? dir : "", name);
}

/*
 * The walk: @rest holds what is left to resolve ("a/b/c"); a symlink's
 * target is put in front of it. Every directory is entered by name from
 * "/", so each one's own entry has been judged before.
 */
static int walk(char *rest, size_t size, uid_t uid, char *entry, size_t entry_len)
{
	int dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), links = 0, ret = 0;

	if (dfd < 0)
		return -errno;
	while (*rest && ret == 0) {
		char name[NAME_MAX + 1], target[PATH_MAX], tmp[PATH_MAX];
		size_t n = strcspn(rest, "/");
		struct stat st;
		ssize_t len;
		int next;

		if (n > NAME_MAX) {
			ret = -ENAMETOOLONG;
			break;
		}
		memcpy(name, rest, n);
		name[n] = '\0';
		n += strspn(rest + n, "/");
		memmove(rest, rest + n, strlen(rest + n) + 1);
		if (!name[0] || !strcmp(name, "."))
			continue;
		if (strcmp(name, "..")) {
			ret = entry_changeable(dfd, name, uid);
			if (ret) {
				if (ret > 0)
					name_entry(dfd, name, entry, entry_len);
				break;
			}
		}
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
			ret = -errno;
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			len = readlinkat(dfd, name, target, sizeof(target) - 1);
			if (len < 0 || ++links > MAX_LINKS) {
				ret = len < 0 ? -errno : -ELOOP;
				break;
			}
			target[len] = '\0';
			if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", target, rest) >= size) {
				ret = -ENAMETOOLONG;
				break;
			}
			strcpy(rest, tmp);
			if (target[0] == '/') {
				close(dfd);
				dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (dfd < 0)
					return -errno;
			}
			continue;
		}
		if (!*rest)
			break; /* the last entry: the socket itself */
		next = openat(dfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (next < 0) {
			ret = -errno;
			break;
		}
		close(dfd);
		dfd = next;
	}
	close(dfd);
	return ret;
}

int hb_path_changeable(const char *path, uid_t uid, char *entry, size_t entry_len)
{
	char rest[PATH_MAX];

	if (path[0] != '/')
		return -EINVAL;
	if (strlen(path) >= sizeof(rest))
		return -ENAMETOOLONG;
	strcpy(rest, path + 1);
	return walk(rest, sizeof(rest), uid, entry, entry_len);
}
