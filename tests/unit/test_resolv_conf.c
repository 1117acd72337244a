// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "resolv_conf.h"

static int parse(const char *text, struct sockaddr_storage *out)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int n;

	assert_non_null(f);
	n = hb_resolv_conf_parse(f, out, HB_RESOLV_MAX_NS);
	fclose(f);
	return n;
}

/* "ADDR port" of an entry, e.g. "10.0.0.1 53" or "fe80::1%1 53". */
static const char *show(const struct sockaddr_storage *ss)
{
	static char buf[80];
	char ip[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		snprintf(buf, sizeof(buf), "%s %u", ip, ntohs(sin->sin_port));
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		if (sin6->sin6_scope_id)
			snprintf(buf, sizeof(buf), "%s%%%u %u", ip,
				 sin6->sin6_scope_id, ntohs(sin6->sin6_port));
		else
			snprintf(buf, sizeof(buf), "%s %u", ip,
				 ntohs(sin6->sin6_port));
	}
	return buf;
}

static void nameservers_and_comments(void **state)
{
	struct sockaddr_storage ns[HB_RESOLV_MAX_NS];

	(void)state;
	assert_int_equal(parse("# nameserver 192.0.2.9\n"
			       "; nameserver 192.0.2.8\n"
			       "search example.com\n"
			       "nameserver 10.0.0.1 # the office\n"
			       "options edns0 trust-ad\n"
			       "\tnameserver\t2001:db8::53;\n", ns), 2);
	assert_string_equal(show(&ns[0]), "10.0.0.1 53");
	assert_string_equal(show(&ns[1]), "2001:db8::53 53");
}

static void ipv6_scope(void **state)
{
	struct sockaddr_storage ns[HB_RESOLV_MAX_NS];

	(void)state;
	assert_int_equal(parse("nameserver fe80::1%1\n", ns), 1);
	assert_string_equal(show(&ns[0]), "fe80::1%1 53");
}

static void skips_what_glibc_skips(void **state)
{
	struct sockaddr_storage ns[HB_RESOLV_MAX_NS];

	(void)state;
	assert_int_equal(parse("nameserver\n"
			       "nameserver dns.example.com\n"
			       "nameserver 300.1.1.1\n"
			       "nameservers 192.0.2.1\n"
			       "x nameserver 192.0.2.2\n"
			       "nameserver 127.0.0.53\n", ns), 1);
	assert_string_equal(show(&ns[0]), "127.0.0.53 53");
}

static void at_most_three(void **state)
{
	struct sockaddr_storage ns[HB_RESOLV_MAX_NS];

	(void)state;
	assert_int_equal(parse("nameserver 192.0.2.1\nnameserver 192.0.2.2\n"
			       "nameserver 192.0.2.3\nnameserver 192.0.2.4\n", ns),
			 3);
	assert_string_equal(show(&ns[2]), "192.0.2.3 53");
}

static void load(const char *text, const char *expect0, int expect_n)
{
	char path[] = "/tmp/hb-resolv-XXXXXX";
	struct sockaddr_storage ns[HB_RESOLV_MAX_NS];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(hb_resolv_conf_load(path, ns, HB_RESOLV_MAX_NS), expect_n);
	assert_string_equal(show(&ns[0]), expect0);
	unlink(path);
}

static void default_server(void **state)
{
	struct sockaddr_storage ns[HB_RESOLV_MAX_NS];

	(void)state;
	load("search example.com\n", "127.0.0.1 53", 1);
	load("", "127.0.0.1 53", 1);
	load("nameserver 192.0.2.1\nnameserver ::1\n", "192.0.2.1 53", 2);
	assert_int_equal(hb_resolv_conf_load("/nonexistent/resolv.conf", ns,
					     HB_RESOLV_MAX_NS), 1);
	assert_string_equal(show(&ns[0]), "127.0.0.1 53");
	assert_int_equal(hb_resolv_conf_load("/", ns, HB_RESOLV_MAX_NS), 1);
	assert_string_equal(show(&ns[0]), "127.0.0.1 53");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nameservers_and_comments),
		cmocka_unit_test(ipv6_scope),
		cmocka_unit_test(skips_what_glibc_skips),
		cmocka_unit_test(at_most_three),
		cmocka_unit_test(default_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
