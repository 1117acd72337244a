/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The filesystem guard's decisions: changes under --fs-readonly, reads
 * under a read root, and the rules a walk looks for.
 * A part of hermetic_policy.h, compiled for BPF and host alike (see there).
 */
#ifndef HB_POLICY_FS_H
#define HB_POLICY_FS_H

#include "policy_req.h"

/*
 * --fs-readonly: a change to a file is allowed only under an --allow-write
 * rule, and never to a file with other hard links (a name outside).
 * Descriptors the task already holds with write access may be re-opened.
 */
static __always_inline enum hb_reason
hb_fs_write_reason(const struct hb_policy *p, const struct hb_req *r)
{
	if (!(p->fs & HB_FS_READONLY) || r->fs_exempt || r->fs_held)
		return HB_REASON_NONE;
	if (!(r->fs_allow & HB_FS_RULE_WRITE))
		return r->fs_deep ? HB_REASON_FS_TOO_DEEP : HB_REASON_FS_READONLY;
	if (r->fs_linked)
		return HB_REASON_FS_LINKED;
	return HB_REASON_NONE;
}

/*
 * --fs-readonly=ROOT: reads only under a read rule; stat also of the
 * directories that lead to one.
 */
static __always_inline enum hb_reason
hb_fs_read_reason(const struct hb_policy *p, const struct hb_req *r)
{
	__u8 need = HB_FS_RULE_READ;

	if (r->fs_op == HB_FS_OP_STAT)
		need |= HB_FS_RULE_STAT;
	if (!(p->fs & HB_FS_READ_ROOT) || r->fs_exempt || r->fs_held ||
	    (r->fs_allow & need))
		return HB_REASON_NONE;
	return r->fs_deep ? HB_REASON_FS_TOO_DEEP : HB_REASON_FS_OUTSIDE_ROOT;
}

/* The rules a filesystem hook's walk looks for. */
static __always_inline __u8 hb_fs_need(__u16 hook, __u8 op)
{
	if (hook == HB_HOOK_FS_WRITE)
		return HB_FS_RULE_WRITE;
	return op == HB_FS_OP_STAT ? HB_FS_RULE_READ | HB_FS_RULE_STAT : HB_FS_RULE_READ;
}

#endif /* HB_POLICY_FS_H */
