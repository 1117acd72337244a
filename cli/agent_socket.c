// SPDX-License-Identifier: GPL-2.0-only
/*
 * The agent's socket server (spec/agent.md): one ring buffer has one
 * reader, the agent, which passes each event on to every trace. It never
 * waits for a client: a send that would block counts the event as that
 * client's loss, and the client is told how many it missed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
#include "agent_socket.h"
#include "log.h"

/*
 * Room for a burst while a trace is busy: about 900 events (each queued
 * message costs about 1 KiB; the kernel doubles what is asked).
 */
#define CLIENT_SNDBUF (512 << 10)

static const struct {
	__u32 op;
	bool root_only;
} ops[] = {
	{ HB_AGENT_OP_TRACE, true }, /* every sandbox's events: root's to read */
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

/* The directory is root's and 0755; a symlink or another owner's is refused. */
static int make_dir(void)
{
	struct stat st;

	if (mkdir(HB_AGENT_SOCKET_DIR, 0755) && errno != EEXIST) {
		int err = -errno;

		hb_log("agent: cannot create %s: %s", HB_AGENT_SOCKET_DIR, strerror(errno));
		return err;
	}
	if (lstat(HB_AGENT_SOCKET_DIR, &st) || !S_ISDIR(st.st_mode) || st.st_uid != 0) {
		hb_log("agent: %s is not a directory of root's", HB_AGENT_SOCKET_DIR);
		return -ENOTDIR;
	}
	if ((st.st_mode & 07777) != 0755 && chmod(HB_AGENT_SOCKET_DIR, 0755)) {
		int err = -errno;

		hb_log("agent: cannot chmod %s: %s", HB_AGENT_SOCKET_DIR, strerror(errno));
		return err;
	}
	return 0;
}

int hb_agent_socket_open(struct hb_agent_socket *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event e = { .events = EPOLLIN };
	mode_t old;
	int err;

	memset(s, 0, sizeof(*s));
	s->listen_fd = s->epoll_fd = -1;
	for (size_t i = 0; i < HB_AGENT_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	err = make_dir();
	if (err)
		return err;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", HB_AGENT_SOCKET);
	s->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (s->listen_fd < 0 || s->epoll_fd < 0)
		goto fail;
	/* Left by an agent that was killed: one agent runs at a time (the pin lock). */
	unlink(HB_AGENT_SOCKET);
	/* Created 0600 from the start: no moment in which others could connect. */
	old = umask(0177);
	err = bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	e.data.fd = s->listen_fd;
	if (err || listen(s->listen_fd, 16) ||
	    epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->listen_fd, &e))
		goto fail;
	return 0;
fail:
	err = -errno;
	hb_log("agent: cannot serve %s: %s", HB_AGENT_SOCKET, strerror(errno));
	hb_agent_socket_close(s);
	return err;
}

static void drop(struct hb_agent_socket *s, struct hb_agent_client *c)
{
	epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->subscribed = false;
	c->missed = 0;
}

static int send_msg(int fd, __u32 type, __s64 arg, const void *body, size_t len)
{
	struct hb_agent_msg m = { .version = HB_AGENT_PROTO_VERSION, .type = type, .arg = arg };
	struct iovec iov[2] = { { &m, sizeof(m) }, { (void *)body, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = body ? 2 : 1 };

	return sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Told what it missed once it can take a message again; then it is current. */
static int catch_up(struct hb_agent_socket *s, struct hb_agent_client *c)
{
	struct epoll_event e = { .events = EPOLLIN, .data.fd = c->fd };
	int err;

	if (!c->missed)
		return 0;
	err = send_msg(c->fd, HB_AGENT_MSG_LOST, (__s64)c->missed, NULL, 0);
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

static void accept_all(struct hb_agent_socket *s)
{
	for (;;) {
		struct hb_agent_client *c = NULL;
		struct epoll_event e = { .events = EPOLLIN };
		struct ucred cred;
		socklen_t len = sizeof(cred);
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), buf;

		if (fd < 0)
			return;
		for (size_t i = 0; i < HB_AGENT_MAX_CLIENTS && !c; i++)
			if (s->clients[i].fd < 0)
				c = &s->clients[i];
		/* The peer as the kernel saw it at connect(), never what it claims. */
		if (!c || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
			hb_debug("agent: a client refused (%s)", c ? strerror(errno) :
				 "too many clients");
			close(fd);
			continue;
		}
		buf = CLIENT_SNDBUF;
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)))
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
		e.data.fd = fd;
		if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &e)) {
			close(fd);
			continue;
		}
		*c = (struct hb_agent_client){ .fd = fd, .uid = cred.uid };
	}
}

/* One request per connection; after it, a trace only listens. */
static void on_client(struct hb_agent_socket *s, struct hb_agent_client *c, __u32 events)
{
	char buf[HB_AGENT_REQ_MAX];
	ssize_t n;
	__u32 op;
	int status;

	status = events & EPOLLOUT ? catch_up(s, c) : 0;
	if (status && status != -EAGAIN) {
		drop(s, c);
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0 || c->subscribed) {
		drop(s, c);
		return;
	}
	status = hb_agent_req_check(buf, (size_t)n, c->uid, &op);
	if (status)
		hb_debug("agent: request %u from uid %u refused: %s", op, c->uid,
			 strerror(-status));
	if (send_msg(c->fd, HB_AGENT_MSG_REPLY, status, NULL, 0) || status) {
		drop(s, c);
		return;
	}
	c->subscribed = op == HB_AGENT_OP_TRACE;
}

void hb_agent_socket_poll(struct hb_agent_socket *s)
{
	struct epoll_event got[16];
	int n;

	if (s->epoll_fd < 0)
		return;
	while ((n = epoll_wait(s->epoll_fd, got, 16, 0)) > 0)
		for (int i = 0; i < n; i++) {
			if (got[i].data.fd == s->listen_fd) {
				accept_all(s);
				continue;
			}
			for (size_t j = 0; j < HB_AGENT_MAX_CLIENTS; j++)
				if (s->clients[j].fd == got[i].data.fd) {
					on_client(s, &s->clients[j], got[i].events);
					break;
				}
		}
}

void hb_agent_socket_event(struct hb_agent_socket *s, const struct hb_event *ev)
{
	for (size_t i = 0; i < HB_AGENT_MAX_CLIENTS; i++) {
		struct hb_agent_client *c = &s->clients[i];
		int err;

		if (c->fd < 0 || !c->subscribed)
			continue;
		err = catch_up(s, c);
		if (!err)
			err = send_msg(c->fd, HB_AGENT_MSG_EVENT, 0, ev, sizeof(*ev));
		if (err == -EAGAIN || err == -ENOBUFS)
			behind(s, c);
		else if (err)
			drop(s, c); /* gone: EPIPE, ECONNRESET */
	}
}

void hb_agent_socket_close(struct hb_agent_socket *s)
{
	for (size_t i = 0; i < HB_AGENT_MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			drop(s, &s->clients[i]);
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		unlink(HB_AGENT_SOCKET);
	}
	if (s->epoll_fd >= 0)
		close(s->epoll_fd);
	s->listen_fd = s->epoll_fd = -1;
}
