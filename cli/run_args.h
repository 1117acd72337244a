/* SPDX-License-Identifier: GPL-2.0-only */
/* The command line of `hermetic-bpf run`. */
#ifndef HB_RUN_ARGS_H
#define HB_RUN_ARGS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

struct hb_run_args {
	__u32 guards;     /* HB_GUARD_* */
	bool trace;
	bool help;
	int verbose;
	const char *user; /* --user, or NULL */
	char **cmd;       /* NULL-terminated, inside argv */
};

/*
 * Parses argv of "run ..." (argv[0] is "run"). Options stop at the first
 * non-option, so the command's own flags are left alone. Returns 0, or
 * -EINVAL after telling the user what was wrong.
 */
int hb_run_args_parse(int argc, char **argv, struct hb_run_args *a);

void hb_run_usage(FILE *f);

#endif
