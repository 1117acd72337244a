// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <resolv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "dns_msg.h"

#define QR 0x8000
#define TC 0x0200
#define RD 0x0100
#define OPCODE(o) ((o) << 11)

/* Test data, written byte by byte. */
struct msg {
	unsigned char b[4096];
	size_t len;
};

static void put16(struct msg *m, unsigned int v)
{
	ns_put16(v, m->b + m->len);
	m->len += 2;
}

static void put_name(struct msg *m, const char *name)
{
	int n = dn_comp(name, m->b + m->len, (int)(sizeof(m->b) - m->len), NULL, NULL);

	assert_true(n > 0);
	m->len += (size_t)n;
}

static void header(struct msg *m, unsigned int id, unsigned int flags,
		   unsigned int qd, unsigned int an, unsigned int ar)
{
	m->len = 0;
	put16(m, id);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, 0);
	put16(m, ar);
}

static void question(struct msg *m, const char *name, unsigned int type,
		     unsigned int class)
{
	put_name(m, name);
	put16(m, type);
	put16(m, class);
}

/* One IN record; @rdata NULL with @rdlen 0 leaves rdata to the caller. */
static void rr(struct msg *m, const char *owner, unsigned int type,
	       unsigned int ttl, const void *rdata, size_t rdlen)
{
	put_name(m, owner);
	put16(m, type);
	put16(m, ns_c_in);
	ns_put32(ttl, m->b + m->len);
	m->len += 4;
	put16(m, (unsigned int)rdlen);
	memcpy(m->b + m->len, rdata, rdlen);
	m->len += rdlen;
}

static void rr_addr(struct msg *m, const char *owner, const char *ip,
		    unsigned int ttl)
{
	unsigned char a[16];
	int v6 = strchr(ip, ':') != NULL;

	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, ip, a), 1);
	rr(m, owner, v6 ? ns_t_aaaa : ns_t_a, ttl, a, v6 ? 16 : 4);
}

static void rr_cname(struct msg *m, const char *owner, const char *target,
		     unsigned int ttl)
{
	unsigned char wire[NS_MAXCDNAME];
	int n = dn_comp(target, wire, sizeof(wire), NULL, NULL);

	assert_true(n > 0);
	rr(m, owner, ns_t_cname, ttl, wire, (size_t)n);
}

static struct hb_dns_question q_for(const char *name, unsigned int type,
				    unsigned int id)
{
	struct hb_dns_question q = { .qtype = (__u16)type, .qclass = ns_c_in,
				     .id = (__u16)id };

	snprintf(q.name, sizeof(q.name), "%s", name);
	return q;
}

/* A response to @q's question with @an answers to follow. */
static void response(struct msg *m, const struct hb_dns_question *q,
		     unsigned int an)
{
	header(m, q->id, QR | RD, 1, an, 0);
	question(m, q->name, q->qtype, q->qclass);
}

static void parses_glibc_query(void **state)
{
	unsigned char buf[512];
	struct hb_dns_question q;
	int n;

	(void)state;
	n = res_mkquery(ns_o_query, "Api.Example.com", ns_c_in, ns_t_aaaa, NULL,
			0, NULL, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(hb_dns_parse_query(buf, (size_t)n, &q), 0);
	assert_string_equal(q.name, "Api.Example.com");
	assert_int_equal(q.qtype, ns_t_aaaa);
	assert_int_equal(q.qclass, ns_c_in);
	assert_int_equal(q.id, ns_get16(buf));
}

static void forwarded_query_has_the_question_alone(void **state)
{
	unsigned char out[512];
	struct hb_dns_question q, back;
	struct msg m;
	int n;

	(void)state;
	/* A query with a TXT record of the client's in the additional section. */
	header(&m, 0x4242, RD, 1, 0, 1);
	question(&m, "Api.Example.com", ns_t_a, ns_c_in);
	rr(&m, "x.example.com", ns_t_txt, 0, "\x06secret", 7);
	assert_int_equal(hb_dns_parse_query(m.b, m.len, &q), 0);
	n = hb_dns_build_query(&q, out, sizeof(out));
	assert_true(n > 0);
	/* Header, the name (17 bytes in wire form), type and class: no more. */
	assert_int_equal(n, HFIXEDSZ + 17 + QFIXEDSZ);
	assert_int_equal(ns_get16(out), 0x4242);
	assert_int_equal(ns_get16(out + 4), 1);
	assert_int_equal(ns_get16(out + 6) | ns_get16(out + 8) | ns_get16(out + 10), 0);
	assert_true(ns_get16(out + 2) & RD);
	assert_null(memmem(out, (size_t)n, "secret", 6));
	assert_int_equal(hb_dns_parse_query(out, (size_t)n, &back), 0);
	assert_string_equal(back.name, "Api.Example.com");
	assert_int_equal(back.qtype, ns_t_a);
	assert_int_equal(hb_dns_build_query(&q, out, 10), -ENOSPC);
}

static void parses_root_query(void **state)
{
	struct hb_dns_question q;
	struct msg m;

	(void)state;
	header(&m, 1, RD, 1, 0, 0);
	question(&m, ".", ns_t_ns, ns_c_in);
	assert_int_equal(hb_dns_parse_query(m.b, m.len, &q), 0);
	assert_string_equal(q.name, ".");
}

static void rejects_bad_queries(void **state)
{
	struct hb_dns_question q;
	struct msg m;

	(void)state;
	header(&m, 1, QR, 1, 0, 0);
	question(&m, "example.com", ns_t_a, ns_c_in);
	assert_int_equal(hb_dns_parse_query(m.b, m.len, &q), -EINVAL);
	assert_false(hb_dns_can_reply(m.b, m.len)); /* never answer a response */

	header(&m, 1, OPCODE(ns_o_update), 1, 0, 0);
	question(&m, "example.com", ns_t_a, ns_c_in);
	assert_int_equal(hb_dns_parse_query(m.b, m.len, &q), -EINVAL);
	assert_true(hb_dns_can_reply(m.b, m.len));

	header(&m, 1, RD, 2, 0, 0);
	question(&m, "example.com", ns_t_a, ns_c_in);
	question(&m, "example.org", ns_t_a, ns_c_in);
	assert_int_equal(hb_dns_parse_query(m.b, m.len, &q), -EINVAL);

	header(&m, 1, RD, 0, 0, 0);
	assert_int_equal(hb_dns_parse_query(m.b, m.len, &q), -EINVAL);
	assert_true(hb_dns_can_reply(m.b, m.len));

	header(&m, 1, RD, 1, 0, 0);
	question(&m, "version.bind", ns_t_txt, ns_c_chaos);
	assert_int_equal(hb_dns_parse_query(m.b, m.len, &q), -EINVAL);

	/* Garbage after the question. */
	header(&m, 1, RD, 1, 0, 0);
	question(&m, "example.com", ns_t_a, ns_c_in);
	m.b[m.len++] = 0xff;
	assert_int_equal(hb_dns_parse_query(m.b, m.len, &q), -EINVAL);
}

static void rejects_truncated_queries(void **state)
{
	struct hb_dns_question q;
	struct msg m;

	(void)state;
	header(&m, 1, RD, 1, 0, 0);
	question(&m, "example.com", ns_t_a, ns_c_in);
	assert_int_equal(hb_dns_parse_query(m.b, 0, &q), -EINVAL);
	assert_int_equal(hb_dns_parse_query(m.b, 11, &q), -EINVAL);
	assert_false(hb_dns_can_reply(m.b, 11));
	assert_int_equal(hb_dns_parse_query(m.b, 12, &q), -EINVAL);
	assert_true(hb_dns_can_reply(m.b, 12));
	assert_int_equal(hb_dns_parse_query(m.b, 12 + 5, &q), -EINVAL);  /* in the name */
	assert_int_equal(hb_dns_parse_query(m.b, m.len - 2, &q), -EINVAL); /* no class */
	assert_int_equal(hb_dns_parse_query(m.b, m.len, &q), 0);
}

static void rejects_pointer_loops(void **state)
{
	struct hb_dns_question q;
	struct msg m;

	(void)state;
	header(&m, 1, RD, 1, 0, 0);
	m.b[m.len++] = 0xc0; /* the name points at itself */
	m.b[m.len++] = 12;
	put16(&m, ns_t_a);
	put16(&m, ns_c_in);
	assert_int_equal(hb_dns_parse_query(m.b, m.len, &q), -EINVAL);

	header(&m, 1, RD, 1, 0, 0);
	m.b[m.len++] = 1; /* "a" then a pointer back to "a" */
	m.b[m.len++] = 'a';
	m.b[m.len++] = 0xc0;
	m.b[m.len++] = 12;
	put16(&m, ns_t_a);
	put16(&m, ns_c_in);
	assert_int_equal(hb_dns_parse_query(m.b, m.len, &q), -EINVAL);
}

static void check_reply(const unsigned char *b, int len, unsigned int id,
			int rcode)
{
	ns_msg h;
	ns_rr r;

	assert_true(len > 0);
	assert_int_equal(ns_initparse(b, len, &h), 0);
	assert_int_equal(ns_msg_id(h), id);
	assert_int_equal(ns_msg_getflag(h, ns_f_qr), 1);
	assert_int_equal(ns_msg_getflag(h, ns_f_opcode), ns_o_query);
	assert_int_equal(ns_msg_getflag(h, ns_f_rd), 1);
	assert_int_equal(ns_msg_getflag(h, ns_f_ra), 1);
	assert_int_equal(ns_msg_getflag(h, ns_f_aa), 0);
	assert_int_equal(ns_msg_getflag(h, ns_f_rcode), rcode);
	assert_int_equal(hb_dns_rcode(b, (size_t)len), rcode);
	assert_int_equal(ns_msg_count(h, ns_s_qd), 1);
	assert_int_equal(ns_msg_count(h, ns_s_an), 0);
	assert_int_equal(ns_msg_count(h, ns_s_ns), 0);
	assert_int_equal(ns_msg_count(h, ns_s_ar), 0);
	assert_int_equal(ns_parserr(&h, ns_s_qd, 0, &r), 0);
	assert_string_equal(ns_rr_name(r), "api.example.com");
	assert_int_equal(ns_rr_type(r), ns_t_txt);
	assert_int_equal(ns_rr_class(r), ns_c_in);
}

static void builds_replies(void **state)
{
	static const int rcodes[] = { ns_r_refused, ns_r_servfail,
				      ns_r_formerr, ns_r_noerror };
	unsigned char out[512];
	struct msg m;
	int len;

	(void)state;
	header(&m, 0xbeef, RD, 1, 0, 1);
	question(&m, "api.example.com", ns_t_txt, ns_c_in);
	rr_addr(&m, "x", "192.0.2.1", 1); /* not copied */
	for (size_t i = 0; i < sizeof(rcodes) / sizeof(rcodes[0]); i++) {
		len = hb_dns_build_reply(m.b, m.len, rcodes[i], out, sizeof(out));
		check_reply(out, len, 0xbeef, rcodes[i]);
	}
	assert_int_equal(len, 12 + 17 + 4); /* header, name, type and class */
	assert_int_equal(hb_dns_build_reply(m.b, m.len, 5, out, (size_t)len), len);
	assert_int_equal(hb_dns_build_reply(m.b, m.len, 5, out, (size_t)len - 1), -ENOSPC);
	assert_int_equal(hb_dns_build_reply(m.b, m.len, 5, out, 11), -ENOSPC);
	assert_int_equal(hb_dns_build_reply(m.b, 11, 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(hb_dns_build_reply(m.b, m.len, 16, out, sizeof(out)), -EINVAL);
}

/* A question whose name points past itself is written out in full. */
static void reply_expands_question(void **state)
{
	unsigned char out[512];
	struct msg m;
	int len;

	(void)state;
	header(&m, 7, RD, 1, 0, 0);
	m.b[m.len++] = 3;
	memcpy(m.b + m.len, "api", 3);
	m.len += 3;
	m.b[m.len++] = 0xc0;
	m.b[m.len++] = 22; /* after type and class: "example.com" */
	put16(&m, ns_t_txt);
	put16(&m, ns_c_in);
	put_name(&m, "example.com");
	len = hb_dns_build_reply(m.b, m.len, ns_r_formerr, out, sizeof(out));
	check_reply(out, len, 7, ns_r_formerr);
}

static void formerr_to_a_bare_header(void **state)
{
	unsigned char out[512];
	struct msg m;
	ns_msg h;

	(void)state;
	header(&m, 9, RD, 3, 0, 0); /* claims questions it does not have */
	assert_int_equal(hb_dns_build_reply(m.b, m.len, ns_r_formerr, out,
					    sizeof(out)), 12);
	assert_int_equal(ns_initparse(out, 12, &h), 0);
	assert_int_equal(ns_msg_id(h), 9);
	assert_int_equal(ns_msg_count(h, ns_s_qd), 0);
	assert_int_equal(ns_msg_getflag(h, ns_f_rcode), ns_r_formerr);
}

static void plain_a_and_aaaa(void **state)
{
	struct hb_dns_question q = q_for("example.com", ns_t_a, 0x1234);
	struct hb_dns_answer_addr a[4];
	unsigned char v6[16];
	struct msg m;

	(void)state;
	response(&m, &q, 1);
	rr_addr(&m, "example.com", "192.0.2.1", 300);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), 1);
	assert_int_equal(a[0].family, HB_AF_INET);
	assert_memory_equal(a[0].addr, "\xc0\x00\x02\x01", 4);
	assert_int_equal(a[0].ttl, 300);

	q = q_for("v6.example.com", ns_t_aaaa, 1);
	response(&m, &q, 1);
	rr_addr(&m, "V6.EXAMPLE.COM.", "2001:db8::1", 60);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), 1);
	assert_int_equal(a[0].family, HB_AF_INET6);
	inet_pton(AF_INET6, "2001:db8::1", v6);
	assert_memory_equal(a[0].addr, v6, 16);
	assert_int_equal(a[0].ttl, 60);

	/* NXDOMAIN, NODATA: nothing to allow. */
	response(&m, &q, 0);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), 0);
}

static void cname_chain_across_domains(void **state)
{
	struct hb_dns_question q = q_for("www.example.com", ns_t_a, 2);
	struct hb_dns_answer_addr a[4];
	struct msg m;

	(void)state;
	response(&m, &q, 4);
	/* Out of order on purpose: the chain is found, not assumed. */
	rr_addr(&m, "edge.cdn.example.org", "192.0.2.7", 300);
	rr_cname(&m, "cdn.example.net", "edge.cdn.example.org", 30);
	rr_cname(&m, "www.example.com", "cdn.example.net", 600);
	rr_addr(&m, "edge.cdn.example.org", "192.0.2.8", 20);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), 2);
	assert_memory_equal(a[0].addr, "\xc0\x00\x02\x07", 4);
	assert_int_equal(a[0].ttl, 30); /* the least on the way */
	assert_memory_equal(a[1].addr, "\xc0\x00\x02\x08", 4);
	assert_int_equal(a[1].ttl, 20);
}

static void unrelated_owners_ignored(void **state)
{
	struct hb_dns_question q = q_for("example.com", ns_t_a, 3);
	struct hb_dns_answer_addr a[4];
	struct msg m;

	(void)state;
	header(&m, q.id, QR, 1, 4, 1);
	question(&m, q.name, q.qtype, q.qclass);
	rr_addr(&m, "evil.example.org", "203.0.113.66", 300);
	rr_cname(&m, "other.example.com", "evil.example.org", 300);
	rr_addr(&m, "badexample.com", "203.0.113.67", 300);
	rr_addr(&m, "example.com", "192.0.2.1", 300);
	rr_addr(&m, "example.com", "203.0.113.68", 300); /* additional: not an answer */
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), 1);
	assert_memory_equal(a[0].addr, "\xc0\x00\x02\x01", 4);
}

static void cname_loops_end(void **state)
{
	struct hb_dns_question q = q_for("a.example.com", ns_t_a, 4);
	struct hb_dns_answer_addr a[4];
	struct msg m;

	(void)state;
	response(&m, &q, 3);
	rr_cname(&m, "a.example.com", "b.example.com", 300);
	rr_cname(&m, "b.example.com", "A.example.com", 300);
	rr_addr(&m, "b.example.com", "192.0.2.2", 300);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), 1);

	response(&m, &q, 1);
	rr_cname(&m, "a.example.com", "a.example.com", 300);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), 0);
}

/* Links beyond HB_DNS_MAX_CNAME_LINKS are not followed. */
static void long_chains_bounded(void **state)
{
	struct hb_dns_question q = q_for("n0.example.com", ns_t_a, 5);
	struct hb_dns_answer_addr a[4];
	char from[32], to[32];
	struct msg m;

	(void)state;
	response(&m, &q, 20 + 2);
	for (int i = 0; i < 20; i++) {
		snprintf(from, sizeof(from), "n%d.example.com", i);
		snprintf(to, sizeof(to), "n%d.example.com", i + 1);
		rr_cname(&m, from, to, 300);
	}
	snprintf(to, sizeof(to), "n%d.example.com", HB_DNS_MAX_CNAME_LINKS);
	rr_addr(&m, to, "192.0.2.16", 300);
	snprintf(to, sizeof(to), "n%d.example.com", HB_DNS_MAX_CNAME_LINKS + 1);
	rr_addr(&m, to, "192.0.2.17", 300);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), 1);
	assert_memory_equal(a[0].addr, "\xc0\x00\x02\x10", 4);
}

static void mismatched_responses(void **state)
{
	struct hb_dns_question q = q_for("example.com", ns_t_a, 6);
	struct hb_dns_question other;
	struct hb_dns_answer_addr a[4];
	struct msg m;

	(void)state;
	other = q_for("example.com", ns_t_a, 7);
	response(&m, &other, 1);
	rr_addr(&m, "example.com", "192.0.2.1", 300);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), -EINVAL);

	other = q_for("example.org", ns_t_a, 6);
	response(&m, &other, 1);
	rr_addr(&m, "example.com", "192.0.2.1", 300);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), -EINVAL);

	other = q_for("example.com", ns_t_aaaa, 6);
	response(&m, &other, 1);
	rr_addr(&m, "example.com", "192.0.2.1", 300);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), -EINVAL);

	header(&m, q.id, RD, 1, 1, 0); /* QR=0 */
	question(&m, q.name, q.qtype, q.qclass);
	rr_addr(&m, "example.com", "192.0.2.1", 300);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), -EINVAL);

	header(&m, q.id, QR, 0, 1, 0); /* no question */
	rr_addr(&m, "example.com", "192.0.2.1", 300);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), -EINVAL);

	other = q_for("EXAMPLE.com.", ns_t_a, 6); /* only the case differs */
	response(&m, &other, 1);
	rr_addr(&m, "example.com", "192.0.2.1", 300);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), 1);
}

static void malformed_records(void **state)
{
	struct hb_dns_question q = q_for("example.com", ns_t_a, 8);
	struct hb_dns_answer_addr a[4];
	struct msg m;

	(void)state;
	response(&m, &q, 1);
	rr_addr(&m, "example.com", "192.0.2.1", 300);
	for (size_t cut = 1; cut < 16; cut++)
		assert_int_equal(hb_dns_parse_answers(m.b, m.len - cut, &q, a, 4),
				 -EINVAL);

	response(&m, &q, 1);
	rr(&m, "example.com", ns_t_a, 300, "\xc0\x00\x02\x01\x00", 5);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), -EINVAL);

	response(&m, &q, 2); /* a CNAME whose target runs past its rdata */
	rr(&m, "example.com", ns_t_cname, 300, "\x01x\x00", 2);
	rr_addr(&m, "x", "192.0.2.1", 300);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 4), -EINVAL);
}

static void more_than_max(void **state)
{
	struct hb_dns_question q = q_for("example.com", ns_t_a, 9);
	struct hb_dns_answer_addr a[3];
	struct msg m;

	(void)state;
	response(&m, &q, 3);
	rr_addr(&m, "example.com", "192.0.2.1", 300);
	rr_addr(&m, "example.com", "192.0.2.2", 300);
	rr_addr(&m, "example.com", "192.0.2.3", 0x80000001u);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 2), -ENOSPC);
	assert_int_equal(hb_dns_parse_answers(m.b, m.len, &q, a, 3), 3);
	assert_int_equal(a[2].ttl, 0); /* RFC 2181: top bit set reads as 0 */
}

static void header_accessors(void **state)
{
	struct msg m;

	(void)state;
	header(&m, 0x4242, QR | TC | 3, 0, 0, 0);
	assert_true(hb_dns_is_response_to(m.b, m.len, 0x4242));
	assert_false(hb_dns_is_response_to(m.b, m.len, 0x4243));
	assert_false(hb_dns_is_response_to(m.b, 11, 0x4242));
	assert_true(hb_dns_truncated(m.b, m.len));
	assert_int_equal(hb_dns_rcode(m.b, m.len), ns_r_nxdomain);
	assert_int_equal(hb_dns_rcode(m.b, 11), -EINVAL);
	hb_dns_set_id(m.b, m.len, 0x1111);
	assert_int_equal(ns_get16(m.b), 0x1111);
	hb_dns_set_id(m.b, 11, 0x2222);
	assert_int_equal(ns_get16(m.b), 0x1111);
	header(&m, 0x4242, 0, 0, 0, 0);
	assert_false(hb_dns_is_response_to(m.b, m.len, 0x4242));
	assert_false(hb_dns_truncated(m.b, m.len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_glibc_query),
		cmocka_unit_test(parses_root_query),
		cmocka_unit_test(forwarded_query_has_the_question_alone),
		cmocka_unit_test(rejects_bad_queries),
		cmocka_unit_test(rejects_truncated_queries),
		cmocka_unit_test(rejects_pointer_loops),
		cmocka_unit_test(builds_replies),
		cmocka_unit_test(reply_expands_question),
		cmocka_unit_test(formerr_to_a_bare_header),
		cmocka_unit_test(plain_a_and_aaaa),
		cmocka_unit_test(cname_chain_across_domains),
		cmocka_unit_test(unrelated_owners_ignored),
		cmocka_unit_test(cname_loops_end),
		cmocka_unit_test(long_chains_bounded),
		cmocka_unit_test(mismatched_responses),
		cmocka_unit_test(malformed_records),
		cmocka_unit_test(more_than_max),
		cmocka_unit_test(header_accessors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
