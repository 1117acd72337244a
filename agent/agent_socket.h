/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's unix socket (spec/agent-socket.md): clients
 * send one request, the agent answers it and, for a trace, streams events.
 * SOCK_SEQPACKET: each message arrives whole, so a message's length is
 * part of its meaning and no framing of our own is needed.
 */
#ifndef HB_AGENT_SOCKET_H
#define HB_AGENT_SOCKET_H

#include "agent_conn.h"

/*
 * Creates the socket (its directory 0755 and root's; the socket 0666: any
 * user may ask, and each op checks who asks). 0 or -errno, logged; either
 * way @s is ready for the calls below (which do nothing when the socket
 * could not be made).
 */
int hb_agent_socket_open(struct hb_agent_socket *s);

/* Accepts, answers and drops clients, without waiting; call on every wake-up. */
void hb_agent_socket_poll(struct hb_agent_socket *s);

/* Sends @ev to every trace that can take it now; counts it missed for the others. */
void hb_agent_socket_event(struct hb_agent_socket *s, const struct hb_event *ev);

/* Closes every client and the socket, and removes it. */
void hb_agent_socket_close(struct hb_agent_socket *s);

#endif
