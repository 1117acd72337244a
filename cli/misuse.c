// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "misuse.h"

int hb_misuse(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hermetic-bpf: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'hermetic-bpf %.*s --help' for more information.\n",
		(int)strcspn(cmd, " "), cmd);
	return -EINVAL;
}

int hb_misuse_option(const char *cmd, int c, char **argv)
{
	return hb_misuse(cmd, "%s '%s'", c == ':' ? "missing value for" : "unknown option",
			 argv[optind - 1]);
}
