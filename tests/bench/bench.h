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
#include <sys/resource.h>
#include <time.h>

/* CLOCK_MONOTONIC: what bpf_ktime_get_ns() and the -v lines count too. */
static inline long long bench_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* CPU time of the children waited for (and of theirs they waited for). */
static inline long long bench_children_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
}

/*
 * CPU time of this process and of the children it waited for: unlike the
 * wall clock, it does not count the time other jobs on a shared machine
 * held the CPU (the native benchmark runs beside them). It misses work
 * done for us by other processes (a launcher answering a seccomp
 * notification, softirq threads).
 */
static inline long long bench_cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec + bench_children_cpu_ns();
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
 * errno=... cpu_ns_per_op=...". Failures are counted, not fatal: a denied
 * operation is measured like an allowed one. A tenth as many runs go first, untimed:
 * the first pass over a code path pays for cold caches and, under TCG,
 * for translating that path.
 */
static inline void bench_loop(const char *op, long n, bench_op_fn fn, void *ctx)
{
	long failed = 0;
	int last_errno = 0;
	long long t0, c0, ns, cpu;
	const char *e;

	for (long i = 0; i < n / 10 + 1; i++)
		fn(ctx);
	c0 = bench_cpu_ns();
	t0 = bench_now_ns();
	for (long i = 0; i < n; i++) {
		if (fn(ctx)) {
			failed++;
			last_errno = errno;
		}
	}
	ns = bench_now_ns() - t0;
	cpu = bench_cpu_ns() - c0;
	e = last_errno ? strerrorname_np(last_errno) : "-";
	printf("op=%s n=%ld ns_per_op=%.1f failed=%ld errno=%s cpu_ns_per_op=%.1f\n", op, n,
	       (double)ns / n, failed, e ? e : "?", (double)cpu / n);
	fflush(stdout);
}

#endif
