/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The supervisor of tier B's seccomp listener (one per filter), which
 * hears two kinds of call (loader/seccomp_filter.c installs the filter):
 * - --no-subprocess: every execve() in the sandbox waits for an answer
 *   here. The command's own exec goes through; every later one fails with
 *   EPERM. Through the dynamic loader or not, nothing else runs: the
 *   answer does not depend on what is executed, so no race on the
 *   arguments can change it.
 * - the calls the filter refuses and reports (loader/deny_notify.h):
 *   EPERM, and an event.
 */
#ifndef HB_EXEC_NOTIFY_H
#define HB_EXEC_NOTIFY_H

#include <stdbool.h>
#include <sys/types.h>
#include "hermetic_abi.h"

struct hb_exec_notify {
	int fd;           /* the listener, or -1 */
	pid_t command;    /* the command's process, whose exec goes first */
	bool first_done;  /* that exec was let through */
	__u64 sandbox_id; /* for events */
	bool audit;       /* --audit: let each call through, reported as audited
			   * (but the seal's: those still fail, spec/audit.md) */
};

/*
 * The handover, over a socketpair: the command's process installs the
 * filter, sends the listener, and closes its own copy before it execs, so
 * nothing in the sandbox can answer its own requests. Returns 0 or -errno.
 */
int hb_exec_notify_send(int sock, int listener);

/*
 * The supervisor's end: waits for the listener from @command's process,
 * and sets up @n (sandbox_id 0) to answer its requests. Returns 0 (n->fd is -1 if the process ended first: it never execs
 * then), or -errno.
 */
int hb_exec_notify_recv(struct hb_exec_notify *n, int sock, pid_t command);

/*
 * Answers one waiting call. Returns 1 after a denial (or, under audit,
 * an audited call let through), with @ev filled for the trace (what it
 * asked best effort: read from the process as it waits), 0 after letting
 * an exec through or when none was waiting, or -errno.
 */
int hb_exec_notify_answer(struct hb_exec_notify *n, struct hb_event *ev);

void hb_exec_notify_close(struct hb_exec_notify *n);

#endif
