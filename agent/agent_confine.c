// SPDX-License-Identifier: GPL-2.0-only
/*
 * CONFINE (spec/agent-socket.md, "Run without root"): any local user may ask,
 * so everything in the request is checked here, as root, against what
 * the kernel says (SO_PEERCRED, the pidfd, /proc), never against what
 * the client claims. The flags are parsed again by run's parser, and
 * every path in them is looked up as the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "agent_confine.h"
#include "agent_conn.h"
#include "agent_move.h"
#include "agent_pins.h"
#include "agent_proc.h"
#include "agent_req.h"
#include "cgroup.h"
#include "creds.h"
#include "log.h"
#include "run_args.h"
#include "sandbox.h"
#include "tier.h"
#include "unix_rule.h"

static int say(char *text, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, len, fmt, ap);
	va_end(ap);
	return err;
}

/* Whether we hold CAP_SETUID and CAP_SETGID, which looking up as the caller takes. */
static bool can_switch_ids(void)
{
	unsigned long long eff = 0;
	char line[128];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return (eff >> 6 & 1) && (eff >> 7 & 1); /* CAP_SETGID, CAP_SETUID */
}

/*
 * Whether cgroup @cg (a process's) is under a policy already, at any
 * level of its path, or in a sandbox of hermetic-bpf's (a cold run's
 * policy is in its own object, not the agent's maps): moving its process
 * out would free it, and a second policy would be nesting. 1, 0, or
 * -errno (refused too).
 */
static int confined(const struct hb_agent_socket *s, const char *cg)
{
	char dir[PATH_MAX * 2];
	struct hb_policy pol;

	if (!strncmp(cg, "/" HB_CGROUP_PARENT, strlen("/" HB_CGROUP_PARENT)) &&
	    (cg[strlen("/" HB_CGROUP_PARENT)] == '/' || !cg[strlen("/" HB_CGROUP_PARENT)]))
		return 1;
	/* Every prefix of the path, the whole path included. */
	for (size_t i = 1, n = strlen(cg); i <= n; i++) {
		struct stat st;
		__u64 id;

		if (cg[i] != '/' && cg[i] != '\0')
			continue;
		snprintf(dir, sizeof(dir), "%s%.*s", s->cgroot, (int)i, cg);
		if (stat(dir, &st))
			return -errno;
		id = st.st_ino;
		if (!bpf_map_lookup_elem(s->obj->maps.policies, &id, &pol))
			return 1;
	}
	return 0;
}

/*
 * The process behind @pidfd must be alive, the caller's child, and the
 * caller's uid in every uid slot; @id gets what was checked, which the
 * move checks again on the held pid (agent_move.c).
 */
static int check_child(const struct hb_agent_client *c, int pidfd, struct hb_child_id *id,
		       char *text, size_t len)
{
	uid_t uids[4];
	pid_t ppid = 0;

	if (hb_pidfd_alive(pidfd))
		return say(text, len, -EBADF, "the descriptor sent is not a live process's pidfd");
	id->pid = hb_pidfd_pid(pidfd);
	if (!id->pid || hb_proc_status(id->pid, &ppid, uids, &id->caps) ||
	    hb_proc_cgroup(id->pid, id->cgroup, sizeof(id->cgroup)))
		return say(text, len, -ESRCH, "the process is not visible to the agent");
	/* Read while it lived: the pid was its own, not a reused one. */
	if (hb_pidfd_alive(pidfd))
		return say(text, len, -ESRCH, "the process exited");
	if (ppid != c->pid)
		return say(text, len, -EPERM, "process %d is not the caller's child", id->pid);
	for (int i = 0; i < 4; i++)
		if (uids[i] != c->uid)
			return say(text, len, -EPERM, "process %d does not run as the caller's "
				   "uid %u alone", id->pid, c->uid);
	id->ppid = c->pid;
	id->uid = c->uid;
	id->gid = c->gid;
	return 0;
}

struct policy_ctx {
	bool tier_b;  /* the agent's network guard is cgroup-bpf's: Landlock is the client's */
	pid_t caller;
	int argc;
	char **argv;
	struct hb_run_args a;
	bool parsed;
	struct hb_rules_paths paths;
};

/*
 * As the caller: its --policy files and every path are looked up with its
 * ids, and a relative one from its working directory.
 */
static int parse_as_caller(void *ctx)
{
	struct policy_ctx *p = ctx;
	char cwd[64];

	snprintf(cwd, sizeof(cwd), "/proc/%d/cwd", p->caller);
	if (chdir(cwd)) {
		int err = -errno;

		hb_log("agent: cannot enter the working directory of pid %d: %s", p->caller,
		       strerror(-err));
		return err;
	}
	if (hb_run_args_parse(p->argc, p->argv, &p->a))
		return -EINVAL;
	p->parsed = true;
	/* Refused below, before anything is resolved for them. */
	if (p->a.user || p->a.rules.n_domains || (p->a.rules.fs_root && !p->tier_b))
		return 0;
	/* In tier B only the network's paths are ours: the client's Landlock has the rest. */
	if (p->tier_b)
		return hb_rules_resolve(&p->a.rules, HB_RESOLVE_UNIX, NULL, NULL, &p->paths) ?
		       -ENOENT : 0;
	return hb_rules_resolve(&p->a.rules, HB_RESOLVE_UNIX | HB_RESOLVE_EXEC |
				(p->a.rules.guards & HB_GUARD_FS ? HB_RESOLVE_FS : 0),
				p->a.cmd[0], NULL, &p->paths) ? -ENOENT : 0;
}

static void policy_free(struct policy_ctx *p)
{
	if (p->parsed)
		hb_run_args_free(&p->a);
	hb_rules_paths_free(&p->paths);
}

/*
 * Tier B (spec/agent-socket.md, "Without BPF-LSM"): the network guard on
 * the boot's shared cgroup programs, the filesystem and exec guards on the
 * Landlock ruleset the client's child takes on, as run would choose them
 * here. A guard neither has is refused by name, or let through by
 * --allow-partial; the guards the programs judge are left in @cfg.
 */
static int tiers_b(const struct hb_agent_socket *s, const struct hb_run_args *a,
		   struct hb_sandbox_config *cfg, char *text, size_t len)
{
	struct hb_tiers *t = &cfg->tiers;
	__u32 missing;

	memset(t->mech, 0, sizeof(t->mech));
	t->unix_connect = s->tiers->unix_connect;
	t->unix_sendmsg = s->tiers->unix_sendmsg;
	t->landlock_abi = s->tiers->landlock_abi;
	missing = hb_tier_b_assign(a->rules.guards, s->tiers->net == HB_TIER_B, t);
	if (missing && !a->allow_partial)
		return say(text, len, -EOPNOTSUPP, "%s cannot be enforced by this agent: it runs "
			   "without BPF-LSM (tier B); drop it, or add --allow-partial to run "
			   "without it", hb_guard_by_bit(missing & -missing)->what);
	t->unenforced = missing;
	if (a->rules.n_exec_paths && !hb_tier_b_keeps_exec_list(t))
		return say(text, len, -EOPNOTSUPP, "--allow-exec cannot be kept: "
			   HB_TIER_EXEC_LIST_WHY " (--no-subprocess alone is enforced)");
	if (a->rules.audit && t->fs == HB_TIER_LANDLOCK)
		return say(text, len, -EOPNOTSUPP, "--audit of the filesystem guard without "
			   "BPF-LSM needs root (fanotify): sudo hermetic-bpf run --audit ...");
	cfg->policy.guards = a->rules.guards & ~t->unenforced & ~(__u32)(HB_GUARD_FS | HB_GUARD_EXEC);
	return 0;
}

/* What run would write for these flags: on the agent's programs (BPF-LSM), or tier B's. */
static int build_config(const struct hb_agent_socket *s, struct policy_ctx *p,
			struct hb_sandbox_config *cfg, char *text, size_t len)
{
	const struct hb_run_args *a = &p->a;
	const char *why;
	int err;

	if (a->user)
		return say(text, len, -EPERM, "--user needs root");
	if (a->rules.n_domains)
		return say(text, len, -EOPNOTSUPP, "--allow-domain needs root (its DNS proxy "
			   "is a cgroup program of the sandbox's own)");
	memset(cfg, 0, sizeof(*cfg));
	if (p->tier_b) {
		err = tiers_b(s, a, cfg, text, len);
		if (!err)
			hb_rules_config(&a->rules, cfg->policy.guards, &p->paths, cfg);
		return err;
	}
	if (a->rules.fs_root)
		return say(text, len, -EOPNOTSUPP, "--fs-readonly=ROOT needs root (the agent's "
			   "programs have no stat hooks)");
	hb_tier_lsm(&cfg->tiers);
	/* Sealed, as every run on BPF-LSM. */
	hb_rules_config(&a->rules, a->rules.guards | HB_GUARD_TAMPER, &p->paths, cfg);
	why = hb_agent_cannot_serve(cfg);
	if (why)
		return say(text, len, -EOPNOTSUPP, "the agent's programs cannot serve %s", why);
	return 0;
}

static void quota_add(struct hb_quota_use *to, const struct hb_quota_use *u)
{
	to->sandboxes += u->sandboxes;
	for (int m = 0; m < HB_QUOTA_MAPS; m++)
		to->rules[m] += u->rules[m];
}

/* What the live sandboxes of @uid, and of every user (root not), hold of the maps. */
static void quota_use(const struct hb_agent_socket *s, uid_t uid, struct hb_quota_use *mine,
		      struct hb_quota_use *users)
{
	memset(mine, 0, sizeof(*mine));
	memset(users, 0, sizeof(*users));
	for (size_t i = 0; i < HB_AGENT_MAX_CLIENTS; i++) {
		const struct hb_agent_client *c = &s->clients[i];

		if (c->fd < 0 || !c->sb || c->uid == 0)
			continue;
		quota_add(users, &c->held);
		if (c->uid == uid)
			quota_add(mine, &c->held);
	}
}

/*
 * Within the caller's quota, counted before anything is written: what
 * @cfg would add to the maps (an upper bound: a rule named twice is one
 * entry).
 */
static int within_quota(const struct hb_agent_socket *s, struct hb_agent_client *c,
			const struct hb_sandbox_config *cfg, char *text, size_t len)
{
	struct hb_quota_use mine, users, want = { .sandboxes = 1 };

	want.rules[HB_QUOTA_NET] = cfg->n_ip_rules;
	want.rules[HB_QUOTA_UNIX] = cfg->n_unix_rules;
	want.rules[HB_QUOTA_EXEC] = cfg->n_exec_rules;
	want.rules[HB_QUOTA_FS] = cfg->fs_rules ? cfg->fs_rules->n : 0;
	want.rules[HB_QUOTA_BIND] = cfg->n_bind_rules;
	quota_use(s, c->uid, &mine, &users);
	c->held = want;
	return hb_quota_check(c->uid, &mine, &users, &want, text, len);
}

static int on_sandbox_event(void *ctx, const struct hb_event *ev)
{
	struct hb_agent_client *c = ctx;
	struct hb_agent_socket *s = c->owner;

	/* A client that is gone is dropped by the loop (EPOLLHUP), not here. */
	hb_agent_client_event(s, c, ev);
	if (s->also)
		s->also(s->also_ctx, (void *)ev, sizeof(*ev));
	return 0;
}

static int open_sandbox(struct hb_agent_socket *s, struct hb_agent_client *c, __u32 op,
			struct hb_sandbox_config *cfg, int pidfd, const struct hb_child_id *id,
			char *text, size_t len)
{
	bool tier_b = s->obj->tier != HB_TIER_A;
	struct epoll_event e = { .events = EPOLLIN };
	struct hb_sandbox *sb = calloc(1, sizeof(*sb));
	char rel[PATH_MAX];
	int err;

	if (!sb)
		return say(text, len, -ENOMEM, "out of memory");
	/* Tier B: the boot's shared programs, on the sandbox's cgroup, as run's. */
	err = hb_sandbox_open(sb, cfg, tier_b ? NULL : s->obj, on_sandbox_event, c);
	if (err) {
		free(sb);
		return say(text, len, err, "cannot make the sandbox: %s", strerror(-err));
	}
	snprintf(rel, sizeof(rel), "/%s/%s", HB_CGROUP_PARENT, sb->cg.name);
	err = hb_agent_move_child(pidfd, id, sb->cg.path, rel, text, len);
	e.data.fd = hb_sandbox_events_fd(sb);
	/* A tier B sandbox without guards has no programs, so no events. */
	if (!err && e.data.fd >= 0 && epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, e.data.fd, &e))
		err = say(text, len, -errno, "cannot watch the sandbox's events");
	if (err) {
		hb_sandbox_close(sb);
		free(sb);
		return err;
	}
	c->sb = sb;
	c->ring_fd = e.data.fd;
	snprintf(text, len, "%llu /%s/%s", (unsigned long long)sb->cg.id, HB_CGROUP_PARENT,
		 sb->cg.name);
	if (op == HB_AGENT_OP_CONFINE_B)
		snprintf(text + strlen(text), len - strlen(text), " %c %x", tier_b ? 'B' : 'A',
			 cfg->tiers.unenforced);
	hb_log("agent: %s confines process %d of uid %u (pid %d's run)", sb->cg.name, id->pid,
	       c->uid, c->pid);
	return 0;
}

/* The caller's supplementary groups, as the kernel has them, for its lookups. */
static int caller_creds(const struct hb_agent_client *c, struct hb_creds *cr)
{
	socklen_t glen = sizeof(cr->groups);

	memset(cr, 0, sizeof(*cr));
	cr->change = true;
	cr->uid = c->uid;
	cr->gid = c->gid;
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, cr->groups, &glen))
		return -errno;
	cr->ngroups = (int)(glen / sizeof(gid_t));
	return 0;
}

/* parse_as_caller() as the caller, then the agent's own working directory again. */
static int with_our_cwd(const struct hb_creds *cr, struct policy_ctx *p)
{
	int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), err;

	if (here < 0)
		return -errno;
	err = hb_as_user(cr, parse_as_caller, p);
	if (fchdir(here)) {
		hb_log("agent: cannot go back to its working directory: %s", strerror(errno));
		abort(); /* every later relative path would be the caller's */
	}
	close(here);
	return err;
}

int hb_agent_confine(struct hb_agent_socket *s, struct hb_agent_client *c, __u32 op,
		     char *body, size_t len, const int *fds, int n_fds, char *text,
		     size_t text_len)
{
	char *argv[HB_CONFINE_MAX_WORDS + 2];
	struct policy_ctx p = {};
	struct hb_sandbox_config cfg;
	struct hb_child_id id = {};
	struct hb_creds cr;
	char cg[PATH_MAX];
	int err, r;

	if (!s->obj || !s->cgroot)
		return say(text, text_len, -EOPNOTSUPP, "this agent does not confine runs");
	p.tier_b = s->obj->tier != HB_TIER_A;
	/* Tier B's Landlock and seccomp are the client's to take on: an older one would not. */
	if (p.tier_b && op != HB_AGENT_OP_CONFINE_B)
		return say(text, text_len, -EOPNOTSUPP, "this agent runs without BPF-LSM (tier B), "
			   "where the client's own Landlock and seccomp hold a run's filesystem "
			   "and exec guards and its scope; this client is older than the agent: "
			   "use the hermetic-bpf the agent runs");
	/* Root is not sealed in tier B (spec/tiers.md); root runs its own sandbox. */
	if (p.tier_b && c->uid == 0)
		return say(text, text_len, -EPERM, "a command running as root cannot be sealed "
			   "without BPF-LSM: run it as a user");
	/* Without them hb_as_user() could not switch, nor switch back. */
	if (!can_switch_ids())
		return say(text, text_len, -EOPNOTSUPP, "the agent lacks CAP_SETUID and "
			   "CAP_SETGID, which it needs to look paths up as the caller");
	if (n_fds != 1)
		return say(text, text_len, -EBADF, "the request must carry exactly one "
			   "descriptor, the child's pidfd (it carried %d)", n_fds);
	p.argc = hb_confine_req_words(body, len, argv);
	if (p.argc < 0)
		return say(text, text_len, p.argc, "malformed request (the flags must be "
			   "NUL-terminated words, at most %d)", HB_CONFINE_MAX_WORDS);
	p.argv = argv;
	err = check_child(c, fds[0], &id, text, text_len);
	if (err)
		return err;
	/* Capabilities (ambient ones survive exec) are what tier B cannot seal, as root. */
	if (p.tier_b && id.caps)
		return say(text, text_len, -EPERM, "the command would hold capabilities (%#llx), "
			   "which cannot be sealed without BPF-LSM: run it without them",
			   (unsigned long long)id.caps);
	/* The caller's own cgroup and its child's: neither may leave a policy. */
	r = hb_proc_cgroup(c->pid, cg, sizeof(cg));
	if (!r)
		r = confined(s, cg);
	if (!r)
		r = confined(s, id.cgroup);
	if (r)
		return say(text, text_len, r < 0 ? r : -EBUSY, r < 0 ?
			   "cannot tell whether the caller is confined already" :
			   "the caller runs under a policy already: a run inside it could "
			   "only weaken or nest it");
	p.caller = c->pid;
	err = caller_creds(c, &cr);
	if (!err)
		err = with_our_cwd(&cr, &p);
	if (err) {
		policy_free(&p);
		return say(text, text_len, err, p.parsed ? "a path in the flags cannot be used "
			   "by uid %u (the agent's log says which)" : "the flags do not parse "
			   "(the agent's log says why)", c->uid);
	}
	err = build_config(s, &p, &cfg, text, text_len);
	/* Tier B judges an --allow-unix path, not the socket: the caller must not re-point it. */
	if (!err && p.tier_b && (cfg.policy.guards & HB_GUARD_NET) &&
	    hb_unix_rules_check_b(p.paths.unix_rules, p.a.rules.n_unix_paths, &cr))
		err = say(text, text_len, -EPERM, "an --allow-unix path could be re-pointed by "
			  "uid %u (the agent's log says which)", c->uid);
	if (!err)
		err = within_quota(s, c, &cfg, text, text_len);
	if (!err)
		hb_debug("agent: uid %u's request checked; making its sandbox", c->uid);
	if (!err)
		err = open_sandbox(s, c, op, &cfg, fds[0], &id, text, text_len);
	policy_free(&p);
	return err;
}

void hb_agent_confine_drain(struct hb_agent_client *c)
{
	if (c->sb)
		hb_sandbox_drain(c->sb);
}

void hb_agent_confine_end(struct hb_agent_socket *s, struct hb_agent_client *c)
{
	struct hb_sandbox *sb = c->sb;
	struct hb_stats st;
	int err;

	hb_sandbox_drain_all(sb);
	if (hb_sandbox_stats(sb, &st))
		memset(&st, 0, sizeof(st));
	epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, c->ring_fd, NULL);
	c->ring_fd = -1;
	hb_log("agent: %s ended (its client closed); removing it", sb->cg.name);
	err = hb_sandbox_close(sb);
	hb_agent_send(c->fd, HB_AGENT_MSG_DONE, err, &st, sizeof(st));
	free(sb);
	c->sb = NULL;
	/* Its rules are gone from the maps: the user's quota is free again. */
	memset(&c->held, 0, sizeof(c->held));
}
