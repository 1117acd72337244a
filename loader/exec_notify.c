// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include "deny_notify.h"
#include "exec_notify.h"
#include "task_lookup.h"

int hb_exec_notify_send(int sock, int listener)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	char byte = 'L';
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &listener, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

int hb_exec_notify_recv(struct hb_exec_notify *n, int sock, pid_t command)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	ssize_t got;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	n->command = command;
	do
		got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	c = CMSG_FIRSTHDR(&msg);
	if (got == 0 || !c)
		return 0;
	if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&n->fd, CMSG_DATA(c), sizeof(int));
	return 0;
}

/* The program a waiting execve() names, for the trace; "" if unknown. */
static void read_path(const struct seccomp_notif *req, struct hb_event *ev)
{
	/* execve(path, ...), execveat(dirfd, path, ...) */
	__u64 addr = req->data.args[req->data.nr == __NR_execveat ? 1 : 0];
	struct iovec local = { ev->path, sizeof(ev->path) - 1 };
	struct iovec remote = { (void *)(unsigned long)addr, sizeof(ev->path) - 1 };
	ssize_t n = process_vm_readv((pid_t)req->pid, &local, 1, &remote, 1, 0);

	ev->path_len = n > 0 ? (__u16)strnlen(ev->path, (size_t)n) : 0;
}

static void fill_event(const struct hb_exec_notify *n, const struct seccomp_notif *req,
		       struct hb_event *ev)
{
	hb_notify_who(req, n->sandbox_id, ev);
	ev->hook = HB_HOOK_EXEC;
	ev->reason = HB_REASON_EXEC;
	read_path(req, ev);
}

/*
 * Whether the program a waiting execve() names is missing, seen as the
 * process sees it (its root, its working directory, its credentials): a
 * PATH search then gets the ENOENT it expects, and the trace one line for
 * the program it finds. A name the process cannot look up (a directory
 * it cannot search) is not missing for it: EPERM, as for one that
 * exists, so that our root's view never tells it what exists there.
 * Nothing runs either way; a wrong guess only changes the errno.
 */
static bool names_nothing(const struct seccomp_notif *req, const struct hb_event *ev)
{
	if (req->data.nr != __NR_execve || !ev->path_len || ev->path_len >= sizeof(ev->path) - 1)
		return false;
	return hb_task_lookup((pid_t)req->pid, ev->path) == -ENOENT;
}

/*
 * Every other call that waits is one the filter refuses (its report
 * part): EPERM, whatever it asked, and one event. Under --audit the
 * network guard's (socket families, io_uring) go through, audited; the
 * seal's (terminal ioctls, user namespaces) are still refused.
 */
static int answer_denied(const struct hb_exec_notify *n, const struct seccomp_notif *req,
			 struct hb_event *ev)
{
	struct seccomp_notif_resp resp = { .id = req->id, .error = -EPERM };

	hb_deny_notify_event(req, n->sandbox_id, ev);
	if (n->audit && ev->reason == HB_REASON_NET_SOCKET_KIND) {
		resp.error = 0;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ev->verdict = HB_VERDICT_AUDIT;
	}
	/* ENOENT: it gave up waiting (a signal killed it): nothing to report. */
	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_SEND, &resp))
		return errno == ENOENT ? 0 : -errno;
	return 1;
}

int hb_exec_notify_answer(struct hb_exec_notify *n, struct hb_event *ev)
{
	struct seccomp_notif req = {};
	struct seccomp_notif_resp resp = {};
	bool allow;
	int denied;

	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_RECV, &req))
		return errno == ENOENT || errno == EINTR ? 0 : -errno;
	if (!hb_notify_is_exec(&req))
		return answer_denied(n, &req, ev);
	/* Before anything else runs: the command's own exec, once. */
	allow = !n->first_done && (pid_t)req.pid == n->command;
	n->first_done = true;
	denied = !allow;
	if (denied)
		fill_event(n, &req, ev);
	resp.id = req.id;
	if (allow) {
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	} else if (names_nothing(&req, ev)) {
		/* Nothing would run: no report, as BPF-LSM's hook never sees it. */
		if (n->audit)
			resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		else
			resp.error = -ENOENT;
		denied = 0;
	} else if (n->audit) {
		/* --audit: it runs; reported, as tier A's audited exec is. */
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ev->verdict = HB_VERDICT_AUDIT;
	} else {
		resp.error = -EPERM;
	}
	/* ENOENT: it gave up waiting (a signal killed it): nothing ran. */
	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) && errno != ENOENT)
		return -errno;
	return denied;
}

void hb_exec_notify_close(struct hb_exec_notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
