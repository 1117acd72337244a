// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "net_rule.h"

static struct hb_ip_rule ok(const char *spec)
{
	struct hb_ip_rule r;
	char why[128] = "";

	if (hb_ip_rule_parse(spec, &r, why, sizeof(why)))
		fail_msg("%s: %s", spec, why);
	return r;
}

static void expect_addr(const struct hb_ip_rule *r, const char *v6)
{
	unsigned char a[16];

	assert_int_equal(inet_pton(AF_INET6, v6, a), 1);
	assert_memory_equal(r->addr, a, 16);
}

static void forms(void **state)
{
	struct hb_ip_rule r;

	(void)state;
	r = ok("1.2.3.4");
	expect_addr(&r, "::ffff:1.2.3.4");
	assert_int_equal(r.prefix, 128);
	assert_int_equal(r.port, 0);
	r = ok("10.0.0.0/8");
	expect_addr(&r, "::ffff:10.0.0.0");
	assert_int_equal(r.prefix, 104);
	r = ok("10.0.0.0/8:443");
	assert_int_equal(r.prefix, 104);
	assert_int_equal(r.port, 443);
	r = ok("1.2.3.4:53");
	assert_int_equal(r.prefix, 128);
	assert_int_equal(r.port, 53);
	r = ok("0.0.0.0/0");
	assert_int_equal(r.prefix, 96);
	r = ok("::1");
	expect_addr(&r, "::1");
	r = ok("2001:db8::/32");
	assert_int_equal(r.prefix, 32);
	r = ok("[2001:db8::1]:443");
	expect_addr(&r, "2001:db8::1");
	assert_int_equal(r.port, 443);
	r = ok("[2001:db8::]/32:8443");
	assert_int_equal(r.prefix, 32);
	assert_int_equal(r.port, 8443);
	r = ok("[::1]");
	assert_int_equal(r.prefix, 128);
	/* An IPv4-mapped IPv6 rule lands on the same key as its IPv4 twin. */
	r = ok("::ffff:10.0.0.0/104");
	expect_addr(&r, "::ffff:10.0.0.0");
	assert_int_equal(r.prefix, 104);
	r = ok("1.2.3.4:65535");
	assert_int_equal(r.port, 65535);
}

static void bad(const char *spec, const char *want)
{
	struct hb_ip_rule r;
	char why[128] = "";

	assert_int_equal(hb_ip_rule_parse(spec, &r, why, sizeof(why)), -EINVAL);
	if (!strstr(why, want))
		fail_msg("%s: \"%s\" does not say \"%s\"", spec, why, want);
}

static void errors(void **state)
{
	(void)state;
	bad("300.1.1.1", "not an IPv4 or IPv6 address");
	bad("1.2.3", "not an IPv4 or IPv6 address");
	bad("", "not an IPv4 or IPv6 address");
	bad("example.com", "not an IPv4 or IPv6 address");
	bad("10.0.0.0/33", "0 to 32");
	bad("10.0.0.0/", "0 to 32");
	bad("10.0.0.0/-1", "0 to 32");
	bad("10.0.0.0/8a", "0 to 32");
	bad("::/129", "0 to 128");
	bad("1.2.3.4:0", "1 to 65535");
	bad("1.2.3.4:70000", "1 to 65535");
	bad("1.2.3.4:", "1 to 65535");
	bad("1.2.3.4:+53", "1 to 65535");
	bad("[::1", "without ']'");
	bad("[1.2.3.4]:80", "not an IPv6 address");
	bad("[::1]x", "expected ADDR");
	bad("10.0.0.1/8", "beyond the prefix");
	bad("2001:db8::1/32", "beyond the prefix");
}

static void keys(void **state)
{
	struct hb_ip_rule r = ok("10.0.0.0/8:443");
	struct hb_net_key k;
	unsigned long long id = 0x1122334455667788ull;

	(void)state;
	hb_ip_rule_key(&r, id, &k);
	assert_int_equal(k.prefixlen, HB_NET_KEY_FIXED_BITS + 104);
	assert_memory_equal(k.sandbox, &id, 8);
	assert_int_equal(k.port[0], 443 >> 8);
	assert_int_equal(k.port[1], 443 & 0xff);
	assert_memory_equal(k.addr, r.addr, 16);
	assert_int_equal(k.pad[0] | k.pad[1], 0);
}

/* "::1:80" could be a port or an address: only brackets say which. */
static void ipv6_port_needs_brackets(void **state)
{
	struct hb_ip_rule r;

	(void)state;
	bad("::1:80", "[ADDR]:PORT");
	bad("2001:db8::1:443", "ambiguous");
	r = ok("[::1]:80");
	expect_addr(&r, "::1");
	assert_int_equal(r.port, 80);
	r = ok("[::1:80]");
	expect_addr(&r, "::1:80");
	assert_int_equal(r.port, 0);
	r = ok("::1/128:80");
	assert_int_equal(r.port, 80);
	/* Neither "fe80:" nor "1:2:3:4:5:6:7" is an address: no doubt there. */
	r = ok("fe80::1");
	assert_int_equal(r.port, 0);
	r = ok("1:2:3:4:5:6:7:8");
	assert_int_equal(r.port, 0);
	r = ok("::ffff:127.0.0.3");
	assert_int_equal(r.port, 0);
}

/* Each rule, through its key and back to text, reads back the same. */
static void round_trip(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "1.2.3.4", "1.2.3.4/32" },
		{ "10.0.0.0/8:443", "10.0.0.0/8:443" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "::1", "::1/128" },
		{ "2001:db8::/32", "2001:db8::/32" },
		{ "[2001:db8::1]:443", "[2001:db8::1]/128:443" },
		{ "[2001:db8::]/32:53", "[2001:db8::]/32:53" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct hb_ip_rule r = ok(v[i].in), back;
		struct hb_net_key k;

		hb_ip_rule_key(&r, 42, &k);
		hb_ip_rule_from_key(&k, &back);
		assert_memory_equal(&back, &r, sizeof(r));
		assert_int_equal(hb_ip_rule_format(&back, buf, sizeof(buf)), strlen(v[i].out));
		assert_string_equal(buf, v[i].out);
		back = ok(buf);
		assert_memory_equal(&back, &r, sizeof(r));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forms),
		cmocka_unit_test(errors),
		cmocka_unit_test(keys),
		cmocka_unit_test(ipv6_port_needs_brackets),
		cmocka_unit_test(round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
