// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "bind_rule.h"

static struct hb_bind_rule ok(const char *spec)
{
	struct hb_bind_rule r;
	char why[160] = "";

	if (hb_bind_rule_parse(spec, &r, why, sizeof(why)))
		fail_msg("%s: %s", spec, why);
	return r;
}

static void expect_addr(const struct hb_bind_rule *r, const char *v6)
{
	unsigned char a[16];

	assert_int_equal(inet_pton(AF_INET6, v6, a), 1);
	assert_memory_equal(r->addr, a, 16);
}

static void forms(void **state)
{
	struct hb_bind_rule r;

	(void)state;
	r = ok("8080");
	assert_true(r.any);
	assert_int_equal(r.port, 8080);
	assert_int_equal(r.proto, HB_IPPROTO_TCP);
	expect_addr(&r, "::");
	r = ok("0.0.0.0:8080");
	assert_false(r.any);
	expect_addr(&r, "::ffff:0.0.0.0"); /* IPv4's wildcard, mapped */
	r = ok("[::]:8080/tcp");
	assert_false(r.any);
	expect_addr(&r, "::");
	r = ok("192.0.2.7:53/udp");
	expect_addr(&r, "::ffff:192.0.2.7");
	assert_int_equal(r.proto, HB_IPPROTO_UDP);
	assert_int_equal(r.port, 53);
	r = ok("[::ffff:192.0.2.7]:443");
	expect_addr(&r, "::ffff:192.0.2.7"); /* one rule for both spellings */
	r = ok("65535/udp");
	assert_true(r.any);
	assert_int_equal(r.port, 65535);
}

static void refused(void **state)
{
	static const struct {
		const char *spec, *says;
	} bad[] = {
		{ "0", "port 0" }, { "0.0.0.0:0", "port 0" }, { "65536", "1 to 65535" },
		{ "8000-8010", "range" }, { "10.0.0.0/8:80", "network" },
		{ "::1:80", "[ADDR]:PORT" }, { "[::1]", "[ADDR]:PORT" },
		{ "[::1:80", "'['" }, { "80/sctp", "tcp or udp" }, { "80/", "tcp or udp" },
		{ "", "expected" }, { ":80", "IPv4" }, { "host:80", "IPv4" },
		{ "1.2.3.4:", "expected" }, { "1.2.3.4:+80", "expected" },
		{ "[fe80::1%eth0]:80", "IPv6" }, { "080080", "expected" },
	};
	struct hb_bind_rule r;
	char why[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (hb_bind_rule_parse(bad[i].spec, &r, why, sizeof(why)) != -EINVAL)
			fail_msg("'%s' was taken", bad[i].spec);
		if (!strstr(why, bad[i].says))
			fail_msg("'%s': '%s' does not say '%s'", bad[i].spec, why, bad[i].says);
	}
}

static void round_trip(void **state)
{
	static const char *const specs[] = {
		"8080/tcp", "53/udp", "0.0.0.0:8080/tcp", "[::]:8080/tcp",
		"192.0.2.7:53/udp", "[2001:db8::1]:443/tcp",
	};
	struct hb_bind_rule r, back;
	struct hb_bind_key key;
	char text[64];

	(void)state;
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		r = ok(specs[i]);
		hb_bind_rule_format(&r, text, sizeof(text));
		assert_string_equal(text, specs[i]);
		hb_bind_rule_key(&r, 42, &key);
		assert_int_equal(key.sandbox_id, 42);
		assert_int_equal(key.pad, 0);
		hb_bind_rule_from_key(&key, &back);
		assert_memory_equal(&back, &r, sizeof(r));
	}
	/* Any address and the wildcard are two keys: 8080 is not 0.0.0.0:8080. */
	r = ok("8080");
	hb_bind_rule_key(&r, 1, &key);
	assert_int_equal(key.any, 1);
	r = ok("[::]:8080");
	{
		struct hb_bind_key wild;

		hb_bind_rule_key(&r, 1, &wild);
		assert_memory_not_equal(&key, &wild, sizeof(key));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forms),
		cmocka_unit_test(refused),
		cmocka_unit_test(round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
