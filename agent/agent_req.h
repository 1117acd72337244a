/* SPDX-License-Identifier: GPL-2.0-only */
/* Requests as the agent reads them, before trusting any of it (fuzzed). */
#ifndef HB_AGENT_REQ_H
#define HB_AGENT_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "agent_proto.h"

/*
 * The agent's answer to request @buf of @len bytes from a peer of @uid:
 * 0, or -EPROTO (too short or another version), -EOPNOTSUPP (unknown op),
 * -EPERM (the op is not the peer's to ask). @op receives the op.
 */
int hb_agent_req_check(const void *buf, size_t len, uid_t uid, __u32 *op);

/*
 * Splits CONFINE's body (@len bytes: NUL-terminated words, the command's
 * name last) into @argv: "run", the words, NULL; @argv has room for
 * HB_CONFINE_MAX_WORDS + 2. The words point into @body. Returns the
 * number of words with "run", or -EPROTO (empty, not NUL-terminated) or
 * -E2BIG (too many words).
 */
int hb_confine_req_words(char *body, size_t len, char **argv);

#endif
