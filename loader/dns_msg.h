/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DNS messages as byte buffers, for the proxy: queries from the sandbox,
 * replies built here, responses from upstream. Both sides are untrusted, so
 * every parser bounds its input and fails with -EINVAL. No I/O in here.
 */
#ifndef HB_DNS_MSG_H
#define HB_DNS_MSG_H

#include <arpa/nameser.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "hermetic_abi.h"

/* Largest message (the TCP length prefix is 16 bits). */
#define HB_DNS_MAX_MSG NS_MAXMSG

/* CNAME links followed from the question's name to its addresses. */
#define HB_DNS_MAX_CNAME_LINKS 16

struct hb_dns_question {
	char name[NS_MAXDNAME]; /* presentation form, no trailing dot; "." is the root */
	__u16 qtype;            /* ns_t_a, ns_t_aaaa, ... */
	__u16 qclass;           /* always ns_c_in once parsed */
	__u16 id;
};

struct hb_dns_answer_addr {
	__u8 family;   /* HB_AF_INET or HB_AF_INET6 */
	__u8 addr[16]; /* IPv4 in the first 4 bytes, network order */
	__u32 ttl;     /* seconds: the least TTL on the way from the question */
};

/*
 * A query the proxy handles: QR=0, opcode QUERY, exactly one question, of
 * class IN. Returns 0 with @q filled in, or -EINVAL.
 */
int hb_dns_parse_query(const unsigned char *msg, size_t len,
		       struct hb_dns_question *q);

/*
 * Whether a message hb_dns_parse_query() rejected may still be answered
 * (with FORMERR): its 12-byte header is readable and it is a query. A
 * response is never answered, so two DNS speakers cannot ping-pong.
 */
bool hb_dns_can_reply(const unsigned char *msg, size_t len);

/*
 * A query of @q's name, type and ID alone, as a stub resolver sends it
 * (RD set; no answer, authority or additional records, no EDNS): what the
 * proxy forwards, so nothing else a client wrote leaves it. Returns the
 * length written to @out, -ENOSPC for an @out too small for any query,
 * or -EINVAL when res_mkquery cannot encode it (a name, or no room).
 */
int hb_dns_build_query(const struct hb_dns_question *q, unsigned char *out,
		       size_t outlen);

/*
 * A reply to @query without records: QR=1, the query's ID, opcode and RD,
 * RA=1, @rcode (ns_r_refused, ns_r_servfail, ns_r_formerr, or ns_r_noerror
 * for NODATA), and the query's first question when it is readable (always
 * so after hb_dns_parse_query() accepted it; a FORMERR to garbage has
 * none). Returns the length written to @out, -EINVAL if @query has no
 * header, -ENOSPC if @out is too small.
 */
int hb_dns_build_reply(const unsigned char *query, size_t qlen, int rcode,
		       unsigned char *out, size_t outlen);

/*
 * The addresses a response gives for @q: checks QR=1, @q's ID and exactly
 * @q's question, then returns the A and AAAA records of the answer section
 * whose owner is @q's name or is reached from it through the section's
 * CNAME records (at most HB_DNS_MAX_CNAME_LINKS links). Records of other
 * owners are ignored: an upstream must not get unrelated addresses
 * allowed. Returns the count, -EINVAL for a malformed or mismatched
 * response, -ENOSPC if there are more than @max.
 */
int hb_dns_parse_answers(const unsigned char *msg, size_t len,
			 const struct hb_dns_question *q,
			 struct hb_dns_answer_addr *out, size_t max);

/* A response (QR=1) with this ID: the one awaited, not a stray datagram. */
bool hb_dns_is_response_to(const unsigned char *msg, size_t len, __u16 id);

/* The TC bit; false without a header. */
bool hb_dns_truncated(const unsigned char *msg, size_t len);

/* RCODE (ns_r_noerror, ns_r_nxdomain, ...), or -EINVAL without a header. */
int hb_dns_rcode(const unsigned char *msg, size_t len);

/* Rewrites the ID; a message shorter than a header is left alone. */
void hb_dns_set_id(unsigned char *msg, size_t len, __u16 id);

#endif
