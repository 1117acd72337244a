/* SPDX-License-Identifier: GPL-2.0-only */
/* --allow-bind [ADDR:]PORT[/tcp|/udp] rules, and their keys in hb_bind_rules. */
#ifndef HB_BIND_RULE_H
#define HB_BIND_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include "hermetic_abi.h"

struct hb_bind_rule {
	__u8 addr[16];  /* IPv6, or IPv4-mapped for IPv4; zero when @any */
	__u16 port;     /* 1..65535 */
	__u8 proto;     /* HB_IPPROTO_TCP or HB_IPPROTO_UDP */
	bool any;       /* PORT alone: every local address */
};

/*
 * Parses "8080" (any address, TCP), "0.0.0.0:8080", "[::]:8080",
 * "192.0.2.7:53/udp", "[2001:db8::1]:443/tcp". Port 0, ranges, prefixes
 * and bare IPv6 addresses are errors. On error returns -EINVAL and says
 * what was expected in @why.
 */
int hb_bind_rule_parse(const char *spec, struct hb_bind_rule *r, char *why, size_t whylen);

/* The map key of @r for sandbox @sandbox_id. */
void hb_bind_rule_key(const struct hb_bind_rule *r, __u64 sandbox_id, struct hb_bind_key *key);

/* The rule a map key holds (the key's sandbox left out). */
void hb_bind_rule_from_key(const struct hb_bind_key *key, struct hb_bind_rule *r);

/* @r as hb_bind_rule_parse() reads it back. Returns snprintf()'s length. */
int hb_bind_rule_format(const struct hb_bind_rule *r, char *buf, size_t len);

#endif
