// SPDX-License-Identifier: GPL-2.0-only
/* N times mmap(PROT_READ | PROT_EXEC) of one page of PATH, and munmap(). */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "bench.h"

static int map_exec(void *fdp)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, *(int *)fdp, 0);

	return p == MAP_FAILED ? -1 : munmap(p, 4096);
}

int main(int argc, char **argv)
{
	long n = bench_count(argc, argv, "op_mmap N [PATH]");
	const char *path = argc > 2 ? argv[2] : "/bin/busybox";
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		perror(path);
		return 1;
	}
	bench_loop("mmap_exec", n, map_exec, &fd);
	return 0;
}
