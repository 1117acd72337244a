/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Denials a sandbox enforces but cannot report (spec/tiers.md, "What tier B
 * can report"): Landlock denies without telling anyone. (Tier B's seccomp
 * denials and dropped packets are reported: loader/deny_notify.h and the
 * cgroup_skb programs.) A consumer of `denied: 0` must know which kinds it
 * does not cover.
 */
#ifndef HB_UNSEEN_H
#define HB_UNSEEN_H

#include <stdbool.h>
#include <linux/types.h>
#include "tier.h"

enum {
	HB_UNSEEN_FS = 1 << 0,      /* the filesystem guard's denials (Landlock) */
	HB_UNSEEN_SCOPE = 1 << 1,   /* ptrace, signals, abstract sockets outside (Landlock) */
};

/* Each kind: its bit, its code for --summary-json, what it covers. */
struct hb_unseen_name {
	__u32 kind;
	const char *code;
	const char *what;
};

/* Every kind, ending with a zeroed entry. */
extern const struct hb_unseen_name hb_unseen_names[];

/* The kinds a sandbox with @guards (HB_GUARD_*, enforced) on @t cannot report. */
__u32 hb_unseen(__u32 guards, const struct hb_tiers *t);

/*
 * The kinds that stop --fail-on-block: a whole guard's denials, which an
 * ordinary command meets (a write under --fs-readonly). The others are
 * listed, not refused (spec/run.md, --fail-on-block).
 */
static inline __u32 hb_unseen_refused(__u32 unseen)
{
	return unseen & HB_UNSEEN_FS;
}

/* "filesystem denials, ..." for @kinds into @buf (empty if none). */
void hb_unseen_list(__u32 kinds, char *buf, size_t len);

#endif
