// SPDX-License-Identifier: GPL-2.0-only
/*
 * N DNS queries (type A, UDP) of NAME to SERVER:53, one at a time, the way
 * glibc's stub resolver sends them: a fresh socket, connect(), send(),
 * recvfrom() checking the reply's source, close(). A query counts as
 * failed unless the reply matches, says NOERROR and carries an answer.
 * Usage: dns_query N SERVER NAME
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bench.h"

#define TIMEOUT_MS 3000

/* Header, the name as labels, QTYPE A, QCLASS IN. */
static size_t build_query(unsigned char *q, size_t cap, unsigned short id,
			  const char *name)
{
	size_t pos = 12;
	const char *label = name;

	memset(q, 0, 12);
	q[0] = id >> 8;
	q[1] = id & 0xff;
	q[2] = 0x01; /* RD */
	q[5] = 1;    /* QDCOUNT */
	while (*label) {
		size_t len = strcspn(label, ".");

		if (len == 0 || len > 63 || pos + len + 6 > cap)
			return 0;
		q[pos++] = len;
		memcpy(q + pos, label, len);
		pos += len;
		label += len;
		if (*label == '.')
			label++;
	}
	q[pos++] = 0;
	memcpy(q + pos, "\0\1\0\1", 4);
	return pos + 4;
}

static int one_query(const struct sockaddr_in *ns, const unsigned char *q,
		     size_t qlen)
{
	unsigned char reply[512];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ok = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)ns, sizeof(*ns)) ||
	    send(fd, q, qlen, 0) != (ssize_t)qlen)
		goto out;
	if (poll(&p, 1, TIMEOUT_MS) != 1) {
		errno = ETIMEDOUT;
		goto out;
	}
	n = recvfrom(fd, reply, sizeof(reply), 0, (struct sockaddr *)&from, &flen);
	if (n < 0)
		goto out;
	/* glibc drops replies that seem to come from elsewhere: so do we. */
	errno = EBADMSG;
	ok = n >= 12 && from.sin_addr.s_addr == ns->sin_addr.s_addr &&
	     from.sin_port == ns->sin_port && reply[0] == q[0] &&
	     reply[1] == q[1] && (reply[2] & 0x80) && (reply[3] & 0x0f) == 0 &&
	     (reply[6] || reply[7]);
out:
	close(fd);
	return ok ? 0 : -1;
}

struct query {
	struct sockaddr_in ns;
	const char *name;
	unsigned short id;
};

static int next_query(void *arg)
{
	struct query *q = arg;
	unsigned char msg[300];
	size_t len = build_query(msg, sizeof(msg), q->id++, q->name);

	return one_query(&q->ns, msg, len);
}

int main(int argc, char **argv)
{
	long n = bench_count(argc, argv, "dns_query N SERVER NAME");
	struct query q = { .ns = { .sin_family = AF_INET, .sin_port = htons(53) },
			   .id = 0x4000 };
	unsigned char probe[300];

	if (argc != 4 || inet_pton(AF_INET, argv[2], &q.ns.sin_addr) != 1 ||
	    !build_query(probe, sizeof(probe), 0, argv[3])) {
		fprintf(stderr, "usage: dns_query N SERVER NAME\n");
		return 2;
	}
	q.name = argv[3];
	bench_loop("dns", n, next_query, &q);
	return 0;
}
