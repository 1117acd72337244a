// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "agent_apply.h"
#include "agent_policy.h"
#include "agent_follow.h"
#include "hermetic_abi.h"

/* The BPF side matches a path whose key is not filled: 254 characters at most. */
static void path_length_limit(void **state)
{
	static struct hb_agent_policy v[2];
	struct hb_policy_set set = { .v = v, .n = 2 };

	(void)state;
	strcpy(v[0].file, "a.conf");
	strcpy(v[0].cgroup, "/short");
	strcpy(v[1].file, "b.conf");
	v[1].cgroup[0] = '/';
	memset(v[1].cgroup + 1, 'x', HB_CG_PATH_MAX - 3);
	v[1].cgroup[HB_CG_PATH_MAX - 2] = '\0';
	assert_int_equal(strlen(v[1].cgroup), 254);
	assert_int_equal(hb_follow_check(&set), 0);
	strcat(v[1].cgroup, "x");
	assert_int_equal(hb_follow_check(&set), -ENAMETOOLONG);
}

/* What the BPF side copies into a re-created cgroup: origin FILE, no first exec. */
static void template_policy(void **state)
{
	struct hb_run_args a = {};
	struct hb_policy p;

	(void)state;
	a.rules.guards = HB_GUARD_NET;
	a.rules.n_ip_rules = 1;
	a.rules.event_rate = 10;
	hb_agent_policy(&a.rules, HB_ORIGIN_FILE, HB_GUARD_TAMPER, &p);
	assert_int_equal(p.guards, HB_GUARD_NET | HB_GUARD_TAMPER);
	assert_int_equal(p.net, HB_NET_IP_RULES);
	assert_int_equal(p.origin, HB_ORIGIN_FILE);
	assert_int_equal(p.first_exec, 0);
	assert_int_equal(p.event_cost_ns, 100000000u);
	assert_int_equal(p.event_burst, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(path_length_limit),
		cmocka_unit_test(template_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
