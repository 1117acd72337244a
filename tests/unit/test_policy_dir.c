// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "capture.h"
#include "hermetic_abi.h"
#include "policy_dir.h"
#include "policy_trust.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/hb-policy-dir-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

static void put(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void drop(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static void cgroup_and_unit_keys(void **state)
{
	struct hb_policy_set s;

	(void)state;
	put("a.conf", "[hermetic-bpf]\nversion = 1\ncgroup = /ci.slice/job\n"
		      "[network]\nno-network = yes\nallow-ip = 10.0.0.1/32:443\n");
	put("b.conf", "unit = web.service\nallow-localhost = yes\n");
	put("ignored.txt", "not a policy\n");
	put(".hidden.conf", "not a policy\n");
	assert_int_equal(hb_policy_dir_read(dir, HB_TIER_A, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0].cgroup, "/ci.slice/job");
	assert_int_equal(s.v[0].args.rules.guards, HB_GUARD_NET);
	assert_int_equal(s.v[0].args.rules.n_ip_rules, 1);
	assert_string_equal(s.v[1].cgroup, "/system.slice/web.service");
	assert_true(s.v[1].args.rules.net & HB_NET_ALLOW_LOCALHOST);
	hb_policy_set_free(&s);
	drop("a.conf");
	drop("b.conf");
	drop("ignored.txt");
	drop(".hidden.conf");
}

static void empty_dir_is_an_empty_set(void **state)
{
	struct hb_policy_set s;

	(void)state;
	assert_int_equal(hb_policy_dir_read(dir, HB_TIER_A, &s), 0);
	assert_int_equal(s.n, 0);
	hb_policy_set_free(&s);
	assert_int_equal(hb_policy_dir_read("/nonexistent/hb-policies", HB_TIER_A, &s), -ENOENT);
}

/* One bad file refuses the set: nothing of the good ones is returned. */
static void one_bad_file_refuses_all(void **state)
{
	static const char *const bad[] = {
		"no-network = yes\n",                           /* no cgroup */
		"cgroup = /job\n",                              /* no rule */
		"cgroup = /job\naudit = yes\n",                 /* a mode, no rule */
		"cgroup = job\nno-network = yes\n",             /* relative */
		"cgroup = /\nno-network = yes\n",
		"cgroup = /a/../b\nno-network = yes\n",
		"cgroup = /a//b\nno-network = yes\n",
		"cgroup = /a/.\nno-network = yes\n",
		"unit = web\nno-network = yes\n",
		"unit = a/b.service\nno-network = yes\n",
		"cgroup = /a\nunit = b.service\nno-network = yes\n",
		"cgroup = /a\nno-network = maybe\n",
		"cgroup = /a\nno-subprocess = yes\n",
		"cgroup = /a\nbogus = 1\n",
		"cgroup = /a\n[nowhere]\nno-network = yes\n",
		"cgroup = /a\nthis is not ini\n",
	};
	struct hb_policy_set s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put("a.conf", "cgroup = /good\nno-network = yes\n");
		put("b.conf", bad[i]);
		assert_int_equal(hb_policy_dir_read(dir, HB_TIER_A, &s), -EINVAL);
		assert_int_equal(s.n, 0);
		assert_null(s.v);
	}
	drop("a.conf");
	drop("b.conf");
}

/* A tier B agent refuses the keys of guards it does not serve, by name. */
static void tier_b_refuses_unserved_keys(void **state)
{
	struct hb_policy_set s;

	(void)state;
	put("a.conf", "cgroup = /a\nno-network = yes\nallow-ip = 10.0.0.1\n");
	assert_int_equal(hb_policy_dir_read(dir, HB_TIER_B, &s), 0);
	assert_int_equal(s.n, 1);
	hb_policy_set_free(&s);
	put("b.conf", "cgroup = /b\nfs-readonly = yes\n");
	assert_int_equal(hb_policy_dir_read(dir, HB_TIER_A, &s), 0);
	hb_policy_set_free(&s);
	assert_int_equal(hb_policy_dir_read(dir, HB_TIER_B, &s), -EINVAL);
	assert_int_equal(s.n, 0);
	put("b.conf", "cgroup = /b\nno-network = yes\nallow-write = /tmp\n");
	assert_int_equal(hb_policy_dir_read(dir, HB_TIER_B, &s), -EINVAL);
	/* allow-domain: the agent runs its proxy, in either tier. */
	put("b.conf", "cgroup = /b\nno-network = yes\nallow-domain = example.org\n");
	for (enum hb_tier t = HB_TIER_A; t <= HB_TIER_B; t++) {
		assert_int_equal(hb_policy_dir_read(dir, t, &s), 0);
		assert_int_equal(s.n, 2);
		assert_int_equal(s.v[1].args.rules.n_domains, 1);
		hb_policy_set_free(&s);
	}
	drop("a.conf");
	drop("b.conf");
}

static void two_files_one_cgroup(void **state)
{
	struct hb_policy_set s;

	(void)state;
	put("a.conf", "cgroup = /system.slice/web.service\nno-network = yes\n");
	put("b.conf", "unit = web.service\nno-network = yes\n");
	assert_int_equal(hb_policy_dir_read(dir, HB_TIER_A, &s), -EINVAL);
	assert_int_equal(s.n, 0);
	/* Nested: a task below both would be denied everything. */
	put("a.conf", "cgroup = /ci.slice\nno-network = yes\n");
	put("b.conf", "cgroup = /ci.slice/job\nno-network = yes\n");
	assert_int_equal(hb_policy_dir_read(dir, HB_TIER_A, &s), -EINVAL);
	/* A sibling whose name only starts the same is not nested. */
	put("b.conf", "cgroup = /ci.slice2\nno-network = yes\n");
	assert_int_equal(hb_policy_dir_read(dir, HB_TIER_A, &s), 0);
	assert_int_equal(s.n, 2);
	hb_policy_set_free(&s);
	drop("a.conf");
	drop("b.conf");
}

/* audit = yes in both tiers; policy apply's keys; a key audit cannot hold. */
static void audit_policies(void **state)
{
	char cgroup[PATH_MAX], path[PATH_MAX], first[64] = "";
	struct hb_policy_set s;
	struct hb_run_args a;

	(void)state;
	put("a.conf", "cgroup = /ci.slice/job\nno-network = yes\naudit = yes\n");
	for (enum hb_tier t = HB_TIER_A; t <= HB_TIER_B; t++) {
		assert_int_equal(hb_policy_dir_read(dir, t, &s), 0);
		assert_true(s.v[0].args.rules.audit);
		hb_policy_set_free(&s);
	}
	drop("a.conf");
	/* One file as policy apply reads it: its keys, not the files' fs ones. */
	put("apply.pol", "[network]\nno-network = yes\nallow-localhost = yes\naudit = yes\n");
	snprintf(path, sizeof(path), "%s/apply.pol", dir);
	hb_run_args_init(&a);
	assert_int_equal(hb_policy_file_read_agent(path, HB_AGENT_APPLY, HB_TIER_B, cgroup,
						   sizeof(cgroup), &a), 0);
	assert_string_equal(cgroup, "");
	assert_true(a.rules.audit && (a.rules.net & HB_NET_ALLOW_LOCALHOST));
	hb_run_args_free(&a);
	put("apply.pol", "cgroup = /x\nfs-readonly = yes\n");
	hb_run_args_init(&a);
	assert_int_equal(hb_policy_file_read_agent(path, HB_AGENT_APPLY, HB_TIER_A, cgroup,
						   sizeof(cgroup), &a), -EINVAL);
	hb_run_args_free(&a);
	drop("apply.pol");
	/* A key the agent enforces the same with audit on: refused with audit only. */
	hb_agent_audit_note(first, sizeof(first), "f:2", "allow-ip");
	assert_string_equal(first, "");
	hb_agent_audit_note(first, sizeof(first), "f:3", "allow-domain");
	hb_agent_audit_note(first, sizeof(first), "f:4", "allow-domain");
	assert_string_equal(first, "f:3: allow-domain");
	hb_run_args_init(&a);
	assert_int_equal(hb_agent_audit_check(first, &a.rules), 0);
	a.rules.audit = true;
	assert_int_equal(hb_agent_audit_check(first, &a.rules), -EOPNOTSUPP);
	hb_run_args_free(&a);
}

static void cgroup_values(void **state)
{
	char out[PATH_MAX];

	(void)state;
	assert_int_equal(hb_policy_cgroup_value("f:1", "cgroup", "/a/b.scope", out,
						sizeof(out)), 0);
	assert_string_equal(out, "/a/b.scope");
	assert_int_equal(hb_policy_cgroup_value("f:1", "cgroup", "/a/", out,
						sizeof(out)), -EINVAL);
	assert_int_equal(hb_policy_cgroup_value("f:1", "unit", ".service", out,
						sizeof(out)), -EINVAL);
	assert_int_equal(hb_policy_cgroup_value("f:1", "unit", "x.service", out, 10),
			 -EINVAL);
}

/*
 * The agent reads only what root (or the reader) alone can change: the
 * directory, each file, every directory above; a sticky one above may be
 * writable by all (/tmp).
 */
static void only_trusted_paths(void **state)
{
	char sub[PATH_MAX], file[PATH_MAX], said[1024];
	struct hb_policy_set s;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/d", dir);
	snprintf(file, sizeof(file), "%s/d/a.conf", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs("cgroup = /ci.slice/job\nno-network = yes\n", f);
	fclose(f);
	assert_int_equal(chmod(file, 0644), 0);
	assert_int_equal(hb_policy_dir_read(sub, HB_TIER_A, &s), 0);
	assert_int_equal(s.n, 1);
	hb_policy_set_free(&s);
	/* /tmp above: writable by all, sticky. */
	assert_int_equal(hb_policy_path_trusted("/tmp"), -EPERM);
	assert_int_equal(hb_policy_path_trusted(dir), 0);

	/* A file others can write: refused, named, nothing read. */
	assert_int_equal(chmod(file, 0666), 0);
	capture_start();
	assert_int_equal(hb_policy_dir_read(sub, HB_TIER_A, &s), -EINVAL);
	capture_end(said, sizeof(said));
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(said, "a.conf is writable by all"));
	assert_non_null(strstr(said, "Hint: chown root and chmod go-w"));
	assert_int_equal(chmod(file, 0664), 0); /* its group's, not root's */
	if (getegid() != 0) {
		capture_start();
		assert_int_equal(hb_policy_path_trusted(file), -EPERM);
		capture_end(said, sizeof(said));
		assert_non_null(strstr(said, "writable by its group"));
	}
	assert_int_equal(chmod(file, 0644), 0);

	/* The directory itself, even sticky. */
	assert_int_equal(chmod(sub, 01777), 0);
	capture_start();
	assert_int_equal(hb_policy_dir_read(sub, HB_TIER_A, &s), -EPERM);
	capture_end(said, sizeof(said));
	assert_non_null(strstr(said, "policy set refused; nothing changed"));
	/* A directory above, writable by all without the sticky bit: swappable. */
	assert_int_equal(chmod(sub, 0755), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	capture_start();
	assert_int_equal(hb_policy_path_trusted(file), -EPERM);
	capture_end(said, sizeof(said));
	assert_non_null(strstr(said, "the directory above it"));
	assert_int_equal(chmod(dir, 01777), 0);
	assert_int_equal(hb_policy_path_trusted(file), 0);
	assert_int_equal(chmod(dir, 0700), 0);

	/* Another user's file (as root only: chown). */
	if (geteuid() == 0) {
		assert_int_equal(chown(file, 65534, 65534), 0);
		capture_start();
		assert_int_equal(hb_policy_path_trusted(file), -EPERM);
		capture_end(said, sizeof(said));
		assert_non_null(strstr(said, "owned by another user"));
		assert_int_equal(chown(file, 0, 0), 0);
	}
	assert_int_equal(hb_policy_path_trusted(file), 0);
	/* A path that is not there. */
	capture_start();
	assert_int_equal(hb_policy_path_trusted("/nonexistent/hb-policies"), -ENOENT);
	capture_end(said, sizeof(said));
	unlink(file);
	rmdir(sub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cgroup_and_unit_keys),
		cmocka_unit_test(empty_dir_is_an_empty_set),
		cmocka_unit_test(one_bad_file_refuses_all),
		cmocka_unit_test(two_files_one_cgroup),
		cmocka_unit_test(tier_b_refuses_unserved_keys),
		cmocka_unit_test(audit_policies),
		cmocka_unit_test(cgroup_values),
		cmocka_unit_test(only_trusted_paths),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
