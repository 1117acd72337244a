// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <string.h>
#include "cgroup.h"
#include "guard.h"
#include "misuse.h"
#include "policy_args.h"
#include "policy_dir.h"

enum { OPT_CGROUP = 0x100, OPT_RULE, OPT_POLICY };

/* Room for --cgroup, every key, -v, -h and the end: a key left out is refused. */
#define MAX_OPTIONS 49

/*
 * --cgroup, the rules (exactly the keys the guard table says policy apply
 * reads, spec/agent-commands.md), -v and -h.
 */
static void apply_options(struct option *o)
{
	static const int has_arg[] = {
		[HB_KEY_SWITCH] = no_argument,
		[HB_KEY_VALUE] = required_argument,
		[HB_KEY_OPTIONAL] = optional_argument,
	};
	const struct hb_guard_key *key;
	size_t n = 0;

	o[n++] = (struct option){ "cgroup", required_argument, NULL, OPT_CGROUP };
	o[n++] = (struct option){ "policy", required_argument, NULL, OPT_POLICY };
	for (size_t i = 0; (key = hb_key_at(i)) && n < MAX_OPTIONS - 3; i++)
		if (key->agent & HB_AGENT_APPLY)
			o[n++] = (struct option){ key->name, has_arg[key->arg], NULL, OPT_RULE };
	o[n++] = (struct option){ "verbose", no_argument, NULL, 'v' };
	o[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	o[n] = (struct option){};
}

static const char *const op_names[] = { "apply", "show", "clear", "check" };

void hb_policy_usage(FILE *f)
{
	fputs("Usage: hermetic-bpf policy apply --cgroup PATH [--no-network] [--allow-localhost]\n"
	      "                                 [--allow-ip ADDR[/LEN][:PORT]]...\n"
	      "                                 [--allow-bind [ADDR:]PORT[/tcp|/udp]]...\n"
	      "                                 [--allow-unix PATH]... [--event-rate N]\n"
	      "                                 [--audit] [--policy FILE]\n"
	      "       hermetic-bpf policy show [--cgroup PATH]\n"
	      "       hermetic-bpf policy clear --cgroup PATH\n"
	      "       hermetic-bpf policy check [DIR]\n"
	      "Confine an existing cgroup (PATH below the cgroup2 mount, such as\n"
	      "/ci.slice/job, or its full path, /sys/fs/cgroup/ci.slice/job) with the\n"
	      "running agent's pinned programs: its processes are confined at once,\n"
	      "and every cgroup later made below it. The flags\n"
	      "are run's, as far as the agent enforces them; the cgroup is also sealed.\n"
	      "apply again replaces the policy apply wrote; a policy file's is never\n"
	      "replaced, and no policy may sit above or below another. show lists the\n"
	      "policies (those above, on and below PATH); clear removes apply's.\n"
	      "--audit: the cgroup's actions are allowed and reported, not denied\n"
	      "(the seal stays). --policy FILE: the rules of a policy file (the keys\n"
	      "of these flags; its cgroup or unit key, if any, is PATH's default).\n"
	      "check reads the agent's policy directory (DIR, default\n"
	      HB_POLICY_DIR_DEFAULT ") as the agent would, and loads nothing: each\n"
	      "error is named (FILE:LINE); it needs no root and no agent.\n"
	      "Exit status: 0, or 125 if refused or failed (nothing changed); check:\n"
	      "0 if the set is good, 1 if it is not.\n",
	      f);
}

static int misuse(const char *cmd, const char *what, const char *arg)
{
	return hb_misuse(cmd, "%s%s", what, arg);
}

/* An option getopt did not take: named, as the agent's files name a key. */
static int refuse(const char *cmd, enum hb_policy_op op, const char *word, int optopt_)
{
	char name[64];

	if (optopt_ && optopt_ < 0x100 && word[1] != '-')
		snprintf(name, sizeof(name), "-%c", optopt_);
	else
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(word, "="), word);
	if (op == HB_POLICY_APPLY) {
		char keys[256], why[384];

		hb_key_agent_list(HB_AGENT_APPLY, "--", keys, sizeof(keys));
		snprintf(why, sizeof(why), ": not a flag policy apply takes; it takes --cgroup, "
			 "--policy and the rules the agent enforces: %s "
			 "(spec/agent-commands.md)", keys);
		return misuse(cmd, name, why);
	}
	return misuse(cmd, name, op == HB_POLICY_CLEAR ? ": policy clear takes only --cgroup" :
		      op == HB_POLICY_CHECK ? ": policy check takes only a directory" :
		      ": policy show takes only --cgroup");
}

static int parse_ops(int argc, char **argv, struct hb_policy_args *p, const char *cmd)
{
	struct option options[MAX_OPTIONS];
	char rel[PATH_MAX];
	int c, idx, err;

	apply_options(options);
	optind = 0;
	opterr = 0;
	while ((idx = -1, c = getopt_long(argc, argv, "+:hv", options, &idx)) != -1) {
		const char *name = idx >= 0 ? options[idx].name : "";

		switch (c) {
		case OPT_CGROUP:
			if (p->op == HB_POLICY_CHECK)
				return refuse(cmd, p->op, "--cgroup", 0);
			if (p->cgroup[0])
				return misuse(cmd, "--cgroup given twice", "");
			if (hb_policy_cgroup_value(cmd, "--cgroup",
						   hb_cgroup_below_root(optarg, rel, sizeof(rel)),
						   p->cgroup, sizeof(p->cgroup)))
				return -EINVAL;
			break;
		case OPT_RULE:
			if (p->op != HB_POLICY_APPLY)
				return refuse(cmd, p->op, argv[optind - 1], 0);
			/* run's own parsing, as the agent's policy files use it. */
			hb_agent_audit_note(p->unaudited, sizeof(p->unaudited), cmd, name);
			err = hb_run_args_set(&p->args, "policy apply", name,
					      optarg ? optarg : "yes");
			if (err)
				return err;
			break;
		case OPT_POLICY:
			if (p->op != HB_POLICY_APPLY)
				return refuse(cmd, p->op, "--policy", 0);
			if (p->policy_file)
				return misuse(cmd, "--policy given twice", "");
			p->policy_file = optarg;
			break;
		case 'v':
			p->verbose++;
			break;
		case 'h':
			p->help = true;
			return 0;
		case ':':
			return misuse(cmd, argv[optind - 1], ": needs a value");
		default:
			return refuse(cmd, p->op, argv[optind - 1], optopt);
		}
	}
	if (p->op == HB_POLICY_CHECK && optind < argc)
		p->dir = argv[optind++];
	if (optind < argc)
		return misuse(cmd, "unexpected argument ", argv[optind]);
	if (p->op == HB_POLICY_CHECK) {
		p->dir = p->dir ?: HB_POLICY_DIR_DEFAULT;
		return 0;
	}
	/* A policy file may name the cgroup, and holds rules: checked when read. */
	if (p->op == HB_POLICY_APPLY && p->policy_file)
		return 0;
	if (!p->cgroup[0] && p->op != HB_POLICY_SHOW)
		return misuse(cmd, "--cgroup PATH is required", "");
	/* As a policy file: one with no rule confines nothing. */
	if (p->op == HB_POLICY_APPLY && !p->args.rules.guards)
		return misuse(cmd, "no rule given (such as --no-network)", "");
	return hb_agent_audit_check(p->unaudited, &p->args.rules) ? -EINVAL : 0;
}

int hb_policy_args_parse(int argc, char **argv, struct hb_policy_args *p)
{
	char cmd[32];
	int err;

	memset(p, 0, sizeof(*p));
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		p->help = true;
		return 0;
	}
	if (argc < 2)
		return misuse("policy", "expected apply, show, clear or check", "");
	for (p->op = HB_POLICY_APPLY; p->op <= HB_POLICY_CHECK; p->op++)
		if (!strcmp(argv[1], op_names[p->op]))
			break;
	if (p->op > HB_POLICY_CHECK)
		return misuse("policy", "unknown operation ", argv[1]);
	hb_run_args_init(&p->args);
	snprintf(cmd, sizeof(cmd), "policy %s", op_names[p->op]);
	err = parse_ops(argc - 1, argv + 1, p, cmd);
	if (err)
		hb_policy_args_free(p);
	return err;
}

void hb_policy_args_free(struct hb_policy_args *p)
{
	hb_run_args_free(&p->args);
}
