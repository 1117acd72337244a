/* SPDX-License-Identifier: GPL-2.0-only */
/* --allow-ip ADDR[/LEN][:PORT] rules, and their keys in hb_net_rules. */
#ifndef HB_NET_RULE_H
#define HB_NET_RULE_H

#include <stddef.h>
#include "hermetic_abi.h"

struct hb_ip_rule {
	__u8 addr[16];  /* IPv6, or IPv4-mapped for IPv4; host bits zero */
	__u8 prefix;    /* 0..128 over addr (an IPv4 /n is 96 + n) */
	__u16 port;     /* 0: any port */
};

/*
 * Parses "1.2.3.4", "10.0.0.0/8", "10.0.0.0/8:443", "1.2.3.4:53", "::1",
 * "2001:db8::/32", "[2001:db8::1]:443", "[2001:db8::]/32:443". Host bits
 * beyond the prefix are an error (an ambiguous allow-list entry). On error
 * returns -EINVAL and says what was expected in @why.
 */
int hb_ip_rule_parse(const char *spec, struct hb_ip_rule *r, char *why,
		     size_t whylen);

/* The trie key of @r for sandbox @sandbox_id. */
void hb_ip_rule_key(const struct hb_ip_rule *r, __u64 sandbox_id,
		    struct hb_net_key *key);

/* The rule a trie key holds (the key's sandbox left out). */
void hb_ip_rule_from_key(const struct hb_net_key *key, struct hb_ip_rule *r);

/*
 * @r as hb_ip_rule_parse() reads it back ("10.0.0.0/8:443",
 * "[2001:db8::]/32:443", "::1/128"). Returns snprintf()'s length.
 */
int hb_ip_rule_format(const struct hb_ip_rule *r, char *buf, size_t len);

#endif
