// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a run says about its sandbox before the command starts: which
 * mechanism enforces each guard, and what it cannot report. run as root
 * and its client through the agent (run_client.c) say the same.
 */
#include <stdio.h>
#include "log.h"
#include "run_say.h"
#include "unseen.h"

/* What every tier B sandbox gets, whatever its guards (spec/tiers.md). */
static void say_tier_b_scope(const struct hb_tiers *t)
{
	if (t->landlock_abi)
		hb_log("Landlock (ABI %d): %s", t->landlock_abi, hb_tier_b_scope(t->landlock_abi));
	else
		hb_log("%s", hb_tier_b_scope(0));
	hb_log("seccomp: no TIOCSTI or TIOCLINUX (typing into the terminal)");
}

/* Enforced without a trace line or a count (spec/tiers.md). */
static void say_unseen(__u32 unseen)
{
	char list[1024];

	hb_unseen_list(unseen, list, sizeof(list));
	if (list[0])
		hb_log("not reported (enforced, but no trace line and not counted): %s", list);
}

bool hb_run_audit_in_tier_b(const struct hb_run_args *a, const struct hb_tiers *t)
{
	return a->rules.audit && a->rules.guards && t->tamper != HB_TIER_A;
}

/* The filesystem guard's part of a tier B audit, on fanotify. */
bool hb_run_audit_fs_b(const struct hb_run_args *a, const struct hb_tiers *t)
{
	return hb_run_audit_in_tier_b(a, t) && (a->rules.guards & HB_GUARD_FS) &&
	       t->fs == HB_TIER_LANDLOCK;
}

/* The user is always told which mechanism enforces what (-v, --trace). */
void hb_run_say_enforcement(const struct hb_run_args *a, const struct hb_tiers *t)
{
	if (a->rules.guards & HB_GUARD_NET) {
		hb_log("network guard: enforced by %s%s", hb_tier_name(t->net),
		       t->net == HB_TIER_A ? " (socket_connect, socket_sendmsg, "
					     "socket_create, socket_bind, socket_listen, "
					     "unix_stream_connect, unix_may_send)" :
		       t->net == HB_TIER_B ? " (cgroup connect, sendmsg, bind, sock_create "
					     "and unix hooks) and seccomp (socket families, "
					     "io_uring)" : "");
		if (a->rules.n_domains)
			hb_log("--allow-domain: DNS to port 53 goes to hermetic-bpf's "
			       "proxy (cgroup-bpf redirect)");
	}
	if ((a->rules.guards & HB_GUARD_EXEC) && hb_run_audit_in_tier_b(a, t))
		hb_log("--no-subprocess: audited by seccomp (every exec after the command's "
		       "own is let through and reported)");
	else if (a->rules.guards & HB_GUARD_EXEC)
		hb_log("--no-subprocess: enforced by %s%s", hb_tier_name(t->exec),
		       t->exec == HB_TIER_A ? " (bprm_creds_for_exec)" :
		       " and seccomp (every exec after the command's own is refused)");
	if (a->rules.guards & HB_GUARD_NATIVE)
		hb_log("--block-native: enforced by %s (bprm_check_security, mmap_file, "
		       "file_mprotect)", hb_tier_name(t->native));
	if (a->rules.guards & HB_GUARD_ENV)
		hb_log("--no-env: minimal environment (hermetic-bpf); other processes' "
		       "/proc files: %s (ptrace_access_check)", hb_tier_name(t->env));
	if (hb_run_audit_fs_b(a, t))
		hb_log("filesystem guard: audited by fanotify (Landlock, which can only deny, "
		       "gets no file rights)");
	else if ((a->rules.guards & HB_GUARD_FS) && t->fs == HB_TIER_LANDLOCK)
		hb_log("filesystem guard: enforced by Landlock (ABI %d): file contents, "
		       "names and %s; not attributes or xattrs (spec/tiers.md)",
		       t->landlock_abi, a->rules.fs_root ? "reads and listings, not stat" :
		       "links");
	else if (a->rules.guards & HB_GUARD_FS)
		hb_log("filesystem guard: enforced by %s%s%s", hb_tier_name(t->fs),
		       t->fs == HB_TIER_A ? " (file_open, path_mknod, path_mkdir, path_rmdir, "
					    "path_unlink, path_rename, path_link, path_symlink, "
					    "inode_setattr, inode_setxattr, inode_removexattr" : "",
		       t->fs != HB_TIER_A ? "" : a->rules.fs_root ? ", inode_getattr, inode_readlink)" :
		       ")");
	if (t->tamper == HB_TIER_A)
		hb_log("sealed by BPF-LSM: no bpf(), mounts, cgroup or kernel-interface "
		       "changes outside the sandbox, signals, ptrace or perf of processes "
		       "outside, typing into a terminal, privilege gained at exec, or "
		       "capabilities beyond the few a root command keeps");
	else if (a->rules.guards)
		hb_log("not sealed: without BPF-LSM, a command running as root could "
		       "undo the sandbox (this one runs as a user)");
	if (a->rules.guards && t->tamper != HB_TIER_A)
		say_tier_b_scope(t);
	say_unseen(hb_unseen(a->rules.guards & ~t->unenforced, t) &
		   (hb_run_audit_fs_b(a, t) ? ~(__u32)HB_UNSEEN_FS : ~0u));
	if (a->rules.audit && a->rules.guards)
		hb_log("audit mode (--audit): what the guards would deny is allowed and "
		       "reported as audited; the seal still denies");
}

/*
 * What this sandbox cannot report (spec/tiers.md, "What tier B can
 * report"). A whole guard's denials unseen (tier B's filesystem guard) is
 * said once at start; --fail-on-block will not promise to notice them
 * unless --allow-partial accepts that it cannot.
 */
bool hb_run_unseen_refused(const struct hb_run_args *a, __u32 unseen)
{
	__u32 listed = unseen & ~hb_unseen_refused(unseen);

	/* Listed, not refused (a scope denial is rare): said once all the same. */
	if (a->fail_on_block && listed) {
		char list[1024];

		hb_unseen_list(listed, list, sizeof(list));
		hb_log("note: --fail-on-block does not see %s: enforced without a report", list);
	}
	if (!hb_unseen_refused(unseen))
		return false;
	if (!a->fail_on_block) {
		hb_log("tier B cannot report filesystem denials on this kernel: they are "
		       "enforced but not traced or counted");
		return false;
	}
	if (a->allow_partial) {
		hb_log("warning: --fail-on-block: tier B cannot see filesystem denials on this "
		       "kernel; they are enforced but cannot fail the run (--allow-partial)");
		return false;
	}
	hb_log("cannot promise --fail-on-block here: tier B enforces the filesystem guard "
	       "with Landlock, which reports no denial; a blocked write would not fail the run");
	hb_hint("use a kernel with BPF-LSM (hermetic-bpf doctor), or add --allow-partial to "
		"run with filesystem denials enforced but not counted");
	return true;
}
