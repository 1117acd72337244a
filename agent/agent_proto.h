/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's socket protocol (spec/agent-socket.md), what both ends
 * share: SOCK_SEQPACKET, so each message arrives whole and its length is
 * part of its meaning; no framing of our own is needed.
 */
#ifndef HB_AGENT_PROTO_H
#define HB_AGENT_PROTO_H

#include <linux/types.h>

#define HB_AGENT_SOCKET_DIR "/run/hermetic-bpf"
#define HB_AGENT_SOCKET HB_AGENT_SOCKET_DIR "/agent.sock"
#define HB_AGENT_PROTO_VERSION 1

/* Operations a request names. New ones get new numbers; none is reused. */
#define HB_AGENT_OP_TRACE 1   /* follow every event (root only) */
#define HB_AGENT_OP_CONFINE 2 /* confine the caller's child: run without root (any uid) */
/*
 * CONFINE from a client that, when the reply says tier B, takes on tier
 * B's Landlock ruleset and seccomp filter in its child itself (the
 * filesystem and exec guards, the sandbox's scope): a tier B agent serves
 * no other (spec/agent-socket.md, "Without BPF-LSM").
 */
#define HB_AGENT_OP_CONFINE_B 3

/*
 * Client to agent, the first and (for a trace) only message. A later op
 * may append its own fields after these two; the agent reads up to
 * HB_AGENT_REQ_MAX bytes and each op checks the length it needs.
 */
struct hb_agent_req {
	__u32 version; /* HB_AGENT_PROTO_VERSION */
	__u32 op;      /* HB_AGENT_OP_* */
};

#define HB_AGENT_REQ_MAX 16384

/* Agent to client: every message starts with this header. */
struct hb_agent_msg {
	__u32 version; /* HB_AGENT_PROTO_VERSION */
	__u32 type;    /* HB_AGENT_MSG_* */
	__s64 arg;     /* REPLY: 0 or -errno; LOST: how many; EVENT: 0 */
};

#define HB_AGENT_MSG_REPLY 1 /* the answer to the request */
#define HB_AGENT_MSG_EVENT 2 /* followed by one struct hb_event, as the ring buffer held it */
#define HB_AGENT_MSG_LOST 3  /* events this client missed (it read too slowly) */
#define HB_AGENT_MSG_DONE 4  /* CONFINE: the sandbox is gone; arg 0 or -errno, then struct hb_stats */

_Static_assert(sizeof(struct hb_agent_req) == 8, "hb_agent_req layout");
_Static_assert(sizeof(struct hb_agent_msg) == 16, "hb_agent_msg layout");

/*
 * The reply's text: a refusal's reason, or "ID CGROUP" of the sandbox;
 * to CONFINE_B, "ID CGROUP TIER UNENFORCED": TIER "A" or "B" (the client's
 * child takes on tier B's Landlock and seccomp), UNENFORCED the HB_GUARD_*
 * bits --allow-partial let through, in hex.
 */
#define HB_CONFINE_TEXT_MAX 256

/* Words of `run` a request may carry (the flags and the command's name). */
#define HB_CONFINE_MAX_WORDS 512

/* How long a client waits for the agent's reply. */
#define HB_AGENT_REPLY_TIMEOUT_S 10

#endif
