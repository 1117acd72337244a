/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tier B's socket families: cgroup-bpf's socket hook sees inet sockets
 * only, so a seccomp filter refuses socket() for every family but unix,
 * netlink and inet (and io_uring, whose IORING_OP_SOCKET would go around
 * the filter). Installed in the command's process before exec; its
 * descendants inherit it and cannot remove it.
 */
#ifndef HB_SECCOMP_H
#define HB_SECCOMP_H

/* Needs no_new_privs (or CAP_SYS_ADMIN). Returns 0 or -errno. */
int hb_seccomp_restrict_sockets(void);

/*
 * Tier B's --no-subprocess: every execve()/execveat() of the process and
 * its descendants waits for the supervisor holding the returned listener
 * descriptor (loader/exec_notify.c); if that supervisor is gone, the call
 * fails. Needs no_new_privs. Returns the listener or -errno.
 */
int hb_seccomp_notify_exec(void);

#endif
