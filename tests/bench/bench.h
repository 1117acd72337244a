/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the benchmark programs: the clock, the iteration count and the
 * one report line the guest driver parses. Header-only so that each
 * program stays one file and one static binary.
 */
#ifndef HB_BENCH_H
#define HB_BENCH_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CLOCK_MONOTONIC: what bpf_ktime_get_ns() and the -v lines count too. */
static inline long long bench_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The first argument: a positive count (iterations, seconds). */
static inline long bench_count(int argc, char **argv, const char *usage)
{
	char *end = NULL;
	long n = argc > 1 ? strtol(argv[1], &end, 10) : 0;

	if (argc < 2 || *end || n <= 0) {
		fprintf(stderr, "usage: %s\n", usage);
		exit(2);
	}
	return n;
}

/* One operation; returns 0, or -1 with errno set. */
typedef int (*bench_op_fn)(void *ctx);

/*
 * Runs @fn N times and prints "op=OP n=N ns_per_op=... failed=...
 * errno=...". Failures are counted, not fatal: a denied operation is
 * measured like an allowed one. A tenth as many runs go first, untimed:
 * the first pass over a code path pays for cold caches and, under TCG,
 * for translating that path.
 */
static inline void bench_loop(const char *op, long n, bench_op_fn fn, void *ctx)
{
	long failed = 0;
	int last_errno = 0;
	long long t0, ns;
	const char *e;

	for (long i = 0; i < n / 10 + 1; i++)
		fn(ctx);
	t0 = bench_now_ns();
	for (long i = 0; i < n; i++) {
		if (fn(ctx)) {
			failed++;
			last_errno = errno;
		}
	}
	ns = bench_now_ns() - t0;
	e = last_errno ? strerrorname_np(last_errno) : "-";
	printf("op=%s n=%ld ns_per_op=%.1f failed=%ld errno=%s\n", op, n,
	       (double)ns / n, failed, e ? e : "?");
	fflush(stdout);
}

#endif
