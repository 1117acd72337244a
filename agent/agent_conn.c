// SPDX-License-Identifier: GPL-2.0-only
/*
 * Messages to one client of the agent's socket: what the socket's loop
 * and a confined run's sandbox both send, without either calling the other.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "agent_conn.h"

int hb_agent_send(int fd, __u32 type, __s64 arg, const void *body, size_t len)
{
	struct hb_agent_msg m = { .version = HB_AGENT_PROTO_VERSION, .type = type, .arg = arg };
	struct iovec iov[2] = { { &m, sizeof(m) }, { (void *)body, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = body ? 2 : 1 };

	return sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Told what it missed once it can take a message again; then it is current. */
int hb_agent_client_catch_up(struct hb_agent_socket *s, struct hb_agent_client *c)
{
	struct epoll_event e = { .events = EPOLLIN, .data.fd = c->fd };
	int err;

	if (!c->missed)
		return 0;
	err = hb_agent_send(c->fd, HB_AGENT_MSG_LOST, (__s64)c->missed, NULL, 0);
	if (err)
		return err;
	c->missed = 0;
	epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, c->fd, &e);
	return 0;
}

static void behind(struct hb_agent_socket *s, struct hb_agent_client *c)
{
	struct epoll_event e = { .events = EPOLLIN | EPOLLOUT, .data.fd = c->fd };

	if (!c->missed++)
		epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, c->fd, &e);
}

int hb_agent_client_event(struct hb_agent_socket *s, struct hb_agent_client *c,
			  const struct hb_event *ev)
{
	int err = hb_agent_client_catch_up(s, c);

	if (!err)
		err = hb_agent_send(c->fd, HB_AGENT_MSG_EVENT, 0, ev, sizeof(*ev));
	if (err == -EAGAIN || err == -ENOBUFS) {
		behind(s, c);
		return 0;
	}
	return err; /* gone: EPIPE, ECONNRESET */
}
