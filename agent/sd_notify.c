// SPDX-License-Identifier: GPL-2.0-only
/* The sd_notify datagram protocol (sd_notify(3)), for the agent's unit. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "log.h"
#include "sd_notify.h"

void hb_sd_notify(const char *state)
{
	const char *where = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	size_t n;
	int fd;

	if (!where || !*where)
		return;
	n = strlen(where);
	if ((where[0] != '/' && where[0] != '@') || n >= sizeof(sa.sun_path)) {
		hb_log("NOTIFY_SOCKET=%s: not a socket path; systemd is not told", where);
		return;
	}
	memcpy(sa.sun_path, where, n);
	if (where[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: the name has no terminator */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (where[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, state, strlen(state), MSG_NOSIGNAL,
			     (struct sockaddr *)&sa, len) < 0)
		hb_log("cannot tell systemd %s through %s: %s", state, where, strerror(errno));
	if (fd >= 0)
		close(fd);
}
