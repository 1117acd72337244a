/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The text trace's lines, with the same action repeated shown once with a
 * count ("... (4 times)"), and the tier B unix connects that are no block
 * (spec/run.md, "Repeats" and "Connects to no socket"). The caller holds
 * the run_state's lock.
 */
#ifndef HB_RUN_TRACE_H
#define HB_RUN_TRACE_H

#include "hermetic_abi.h"

struct run_state;

/* How long a line waits for repeats of itself before it is written. */
#define HB_TRACE_HOLD_MS 500

/* @ev as a text line: held while the same line repeats, then written once. */
void hb_run_trace_text(struct run_state *rs, const struct hb_event *ev);

/* Writes the held line, with its count, if it has waited long enough or @now. */
void hb_run_trace_flush(struct run_state *rs, bool now);

/*
 * Milliseconds until the held line is due (0: now); HB_TRACE_HOLD_MS if
 * none is held (another thread may hold one); -1 without a text trace.
 */
int hb_run_trace_due(const struct run_state *rs);

/*
 * Whether @ev is a tier B unix connect or send to a path where, looked up
 * as the acting process would (spec/run.md), there is no socket: it would
 * have failed anyway, so it is not a blocked action.
 */
bool hb_run_no_socket(const struct run_state *rs, const struct hb_event *ev);

#endif
