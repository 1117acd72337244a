/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Collects sandboxes whose launcher is gone (killed, crashed): once their
 * cgroup is empty, the cgroup and the pinned programs are removed. A
 * sandbox whose processes still run stays enforced and is left alone.
 */
#ifndef HB_GC_H
#define HB_GC_H

#include <stdbool.h>

struct hb_agent_obj;

/*
 * Also removes the agent's policies of warm sandboxes that are gone,
 * through @agent (borrowed by the caller) or, if NULL, its own borrowing.
 * With @everything (`hermetic-bpf gc`), tier B's shared programs that no
 * sandbox uses are unloaded too (tierb_progs.h).
 * Returns how many sandboxes were removed, or -errno.
 */
int hb_gc(struct hb_agent_obj *agent, bool everything);

#endif
