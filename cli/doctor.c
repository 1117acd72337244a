// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hermetic-bpf doctor`: which mechanism would enforce each guard on this
 * kernel, and for each one that has none, why and how to fix it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "misuse.h"
#include "commands.h"
#include "exit_status.h"
#include "hermetic_abi.h"
#include "json_str.h"
#include "log.h"
#include "tier.h"
#include "unseen.h"

/* Exit status when some guard has no mechanism here (spec/doctor.md). */
#define HB_DOCTOR_MISSING 1

/*
 * Why @guard has no mechanism: tier A's missing piece and, if it has a tier
 * B, that one's too; the hints for both (tier A's first: one boot line).
 */
struct why_none {
	char what[2 * sizeof(((struct hb_probe_failure *)0)->what) + 32];
	char hint[2 * sizeof(((struct hb_probe_failure *)0)->hint) + 16];
};

static void why_of(const struct hb_tier_why *why, __u32 guard, struct why_none *out)
{
	const struct hb_probe_failure *b = hb_tier_why_not(why, guard);
	const char *ha = why->lsm.hint, *hb = b ? b->hint : "";

	snprintf(out->what, sizeof(out->what), "%s%s%s", why->lsm.what,
		 b ? "; without BPF-LSM: " : "", b ? b->what : "");
	snprintf(out->hint, sizeof(out->hint), "%s%s%s", ha, *ha && *hb && strcmp(ha, hb) ?
		 "; or: " : "", strcmp(ha, hb) ? hb : "");
}

static const char *tier_letter(enum hb_tier tier)
{
	return tier == HB_TIER_A ? "A" : tier == HB_TIER_NONE ? "none" : "B";
}

/* The agent's tier: the network guard's mechanism, for its one object. */
static enum hb_tier agent_tier(const struct hb_tiers *t)
{
	return t->net == HB_TIER_A ? HB_TIER_A : t->net == HB_TIER_B ? HB_TIER_B :
	       HB_TIER_NONE;
}

/* Which guards `hermetic-bpf agent` would serve here (spec/agent.md). */
static void print_agent_text(const struct hb_tiers *t)
{
	enum hb_tier tier = agent_tier(t);
	char served[128], refused[128];

	if (!tier) {
		printf("agent    cannot start: the network guard has no mechanism here\n");
		return;
	}
	hb_guard_agent_lists(tier, served, refused, sizeof(served));
	printf("agent    %s (tier %s): serves %s%s%s%s\n", hb_tier_name(tier),
	       tier_letter(tier), served, refused[0] ? "; refuses " : "", refused,
	       refused[0] ? " (they need BPF-LSM)" : "");
	printf("         users' runs through it: %s\n", hb_guard_agent_runs(tier));
}

static void print_text(const struct hb_tiers *t, const struct hb_tier_why *why,
		       const struct utsname *u)
{
	printf("kernel: Linux %s (%s)\n", u->release, u->machine);
	if (t->tamper == HB_TIER_A)
		printf("BPF-LSM: yes\n");
	else
		printf("BPF-LSM: no: %s\n", why->lsm.what);
	if (t->landlock_abi && t->tamper != HB_TIER_A)
		printf("Landlock: ABI %d; every tier B sandbox: %s; seccomp: no TIOCSTI or "
		       "TIOCLINUX\n", t->landlock_abi, hb_tier_b_scope(t->landlock_abi));
	else if (t->landlock_abi)
		printf("Landlock: ABI %d\n", t->landlock_abi);
	else
		printf("Landlock: no\n");
	hb_for_each_guard(g) {
		enum hb_tier tier = t->mech[hb_guard_kind(g)];
		struct why_none f;

		why_of(why, g->bit, &f);
		printf("%-8s ", g->name);
		if (tier == HB_TIER_A)
			printf("BPF-LSM (tier A)\n");
		else if (tier)
			printf("%s (tier B): %s\n", hb_tier_name(tier), g->tier_b_note);
		else
			printf("not enforceable: %s\n%-8s Hint: %s\n", f.what, "",
			       f.hint[0] ? f.hint : "see spec/tiers.md");
	}
	for (const struct hb_unseen_name *k = hb_unseen_names; k->kind; k++)
		if (hb_unseen(HB_GUARD_ALL, t) & k->kind)
			printf("unseen   %s: enforced, not reported%s\n", k->what,
			       hb_unseen_refused(k->kind) ? " (--fail-on-block needs "
			       "--allow-partial)" : "");
	print_agent_text(t);
	/* What tier B does report, beside the cgroup hooks' denials. */
	if (t->tamper != HB_TIER_A && (t->net == HB_TIER_B || t->landlock_abi))
		printf("reported what seccomp refuses (the launcher answers each)%s\n",
		       t->net == HB_TIER_B ? " and the packets the network guard drops" : "");
	printf("See spec/tiers.md for what each tier enforces.\n");
}

/* One object per line of the text form; the schema is in spec/doctor.md. */
static void print_json(const struct hb_tiers *t, const struct hb_tier_why *why,
		       const struct utsname *u, bool ok)
{
	char served[128], refused[128];
	const char *sep = "";

	printf("{\"version\":1,\"kernel\":");
	hb_json_str(stdout, u->release);
	printf(",\"machine\":");
	hb_json_str(stdout, u->machine);
	printf(",\"bpf_lsm\":%s,\"bpf_lsm_reason\":", t->tamper == HB_TIER_A ? "true" : "false");
	hb_json_str(stdout, t->tamper == HB_TIER_A ? NULL : why->lsm.what);
	printf(",\"landlock_abi\":%d,\"tier_b_scope\":", t->landlock_abi);
	hb_json_str(stdout, t->tamper == HB_TIER_A ? NULL : hb_tier_b_scope(t->landlock_abi));
	printf(",\"guards\":[");
	hb_for_each_guard(g) {
		enum hb_tier tier = t->mech[hb_guard_kind(g)];
		struct why_none f;

		why_of(why, g->bit, &f);
		printf("%s{\"guard\":", sep);
		hb_json_str(stdout, g->name);
		printf(",\"tier\":\"%s\",\"mechanism\":", tier_letter(tier));
		hb_json_str(stdout, tier ? hb_tier_name(tier) : NULL);
		printf(",\"note\":");
		hb_json_str(stdout, tier == HB_TIER_NONE || tier == HB_TIER_A ? NULL :
			    g->tier_b_note);
		printf(",\"reason\":");
		hb_json_str(stdout, tier ? NULL : f.what);
		printf(",\"hint\":");
		hb_json_str(stdout, tier ? NULL : f.hint[0] ? f.hint : "see spec/tiers.md");
		printf("}");
		sep = ",";
	}
	printf("],\"unseen\":[");
	sep = "";
	for (const struct hb_unseen_name *k = hb_unseen_names; k->kind; k++) {
		if (!(hb_unseen(HB_GUARD_ALL, t) & k->kind))
			continue;
		printf("%s{\"kind\":\"%s\",\"what\":", sep, k->code);
		hb_json_str(stdout, k->what);
		printf(",\"refuses_fail_on_block\":%s}",
		       hb_unseen_refused(k->kind) ? "true" : "false");
		sep = ",";
	}
	hb_guard_agent_lists(agent_tier(t), served, refused, sizeof(served));
	printf("],\"agent\":{\"tier\":\"%s\",\"serves\":", tier_letter(agent_tier(t)));
	hb_json_str(stdout, agent_tier(t) ? served : NULL);
	printf(",\"refuses\":");
	hb_json_str(stdout, agent_tier(t) ? refused : NULL);
	printf("},\"all_enforceable\":%s}\n", ok ? "true" : "false");
}

int hb_cmd_doctor(int argc, char **argv)
{
	__u32 all = 0, missing;
	struct hb_tier_why why;
	struct hb_tiers t;
	struct utsname u;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			hb_verbosity++;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			puts("Usage: hermetic-bpf doctor [--json] [-v]\n"
			     "Say which mechanism would enforce each guard on this kernel.\n"
			     "Exit status: 0 every guard can be enforced; 1 some cannot;\n"
			     "125 doctor itself failed.");
			return 0;
		} else {
			hb_misuse("doctor", "unknown option '%s'", argv[i]);
			return HB_EXIT_FAILURE;
		}
	}
	hb_log_setup_libbpf();
	uname(&u);
	hb_for_each_guard(g)
		all |= g->bit;
	missing = hb_tier_probe(all, &t, &why);
	if (json)
		print_json(&t, &why, &u, !missing);
	else
		print_text(&t, &why, &u);
	return missing ? HB_DOCTOR_MISSING : 0;
}
