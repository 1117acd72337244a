// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "event_json.h"
#include "unseen.h"
#include "../fuzz/json_valid.h"

/* 2023-11-14T22:13:20Z on the wall clock is 0 on the monotonic one. */
static const struct hb_event_json_ctx ctx = {
	.clock_offset_ns = 1700000000ll * 1000000000ll,
	.cgroup = "/hermetic-bpf/run-1-ab",
};

static struct hb_event ev(unsigned hook, unsigned reason, const char *comm)
{
	struct hb_event e = { .hook = (__u16)hook, .reason = (__u16)reason,
			      .verdict = HB_VERDICT_DENY, .ts_ns = 123456789,
			      .sandbox_id = 7, .cgroup_id = 8, .pid = 43, .tgid = 42,
			      .uid = 1000 };

	memcpy(e.comm, comm, strnlen(comm, sizeof(e.comm)));
	return e;
}

static void set_path(struct hb_event *e, const char *path, size_t len)
{
	memcpy(e->path, path, len);
	e->path_len = (__u16)len;
}

/* The line for @e with @c: one line, valid JSON, and returned without its '\n'. */
static const char *line_with(const struct hb_event *e, const struct hb_event_json_ctx *c)
{
	static char buf[HB_EVENT_JSON_MAX];
	int n = hb_event_json_line(buf, sizeof(buf), e, c);

	assert_true(n > 0);
	assert_int_equal(strlen(buf), n);
	assert_int_equal(buf[n - 1], '\n');
	assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);
	buf[n - 1] = '\0';
	assert_true(json_valid(buf, (size_t)n - 1));
	return buf;
}

static const char *line(const struct hb_event *e)
{
	return line_with(e, &ctx);
}

#define HEAD "{\"schema\":1,\"type\":\"denied\",\"time\":\"2023-11-14T22:13:20.123456789Z\"," \
	     "\"ts_ns\":123456789,\"sandbox\":{\"id\":7,\"cgroup\":\"/hermetic-bpf/run-1-ab\"}," \
	     "\"cgroup_id\":8,\"pid\":43,\"tgid\":42,\"uid\":1000,"

static void connect_exact(void **state)
{
	struct hb_event e = ev(HB_HOOK_CONNECT, HB_REASON_NET_DISABLED, "python3");

	(void)state;
	e.family = HB_AF_INET;
	e.port = 8080;
	e.addr[10] = e.addr[11] = 0xff;
	e.addr[12] = 127;
	e.addr[15] = 1;
	assert_string_equal(line(&e), HEAD "\"comm\":\"python3\",\"hook\":\"connect\","
		"\"action\":\"connect\",\"guard\":\"network\",\"reason\":\"net_disabled\","
		"\"reason_text\":\"network disabled\",\"verdict\":\"deny\",\"family\":\"AF_INET\","
		"\"family_num\":2,\"addr\":\"127.0.0.1\",\"port\":8080}");
	e.family = HB_AF_INET6;
	e.hook = HB_HOOK_SENDMSG;
	assert_non_null(strstr(line(&e), "\"hook\":\"sendmsg\",\"action\":\"sendto\","));
	assert_non_null(strstr(line(&e), "\"family\":\"AF_INET6\",\"family_num\":10,"
					 "\"addr\":\"::ffff:127.0.0.1\",\"port\":8080}"));
	/* No address family this build knows: null, never a made-up one. */
	e.family = 0;
	assert_non_null(strstr(line(&e), "\"family\":null,\"family_num\":0,\"addr\":null,"));
}

static void socket_exact(void **state)
{
	struct hb_event e = ev(HB_HOOK_SOCKET, HB_REASON_NET_SOCKET_KIND, "py");

	(void)state;
	e.family = 17;
	e.port = HB_SOCK_RAW;
	e.protocol = 768;
	assert_non_null(strstr(line(&e), "\"family\":\"AF_PACKET\",\"family_num\":17,"
		"\"sock_type\":\"SOCK_RAW\",\"sock_type_num\":3,\"protocol\":768}"));
}

/* A path chosen by the sandbox: a newline and a quote stay inside the string. */
static void hostile_unix_path(void **state)
{
	struct hb_event e = ev(HB_HOOK_UNIX, HB_REASON_NET_UNIX, "x\n\"y\":1,\"z");
	static const char path[] = "/tmp/a\n{\"type\":\"lost\"}\"b";
	const char *got;

	(void)state;
	e.family = HB_AF_UNIX;
	set_path(&e, path, sizeof(path) - 1);
	got = line(&e);
	assert_non_null(strstr(got, "\"comm\":\"x\\u000a\\\"y\\\":1,\\\"z\""));
	assert_non_null(strstr(got, "\"path\":\"/tmp/a\\u000a{\\\"type\\\":\\\"lost\\\"}"
				    "\\\"b\",\"abstract\":false}"));
}

static void abstract_unix_name(void **state)
{
	struct hb_event e = ev(HB_HOOK_UNIX, HB_REASON_NET_UNIX, "py");

	(void)state;
	e.family = HB_AF_UNIX;
	set_path(&e, "\0x\ny\0z", 6);
	assert_non_null(strstr(line(&e), "\"path\":\"x\\u000ay\\u0000z\",\"abstract\":true}"));
	/* An unnamed socket has no path at all. */
	e.path_len = 0;
	assert_non_null(strstr(line(&e), "\"path\":null,\"abstract\":false}"));
}

static void invalid_utf8_and_rename(void **state)
{
	struct hb_event e = ev(HB_HOOK_FS_WRITE, HB_REASON_FS_READONLY, "sh");

	(void)state;
	e.arg = HB_FS_OP_UNLINK;
	set_path(&e, "/d/\xff\xc3(\xe2\x82\xac", 9);
	assert_non_null(strstr(line(&e), "\"guard\":\"fs\","));
	assert_non_null(strstr(line(&e), "\"op\":\"unlink\",\"path\":\"/d/\\ufffd\\ufffd("
					 "\xe2\x82\xac\"}"));
	e.arg = HB_FS_OP_RENAME;
	set_path(&e, "/w/old\0/o/new", 13);
	assert_non_null(strstr(line(&e), "\"op\":\"rename\",\"path\":\"/w/old\","
					 "\"path2\":\"/o/new\"}"));
	e.hook = HB_HOOK_FS_READ;
	e.reason = HB_REASON_FS_OUTSIDE_ROOT;
	e.arg = HB_FS_OP_STAT;
	set_path(&e, "/etc/passwd", 11);
	assert_non_null(strstr(line(&e), "\"reason\":\"fs_outside_root\","));
	assert_non_null(strstr(line(&e), "\"op\":\"stat\",\"path\":\"/etc/passwd\"}"));
}

static void dns_without_owner(void **state)
{
	struct hb_event e = ev(HB_HOOK_DNS, HB_REASON_DNS_NAME, "");

	(void)state;
	e.tgid = e.pid = 0;
	e.cgroup_id = 0;
	e.protocol = 28;
	set_path(&e, "bad.example", 11);
	assert_non_null(strstr(line(&e), "\"sandbox\":{\"id\":7,\"cgroup\":\"/hermetic-bpf/"
					 "run-1-ab\"},\"pid\":null,\"tgid\":null,\"uid\":null,"
					 "\"comm\":null,\"hook\":\"dns\","));
	assert_non_null(strstr(line(&e), "\"guard\":\"network\","));
	assert_non_null(strstr(line(&e), "\"name\":\"bad.example\",\"qtype\":28}"));
	/* Found who asked: its pid, but the proxy never knows the uid. */
	e.tgid = e.pid = 42;
	memcpy(e.comm, "curl", 4);
	assert_non_null(strstr(line(&e), "\"pid\":42,\"tgid\":42,\"uid\":null,\"comm\":\"curl\""));
}

static void guards_and_objects(void **state)
{
	struct hb_event e = ev(HB_HOOK_EXEC, HB_REASON_EXEC, "sh");

	(void)state;
	set_path(&e, "/bin/sh", 7);
	assert_int_equal(hb_event_guard(&e), HB_GUARD_KIND_EXEC);
	assert_non_null(strstr(line(&e), "\"guard\":\"exec\","));
	assert_non_null(strstr(line(&e), "\"path\":\"/bin/sh\"}"));
	e.reason = HB_REASON_NATIVE_UNTRUSTED;
	assert_int_equal(hb_event_guard(&e), HB_GUARD_KIND_NATIVE);
	e = ev(HB_HOOK_MMAP, HB_REASON_NATIVE_MEMORY, "py");
	e.arg = 5;
	assert_non_null(strstr(line(&e), "\"guard\":\"native\","));
	assert_non_null(strstr(line(&e), "\"path\":null,\"prot\":5}"));
	e = ev(HB_HOOK_CAPABLE, HB_REASON_TAMPER, "insmod");
	e.arg = 16;
	assert_non_null(strstr(line(&e), "\"guard\":\"seal\","));
	assert_non_null(strstr(line(&e), "\"capability\":\"CAP_SYS_MODULE\","
					 "\"capability_num\":16}"));
	e = ev(HB_HOOK_PTRACE, HB_REASON_OUTSIDE, "cat");
	e.arg = 1;
	e.protocol = 0x04; /* a read of /proc/1/environ: --no-env */
	assert_non_null(strstr(line(&e), "\"guard\":\"env\","));
	assert_non_null(strstr(line(&e), "\"target_pid\":1,\"ptrace_mode\":4}"));
	e.protocol = 0x02;
	assert_int_equal(hb_event_guard(&e), HB_GUARD_KIND_SEAL);
	e = ev(HB_HOOK_KILL, HB_REASON_OUTSIDE, "sh");
	e.arg = 1;
	e.protocol = 9;
	assert_non_null(strstr(line(&e), "\"target_pid\":1,\"signal\":9}"));
	e = ev(HB_HOOK_MOUNT, HB_REASON_TAMPER, "mount");
	assert_non_null(strstr(line(&e), "\"verdict\":\"deny\"}"));
	/* Codes this build does not know: null, and the seal as the guard. */
	e = ev(HB_HOOK_MAX + 3, HB_REASON_MAX + 1, "x");
	e.verdict = 9;
	assert_non_null(strstr(line(&e), "\"hook\":null,\"action\":\"action\",\"guard\":\"seal\","
					 "\"reason\":null,\"reason_text\":\"denied\",\"verdict\":9}"));
	e.verdict = HB_VERDICT_AUDIT;
	assert_non_null(strstr(line(&e), "\"type\":\"audited\","));
	assert_non_null(strstr(line(&e), "\"verdict\":\"audit\""));
	/* Numbered by the kernel side; user space's events carry no number. */
	e.seq = 42;
	e.ppid = 7;
	assert_non_null(strstr(line(&e), "\"seq\":42,"));
	assert_non_null(strstr(line(&e), "\"ppid\":7,"));
	e.seq = 0;
	assert_null(strstr(line(&e), "\"seq\""));
}

/* Every byte value in comm and path, and the longest path: still one line. */
static void every_byte(void **state)
{
	struct hb_event e = ev(HB_HOOK_FS_WRITE, HB_REASON_FS_READONLY, "");

	(void)state;
	e.arg = HB_FS_OP_LINK;
	for (size_t i = 0; i < sizeof(e.path); i++)
		e.path[i] = (char)(i == 100 ? 0 : i | 1);
	e.path_len = sizeof(e.path);
	for (size_t i = 0; i < sizeof(e.comm); i++)
		e.comm[i] = (char)(0x80 + i);
	line(&e);
	e.path_len = 0xffff; /* longer than the field: cut to it */
	line(&e);
}

static void small_buffers_and_lost(void **state)
{
	struct hb_event e = ev(HB_HOOK_MOUNT, HB_REASON_TAMPER, "m");
	char buf[HB_EVENT_JSON_MAX];
	int full = hb_event_json_line(buf, sizeof(buf), &e, &ctx);

	(void)state;
	assert_true(full > 0);
	for (size_t len = 0; len <= (size_t)full + 1; len++) {
		int n = hb_event_json_line(buf, len, &e, &ctx);

		if (len > (size_t)full + 1)
			assert_int_equal(n, full);
		else
			assert_int_equal(n, -ENOSPC);
	}
	assert_int_equal(hb_event_json_line(buf, (size_t)full + 2, &e, &ctx), full);
	assert_true(hb_event_json_lost(buf, sizeof(buf), 12, 7, &ctx) > 0);
	assert_non_null(strstr(buf, "\"type\":\"lost\","));
	assert_non_null(strstr(buf, "\"sandbox\":{\"id\":7,\"cgroup\":\"/hermetic-bpf/run-1-ab\"},"
				    "\"count\":12}\n"));
}

static void clock_and_time(void **state)
{
	struct hb_event_json_ctx c = {};
	char t[48];

	(void)state;
	hb_event_json_time(&ctx, 0, t, sizeof(t));
	assert_string_equal(t, "2023-11-14T22:13:20.000000000Z");
	hb_event_json_time(&ctx, 1000000001ull, t, sizeof(t));
	assert_string_equal(t, "2023-11-14T22:13:21.000000001Z");
	/* Before the epoch (a garbage record): clamped, never negative. */
	hb_event_json_time(&c, 0, t, sizeof(t));
	assert_string_equal(t, "1970-01-01T00:00:00.000000000Z");
	hb_event_json_clock(&c);
	assert_true(c.clock_offset_ns > 1700000000ll * 1000000000ll);
}

/* What tells events of many hosts apart: the host, the unit, the container. */
static void host_unit_and_container(void **state)
{
	struct hb_event e = ev(HB_HOOK_CONNECT, HB_REASON_NET_DISABLED, "curl");
	struct hb_event_json_ctx c = ctx;
	const char *l;

	(void)state;
	c.host = "ci-runner-7";
	c.cgroup = "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef"
		   "0123456789abcdef.scope";
	l = line_with(&e, &c);
	assert_non_null(strstr(l, "\"ts_ns\":123456789,\"host\":\"ci-runner-7\",\"sandbox\":"));
	assert_non_null(strstr(l, "\"unit\":\"docker-0123456789abcdef0123456789abcdef"
				  "0123456789abcdef0123456789abcdef.scope\","
				  "\"container\":\"0123456789abcdef0123456789abcdef"
				  "0123456789abcdef0123456789abcdef\"}"));
	/* A service's cgroup: its unit, no container; run's own: neither, no host. */
	c.cgroup = "/system.slice/nginx.service";
	assert_non_null(strstr(line_with(&e, &c), "\"cgroup\":\"/system.slice/nginx.service\","
					       "\"unit\":\"nginx.service\"}"));
	assert_null(strstr(line(&e), "\"host\""));
	assert_null(strstr(line(&e), "\"unit\""));
}

static void summary(void **state)
{
	struct hb_event evs[HB_SUMMARY_EVENTS + 1];
	struct hb_event_json_summary s = { .sandbox_id = 7, .command_status = 137,
					   .signal = 9, .exit_status = 137,
					   .events_lost = 3, .events = evs,
					   .unseen = HB_UNSEEN_FS | HB_UNSEEN_SCOPE,
					   .no_socket = 4 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	for (size_t i = 0; i < HB_SUMMARY_EVENTS + 1; i++) {
		evs[i] = ev(HB_HOOK_UNIX, HB_REASON_NET_UNIX, "a\n\"b");
		set_path(&evs[i], "\0x\n", 3);
	}
	s.n_events = HB_SUMMARY_EVENTS + 1; /* more than it keeps */
	s.by_hook[HB_HOOK_UNIX] = 21;
	s.by_hook[HB_HOOK_NONE] = 2; /* unknown hooks: counted, not named */
	s.by_guard[HB_GUARD_KIND_NETWORK] = 21;
	s.by_guard[HB_GUARD_KIND_SEAL] = 2;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	hb_event_json_summary(f, &s, &ctx);
	fclose(f);
	assert_int_equal(buf[len - 1], '\n');
	assert_ptr_equal(strchr(buf, '\n'), buf + len - 1);
	assert_true(json_valid(buf, len - 1));
	assert_true(!strncmp(buf, "{\"schema\":1,\"type\":\"summary\",\"time\":\"", 37));
	assert_non_null(strstr(buf, "\"command_status\":137,\"signal\":9,\"exit_status\":137,"
				    "\"denied\":23,\"by_guard\":{\"network\":21,\"seal\":2},"
				    "\"by_hook\":{\"unix\":21},\"events_lost\":3,\"events\":[{"));
	assert_non_null(strstr(buf, "}],\"events_truncated\":true,\"unseen\":[\"fs\","
				    "\"scope\"],\"unix_no_socket\":4}\n"));
	/* Exactly HB_SUMMARY_EVENTS objects in the array. */
	len = 0;
	for (char *p = buf; (p = strstr(p, "\"type\":\"denied\"")); p++)
		len++;
	assert_int_equal(len, HB_SUMMARY_EVENTS);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(connect_exact),
		cmocka_unit_test(socket_exact),
		cmocka_unit_test(hostile_unix_path),
		cmocka_unit_test(abstract_unix_name),
		cmocka_unit_test(invalid_utf8_and_rename),
		cmocka_unit_test(dns_without_owner),
		cmocka_unit_test(guards_and_objects),
		cmocka_unit_test(every_byte),
		cmocka_unit_test(small_buffers_and_lost),
		cmocka_unit_test(clock_and_time),
		cmocka_unit_test(host_unit_and_container),
		cmocka_unit_test(summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
