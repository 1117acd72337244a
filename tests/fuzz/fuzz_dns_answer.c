// SPDX-License-Identifier: GPL-2.0-only
/*
 * A response from an upstream server to the DNS proxy. Input: MAX (1 byte),
 * ID and QTYPE (2 bytes each, network order), the question's name and a
 * NUL, then the response. Shorter input, or no NUL: a fixed question, and
 * the whole input is the response.
 */
#include <arpa/nameser.h>
#include <errno.h>
#include "dns_msg.h"
#include "fuzz.h"

#define MAX_SMALL 16
#define MAX_BIG 256

static void fixed_question(struct hb_dns_question *q)
{
	memset(q, 0, sizeof(*q));
	strcpy(q->name, "example.com");
	q->qtype = ns_t_a;
	q->qclass = ns_c_in;
	q->id = 0x1234;
}

/* The question from the input's first bytes; the bytes used, or 0. */
static size_t read_question(const uint8_t *data, size_t size,
			    struct hb_dns_question *q, size_t *max)
{
	const uint8_t *nul;
	size_t name_len;

	if (size < 5)
		return 0;
	nul = memchr(data + 5, '\0', size - 5);
	if (!nul)
		return 0;
	name_len = (size_t)(nul - (data + 5));
	if (name_len >= sizeof(q->name))
		return 0;
	memset(q, 0, sizeof(*q));
	*max = data[0] % (MAX_SMALL + 1);
	q->id = ns_get16(data + 1);
	q->qtype = ns_get16(data + 3);
	q->qclass = ns_c_in;
	memcpy(q->name, data + 5, name_len);
	return 5 + name_len + 1;
}

static void check_addrs(const struct hb_dns_answer_addr *a, int n)
{
	static const __u8 zero[12];

	for (int i = 0; i < n; i++) {
		FUZZ_CHECK(a[i].family == HB_AF_INET || a[i].family == HB_AF_INET6);
		if (a[i].family == HB_AF_INET)
			FUZZ_CHECK(!memcmp(a[i].addr + 4, zero, sizeof(zero)));
		/* RFC 2181: a TTL is 31 bits. */
		FUZZ_CHECK(a[i].ttl <= 0x7fffffffu);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hb_dns_answer_addr big[MAX_BIG];
	struct hb_dns_answer_addr *out;
	struct hb_dns_question q;
	size_t max = MAX_SMALL, used = read_question(data, size, &q, &max);
	const uint8_t *msg = data + used;
	size_t len = size - used;
	int all, n;

	if (!used)
		fixed_question(&q);
	all = hb_dns_parse_answers(msg, len, &q, big, MAX_BIG);
	FUZZ_CHECK(all == -EINVAL || all == -ENOSPC || (all >= 0 && all <= MAX_BIG));
	if (all >= 0) {
		check_addrs(big, all);
		FUZZ_CHECK(hb_dns_is_response_to(msg, len, q.id));
	}
	/* Exactly @max entries, so that ASan sees a write past them. */
	out = malloc(max * sizeof(*out));
	if (!out)
		return 0;
	n = hb_dns_parse_answers(msg, len, &q, out, max);
	if (all >= 0 && (size_t)all <= max)
		FUZZ_CHECK(n == all && !memcmp(out, big, (size_t)n * sizeof(*out)));
	else if (all >= 0 || all == -ENOSPC)
		FUZZ_CHECK(n == -ENOSPC);
	else /* a malformed record after the first @max addresses */
		FUZZ_CHECK(n == -EINVAL || n == -ENOSPC);
	free(out);
	return 0;
}
