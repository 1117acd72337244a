// SPDX-License-Identifier: GPL-2.0-only
/*
 * The filter is built with libseccomp, which writes the architecture
 * checks, the x32 split and the 64-bit argument comparisons that a
 * hand-assembled filter gets wrong (spec/tiers.md).
 */
#include <errno.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include "hermetic_abi.h"
#include "log.h"
#include "seccomp_filter.h"

#define DENY SCMP_ACT_ERRNO(EPERM)
#define LOW32 0xffffffffULL

/*
 * Arguments the kernel reads as 32-bit ints: the rule looks at the low
 * word only, as the kernel does, so a set high word slips nothing past.
 */
#define LOW_MASKED(arg, mask, val) \
	SCMP_CMP64(arg, SCMP_CMP_MASKED_EQ, (mask) & LOW32, (val) & LOW32)

static int add(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned int n_args,
	       struct scmp_arg_cmp arg)
{
	return seccomp_rule_add_array(ctx, action, nr, n_args, &arg);
}

static bool family_allowed(unsigned int f)
{
	return f == HB_AF_UNIX || f == HB_AF_INET || f == HB_AF_INET6 || f == HB_AF_NETLINK;
}

#define HB_AF_LAST HB_AF_NETLINK /* the highest family allowed */

static int add_sockets(scmp_filter_ctx ctx, uint32_t deny)
{
	int err = 0;

	/*
	 * One argument is compared once per rule: every family not allowed
	 * gets its own rule, and one rule every value above the last allowed
	 * (a set high word makes the 64-bit value larger too: denied).
	 */
	for (unsigned int f = 0; !err && f <= HB_AF_LAST; f++)
		if (!family_allowed(f))
			err = add(ctx, deny, SCMP_SYS(socket), 1,
				  SCMP_A0_64(SCMP_CMP_EQ, f, 0));
	if (!err)
		err = add(ctx, deny, SCMP_SYS(socket), 1, SCMP_A0_64(SCMP_CMP_GT, HB_AF_LAST, 0));
	if (!err)
		err = seccomp_rule_add(ctx, deny, SCMP_SYS(io_uring_setup), 0);
	/* i386 only (a pseudo-number elsewhere): socket() in disguise. */
	if (!err)
		err = seccomp_rule_add(ctx, deny, SCMP_SYS(socketcall), 0);
	return err;
}

/* x86's 32- and 64-bit ABIs share the generic tty ioctl numbers. */
_Static_assert(TIOCSTI == 0x5412 && TIOCLINUX == 0x541C, "x86's tty ioctl numbers");

static int add_tty_inject(scmp_filter_ctx ctx, uint32_t deny)
{
	int err = add(ctx, deny, SCMP_SYS(ioctl), 1, LOW_MASKED(1, LOW32, TIOCSTI));

	return err ? err : add(ctx, deny, SCMP_SYS(ioctl), 1, LOW_MASKED(1, LOW32, TIOCLINUX));
}

static int add_no_userns(scmp_filter_ctx ctx, uint32_t deny)
{
	struct scmp_arg_cmp newuser = LOW_MASKED(0, CLONE_NEWUSER, CLONE_NEWUSER);
	int err;

	/* clone's flags come first on every x86 ABI. */
	err = add(ctx, deny, SCMP_SYS(unshare), 1, newuser);
	if (!err)
		err = add(ctx, deny, SCMP_SYS(clone), 1, newuser);
	/* Its flags are in memory: "not here", and glibc falls back to clone (no denial). */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* A namespace file of any type, a pidfd too, could name a user namespace. */
	if (!err)
		err = seccomp_rule_add(ctx, deny, SCMP_SYS(setns), 0);
	return err;
}

static int add_exec_notify(scmp_filter_ctx ctx)
{
	int err = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(execve), 0);

	return err ? err : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(execveat), 0);
}

/*
 * The newest filter's listener hears a request first: one of the
 * sandbox's own could let its execs, or the calls we refuse, through
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE). No listeners there.
 */
static int add_no_listener(scmp_filter_ctx ctx)
{
	return add(ctx, DENY, SCMP_SYS(seccomp), 1,
		   LOW_MASKED(1, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			      SECCOMP_FILTER_FLAG_NEW_LISTENER));
}

bool hb_seccomp_has_listener(const struct hb_seccomp_plan *p)
{
	return p->exec_notify || (p->report && (p->sockets || p->tty_inject || p->no_userns));
}

static int add_no_rie(scmp_filter_ctx ctx)
{
	int err = 0;

	/*
	 * Denied: READ_IMPLIES_EXEC set, unless every bit is (0xffffffff
	 * only asks for the persona). One comparison per rule, so one rule
	 * per other bit: "READ_IMPLIES_EXEC set and bit k clear".
	 */
	for (unsigned int k = 0; !err && k < 32; k++) {
		unsigned long long bit = 1ULL << k;

		if (bit != READ_IMPLIES_EXEC)
			err = add(ctx, DENY, SCMP_SYS(personality), 1,
				  LOW_MASKED(0, READ_IMPLIES_EXEC | bit, READ_IMPLIES_EXEC));
	}
	return err;
}

/* The ABIs the filter judges: x86_64 is the context's own. */
static int add_arches(scmp_filter_ctx ctx, bool native_only)
{
	int err;

	if (native_only)
		return 0;
	err = seccomp_arch_add(ctx, SCMP_ARCH_X32);
	return err ? err : seccomp_arch_add(ctx, SCMP_ARCH_X86);
}

/* Every libseccomp call returns 0 or -errno. */
static int build(scmp_filter_ctx ctx, const struct hb_seccomp_plan *p)
{
	/* Reported: the supervisor answers EPERM (loader/deny_notify.c). */
	uint32_t deny = p->report ? SCMP_ACT_NOTIFY : DENY;
	/* The kernel's own errno when it refuses the filter, not ECANCELED. */
	int err = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);

	/* Only x86 ABIs reach an x86_64 kernel: anything else is not known, not run. */
	if (!err)
		err = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
				       p->no_rie ? SCMP_ACT_KILL_PROCESS : DENY);
	if (!err)
		err = add_arches(ctx, p->no_rie);
	if (!err && p->sockets)
		err = add_sockets(ctx, deny);
	if (!err && p->tty_inject)
		err = add_tty_inject(ctx, deny);
	if (!err && p->no_userns)
		err = add_no_userns(ctx, deny);
	if (!err && p->exec_notify)
		err = add_exec_notify(ctx);
	if (!err && hb_seccomp_has_listener(p))
		err = add_no_listener(ctx);
	if (!err && p->no_rie)
		err = add_no_rie(ctx);
	return err;
}

/* The persona we exec with: READ_IMPLIES_EXEC cleared, the rest kept. */
static int clear_rie(void)
{
	int cur = personality(0xffffffff);

	if (cur < 0 || ((cur & READ_IMPLIES_EXEC) && personality(cur & ~READ_IMPLIES_EXEC) < 0))
		return -errno;
	return 0;
}

int hb_seccomp_install(const struct hb_seccomp_plan *p, int *listener)
{
	scmp_filter_ctx ctx;
	int err;

	*listener = -1;
	if (!p->sockets && !p->tty_inject && !p->no_userns && !p->exec_notify && !p->no_rie)
		return 0;
	if (p->no_rie && (err = clear_rie())) {
		hb_log("cannot clear READ_IMPLIES_EXEC: %s", strerror(-err));
		return err;
	}
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		hb_log("cannot build the seccomp filter: out of memory");
		return -ENOMEM;
	}
	err = build(ctx, p);
	if (err) {
		hb_log("cannot build the seccomp filter: %s", strerror(-err));
		goto out;
	}
	err = seccomp_load(ctx);
	if (err) {
		hb_log("cannot install the seccomp filter: %s", strerror(-err));
		goto out;
	}
	if (hb_seccomp_has_listener(p)) {
		*listener = seccomp_notify_fd(ctx);
		if (*listener < 0) {
			err = *listener;
			*listener = -1;
			hb_log("the seccomp filter has no listener: %s", strerror(-err));
		}
	}
out:
	seccomp_release(ctx);
	return err;
}
