// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a tier B command takes on before it execs (spec/tiers.md): its
 * Landlock ruleset and seccomp plan, and the listener it hands back, whose
 * calls the supervisor answers. run as root and its client through a tier
 * B agent (run_client.c) do the same here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "log.h"
#include "run_tier_b.h"

/* Answers one call waiting on tier B's listener, reporting a denial. */
void hb_run_b_answer(int ep, struct hb_exec_notify *xn, __u32 events, struct run_state *rs)
{
	struct hb_event ev;
	int r;

	/* Every process that could ask is gone: nothing more will come. */
	if (events & (EPOLLHUP | EPOLLERR)) {
		epoll_ctl(ep, EPOLL_CTL_DEL, xn->fd, NULL);
		return;
	}
	r = hb_exec_notify_answer(xn, &ev);
	if (r > 0)
		hb_run_on_event(rs, &ev);
	else if (r < 0)
		hb_debug("seccomp request: %s", strerror(-r));
}

bool hb_run_is_tier_b(const struct hb_run_args *a, const struct hb_tiers *t)
{
	return a->rules.guards && t->tamper != HB_TIER_A;
}

bool hb_run_net_b(const struct hb_run_args *a, const struct hb_tiers *t)
{
	return (a->rules.guards & ~t->unenforced & HB_GUARD_NET) && t->net == HB_TIER_B;
}

/*
 * A tier B guard that judges paths (the network guard's --allow-unix, the
 * filesystem guard): a user namespace's mounts could put another file at
 * an allowed path, so the sandbox gets none (spec/tiers.md).
 */
static bool paths_guarded(const struct hb_run_args *a, const struct hb_tiers *t)
{
	return hb_run_is_tier_b(a, t) && (a->rules.guards & (HB_GUARD_NET | HB_GUARD_FS));
}

/*
 * Tier B's Landlock ruleset, built now: for every tier B sandbox, as its
 * domain keeps ptrace, signals and abstract unix sockets inside
 * (spec/tiers.md); the filesystem and exec guards add their rights.
 */
int hb_run_b_landlock(const struct hb_run_args *a, const struct hb_tiers *t,
		      struct hb_landlock *ll)
{
	/* --audit: Landlock can only deny; fanotify and seccomp report instead. */
	bool enforce = !a->rules.audit;
	struct hb_landlock_plan p = {
		.fs_write = enforce && t->fs == HB_TIER_LANDLOCK,
		.fs_read = enforce && t->fs == HB_TIER_LANDLOCK && a->rules.fs_root,
		.exec = enforce && t->exec == HB_TIER_LANDLOCK,
		.root = enforce && t->fs == HB_TIER_LANDLOCK ? a->rules.fs_root : NULL,
		.write_paths = a->rules.write_paths,
		.n_write = a->rules.n_write_paths,
		.read_paths = a->rules.read_paths,
		.n_read = a->rules.n_read_paths,
		.cmd = a->cmd[0],
		.path_env = getenv("PATH"),
	};

	ll->fd = -1;
	/* No Landlock: only --allow-partial gets here (tier.c refuses the rest). */
	if (!hb_run_is_tier_b(a, t) || !t->landlock_abi)
		return 0;
	return hb_landlock_build(&p, t->landlock_abi, ll);
}

/*
 * Tier B's seccomp listener comes back over this pair: --no-subprocess
 * (the child looks the command up and runs it with one execve(), the only
 * one the listener lets through) and the denials it reports (spec/tiers.md).
 */
int hb_run_b_notify_pair(int sp[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp)) {
		hb_log("cannot create the seccomp listener's socket: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

bool hb_run_b_spawn_plan(const struct hb_run_args *a, const struct hb_tiers *t,
			 const struct hb_landlock *ll, struct hb_spawn_opts *o)
{
	bool b = hb_run_is_tier_b(a, t);

	o->one_exec = o->seccomp.exec_notify = t->exec == HB_TIER_LANDLOCK;
	o->seccomp.report = b;
	o->seccomp.sockets = hb_run_net_b(a, t);
	o->seccomp.tty_inject = b;
	o->seccomp.no_userns = paths_guarded(a, t);
	o->seccomp.no_rie = a->rules.guards & HB_GUARD_NATIVE;
	o->landlock = ll && ll->fd >= 0 ? ll : NULL;
	return o->seccomp.exec_notify || o->seccomp.report;
}

/* The child's listener, before its exec (which waits for our answer). */
int hb_run_b_take_listener(int sock, pid_t child, struct hb_exec_notify *xn,
			   __u64 sandbox_id, bool audit)
{
	int err = hb_exec_notify_recv(xn, sock, child);

	xn->sandbox_id = sandbox_id;
	xn->audit = audit;
	return err;
}
