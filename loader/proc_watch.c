// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include "proc_watch.h"

#define BIT(map, pid) ((map)[(size_t)(pid) / 8] & (1u << ((size_t)(pid) % 8)))
#define SET(map, pid) ((map)[(size_t)(pid) / 8] |= (__u8)(1u << ((size_t)(pid) % 8)))
#define CLEAR(map, pid) ((map)[(size_t)(pid) / 8] &= (__u8)~(1u << ((size_t)(pid) % 8)))

static size_t pid_max(void)
{
	unsigned long v = 0;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v ? v + 1 : 4194304 + 1; /* the kernel's ceiling */
}

/*
 * PROC_CN_MCAST_LISTEN, to the connector's process group: a netlink
 * header, the connector's header, then the operation as its data.
 */
static int listen_events(int fd)
{
	enum proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;
	_Alignas(struct nlmsghdr) char buf[NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(op))] = {};
	struct nlmsghdr *nl = (struct nlmsghdr *)buf;
	struct cn_msg *cn = NLMSG_DATA(nl);

	nl->nlmsg_len = sizeof(buf);
	nl->nlmsg_type = NLMSG_DONE;
	nl->nlmsg_pid = (__u32)getpid();
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->len = sizeof(op);
	memcpy(cn->data, &op, sizeof(op));
	return send(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf) ? 0 : -errno;
}

int hb_proc_watch_open(struct hb_proc_watch *w)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	int rcv = 4 << 20, err;

	memset(w, 0, sizeof(*w));
	w->max = pid_max();
	w->member = calloc(w->max / 8 + 1, 1);
	w->exited = calloc(w->max / 8 + 1, 1);
	w->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (!w->member || !w->exited || w->fd < 0) {
		err = w->fd < 0 ? -errno : -ENOMEM;
		hb_proc_watch_close(w);
		return err;
	}
	/* Bursts of forks (make -j) must not overflow it; root may go past rmem_max. */
	if (setsockopt(w->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(w->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	err = bind(w->fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : listen_events(w->fd);
	if (err)
		hb_proc_watch_close(w);
	return err;
}

void hb_proc_watch_add(struct hb_proc_watch *w, pid_t pid)
{
	if (w->member && pid > 0 && (size_t)pid < w->max)
		SET(w->member, pid);
}

static void note_exit(struct hb_proc_watch *w, pid_t pid)
{
	pid_t *d;

	if (BIT(w->exited, pid))
		return;
	if (w->n_dead == w->cap_dead) {
		size_t cap = w->cap_dead ? 2 * w->cap_dead : 64;

		d = realloc(w->dead, cap * sizeof(*d));
		if (!d)
			return; /* kept a member: only a reused pid could be misread */
		w->dead = d;
		w->cap_dead = cap;
	}
	SET(w->exited, pid);
	w->dead[w->n_dead++] = pid;
}

static void one(struct hb_proc_watch *w, const struct proc_event *ev)
{
	if (ev->what == PROC_EVENT_FORK) {
		pid_t parent = ev->event_data.fork.parent_tgid;
		pid_t child = ev->event_data.fork.child_tgid;

		if (parent > 0 && (size_t)parent < w->max && BIT(w->member, parent))
			hb_proc_watch_add(w, child);
	} else if (ev->what == PROC_EVENT_EXIT) {
		pid_t pid = ev->event_data.exit.process_pid;

		/* The whole process: its leader's exit is the last of its threads'. */
		if (pid == ev->event_data.exit.process_tgid && pid > 0 && (size_t)pid < w->max &&
		    BIT(w->member, pid))
			note_exit(w, pid);
	}
}

void hb_proc_watch_drain(struct hb_proc_watch *w)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct nlmsghdr))));

	if (w->fd < 0)
		return;
	for (;;) {
		ssize_t n = recv(w->fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nl = (struct nlmsghdr *)buf;

		if (n < 0) {
			if (errno == ENOBUFS) {
				w->lost++;
				continue;
			}
			return;
		}
		for (; NLMSG_OK(nl, (size_t)n); nl = NLMSG_NEXT(nl, n)) {
			const struct cn_msg *cn = NLMSG_DATA(nl);

			if (nl->nlmsg_type != NLMSG_DONE || cn->id.idx != CN_IDX_PROC ||
			    cn->len < sizeof(struct proc_event))
				continue;
			one(w, (const struct proc_event *)cn->data);
		}
	}
}

bool hb_proc_watch_has(const struct hb_proc_watch *w, pid_t pid)
{
	return w->member && pid > 0 && (size_t)pid < w->max && BIT(w->member, pid);
}

void hb_proc_watch_forget(struct hb_proc_watch *w)
{
	for (size_t i = 0; i < w->n_dead; i++) {
		CLEAR(w->member, w->dead[i]);
		CLEAR(w->exited, w->dead[i]);
	}
	w->n_dead = 0;
}

void hb_proc_watch_close(struct hb_proc_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->member);
	free(w->exited);
	free(w->dead);
	w->member = w->exited = NULL;
	w->dead = NULL;
	w->n_dead = w->cap_dead = 0;
}
