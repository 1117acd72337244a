// SPDX-License-Identifier: GPL-2.0-only
/*
 * Requests to the agent's socket, as any local user may send them: the
 * header, who may ask for each op, and CONFINE's body (NUL-terminated
 * words only, counted, never trusted to mean anything until `run`'s own
 * parser has read them in agent/agent_confine.c). No I/O here: fuzzed.
 */
#include <errno.h>
#include "agent_req.h"
#include <string.h>

static const struct {
	__u32 op;
	bool root_only;
} ops[] = {
	{ HB_AGENT_OP_TRACE, true },    /* every sandbox's events: root's to read */
	{ HB_AGENT_OP_CONFINE, false }, /* checked further per request (agent_confine.c) */
	{ HB_AGENT_OP_CONFINE_B, false },
};

int hb_agent_req_check(const void *buf, size_t len, uid_t uid, __u32 *op)
{
	struct hb_agent_req req;

	*op = 0;
	if (len < sizeof(req))
		return -EPROTO;
	memcpy(&req, buf, sizeof(req));
	if (req.version != HB_AGENT_PROTO_VERSION)
		return -EPROTO;
	*op = req.op;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].op == req.op)
			return ops[i].root_only && uid != 0 ? -EPERM : 0;
	return -EOPNOTSUPP;
}

int hb_confine_req_words(char *body, size_t len, char **argv)
{
	size_t n = 0;
	char *p = body, *end = body + len;

	if (!len || body[len - 1] != '\0')
		return -EPROTO;
	argv[n++] = "run";
	while (p < end) {
		if (n > HB_CONFINE_MAX_WORDS)
			return -E2BIG;
		argv[n++] = p;
		p += strlen(p) + 1;
	}
	argv[n] = NULL;
	return (int)n;
}
