// SPDX-License-Identifier: GPL-2.0-only
/* `hermetic-bpf run`: probe, confine, start, supervise, clean up. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "commands.h"
#include "exit_status.h"
#include "gc.h"
#include "launch.h"
#include "log.h"
#include "probe.h"
#include "run_args.h"
#include "sandbox.h"
#include "trace_fmt.h"

/* Signals passed on to the command when someone sends them to us. */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1,
				 SIGUSR2, SIGALRM, SIGWINCH, SIGCONT };

struct run_state {
	bool trace;
	unsigned long long by_hook[HB_HOOK_MAX];
};

static int on_event(void *ctx, const struct hb_event *ev)
{
	struct run_state *rs = ctx;
	char line[512];

	rs->by_hook[ev->hook < HB_HOOK_MAX ? ev->hook : HB_HOOK_NONE]++;
	if (rs->trace) {
		hb_format_event(ev, line, sizeof(line));
		hb_log("%s", line);
	}
	return 0;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void say_enforcement(const struct hb_run_args *a)
{
	if (a->guards & HB_GUARD_NET)
		hb_log("--no-network: enforced by BPF-LSM (socket_connect, socket_sendmsg, socket_create)");
	if (!a->guards)
		hb_log("no guard requested: the command only runs in its own cgroup");
}

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

/* Waits for the command, forwarding signals and streaming events. */
static int supervise(pid_t child, const sigset_t *set, struct hb_sandbox *sb,
		     int *wstatus)
{
	struct epoll_event ev = { .events = EPOLLIN }, got[2];
	int sfd, ep, evfd, err = 0;

	sfd = signalfd(-1, set, SFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || ep < 0)
		return -errno;
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	evfd = hb_sandbox_events_fd(sb);
	if (evfd >= 0) {
		ev.data.fd = evfd;
		epoll_ctl(ep, EPOLL_CTL_ADD, evfd, &ev);
	}
	for (;;) {
		int n = epoll_wait(ep, got, 2, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		for (int i = 0; i < n; i++) {
			struct signalfd_siginfo si;

			if (got[i].data.fd != sfd) {
				hb_sandbox_drain(sb);
				continue;
			}
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo != SIGCHLD)
				forward(child, &si);
			else if (waitpid(child, wstatus, WNOHANG) == child)
				goto out;
		}
	}
out:
	close(ep);
	close(sfd);
	return err;
}

static void report(struct hb_sandbox *sb, struct run_state *rs)
{
	unsigned long long seen = 0;
	struct hb_stats st;
	char line[256];

	hb_sandbox_drain(sb);
	for (int h = 0; h < HB_HOOK_MAX; h++)
		seen += rs->by_hook[h];
	if (seen && !rs->trace) {
		hb_format_summary(rs->by_hook, line, sizeof(line));
		hb_log("%s; rerun with --trace to see each", line);
	}
	if (!hb_sandbox_stats(sb, &st) && st.events_lost)
		hb_log("%llu blocked action%s not reported: the event buffer was full",
		       (unsigned long long)st.events_lost,
		       st.events_lost == 1 ? " was" : "s were");
}

int hb_cmd_run(int argc, char **argv)
{
	struct hb_policy policy = {};
	struct run_state rs = {};
	struct hb_run_args a;
	struct hb_sandbox sb;
	struct hb_creds creds;
	struct timespec t0;
	sigset_t set, old;
	bool sigpipe_ignored;
	int wstatus = 0, status;
	pid_t child;

	if (hb_run_args_parse(argc, argv, &a))
		return HB_EXIT_FAILURE;
	if (a.help) {
		hb_run_usage(stdout);
		return 0;
	}
	hb_verbosity = a.verbose;
	hb_log_setup_libbpf();
	clock_gettime(CLOCK_MONOTONIC, &t0);

	if (geteuid() != 0) {
		hb_log("run needs root: it creates a cgroup and loads BPF programs");
		hb_hint("sudo hermetic-bpf run ...; the command itself still runs as you");
		return HB_EXIT_FAILURE;
	}
	if (a.guards && hb_probe_bpf_lsm())
		return HB_EXIT_FAILURE;
	hb_debug("probe done after %.1f ms", ms_since(&t0));
	if (hb_creds_resolve(a.user, &creds))
		return HB_EXIT_FAILURE;
	if (hb_gc() < 0)
		hb_debug("gc of abandoned sandboxes failed; carrying on");

	/* Blocked before the child exists, so none is lost or mishandled. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* A closed stderr must not kill us before we clean up. */
	sigpipe_ignored = signal(SIGPIPE, SIG_IGN) == SIG_IGN;

	rs.trace = a.trace;
	policy.guards = a.guards;
	if (hb_sandbox_open(&sb, &policy, on_event, &rs))
		return HB_EXIT_FAILURE;
	hb_debug("sandbox ready after %.1f ms", ms_since(&t0));
	if (a.verbose || a.trace)
		say_enforcement(&a);

	child = hb_spawn(a.cmd, sb.cg.fd, &creds, &old, sigpipe_ignored);
	if (child < 0) {
		hb_sandbox_close(&sb);
		return HB_EXIT_FAILURE;
	}
	if (supervise(child, &set, &sb, &wstatus)) {
		hb_log("lost track of the command: %s", strerror(errno));
		wstatus = HB_EXIT_FAILURE << 8;
	}
	status = hb_exit_status(wstatus);
	report(&sb, &rs);
	hb_sandbox_close(&sb);
	return status;
}
