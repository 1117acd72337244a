// SPDX-License-Identifier: GPL-2.0-only
/* `hermetic-bpf run`: probe, confine, start, supervise, clean up. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "commands.h"
#include "dns_guard.h"
#include "exit_status.h"
#include "fs_runtime.h"
#include "gc.h"
#include "launch.h"
#include "log.h"
#include "run_args.h"
#include "sandbox.h"
#include "tier.h"
#include "trace_fmt.h"

/* Signals passed on to the command when someone sends them to us. */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1,
				 SIGUSR2, SIGALRM, SIGWINCH, SIGCONT };

/* Events come from the ring buffer (main thread) and the DNS proxy. */
struct run_state {
	pthread_mutex_t lock;
	bool trace;
	unsigned long long by_hook[HB_HOOK_MAX];
};

static int on_event(void *ctx, const struct hb_event *ev)
{
	struct run_state *rs = ctx;
	char line[1024];

	pthread_mutex_lock(&rs->lock);
	rs->by_hook[ev->hook < HB_HOOK_MAX ? ev->hook : HB_HOOK_NONE]++;
	if (rs->trace) {
		hb_format_event(ev, line, sizeof(line));
		hb_log("%s", line);
	}
	pthread_mutex_unlock(&rs->lock);
	return 0;
}

/* The user is always told which mechanism enforces what (-v, --trace). */
static void say_enforcement(const struct hb_run_args *a, const struct hb_tiers *t)
{
	if (a->guards & HB_GUARD_NET) {
		hb_log("network guard: enforced by %s%s", hb_tier_name(t->net),
		       t->net == HB_TIER_A ? " (socket_connect, socket_sendmsg, "
					     "socket_create, socket_bind, socket_listen, "
					     "unix_stream_connect, unix_may_send)" :
		       t->net == HB_TIER_B ? " (cgroup connect, sendmsg, bind, sock_create "
					     "and unix hooks) and seccomp (socket families, "
					     "io_uring)" : "");
		if (a->n_domains)
			hb_log("--allow-domain: DNS to port 53 goes to hermetic-bpf's "
			       "proxy (cgroup-bpf redirect)");
	}
	if (a->guards & HB_GUARD_EXEC)
		hb_log("--no-subprocess: enforced by %s (bprm_creds_for_exec)",
		       hb_tier_name(t->exec));
	if (a->guards & HB_GUARD_NATIVE)
		hb_log("--block-native: enforced by %s (bprm_check_security, mmap_file, "
		       "file_mprotect)", hb_tier_name(t->native));
	if (a->guards & HB_GUARD_ENV)
		hb_log("--no-env: minimal environment (hermetic-bpf); other processes' "
		       "/proc files: %s (ptrace_access_check)", hb_tier_name(t->env));
	if (a->guards & HB_GUARD_FS)
		hb_log("filesystem guard: enforced by %s%s%s", hb_tier_name(t->fs),
		       t->fs == HB_TIER_A ? " (file_open, path_mknod, path_mkdir, path_rmdir, "
					    "path_unlink, path_rename, path_link, path_symlink, "
					    "inode_setattr, inode_setxattr, inode_removexattr" : "",
		       t->fs != HB_TIER_A ? "" : a->fs_root ? ", inode_getattr, inode_readlink)" :
		       ")");
	if (t->tamper == HB_TIER_A)
		hb_log("sealed by BPF-LSM: no bpf(), mounts, kernel-filesystem writes "
		       "outside the sandbox, or signals and ptrace to processes outside");
	else if (a->guards)
		hb_log("not sealed: without BPF-LSM, a command running as root could "
		       "undo the sandbox (this one runs as a user)");
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
	pthread_mutex_lock(&rs->lock);
	for (int h = 0; h < HB_HOOK_MAX; h++)
		seen += rs->by_hook[h];
	if (seen && !rs->trace) {
		hb_format_summary(rs->by_hook, line, sizeof(line));
		hb_log("%s; rerun with --trace to see each", line);
	}
	pthread_mutex_unlock(&rs->lock);
	if (!hb_sandbox_stats(sb, &st) && st.events_lost)
		hb_log("%llu blocked action%s not reported: the event buffer was full",
		       (unsigned long long)st.events_lost,
		       st.events_lost == 1 ? " was" : "s were");
}

/* --allow-exec paths to executables' identities; an error names the flag. */
static struct hb_file_id *resolve_exec(const struct hb_run_args *a)
{
	struct hb_file_id *ids = calloc(a->n_exec_paths + 1, sizeof(*ids));

	for (size_t i = 0; ids && i < a->n_exec_paths; i++) {
		if (hb_file_id("allow-exec", a->exec_paths[i], &ids[i]) ||
		    (!S_ISREG(ids[i].mode) || !(ids[i].mode & 0111))) {
			if (ids[i].mode)
				hb_log("--allow-exec %s: not an executable file",
				       a->exec_paths[i]);
			free(ids);
			return NULL;
		}
	}
	return ids;
}

/*
 * The filesystem guard's rules by identity: --allow-write, the read root,
 * --allow-read, and what the command needs to start (spec/fs.md).
 */
static int resolve_fs(const struct hb_run_args *a, struct hb_fs_rules *r)
{
	__u32 write = HB_FS_RULE_WRITE | (a->fs_root ? HB_FS_RULE_READ : 0);
	struct stat st;
	int err = 0;

	for (size_t i = 0; !err && i < a->n_write_paths; i++)
		err = hb_fs_rules_add(r, "allow-write", a->write_paths[i], write);
	if (err || !a->fs_root)
		return err;
	if (!stat(a->fs_root, &st) && !S_ISDIR(st.st_mode)) {
		hb_log("--fs-readonly=%s: not a directory", a->fs_root);
		return -ENOTDIR;
	}
	err = hb_fs_rules_add(r, "fs-readonly", a->fs_root, HB_FS_RULE_READ);
	for (size_t i = 0; !err && i < a->n_read_paths; i++)
		err = hb_fs_rules_add(r, "allow-read", a->read_paths[i], HB_FS_RULE_READ);
	if (!err)
		/* execvpe() searches our PATH, whatever the command's is. */
		err = hb_fs_runtime_add(r, a->cmd[0], getenv("PATH"));
	return err;
}

/* --allow-unix paths to socket identities; an error names the flag. */
static struct hb_unix_rule *resolve_unix(const struct hb_run_args *a)
{
	struct hb_unix_rule *r = calloc(a->n_unix_paths + 1, sizeof(*r));

	for (size_t i = 0; r && i < a->n_unix_paths; i++) {
		if (hb_unix_rule_resolve(a->unix_paths[i], &r[i])) {
			free(r);
			return NULL;
		}
	}
	return r;
}

static void block_signals(sigset_t *set, sigset_t *old)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(set, forwarded[i]);
	sigprocmask(SIG_BLOCK, set, old);
}

/* Everything after parsing; returns the exit status. */
static int run(const struct hb_run_args *a)
{
	struct run_state rs = { .lock = PTHREAD_MUTEX_INITIALIZER, .trace = a->trace };
	struct hb_sandbox_config cfg = { .policy.net = a->net };
	struct hb_dns_guard dns = {};
	struct hb_unix_rule *unix_rules = NULL;
	struct hb_file_id *exec_rules = NULL;
	struct hb_fs_rules fs_rules = {};
	struct hb_spawn_opts spawn = {};
	struct hb_sandbox sb;
	struct hb_creds creds;
	sigset_t set, old;
	int wstatus = 0, status = HB_EXIT_FAILURE;
	__u32 required;
	pid_t child;

	if (geteuid() != 0) {
		hb_log("run needs root: it creates a cgroup and loads BPF programs");
		hb_hint("sudo hermetic-bpf run ...; the command itself still runs as you");
		return HB_EXIT_FAILURE;
	}
	if (hb_creds_resolve(a->user, &creds))
		return HB_EXIT_FAILURE;
	/* A root command's sandbox must be sealed, or root could undo it. */
	required = a->guards | (a->guards && creds.uid == 0 ? HB_GUARD_TAMPER : 0);
	if (hb_tier_select(required, a->allow_partial, &cfg.tiers))
		return HB_EXIT_FAILURE;
	hb_debug("probe done");
	cfg.policy.guards = a->guards & ~cfg.tiers.unenforced;
	if (cfg.tiers.tamper == HB_TIER_A)
		cfg.policy.guards |= HB_GUARD_TAMPER;
	unix_rules = resolve_unix(a);
	exec_rules = resolve_exec(a);
	if (!unix_rules || !exec_rules)
		goto out;
	cfg.ip_rules = a->ip_rules;
	cfg.n_ip_rules = a->n_ip_rules;
	cfg.unix_rules = unix_rules;
	cfg.n_unix_rules = a->n_unix_paths;
	cfg.exec_rules = exec_rules;
	cfg.n_exec_rules = a->n_exec_paths;
	if (a->n_ip_rules)
		cfg.policy.net |= HB_NET_IP_RULES;
	if (a->n_unix_paths)
		cfg.policy.net |= HB_NET_UNIX_RULES;
	if (a->no_env) {
		spawn.envp = hb_minimal_env(&creds);
		if (!spawn.envp) {
			hb_log("cannot build the environment for --no-env: %s", strerror(errno));
			goto out;
		}
	}
	if (cfg.policy.guards & HB_GUARD_FS) {
		if (resolve_fs(a, &fs_rules))
			goto out;
		cfg.policy.fs = a->fs;
		cfg.fs_rules = &fs_rules;
	}
	if (a->n_domains && (cfg.policy.guards & HB_GUARD_NET)) {
		if (hb_dns_guard_open(&dns, a->domains, a->n_domains, on_event, &rs))
			goto out;
		cfg.policy.net |= HB_NET_DNS_PROXY;
		hb_dns_guard_ports(&dns, &cfg.policy.dns_port4, &cfg.policy.dns_port6);
	}
	if (hb_gc() < 0)
		hb_debug("gc of abandoned sandboxes failed; carrying on");

	/* Blocked before the child exists, so none is lost or mishandled. */
	block_signals(&set, &old);
	/* A closed stderr must not kill us before we clean up. */
	spawn.sigpipe_ignored = signal(SIGPIPE, SIG_IGN) == SIG_IGN;
	if (hb_sandbox_open(&sb, &cfg, on_event, &rs))
		goto out;
	hb_debug("sandbox ready; starting the command");
	if (a->verbose || a->trace)
		say_enforcement(a, &cfg.tiers);

	spawn.creds = &creds;
	spawn.mask = &old;
	spawn.restrict_sockets = (cfg.policy.guards & HB_GUARD_NET) &&
				 cfg.tiers.net == HB_TIER_B;
	child = hb_spawn(a->cmd, sb.cg.fd, &spawn);
	if (child < 0) {
		hb_dns_guard_close(&dns);
		hb_sandbox_close(&sb);
		goto out;
	}
	/* Threads only now: the child was forked from a single thread. */
	if (dns.proxy && hb_dns_guard_start(&dns, &sb)) {
		hb_log("cannot start the DNS proxy; stopping the command");
		kill(child, SIGKILL);
	}
	if (supervise(child, &set, &sb, &wstatus)) {
		hb_log("lost track of the command: %s", strerror(errno));
		wstatus = HB_EXIT_FAILURE << 8;
	}
	status = hb_exit_status(wstatus);
	hb_debug("the command exited; cleaning up");
	hb_dns_guard_close(&dns);
	report(&sb, &rs);
	hb_sandbox_close(&sb);
	hb_debug("done");
out:
	hb_dns_guard_close(&dns);
	hb_minimal_env_free(spawn.envp);
	free(unix_rules);
	free(exec_rules);
	hb_fs_rules_free(&fs_rules);
	return status;
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
	status = run(&a);
	hb_run_args_free(&a);
	return status;
}
