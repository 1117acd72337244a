/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's socket and its clients, as data, and the messages sent to
 * one client (agent_conn.c), from the socket's loop or a sandbox's events.
 */
#ifndef HB_AGENT_CONN_H
#define HB_AGENT_CONN_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>
#include "agent_proto.h"
#include "agent_quota.h"
#include "hermetic_abi.h"

/* The server, in the agent (agent_socket.c). */
#define HB_AGENT_MAX_CLIENTS 128
#define HB_AGENT_MAX_PER_UID 16 /* connections one user (not root) may hold */
#define HB_AGENT_ROOT_SLOTS 16  /* kept free of users' connections, for root */

struct hb_sandbox;
struct hb_agent_obj;
struct hb_tiers;

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
	const struct hb_tiers *tiers; /* the agent's probe: tier B's unix hooks, Landlock */
	/* The agent's own stream, which also gets confined runs' events. */
	int (*also)(void *ctx, void *data, size_t size);
	void *also_ctx;
};

/*
 * Tells @c how many events it missed, once it can take a message again;
 * 0 (then it is current), or -errno (-EAGAIN: still full).
 */
int hb_agent_client_catch_up(struct hb_agent_socket *s, struct hb_agent_client *c);

/* Sends @ev to @c alone, or counts it missed; 0, or -errno when @c is gone. */
int hb_agent_client_event(struct hb_agent_socket *s, struct hb_agent_client *c,
			  const struct hb_event *ev);

/* One message to a client, without waiting: 0 or -errno. */
int hb_agent_send(int fd, __u32 type, __s64 arg, const void *body, size_t len);

#endif
