// SPDX-License-Identifier: GPL-2.0-only
/*
 * N times socket(), bind() to 127.0.0.1 on any port, close(): work for
 * the socket_create and socket_bind programs when measuring their cost.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bench.h"

static int socket_bind(void *unused)
{
	const struct sockaddr_in sa = { .sin_family = AF_INET,
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err;

	(void)unused;
	if (fd < 0)
		return -1;
	err = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	long n = bench_count(argc, argv, "op_bind N");

	bench_loop("bind", n, socket_bind, NULL);
	return 0;
}
