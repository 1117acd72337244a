// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sock_owner.h"

/*
 * /proc/net/{udp,tcp}[6] print a local address as the kernel's 32-bit
 * words in host order, in hex: "0100007F:0035" is 127.0.0.1:53.
 */
static void hex_words(const void *addr, size_t len, char *out)
{
	const uint32_t *w = addr;

	for (size_t i = 0; i < len / 4; i++)
		sprintf(out + 8 * i, "%08" PRIX32, w[i]);
}

static unsigned long find_inode(const struct sockaddr *local, bool tcp)
{
	char want[48], line[512], file[32];
	unsigned long inode = 0;
	bool v6 = local->sa_family == AF_INET6;
	unsigned port;
	FILE *f;

	if (v6) {
		const struct sockaddr_in6 *s = (const void *)local;

		hex_words(&s->sin6_addr, 16, want);
		port = ntohs(s->sin6_port);
	} else {
		const struct sockaddr_in *s = (const void *)local;

		hex_words(&s->sin_addr, 4, want);
		port = ntohs(s->sin_port);
	}
	snprintf(want + strlen(want), sizeof(want) - strlen(want), ":%04X", port);
	snprintf(file, sizeof(file), "/proc/net/%s%s", tcp ? "tcp" : "udp", v6 ? "6" : "");
	f = fopen(file, "re");
	if (!f)
		return 0;
	while (!inode && fgets(line, sizeof(line), f)) {
		char laddr[64];
		unsigned long ino;

		/* "sl local rem st tx:rx tr:when retr uid timeout inode" */
		if (sscanf(line, "%*s %63s %*s %*s %*s %*s %*s %*s %*s %lu", laddr, &ino) == 2 &&
		    !strcmp(laddr, want))
			inode = ino;
	}
	fclose(f);
	return inode;
}

static bool holds(pid_t pid, unsigned long inode)
{
	char dir[64], link[64], want[40];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		ssize_t n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);

		if (n > 0) {
			link[n] = '\0';
			found = !strcmp(link, want);
		}
	}
	closedir(d);
	return found;
}

/* nftw() has no context argument. */
static unsigned long want_inode;
static pid_t found_pid;

static int scan_cgroup(const char *path, const struct stat *st, int type,
		       struct FTW *ftw)
{
	char procs[4096];
	FILE *f;
	int pid;

	(void)st;
	(void)ftw;
	if (type != FTW_D || snprintf(procs, sizeof(procs), "%s/cgroup.procs", path) >=
	    (int)sizeof(procs))
		return 0;
	f = fopen(procs, "re");
	if (!f)
		return 0;
	while (!found_pid && fscanf(f, "%d", &pid) == 1)
		if (holds(pid, want_inode))
			found_pid = pid;
	fclose(f);
	return found_pid != 0;
}

int hb_sock_owner(const char *cgroup_dir, const struct sockaddr *local,
		  bool tcp, pid_t *pid, char comm[16])
{
	char path[64];
	ssize_t n;
	int fd;

	want_inode = find_inode(local, tcp);
	found_pid = 0;
	if (!want_inode)
		return -ENOENT;
	nftw(cgroup_dir, scan_cgroup, 8, FTW_PHYS);
	if (!found_pid)
		return -ENOENT;
	*pid = found_pid;
	memset(comm, 0, 16);
	snprintf(path, sizeof(path), "/proc/%d/comm", found_pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, comm, 15);
		if (n > 0 && comm[n - 1] == '\n')
			comm[n - 1] = '\0';
		close(fd);
	}
	return 0;
}
