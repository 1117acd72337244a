/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event rings read a pass at a time. ring_buffer__consume() returns only
 * once its rings are empty, and a sandbox whose denials come at least as
 * fast as they are read (--event-rate 0: no limit) keeps its ring from
 * ever being empty: the reader (a run's launcher, the agent) would stop
 * forwarding signals, serving its socket and reading other sandboxes'
 * rings for as long as it floods. A pass ends after as many events as a
 * full ring holds (what piled up while nobody read); what is left keeps
 * the ring's descriptor readable (level-triggered), so the reader's next
 * wake-up, after its other work, goes on with it.
 */
#ifndef HB_RING_PASS_H
#define HB_RING_PASS_H

#include <stdbool.h>

struct ring_buffer;

/* One reader's pass: how many events it may still read. */
struct hb_ring_pass {
	unsigned int left;
	bool ended;  /* it stopped with events left */
};

/*
 * What a ring's sample callback returns: its own @ret, or, once the pass
 * has read its share, a stop (the event at hand is read either way).
 */
int hb_ring_pass_spend(struct hb_ring_pass *p, int ret);

/* One pass over @rb: 0 if it emptied the rings, 1 if events are left, or -errno. */
int hb_ring_pass(struct ring_buffer *rb, struct hb_ring_pass *p);

#endif /* HB_RING_PASS_H */
