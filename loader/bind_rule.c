// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "bind_rule.h"

static int fail(char *why, size_t len, const char *msg)
{
	snprintf(why, len, "%s", msg);
	return -EINVAL;
}

/* The port: strict decimal, 1 to 65535, nothing after it. */
static int parse_port(const char *s, size_t len, struct hb_bind_rule *r, char *why,
		      size_t whylen)
{
	unsigned long v = 0;

	if (len && strspn(s, "0123456789") < len && memchr(s, '-', len))
		return fail(why, whylen, "one port per rule, not a range: give each port its own "
			    "--allow-bind");
	if (!len || len > 5 || strspn(s, "0123456789") < len)
		return fail(why, whylen, "expected [ADDR:]PORT[/tcp|/udp], IPv6 as [ADDR]:PORT");
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	if (!v)
		return fail(why, whylen, "port 0 lets the kernel pick any port; name the port "
			    "the service listens on");
	if (v > 65535)
		return fail(why, whylen, "the port must be 1 to 65535");
	r->port = (__u16)v;
	return 0;
}

/* The address before ":PORT": IPv4, or IPv6 inside [ ]; IPv4 becomes mapped. */
static int parse_addr(const char *s, size_t len, struct hb_bind_rule *r, char *why,
		      size_t whylen)
{
	char buf[INET6_ADDRSTRLEN + 2];
	__u8 v4[4];

	if (!len || len >= sizeof(buf))
		return fail(why, whylen, "not an IPv4 address or an IPv6 address in [ ]");
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] == '[') {
		if (buf[len - 1] != ']')
			return fail(why, whylen, "a '[' without ']'");
		buf[len - 1] = '\0';
		if (inet_pton(AF_INET6, buf + 1, r->addr) != 1)
			return fail(why, whylen, "not an IPv6 address inside [ ]");
		return 0;
	}
	if (strchr(buf, ':'))
		return fail(why, whylen, "an IPv6 address with a port is written [ADDR]:PORT, "
			    "such as [::]:8080");
	if (inet_pton(AF_INET, buf, v4) != 1)
		return fail(why, whylen, strchr(buf, '/') ? "a single address, not a network" :
			    "not an IPv4 address or an IPv6 address in [ ]");
	memset(r->addr, 0, 10);
	r->addr[10] = r->addr[11] = 0xff;
	memcpy(r->addr + 12, v4, 4);
	return 0;
}

int hb_bind_rule_parse(const char *spec, struct hb_bind_rule *r, char *why, size_t whylen)
{
	const char *slash, *colon, *close;
	size_t len = strlen(spec);

	memset(r, 0, sizeof(*r));
	r->proto = HB_IPPROTO_TCP;
	/* The protocol: a '/' after the last ']' (IPv6 has none of its own). */
	close = strrchr(spec, ']');
	slash = strrchr(close ? close : spec, '/');
	if (slash) {
		if (!strcmp(slash, "/udp"))
			r->proto = HB_IPPROTO_UDP;
		else if (strcmp(slash, "/tcp"))
			return fail(why, whylen, strchr(slash, ':') ? "a single address, not a network" :
				    "the protocol after '/' must be tcp or udp");
		len = (size_t)(slash - spec);
	}
	colon = memrchr(spec, ':', len);
	if (close && (!colon || colon < close))
		return fail(why, whylen, "expected [ADDR]:PORT after the IPv6 address");
	if (!colon) {
		r->any = true;
		return parse_port(spec, len, r, why, whylen);
	}
	return parse_addr(spec, (size_t)(colon - spec), r, why, whylen) ?:
	       parse_port(colon + 1, len - (size_t)(colon + 1 - spec), r, why, whylen);
}

void hb_bind_rule_key(const struct hb_bind_rule *r, __u64 sandbox_id, struct hb_bind_key *key)
{
	memset(key, 0, sizeof(*key));
	key->sandbox_id = sandbox_id;
	if (!r->any)
		memcpy(key->addr, r->addr, sizeof(key->addr));
	key->port = r->port;
	key->proto = r->proto;
	key->any = r->any;
}

void hb_bind_rule_from_key(const struct hb_bind_key *key, struct hb_bind_rule *r)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->addr, key->addr, sizeof(r->addr));
	r->port = key->port;
	r->proto = key->proto;
	r->any = key->any;
}

int hb_bind_rule_format(const struct hb_bind_rule *r, char *buf, size_t len)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	const char *proto = r->proto == HB_IPPROTO_UDP ? "udp" : "tcp";
	bool v4 = !memcmp(r->addr, mapped, sizeof(mapped));
	char addr[INET6_ADDRSTRLEN];

	if (r->any)
		return snprintf(buf, len, "%u/%s", r->port, proto);
	inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? r->addr + 12 : r->addr, addr, sizeof(addr));
	return snprintf(buf, len, "%s%s%s:%u/%s", v4 ? "" : "[", addr, v4 ? "" : "]", r->port,
			proto);
}
