// SPDX-License-Identifier: GPL-2.0-only
/*
 * The command line of `policy apply|show|clear|check`: argv[0] is "policy", the
 * input's NUL-separated strings are the rest (at most MAX_ARGS words).
 */
#include <errno.h>
#include "fuzz.h"
#include "hermetic_abi.h"
#include "policy_args.h"

#define MAX_ARGS 32

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_stderr();
	return 0;
}

static void check_parsed(const struct hb_policy_args *p)
{
	if (p->help)
		return;
	FUZZ_CHECK(p->op <= HB_POLICY_CHECK);
	/* check takes a directory, never a cgroup or a rule. */
	if (p->op == HB_POLICY_CHECK) {
		FUZZ_CHECK(p->dir && !p->cgroup[0] && !p->args.rules.guards);
		return;
	}
	FUZZ_CHECK(!p->dir);
	/*
	 * A cgroup is always a clean absolute path, and apply's and clear's
	 * need one (apply's may come from its --policy file, read later).
	 */
	if (p->cgroup[0])
		FUZZ_CHECK(p->cgroup[0] == '/' && p->cgroup[1] && !strstr(p->cgroup, "//") &&
			   !strstr(p->cgroup, "/../") && !strstr(p->cgroup, "/./"));
	else
		FUZZ_CHECK(p->op == HB_POLICY_SHOW || (p->op == HB_POLICY_APPLY && p->policy_file));
	if (p->op != HB_POLICY_APPLY) {
		FUZZ_CHECK(!p->args.rules.guards && !p->args.rules.n_ip_rules && !p->args.rules.net);
		return;
	}
	/*
	 * Only what the agent enforces: the network guard, never another; at
	 * least that one, unless --policy names a file, whose rules are read
	 * (and checked) later. --audit and --allow-unix are apply's too; names
	 * are not (allow-domain's DNS proxy is a policy file's).
	 */
	FUZZ_CHECK(p->policy_file ? !(p->args.rules.guards & ~HB_GUARD_NET) :
		   p->args.rules.guards == HB_GUARD_NET);
	FUZZ_CHECK(!(p->args.rules.net & ~HB_NET_ALLOW_LOCALHOST));
	FUZZ_CHECK(!p->args.rules.n_domains && !p->args.rules.n_exec_paths &&
		   !p->args.rules.fs && !p->args.trace);
	FUZZ_CHECK(p->args.rules.event_rate <= HB_EVENT_RATE_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_cstr(data, size), *argv[MAX_ARGS + 1];
	struct hb_policy_args p;
	int argc, err;

	if (!buf)
		return 0;
	argc = fuzz_argv(buf, size, "policy", argv, MAX_ARGS);
	err = hb_policy_args_parse(argc, argv, &p);
	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ENOMEM);
	if (!err) {
		check_parsed(&p);
		hb_policy_args_free(&p);
	} else {
		/* A failed parse has freed what it allocated. */
		FUZZ_CHECK(!p.args.rules.ip_rules && !p.args.policy_values);
	}
	free(buf);
	return 0;
}
