// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "output_file.h"

int hb_open_output(const char *flag, const char *path, int how)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | how,
		      0600);
	int err = errno;

	if (fd < 0) {
		hb_log("--%s %s: %s%s", flag, path, strerror(err),
		       err == ELOOP ? " (a symlink is refused)" :
		       err == ENXIO ? " (a FIFO without a reader)" : "");
		return -err;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

void hb_put_line(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* a full disk or a closed pipe: the run goes on */
		buf += n;
		len -= (size_t)n;
	}
}
