/* SPDX-License-Identifier: GPL-2.0-only */
/* `run` as a function, for the commands built on it (learn). */
#ifndef HB_RUN_H
#define HB_RUN_H

#include "run_args.h"
#include "sandbox.h"

/*
 * Everything `run` does after parsing @a; @observe (or NULL) sees every
 * event too, from the thread that got it. Returns the exit status.
 */
int hb_run(const struct hb_run_args *a, hb_event_fn observe, void *ctx);

#endif
