// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guard table (loader/guard.c): one row per guard, consistent with
 * itself, with HB_GUARD_ALL, with run's options and the BPF object's
 * programs; and the key lists the documentation keeps in prose agree
 * with it. The documents are read from the source tree: the current
 * directory (make unit runs from the repository's root) or $HB_SRCDIR.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/libbpf.h>
#include "capture.h"
#include "agent_pins.h"
#include "guard.h"
#include "landlock.h"
#include "hermetic_abi.h"
#include "policy_args.h"
#include "run_args.h"
#include "tier.h"
#include "hermetic.skel.h"

/*
 * The markers in the spec's files ("<!-- NAME: KEY ... -->" before the
 * text that lists those keys): each one found is checked; the required
 * ones must be found (spec/agent.md's keys, spec/agent-commands.md's).
 */
static const struct {
	const char *name;
	__u32 agent;
	bool required;
} spec_markers_of[] = {
	{ "agent-keys", HB_AGENT_FILE, true },
	{ "apply-keys", HB_AGENT_APPLY, true },
};

#define MAX_KEYS 64

struct key_set {
	char name[MAX_KEYS][32];
	size_t n;
};

static void set_add(struct key_set *s, const char *name, size_t len)
{
	assert_true(s->n < MAX_KEYS);
	assert_true(len > 0 && len < sizeof(s->name[0]));
	memcpy(s->name[s->n], name, len);
	s->name[s->n++][len] = '\0';
}

static bool set_has(const struct key_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return true;
	return false;
}

/* The table's keys whose agent field has any of @agent's bits (0: every key). */
static void table_keys(__u32 agent, struct key_set *s)
{
	const struct hb_guard_key *key;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; (key = hb_key_at(i)); i++)
		if (!agent || (key->agent & agent))
			set_add(s, key->name, strlen(key->name));
}

/* Both sets hold the same names; @where names the copy in a failure. */
static void same_keys(const struct key_set *want, const struct key_set *got, const char *where)
{
	for (size_t i = 0; i < want->n; i++)
		if (!set_has(got, want->name[i]))
			fail_msg("%s does not list the key '%s'", where, want->name[i]);
	for (size_t i = 0; i < got->n; i++)
		if (!set_has(want, got->name[i]))
			fail_msg("%s lists '%s', which the guard table does not have there",
				 where, got->name[i]);
}

static void rows_cover_the_guards(void **state)
{
	__u32 seen = 0;

	(void)state;
	hb_for_each_guard(g) {
		enum hb_guard_kind k = hb_guard_kind(g);

		/* One bit of HB_GUARD_ALL each, none twice. */
		assert_true(g->bit && !(g->bit & (g->bit - 1)));
		assert_true(g->bit & HB_GUARD_ALL);
		assert_false(seen & g->bit);
		seen |= g->bit;
		/* Every lookup finds this row. */
		assert_ptr_equal(hb_guard_by_bit(g->bit), g);
		assert_ptr_equal(hb_guard_by_kind(k), g);
		assert_ptr_equal(hb_guard_by_name(g->name), g);
		assert_string_equal(hb_guard_kind_name(k), g->name);
		assert_true(g->what && g->what[0]);
		/* Tier A is BPF-LSM; tier B is a mechanism with a note, or none. */
		assert_int_equal(g->tier_a, HB_TIER_A);
		assert_true(g->tier_b == HB_TIER_NONE || g->tier_b == HB_TIER_B ||
			    g->tier_b == HB_TIER_LANDLOCK);
		assert_int_equal(g->tier_b != HB_TIER_NONE, g->tier_b_note && g->tier_b_note[0]);
		assert_int_equal(g->tier_b == HB_TIER_LANDLOCK, g->landlock_abi > 0);
		assert_true(g->progs && g->progs[0].name);
		/* Asked for by a switch, or on by itself. */
		assert_non_null(g->keys);
		assert_int_equal(!g->keys[0].name, g->always);
		/* Names are unique (a second row of one name would never be found). */
		for (const struct hb_guard *o = hb_guards; o < g; o++)
			assert_string_not_equal(o->name, g->name);
	}
	assert_int_equal(seen, HB_GUARD_ALL);
	assert_null(hb_guard_by_bit(0));
	assert_null(hb_guard_by_bit(HB_GUARD_NET | HB_GUARD_FS));
	assert_null(hb_guard_by_kind(HB_GUARD_KIND_MAX));
	assert_null(hb_guard_by_name("nothing"));
	assert_null(hb_guard_kind_name(HB_GUARD_KIND_MAX));
	assert_int_equal(hb_guard_agent_bits(), HB_GUARD_ALL);
}

/* What hb_run_args_set() says of @key = @value on stderr, in @out. */
static int run_says(const char *key, const char *value, struct hb_run_args *a, char *out,
		    size_t len)
{
	int err;

	capture_start();
	err = hb_run_args_set(a, "t:1", key, value);
	capture_end(out, len);
	return err;
}

/*
 * Every key is one run takes in a policy file: run's complaint about a
 * made-up value is about the value, never "unknown key" (as
 * tests/native/man-check asks the binary). A row's first key turns it on.
 */
static void keys_are_run_options(void **state)
{
	const struct hb_guard_key *key;
	const struct hb_guard *g;
	struct hb_run_args a;
	struct key_set all;
	char said[1024];

	(void)state;
	table_keys(0, &all);
	for (size_t i = 0; i < all.n; i++)
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(all.name[i], all.name[j]);
	hb_run_args_init(&a);
	for (size_t i = 0; (key = hb_key_at(i)); i++) {
		run_says(key->name, "\x01not a value", &a, said, sizeof(said));
		if (strstr(said, "unknown key"))
			fail_msg("run does not take the key '%s': %s", key->name, said);
		assert_ptr_equal(hb_key_by_name(key->name, NULL), key);
		/* Where the agent reads it, files do (policy apply takes fewer). */
		if (key->agent & HB_AGENT_APPLY)
			assert_true(key->agent & HB_AGENT_FILE);
	}
	/* The probe can tell. */
	assert_int_equal(run_says("no-such-key", "1", &a, said, sizeof(said)), -EINVAL);
	assert_non_null(strstr(said, "unknown key"));
	hb_run_args_free(&a);
	hb_for_each_guard(row) {
		if (!row->keys[0].name)
			continue;
		assert_int_equal(row->keys[0].arg == HB_KEY_SWITCH ||
				 row->keys[0].arg == HB_KEY_OPTIONAL, true);
		hb_run_args_init(&a);
		assert_int_equal(run_says(row->keys[0].name, "yes", &a, said, sizeof(said)), 0);
		assert_int_equal(a.rules.guards, row->bit);
		hb_run_args_free(&a);
		for (const struct hb_guard_key *k = row->keys; k->name; k++) {
			assert_ptr_equal(hb_key_by_name(k->name, &g), k);
			assert_ptr_equal(g, row);
		}
	}
	assert_non_null(hb_key_by_name("event-rate", &g));
	assert_null(g);
	assert_null(hb_key_by_name("cgroup", NULL));
}

static void agent_lists(void **state)
{
	struct hb_sandbox_config cfg = {};
	char text[512];

	(void)state;
	hb_key_agent_list(HB_AGENT_APPLY, "--", text, sizeof(text));
	assert_string_equal(text, "--no-network, --allow-localhost, --allow-ip, --allow-bind, "
			    "--allow-unix, --audit, --event-rate");
	hb_key_agent_list(HB_AGENT_FILE, "", text, sizeof(text));
	assert_string_equal(text, "no-network, allow-localhost, allow-ip, allow-bind, allow-domain, "
			    "allow-unix, fs-readonly, allow-write, audit, event-rate");
	/* Cut short, terminated. */
	hb_key_agent_list(HB_AGENT_FILE, "", text, 5);
	assert_string_equal(text, "no-n");
	assert_true(hb_key_agent("allow-write", HB_AGENT_FILE));
	assert_false(hb_key_agent("allow-write", HB_AGENT_APPLY));
	assert_false(hb_key_agent("bogus", HB_AGENT_FILE));
	/* An agent policy audits every key it reads but those marked. */
	assert_true(hb_key_agent_audits("allow-ip") && hb_key_agent_audits("audit"));
	assert_false(hb_key_agent_audits("allow-domain"));

	/* What the agent's object serves: the rows say. */
	cfg.policy.guards = HB_GUARD_NET | HB_GUARD_FS | HB_GUARD_TAMPER;
	cfg.policy.fs = HB_FS_READONLY;
	hb_tier_lsm(&cfg.tiers);
	assert_null(hb_agent_cannot_serve(&cfg));
	cfg.policy.fs |= HB_FS_READ_ROOT;
	assert_non_null(strstr(hb_agent_cannot_serve(&cfg), "--fs-readonly=ROOT"));
	cfg.policy.fs = HB_FS_READONLY;
	cfg.policy.net = HB_NET_DNS_PROXY;
	assert_non_null(strstr(hb_agent_cannot_serve(&cfg), "--allow-domain"));
	cfg.policy.net = 0;
	cfg.tiers.net = HB_TIER_B;
	assert_non_null(strstr(hb_agent_cannot_serve(&cfg), "another mechanism"));
	/* The seal is every sandbox's: without it on BPF-LSM, nothing is served. */
	hb_tier_lsm(&cfg.tiers);
	cfg.policy.guards = HB_GUARD_EXEC;
	cfg.tiers.tamper = HB_TIER_NONE;
	assert_non_null(hb_agent_cannot_serve(&cfg));
}

/* Without BPF-LSM the agent serves the guards whose tier B is cgroup-bpf. */
static void agent_tiers(void **state)
{
	char served[128], refused[128];
	const struct hb_guard *fs = hb_guard_by_bit(HB_GUARD_FS);

	(void)state;
	assert_int_equal(hb_guard_agent_bits_on(HB_TIER_A), hb_guard_agent_bits());
	assert_int_equal(hb_guard_agent_bits_on(HB_TIER_A), HB_GUARD_ALL);
	assert_int_equal(hb_guard_agent_bits_on(HB_TIER_B), HB_GUARD_NET);
	hb_for_each_guard(g)
		assert_int_equal(hb_guard_agent_serves(g, HB_TIER_B),
				 g->agent && g->tier_b == HB_TIER_B);
	assert_ptr_equal(hb_key_agent_unserved("fs-readonly", HB_TIER_B), fs);
	assert_ptr_equal(hb_key_agent_unserved("allow-write", HB_TIER_B), fs);
	assert_null(hb_key_agent_unserved("fs-readonly", HB_TIER_A));
	assert_null(hb_key_agent_unserved("allow-ip", HB_TIER_B));
	assert_null(hb_key_agent_unserved("event-rate", HB_TIER_B)); /* the sandbox's */
	assert_null(hb_key_agent_unserved("bogus", HB_TIER_B));
	hb_guard_agent_lists(HB_TIER_B, served, refused, sizeof(served));
	assert_string_equal(served, "network");
	assert_string_equal(refused, "fs, exec, native, env, seal");
	hb_guard_agent_lists(HB_TIER_A, served, refused, sizeof(served));
	assert_string_equal(served, "network, fs, exec, native, env, seal");
	assert_string_equal(refused, "");
	/* Cut short, terminated. */
	hb_guard_agent_lists(HB_TIER_B, served, refused, 6);
	assert_string_equal(refused, "fs, e");
}

/* hb_tier_of() and the by-name fields are one array. */
static void tiers_by_guard(void **state)
{
	struct hb_tiers t = {};

	(void)state;
	t.fs = HB_TIER_LANDLOCK;
	t.tamper = HB_TIER_A;
	assert_int_equal(t.mech[HB_GUARD_KIND_FS], HB_TIER_LANDLOCK);
	assert_int_equal(hb_tier_of(&t, HB_GUARD_FS), HB_TIER_LANDLOCK);
	assert_int_equal(hb_tier_of(&t, HB_GUARD_TAMPER), HB_TIER_A);
	assert_int_equal(hb_tier_of(&t, HB_GUARD_NET), HB_TIER_NONE);
	assert_int_equal(hb_tier_of(&t, HB_GUARD_NET | HB_GUARD_FS), HB_TIER_NONE);
}

/* Tier B's one rule (run, the agent, its client): each guard on its mechanism if here. */
static void tier_b_assign(void **state)
{
	const __u32 all = HB_GUARD_ALL & ~(__u32)HB_GUARD_TAMPER;
	struct hb_tiers t = {};

	(void)state;
	t.landlock_abi = HB_LANDLOCK_ABI_SCOPE;
	/* Everything tier B has: network on cgroup-bpf, fs and exec on Landlock. */
	assert_int_equal(hb_tier_b_assign(all, true, &t),
			 HB_GUARD_NATIVE | HB_GUARD_ENV);
	assert_int_equal(t.net, HB_TIER_B);
	assert_int_equal(t.fs, HB_TIER_LANDLOCK);
	assert_int_equal(t.exec, HB_TIER_LANDLOCK);
	assert_int_equal(t.native, HB_TIER_NONE);
	assert_false(hb_tier_b_keeps_exec_list(&t));
	/* No cgroup programs: the network guard has none; the others unchanged. */
	memset(t.mech, 0, sizeof(t.mech));
	assert_int_equal(hb_tier_b_assign(HB_GUARD_NET | HB_GUARD_FS, false, &t), HB_GUARD_NET);
	assert_int_equal(t.net, HB_TIER_NONE);
	assert_int_equal(t.fs, HB_TIER_LANDLOCK);
	assert_true(hb_tier_b_keeps_exec_list(&t)); /* exec not asked for */
	/* Landlock too old for truncate(2): the fs guard has none; exec has. */
	memset(t.mech, 0, sizeof(t.mech));
	t.landlock_abi = HB_LANDLOCK_ABI_FS - 1;
	assert_int_equal(hb_tier_b_assign(HB_GUARD_FS | HB_GUARD_EXEC, true, &t), HB_GUARD_FS);
	assert_int_equal(t.exec, HB_TIER_LANDLOCK);
	/* No Landlock at all. */
	memset(t.mech, 0, sizeof(t.mech));
	t.landlock_abi = 0;
	assert_int_equal(hb_tier_b_assign(HB_GUARD_FS | HB_GUARD_EXEC | HB_GUARD_NET, true, &t),
			 HB_GUARD_FS | HB_GUARD_EXEC);
	/* The seal of a root command has no tier B. */
	assert_int_equal(hb_tier_b_assign(HB_GUARD_TAMPER, true, &t), HB_GUARD_TAMPER);
	assert_int_equal(hb_tier_b_assign(0, true, &t), 0);
	/* BPF-LSM keeps an exec list. */
	hb_tier_lsm(&t);
	assert_true(hb_tier_b_keeps_exec_list(&t));
}

static void prog_conditions(void **state)
{
	struct hb_policy p = {};
	struct hb_guard_prog a = { "x", HB_PROG_TIER_A }, b = { "x", HB_PROG_TIER_B },
			     dns = { "x", HB_PROG_DNS }, b_dns = { "x", HB_PROG_B_OR_DNS },
			     w = { "x", HB_PROG_FS_WRITE }, r = { "x", HB_PROG_FS_READ };

	(void)state;
	assert_true(hb_guard_prog_on(&a, &p, HB_TIER_A));
	assert_false(hb_guard_prog_on(&a, &p, HB_TIER_B));
	assert_true(hb_guard_prog_on(&b, &p, HB_TIER_B));
	assert_false(hb_guard_prog_on(&b, &p, HB_TIER_A));
	assert_false(hb_guard_prog_on(&dns, &p, HB_TIER_A));
	assert_true(hb_guard_prog_on(&b_dns, &p, HB_TIER_B));
	assert_false(hb_guard_prog_on(&b_dns, &p, HB_TIER_A));
	p.net = HB_NET_DNS_PROXY;
	assert_true(hb_guard_prog_on(&dns, &p, HB_TIER_A));
	assert_true(hb_guard_prog_on(&dns, &p, HB_TIER_B));
	assert_true(hb_guard_prog_on(&b_dns, &p, HB_TIER_A));
	p.fs = HB_FS_READONLY;
	assert_true(hb_guard_prog_on(&w, &p, HB_TIER_A));
	assert_false(hb_guard_prog_on(&w, &p, HB_TIER_LANDLOCK));
	assert_false(hb_guard_prog_on(&r, &p, HB_TIER_A));
	p.fs |= HB_FS_READ_ROOT;
	assert_true(hb_guard_prog_on(&r, &p, HB_TIER_A));
}

/*
 * Every program a row names is in the BPF object, and every program of
 * the object is some row's (but the agent's cgroup follower, which
 * obj.c selects itself): a program nobody selects would never load.
 */
static void rows_name_the_objects_programs(void **state)
{
	struct hermetic *skel = hermetic__open();
	struct bpf_program *prog;

	(void)state;
	assert_non_null(skel);
	hb_for_each_guard(g)
		for (const struct hb_guard_prog *gp = g->progs; gp->name; gp++)
			if (!bpf_object__find_program_by_name(skel->obj, gp->name))
				fail_msg("the %s row names %s, which the object lacks",
					 g->name, gp->name);
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		bool named = !strcmp(name, "hb_cg_mkdir");

		hb_for_each_guard(g)
			for (const struct hb_guard_prog *gp = g->progs; gp->name; gp++)
				named |= !strcmp(gp->name, name);
		if (!named)
			fail_msg("no guard's row names the program %s", name);
	}
	hermetic__destroy(skel);
}

/* The file @rel of the source tree, whole, or fail. */
static char *read_doc(const char *rel)
{
	const char *dir = getenv("HB_SRCDIR") ? getenv("HB_SRCDIR") : ".";
	char path[4096];
	FILE *f;
	char *text;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: %s (run from the repository's root, or set HB_SRCDIR)", path,
			 strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

/* The next line of *@at (its length in *@len), or NULL at the end. */
static const char *next_line(const char **at, size_t *len)
{
	const char *line = *at;

	if (!*line)
		return NULL;
	*len = strcspn(line, "\n");
	*at = line + *len + (line[*len] == '\n');
	return line;
}

/*
 * docs/policy-file.md's table under "## Keys": a row per key ("| `KEY` |
 * value | option | the agent |"); its last column says "files" where the
 * agent's files read it and "`policy apply`" where apply does.
 */
static void policy_file_doc(void **state)
{
	struct key_set want, keys = {}, files = {}, apply = {};
	char *doc = read_doc("docs/policy-file.md");
	const char *at = strstr(doc, "\n## Keys\n"), *line;
	bool in_table = false;
	size_t len;

	(void)state;
	assert_non_null(at);
	while ((line = next_line(&at, &len))) {
		const char *name, *last;
		size_t n;

		if (strncmp(line, "| `", 3)) {
			if (in_table)
				break;
			continue;
		}
		in_table = true;
		name = line + 3;
		n = strcspn(name, "`");
		/* The last cell: after the next-to-last '|'. */
		last = line + len - 1;
		assert_true(*last == '|');
		while (last > line && last[-1] != '|')
			last--;
		if (n == strlen("version") && !strncmp(name, "version", n))
			continue;
		set_add(&keys, name, n);
		if (memmem(last, (size_t)(line + len - last), "files", 5))
			set_add(&files, name, n);
		if (memmem(last, (size_t)(line + len - last), "`policy apply`", 14))
			set_add(&apply, name, n);
	}
	table_keys(0, &want);
	same_keys(&want, &keys, "docs/policy-file.md's key table");
	table_keys(HB_AGENT_FILE, &want);
	same_keys(&want, &files, "docs/policy-file.md's agent column (files)");
	table_keys(HB_AGENT_APPLY, &want);
	same_keys(&want, &apply, "docs/policy-file.md's agent column (policy apply)");
	free(doc);
}

/* hermetic-bpf.conf(5): ".TP" then ".B KEY" under ".SH KEYS", up to the next ".SH". */
static void man_page(void **state)
{
	char *doc = read_doc("docs/man/hermetic-bpf.conf.5");
	const char *at = strstr(doc, "\n.SH KEYS\n"), *line;
	struct key_set want, keys = {};
	bool tp = false;
	size_t len;

	(void)state;
	assert_non_null(at);
	at++;
	next_line(&at, &len);
	while ((line = next_line(&at, &len)) && strncmp(line, ".SH ", 4)) {
		if (tp && !strncmp(line, ".B ", 3) &&
		    !(len == 10 && !strncmp(line + 3, "version", 7)))
			set_add(&keys, line + 3, len - 3);
		tp = len == 3 && !strncmp(line, ".TP", 3);
	}
	table_keys(0, &want);
	same_keys(&want, &keys, "hermetic-bpf.conf(5)'s KEYS");
	free(doc);
}

/*
 * A marker "<!-- NAME: KEY KEY ... -->" in @doc (@where): it lists exactly
 * the table's keys for @agent, and the paragraph after it names each in
 * backquotes (`KEY...` or `--KEY...`). Returns how many markers it found.
 */
static int check_markers(const char *doc, const char *where, const char *name, __u32 agent)
{
	char open[64];
	const char *at = doc;
	int found = 0;

	snprintf(open, sizeof(open), "<!-- %s:", name);
	while ((at = strstr(at, open))) {
		const char *list = at + strlen(open), *end = strstr(list, "-->"), *para, *stop;
		struct key_set want, keys = {};

		assert_non_null(end);
		while (list < end) {
			size_t n;

			list += strspn(list, " \t\n");
			n = strcspn(list, " \t\n");
			if (list + n > end)
				n = (size_t)(end - list);
			if (n)
				set_add(&keys, list, n);
			list += n;
		}
		table_keys(agent, &want);
		same_keys(&want, &keys, where);
		/* The prose it marks: up to the next blank line. */
		para = end + 3;
		stop = strstr(para, "\n\n");
		if (!stop)
			stop = para + strlen(para);
		for (size_t i = 0; i < want.n; i++) {
			bool named = false;
			char a[40];

			for (int dash = 0; dash < 2 && !named; dash++) {
				const char *p = para;

				snprintf(a, sizeof(a), "`%s%s", dash ? "--" : "", want.name[i]);
				while (!named && (p = memmem(p, (size_t)(stop - p), a, strlen(a)))) {
					p += strlen(a);
					named = *p == '`' || *p == ' ' || *p == '=';
				}
			}
			if (!named)
				fail_msg("%s: the text after <!-- %s --> does not name `%s`", where,
					 name, want.name[i]);
		}
		found++;
		at = end;
	}
	return found;
}

static void spec_markers(void **state)
{
	const char *dir = getenv("HB_SRCDIR") ? getenv("HB_SRCDIR") : ".";
	size_t n_markers = sizeof(spec_markers_of) / sizeof(spec_markers_of[0]);
	int found[sizeof(spec_markers_of) / sizeof(spec_markers_of[0])] = {};
	char path[4096];
	struct dirent *de;
	DIR *d;

	(void)state;
	snprintf(path, sizeof(path), "%s/spec", dir);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char rel[512];
		char *doc;

		if (n < 4 || strcmp(de->d_name + n - 3, ".md"))
			continue;
		snprintf(rel, sizeof(rel), "spec/%s", de->d_name);
		doc = read_doc(rel);
		for (size_t i = 0; i < n_markers; i++)
			found[i] += check_markers(doc, rel, spec_markers_of[i].name,
						  spec_markers_of[i].agent);
		free(doc);
	}
	closedir(d);
	for (size_t i = 0; i < n_markers; i++)
		if (spec_markers_of[i].required && !found[i])
			fail_msg("no spec/*.md carries <!-- %s: ... -->", spec_markers_of[i].name);
}

/* policy apply's --help shows each rule it takes. */
static void apply_usage(void **state)
{
	const struct hb_guard_key *key;
	char text[4096], flag[64];
	FILE *f = fmemopen(text, sizeof(text), "w");

	(void)state;
	assert_non_null(f);
	hb_policy_usage(f);
	fclose(f);
	for (size_t i = 0; (key = hb_key_at(i)); i++) {
		if (!(key->agent & HB_AGENT_APPLY))
			continue;
		snprintf(flag, sizeof(flag), "[--%s", key->name);
		if (!strstr(text, flag))
			fail_msg("policy apply's usage does not show --%s", key->name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows_cover_the_guards),
		cmocka_unit_test(keys_are_run_options),
		cmocka_unit_test(agent_lists),
		cmocka_unit_test(tiers_by_guard),
		cmocka_unit_test(tier_b_assign),
		cmocka_unit_test(prog_conditions),
		cmocka_unit_test(rows_name_the_objects_programs),
		cmocka_unit_test(policy_file_doc),
		cmocka_unit_test(man_page),
		cmocka_unit_test(spec_markers),
		cmocka_unit_test(apply_usage),
		cmocka_unit_test(agent_tiers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
