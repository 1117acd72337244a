// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stddef.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "hermetic_abi.h"
#include "seccomp.h"

/* x32 system calls are the x86_64 numbers with this bit set. */
#define X32_SYSCALL_BIT 0x40000000u
#define I386_SOCKETCALL 102 /* socket() in disguise: its arguments are in memory */
#define I386_SOCKET 359
#define I386_IO_URING_SETUP 425
#define I386_EXECVE 11
#define I386_EXECVEAT 358
#define I386_SECCOMP 354
#define I386_IOCTL 54
#define X32_EXECVE 520 /* x32 has its own entry points for these */
#define X32_EXECVEAT 545
#define X32_IOCTL 514

#define DENY (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
#define ALLOW SECCOMP_RET_ALLOW
#define NOTIFY SECCOMP_RET_USER_NOTIF

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define JSET(k, t, f) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), (t), (f))
#define JGE(k, t, f) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (k), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

/* A filter without a listener, on this thread and what it starts. */
static int install(struct sock_filter *filter, size_t len)
{
	struct sock_fprog prog = { .len = (unsigned short)len, .filter = filter };

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
		return -errno;
	return 0;
}

int hb_seccomp_restrict_sockets(void)
{
	/*
	 * Jump offsets count the instructions skipped (target = next + k);
	 * the numbers on the left are the targets' indices.
	 */
	struct sock_filter filter[] = {
		/*  0 */ LOAD(arch),
		/*  1 */ JEQ(AUDIT_ARCH_X86_64, 2, 0),           /* -> 4 */
		/*  2 */ JEQ(AUDIT_ARCH_I386, 9, 0),             /* -> 12 */
		/*  3 */ RET(ALLOW),
		/* x86_64, and x32 (numbers with X32_SYSCALL_BIT) */
		/*  4 */ LOAD(nr),
		/*  5 */ JGE(X32_SYSCALL_BIT, 3, 0),             /* -> 9 */
		/*  6 */ JEQ(__NR_socket, 10, 0),                /* -> 17 */
		/*  7 */ JEQ(__NR_io_uring_setup, 14, 0),        /* -> 22 */
		/*  8 */ RET(ALLOW),
		/*  9 */ JEQ(X32_SYSCALL_BIT | __NR_socket, 12, 0), /* -> 22 */
		/* 10 */ JEQ(X32_SYSCALL_BIT | __NR_io_uring_setup, 11, 0), /* -> 22 */
		/* 11 */ RET(ALLOW),
		/* i386 */
		/* 12 */ LOAD(nr),
		/* 13 */ JEQ(I386_SOCKETCALL, 8, 0),             /* -> 22 */
		/* 14 */ JEQ(I386_IO_URING_SETUP, 7, 0),         /* -> 22 */
		/* 15 */ JEQ(I386_SOCKET, 1, 0),                 /* -> 17 */
		/* 16 */ RET(ALLOW),
		/* socket(family, ...): the family is the low word of args[0] */
		/* 17 */ LOAD(args[0]),
		/* 18 */ JEQ(HB_AF_UNIX, 4, 0),                  /* -> 23 */
		/* 19 */ JEQ(HB_AF_INET, 3, 0),                  /* -> 23 */
		/* 20 */ JEQ(HB_AF_INET6, 2, 0),                 /* -> 23 */
		/* 21 */ JEQ(HB_AF_NETLINK, 1, 0),               /* -> 23 */
		/* 22 */ RET(DENY),
		/* 23 */ RET(ALLOW),
	};

	return install(filter, sizeof(filter) / sizeof(filter[0]));
}

int hb_seccomp_notify_exec(void)
{
	struct sock_filter filter[] = {
		/*  0 */ LOAD(arch),
		/*  1 */ JEQ(AUDIT_ARCH_X86_64, 2, 0),            /* -> 4 */
		/*  2 */ JEQ(AUDIT_ARCH_I386, 9, 0),              /* -> 12 */
		/*  3 */ RET(DENY),  /* no other ABI runs here: not known, not run */
		/*  4 */ LOAD(nr),
		/*  5 */ /* x32 calls are x86_64 ones with a bit set: look past it */
			 BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~(__u32)X32_SYSCALL_BIT),
		/*  6 */ JEQ(__NR_execve, 10, 0),                 /* -> 17 */
		/*  7 */ JEQ(__NR_execveat, 9, 0),                /* -> 17 */
		/*  8 */ JEQ(X32_EXECVE, 8, 0),                   /* -> 17 */
		/*  9 */ JEQ(X32_EXECVEAT, 7, 0),                 /* -> 17 */
		/* 10 */ JEQ(__NR_seccomp, 7, 0),                 /* -> 18 */
		/* 11 */ RET(ALLOW),
		/* 12 */ LOAD(nr),
		/* 13 */ JEQ(I386_EXECVE, 3, 0),                  /* -> 17 */
		/* 14 */ JEQ(I386_EXECVEAT, 2, 0),                /* -> 17 */
		/* 15 */ JEQ(I386_SECCOMP, 2, 0),                 /* -> 18 */
		/* 16 */ RET(ALLOW),
		/* 17 */ RET(NOTIFY),
		/*
		 * The newest filter's listener hears a request first: one of the
		 * sandbox's own could let its execs through. No listeners there.
		 */
		/* 18 */ LOAD(args[1]),
		/* 19 */ JSET(SECCOMP_FILTER_FLAG_NEW_LISTENER, 0, 1), /* -> 20, 21 */
		/* 20 */ RET(DENY),
		/* 21 */ RET(ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);

	return fd < 0 ? -errno : (int)fd;
}

/*
 * x86's 32- and 64-bit ABIs share the generic tty ioctl numbers, so one
 * comparison covers native, x32 and i386 (compat) callers alike.
 */
_Static_assert(TIOCSTI == 0x5412 && TIOCLINUX == 0x541C, "x86's tty ioctl numbers");

int hb_seccomp_deny_tty_inject(void)
{
	struct sock_filter filter[] = {
		/*  0 */ LOAD(arch),
		/*  1 */ JEQ(AUDIT_ARCH_X86_64, 2, 0),            /* -> 4 */
		/*  2 */ JEQ(AUDIT_ARCH_I386, 6, 0),              /* -> 9 */
		/*  3 */ RET(DENY),  /* no other ABI runs here: not known, not run */
		/*  4 */ LOAD(nr),
		/*  5 */ /* x32 calls are x86_64 ones with a bit set: look past it */
			 BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~(__u32)X32_SYSCALL_BIT),
		/*  6 */ JEQ(__NR_ioctl, 4, 0),                   /* -> 11 */
		/*  7 */ JEQ(X32_IOCTL, 3, 0),                    /* -> 11 */
		/*  8 */ RET(ALLOW),
		/*  9 */ LOAD(nr),
		/* 10 */ JEQ(I386_IOCTL, 0, 4),                   /* -> 11, 15 */
		/*
		 * ioctl(fd, cmd, ...): the kernel takes cmd as an unsigned int,
		 * the low word of args[1] (little-endian); the high word is
		 * never looked at, so setting it changes nothing.
		 */
		/* 11 */ LOAD(args[1]),
		/* 12 */ JEQ(TIOCSTI, 1, 0),                      /* -> 14 */
		/* 13 */ JEQ(TIOCLINUX, 0, 1),                    /* -> 14, 15 */
		/* 14 */ RET(DENY),
		/* 15 */ RET(ALLOW),
	};

	return install(filter, sizeof(filter) / sizeof(filter[0]));
}
