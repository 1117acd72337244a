/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's policy directory (spec/agent.md): every *.conf file is a
 * policy file (docs/policy-file.md) that also names the cgroup it
 * confines. The set is read whole or not at all.
 */
#ifndef HB_POLICY_DIR_H
#define HB_POLICY_DIR_H

#include <limits.h>
#include <stddef.h>
#include "guard.h"
#include "run_args.h"

#define HB_POLICY_DIR_DEFAULT "/etc/hermetic-bpf/policies.d"
/* Policies one agent holds; the programs' map holds HB_MAX_SANDBOXES. */
#define HB_POLICY_DIR_MAX 256

struct hb_agent_policy {
	char file[PATH_MAX];
	char cgroup[PATH_MAX]; /* below the cgroup2 mount: "/ci.slice/job" */
	struct hb_run_args args;
};

struct hb_policy_set {
	struct hb_agent_policy *v;
	size_t n;
};

/*
 * `cgroup = /a/b` or `unit = NAME.service` (/system.slice/NAME.service)
 * into @out. A relative path, an empty, "." or ".." component, or a unit
 * that is not one service name is refused, naming @where. Returns 0 or
 * -EINVAL.
 */
int hb_policy_cgroup_value(const char *where, const char *key, const char *value,
			   char *out, size_t len);

/*
 * One policy file @file (docs/policy-file.md) as the agent reads it:
 * its `cgroup =` or `unit =` into @cgroup ("" if it has none), its rules
 * into @args (added to what @args holds), taking only the keys @agent
 * (HB_AGENT_FILE: the agent's files; HB_AGENT_APPLY: policy apply's)
 * marks, for an agent whose object runs on @tier. A key it does not
 * take, one of a guard not served on @tier, or `audit` with a key the
 * agent cannot audit is refused by name (FILE:LINE). 0 or -EINVAL.
 */
int hb_policy_file_read_agent(const char *file, __u32 agent, enum hb_tier tier,
			      char *cgroup, size_t len, struct hb_run_args *args);

/*
 * `audit` with a key the agent cannot audit (hb_key_agent_audits()):
 * hb_agent_audit_note() keeps the first such key (and @where it was) in
 * @first, "" before any; hb_agent_audit_check() refuses it, naming it,
 * when @r audits. 0 or -EOPNOTSUPP.
 */
void hb_agent_audit_note(char *first, size_t len, const char *where, const char *key);
int hb_agent_audit_check(const char *first, const struct hb_rules *r);

/*
 * Reads every *.conf in @dir, in name order, into @set, for an agent
 * whose object runs on @tier (HB_TIER_A: BPF-LSM, HB_TIER_B: without).
 * Any bad file, a key of a guard the agent does not serve on @tier, a
 * file without a cgroup or without a rule, or two files naming one
 * cgroup: every error is reported (FILE:LINE) and -EINVAL returned with
 * @set empty. A directory or file someone else than root (or we) could
 * change is refused first (policy_trust.h): -EPERM or -EINVAL.
 */
int hb_policy_dir_read(const char *dir, enum hb_tier tier, struct hb_policy_set *set);

void hb_policy_set_free(struct hb_policy_set *set);

#endif
