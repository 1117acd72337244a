// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/sched.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "exec_notify.h"
#include "exit_status.h"
#include "fs_runtime.h"
#include "launch.h"
#include "log.h"
#include "seccomp_filter.h"

char **hb_minimal_env(const struct hb_creds *c)
{
	static const char *const kept[] = { "TERM", "LANG", "LC_ALL", "TZ" };
	const char *path = getenv("PATH");
	char **env = calloc(16, sizeof(*env));
	int n = 0;

	if (!env)
		return NULL;
	if (asprintf(&env[n++], "PATH=%s", path ? path :
		     "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0)
		goto fail;
	if (c->home[0] && asprintf(&env[n++], "HOME=%s", c->home) < 0)
		goto fail;
	if (c->name[0] && (asprintf(&env[n++], "USER=%s", c->name) < 0 ||
			   asprintf(&env[n++], "LOGNAME=%s", c->name) < 0))
		goto fail;
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		const char *v = getenv(kept[i]);

		if (v && asprintf(&env[n++], "%s=%s", kept[i], v) < 0)
			goto fail;
	}
	return env;
fail:
	env[n - 1] = NULL; /* asprintf leaves it undefined on failure */
	hb_minimal_env_free(env);
	return NULL;
}

void hb_minimal_env_free(char **env)
{
	for (int i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/* One filter with every part asked for; the listener goes to the supervisor. */
static int install_seccomp(const struct hb_spawn_opts *o)
{
	const struct hb_seccomp_plan *p = &o->seccomp;
	int listener, err;

	/* A listener with nobody to hand it to would fail every call it hears. */
	if (o->notify_sock < 0 && hb_seccomp_has_listener(p)) {
		hb_log("the seccomp listener has no supervisor");
		return -EINVAL;
	}
	err = hb_seccomp_install(p, &listener);
	if (err || listener < 0)
		return err;
	/* Our copy goes before exec: the sandbox must not answer its own calls. */
	err = hb_exec_notify_send(o->notify_sock, listener);
	close(listener);
	close(o->notify_sock);
	if (err)
		hb_log("cannot hand the seccomp listener over: %s", strerror(-err));
	return err;
}

/* In the child: any failure here must stop before exec. */
void hb_child_exec(char *const argv[], const struct hb_spawn_opts *o)
{
	const struct hb_creds *c = o->creds;
	char path[PATH_MAX];
	int err;

	if (c->change &&
	    (setgroups(c->ngroups, c->groups) || setresgid(c->gid, c->gid, c->gid) ||
	     setresuid(c->uid, c->uid, c->uid))) {
		hb_log("cannot switch to uid %u gid %u: %s", c->uid, c->gid,
		       strerror(errno));
		_exit(HB_EXIT_FAILURE);
	}
	/* As execvp() would, as the user; ours is the PATH it searches. */
	if (o->one_exec && (err = hb_find_command(argv[0], getenv("PATH"), path, sizeof(path)))) {
		hb_log("cannot run '%s': %s", argv[0], strerror(-err));
		_exit(hb_exec_failure_status(-err));
	}
	/* setuid binaries (sudo!) would otherwise regain what we dropped. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		hb_log("cannot set no_new_privs: %s", strerror(errno));
		_exit(HB_EXIT_FAILURE);
	}
	if (o->landlock && (err = hb_landlock_enforce(o->landlock))) {
		hb_log("cannot take on the Landlock ruleset: %s", strerror(-err));
		_exit(HB_EXIT_FAILURE);
	}
	if (install_seccomp(o))
		_exit(HB_EXIT_FAILURE);
	if (!o->sigpipe_ignored)
		signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, o->mask, NULL);
	if (o->one_exec)
		execve(path, argv, o->envp ? o->envp : environ);
	else if (o->envp)
		execvpe(argv[0], argv, o->envp);
	else
		execvp(argv[0], argv);
	err = errno;
	hb_log("cannot run '%s': %s", argv[0], strerror(err));
	_exit(hb_exec_failure_status(err));
}

static pid_t spawn_then_move(char *const argv[], int cgroup_fd, const struct hb_spawn_opts *o)
{
	pid_t pid = fork();

	if (pid < 0) {
		int err = errno;

		hb_log("cannot start the command: %s", strerror(err));
		return -err;
	}
	if (pid == 0) {
		int fd = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);

		/* "0": the writer itself. Failing, it must not go on to exec. */
		if (fd < 0 || write(fd, "0", 1) != 1) {
			hb_log("cannot move the command into its cgroup: %s", strerror(errno));
			_exit(HB_EXIT_FAILURE);
		}
		close(fd);
		hb_child_exec(argv, o);
	}
	hb_debug("clone3(CLONE_INTO_CGROUP) unavailable: forked, then moved into the cgroup");
	return pid;
}

pid_t hb_spawn(char *const argv[], int cgroup_fd, const struct hb_spawn_opts *o)
{
	struct clone_args args = {
		.flags = CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = (__u64)cgroup_fd,
	};
	long pid;

	/* glibc 2.36 has no clone3() wrapper; no stack given means fork(). */
	pid = syscall(SYS_clone3, &args, sizeof(args));
	/*
	 * Without clone3() (before 5.3, or under a tracer that lacks it, such
	 * as valgrind 3.19) or CLONE_INTO_CGROUP (before 5.7): fork, and the
	 * child moves itself into the cgroup before it does anything else.
	 * Only our own code runs outside; the command starts after the move.
	 */
	if (pid < 0 && (errno == ENOSYS || errno == E2BIG))
		return spawn_then_move(argv, cgroup_fd, o);
	if (pid < 0) {
		int err = errno;

		hb_log("cannot start the command inside its cgroup (clone3: %s)",
		       strerror(err));
		return -err;
	}
	if (pid == 0)
		hb_child_exec(argv, o);
	return (pid_t)pid;
}
