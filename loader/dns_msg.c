// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <resolv.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "dns_msg.h"
#include "dns_name.h"

_Static_assert(sizeof(HEADER) == HFIXEDSZ, "HEADER is the 12-byte header");

/* The names from the question's to the last CNAME target, and their TTLs. */
struct chain {
	char name[HB_DNS_MAX_CNAME_LINKS + 1][NS_MAXDNAME];
	__u32 ttl[HB_DNS_MAX_CNAME_LINKS + 1]; /* least TTL up to this name */
	size_t n;
};

/* Copied out, so that HEADER's bitfields need no alignment of @msg. */
static bool get_header(const unsigned char *msg, size_t len, HEADER *h)
{
	if (len < HFIXEDSZ)
		return false;
	memcpy(h, msg, HFIXEDSZ);
	return true;
}

/* ns_initparse() takes an int and checks every section against @len. */
static int init_parse(const unsigned char *msg, size_t len, ns_msg *m)
{
	if (len > HB_DNS_MAX_MSG || ns_initparse(msg, (int)len, m) < 0)
		return -EINVAL;
	return 0;
}

static int read_question(ns_msg *m, struct hb_dns_question *q)
{
	ns_rr rr;

	if (ns_msg_count(*m, ns_s_qd) != 1 || ns_parserr(m, ns_s_qd, 0, &rr) < 0)
		return -EINVAL;
	/* Not memcpy(): ns_rr_name() of the root is a 2-byte literal. */
	snprintf(q->name, sizeof(q->name), "%s", ns_rr_name(rr));
	q->qtype = ns_rr_type(rr);
	q->qclass = ns_rr_class(rr);
	q->id = ns_msg_id(*m);
	return 0;
}

int hb_dns_parse_query(const unsigned char *msg, size_t len,
		       struct hb_dns_question *q)
{
	ns_msg m;

	if (init_parse(msg, len, &m) || ns_msg_getflag(m, ns_f_qr) ||
	    ns_msg_getflag(m, ns_f_opcode) != ns_o_query ||
	    read_question(&m, q) || q->qclass != ns_c_in)
		return -EINVAL;
	return 0;
}

bool hb_dns_can_reply(const unsigned char *msg, size_t len)
{
	HEADER h;

	return get_header(msg, len, &h) && !h.qr;
}

int hb_dns_build_query(const struct hb_dns_question *q, unsigned char *out,
		       size_t outlen)
{
	int n;

	if (outlen > HB_DNS_MAX_MSG)
		outlen = HB_DNS_MAX_MSG;
	if (outlen < HFIXEDSZ + QFIXEDSZ + 1)
		return -ENOSPC;
	/* glibc's own encoder: the name from its presentation form, RD set. */
	n = res_mkquery(ns_o_query, q->name, ns_c_in, q->qtype, NULL, 0, NULL, out,
			(int)outlen);
	if (n < 0)
		return -EINVAL;
	hb_dns_set_id(out, (size_t)n, q->id);
	return n;
}

int hb_dns_build_reply(const unsigned char *query, size_t qlen, int rcode,
		       unsigned char *out, size_t outlen)
{
	char name[NS_MAXDNAME];
	HEADER h, r = { 0 };
	size_t len = HFIXEDSZ;
	int n;

	if (!get_header(query, qlen, &h) || rcode < 0 || rcode > 15)
		return -EINVAL;
	if (outlen < HFIXEDSZ)
		return -ENOSPC;
	if (outlen > HB_DNS_MAX_MSG)
		outlen = HB_DNS_MAX_MSG;
	r.id = h.id;
	r.qr = 1;
	r.opcode = h.opcode;
	r.rd = h.rd;
	r.ra = 1;
	r.rcode = (unsigned int)rcode;
	/* The name is expanded and written anew: a copied pointer would dangle. */
	n = ntohs(h.qdcount) ? dn_expand(query, query + qlen, query + HFIXEDSZ,
					 name, sizeof(name)) : -1;
	if (n > 0 && HFIXEDSZ + (size_t)n + QFIXEDSZ <= qlen) {
		int w = dn_comp(name, out + HFIXEDSZ, (int)(outlen - HFIXEDSZ),
				NULL, NULL);

		if (w < 0 || len + (size_t)w + QFIXEDSZ > outlen)
			return -ENOSPC;
		memcpy(out + len + w, query + HFIXEDSZ + n, QFIXEDSZ);
		len += (size_t)w + QFIXEDSZ;
		r.qdcount = htons(1);
	}
	memcpy(out, &r, HFIXEDSZ);
	return (int)len;
}

/* RFC 2181, section 8: a TTL with the top bit set is read as zero. */
static __u32 ttl_of(const ns_rr *rr)
{
	return ns_rr_ttl(*rr) & 0x80000000u ? 0 : ns_rr_ttl(*rr);
}

static __u32 min_ttl(__u32 a, __u32 b)
{
	return a < b ? a : b;
}

static int chain_index(const struct chain *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (hb_domain_equal(c->name[i], name))
			return (int)i;
	return -1;
}

/*
 * Appends the target of the CNAME that the chain's last name owns: 1 if
 * the chain grew, 0 if there is none or it leads back into the chain.
 */
static int follow_cname(ns_msg *m, struct chain *c)
{
	char target[NS_MAXDNAME];
	ns_rr rr;

	for (int i = 0; i < ns_msg_count(*m, ns_s_an); i++) {
		if (ns_parserr(m, ns_s_an, i, &rr) < 0)
			return -EINVAL;
		if (ns_rr_type(rr) != ns_t_cname || ns_rr_class(rr) != ns_c_in ||
		    !hb_domain_equal(ns_rr_name(rr), c->name[c->n - 1]))
			continue;
		if (ns_name_uncompress(ns_msg_base(*m), ns_msg_end(*m),
				       ns_rr_rdata(rr), target,
				       sizeof(target)) != ns_rr_rdlen(rr))
			return -EINVAL;
		if (chain_index(c, target) >= 0)
			return 0;
		memcpy(c->name[c->n], target, sizeof(target));
		c->ttl[c->n] = min_ttl(c->ttl[c->n - 1], ttl_of(&rr));
		c->n++;
		return 1;
	}
	return 0;
}

static int collect(ns_msg *m, const struct chain *c,
		   struct hb_dns_answer_addr *out, size_t max)
{
	size_t n = 0;
	ns_rr rr;

	for (int i = 0; i < ns_msg_count(*m, ns_s_an); i++) {
		size_t alen;
		int at;

		if (ns_parserr(m, ns_s_an, i, &rr) < 0)
			return -EINVAL;
		if (ns_rr_class(rr) != ns_c_in)
			continue;
		if (ns_rr_type(rr) == ns_t_a)
			alen = NS_INADDRSZ;
		else if (ns_rr_type(rr) == ns_t_aaaa)
			alen = NS_IN6ADDRSZ;
		else
			continue;
		if (ns_rr_rdlen(rr) != alen)
			return -EINVAL;
		at = chain_index(c, ns_rr_name(rr));
		if (at < 0)
			continue;
		if (n == max)
			return -ENOSPC;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].family = alen == NS_INADDRSZ ? HB_AF_INET : HB_AF_INET6;
		memcpy(out[n].addr, ns_rr_rdata(rr), alen);
		out[n].ttl = min_ttl(c->ttl[at], ttl_of(&rr));
		n++;
	}
	return (int)n;
}

int hb_dns_parse_answers(const unsigned char *msg, size_t len,
			 const struct hb_dns_question *q,
			 struct hb_dns_answer_addr *out, size_t max)
{
	struct hb_dns_question echo;
	struct chain c;
	ns_msg m;
	int err;

	if (init_parse(msg, len, &m) || !ns_msg_getflag(m, ns_f_qr) ||
	    read_question(&m, &echo) || echo.id != q->id ||
	    echo.qtype != q->qtype || echo.qclass != q->qclass ||
	    !hb_domain_equal(echo.name, q->name))
		return -EINVAL;
	memcpy(c.name[0], q->name, sizeof(c.name[0]));
	c.ttl[0] = UINT32_MAX;
	c.n = 1;
	/* Bounded, and a loop ends early: follow_cname() never revisits a name. */
	while (c.n <= HB_DNS_MAX_CNAME_LINKS) {
		err = follow_cname(&m, &c);
		if (err < 0)
			return err;
		if (!err)
			break;
	}
	return collect(&m, &c, out, max);
}

bool hb_dns_is_response_to(const unsigned char *msg, size_t len, __u16 id)
{
	HEADER h;

	return get_header(msg, len, &h) && h.qr && ntohs(h.id) == id;
}

bool hb_dns_truncated(const unsigned char *msg, size_t len)
{
	HEADER h;

	return get_header(msg, len, &h) && h.tc;
}

int hb_dns_rcode(const unsigned char *msg, size_t len)
{
	HEADER h;

	return get_header(msg, len, &h) ? (int)h.rcode : -EINVAL;
}

void hb_dns_set_id(unsigned char *msg, size_t len, __u16 id)
{
	if (len >= HFIXEDSZ)
		ns_put16(id, msg);
}
