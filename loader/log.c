// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "log.h"

int hb_verbosity;

/* -v lines carry the time since the first one: where start-up time goes. */
static double elapsed_ms(void)
{
	static struct timespec t0;
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	if (!t0.tv_sec && !t0.tv_nsec)
		t0 = t;
	return (t.tv_sec - t0.tv_sec) * 1e3 + (t.tv_nsec - t0.tv_nsec) / 1e6;
}

/*
 * One line on stderr. Messages quote what users and commands named (paths,
 * flags, policy lines): a control character there (a newline, ESC) would
 * forge a line or drive the terminal, so each is written as \xNN. Names
 * in events are escaped already (trace_fmt.c) and pass unchanged.
 */
static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char *msg = NULL, *line;
	size_t o;

	if (vasprintf(&msg, fmt, ap) < 0) {
		fprintf(stderr, "%s(out of memory)\n", prefix);
		return;
	}
	/* The whole line in one write: lines of several processes stay whole. */
	line = malloc(strlen(prefix) + 4 * strlen(msg) + 2);
	if (!line) {
		free(msg);
		fprintf(stderr, "%s(out of memory)\n", prefix);
		return;
	}
	o = (size_t)sprintf(line, "%s", prefix);
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			o += (size_t)sprintf(line + o, "\\x%02x", *p);
		else
			line[o++] = (char)*p;
	}
	line[o++] = '\n';
	fwrite(line, 1, o, stderr);
	free(line);
	free(msg);
}

void hb_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("hermetic-bpf: ", fmt, ap);
	va_end(ap);
}

void hb_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("Hint: ", fmt, ap);
	va_end(ap);
}

void hb_debug(const char *fmt, ...)
{
	char prefix[48];
	va_list ap;

	if (hb_verbosity < 1)
		return;
	snprintf(prefix, sizeof(prefix), "hermetic-bpf: [%8.1f ms] ", elapsed_ms());
	va_start(ap, fmt);
	vlog(prefix, fmt, ap);
	va_end(ap);
}

/*
 * libbpf explains load failures (verifier logs) at length; our own message
 * carries the errno and a hint, so libbpf speaks only with -v (debug: -vv).
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (hb_verbosity < 1 || (level == LIBBPF_DEBUG && hb_verbosity < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void hb_log_setup_libbpf(void)
{
	elapsed_ms(); /* time zero for -v */
	libbpf_set_print(libbpf_print);
}
