// SPDX-License-Identifier: GPL-2.0-only
/*
 * N times sendto() of a 64-byte UDP datagram to a socket of this process
 * on 127.0.0.1. The receiver is drained every few sends (non-blocking) so
 * that datagrams are delivered, not dropped on a full buffer.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bench.h"

#define DRAIN_EVERY 16

struct pair {
	int rx, tx;
	unsigned long sent;
	struct sockaddr_in sa;
};

static int send_one(void *arg)
{
	static const char msg[64] = "hermetic-bpf";
	struct pair *p = arg;
	char buf[128];
	ssize_t n = sendto(p->tx, msg, sizeof(msg), 0, (struct sockaddr *)&p->sa,
			   sizeof(p->sa));
	int err = errno;

	if (++p->sent % DRAIN_EVERY == 0)
		while (recv(p->rx, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
	errno = err;
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	long n = bench_count(argc, argv, "op_sendto N");
	struct pair p = { .sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) } };
	socklen_t len = sizeof(p.sa);

	p.rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	p.tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (p.rx < 0 || p.tx < 0 || bind(p.rx, (struct sockaddr *)&p.sa, sizeof(p.sa)) ||
	    getsockname(p.rx, (struct sockaddr *)&p.sa, &len)) {
		perror("receiver");
		return 1;
	}
	bench_loop("sendto", n, send_one, &p);
	return 0;
}
