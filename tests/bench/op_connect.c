// SPDX-License-Identifier: GPL-2.0-only
/*
 * N times: socket(), connect() to a TCP listener on loopback, accept(),
 * close both. The listener is this process's own, so no other process is
 * scheduled in between; a reset on close leaves no TIME_WAIT behind, so
 * the ephemeral ports never run out.
 * Usage: op_connect N [ADDR]   (ADDR: an IPv4 loopback address)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bench.h"

struct target {
	int listener;
	struct sockaddr_in sa;
};

static void listen_on(const char *addr, struct target *t)
{
	socklen_t len = sizeof(t->sa);

	memset(&t->sa, 0, sizeof(t->sa));
	t->sa.sin_family = AF_INET;
	t->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (t->listener < 0 || inet_pton(AF_INET, addr, &t->sa.sin_addr) != 1 ||
	    bind(t->listener, (struct sockaddr *)&t->sa, sizeof(t->sa)) ||
	    listen(t->listener, 128) ||
	    getsockname(t->listener, (struct sockaddr *)&t->sa, &len)) {
		perror("listener");
		exit(1);
	}
}

static int connect_close(void *arg)
{
	static const struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	struct target *t = arg;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), peer, err;

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&t->sa, sizeof(t->sa))) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	/* Loopback finished the handshake inside connect(). */
	peer = accept4(t->listener, NULL, NULL, SOCK_CLOEXEC);
	err = errno;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
	close(fd);
	if (peer < 0) {
		errno = err;
		return -1;
	}
	return close(peer);
}

int main(int argc, char **argv)
{
	long n = bench_count(argc, argv, "op_connect N [ADDR]");
	struct target t;

	listen_on(argc > 2 ? argv[2] : "127.0.0.1", &t);
	bench_loop("connect", n, connect_close, &t);
	return 0;
}
