// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "log.h"

int hb_verbosity;

/* hb_log_context(): where the value being looked at was read, or NULL. */
static const char *context;

void hb_log_context(const char *where)
{
	context = where;
}

/* hb_log_hold(): lines kept back until the caller knows whether to say them. */
static bool holding;
static char *held;
static size_t held_len;

static void put_line(const char *line, size_t len, bool may_hold)
{
	char *more;

	if (!holding || !may_hold) {
		fwrite(line, 1, len, stderr);
		return;
	}
	more = realloc(held, held_len + len);
	if (!more) {
		fwrite(line, 1, len, stderr); /* said now rather than lost */
		return;
	}
	memcpy(more + held_len, line, len);
	held = more;
	held_len += len;
}

void hb_log_hold(void)
{
	holding = true;
}

void hb_log_release(bool say)
{
	if (say && held_len)
		fwrite(held, 1, held_len, stderr);
	free(held);
	held = NULL;
	held_len = 0;
	holding = false;
}

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
static void vlog(const char *prefix, bool may_hold, bool in_context, const char *fmt,
		 va_list ap)
{
	char *msg = NULL, *line;
	size_t o;

	if (vasprintf(&msg, fmt, ap) < 0) {
		fprintf(stderr, "%s(out of memory)\n", prefix);
		return;
	}
	if (in_context && context) {
		char *both = NULL;

		if (asprintf(&both, "%s: %s", context, msg) >= 0) {
			free(msg);
			msg = both;
		}
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
	put_line(line, o, may_hold);
	free(line);
	free(msg);
}

void hb_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("hermetic-bpf: ", true, true, fmt, ap);
	va_end(ap);
}

void hb_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("Hint: ", true, false, fmt, ap);
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
	vlog(prefix, false, false, fmt, ap);
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
