// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "agent_socket.h"

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
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(requests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
