// SPDX-License-Identifier: GPL-2.0-only
/* A client of the agent's socket (spec/agent-socket.md): connect, ask, read the answer. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
#include "agent_client.h"
#include "log.h"

static int refused(const char *who, int err)
{
	if (err == ENOENT || err == ECONNREFUSED) {
		hb_log("%s: no agent is running (nothing listens on %s)", who, HB_AGENT_SOCKET);
		hb_hint("start `hermetic-bpf agent` (as root) first");
		return -ENOENT;
	}
	if (err == EACCES || err == EPERM) {
		hb_log("%s needs root (the agent's socket %s is root's)", who, HB_AGENT_SOCKET);
		return -EPERM;
	}
	hb_log("%s: cannot talk to the agent at %s: %s", who, HB_AGENT_SOCKET, strerror(err));
	return -err;
}

int hb_agent_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), err;

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", HB_AGENT_SOCKET);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int hb_agent_send_req(int fd, __u32 op, const void *body, size_t len, int pass_fd)
{
	struct hb_agent_req req = { .version = HB_AGENT_PROTO_VERSION, .op = op };
	struct iovec iov[2] = { { &req, sizeof(req) }, { (void *)body, len } };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl = {};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = body ? 2 : 1 };
	ssize_t n;

	if (pass_fd >= 0) {
		struct cmsghdr *cm;

		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return (size_t)n == sizeof(req) + (body ? len : 0) ? 0 : -EMSGSIZE;
}

int hb_agent_read_reply(const char *who, int fd, __s64 *arg, char *text, size_t len)
{
	/* A stopped or hung agent still accepts (the kernel's backlog): bound the wait. */
	struct timeval wait = { .tv_sec = HB_AGENT_REPLY_TIMEOUT_S }, forever = {};
	char buf[sizeof(struct hb_agent_msg) + 512];
	struct hb_agent_msg reply;
	ssize_t n;

	if (text && len)
		text[0] = '\0';
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
	do
		n = recv(fd, buf, sizeof(buf) - 1, 0);
	while (n < 0 && errno == EINTR);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &forever, sizeof(forever));
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		hb_log("%s: the agent did not answer within %d s", who, HB_AGENT_REPLY_TIMEOUT_S);
		return -ETIMEDOUT;
	}
	if (n >= (ssize_t)sizeof(reply))
		memcpy(&reply, buf, sizeof(reply));
	if (n < (ssize_t)sizeof(reply) || reply.type != HB_AGENT_MSG_REPLY) {
		hb_log("%s: the agent closed the connection without an answer (too many "
		       "clients, or another hermetic-bpf version)", who);
		return -ECONNRESET;
	}
	buf[n] = '\0';
	if (text && len)
		snprintf(text, len, "%s", buf + sizeof(reply));
	*arg = reply.arg;
	return 0;
}

int hb_agent_request(const char *who, __u32 op)
{
	int fd = hb_agent_connect(), err;
	__s64 arg;

	if (fd < 0)
		return refused(who, -fd);
	err = hb_agent_send_req(fd, op, NULL, 0, -1);
	if (err) {
		close(fd);
		return refused(who, -err);
	}
	err = hb_agent_read_reply(who, fd, &arg, NULL, 0);
	if (!err && arg == -EPERM)
		hb_log("%s needs root: the agent serves it to root only", who);
	else if (!err && arg)
		hb_log("%s: the agent refused: %s", who, strerror((int)-arg));
	if (!err && arg)
		err = (int)arg;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}
