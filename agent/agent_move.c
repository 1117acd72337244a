// SPDX-License-Identifier: GPL-2.0-only
/*
 * CONFINE's move (spec/agent-socket.md, "The move"). cgroup.procs takes
 * a pid, not a pidfd, and the agent checks the child long before it
 * moves it (the caller's paths are looked up in between, which a FUSE
 * mount of the caller's can stall): the child may die meanwhile, be
 * reaped by the caller, and its pid be taken by a process of another
 * user or another sandbox, which a bare write would move.
 *
 * So the pid is held first: a short-lived helper, with the caller's ids,
 * PTRACE_SEIZEs it. A traced process that dies stays a zombie that only
 * its tracer can reap, so from the seize until the helper exits the pid
 * cannot be reused. The helper then checks, on the held pid, that it is
 * still the checked child (pidfd alive and naming that pid, same parent,
 * uids and cgroup), writes it to cgroup.procs, and checks it landed.
 * The seize is done as the caller, so it can only ever hold a process
 * the caller could trace anyway; the helper exiting detaches it.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>
#include "agent_move.h"
#include "agent_proc.h"

/* The helper's reason, for the agent's reply; returns @err. */
static int tell(int out, int err, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* Lost, the agent says something generic instead. */
	if (n > 0)
		(void)!write(out, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
	return err;
}

/* Whether the held pid is still the child the agent checked. */
static int same_child(int out, int pidfd, const struct hb_child_id *id)
{
	char cg[PATH_MAX];
	uid_t uids[4];
	pid_t ppid = 0;
	__u64 caps;

	/*
	 * Alive (or a zombie, held) after the seize: the process seized was
	 * the pidfd's. Before it, the pid may have been anyone's.
	 */
	if (hb_pidfd_alive(pidfd) || hb_pidfd_pid(pidfd) != id->pid)
		return tell(out, -ESRCH, "process %d exited before it was moved", id->pid);
	if (hb_proc_status(id->pid, &ppid, uids, &caps) || hb_proc_cgroup(id->pid, cg, sizeof(cg)))
		return tell(out, -ESRCH, "process %d exited before it was moved", id->pid);
	if (ppid != id->ppid)
		return tell(out, -EPERM, "process %d is no longer the caller's child", id->pid);
	for (int i = 0; i < 4; i++)
		if (uids[i] != id->uid)
			return tell(out, -EPERM, "process %d changed its uids", id->pid);
	if (caps != id->caps)
		return tell(out, -EPERM, "process %d changed its capabilities", id->pid);
	if (strcmp(cg, id->cgroup))
		return tell(out, -EPERM, "process %d left the cgroup it was checked in (%s)",
			    id->pid, id->cgroup);
	return 0;
}

static int hold_and_move(int out, int pidfd, const struct hb_child_id *id, int procs,
			 const char *rel)
{
	char cg[PATH_MAX], val[16];
	int n, err;

	/*
	 * The caller's ids, and no capability left: the seize is then the
	 * caller's own right over its own child, never the agent's over
	 * whoever took the pid.
	 */
	if (id->uid && (setgroups(0, NULL) || setresgid(id->gid, id->gid, id->gid) ||
			setresuid(id->uid, id->uid, id->uid)))
		return tell(out, -errno, "cannot take uid %u's ids to hold its child: %s", id->uid,
			    strerror(errno));
	if (ptrace(PTRACE_SEIZE, id->pid, 0, 0)) {
		err = -errno;
		return tell(out, err, "cannot hold process %d still for the move (ptrace as uid "
			    "%u: %s; a child traced already, or kernel.yama.ptrace_scope above "
			    "1, is refused)", id->pid, id->uid, strerror(-err));
	}
	err = same_child(out, pidfd, id);
	if (err)
		return err;
	n = snprintf(val, sizeof(val), "%d", id->pid);
	/* Opened by the agent as root: the kernel checks the opener's rights. */
	if (write(procs, val, (size_t)n) != n) {
		err = -errno;
		return tell(out, err, "cannot move process %d: %s", id->pid, strerror(-err));
	}
	/* A zombie is not moved: it died, and the run is refused. */
	if (hb_proc_cgroup(id->pid, cg, sizeof(cg)) || strcmp(cg, rel) || hb_pidfd_alive(pidfd))
		return tell(out, -ESRCH, "process %d exited while it was moved", id->pid);
	return 0;
}

int hb_agent_move_child(int pidfd, const struct hb_child_id *id, const char *dir,
			const char *rel, char *text, size_t len)
{
	char path[PATH_MAX + 16];
	int msg[2], procs, status = 0, err;
	pid_t pid, got;
	ssize_t n;

	text[0] = '\0';
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	procs = open(path, O_WRONLY | O_CLOEXEC);
	if (procs < 0) {
		err = -errno;
		snprintf(text, len, "cannot open %s: %s", path, strerror(-err));
		return err;
	}
	if (pipe2(msg, O_CLOEXEC)) {
		err = -errno;
		close(procs);
		snprintf(text, len, "cannot move process %d: %s", id->pid, strerror(-err));
		return err;
	}
	/*
	 * The agent's other threads (allow-domain's DNS proxies) share no
	 * stream with the helper, which opens its own /proc files and writes
	 * with vsnprintf() and write(); glibc's fork() leaves malloc and the
	 * stdio list usable in the child.
	 */
	pid = fork();
	if (pid == 0) {
		close(msg[0]);
		_exit(-hold_and_move(msg[1], pidfd, id, procs, rel));
	}
	close(msg[1]);
	close(procs);
	n = pid < 0 ? -1 : read(msg[0], text, len - 1);
	text[n > 0 ? n : 0] = '\0';
	close(msg[0]);
	if (pid < 0) {
		err = -errno;
		snprintf(text, len, "cannot start the helper that moves process %d: %s", id->pid,
			 strerror(-err));
		return err;
	}
	while ((got = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	/* No status to read (a helper killed, or reaped by someone else): refused. */
	err = got == pid && WIFEXITED(status) ? -WEXITSTATUS(status) : -EIO;
	if (err && !text[0])
		snprintf(text, len, "process %d could not be moved (%s)", id->pid, strerror(-err));
	return err;
}
