// SPDX-License-Identifier: GPL-2.0-only
/*
 * A run's one wait loop, shared by run and its client of the agent:
 * signals are blocked before the fork and passed on from here (tini,
 * timeout), the command reaped here.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "run_state.h"
#include "run_trace.h"

/* Signals passed on to the command when someone sends them to us. */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1,
				 SIGUSR2, SIGALRM, SIGWINCH, SIGCONT };

/*
 * A signal sent by a process (kill, sigqueue) is passed on; one the
 * kernel made (the terminal's ^C) already reached the command's process
 * group, and passing it on would deliver it twice.
 */
static void forward(pid_t child, const struct signalfd_siginfo *si)
{
	if (si->ssi_code > 0 || (pid_t)si->ssi_pid == child)
		return;
	kill(child, (int)si->ssi_signo);
}

int hb_run_wait(int ep, struct epoll_event *got, int max, struct run_state *rs)
{
	int n, due;

	for (;;) {
		pthread_mutex_lock(&rs->lock);
		hb_run_trace_flush(rs, false);
		due = hb_run_trace_due(rs);
		pthread_mutex_unlock(&rs->lock);
		n = epoll_wait(ep, got, max, due);
		if (n > 0)
			return n;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

int hb_run_signal(int sfd, pid_t child, int *wstatus)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo != SIGCHLD)
		forward(child, &si);
	else if (waitpid(child, wstatus, WNOHANG) == child)
		return 1;
	return 0;
}

void hb_run_block_signals(sigset_t *set, sigset_t *old)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(set, forwarded[i]);
	sigprocmask(SIG_BLOCK, set, old);
}
