// SPDX-License-Identifier: GPL-2.0-only
/* Event rings read a pass at a time (ring_pass.h). */
#include <errno.h>
#include <bpf/libbpf.h>
#include "hermetic_abi.h"
#include "ring_pass.h"

/* The events a full ring holds, each with its 8-byte header. */
#define HB_RING_PASS_EVENTS (HB_RINGBUF_SIZE / (sizeof(struct hb_event) + 8))

int hb_ring_pass_spend(struct hb_ring_pass *p, int ret)
{
	if (ret < 0 || --p->left)
		return ret;
	p->ended = true;
	return -EAGAIN; /* libbpf stops the pass, the event counted as read */
}

int hb_ring_pass(struct ring_buffer *rb, struct hb_ring_pass *p)
{
	int n;

	p->left = HB_RING_PASS_EVENTS;
	p->ended = false;
	n = ring_buffer__consume(rb);
	if (p->ended)
		return 1;
	return n < 0 ? n : 0;
}
