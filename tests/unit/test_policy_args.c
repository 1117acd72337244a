// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "capture.h"
#include "guard.h"
#include "hermetic_abi.h"
#include "mountinfo.h"
#include "policy_args.h"

#define PARSE(p, ...)                                                           \
	hb_policy_args_parse((int)(sizeof((char *[]){ "policy", __VA_ARGS__ }) / \
				   sizeof(char *)),                              \
			     (char *[]){ "policy", __VA_ARGS__, NULL }, (p))

/* --cgroup as the full path under the cgroup2 mount, as users copy it. */
static void cgroup_full_path(void **state)
{
	struct hb_policy_args p;
	struct hb_mount m;
	char full[PATH_MAX + 64];

	(void)state;
	if (hb_mount_find("cgroup2", &m))
		skip();
	snprintf(full, sizeof(full), "%s/hb-test.slice/job.service", m.target);
	assert_int_equal(PARSE(&p, "show", "--cgroup", full), 0);
	assert_string_equal(p.cgroup, "/hb-test.slice/job.service");
	hb_policy_args_free(&p);
	/* Below the root as before; the mount alone is no cgroup of one's own. */
	assert_int_equal(PARSE(&p, "show", "--cgroup", "/hb-test.slice/job.service"), 0);
	assert_string_equal(p.cgroup, "/hb-test.slice/job.service");
	hb_policy_args_free(&p);
	snprintf(full, sizeof(full), "%s/", m.target);
	assert_int_equal(PARSE(&p, "show", "--cgroup", full), -EINVAL);
}

static void apply_rules(void **state)
{
	struct hb_policy_args p;

	(void)state;
	assert_int_equal(PARSE(&p, "apply", "--cgroup", "/ci.slice/job", "--allow-localhost",
			       "--allow-ip", "10.0.0.0/8:443", "--event-rate=50"), 0);
	assert_int_equal(p.op, HB_POLICY_APPLY);
	assert_string_equal(p.cgroup, "/ci.slice/job");
	assert_int_equal(p.args.rules.guards, HB_GUARD_NET);
	assert_int_equal(p.args.rules.net, HB_NET_ALLOW_LOCALHOST);
	assert_int_equal(p.args.rules.n_ip_rules, 1);
	assert_int_equal(p.args.rules.ip_rules[0].port, 443);
	assert_int_equal(p.args.rules.event_rate, 50);
	hb_policy_args_free(&p);

	/* Not given: the default rate, as in a policy file. */
	assert_int_equal(PARSE(&p, "apply", "--no-network", "--cgroup=/a"), 0);
	assert_int_equal(p.args.rules.event_rate, HB_EVENT_RATE_DEFAULT);
	assert_int_equal(p.args.rules.n_ip_rules, 0);
	assert_false(p.args.rules.audit);
	hb_policy_args_free(&p);

	/* --audit: the policy's mode; a mode alone is no rule. */
	assert_int_equal(PARSE(&p, "apply", "--cgroup=/a", "--no-network", "--audit"), 0);
	assert_true(p.args.rules.audit);
	hb_policy_args_free(&p);
	assert_int_equal(PARSE(&p, "apply", "--cgroup=/a", "--audit"), -EINVAL);

	/* --policy FILE: its rules and cgroup are read once the agent's tier is known. */
	assert_int_equal(PARSE(&p, "apply", "--policy", "/x.conf"), 0);
	assert_string_equal(p.policy_file, "/x.conf");
	assert_string_equal(p.cgroup, "");
	hb_policy_args_free(&p);
	assert_int_equal(PARSE(&p, "apply", "--policy", "/x", "--policy", "/y"), -EINVAL);
	assert_int_equal(PARSE(&p, "show", "--policy", "/x"), -EINVAL);
}

static void show_and_clear(void **state)
{
	struct hb_policy_args p;

	(void)state;
	assert_int_equal(PARSE(&p, "show"), 0);
	assert_int_equal(p.op, HB_POLICY_SHOW);
	assert_string_equal(p.cgroup, "");
	hb_policy_args_free(&p);
	assert_int_equal(PARSE(&p, "show", "--cgroup", "/a/b"), 0);
	assert_string_equal(p.cgroup, "/a/b");
	hb_policy_args_free(&p);
	assert_int_equal(PARSE(&p, "clear", "--cgroup", "/a"), 0);
	assert_int_equal(p.op, HB_POLICY_CLEAR);
	hb_policy_args_free(&p);
	assert_int_equal(PARSE(&p, "--help"), 0);
	assert_true(p.help);
	assert_int_equal(PARSE(&p, "apply", "--help"), 0);
	assert_true(p.help);
	hb_policy_args_free(&p);
}

static void refused(void **state)
{
	struct hb_policy_args p;

	(void)state;
	/* Guards the agent does not enforce yet, and run's other options. */
	assert_int_equal(PARSE(&p, "apply", "--cgroup", "/a", "--allow-domain", "x.org"), -EINVAL);
	assert_int_equal(PARSE(&p, "apply", "--cgroup", "/a", "--no-subprocess"), -EINVAL);
	assert_int_equal(PARSE(&p, "apply", "--cgroup", "/a", "--no-network", "--trace"), -EINVAL);
	assert_int_equal(PARSE(&p, "apply", "--cgroup", "/a", "--seal"), -EINVAL);
	assert_int_equal(PARSE(&p, "apply", "--cgroup", "/a", "-x"), -EINVAL);
	/* No rule, no cgroup, a bad cgroup, a bad value, twice, a stray word. */
	assert_int_equal(PARSE(&p, "apply", "--cgroup", "/a"), -EINVAL);
	assert_int_equal(PARSE(&p, "apply", "--cgroup", "/a", "--event-rate", "5"), -EINVAL);
	assert_int_equal(PARSE(&p, "apply", "--no-network"), -EINVAL);
	assert_int_equal(PARSE(&p, "apply", "--cgroup", "a", "--no-network"), -EINVAL);
	assert_int_equal(PARSE(&p, "apply", "--cgroup", "/a/../b", "--no-network"), -EINVAL);
	assert_int_equal(PARSE(&p, "apply", "--cgroup", "/", "--no-network"), -EINVAL);
	assert_int_equal(PARSE(&p, "apply", "--cgroup", "/a", "--allow-ip", "1.2.3"), -EINVAL);
	assert_int_equal(PARSE(&p, "apply", "--cgroup", "/a", "--event-rate", "-1",
			       "--no-network"), -EINVAL);
	assert_int_equal(PARSE(&p, "apply", "--cgroup", "/a", "--cgroup", "/b",
			       "--no-network"), -EINVAL);
	assert_int_equal(PARSE(&p, "apply", "--cgroup", "/a", "--no-network", "x"), -EINVAL);
	assert_int_equal(PARSE(&p, "apply", "--cgroup"), -EINVAL);
	/* Rules belong to apply only; clear needs its cgroup. */
	assert_int_equal(PARSE(&p, "show", "--no-network"), -EINVAL);
	assert_int_equal(PARSE(&p, "clear", "--cgroup", "/a", "--allow-localhost"), -EINVAL);
	assert_int_equal(PARSE(&p, "clear"), -EINVAL);
	assert_int_equal(PARSE(&p, "remove", "--cgroup", "/a"), -EINVAL);
}

/* What parsing @flag says on stderr, in @out. */
static int said(char *flag, char *out, size_t len)
{
	struct hb_policy_args p;
	int err;

	capture_start();
	err = PARSE(&p, "apply", "--cgroup", "/a", flag);
	capture_end(out, len);
	return err;
}

static void refusal_names_the_flag(void **state)
{
	char text[1024];

	(void)state;
	assert_int_equal(said((char[]){ "--allow-domain=example.org" }, text, sizeof(text)), -EINVAL);
	assert_non_null(strstr(text, "policy apply: --allow-domain: not a flag policy apply"));
	assert_null(strstr(text, "example.org"));
	assert_int_equal(said((char[]){ "--fs-readonly" }, text, sizeof(text)), -EINVAL);
	assert_non_null(strstr(text, "--fs-readonly: not a flag"));
	assert_int_equal(said((char[]){ "--allow-ip=300.0.0.1" }, text, sizeof(text)), -EINVAL);
	assert_non_null(strstr(text, "policy apply: --allow-ip 300.0.0.1: not an IPv4"));
}

/* apply's rules are the guard table's; each is one the agent's files read too. */
static void same_keys_as_agent_files(void **state)
{
	const struct hb_guard_key *key;
	char text[1024];

	(void)state;
	for (size_t i = 0; (key = hb_key_at(i)); i++)
		if (key->agent & HB_AGENT_APPLY)
			assert_true(hb_key_agent(key->name, HB_AGENT_FILE));
	assert_false(hb_key_agent("allow-domain", HB_AGENT_APPLY));
	assert_true(hb_key_agent("allow-domain", HB_AGENT_FILE));
	assert_false(hb_key_agent("cgroup", HB_AGENT_FILE));
	assert_true(hb_key_agent("fs-readonly", HB_AGENT_FILE));
	assert_false(hb_key_agent("fs-readonly", HB_AGENT_APPLY));
	/* The refusal lists them, as it always did. */
	assert_int_equal(said((char[]){ "--no-subprocess" }, text, sizeof(text)), -EINVAL);
	assert_non_null(strstr(text, "it takes --cgroup, --policy and the rules the agent enforces: "
			       "--no-network, --allow-localhost, --allow-ip, --allow-bind, "
			       "--allow-unix, --audit, --event-rate (spec/agent-commands.md)\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(apply_rules),
		cmocka_unit_test(cgroup_full_path),
		cmocka_unit_test(show_and_clear),
		cmocka_unit_test(refused),
		cmocka_unit_test(refusal_names_the_flag),
		cmocka_unit_test(same_keys_as_agent_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
