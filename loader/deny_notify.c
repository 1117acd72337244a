// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "deny_notify.h"
#include "mono_time.h"

/* i386's socketcall(SYS_SOCKET, args): its arguments are in memory. */
#define HB_SYS_SOCKET 1
#define HB_SOCK_TYPE_MASK 0xf /* the type without SOCK_NONBLOCK, SOCK_CLOEXEC */

/* The call's name on its own ABI (libseccomp's table); NULL if unknown. */
static char *call_name(const struct seccomp_notif *req)
{
	return seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
}

bool hb_notify_is_exec(const struct seccomp_notif *req)
{
	char *name = call_name(req);
	bool exec = name && (!strcmp(name, "execve") || !strcmp(name, "execveat"));

	free(name);
	return exec;
}

/* "Tgid:" and "PPid:" of /proc/PID/status. */
static void read_status(pid_t pid, struct hb_event *ev)
{
	char path[64], line[128];
	unsigned int v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Tgid: %u", &v) == 1)
			ev->tgid = v;
		else if (sscanf(line, "PPid: %u", &v) == 1)
			ev->ppid = v;
	}
	fclose(f);
}

void hb_event_who(pid_t pid, __u64 sandbox_id, struct hb_event *ev)
{
	char path[64];
	struct stat st;
	ssize_t n;
	int fd;

	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = hb_mono_ns();
	ev->sandbox_id = sandbox_id;
	ev->pid = ev->tgid = (__u32)pid;
	ev->verdict = HB_VERDICT_DENY;
	read_status(pid, ev);
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, ev->comm, sizeof(ev->comm) - 1);
		if (n > 0 && ev->comm[n - 1] == '\n')
			ev->comm[n - 1] = '\0';
		close(fd);
	}
	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (!stat(path, &st))
		ev->uid = st.st_uid;
}

void hb_notify_who(const struct seccomp_notif *req, __u64 sandbox_id, struct hb_event *ev)
{
	hb_event_who((pid_t)req->pid, sandbox_id, ev);
}

static void as_socket(struct hb_event *ev, __u64 family, __u64 type, __u64 protocol)
{
	ev->hook = HB_HOOK_SOCKET;
	ev->family = (__u16)(family > 0xffff ? 0xffff : family);
	ev->port = (__u16)(type & HB_SOCK_TYPE_MASK);
	ev->protocol = (__u16)protocol;
}

/* A call refused whole: its name, and its flags as @arg. */
static void as_syscall(struct hb_event *ev, const char *name, __u64 arg)
{
	size_t n = name ? strnlen(name, sizeof(ev->path) - 1) : 0;

	ev->hook = HB_HOOK_SYSCALL;
	memcpy(ev->path, name ? name : "", n);
	ev->path_len = (__u16)n;
	ev->arg = (__u32)arg;
}

/* socketcall(SYS_SOCKET, {family, type, protocol}), read as it waits. */
static bool read_socketcall(const struct seccomp_notif *req, struct hb_event *ev)
{
	__u32 args[3];
	struct iovec local = { args, sizeof(args) };
	struct iovec remote = { (void *)(unsigned long)req->data.args[1], sizeof(args) };

	if ((__u32)req->data.args[0] != HB_SYS_SOCKET ||
	    process_vm_readv((pid_t)req->pid, &local, 1, &remote, 1, 0) != sizeof(args))
		return false;
	as_socket(ev, args[0], args[1], args[2]);
	return true;
}

void hb_deny_notify_event(const struct seccomp_notif *req, __u64 sandbox_id,
			  struct hb_event *ev)
{
	const __u64 *a = req->data.args;
	char *name = call_name(req);

	hb_notify_who(req, sandbox_id, ev);
	/* Refused for the network guard unless said otherwise below. */
	ev->reason = HB_REASON_NET_SOCKET_KIND;
	if (name && !strcmp(name, "socket")) {
		as_socket(ev, a[0], a[1], a[2]);
	} else if (name && !strcmp(name, "socketcall")) {
		if (!read_socketcall(req, ev))
			as_syscall(ev, name, (__u32)a[0]);
	} else if (name && !strcmp(name, "ioctl")) {
		ev->hook = HB_HOOK_IOCTL;
		ev->arg = (__u32)a[1];
		ev->reason = HB_REASON_TAMPER;
	} else if (name && !strcmp(name, "io_uring_setup")) {
		as_syscall(ev, name, 0);
	} else {
		/* unshare, clone (flags first on x86), setns (the nstype second). */
		as_syscall(ev, name ? name : "?", a[name && !strcmp(name, "setns") ? 1 : 0]);
		ev->reason = HB_REASON_TAMPER;
	}
	free(name);
}
