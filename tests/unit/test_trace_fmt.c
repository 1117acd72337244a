// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "trace_fmt.h"

static struct hb_event ev(unsigned hook, unsigned family, const char *ip,
			  unsigned port, const char *comm)
{
	struct hb_event e = { .hook = (__u16)hook, .reason = HB_REASON_NET_DISABLED,
			      .family = (__u16)family, .port = (__u16)port,
			      .tgid = 42, .pid = 43 };

	/* Events carry IPv4 mapped into IPv6, as the BPF side sends it. */
	if (ip && family == HB_AF_INET6) {
		inet_pton(AF_INET6, ip, e.addr);
	} else if (ip) {
		e.addr[10] = e.addr[11] = 0xff;
		inet_pton(AF_INET, ip, e.addr + 12);
	}
	memcpy(e.comm, comm, strnlen(comm, sizeof(e.comm)));
	return e;
}

static void connect_lines(void **state)
{
	struct hb_event e = ev(HB_HOOK_CONNECT, HB_AF_INET, "127.0.0.1", 8080, "python3");
	char buf[256];

	(void)state;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked connect 127.0.0.1:8080 (pid 42 python3): network disabled");
	e = ev(HB_HOOK_SENDMSG, HB_AF_INET6, "::1", 53, "nc");
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked sendto [::1]:53 (pid 42 nc): network disabled");
	e = ev(HB_HOOK_SENDMSG, HB_AF_UNSPEC, NULL, 0, "x");
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked sendto (address family 0) (pid 42 x): network disabled");
}

static void bind_listen_and_mapped(void **state)
{
	struct hb_event e = ev(HB_HOOK_BIND, HB_AF_INET, "0.0.0.0", 8000, "srv");
	char buf[256];

	(void)state;
	e.reason = HB_REASON_NET_BIND;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked bind 0.0.0.0:8000 (pid 42 srv): "
				 "only loopback addresses may be bound");
	e = ev(HB_HOOK_LISTEN, HB_AF_INET6, "::", 0, "srv");
	e.reason = HB_REASON_NET_BIND;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked listen [::]:0 (pid 42 srv): "
				 "only loopback addresses may be bound");
	/* An IPv6 socket naming an IPv4 peer shows it as the caller wrote it. */
	e = ev(HB_HOOK_CONNECT, HB_AF_INET6, "::ffff:169.254.169.254", 80, "curl");
	e.reason = HB_REASON_NET_METADATA;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked connect [::ffff:169.254.169.254]:80 (pid 42 curl): "
				 "cloud metadata endpoint");
}

static void unix_and_dns_lines(void **state)
{
	struct hb_event e = ev(HB_HOOK_UNIX, HB_AF_UNIX, NULL, 0, "py");
	char buf[512];

	(void)state;
	e.reason = HB_REASON_NET_UNIX;
	e.path_len = 22;
	memcpy(e.path, "/run/docker.sock\0\0\0\0\0\0", 22);
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked unix /run/docker.sock (pid 42 py): "
				 "unix socket not in --allow-unix");
	/* Abstract: a leading NUL, then any bytes, NULs and newlines too. */
	e.path_len = 6;
	memcpy(e.path, "\0x\ny\0z", 6);
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked unix @x\\x0ay\\x00z (pid 42 py): "
				 "unix socket not in --allow-unix");
	e = ev(HB_HOOK_DNS, 0, NULL, 0, "python3");
	e.reason = HB_REASON_DNS_NAME;
	e.path_len = 14;
	memcpy(e.path, "badexample.com", 14);
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked DNS(badexample.com) (pid 42 python3): "
				 "name not in --allow-domain");
	/* The proxy may not find who asked. */
	e.tgid = 0;
	memset(e.comm, 0, sizeof(e.comm));
	e.reason = HB_REASON_DNS_METADATA;
	e.path_len = 8;
	memcpy(e.path, "metadata", 8);
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked DNS(metadata) (pid ? ?): cloud metadata name");
}

static void exec_and_tamper_lines(void **state)
{
	struct hb_event e = ev(HB_HOOK_EXEC, 0, NULL, 0, "sh");
	char buf[512];

	(void)state;
	e.reason = HB_REASON_EXEC;
	e.path_len = 7;
	memcpy(e.path, "/bin/sh", 7);
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked exec path=/bin/sh (pid 42 sh): subprocesses disabled");
	e = ev(HB_HOOK_MMAP, 0, NULL, 0, "python3");
	e.reason = HB_REASON_NATIVE_MEMORY;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked mmap (anonymous memory) (pid 42 python3): "
				 "writable, written or anonymous executable memory");
	e = ev(HB_HOOK_CAPABLE, 0, NULL, 0, "insmod");
	e.reason = HB_REASON_TAMPER;
	e.arg = 16;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked capability CAP_SYS_MODULE (pid 42 insmod): "
				 "would weaken the sandbox");
	e = ev(HB_HOOK_MOUNT, 0, NULL, 0, "mount");
	e.reason = HB_REASON_TAMPER;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked mount (pid 42 mount): would weaken the sandbox");
	e = ev(HB_HOOK_KILL, 0, NULL, 0, "sh");
	e.reason = HB_REASON_OUTSIDE;
	e.arg = 1;
	e.protocol = 9;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked kill pid 1 signal 9 (pid 42 sh): "
				 "the process is outside the sandbox");
	/* A path with a newline cannot forge a line. */
	e = ev(HB_HOOK_FILE_WRITE, 0, NULL, 0, "sh");
	e.reason = HB_REASON_TAMPER;
	e.path_len = 9;
	memcpy(e.path, "/sys/a\nb", 8);
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked write path=/sys/a\\x0ab (pid 42 sh): "
				 "would weaken the sandbox");
}

static struct hb_event fs_ev(unsigned hook, unsigned op, const char *path, size_t len)
{
	struct hb_event e = ev(hook, 0, NULL, 0, "python3");

	e.reason = hook == HB_HOOK_FS_READ ? HB_REASON_FS_OUTSIDE_ROOT : HB_REASON_FS_READONLY;
	e.arg = op;
	e.path_len = (__u16)len;
	memcpy(e.path, path, len);
	return e;
}

static void fs_lines(void **state)
{
	struct hb_event e = fs_ev(HB_HOOK_FS_WRITE, HB_FS_OP_OPEN, "/etc/passwd", 11);
	char buf[1024];

	(void)state;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked open write path=/etc/passwd (pid 42 python3): "
				 "read-only filesystem");
	e = fs_ev(HB_HOOK_FS_WRITE, HB_FS_OP_UNLINK, "/home/me/x", 10);
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked unlink path=/home/me/x (pid 42 python3): "
				 "read-only filesystem");
	/* Two paths travel as "old\0new". */
	e = fs_ev(HB_HOOK_FS_WRITE, HB_FS_OP_RENAME, "/w/a\0/h/a", 9);
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked rename path=/w/a -> /h/a (pid 42 python3): "
				 "read-only filesystem");
	e = fs_ev(HB_HOOK_FS_READ, HB_FS_OP_OPEN, "/etc/shadow", 11);
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked open read-outside-root path=/etc/shadow "
				 "(pid 42 python3): outside the read root");
	e = fs_ev(HB_HOOK_FS_READ, HB_FS_OP_STAT, "/etc", 4);
	e.reason = HB_REASON_FS_TOO_DEEP;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked stat read-outside-root path=/etc (pid 42 python3): "
				 "deeper than the walk's bound below any allowed path");
	/* A hostile name is escaped, in either half of a rename. */
	e = fs_ev(HB_HOOK_FS_WRITE, HB_FS_OP_RENAME, "/a\n\0/b\x1b", 7);
	e.reason = HB_REASON_FS_LINKED;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked rename path=/a\\x0a -> /b\\x1b (pid 42 python3): "
				 "the file has other hard links");
	/* A rename whose second path was lost still shows the first. */
	e = fs_ev(HB_HOOK_FS_WRITE, HB_FS_OP_RENAME, "/a", 2);
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked rename path=/a (pid 42 python3): read-only filesystem");
}

static void socket_lines(void **state)
{
	struct hb_event e = ev(HB_HOOK_SOCKET, 17, NULL, 3, "ping");
	char buf[256];

	(void)state;
	e.protocol = 768;
	e.reason = HB_REASON_NET_SOCKET_KIND;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked socket AF_PACKET SOCK_RAW protocol 768 (pid 42 ping): "
				 "network disabled (this socket kind bypasses connect checks)");
	e = ev(HB_HOOK_SOCKET, 99, NULL, 77, "x");
	e.reason = HB_REASON_UNREADABLE;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked socket family 99 type 77 (pid 42 x): "
				 "request unreadable (denied to be safe)");
}

static void hostile_comm_is_escaped(void **state)
{
	struct hb_event e = ev(HB_HOOK_CONNECT, HB_AF_INET, "10.0.0.1", 1, "");
	char buf[256];

	(void)state;
	memcpy(e.comm, "a\nhermetic\\\xff\x1b", 13);
	memcpy(e.comm + 13, "zqr", 3); /* no NUL: the escape stops at 16 bytes */
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked connect 10.0.0.1:1 (pid 42 a\\x0ahermetic\\x5c\\xff\\x1bzqr): "
				 "network disabled");
	assert_null(strchr(buf, '\n'));
}

static void escape_bounds(void **state)
{
	char out[8];

	(void)state;
	hb_escape("abc\n", 4, out, sizeof(out));
	assert_string_equal(out, "abc\\x0a");
	hb_escape("abcd\n", 5, out, sizeof(out)); /* no room for the escape */
	assert_string_equal(out, "abcd");
	hb_escape("abc", 3, out, 1);
	assert_string_equal(out, "");
}

static void small_buffers_stay_terminated(void **state)
{
	struct hb_event e = ev(HB_HOOK_CONNECT, HB_AF_INET6, "2001:db8::1", 443, "curl");
	char buf[16];

	(void)state;
	assert_true(hb_format_event(&e, buf, sizeof(buf)) > (int)sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

static void summary(void **state)
{
	unsigned long long by_hook[HB_HOOK_MAX] = { 0 };
	char buf[128], tiny[12];

	(void)state;
	by_hook[HB_HOOK_CONNECT] = 1;
	hb_format_summary(by_hook, "blocked", buf, sizeof(buf));
	assert_string_equal(buf, "blocked 1 action (connect 1)");
	by_hook[HB_HOOK_CONNECT] = 2;
	by_hook[HB_HOOK_SENDMSG] = 3;
	by_hook[HB_HOOK_SOCKET] = 1;
	hb_format_summary(by_hook, "blocked", buf, sizeof(buf));
	assert_string_equal(buf, "blocked 6 actions (connect 2, sendto 3, socket 1)");
	assert_int_equal(hb_format_summary(by_hook, "blocked", tiny, sizeof(tiny)), (int)strlen(buf));
	assert_string_equal(tiny, "blocked 6 a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(connect_lines),
		cmocka_unit_test(socket_lines),
		cmocka_unit_test(bind_listen_and_mapped),
		cmocka_unit_test(unix_and_dns_lines),
		cmocka_unit_test(exec_and_tamper_lines),
		cmocka_unit_test(fs_lines),
		cmocka_unit_test(hostile_comm_is_escaped),
		cmocka_unit_test(escape_bounds),
		cmocka_unit_test(small_buffers_stay_terminated),
		cmocka_unit_test(summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
