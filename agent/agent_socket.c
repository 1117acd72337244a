// SPDX-License-Identifier: GPL-2.0-only
/*
 * The agent's socket server (spec/agent-socket.md): one ring buffer has one
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
#include "agent_confine.h"
#include "agent_req.h"
#include "agent_socket.h"
#include "log.h"

/*
 * Room for a burst while a trace is busy: about 900 events (each queued
 * message costs about 1 KiB; the kernel doubles what is asked).
 */
#define CLIENT_SNDBUF (512 << 10)

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
	/*
	 * 0666: any user may run without root through the agent; each op
	 * checks who asks (SO_PEERCRED), never the socket's mode.
	 */
	old = umask(0111);
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
	/* A confined run's sandbox lives as long as its connection. */
	if (c->sb)
		hb_agent_confine_end(s, c);
	epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->subscribed = false;
	c->missed = 0;
}


/*
 * Any user may connect: one user holds at most HB_AGENT_MAX_PER_UID
 * slots, and users together leave HB_AGENT_ROOT_SLOTS to root, so nobody
 * can take the socket from everyone else by connecting and waiting.
 */
static struct hb_agent_client *free_slot(struct hb_agent_socket *s, uid_t uid)
{
	struct hb_agent_client *free = NULL;
	size_t mine = 0, users = 0;

	for (size_t i = 0; i < HB_AGENT_MAX_CLIENTS; i++) {
		const struct hb_agent_client *c = &s->clients[i];

		if (c->fd < 0) {
			free = free ? free : &s->clients[i];
			continue;
		}
		mine += c->uid == uid;
		users += c->uid != 0;
	}
	if (uid != 0 && (mine >= HB_AGENT_MAX_PER_UID ||
			 users >= HB_AGENT_MAX_CLIENTS - HB_AGENT_ROOT_SLOTS))
		return NULL;
	return free;
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
		/* The peer as the kernel saw it at connect(), never what it claims. */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
			hb_debug("agent: a client refused (%s)", strerror(errno));
			close(fd);
			continue;
		}
		c = free_slot(s, cred.uid);
		if (!c) {
			hb_debug("agent: a client of uid %u refused: too many clients", cred.uid);
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
		*c = (struct hb_agent_client){ .fd = fd, .uid = cred.uid, .gid = cred.gid,
					       .pid = cred.pid, .ring_fd = -1, .owner = s };
	}
}

/* Descriptors a request may carry: more are closed and refuse it. */
#define MAX_FDS 4

/*
 * One message and the descriptors that came with it (close-on-exec).
 * Returns its length, 0 at EOF, or -errno; a truncated message or
 * control data is -EPROTO, with every descriptor that did arrive closed.
 */
static ssize_t recv_req(int fd, char *buf, size_t len, int *fds, int *n_fds)
{
	union {
		char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	*n_fds = 0;
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int got;

			memcpy(&got, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*n_fds < MAX_FDS)
				fds[(*n_fds)++] = got;
			else
				close(got);
		}
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		for (int i = 0; i < *n_fds; i++)
			close(fds[i]);
		*n_fds = 0;
		return -EPROTO;
	}
	return n;
}

/* The answer, with a reason the client prints; a refusal ends the connection. */
static void answer(struct hb_agent_socket *s, struct hb_agent_client *c, int status,
		   const char *text)
{
	if (status)
		hb_debug("agent: a request from uid %u (pid %d) refused: %s%s%s", c->uid,
			 c->pid, strerror(-status), text[0] ? ": " : "", text);
	if (hb_agent_send(c->fd, HB_AGENT_MSG_REPLY, status, text, strlen(text) + 1) || status)
		drop(s, c);
}

/* One request per connection; after it, a trace or a confined run only listens. */
static void on_client(struct hb_agent_socket *s, struct hb_agent_client *c, __u32 events)
{
	static char buf[HB_AGENT_REQ_MAX];
	char text[HB_CONFINE_TEXT_MAX] = "";
	int fds[MAX_FDS], n_fds;
	ssize_t n;
	__u32 op;
	int status;

	status = events & EPOLLOUT ? hb_agent_client_catch_up(s, c) : 0;
	if (status && status != -EAGAIN) {
		drop(s, c);
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	n = recv_req(c->fd, buf, sizeof(buf), fds, &n_fds);
	if (n == -EAGAIN)
		return;
	/* Anything after the request, or EOF, ends it (a run: its sandbox). */
	if (n <= 0 || c->subscribed) {
		for (int i = 0; i < n_fds; i++)
			close(fds[i]);
		drop(s, c);
		return;
	}
	status = hb_agent_req_check(buf, (size_t)n, c->uid, &op);
	if (!status && (op == HB_AGENT_OP_CONFINE || op == HB_AGENT_OP_CONFINE_B))
		status = hb_agent_confine(s, c, op, buf + sizeof(struct hb_agent_req),
					  (size_t)n - sizeof(struct hb_agent_req), fds, n_fds,
					  text, sizeof(text));
	else if (!status && n_fds)
		status = -EPROTO; /* no other op takes a descriptor */
	for (int i = 0; i < n_fds; i++)
		close(fds[i]);
	answer(s, c, status, text);
	if (!status && c->fd >= 0)
		c->subscribed = true;
}

void hb_agent_socket_poll(struct hb_agent_socket *s)
{
	struct epoll_event got[16];
	int n;

	if (s->epoll_fd < 0)
		return;
	/*
	 * Once: what stays ready (a flooding sandbox's ring, read a pass at a
	 * time) wakes the agent's loop again, after its signals.
	 */
	n = epoll_wait(s->epoll_fd, got, 16, 0);
	for (int i = 0; i < n; i++) {
		if (got[i].data.fd == s->listen_fd) {
			accept_all(s);
			continue;
		}
		for (size_t j = 0; j < HB_AGENT_MAX_CLIENTS; j++) {
			struct hb_agent_client *c = &s->clients[j];

			if (c->fd >= 0 && c->ring_fd == got[i].data.fd) {
				hb_agent_confine_drain(c);
				break;
			}
			if (c->fd == got[i].data.fd) {
				on_client(s, c, got[i].events);
				break;
			}
		}
	}
}


void hb_agent_socket_event(struct hb_agent_socket *s, const struct hb_event *ev)
{
	for (size_t i = 0; i < HB_AGENT_MAX_CLIENTS; i++) {
		struct hb_agent_client *c = &s->clients[i];

		/* A confined run gets its own sandbox's events only (agent_confine.c). */
		if (c->fd < 0 || !c->subscribed || c->sb)
			continue;
		if (hb_agent_client_event(s, c, ev))
			drop(s, c);
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
