// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "log.h"

int hb_verbosity;

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
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
	va_list ap;

	if (hb_verbosity < 1)
		return;
	va_start(ap, fmt);
	vlog("hermetic-bpf: ", fmt, ap);
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
	libbpf_set_print(libbpf_print);
}
