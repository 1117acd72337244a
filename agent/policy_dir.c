// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "guard.h"
#include "log.h"
#include "hermetic_abi.h"
#include "path.h"
#include "policy_dir.h"
#include "policy_trust.h"
#include "policy_file.h"

static int bad(const char *where, const char *key, const char *value, const char *why)
{
	/* A file's "cgroup = V", or a command line's "--cgroup V". */
	hb_log("%s: %s%s%s: %s", where, key, key[0] == '-' ? " " : " = ",
		value, why);
	return -EINVAL;
}

/* Each component of "/a/b" names a directory: not empty, "." or "..". */
static bool clean_path(const char *p)
{
	if (p[0] != '/' || !p[1])
		return false;
	for (const char *c = p + 1;; ) {
		size_t n = strcspn(c, "/");

		if (!n || (n == 1 && c[0] == '.') || (n == 2 && !strncmp(c, "..", 2)))
			return false;
		if (!c[n])
			return true;
		c += n + 1;
	}
}

int hb_policy_cgroup_value(const char *where, const char *key, const char *value,
			   char *out, size_t len)
{
	const char *suffix = ".service";
	size_t n = strlen(value), sn = strlen(suffix);

	if (!strcmp(key, "unit")) {
		if (n <= sn || strcmp(value + n - sn, suffix) || strchr(value, '/') ||
		    value[0] == '.')
			return bad(where, key, value, "expected NAME.service");
		if (snprintf(out, len, "/system.slice/%s", value) >= (int)len)
			return bad(where, key, value, "too long");
		return 0;
	}
	if (!clean_path(value))
		return bad(where, key, value, "expected a path below the cgroup2 mount, "
			   "such as /ci.slice/job (absolute; no empty, . or .. part; not /)");
	if (n >= len)
		return bad(where, key, value, "too long");
	memcpy(out, value, n + 1);
	return 0;
}

static int is_conf(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 5 && !strcmp(de->d_name + n - 5, ".conf");
}

/* What the file must hold beyond valid lines: a cgroup and a rule. */
static int check_one(const struct hb_agent_policy *p)
{
	if (!p->cgroup[0]) {
		hb_log("%s: no `cgroup =` or `unit =` key: which "
			"cgroup does it confine?", p->file);
		return -EINVAL;
	}
	if (!p->args.rules.guards) {
		hb_log("%s: no rule (such as no-network = yes)",
			p->file);
		return -EINVAL;
	}
	/* The agent's object has no stat or readlink hooks (spec/agent.md). */
	if (p->args.rules.fs_root) {
		hb_log("%s: fs-readonly = %s: the agent confines "
			"writes only (fs-readonly = yes); a read root needs `run`",
			p->file, p->args.rules.fs_root);
		return -EINVAL;
	}
	return 0;
}

/* One policy per cgroup, and none below another's cgroup. */
static int check_unique(const struct hb_policy_set *set)
{
	int err = 0;

	for (size_t i = 0; i < set->n; i++)
		for (size_t j = 0; j < set->n; j++) {
			const char *a = set->v[i].cgroup, *b = set->v[j].cgroup;
			size_t n = strlen(b);

			if (i == j || strncmp(a, b, n) || (a[n] && a[n] != '/') ||
			    (!a[n] && j > i))
				continue;
			/* The hooks deny everything under two policies: say so now. */
			hb_log("%s: cgroup %s is %s by %s",
				set->v[i].file, a, a[n] ? "below a cgroup confined" :
				"already confined", set->v[j].file);
			err = -EINVAL;
		}
	return err;
}

struct entry_ctx {
	char *cgroup;           /* "" until a cgroup or unit key */
	size_t cgroup_len;
	struct hb_run_args *args;
	__u32 agent;            /* HB_AGENT_FILE or HB_AGENT_APPLY: the keys taken */
	enum hb_tier tier;      /* the agent's object's */
	char unaudited[64];     /* the first key that cannot be audited, and where */
};

/*
 * A key of a guard the agent does not serve on its tier (the guard
 * table's rows say which), refused by name: without BPF-LSM only the
 * guards on cgroup-bpf, whose programs attach once for every cgroup.
 */
static int unserved(const char *where, const char *key, enum hb_tier tier)
{
	const struct hb_guard *g = hb_key_agent_unserved(key, tier);
	char served[128], refused[128];

	if (!g)
		return 0;
	hb_guard_agent_lists(tier, served, refused, sizeof(served));
	hb_log("%s: %s: the agent cannot enforce %s here: without BPF-LSM (tier B) it "
	       "serves only %s", where, key, g->what, served[0] ? served : "no guard");
	hb_hint("remove the key, confine the service's command with `hermetic-bpf run` "
		"instead, or enable BPF-LSM (hermetic-bpf doctor)");
	return -EOPNOTSUPP;
}

/* An agent file's entry: the cgroup it confines, or a rule the agent enforces. */
static int agent_entry(void *ctx, const char *where, const char *key, const char *value)
{
	struct entry_ctx *e = ctx;

	if (!strcmp(key, "cgroup") || !strcmp(key, "unit")) {
		if (!e->cgroup[0])
			return hb_policy_cgroup_value(where, key, value, e->cgroup,
						      e->cgroup_len);
		hb_log("%s: a second cgroup or unit; a file names one", where);
		return -EINVAL;
	}
	/* The keys the guard table marks for the agent's files; it enforces each. */
	if (!hb_key_agent(key, e->agent)) {
		char keys[256];

		hb_key_agent_list(e->agent, "", keys, sizeof(keys));
		hb_log("%s: %s: not a key the agent reads %s(it reads cgroup, unit, %s; "
		       "see spec/agent.md)", where, key,
		       e->agent == HB_AGENT_APPLY ? "in policy apply " : "", keys);
		return -EINVAL;
	}
	if (unserved(where, key, e->tier))
		return -EINVAL;
	hb_agent_audit_note(e->unaudited, sizeof(e->unaudited), where, key);
	return hb_run_args_set(e->args, where, key, value);
}

void hb_agent_audit_note(char *first, size_t len, const char *where, const char *key)
{
	if (!first[0] && !hb_key_agent_audits(key))
		snprintf(first, len, "%s: %s", where, key);
}

int hb_agent_audit_check(const char *first, const struct hb_rules *r)
{
	if (!r->audit || !first[0])
		return 0;
	hb_log("%s: the agent cannot audit this rule (it would be enforced under audit = yes)",
	       first);
	hb_hint("audit without it first, or enforce the policy without audit");
	return -EOPNOTSUPP;
}

int hb_policy_file_read_agent(const char *file, __u32 agent, enum hb_tier tier,
			      char *cgroup, size_t len, struct hb_run_args *args)
{
	struct entry_ctx e = { .cgroup = cgroup, .cgroup_len = len, .args = args,
			       .agent = agent, .tier = tier };

	cgroup[0] = '\0';
	if (hb_policy_file_read(file, "", agent_entry, &e))
		return -EINVAL;
	return hb_agent_audit_check(e.unaudited, &args->rules) ? -EINVAL : 0;
}

int hb_policy_dir_read(const char *dir, enum hb_tier tier, struct hb_policy_set *set)
{
	struct dirent **names = NULL;
	int n, err = 0;

	memset(set, 0, sizeof(*set));
	err = hb_policy_path_trusted(dir);
	if (err) {
		hb_log("%s: policy set refused; nothing changed", dir);
		return err;
	}
	n = scandir(dir, &names, is_conf, alphasort);
	if (n < 0) {
		err = -errno;
		hb_log("policy directory %s: %s", dir, strerror(errno));
		return err;
	}
	if (n > HB_POLICY_DIR_MAX) {
		hb_log("%s: %d policy files; at most %d", dir, n,
			HB_POLICY_DIR_MAX);
		err = -E2BIG;
	}
	set->v = err || !n ? NULL : calloc((size_t)n, sizeof(*set->v));
	if (!err && n && !set->v)
		err = -ENOMEM;
	for (int i = 0; !err && i < n; i++) {
		struct hb_agent_policy *p = &set->v[set->n++];

		hb_run_args_init(&p->args);
		if (hb_path_join(p->file, sizeof(p->file), dir, names[i]->d_name)) {
			err = -ENAMETOOLONG;
			break;
		}
		/* Every file is read, so that one pass names every error. */
		if (hb_policy_path_trusted(p->file) ||
		    hb_policy_file_read_agent(p->file, HB_AGENT_FILE, tier, p->cgroup,
					      sizeof(p->cgroup), &p->args) ||
		    check_one(p))
			err = err ?: -EINVAL;
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!err)
		err = check_unique(set);
	if (err) {
		hb_log("%s: policy set refused; nothing changed", dir);
		hb_policy_set_free(set);
	}
	return err;
}

void hb_policy_set_free(struct hb_policy_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		hb_run_args_free(&set->v[i].args);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}
