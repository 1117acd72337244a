// SPDX-License-Identifier: GPL-2.0-only
/*
 * N times open(PATH) and close(): for reading (r, the default), or for
 * writing (w: O_WRONLY, no O_CREAT, so PATH must exist; the filesystem
 * guard's write check is at open).
 */
#include <fcntl.h>
#include <unistd.h>
#include "bench.h"

struct target {
	const char *path;
	int flags;
};

static int open_close(void *arg)
{
	const struct target *t = arg;
	int fd = open(t->path, t->flags | O_CLOEXEC);

	return fd < 0 ? -1 : close(fd);
}

int main(int argc, char **argv)
{
	const char *usage = "op_open N [PATH [r|w]]";
	long n = bench_count(argc, argv, usage);
	const char *mode = argc > 3 ? argv[3] : "r";
	struct target t = { argc > 2 ? argv[2] : "/etc/passwd", O_RDONLY };

	if (strcmp(mode, "w") == 0) {
		t.flags = O_WRONLY;
	} else if (strcmp(mode, "r")) {
		fprintf(stderr, "usage: %s\n", usage);
		return 2;
	}
	bench_loop(t.flags == O_WRONLY ? "open_write" : "open", n, open_close, &t);
	return 0;
}
