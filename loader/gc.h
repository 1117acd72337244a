/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Collects sandboxes whose launcher is gone (killed, crashed): once their
 * cgroup is empty, the cgroup and the pinned programs are removed. A
 * sandbox whose processes still run stays enforced and is left alone.
 */
#ifndef HB_GC_H
#define HB_GC_H

/* Returns how many sandboxes were removed, or -errno. */
int hb_gc(void);

#endif
