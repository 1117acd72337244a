/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's unix socket (spec/agent-socket.md): clients
 * send one request, the agent answers it and, for a trace, streams events.
 * SOCK_SEQPACKET: each message arrives whole, so a message's length is
 * part of its meaning and no framing of our own is needed.
 */
#ifndef HB_AGENT_SOCKET_H
#define HB_AGENT_SOCKET_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>
#include "agent_quota.h"
#include "hermetic_abi.h"

#define HB_AGENT_SOCKET_DIR "/run/hermetic-bpf"
#define HB_AGENT_SOCKET HB_AGENT_SOCKET_DIR "/agent.sock"
#define HB_AGENT_PROTO_VERSION 1

/* Operations a request names. New ones get new numbers; none is reused. */
#define HB_AGENT_OP_TRACE 1   /* follow every event (root only) */
#define HB_AGENT_OP_CONFINE 2 /* confine the caller's child: run without root (any uid) */

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
 * The agent's answer to request @buf of @len bytes from a peer of @uid:
 * 0, or -EPROTO (too short or another version), -EOPNOTSUPP (unknown op),
 * -EPERM (the op is not the peer's to ask). @op receives the op.
 */
int hb_agent_req_check(const void *buf, size_t len, uid_t uid, __u32 *op);

/* The server, in the agent (cli/agent_socket.c). */
#define HB_AGENT_MAX_CLIENTS 128
#define HB_AGENT_MAX_PER_UID 16 /* connections one user (not root) may hold */
#define HB_AGENT_ROOT_SLOTS 16  /* kept free of users' connections, for root */

struct hb_sandbox;
struct hb_agent_obj;

struct hb_agent_client {
	int fd;
	uid_t uid;       /* SO_PEERCRED at accept */
	gid_t gid;
	pid_t pid;
	bool subscribed; /* a trace, or a confined run: events go to it */
	__u64 missed;    /* events not sent since it last caught up */
	struct hb_sandbox *sb; /* CONFINE: the sandbox this connection keeps alive */
	int ring_fd;     /* its events' descriptor, watched in epoll_fd; -1 */
	struct hb_quota_use held; /* CONFINE: what its sandbox holds of the maps */
	struct hb_agent_socket *owner;
};

struct hb_agent_socket {
	int listen_fd;
	int epoll_fd; /* the listener and clients: the agent's loop watches this one */
	struct hb_agent_client clients[HB_AGENT_MAX_CLIENTS];
	/* Set by the agent after opening: what CONFINE needs. */
	struct hb_agent_obj *obj;
	const char *cgroot;
	/* The agent's own stream, which also gets confined runs' events. */
	int (*also)(void *ctx, void *data, size_t size);
	void *also_ctx;
};

/*
 * Creates the socket (dir 0755, socket 0600, root's). 0 or -errno, logged;
 * either way @s is ready for the calls below (which do nothing when the
 * socket could not be made).
 */
int hb_agent_socket_open(struct hb_agent_socket *s);

/* Accepts, answers and drops clients, without waiting; call on every wake-up. */
void hb_agent_socket_poll(struct hb_agent_socket *s);

/* Sends @ev to every trace that can take it now; counts it missed for the others. */
void hb_agent_socket_event(struct hb_agent_socket *s, const struct hb_event *ev);

/* Sends @ev to @c alone, or counts it missed; 0, or -errno when @c is gone. */
int hb_agent_client_event(struct hb_agent_socket *s, struct hb_agent_client *c,
			  const struct hb_event *ev);

/* One message to a client, without waiting: 0 or -errno. */
int hb_agent_send(int fd, __u32 type, __s64 arg, const void *body, size_t len);

/* Closes every client and the socket, and removes it. */
void hb_agent_socket_close(struct hb_agent_socket *s);

/*
 * The client (cli/agent_client.c): connects, sends @op's request and reads
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

/* How long a client waits for the agent's reply. */
#define HB_AGENT_REPLY_TIMEOUT_S 10

#endif
