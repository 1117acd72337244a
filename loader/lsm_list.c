// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "lsm_list.h"
#include "path.h"

bool hb_lsm_list_has(const char *list, const char *lsm)
{
	size_t n = strlen(lsm), end = strcspn(list, "\n"); /* one line only */

	if (!n)
		return false;
	for (size_t at = 0; at < end;) {
		size_t len = strcspn(list + at, ",\n");

		if (len == n && !strncmp(list + at, lsm, n))
			return true;
		at += len + 1;
	}
	return false;
}

int hb_lsm_list_with(const char *list, const char *lsm, char *out, size_t len)
{
	size_t n = strcspn(list, "\n");
	int w;

	if (hb_lsm_list_has(list, lsm))
		w = snprintf(out, len, "%.*s", (int)n, list);
	else
		w = snprintf(out, len, "%.*s%s%s", (int)n, list, n ? "," : "", lsm);
	return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

int hb_lsm_list_read(const char *securityfs, char *buf, size_t len)
{
	char path[4096];
	ssize_t n;
	int fd, err = 0;

	if (hb_path_join(path, sizeof(path), securityfs, "lsm"))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		err = -errno;
	else
		buf[n - (n > 0 && buf[n - 1] == '\n')] = '\0';
	close(fd);
	return err;
}
