// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "misuse.h"

int hb_misuse(const char *cmd, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	/* hb_log: what the user typed is quoted with its control characters escaped. */
	hb_log("%s: %s", cmd, n < 0 ? "out of memory" : msg);
	free(msg);
	fprintf(stderr, "Try 'hermetic-bpf %.*s --help' for more information.\n",
		(int)strcspn(cmd, " "), cmd);
	return -EINVAL;
}

int hb_misuse_option(const char *cmd, int c, char **argv)
{
	return hb_misuse(cmd, "%s '%s'", c == ':' ? "missing value for" : "unknown option",
			 argv[optind - 1]);
}
