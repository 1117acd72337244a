// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "net_rule.h"
#include "policy_list.h"

static struct hb_policy_list two(struct hb_cgroup_name *names, struct hb_policy *pol,
				 struct hb_stats *st, struct hb_net_key *rules)
{
	struct hb_ip_rule r;
	char why[64];

	memset(names, 0, 2 * sizeof(*names));
	memset(pol, 0, 2 * sizeof(*pol));
	memset(st, 0, 2 * sizeof(*st));
	names[0].id = 7;
	strcpy(names[0].path, "/ci.slice/job");
	pol[0] = (struct hb_policy){ .guards = HB_GUARD_NET | HB_GUARD_TAMPER,
				     .net = HB_NET_ALLOW_LOCALHOST | HB_NET_IP_RULES,
				     .event_burst = 1000, .origin = HB_ORIGIN_APPLY };
	st[0] = (struct hb_stats){ .denied = 3, .events_lost = 1, .events_limited = 2 };
	names[1].id = 8; /* its cgroup is gone: no path */
	pol[1] = (struct hb_policy){ .guards = HB_GUARD_EXEC | HB_GUARD_TAMPER,
				     .origin = HB_ORIGIN_FILE };
	/* One rule each for policy 7 and another sandbox, which 7 must not show. */
	hb_ip_rule_parse("10.0.0.0/8:443", &r, why, sizeof(why));
	hb_ip_rule_key(&r, 7, &rules[0]);
	hb_ip_rule_key(&r, 9, &rules[1]);
	return (struct hb_policy_list){ .n = 2, .names = names, .policies = pol, .stats = st,
					.rules = rules, .n_rules = 2 };
}

static void lines(void **state)
{
	struct hb_cgroup_name names[2];
	struct hb_policy pol[2];
	struct hb_stats st[2];
	struct hb_net_key rules[2];
	struct hb_policy_list l = two(names, pol, st, rules);
	char buf[512];
	int n;

	(void)state;
	n = hb_policy_line(&l, 0, buf, sizeof(buf));
	assert_string_equal(buf, "/ci.slice/job (cgroup id 7): apply; network,seal; "
			    "--no-network --allow-localhost --allow-ip 10.0.0.0/8:443 "
			    "--event-rate 1000; denied 3, events lost 1, limited 2");
	assert_int_equal(n, strlen(buf));
	hb_policy_line(&l, 1, buf, sizeof(buf));
	assert_string_equal(buf, "(cgroup gone) (cgroup id 8): file; exec,seal; "
			    "--no-subprocess --event-rate 0; denied 0, events lost 0, limited 0");
	/* Cut short: terminated, and the length it needed. */
	n = hb_policy_line(&l, 0, buf, 10);
	assert_string_equal(buf, "/ci.slice");
	assert_true(n > 100);
	/* An audit policy says so, and counts what it audited. */
	pol[0].mode = HB_MODE_AUDIT;
	hb_policy_line(&l, 0, buf, sizeof(buf));
	assert_string_equal(buf, "/ci.slice/job (cgroup id 7): apply, audit; network,seal; "
			    "--no-network --allow-localhost --allow-ip 10.0.0.0/8:443 "
			    "--audit --event-rate 1000; audited 3, events lost 1, limited 2");
	assert_string_equal(hb_origin_name(HB_ORIGIN_RUN), "run");
	assert_string_equal(hb_origin_name(77), "unknown");
}

static void paths_under(void **state)
{
	(void)state;
	assert_true(hb_cgroup_path_under("/a", "/a"));
	assert_true(hb_cgroup_path_under("/a/b", "/a"));
	assert_false(hb_cgroup_path_under("/ab", "/a"));
	assert_false(hb_cgroup_path_under("/a", "/a/b"));
	assert_true(hb_cgroup_path_under("/a", "/"));
	assert_false(hb_cgroup_path_under("", "/a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines),
		cmocka_unit_test(paths_under),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
