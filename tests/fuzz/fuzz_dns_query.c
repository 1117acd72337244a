// SPDX-License-Identifier: GPL-2.0-only
/*
 * A message from a sandboxed client to the DNS proxy: parsed as a query,
 * and answered as the proxy would (REFUSED/NODATA, or FORMERR to garbage).
 */
#include <arpa/nameser.h>
#include <errno.h>
#include "dns_msg.h"
#include "fuzz.h"

/* The proxy's UDP reply buffer, and one too small for most questions. */
#define REPLY_UDP 512
#define REPLY_TINY 20

/* A reply that was built must read back as an answer to its query. */
static void check_reply(const unsigned char *query, int rcode,
			const struct hb_dns_question *q,
			const unsigned char *reply, int n, size_t outlen)
{
	struct hb_dns_answer_addr addr[1];

	FUZZ_CHECK(n >= HFIXEDSZ && (size_t)n <= outlen);
	FUZZ_CHECK(!memcmp(reply, query, 2));
	FUZZ_CHECK(hb_dns_is_response_to(reply, (size_t)n, ns_get16(query)));
	FUZZ_CHECK(hb_dns_rcode(reply, (size_t)n) == rcode);
	FUZZ_CHECK(!hb_dns_truncated(reply, (size_t)n));
	FUZZ_CHECK(!hb_dns_can_reply(reply, (size_t)n));
	if (q)
		FUZZ_CHECK(hb_dns_parse_answers(reply, (size_t)n, q, addr, 1) == 0);
}

static void reply_with(const unsigned char *query, size_t qlen, int rcode,
		       const struct hb_dns_question *q, size_t outlen)
{
	/* Exactly @outlen bytes, so that ASan sees a write past them. */
	unsigned char *reply = malloc(outlen);
	int n;

	if (!reply)
		return;
	n = hb_dns_build_reply(query, qlen, rcode, reply, outlen);
	if (n >= 0)
		check_reply(query, rcode, q, reply, n, outlen);
	else
		FUZZ_CHECK(n == -ENOSPC && outlen < REPLY_UDP);
	free(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hb_dns_question q;
	bool can = hb_dns_can_reply(data, size);

	if (!hb_dns_parse_query(data, size, &q)) {
		FUZZ_CHECK(can);
		FUZZ_CHECK(q.qclass == ns_c_in && q.id == ns_get16(data));
		FUZZ_CHECK(memchr(q.name, '\0', sizeof(q.name)));
		reply_with(data, size, ns_r_refused, &q, REPLY_UDP);
		reply_with(data, size, ns_r_noerror, &q, REPLY_UDP);
		reply_with(data, size, ns_r_servfail, &q, REPLY_TINY);
	} else if (can) {
		reply_with(data, size, ns_r_formerr, NULL, REPLY_UDP);
		reply_with(data, size, ns_r_formerr, NULL, REPLY_TINY);
	} else if (size < HFIXEDSZ) {
		unsigned char reply[REPLY_UDP];

		FUZZ_CHECK(hb_dns_build_reply(data, size, ns_r_formerr, reply,
					      sizeof(reply)) == -EINVAL);
	}
	return 0;
}
