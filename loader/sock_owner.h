/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who sent a DNS query to the proxy: the process, among a sandbox's, that
 * holds the socket bound to the client's address. Only asked on a denial,
 * for the trace line, so a scan of /proc is affordable.
 */
#ifndef HB_SOCK_OWNER_H
#define HB_SOCK_OWNER_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

/*
 * Finds the socket whose local address is @local (a UDP or, with @tcp, a
 * TCP socket) and a process in @cgroup_dir or below that holds it.
 * Returns 0 and fills @pid and @comm (16 bytes), or -ENOENT.
 */
int hb_sock_owner(const char *cgroup_dir, const struct sockaddr *local,
		  bool tcp, pid_t *pid, char comm[16]);

#endif
