// SPDX-License-Identifier: GPL-2.0-only
/*
 * A request to the agent's socket as any local user may send it: the
 * first byte picks the peer (0: root, else a user), the rest is the
 * message. The header's check, then CONFINE's words: each word lies
 * inside the body, and together they are the body.
 */
#include <errno.h>
#include "agent_req.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *argv[HB_CONFINE_MAX_WORDS + 2];
	size_t hdr = sizeof(struct hb_agent_req), total = 0;
	char *msg;
	__u32 op;
	int r, n;

	if (!size)
		return 0;
	/* Exactly the message's bytes, so that ASan sees a read past them. */
	msg = malloc(size - 1 ? size - 1 : 1);
	if (!msg)
		return 0;
	memcpy(msg, data + 1, size - 1);
	r = hb_agent_req_check(msg, size - 1, data[0] ? 1000 : 0, &op);
	FUZZ_CHECK(r == 0 || r == -EPROTO || r == -EOPNOTSUPP || r == -EPERM);
	FUZZ_CHECK(r != -EPERM || (data[0] && op == HB_AGENT_OP_TRACE));
	if (r || op != HB_AGENT_OP_CONFINE)
		goto out;
	n = hb_confine_req_words(msg + hdr, size - 1 - hdr, argv);
	FUZZ_CHECK(n == -EPROTO || n == -E2BIG || (n >= 2 && n <= HB_CONFINE_MAX_WORDS + 1));
	if (n < 0)
		goto out;
	FUZZ_CHECK(!strcmp(argv[0], "run") && argv[n] == NULL);
	for (int i = 1; i < n; i++) {
		FUZZ_CHECK(argv[i] >= msg + hdr && argv[i] < msg + size - 1);
		total += strlen(argv[i]) + 1;
	}
	FUZZ_CHECK(total == size - 1 - hdr);
out:
	free(msg);
	return 0;
}
