// SPDX-License-Identifier: GPL-2.0-only
/* The text trace's repeats: one line with a count, order kept (spec/run.md). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "run_state.h"
#include "run_trace.h"

static struct hb_event connect_ev(unsigned port)
{
	struct hb_event e = { .hook = HB_HOOK_CONNECT, .reason = HB_REASON_NET_DISABLED,
			      .family = HB_AF_INET, .port = (__u16)port, .tgid = 42,
			      .verdict = HB_VERDICT_DENY };

	e.addr[10] = e.addr[11] = 0xff;
	e.addr[12] = 127;
	e.addr[15] = 1;
	memcpy(e.comm, "py", 2);
	return e;
}

static void repeats_fold(void **state)
{
	static struct run_state rs; /* big: not on the stack */
	struct hb_event a = connect_ev(80), b = connect_ev(443);
	char out[1024] = "";
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	rs.trace = true;
	rs.trace_fd = p[1];
	assert_int_equal(hb_run_trace_due(&rs), HB_TRACE_HOLD_MS);
	for (int i = 0; i < 4; i++)
		hb_run_trace_text(&rs, &a);
	/* Held, not yet due: nothing written. */
	assert_true(hb_run_trace_due(&rs) > 0);
	hb_run_trace_flush(&rs, false);
	assert_int_equal(read(p[0], out, sizeof(out)), -1);
	hb_run_trace_text(&rs, &b); /* another line writes the held one first */
	hb_run_trace_text(&rs, &a);
	hb_run_trace_flush(&rs, true);
	assert_true(read(p[0], out, sizeof(out) - 1) > 0);
	assert_string_equal(out,
			    "hermetic-bpf: blocked connect 127.0.0.1:80 (pid 42 py): network disabled (4 times)\n"
			    "hermetic-bpf: blocked connect 127.0.0.1:443 (pid 42 py): network disabled\n"
			    "hermetic-bpf: blocked connect 127.0.0.1:80 (pid 42 py): network disabled\n");
	assert_int_equal(rs.held_n, 0);
	/* A JSON trace holds nothing: the clock is not needed. */
	rs.json = true;
	assert_int_equal(hb_run_trace_due(&rs), -1);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(repeats_fold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
