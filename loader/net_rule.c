// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net_rule.h"

/* Strict decimal in [lo, hi]: no sign, no spaces, no trailing bytes. */
static bool parse_uint(const char *s, size_t len, unsigned long lo,
		       unsigned long hi, unsigned long *out)
{
	unsigned long v = 0;

	if (!len || len > 6)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return v >= lo && v <= hi;
}

static int fail(char *why, size_t len, const char *msg)
{
	snprintf(why, len, "%s", msg);
	return -EINVAL;
}

/* The address part, copied out for inet_pton(); IPv4 becomes mapped. */
static int parse_addr(const char *s, size_t len, bool v6_only,
		      struct hb_ip_rule *r, bool *is_v4)
{
	char buf[INET6_ADDRSTRLEN];
	__u8 v4[4];

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!v6_only && inet_pton(AF_INET, buf, v4) == 1) {
		memset(r->addr, 0, 10);
		r->addr[10] = r->addr[11] = 0xff;
		memcpy(r->addr + 12, v4, 4);
		*is_v4 = true;
		return 0;
	}
	*is_v4 = false;
	return inet_pton(AF_INET6, buf, r->addr) == 1 ? 0 : -EINVAL;
}

/*
 * "::1:80" is the address ::1:80, but a user who wrote it may have meant
 * port 80 of ::1: a bare IPv6 address whose last group is all digits and
 * whose text before that group is an address itself is ambiguous.
 */
static bool port_like(const char *s, size_t len)
{
	const char *last = memrchr(s, ':', len);
	struct hb_ip_rule scratch;
	size_t digits;
	bool v4;

	if (!last || last == s || last[-1] == ':')
		return false;
	digits = len - (size_t)(last + 1 - s);
	if (!digits || digits > 5 || strspn(last + 1, "0123456789") < digits)
		return false;
	return !parse_addr(s, (size_t)(last - s), true, &scratch, &v4);
}

static bool host_bits_set(const struct hb_ip_rule *r)
{
	for (int bit = r->prefix; bit < 128; bit++)
		if (r->addr[bit / 8] & (0x80 >> (bit % 8)))
			return true;
	return false;
}

int hb_ip_rule_parse(const char *spec, struct hb_ip_rule *r, char *why,
		     size_t whylen)
{
	const char *addr = spec, *rest, *slash, *colon = NULL;
	size_t addr_len;
	unsigned long v;
	bool v4, bracket = spec[0] == '[';

	memset(r, 0, sizeof(*r));
	if (bracket) {
		const char *close = strchr(spec, ']');

		if (!close)
			return fail(why, whylen, "a '[' without ']'");
		addr = spec + 1;
		addr_len = (size_t)(close - addr);
		rest = close + 1;
	} else if (strchr(spec, ':') != strrchr(spec, ':')) {
		/* Two colons or more: a bare IPv6 address, which has no port. */
		slash = strchr(spec, '/');
		addr_len = slash ? (size_t)(slash - spec) : strlen(spec);
		rest = spec + addr_len;
		if (!slash && port_like(spec, addr_len))
			return fail(why, whylen, "ambiguous: an IPv6 address with a port is written "
				    "[ADDR]:PORT, such as [::1]:80; the address alone as [ADDR]");
	} else {
		addr_len = strcspn(spec, "/:");
		rest = spec + addr_len;
	}
	if (parse_addr(addr, addr_len, bracket, r, &v4))
		return fail(why, whylen, bracket ? "not an IPv6 address inside [ ]" :
			    "not an IPv4 or IPv6 address");
	r->prefix = 128;
	if (*rest == '/') {
		slash = rest + 1;
		colon = strchr(slash, ':');
		if (!parse_uint(slash, colon ? (size_t)(colon - slash) : strlen(slash),
				0, v4 ? 32 : 128, &v))
			return fail(why, whylen, v4 ? "the prefix length must be 0 to 32" :
				    "the prefix length must be 0 to 128");
		r->prefix = (__u8)(v4 ? 96 + v : v);
		rest = colon ? colon : slash + strlen(slash);
	}
	if (*rest == ':') {
		if (!parse_uint(rest + 1, strlen(rest + 1), 1, 65535, &v))
			return fail(why, whylen, "the port must be 1 to 65535");
		r->port = (__u16)v;
	} else if (*rest) {
		return fail(why, whylen, "expected ADDR[/LEN][:PORT], IPv6 as [ADDR]/LEN:PORT");
	}
	if (host_bits_set(r))
		return fail(why, whylen, "bits are set beyond the prefix length; "
			    "write the network address");
	return 0;
}

void hb_ip_rule_key(const struct hb_ip_rule *r, __u64 sandbox_id,
		    struct hb_net_key *key)
{
	memset(key, 0, sizeof(*key));
	key->prefixlen = HB_NET_KEY_FIXED_BITS + r->prefix;
	memcpy(key->sandbox, &sandbox_id, sizeof(sandbox_id));
	key->port[0] = r->port >> 8;
	key->port[1] = r->port & 0xff;
	memcpy(key->addr, r->addr, sizeof(key->addr));
}

void hb_ip_rule_from_key(const struct hb_net_key *key, struct hb_ip_rule *r)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->addr, key->addr, sizeof(r->addr));
	r->prefix = (__u8)(key->prefixlen - HB_NET_KEY_FIXED_BITS);
	r->port = (__u16)(key->port[0] << 8 | key->port[1]);
}

int hb_ip_rule_format(const struct hb_ip_rule *r, char *buf, size_t len)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	bool v4 = r->prefix >= 96 && !memcmp(r->addr, mapped, sizeof(mapped));
	char addr[INET6_ADDRSTRLEN], port[8] = "";

	/* What hb_ip_rule_parse() reads back to the same rule. */
	inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? r->addr + 12 : r->addr, addr, sizeof(addr));
	if (r->port)
		snprintf(port, sizeof(port), ":%u", r->port);
	return snprintf(buf, len, "%s%s%s/%u%s", !v4 && r->port ? "[" : "", addr,
			!v4 && r->port ? "]" : "", v4 ? r->prefix - 96u : r->prefix, port);
}
