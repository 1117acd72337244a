/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CONFINE: `run` without root through the agent (spec/agent-socket.md, "Run
 * without root"). The caller names its own child by a pidfd and sends its
 * run flags; the agent checks both, makes a warm sandbox on its own
 * object and moves the child in. The sandbox lives as long as the
 * connection.
 */
#ifndef HB_AGENT_CONFINE_H
#define HB_AGENT_CONFINE_H

#include <stddef.h>
#include "agent_conn.h"

/*
 * Answers CONFINE or CONFINE_B (@op) for client @c: @fds are the
 * descriptors that came with it (the caller closes them). 0 with @c->sb
 * set, or -errno with @why said in @text; for 0, @text is the reply's
 * (agent_proto.h).
 */
int hb_agent_confine(struct hb_agent_socket *s, struct hb_agent_client *c, __u32 op,
		     char *body, size_t len, const int *fds, int n_fds, char *text,
		     size_t text_len);

/* Reads the sandbox's waiting events, for @c and the agent's stream. */
void hb_agent_confine_drain(struct hb_agent_client *c);

/*
 * The connection ended: its last events, then the sandbox killed and
 * removed with its policy and rules; DONE is sent if the client still
 * listens.
 */
void hb_agent_confine_end(struct hb_agent_socket *s, struct hb_agent_client *c);

#endif
