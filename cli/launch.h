/* SPDX-License-Identifier: GPL-2.0-only */
/* Starting the command: whose credentials, and born inside the sandbox. */
#ifndef HB_LAUNCH_H
#define HB_LAUNCH_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include "creds.h"
#include "landlock.h"
#include "seccomp_filter.h"

struct hb_spawn_opts {
	const struct hb_creds *creds;
	char **envp;              /* the command's environment; NULL: ours */
	const sigset_t *mask;     /* the signal mask to exec with */
	bool sigpipe_ignored;     /* the caller's SIGPIPE disposition */
	/*
	 * The seccomp filter's parts (loader/seccomp_filter.h); with
	 * exec_notify or report, notify_sock must be set. Nothing asked: no filter.
	 */
	struct hb_seccomp_plan seccomp;
	const struct hb_landlock *landlock; /* tier B: a ruleset to take on, or NULL */
	int notify_sock;          /* tier B: where to send the seccomp listener
				   * (loader/exec_notify.h); -1: none */
	bool one_exec;            /* look the command up on PATH first (as its
				   * user), then exec it with one execve() */
};

/*
 * Starts @argv with clone3(CLONE_INTO_CGROUP), so the child is in the
 * cgroup from its first instruction. The child takes the credentials,
 * sets no_new_privs, takes on the Landlock ruleset and installs the
 * seccomp filter if asked (handing over the exec listener), restores the
 * signal mask and SIGPIPE, and execs. Returns the pid or -errno. If
 * anything fails before exec the child exits 125; if exec fails, 126/127.
 */
pid_t hb_spawn(char *const argv[], int cgroup_fd, const struct hb_spawn_opts *o);

/*
 * What hb_spawn()'s child does in the cgroup: the steps above, then exec.
 * Never returns (exit 125, 126 or 127 on failure).
 */
void hb_child_exec(char *const argv[], const struct hb_spawn_opts *o) __attribute__((noreturn));

/*
 * --no-env: a minimal environment for @c's user: PATH (ours, or a
 * default), HOME, USER, LOGNAME, and TERM, LANG, LC_ALL, TZ if we have
 * them. Nothing else of ours leaks in. Free with hb_minimal_env_free().
 */
char **hb_minimal_env(const struct hb_creds *c);
void hb_minimal_env_free(char **env);

#endif
