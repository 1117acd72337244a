// SPDX-License-Identifier: GPL-2.0-only
/* `hermetic-bpf run`: probe, confine, start, supervise, clean up. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "agent_pins.h"
#include "commands.h"
#include "dns_guard.h"
#include "event_json.h"
#include "exec_notify.h"
#include "exit_status.h"
#include "fs_audit.h"
#include "fs_runtime.h"
#include "gc.h"
#include "launch.h"
#include "log.h"
#include "obj.h"
#include "output_file.h"
#include "run.h"
#include "run_args.h"
#include "run_say.h"
#include "run_state.h"
#include "run_tier_b.h"
#include "run_trace.h"
#include "user_env.h"
#include "sandbox.h"
#include "tier.h"
#include "trace_fmt.h"
#include "unseen.h"



/* Waits for the command, forwarding signals and streaming events. */
static int supervise(pid_t child, const sigset_t *set, struct hb_sandbox *sb,
		     struct hb_exec_notify *xn, struct hb_fs_audit *fsa, struct run_state *rs,
		     int *wstatus)
{
	struct epoll_event ev = { .events = EPOLLIN }, got[5];
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
	if (xn->fd >= 0) {
		ev.data.fd = xn->fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, xn->fd, &ev);
	}
	if (fsa->fd >= 0) {
		ev.data.fd = fsa->fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, fsa->fd, &ev);
	}
	if (fsa->fd >= 0 && fsa->procs.fd >= 0) {
		ev.data.fd = fsa->procs.fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, fsa->procs.fd, &ev);
	}
	for (;;) {
		int n = hb_run_wait(ep, got, 5, rs);

		if (n < 0) {
			err = n;
			break;
		}
		for (int i = 0; i < n; i++) {
			if (got[i].data.fd == xn->fd) {
				hb_run_b_answer(ep, xn, got[i].events, rs);
				continue;
			}
			if (got[i].data.fd == fsa->fd || got[i].data.fd == fsa->procs.fd) {
				hb_fs_audit_read(fsa, hb_run_on_event, rs);
				continue;
			}
			if (got[i].data.fd != sfd) {
				hb_sandbox_drain(sb);
				continue;
			}
			if (hb_run_signal(sfd, child, wstatus))
				goto out;
		}
	}
out:
	close(ep);
	close(sfd);
	return err;
}


/*
 * --audit without BPF-LSM (spec/audit.md): the cgroup programs allow and
 * report (the policy's mode), the seccomp listener lets execs and socket
 * kinds through and reports them, Landlock gets no file or exec rights,
 * and fanotify reports the file changes. Said once, before the command
 * starts: what such an audit does not see.
 */
/* "; "-separated items into @buf, cut to fit. */
static void add_item(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n && n + 2 < len)
		n += (size_t)snprintf(buf + n, len - n, "; ");
	va_start(ap, fmt);
	if (n < len)
		vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

static void say_audit_unseen(const struct hb_run_args *a, const struct hb_tiers *t,
			     const struct hb_fs_audit *fsa)
{
	char list[1024] = "";

	if ((a->rules.guards & HB_GUARD_FS) && fsa->fd < 0)
		add_item(list, sizeof(list), "the filesystem guard (no fanotify: --allow-partial)");
	else if (a->rules.guards & HB_GUARD_FS)
		add_item(list, sizeof(list), "stat and readlink%s; a process moved into the "
			 "sandbox's cgroup from outside%s",
			 a->rules.fs_root ? " outside the read root" : "",
			 fsa->procs.fd >= 0 ? "" : "; a file change whose process was reaped "
			 "before its event was read (no process events here; counted at exit)");
	if ((a->rules.guards & HB_GUARD_FS) && fsa->fd >= 0 && fsa->unwatched[0])
		add_item(list, sizeof(list), "changes on filesystems fanotify cannot watch (%s)",
			 fsa->unwatched);
	if (t->landlock_abi)
		add_item(list, sizeof(list), "the seal's Landlock scopes (ptrace, signals "
			 "outside: still denied, not reported)");
	if (list[0])
		hb_log("audit in tier B does not see: %s", list);
}

/*
 * The filesystem guard's audit in tier B: fanotify, or a refusal (125)
 * unless --allow-partial accepts a run whose file changes go unseen.
 */
static int open_fs_audit(struct hb_fs_audit *fsa, const struct hb_run_args *a,
			 const struct hb_rules_paths *paths)
{
	struct hb_policy pol;

	hb_rules_policy(&a->rules, HB_GUARD_FS, &pol);
	if (!hb_fs_audit_open(fsa, &pol, &paths->fs))
		return 0;
	if (a->allow_partial) {
		hb_log("warning: --audit: the filesystem guard is neither enforced nor audited "
		       "(--allow-partial)");
		return 0;
	}
	hb_hint("run as root with CAP_SYS_ADMIN (fanotify), drop --fs-readonly from the "
		"audit, or add --allow-partial to audit the other guards only");
	return -EOPNOTSUPP;
}

/* An --allow-exec list where it cannot be kept (tier.h): refused, said. */
static bool exec_list_refused(const struct hb_run_args *a, const struct hb_tiers *t)
{
	if (!a->rules.n_exec_paths || hb_tier_b_keeps_exec_list(t))
		return false;
	hb_log("cannot enforce here: --allow-exec %s: " HB_TIER_EXEC_LIST_WHY,
	       a->rules.exec_paths[0]);
	hb_hint("drop --allow-exec (--no-subprocess alone is enforced here), or use a "
		"kernel with BPF-LSM (hermetic-bpf doctor)");
	return true;
}

/* The read root must be a directory (a missing one is reported later). */
static bool root_is_dir(const char *root)
{
	struct stat st;

	if (stat(root, &st) || S_ISDIR(st.st_mode))
		return true;
	hb_log("--fs-readonly=%s: not a directory", root);
	return false;
}






struct resolve_ctx {
	const struct hb_run_args *a;
	const struct hb_tiers *t;
	bool fs; /* the filesystem guard on BPF-LSM */
	struct hb_rules_paths *paths;
	struct hb_landlock *ll;
};

/* The path rules of both tiers, looked up as the command's user. */
static int resolve_paths(void *ctx)
{
	struct resolve_ctx *r = ctx;

	int err = 0;

	/* execvpe() searches our PATH, whatever the command's is. */
	if (r->fs)
		err = hb_rules_resolve(&r->a->rules, HB_RESOLVE_FS, r->a->cmd[0], getenv("PATH"),
				       r->paths);
	return err ?: hb_run_b_landlock(r->a, r->t, r->ll);
}

/* BPF-LSM listed here, but its programs did not load: why, for the second try. */
struct lsm_failed {
	int err;
	struct hb_probe_failure why;
};

/* run_once()'s "choose the tiers again, knowing BPF-LSM fails" (not an exit status). */
#define RUN_WITHOUT_LSM (-1)

/* One try of a run: what it holds, released whatever happened. */
struct run {
	struct run_state rs;
	struct hb_sandbox_config cfg;
	struct hb_dns_guard dns;
	struct hb_rules_paths paths;
	struct hb_landlock landlock;
	struct hb_spawn_opts spawn;
	struct hb_exec_notify xn;
	struct hb_fs_audit fsa; /* --audit's filesystem guard in tier B */
	int notify_sp[2];
	struct hb_agent_obj agent;
	bool warm;
	struct hb_sandbox sb;
	struct hb_creds creds;
	sigset_t set, old;
};

/*
 * Who runs it, and which mechanism enforces each guard: the agent's
 * programs (warm), or the tiers the probe finds. Returns 0, or an exit
 * status after saying why not.
 */
static int choose_tiers(struct run *r, const struct hb_run_args *a,
			const struct lsm_failed *lsm)
{
	__u32 required;

	if (geteuid() != 0) {
		hb_log("run needs root: it creates a cgroup and loads BPF programs");
		hb_hint("sudo hermetic-bpf run ...; the command itself still runs as you");
		return HB_EXIT_FAILURE;
	}
	if (hb_creds_resolve(a->user, &r->creds))
		return HB_EXIT_FAILURE;
	/* A root command's sandbox must be sealed, or root could undo it. */
	required = a->rules.guards |
		   (a->rules.guards && r->creds.uid == 0 ? HB_GUARD_TAMPER : 0);
	/*
	 * The agent's programs, attached, are proof that BPF-LSM works here:
	 * a run that uses them (warm) needs no probe (spec/agent.md).
	 */
	r->warm = required && !lsm->err && !hb_agent_obj_borrow(&r->agent);
	if (r->warm)
		hb_tier_lsm(&r->cfg.tiers);
	else if (lsm->err ? hb_tier_select_without_lsm(lsm->err, &lsm->why, required,
						       a->allow_partial, &r->cfg.tiers) :
		 hb_tier_select(required, a->allow_partial, &r->cfg.tiers))
		return HB_EXIT_FAILURE;
	if (r->warm)
		hb_debug("the agent's programs are pinned: BPF-LSM works, no probe");
	hb_debug("probe done");
	return 0;
}

/*
 * Everything the command starts with, made before it exists: the outputs,
 * the rules looked up, its environment, tier B's Landlock ruleset and
 * seccomp plan, the DNS proxy, the sandbox's configuration. 0 or -errno,
 * said.
 */
static int prepare(struct run *r, const struct hb_run_args *a)
{
	struct hb_sandbox_config *cfg = &r->cfg;
	struct resolve_ctx resolve;

	if (exec_list_refused(a, &cfg->tiers))
		return -EOPNOTSUPP;
	cfg->policy.guards = a->rules.guards & ~cfg->tiers.unenforced;
	r->rs.unseen = hb_unseen(cfg->policy.guards, &cfg->tiers);
	/* Audited by fanotify instead of enforced unseen by Landlock. */
	if (hb_run_audit_fs_b(a, &cfg->tiers) && (cfg->policy.guards & HB_GUARD_FS))
		r->rs.unseen &= ~HB_UNSEEN_FS;
	if (hb_run_unseen_refused(a, r->rs.unseen))
		return -EOPNOTSUPP;
	r->rs.creds = &r->creds;
	r->rs.judge_unix = !r->warm && hb_run_net_b(a, &cfg->tiers);
	/* Events carry monotonic times; lines, wall time (spec/events.md). */
	hb_event_json_clock(&r->rs.jctx);
	if (hb_run_open_outputs(a, &r->creds, &r->rs))
		return -EIO;
	if (cfg->tiers.tamper == HB_TIER_A)
		cfg->policy.guards |= HB_GUARD_TAMPER;
	if (hb_rules_resolve(&a->rules, HB_RESOLVE_UNIX | HB_RESOLVE_EXEC, NULL, NULL, &r->paths))
		return -ENOENT;
	if (hb_run_net_b(a, &cfg->tiers) &&
	    hb_unix_rules_check_b(r->paths.unix_rules, a->rules.n_unix_paths, &r->creds))
		return -EPERM;
	if (a->no_env) {
		r->spawn.envp = hb_minimal_env(&r->creds);
		if (!r->spawn.envp) {
			hb_log("cannot build the environment for --no-env: %s", strerror(errno));
			return -ENOMEM;
		}
	} else if (hb_user_env(&r->creds, &r->spawn.envp)) {
		return -ENOMEM;
	}
	if (a->rules.fs_root && !root_is_dir(a->rules.fs_root))
		return -ENOTDIR;
	resolve.a = a;
	resolve.t = &cfg->tiers;
	resolve.fs = (cfg->policy.guards & HB_GUARD_FS) &&
		     (cfg->tiers.fs == HB_TIER_A || hb_run_audit_fs_b(a, &cfg->tiers));
	resolve.paths = &r->paths;
	resolve.ll = &r->landlock;
	if (hb_as_user(&r->creds, resolve_paths, &resolve))
		return -ENOENT;
	if (resolve.fs && hb_run_audit_fs_b(a, &cfg->tiers) && open_fs_audit(&r->fsa, a, &r->paths))
		return -EOPNOTSUPP;
	if (hb_run_audit_fs_b(a, &cfg->tiers) && r->fsa.fd < 0)
		r->rs.unseen |= HB_UNSEEN_FS;
	/* Only BPF programs look at the policy's guards: Landlock's are its own. */
	if (cfg->tiers.fs == HB_TIER_LANDLOCK)
		cfg->policy.guards &= ~HB_GUARD_FS;
	if (cfg->tiers.exec == HB_TIER_LANDLOCK)
		cfg->policy.guards &= ~HB_GUARD_EXEC;
	hb_rules_config(&a->rules, cfg->policy.guards, &r->paths, cfg);
	/* Tier B's seccomp denials wait for us, to be answered and reported. */
	if (hb_run_b_spawn_plan(a, &cfg->tiers, &r->landlock, &r->spawn)) {
		if (hb_run_b_notify_pair(r->notify_sp))
			return -EIO;
		r->spawn.notify_sock = r->notify_sp[1];
	}
	if (a->rules.n_domains && (cfg->policy.guards & HB_GUARD_NET)) {
		if (hb_dns_guard_open(&r->dns, a->rules.domains, a->rules.n_domains,
				      a->rules.audit, hb_run_on_event, &r->rs))
			return -EIO;
		cfg->policy.net |= HB_NET_DNS_PROXY;
		hb_dns_guard_ports(&r->dns, &cfg->policy.dns_port4, &cfg->policy.dns_port6);
	}
	if (hb_gc(r->warm ? &r->agent : NULL, false) < 0)
		hb_debug("gc of abandoned sandboxes failed; carrying on");
	return 0;
}

/*
 * The sandbox made, then the command started into it. Returns its pid,
 * or -errno after saying why; RUN_WITHOUT_LSM's case leaves @lsm filled
 * and the signal mask and SIGPIPE as they were, for the second try.
 */
static pid_t start(struct run *r, const struct hb_run_args *a, struct lsm_failed *lsm)
{
	pid_t child;

	/* Blocked before the child exists, so none is lost or mishandled. */
	hb_run_block_signals(&r->set, &r->old);
	/* A closed stderr must not kill us before we clean up. */
	r->spawn.sigpipe_ignored = signal(SIGPIPE, SIG_IGN) == SIG_IGN;
	if (hb_sandbox_open(&r->sb, &r->cfg, r->warm ? &r->agent : NULL, hb_run_on_event,
			    &r->rs)) {
		if (!r->sb.lsm_err)
			return -EIO;
		/* Nothing started: as we found things, for the second try. */
		lsm->err = r->sb.lsm_err;
		lsm->why = r->sb.lsm_why;
		sigprocmask(SIG_SETMASK, &r->old, NULL);
		if (!r->spawn.sigpipe_ignored)
			signal(SIGPIPE, SIG_DFL);
		return RUN_WITHOUT_LSM;
	}
	snprintf(r->rs.cgroup, sizeof(r->rs.cgroup), "/%s/%s", HB_CGROUP_PARENT, r->sb.cg.name);
	r->rs.jctx.cgroup = r->rs.cgroup;
	hb_fs_audit_sandbox(&r->fsa, r->sb.cg.id, r->rs.cgroup);
	if (hb_run_audit_in_tier_b(a, &r->cfg.tiers))
		say_audit_unseen(a, &r->cfg.tiers, &r->fsa);
	hb_debug("sandbox ready; starting the command");
	/* Not into a JSON stream or a trace file: -v says it on stderr. */
	if (a->verbose || (a->trace && !a->trace_json && !a->trace_file))
		hb_run_say_enforcement(a, &r->cfg.tiers);
	/* No programs are loaded for it: nothing, not even the seal, holds. */
	hb_run_warn_unguarded(a, false);

	r->spawn.creds = &r->creds;
	r->spawn.mask = &r->old;
	child = hb_spawn(a->cmd, r->sb.cg.fd, &r->spawn);
	if (child < 0) {
		hb_dns_guard_close(&r->dns);
		hb_sandbox_close(&r->sb);
		return child;
	}
	hb_fs_audit_command(&r->fsa, child, r->creds.uid);
	if (r->notify_sp[1] >= 0) {
		close(r->notify_sp[1]);
		r->notify_sp[1] = -1;
	}
	if (r->notify_sp[0] >= 0 &&
	    hb_run_b_take_listener(r->notify_sp[0], child, &r->xn, r->sb.cg.id, a->rules.audit)) {
		hb_log("cannot take the seccomp listener; stopping the command");
		kill(child, SIGKILL);
	}
	/* Threads only now: the child was forked from a single thread. */
	if (r->dns.proxy &&
	    hb_dns_guard_start(&r->dns, r->sb.maps.dns_addrs, r->sb.cg.id, r->sb.cg.path)) {
		hb_log("cannot start the DNS proxy; stopping the command");
		kill(child, SIGKILL);
	}
	return child;
}

/* Until the command is gone; then what it met, and the sandbox removed. */
static int finish(struct run *r, const struct hb_run_args *a, pid_t child)
{
	struct hb_stats st;
	int wstatus = 0, status;

	if (supervise(child, &r->set, &r->sb, &r->xn, &r->fsa, &r->rs, &wstatus)) {
		hb_log("lost track of the command: %s", strerror(errno));
		wstatus = HB_EXIT_FAILURE << 8;
	}
	status = hb_exit_status(wstatus);
	hb_debug("the command exited; cleaning up");
	hb_dns_guard_close(&r->dns);
	hb_sandbox_drain_all(&r->sb);
	hb_fs_audit_read(&r->fsa, hb_run_on_event, &r->rs);
	if (r->fsa.gone)
		hb_log("audit: %llu file events came from processes already reaped when read "
		       "(the sandbox's or others'): not judged", (unsigned long long)r->fsa.gone);
	status = hb_run_report(&r->rs, a, r->sb.cg.id,
			       hb_sandbox_stats(&r->sb, &st) ? NULL : &st, wstatus, status);
	hb_sandbox_close(&r->sb);
	/* Off the command's time: the first cold run of a boot keeps the kernel's types. */
	hb_obj_keep_core_btf();
	hb_debug("done");
	return status;
}

static void release(struct run *r)
{
	hb_agent_obj_close(&r->agent);
	hb_dns_guard_close(&r->dns);
	hb_minimal_env_free(r->spawn.envp);
	hb_rules_paths_free(&r->paths);
	if (r->landlock.fd >= 0)
		close(r->landlock.fd);
	for (int i = 0; i < 2; i++)
		if (r->notify_sp[i] >= 0)
			close(r->notify_sp[i]);
	hb_exec_notify_close(&r->xn);
	hb_fs_audit_close(&r->fsa);
	if (r->rs.trace_fd != STDERR_FILENO && r->rs.trace_fd >= 0)
		close(r->rs.trace_fd);
	if (r->rs.summary_fd >= 0)
		close(r->rs.summary_fd);
}

static int run_once(const struct hb_run_args *a, hb_event_fn observe, void *ctx,
		    struct lsm_failed *lsm)
{
	struct run r = {
		.rs = { .lock = PTHREAD_MUTEX_INITIALIZER, .trace = a->trace,
			.json = a->trace_json, .trace_fd = STDERR_FILENO, .summary_fd = -1,
			.observe = observe, .observe_ctx = ctx },
		.landlock = { .fd = -1 },
		.spawn = { .notify_sock = -1 },
		.xn = { .fd = -1 },
		.fsa = { .fd = -1, .procs = { .fd = -1 } },
		.notify_sp = { -1, -1 },
		.agent = { .lock = -1, .use_lock = -1 },
	};
	int status = choose_tiers(&r, a, lsm);
	pid_t child;

	if (status)
		return status;
	status = HB_EXIT_FAILURE;
	if (!prepare(&r, a)) {
		child = start(&r, a, lsm);
		if (child >= 0)
			status = finish(&r, a, child);
		else if (child == RUN_WITHOUT_LSM)
			status = RUN_WITHOUT_LSM;
	}
	release(&r);
	return status;
}

/*
 * Everything after parsing; returns the exit status. BPF-LSM is chosen
 * when it is listed, and the sandbox's own load proves it (no probe
 * program first); if that fails and the probe says BPF-LSM cannot work
 * here, the run starts over as the probe would have had it.
 */
int hb_run(const struct hb_run_args *a, hb_event_fn observe, void *ctx)
{
	struct lsm_failed lsm = {};
	int status = run_once(a, observe, ctx, &lsm);

	if (status == RUN_WITHOUT_LSM)
		status = run_once(a, observe, ctx, &lsm);
	/* Never twice: the second try has no BPF-LSM to fail. */
	return status == RUN_WITHOUT_LSM ? HB_EXIT_FAILURE : status;
}

int hb_cmd_run(int argc, char **argv)
{
	struct hb_run_args a;
	int status;

	if (hb_run_args_parse(argc, argv, &a))
		return HB_EXIT_FAILURE;
	if (a.help) {
		hb_run_usage(stdout);
		hb_run_args_free(&a);
		return 0;
	}
	hb_verbosity = a.verbose;
	hb_log_setup_libbpf();
	/* Without root, the agent confines the command if one runs (run_client.c). */
	status = geteuid() ? hb_run_unprivileged(argc, argv, &a) : hb_run(&a, NULL, NULL);
	hb_run_args_free(&a);
	return status;
}
