// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tier B's --no-subprocess with the real filter and listener (no root
 * needed: no_new_privs): the command's own exec runs, later ones do not.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "exec_notify.h"
#include "seccomp_filter.h"

static const struct hb_seccomp_plan exec_only = { .exec_notify = true };

/* Runs "sh -c @script" as a sandboxed command; returns its exit status. */
static int run_sh(const char *script, int *denials, struct hb_event *last)
{
	struct hb_exec_notify n;
	int sp[2], status;
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int l;

		close(sp[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			_exit(200);
		if (hb_seccomp_install(&exec_only, &l) || hb_exec_notify_send(sp[1], l))
			_exit(201);
		close(l);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(202);
	}
	close(sp[1]);
	assert_int_equal(hb_exec_notify_recv(&n, sp[0], pid), 0);
	close(sp[0]);
	assert_true(n.fd >= 0);
	*denials = 0;
	for (;;) {
		struct pollfd p = { .fd = n.fd, .events = POLLIN };
		struct hb_event ev;

		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (poll(&p, 1, 100) <= 0 || (p.revents & POLLHUP))
			continue;
		if (hb_exec_notify_answer(&n, &ev) > 0) {
			(*denials)++;
			*last = ev;
		}
	}
	hb_exec_notify_close(&n);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void first_exec_only(void **state)
{
	struct hb_event ev = {};
	int denials;

	(void)state;
	/* The shell itself ran (it exits 5); /bin/true did not. */
	assert_int_equal(run_sh("/bin/true && exit 0; exit 5", &denials, &ev), 5);
	assert_int_equal(denials, 1);
	assert_int_equal(ev.hook, HB_HOOK_EXEC);
	assert_int_equal(ev.reason, HB_REASON_EXEC);
	assert_string_equal(ev.path, "/bin/true");
	/* Re-executing the shell itself is no exception. */
	assert_int_equal(run_sh("exec /bin/sh -c 'exit 0'", &denials, &ev), 126);
	assert_int_equal(denials, 1);
	/* A program that does not exist is not found, not reported. */
	assert_int_equal(run_sh("/nonexistent/x; exit $?", &denials, &ev), 127);
	assert_int_equal(denials, 0);
	/* Work that needs no exec goes on: builtins, fork (a subshell). */
	assert_int_equal(run_sh("x=$( (echo hi) ); test \"$x\" = hi", &denials, &ev), 0);
	assert_int_equal(denials, 0);
}

/* A listener of the sandbox's own would hear its execs first. */
static void no_listener_of_its_own(void **state)
{
	struct sock_filter f[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog p = { 1, f };
	int status;
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0) {
		int l;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || hb_seccomp_install(&exec_only, &l))
			_exit(200);
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			    SECCOMP_FILTER_FLAG_NEW_LISTENER, &p) >= 0)
			_exit(1);
		if (errno != EPERM)
			_exit(2);
		/* A filter without a listener is still fine. */
		_exit(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p) ? 3 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_exec_only),
		cmocka_unit_test(no_listener_of_its_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
