/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tier B's seccomp filters, installed in the command's process before
 * exec; its descendants inherit them and cannot remove them.
 */
#ifndef HB_SECCOMP_H
#define HB_SECCOMP_H

/*
 * The network guard's socket families: cgroup-bpf's socket hook sees inet
 * sockets only, so socket() fails for every family but unix, netlink and
 * inet (and io_uring, whose IORING_OP_SOCKET would go around the filter).
 * Needs no_new_privs (or CAP_SYS_ADMIN). Returns 0 or -errno.
 */
int hb_seccomp_restrict_sockets(void);

/*
 * Tier B's --no-subprocess: every execve()/execveat() of the process and
 * its descendants waits for the supervisor holding the returned listener
 * descriptor (loader/exec_notify.c); if that supervisor is gone, the call
 * fails. Needs no_new_privs. Returns the listener or -errno.
 */
int hb_seccomp_notify_exec(void);

/*
 * Every tier B sandbox: ioctl(TIOCSTI) and ioctl(TIOCLINUX) fail with
 * EPERM on any descriptor (x86_64, x32, i386), so the command cannot type
 * into the terminal it shares with the user's shell (TIOCLINUX's
 * selection paste does the same on a virtual console). The terminal
 * otherwise keeps working. Needs no_new_privs. Returns 0 or -errno.
 */
int hb_seccomp_deny_tty_inject(void);

#endif
