/* SPDX-License-Identifier: GPL-2.0-only */
/* A client of the agent's socket: run without root, trace, status. */
#ifndef HB_AGENT_CLIENT_H
#define HB_AGENT_CLIENT_H

#include <stddef.h>
#include "agent_proto.h"

/*
 * The client (agent_client.c): connects, sends @op's request and reads
 * the reply. Returns the connected descriptor, or -errno having said why
 * (no agent: -ENOENT or -ECONNREFUSED, with a hint).
 */
int hb_agent_request(const char *who, __u32 op);

/* Connects to the agent's socket: the descriptor, or -errno (nothing said). */
int hb_agent_connect(void);

/*
 * Sends request @op with @body (may be NULL) and, if @pass_fd >= 0, that
 * descriptor (SCM_RIGHTS). 0 or -errno.
 */
int hb_agent_send_req(int fd, __u32 op, const void *body, size_t len, int pass_fd);

/*
 * Waits (bounded) for the reply on @fd: its arg (0 or -errno), having put
 * the text that follows it, if any, in @text (NUL-terminated); or -errno
 * of the connection (-ETIMEDOUT, -ECONNRESET), having said why as @who.
 */
int hb_agent_read_reply(const char *who, int fd, __s64 *arg, char *text, size_t len);

#endif
