// SPDX-License-Identifier: GPL-2.0-only
/* N times stat(PATH). */
#include <sys/stat.h>
#include "bench.h"

static int do_stat(void *path)
{
	struct stat st;

	return stat(path, &st);
}

int main(int argc, char **argv)
{
	long n = bench_count(argc, argv, "op_stat N [PATH]");

	bench_loop("stat", n, do_stat, argc > 2 ? argv[2] : "/etc/passwd");
	return 0;
}
