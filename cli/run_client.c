// SPDX-License-Identifier: GPL-2.0-only
/*
 * `run` without root (spec/agent-socket.md, "Run without root"): the agent makes
 * the sandbox and moves our child into it before the child execs; we
 * supervise as run does and print what the agent passes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "agent_client.h"
#include "exit_status.h"
#include "landlock.h"
#include "launch.h"
#include "log.h"
#include "run_say.h"
#include "run_state.h"
#include "run_tier_b.h"
#include "unseen.h"

/* How long we wait, after the command, for the agent to pass on the last events. */
#define DONE_TIMEOUT_S 10

void hb_run_needs_root(void)
{
	hb_log("run needs root: it creates a cgroup and loads BPF programs");
	hb_hint("sudo hermetic-bpf run ...; the command itself still runs as you. "
		"With `hermetic-bpf agent` running, users run without root");
}

/* The flags and the command's name, NUL-terminated: the agent parses them again. */
static char *request_words(char **argv, const struct hb_run_args *a, size_t *len)
{
	size_t n_opts = (size_t)(a->cmd - argv), total = 0;
	char *body, *p;

	for (size_t i = 1; i < n_opts; i++)
		total += strlen(argv[i]) + 1;
	total += strlen(a->cmd[0]) + 1;
	if (total > HB_AGENT_REQ_MAX - sizeof(struct hb_agent_req)) {
		hb_log("run: the flags are too long for the agent (%zu bytes; at most %zu)",
		       total, HB_AGENT_REQ_MAX - sizeof(struct hb_agent_req));
		return NULL;
	}
	body = p = malloc(total);
	if (!body)
		return NULL;
	for (size_t i = 1; i < n_opts; i++)
		p = stpcpy(p, argv[i]) + 1;
	stpcpy(p, a->cmd[0]);
	*len = total;
	return body;
}

/* The word the child waits for: its sandbox is made, and in which tier. */
struct go_word {
	char tier;          /* 'A': the agent's BPF-LSM programs; 'B': tier B */
	__u32 unenforced;   /* tier B: the guards --allow-partial let through */
};

/*
 * The tiers a tier B agent chose for @a (agent_confine.c): the network
 * guard on its cgroup programs, the filesystem and exec guards on our
 * Landlock; the guards in @unenforced on nothing. -EPROTO if the agent let
 * a guard through that it may not have.
 */
static int tiers_b(const struct hb_run_args *a, __u32 unenforced, struct hb_tiers *t)
{
	int abi = hb_landlock_abi();

	memset(t, 0, sizeof(*t));
	t->unix_connect = t->unix_sendmsg = -1;
	t->landlock_abi = abi > 0 ? abi : 0;
	t->unenforced = unenforced;
	/* Every tier B sandbox is a Landlock domain (its scope): never one without. */
	if ((unenforced && !a->allow_partial) || (a->rules.guards && !t->landlock_abi))
		return -EPROTO;
	return hb_tier_b_assign(a->rules.guards & ~unenforced, true, t) ? -EPROTO : 0;
}

/*
 * The child: waits for the agent's word (on @go), then becomes the
 * command; in tier B it first takes on the Landlock ruleset and seccomp
 * filter, and hands the listener back over @go. The agent holds it with
 * ptrace while it moves it (agent_move.c): under Yama's ptrace_scope 1
 * that takes our leave, given to the agent (@agent, its pid) and taken
 * back before the command runs. Without Yama the prctl fails, and nothing
 * is needed.
 */
static void child(int sock, int go, pid_t agent, const struct hb_run_args *a,
		  struct hb_spawn_opts *o)
{
	struct hb_landlock ll = { .fd = -1 };
	struct go_word w;
	struct hb_tiers t;
	ssize_t n;

	close(sock);
	if (agent > 0)
		prctl(PR_SET_PTRACER, (unsigned long)agent, 0, 0, 0);
	do
		n = read(go, &w, sizeof(w));
	while (n < 0 && errno == EINTR);
	/* EOF: the agent refused, or our parent died. Never run unconfined. */
	if (n != sizeof(w))
		_exit(HB_EXIT_FAILURE);
	if (agent > 0)
		prctl(PR_SET_PTRACER, 0, 0, 0, 0);
	if (w.tier == 'B') {
		if (tiers_b(a, w.unenforced, &t) || hb_run_b_landlock(a, &t, &ll))
			_exit(HB_EXIT_FAILURE);
		if (hb_run_b_spawn_plan(a, &t, &ll, o))
			o->notify_sock = go; /* the listener goes back this way */
		else
			close(go);
	} else {
		close(go);
	}
	hb_child_exec(a->cmd, o);
}

/* The agent's pid, as the kernel saw it at connect(); 0 if unknown. */
static pid_t agent_pid(int sock)
{
	struct ucred cred = {};
	socklen_t len = sizeof(cred);

	return getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) ? 0 : cred.pid;
}

/* Sends CONFINE for @pid and reads the answer; @text gets the sandbox or the reason. */
static int confine(int sock, pid_t pid, const char *body, size_t len, char *text,
		   size_t text_len)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), err;
	__s64 arg;

	if (pidfd < 0) {
		hb_log("run: cannot open a pidfd for the command: %s", strerror(errno));
		return -errno;
	}
	err = hb_agent_send_req(sock, HB_AGENT_OP_CONFINE_B, body, len, pidfd);
	close(pidfd);
	if (err) {
		hb_log("run: cannot send the request to the agent: %s", strerror(-err));
		return err;
	}
	err = hb_agent_read_reply("run", sock, &arg, text, text_len);
	if (err)
		return err;
	if (arg) {
		hb_log("run: the agent refused: %s", text[0] ? text : strerror((int)-arg));
		return (int)arg;
	}
	return 0;
}

/* One message of the agent's: an event, a loss, or the end (1). */
static int on_message(int sock, struct run_state *rs, struct hb_stats *st, bool *have_st)
{
	char buf[sizeof(struct hb_agent_msg) + sizeof(struct hb_event)];
	struct hb_agent_msg m;
	struct hb_event ev;
	ssize_t n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < (ssize_t)sizeof(m))
		return 1; /* EOF: the agent is gone, or done with us */
	memcpy(&m, buf, sizeof(m));
	if (m.type == HB_AGENT_MSG_EVENT && n == (ssize_t)(sizeof(m) + sizeof(ev))) {
		memcpy(&ev, buf + sizeof(m), sizeof(ev));
		hb_run_on_event(rs, &ev);
	} else if (m.type == HB_AGENT_MSG_LOST) {
		hb_log("%lld events not passed on by the agent (this run read too slowly)",
		       (long long)m.arg);
	} else if (m.type == HB_AGENT_MSG_DONE && n == (ssize_t)(sizeof(m) + sizeof(*st))) {
		memcpy(st, buf + sizeof(m), sizeof(*st));
		*have_st = true;
		return 1;
	}
	return 0;
}

/*
 * Waits for the command, forwarding signals, printing what the agent sends
 * and, in tier B, answering the seccomp listener @xn.
 */
static int supervise(pid_t pid, const sigset_t *set, int sock, struct hb_exec_notify *xn,
		     struct run_state *rs, int *wstatus)
{
	struct epoll_event ev = { .events = EPOLLIN }, got[3];
	int sfd = signalfd(-1, set, SFD_CLOEXEC), ep = epoll_create1(EPOLL_CLOEXEC);
	struct hb_stats st;
	bool have_st = false, sock_open = true;
	int err = 0;

	if (sfd < 0 || ep < 0)
		return -errno;
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = sock;
	epoll_ctl(ep, EPOLL_CTL_ADD, sock, &ev);
	if (xn->fd >= 0) {
		ev.data.fd = xn->fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, xn->fd, &ev);
	}
	for (;;) {
		int n = hb_run_wait(ep, got, 3, rs);

		if (n < 0) {
			err = n;
			break;
		}
		for (int i = 0; i < n; i++) {
			if (got[i].data.fd == xn->fd) {
				hb_run_b_answer(ep, xn, got[i].events, rs);
				continue;
			}
			if (got[i].data.fd == sock) {
				/* The agent went away: the sandbox stays, pinned, until gc. */
				if (on_message(sock, rs, &st, &have_st) && sock_open) {
					epoll_ctl(ep, EPOLL_CTL_DEL, sock, NULL);
					sock_open = false;
				}
				continue;
			}
			if (hb_run_signal(sfd, pid, wstatus))
				goto out;
		}
	}
out:
	close(ep);
	close(sfd);
	return err;
}

/*
 * After the command: we stop writing, the agent passes on the sandbox's
 * last events, removes it and says DONE with its counters.
 */
static bool finish(int sock, struct run_state *rs, struct hb_stats *st)
{
	struct timeval wait = { .tv_sec = DONE_TIMEOUT_S };
	bool have_st = false;
	int flags = fcntl(sock, F_GETFL);

	shutdown(sock, SHUT_WR);
	fcntl(sock, F_SETFL, flags & ~O_NONBLOCK);
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
	while (!have_st) {
		char probe;

		/* MSG_DONTWAIT in on_message: wait here for the next one. */
		if (recv(sock, &probe, 1, MSG_PEEK) <= 0)
			break;
		if (on_message(sock, rs, st, &have_st))
			break;
	}
	return have_st;
}

/* The child, before its exec: it never runs the command. */
static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * The agent's answer to CONFINE_B (agent_proto.h) into @w and @id, and
 * @rs's cgroup; in tier B, what our side holds and says. 0, or -errno
 * having said why (the command must not run).
 */
static int take_answer(const char *text, const struct hb_run_args *a, struct run_state *rs,
		       unsigned long long *id, struct go_word *w, struct hb_tiers *t)
{
	char tier = 0;

	if (sscanf(text, "%llu %95s %c %x", id, rs->cgroup, &tier, &w->unenforced) != 4 ||
	    (tier != 'A' && tier != 'B')) {
		hb_log("run: the agent's answer is not understood (\"%s\")", text);
		hb_hint("restart the agent with the hermetic-bpf installed now");
		return -EPROTO;
	}
	w->tier = tier;
	rs->jctx.cgroup = rs->cgroup;
	hb_debug("the agent confines the command in %s (tier %c)", rs->cgroup, tier);
	if (tier == 'A') {
		/* The agent seals every sandbox it makes on BPF-LSM (agent_confine.c). */
		hb_run_warn_unguarded(a, true);
		return 0;
	}
	if (tiers_b(a, w->unenforced, t)) {
		hb_log("run: the agent let through guards (%#x) it may not", w->unenforced);
		return -EPROTO;
	}
	hb_for_each_guard(g)
		if (w->unenforced & g->bit)
			hb_log("warning: %s: not enforced (--allow-partial; the agent runs "
			       "without BPF-LSM)", g->what);
	rs->unseen = hb_unseen(a->rules.guards & ~w->unenforced, t);
	if (hb_run_unseen_refused(a, rs->unseen))
		return -EOPNOTSUPP;
	rs->judge_unix = hb_run_net_b(a, t);
	/* Not into a JSON stream or a trace file: -v says it on stderr. */
	if (a->verbose || (a->trace && !a->trace_json && !a->trace_file))
		hb_run_say_enforcement(a, t);
	hb_run_warn_unguarded(a, false);
	return 0;
}

int hb_run_unprivileged(int argc, char **argv, const struct hb_run_args *a)
{
	struct run_state rs = { .lock = PTHREAD_MUTEX_INITIALIZER, .trace = a->trace,
				.json = a->trace_json, .trace_fd = STDERR_FILENO,
				.summary_fd = -1 };
	struct hb_creds creds;
	struct hb_spawn_opts spawn = { .notify_sock = -1 };
	struct hb_exec_notify xn = { .fd = -1 };
	char text[HB_CONFINE_TEXT_MAX];
	unsigned long long id = 0;
	struct go_word w = {};
	struct hb_tiers t;
	struct hb_stats st;
	sigset_t set, old;
	int sock, go[2] = { -1, -1 }, wstatus = 0, status = HB_EXIT_FAILURE;
	char *body = NULL;
	size_t len = 0;
	pid_t pid = -1;

	(void)argc;
	sock = hb_agent_connect();
	if (sock < 0) {
		hb_run_needs_root();
		return HB_EXIT_FAILURE;
	}
	hb_debug("run: no root; the agent at %s confines the command", HB_AGENT_SOCKET);
	body = request_words(argv, a, &len);
	if (!body || hb_creds_resolve(NULL, &creds) ||
	    hb_run_open_outputs(a, &creds, &rs))
		goto out;
	rs.creds = &creds;
	hb_event_json_clock(&rs.jctx);
	if (a->no_env && !(spawn.envp = hb_minimal_env(&creds))) {
		hb_log("cannot build the environment for --no-env: %s", strerror(errno));
		goto out;
	}
	/* The word goes down, and in tier B the child's seccomp listener comes back. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, go))
		goto out;
	/* Blocked before the child exists, so none is lost or mishandled. */
	hb_run_block_signals(&set, &old);
	spawn.creds = &creds;
	spawn.mask = &old;
	spawn.sigpipe_ignored = signal(SIGPIPE, SIG_IGN) == SIG_IGN;
	/* Tier A's plan: --block-native's filter alone (the child makes tier B's). */
	spawn.seccomp.no_rie = a->rules.guards & HB_GUARD_NATIVE;
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		child(sock, go[0], agent_pid(sock), a, &spawn);
	}
	close(go[0]);
	go[0] = -1;
	if (pid < 0)
		goto out;
	if (confine(sock, pid, body, len, text, sizeof(text)) ||
	    take_answer(text, a, &rs, &id, &w, &t)) {
		stop(pid);
		goto out;
	}
	/* Confined now: let it exec (its first exec takes the policy's token). */
	if (write(go[1], &w, sizeof(w)) != sizeof(w) ||
	    (w.tier == 'B' && hb_run_b_take_listener(go[1], pid, &xn, id, a->rules.audit))) {
		hb_log("run: cannot start the command: %s", strerror(errno));
		stop(pid);
		goto out;
	}
	if (supervise(pid, &set, sock, &xn, &rs, &wstatus)) {
		hb_log("lost track of the command: %s", strerror(errno));
		wstatus = HB_EXIT_FAILURE << 8;
	}
	status = hb_exit_status(wstatus);
	status = hb_run_report(&rs, a, id, finish(sock, &rs, &st) ? &st : NULL, wstatus,
			       status);
out:
	for (int i = 0; i < 2; i++)
		if (go[i] >= 0)
			close(go[i]);
	close(sock);
	free(body);
	hb_exec_notify_close(&xn);
	hb_minimal_env_free(spawn.envp);
	if (rs.trace_fd != STDERR_FILENO && rs.trace_fd >= 0)
		close(rs.trace_fd);
	if (rs.summary_fd >= 0)
		close(rs.summary_fd);
	return status;
}
