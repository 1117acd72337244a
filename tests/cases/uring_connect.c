// SPDX-License-Identifier: GPL-2.0-only
/*
 * connect() through io_uring (IORING_OP_CONNECT), for the cases: does the
 * network guard see it? Prints "ok", or "<step>:<errno name>" where step
 * is setup (io_uring itself refused) or connect (the operation refused).
 * Raw system calls: no liburing in the guest.
 * Usage: uring_connect IPV4 PORT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fail(const char *step, int err)
{
	printf("%s:%s\n", step, strerrorname_np(err));
	return 0;
}

int main(int argc, char **argv)
{
	struct io_uring_params p = { 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqe;
	unsigned *sq_tail, *sq_array, *cq_head;
	char *sq, *cq;
	int ring, s;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1)
		return 2;
	sin.sin_port = htons((unsigned short)atoi(argv[2]));
	ring = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0)
		return fail("setup", errno);
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned),
		  PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
		    MAP_SHARED, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return fail("mmap", errno);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return fail("socket", errno);

	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = IORING_OP_CONNECT;
	sqes[0].fd = s;
	sqes[0].addr = (unsigned long)&sin;
	sqes[0].off = sizeof(sin); /* the address length */
	sq_tail = (unsigned *)(sq + p.sq_off.tail);
	sq_array = (unsigned *)(sq + p.sq_off.array);
	sq_array[*sq_tail & *(unsigned *)(sq + p.sq_off.ring_mask)] = 0;
	__atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return fail("enter", errno);
	cq_head = (unsigned *)(cq + p.cq_off.head);
	cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes) +
	      (*cq_head & *(unsigned *)(cq + p.cq_off.ring_mask));
	if (cqe->res < 0)
		return fail("connect", -cqe->res);
	puts("ok");
	return 0;
}
