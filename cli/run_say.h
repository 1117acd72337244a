/* SPDX-License-Identifier: GPL-2.0-only */
/* What a run says about its sandbox before the command starts (run_say.c). */
#ifndef HB_RUN_SAY_H
#define HB_RUN_SAY_H

#include <stdbool.h>
#include "run_args.h"
#include "tier.h"

/* --audit without BPF-LSM (spec/audit.md). */
bool hb_run_audit_in_tier_b(const struct hb_run_args *a, const struct hb_tiers *t);

/* The filesystem guard's part of a tier B audit, on fanotify. */
bool hb_run_audit_fs_b(const struct hb_run_args *a, const struct hb_tiers *t);

/* The user is always told which mechanism enforces what (-v, --trace). */
void hb_run_say_enforcement(const struct hb_run_args *a, const struct hb_tiers *t);

/*
 * Says what a sandbox cannot report (HB_UNSEEN_*); true when --fail-on-block
 * cannot be kept because of it (said, with a hint): the run must not start.
 */
bool hb_run_unseen_refused(const struct hb_run_args *a, __u32 unseen);

#endif
