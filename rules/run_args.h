/* SPDX-License-Identifier: GPL-2.0-only */
/* The command line of `hermetic-bpf run`. */
#ifndef HB_RUN_ARGS_H
#define HB_RUN_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "rules.h"

#define HB_STR_(x) #x
#define HB_STR(x) HB_STR_(x)

struct hb_run_args {
	struct hb_rules rules;   /* what the sandbox confines */
	bool trace;              /* --trace, or implied by the two below */
	bool trace_json;         /* --trace-format=json */
	const char *trace_file;  /* --trace-file PATH, or NULL: stderr */
	int fail_on_block;       /* --fail-on-block[=CODE]: the status of a blocked
				  * run that exited 0 (HB_EXIT_BLOCKED, or CODE);
				  * 0: off */
	const char *summary_json; /* --summary-json FILE, or NULL */
	bool help;
	int verbose;
	const char *user;        /* --user, or NULL */
	bool no_env;             /* --no-env: a minimal environment */
	bool allow_partial;      /* run even if a guard has no mechanism */
	size_t n_policy_entries; /* from --policy files */
	char **policy_values;    /* their values, which the fields above point into */
	char **cmd;              /* NULL-terminated, inside argv */
	__u64 given;             /* single-valued options seen (1 << (OPT_ - 0x100)) */
};

/*
 * Parses argv of "run ..." (argv[0] is "run"). Options stop at the first
 * non-option, so the command's own flags are left alone. Every --allow-*
 * flag turns its guard on; --profile adds a named set of flags (union). Returns 0, or -EINVAL after telling the
 * user which flag and value were wrong and what was expected (or -ENOMEM),
 * having freed what it allocated. After success, free with
 * hb_run_args_free().
 */
int hb_run_args_parse(int argc, char **argv, struct hb_run_args *a);

/* Empty arguments, as parsing starts from. */
void hb_run_args_init(struct hb_run_args *a);

void hb_run_args_free(struct hb_run_args *a);

/* Entries all policy files of one run may hold together. */
#define HB_POLICY_MAX_ENTRIES 4096

/*
 * One "key = value" of a policy file, as the option --key value (or, for
 * a switch, --key if @value is yes/true/1; nothing if no/false/0). @a
 * keeps a copy of @value. Errors name @where ("FILE:LINE"). Returns 0,
 * -EINVAL or -ENOMEM.
 */
int hb_run_args_set(struct hb_run_args *a, const char *where, const char *key,
		    const char *value);

void hb_run_usage(FILE *f);

#endif
