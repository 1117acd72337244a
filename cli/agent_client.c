// SPDX-License-Identifier: GPL-2.0-only
/* A client of the agent's socket (spec/agent.md): connect, ask, read the answer. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "agent_socket.h"
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

int hb_agent_request(const char *who, __u32 op)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct hb_agent_req req = { .version = HB_AGENT_PROTO_VERSION, .op = op };
	/* A stopped or hung agent still accepts (the kernel's backlog): bound the wait. */
	struct timeval wait = { .tv_sec = HB_AGENT_REPLY_TIMEOUT_S }, forever = {};
	struct hb_agent_msg reply;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), err;
	ssize_t n;

	if (fd < 0)
		return refused(who, errno);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", HB_AGENT_SOCKET);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    send(fd, &req, sizeof(req), MSG_NOSIGNAL) != sizeof(req)) {
		err = refused(who, errno);
		close(fd);
		return err;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
	do
		n = recv(fd, &reply, sizeof(reply), 0);
	while (n < 0 && errno == EINTR);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &forever, sizeof(forever));
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		hb_log("%s: the agent did not answer within %d s", who, HB_AGENT_REPLY_TIMEOUT_S);
		close(fd);
		return -ETIMEDOUT;
	}
	if (n != sizeof(reply) || reply.type != HB_AGENT_MSG_REPLY) {
		hb_log("%s: the agent closed the connection without an answer (too many "
		       "clients, or another hermetic-bpf version)", who);
		close(fd);
		return -ECONNRESET;
	}
	if (reply.arg) {
		hb_log("%s: the agent refused: %s", who, reply.arg == -EPERM ?
		       "only root may ask for this" : strerror((int)-reply.arg));
		close(fd);
		return (int)reply.arg;
	}
	return fd;
}
