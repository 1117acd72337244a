// SPDX-License-Identifier: GPL-2.0-only
/*
 * For SECONDS, connect() one TCP socket to ADDR:PORT: as often as it can
 * (RATE 0, the default), or paced at RATE attempts a second. Run under
 * --no-network, every attempt is a denial and one event; the counts say
 * how many the sandbox had to report.
 * Usage: deny_loop SECONDS [RATE [ADDR PORT]]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bench.h"

/*
 * Paced: attempt i is due at t0 + i/RATE. Sleep until it is due; a loop
 * that fell behind (a sleep overshot) catches up without sleeping, so the
 * rate holds over the run even where single sleeps are coarse.
 */
static void wait_until(long long t0, long attempts, long rate)
{
	long long due = t0 + attempts * 1000000000LL / rate;
	struct timespec ts = { .tv_sec = due / 1000000000LL, .tv_nsec = due % 1000000000LL };

	if (bench_now_ns() < due)
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
}

int main(int argc, char **argv)
{
	long seconds = bench_count(argc, argv, "deny_loop SECONDS [RATE [ADDR PORT]]");
	long rate = argc > 2 ? atol(argv[2]) : 0;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	long attempts = 0, eperm = 0, other = 0;
	long long t0, t, end;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_port = htons(argc > 4 ? atoi(argv[4]) : 9);
	if (fd < 0 || rate < 0 ||
	    inet_pton(AF_INET, argc > 3 ? argv[3] : "127.0.0.1", &sa.sin_addr) != 1) {
		perror("deny_loop");
		return 1;
	}
	t0 = bench_now_ns();
	end = t0 + seconds * 1000000000LL;
	do {
		if (rate)
			wait_until(t0, attempts, rate);
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
	printf("attempts=%ld eperm=%ld other=%ld ns=%lld rate=%ld\n", attempts, eperm,
	       other, t - t0, rate);
	return 0;
}
