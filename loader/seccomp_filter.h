/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command's seccomp filter, installed in its process before exec; its
 * descendants inherit it and cannot remove it. One filter holds every
 * part the sandbox asks for (one load, at most one listener): each filter
 * stacked on a task costs every system call it makes.
 */
#ifndef HB_SECCOMP_FILTER_H
#define HB_SECCOMP_FILTER_H

#include <stdbool.h>

struct hb_seccomp_plan {
	/*
	 * Tier B's network guard: cgroup-bpf's socket hook sees inet sockets
	 * only, so socket() fails for every family but unix, netlink and inet
	 * (and io_uring_setup, whose IORING_OP_SOCKET would go around it;
	 * i386's socketcall, whose arguments are in memory).
	 */
	bool sockets;
	/*
	 * Every tier B sandbox: ioctl(TIOCSTI) and ioctl(TIOCLINUX) fail, so
	 * the command cannot type into the terminal it shares with the user's
	 * shell. The terminal otherwise keeps working.
	 */
	bool tty_inject;
	/*
	 * Tier B with a network or filesystem guard: no user namespace is
	 * created or joined (unshare and clone with CLONE_NEWUSER, setns fail
	 * with EPERM; clone3 with ENOSYS, so libc falls back to clone), so no
	 * mount can put another file at a path a guard allows.
	 */
	bool no_userns;
	/*
	 * Tier B's --no-subprocess: every execve()/execveat() waits for the
	 * supervisor holding the listener (loader/exec_notify.c); no other
	 * listener can be installed after it (the newest would hear first).
	 */
	bool exec_notify;
	/*
	 * The calls sockets, tty_inject and no_userns refuse wait for the
	 * listener instead (SCMP_ACT_NOTIFY), whose supervisor answers EPERM
	 * and reports each (loader/deny_notify.c). Without a supervisor the
	 * kernel fails them with ENOSYS: never let through.
	 */
	bool report;
	/*
	 * --block-native: personality() fails with EPERM when the new persona
	 * has READ_IMPLIES_EXEC (brk() would then give executable heap pages
	 * no LSM hook sees); the process's own is cleared first. The i386 and
	 * x32 ABIs, whose ELF loader sets it for binaries without
	 * PT_GNU_STACK, are killed at their first system call.
	 */
	bool no_rie;
};

/* Whether @p's filter has a listener: exec_notify, or report and a part it covers. */
bool hb_seccomp_has_listener(const struct hb_seccomp_plan *p);

/*
 * Installs @p's filter on this thread (no_new_privs must be set); a plan
 * with no part installs nothing. With a listener (above), *@listener gets
 * its descriptor, else -1.
 * Every ABI the filter does not know is denied (EPERM; killed under
 * no_rie). Returns 0 or -errno.
 */
int hb_seccomp_install(const struct hb_seccomp_plan *p, int *listener);

#endif
