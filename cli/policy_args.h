/* SPDX-License-Identifier: GPL-2.0-only */
/* The command line of `hermetic-bpf policy apply|show|clear|check` (spec/agent-commands.md). */
#ifndef HB_POLICY_ARGS_H
#define HB_POLICY_ARGS_H

#include <limits.h>
#include <stdbool.h>
#include "run_args.h"

enum hb_policy_op {
	HB_POLICY_APPLY,
	HB_POLICY_SHOW,
	HB_POLICY_CLEAR,
	HB_POLICY_CHECK,
};

struct hb_policy_args {
	enum hb_policy_op op;
	char cgroup[PATH_MAX];   /* below the cgroup2 mount; "" if not given (show) */
	const char *dir;         /* check: the policy directory */
	struct hb_run_args args;  /* apply: the flags, parsed as run parses them */
	const char *policy_file; /* apply --policy: a policy file's rules too */
	char unaudited[64];      /* apply: a flag the agent cannot audit (policy_dir.h) */
	bool help;
	int verbose;
};

/*
 * Parses argv of "policy OP ..." (argv[0] is "policy"). apply takes
 * --cgroup and the rules the agent enforces (--no-network,
 * --allow-localhost, --allow-ip, --event-rate, --audit, ...) or
 * --policy FILE, at least one guard among them (a file's are checked
 * when it is read, hb_cmd_policy); show an optional --cgroup; clear --cgroup; check an optional
 * directory (the agent's default). Any other flag is
 * refused by name. Returns 0, or -EINVAL after saying what was wrong (or
 * -ENOMEM). After success, free with hb_policy_args_free().
 */
int hb_policy_args_parse(int argc, char **argv, struct hb_policy_args *p);

void hb_policy_args_free(struct hb_policy_args *p);

void hb_policy_usage(FILE *f);

#endif
