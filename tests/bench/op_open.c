// SPDX-License-Identifier: GPL-2.0-only
/* N times open(PATH, O_RDONLY) and close(). */
#include <fcntl.h>
#include <unistd.h>
#include "bench.h"

static int open_close(void *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -1 : close(fd);
}

int main(int argc, char **argv)
{
	long n = bench_count(argc, argv, "op_open N [PATH]");

	bench_loop("open", n, open_close, argc > 2 ? argv[2] : "/etc/passwd");
	return 0;
}
