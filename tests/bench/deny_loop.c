// SPDX-License-Identifier: GPL-2.0-only
/*
 * For SECONDS, connect() one TCP socket to ADDR:PORT as often as it can.
 * Run under --no-network, every attempt is a denial and one event; the
 * counts say how many the sandbox had to report.
 * Usage: deny_loop SECONDS [ADDR PORT]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bench.h"

int main(int argc, char **argv)
{
	long seconds = bench_count(argc, argv, "deny_loop SECONDS [ADDR PORT]");
	struct sockaddr_in sa = { .sin_family = AF_INET };
	long attempts = 0, eperm = 0, other = 0;
	long long t0, t, end;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_port = htons(argc > 3 ? atoi(argv[3]) : 9);
	if (fd < 0 || inet_pton(AF_INET, argc > 2 ? argv[2] : "127.0.0.1",
				&sa.sin_addr) != 1) {
		perror("deny_loop");
		return 1;
	}
	t0 = bench_now_ns();
	end = t0 + seconds * 1000000000LL;
	do {
		/* Denied connects leave the socket as it was: reuse it. */
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			other++;
		else if (errno == EPERM)
			eperm++;
		else
			other++;
		attempts++;
		t = bench_now_ns();
	} while (t < end);
	printf("attempts=%ld eperm=%ld other=%ld ns=%lld\n", attempts, eperm,
	       other, t - t0);
	return 0;
}
