// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "launch.h"
#include "log.h"
#include "output_file.h"

struct open_req {
	const char *path;
	int how;
	mode_t mode;
	int fd; /* or -errno */
};

static int open_req(void *ctx)
{
	struct open_req *r = ctx;

	r->fd = open(r->path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | r->how,
		     r->mode);
	if (r->fd < 0)
		r->fd = -errno;
	return 0;
}

/* @r opened, by @c's user or (NULL) ours; the error said, naming @flag. */
static int open_output(const struct hb_creds *c, const char *flag, struct open_req *r)
{
	int err = c ? hb_as_user(c, open_req, r) : open_req(r);
	bool other = c && c->change && c->uid != geteuid();

	if (err)
		return err; /* hb_as_user() said why */
	if (r->fd < 0) {
		err = -r->fd;
		hb_log("%s %s: %s%s", flag, r->path, strerror(err),
		       err == ELOOP ? " (a symlink is refused)" :
		       err == ENXIO ? " (a FIFO without a reader)" : "");
		if (other && (err == EACCES || err == EPERM || err == EROFS))
			hb_hint("it is opened as uid %u, whom the command runs as: name a "
				"file that user may write", c->uid);
		return -err;
	}
	/* Blocking again: each line is written whole (hb_put_line()). */
	fcntl(r->fd, F_SETFL, fcntl(r->fd, F_GETFL) & ~O_NONBLOCK);
	return r->fd;
}

int hb_open_output(const char *flag, const char *path, int how)
{
	struct open_req r = { .path = path, .how = how, .mode = 0600 };

	return open_output(NULL, flag, &r);
}

int hb_open_user_output(const struct hb_creds *c, const char *flag, const char *path,
			int how, mode_t mode)
{
	struct open_req r = { .path = path, .how = how, .mode = mode };

	return open_output(c, flag, &r);
}

/* "-" and /dev/stdout: 1; /dev/stderr: 2; /dev/fd/N: N; else -1. */
static int stream_fd(const char *path)
{
	const char *n;
	char *end;
	long fd;

	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout"))
		return STDOUT_FILENO;
	if (!strcmp(path, "/dev/stderr"))
		return STDERR_FILENO;
	if (strncmp(path, "/dev/fd/", 8))
		return -1;
	n = path + 8;
	errno = 0;
	fd = strtol(n, &end, 10);
	if (*n < '0' || *n > '9' || *end || errno || fd > INT_MAX)
		return -1;
	return (int)fd;
}

int hb_open_stream_output(const struct hb_creds *c, const char *flag, const char *path,
			  int how, mode_t mode)
{
	int fd = stream_fd(path), fl;

	if (fd < 0)
		return hb_open_user_output(c, flag, path, how, mode);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
		hb_log("%s %s: descriptor %d is not open for writing; give it to hermetic-bpf "
		       "(such as %d>FILE), or name a file", flag, path, fd, fd);
		return -EBADF;
	}
	/* Our own copy: the command inherits the original, never this one. */
	fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		fd = -errno;
		hb_log("%s %s: %s", flag, path, strerror(-fd));
	}
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
