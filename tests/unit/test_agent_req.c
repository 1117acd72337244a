// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "agent_req.h"

static void requests(void **state)
{
	struct hb_agent_req req = { .version = HB_AGENT_PROTO_VERSION,
				    .op = HB_AGENT_OP_TRACE };
	char longer[64] = {};
	__u32 op;

	(void)state;
	assert_int_equal(hb_agent_req_check(&req, sizeof(req), 0, &op), 0);
	assert_int_equal(op, HB_AGENT_OP_TRACE);
	/* A later op may send more after the header: the header still decides. */
	memcpy(longer, &req, sizeof(req));
	assert_int_equal(hb_agent_req_check(longer, sizeof(longer), 0, &op), 0);
	/* trace reads every sandbox's events: root's only. */
	assert_int_equal(hb_agent_req_check(&req, sizeof(req), 1000, &op), -EPERM);
	assert_int_equal(hb_agent_req_check(&req, sizeof(req) - 1, 0, &op), -EPROTO);
	assert_int_equal(hb_agent_req_check(&req, 0, 0, &op), -EPROTO);
	req.version = HB_AGENT_PROTO_VERSION + 1;
	assert_int_equal(hb_agent_req_check(&req, sizeof(req), 0, &op), -EPROTO);
	req.version = HB_AGENT_PROTO_VERSION;
	req.op = 0;
	assert_int_equal(hb_agent_req_check(&req, sizeof(req), 0, &op), -EOPNOTSUPP);
	req.op = 99;
	assert_int_equal(hb_agent_req_check(&req, sizeof(req), 0, &op), -EOPNOTSUPP);
	/* CONFINE is any user's to ask; the agent checks the rest per request. */
	req.op = HB_AGENT_OP_CONFINE;
	assert_int_equal(hb_agent_req_check(&req, sizeof(req), 1000, &op), 0);
	assert_int_equal(op, HB_AGENT_OP_CONFINE);
}

static void confine_words(void **state)
{
	char *argv[HB_CONFINE_MAX_WORDS + 2];
	char ok[] = "--no-network\0\0true";
	char unterminated[] = { 't', 'r', 'u', 'e' };
	static char many[(HB_CONFINE_MAX_WORDS + 1) * 2];

	(void)state;
	/* sizeof includes the last NUL: three words, one of them empty. */
	assert_int_equal(hb_confine_req_words(ok, sizeof(ok), argv), 4);
	assert_string_equal(argv[0], "run");
	assert_string_equal(argv[1], "--no-network");
	assert_string_equal(argv[2], "");
	assert_string_equal(argv[3], "true");
	assert_null(argv[4]);
	assert_int_equal(hb_confine_req_words(ok, 0, argv), -EPROTO);
	assert_int_equal(hb_confine_req_words(unterminated, sizeof(unterminated), argv),
			 -EPROTO);
	/* At most HB_CONFINE_MAX_WORDS words; one more is refused. */
	memset(many, 0, sizeof(many));
	for (size_t i = 0; i < sizeof(many); i += 2)
		many[i] = 'x';
	assert_int_equal(hb_confine_req_words(many, sizeof(many), argv), -E2BIG);
	assert_int_equal(hb_confine_req_words(many, sizeof(many) - 2, argv),
			 HB_CONFINE_MAX_WORDS + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(requests),
		cmocka_unit_test(confine_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
