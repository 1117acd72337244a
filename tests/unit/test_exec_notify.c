// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tier B's seccomp listener with the real filter (no root needed:
 * no_new_privs): under --no-subprocess the command's own exec runs, later
 * ones do not; each call the filter refuses and reports gets EPERM and one
 * event, its neighbours never wait, and without a supervisor nothing passes.
 */
#include <errno.h>
#include <linux/sched.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "exec_notify.h"
#include "i386_call.h"
#include "seccomp_filter.h"

static const struct hb_seccomp_plan exec_only = { .exec_notify = true };

/* --audit: the supervisor lets execs and the network's calls through (spec/audit.md). */
static bool audit;

/*
 * Runs @child(@arg) in a process under @plan's filter, answering its
 * listener; up to @max denials' events into @evs, their number into
 * *@denials. Returns the process's exit status.
 */
static int supervised(const struct hb_seccomp_plan *plan, int (*child)(const void *),
		      const void *arg, struct hb_event *evs, int max, int *denials)
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
		if (hb_seccomp_install(plan, &l) || hb_exec_notify_send(sp[1], l))
			_exit(201);
		close(l);
		_exit(child(arg));
	}
	close(sp[1]);
	assert_int_equal(hb_exec_notify_recv(&n, sp[0], pid), 0);
	close(sp[0]);
	assert_true(n.fd >= 0);
	n.sandbox_id = 9;
	n.audit = audit;
	*denials = 0;
	for (;;) {
		struct pollfd p = { .fd = n.fd, .events = POLLIN };
		struct hb_event ev;

		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (poll(&p, 1, 100) <= 0 || (p.revents & POLLHUP))
			continue;
		if (hb_exec_notify_answer(&n, &ev) > 0 && (*denials)++ < max)
			evs[*denials - 1] = ev;
	}
	hb_exec_notify_close(&n);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int exec_sh(const void *script)
{
	execl("/bin/sh", "sh", "-c", (const char *)script, (char *)NULL);
	return 202;
}

/* Runs "sh -c @script" as a sandboxed command; returns its exit status. */
static int run_sh(const char *script, int *denials, struct hb_event *last)
{
	struct hb_event evs[4];
	int status = supervised(&exec_only, exec_sh, script, evs, 4, denials);

	if (*denials)
		*last = evs[*denials < 4 ? *denials - 1 : 3];
	return status;
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

/*
 * Runs @child() in a process under @plan's filter whose listener nobody
 * holds (closed at once); returns its exit status.
 */
static int unsupervised(const struct hb_seccomp_plan *plan, int (*child)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int l;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || hb_seccomp_install(plan, &l))
			_exit(200);
		close(l);
		_exit(child());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int own_listener(void)
{
	struct sock_filter f[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog p = { 1, f };

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
		    &p) >= 0)
		return 1;
	if (errno != EPERM)
		return 2;
	/* A filter without a listener is still fine. */
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p) ? 3 : 0;
}

/* A listener of the sandbox's own would hear its execs first. */
static void no_listener_of_its_own(void **state)
{
	(void)state;
	assert_int_equal(unsupervised(&exec_only, own_listener), 0);
}

static const struct hb_seccomp_plan reported = {
	.sockets = true, .tty_inject = true, .no_userns = true, .exec_notify = true,
	.report = true,
};

/* Exit code: 0 when every call gave what it should, else the failing step. */
static int calls(const void *unused)
{
	struct winsize ws;
	char c = 'x';
	int fd;

	(void)unused;
	if (socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0) >= 0 || errno != EPERM)
		return 1;
	if (syscall(SYS_io_uring_setup, 1, NULL) >= 0 || errno != EPERM)
		return 2;
	if (ioctl(0, TIOCSTI, &c) >= 0 || errno != EPERM)
		return 3;
	if (syscall(SYS_unshare, CLONE_NEWUSER) >= 0 || errno != EPERM)
		return 4;
	if (syscall(SYS_setns, 0, CLONE_NEWUSER) >= 0 || errno != EPERM)
		return 5;
	/* Neighbours: an inet socket, a harmless ioctl (ENOTTY off a tty), clone3. */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return 10;
	if (ioctl(fd, TIOCGWINSZ, &ws) >= 0 || errno != ENOTTY)
		return 11;
	if (syscall(SYS_clone3, NULL, 0) >= 0 || errno != ENOSYS)
		return 12; /* libc's fallback signal, silent */
	return 0;
}

/* Exit code: 0 when the network's calls went through and the seal's did not. */
static int audited_calls(const void *unused)
{
	int fd;

	(void)unused;
	/* An AF_PACKET socket needs CAP_NET_RAW: the kernel's own answer then. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0 && errno != EPERM)
		return 1;
	if (syscall(SYS_unshare, CLONE_NEWUSER) >= 0 || errno != EPERM)
		return 2;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0); /* not the filter's: never waits */
	return fd < 0 ? 3 : 0;
}

/*
 * Under --audit every exec runs and is reported as audited, one that names
 * nothing is not reported; a socket kind goes on to the kernel, audited;
 * the seal's calls are still refused and reported as denials.
 */
static void audit_lets_through_and_reports(void **state)
{
	struct hb_event ev = {}, evs[4];
	int denials;

	(void)state;
	audit = true;
	assert_int_equal(run_sh("/bin/true && exit 7; exit 5", &denials, &ev), 7);
	assert_int_equal(denials, 1);
	assert_int_equal(ev.verdict, HB_VERDICT_AUDIT);
	assert_int_equal(ev.hook, HB_HOOK_EXEC);
	assert_string_equal(ev.path, "/bin/true");
	assert_int_equal(run_sh("/nonexistent/x; exit $?", &denials, &ev), 127);
	assert_int_equal(denials, 0);
	assert_int_equal(supervised(&reported, audited_calls, NULL, evs, 4, &denials), 0);
	assert_int_equal(denials, 2);
	assert_int_equal(evs[0].hook, HB_HOOK_SOCKET);
	assert_int_equal(evs[0].verdict, HB_VERDICT_AUDIT);
	assert_int_equal(evs[1].hook, HB_HOOK_SYSCALL);
	assert_int_equal(evs[1].reason, HB_REASON_TAMPER);
	assert_int_equal(evs[1].verdict, HB_VERDICT_DENY);
	audit = false;
}

/* Each refused call: EPERM, one event; its neighbours never wait. */
static void refused_and_reported(void **state)
{
	struct hb_event evs[8];
	int got;

	(void)state;
	assert_int_equal(supervised(&reported, calls, NULL, evs, 8, &got), 0);
	assert_int_equal(got, 5);
	assert_int_equal(evs[0].hook, HB_HOOK_SOCKET);
	assert_int_equal(evs[0].family, AF_PACKET);
	assert_int_equal(evs[0].port, SOCK_RAW); /* the type, without its flags */
	assert_int_equal(evs[0].reason, HB_REASON_NET_SOCKET_KIND);
	assert_true(evs[0].tgid > 0 && evs[0].tgid == evs[0].pid);
	assert_int_equal(evs[0].ppid, getpid());
	assert_int_equal(evs[0].sandbox_id, 9);
	assert_int_equal(evs[0].verdict, HB_VERDICT_DENY);
	assert_int_equal(evs[1].hook, HB_HOOK_SYSCALL);
	assert_string_equal(evs[1].path, "io_uring_setup");
	assert_int_equal(evs[1].reason, HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(evs[2].hook, HB_HOOK_IOCTL);
	assert_int_equal(evs[2].arg, TIOCSTI);
	assert_int_equal(evs[2].reason, HB_REASON_TAMPER);
	assert_string_equal(evs[3].path, "unshare");
	assert_int_equal(evs[3].arg, CLONE_NEWUSER);
	assert_string_equal(evs[4].path, "setns");
	assert_int_equal(evs[4].arg, CLONE_NEWUSER);
}

/* i386's socketcall: SYS_SOCKET of a packet socket, then SYS_CONNECT. */
static int socketcall(const void *unused)
{
	unsigned int *args = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	(void)unused;
	if (args == MAP_FAILED)
		return 1;
	args[0] = AF_PACKET;
	args[1] = SOCK_RAW;
	args[2] = 0;
	if (i386_syscall3(102, 1, (long)args, 0) != -EPERM)
		return 2;
	return i386_syscall3(102, 3, (long)args, 0) == -EPERM ? 0 : 3;
}

static void i386_socketcall_reported(void **state)
{
	struct hb_event evs[2];
	int got;

	(void)state;
	if (!i386_works())
		skip(); /* ia32 emulation is off */
	assert_int_equal(supervised(&reported, socketcall, NULL, evs, 2, &got), 0);
	assert_int_equal(got, 2);
	assert_int_equal(evs[0].hook, HB_HOOK_SOCKET);
	assert_int_equal(evs[0].family, AF_PACKET);
	assert_int_equal(evs[0].port, SOCK_RAW);
	assert_int_equal(evs[1].hook, HB_HOOK_SYSCALL);
	assert_string_equal(evs[1].path, "socketcall");
	assert_int_equal(evs[1].arg, 3);
}

static int packet_socket(void)
{
	if (socket(AF_PACKET, SOCK_RAW, 0) >= 0 || errno != ENOSYS)
		return 1;
	return socket(AF_INET, SOCK_DGRAM, 0) < 0 ? 2 : 0;
}

/* No supervisor (its listener closed): the kernel fails the call, ENOSYS. */
static void fails_closed_without_supervisor(void **state)
{
	(void)state;
	assert_int_equal(unsupervised(&reported, packet_socket), 0);
	/* A sandbox's own listener could answer what ours refuses: none. */
	assert_int_equal(unsupervised(&reported, own_listener), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_exec_only),
		cmocka_unit_test(no_listener_of_its_own),
		cmocka_unit_test(refused_and_reported),
		cmocka_unit_test(fails_closed_without_supervisor),
		cmocka_unit_test(i386_socketcall_reported),
		cmocka_unit_test(audit_lets_through_and_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
