// SPDX-License-Identifier: GPL-2.0-only
/* --allow-ip values: hb_ip_rule_parse() and the trie key it leads to. */
#include <arpa/inet.h>
#include <errno.h>
#include "fuzz.h"
#include "net_rule.h"

static void check_key(const struct hb_ip_rule *r)
{
	const __u64 sandbox = 0x0123456789abcdefULL;
	struct hb_net_key key;

	hb_ip_rule_key(r, sandbox, &key);
	FUZZ_CHECK(key.prefixlen == HB_NET_KEY_FIXED_BITS + r->prefix);
	FUZZ_CHECK(!memcmp(key.sandbox, &sandbox, sizeof(sandbox)));
	FUZZ_CHECK(key.port[0] == r->port >> 8 && key.port[1] == (r->port & 0xff));
	FUZZ_CHECK(!memcmp(key.addr, r->addr, sizeof(key.addr)));
	FUZZ_CHECK(!key.pad[0] && !key.pad[1]);
}

/* The rule written back in its most explicit form must parse to itself. */
static void check_round_trip(const struct hb_ip_rule *r)
{
	char addr[INET6_ADDRSTRLEN], spec[80], why[128];
	struct hb_ip_rule again;

	FUZZ_CHECK(inet_ntop(AF_INET6, r->addr, addr, sizeof(addr)));
	if (r->port)
		snprintf(spec, sizeof(spec), "[%s]/%u:%u", addr, r->prefix, r->port);
	else
		snprintf(spec, sizeof(spec), "[%s]/%u", addr, r->prefix);
	FUZZ_CHECK(hb_ip_rule_parse(spec, &again, why, sizeof(why)) == 0);
	FUZZ_CHECK(!memcmp(again.addr, r->addr, sizeof(r->addr)));
	FUZZ_CHECK(again.prefix == r->prefix && again.port == r->port);
}

/* What status and policy show print (hb_ip_rule_format) reads back the same. */
static void check_shown(const struct hb_ip_rule *r)
{
	struct hb_ip_rule from_key, again;
	struct hb_net_key key;
	char text[80], why[128];

	hb_ip_rule_key(r, 42, &key);
	hb_ip_rule_from_key(&key, &from_key);
	FUZZ_CHECK(!memcmp(&from_key, r, sizeof(*r)));
	FUZZ_CHECK(hb_ip_rule_format(r, text, sizeof(text)) < (int)sizeof(text));
	FUZZ_CHECK(hb_ip_rule_parse(text, &again, why, sizeof(why)) == 0);
	FUZZ_CHECK(!memcmp(again.addr, r->addr, sizeof(r->addr)));
	FUZZ_CHECK(again.prefix == r->prefix && again.port == r->port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = fuzz_cstr(data, size), why[128];
	struct hb_ip_rule r;
	int err;

	if (!spec)
		return 0;
	memset(why, 'x', sizeof(why));
	err = hb_ip_rule_parse(spec, &r, why, sizeof(why));
	if (err) {
		FUZZ_CHECK(err == -EINVAL);
		/* The reason is printed to the user: one printable line. */
		FUZZ_CHECK(why[0] && fuzz_printable(why, sizeof(why)));
	} else {
		FUZZ_CHECK(r.prefix <= 128);
		for (int bit = r.prefix; bit < 128; bit++)
			FUZZ_CHECK(!(r.addr[bit / 8] & (0x80 >> (bit % 8))));
		check_key(&r);
		check_round_trip(&r);
		check_shown(&r);
	}
	free(spec);
	return 0;
}
