/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * --no-subprocess's and --block-native's decisions: which execs, which
 * files they run, which memory may be executable.
 * A part of hermetic_policy.h, compiled for BPF and host alike (see there).
 */
#ifndef HB_POLICY_EXEC_H
#define HB_POLICY_EXEC_H

#include "policy_req.h"

/*
 * --no-subprocess, at execve() (once per call): nothing runs but the
 * command itself (the first execve in the sandbox) and --allow-exec files.
 */
static __always_inline enum hb_reason
hb_exec_reason(const struct hb_policy *p, const struct hb_req *r)
{
	if (r->first_exec || r->exec_match || !(p->guards & HB_GUARD_EXEC))
		return HB_REASON_NONE;
	return HB_REASON_EXEC;
}

/*
 * --block-native, for each file an execve() runs (a script's interpreter
 * too): after the command's own execve, only trusted files, and
 * --allow-exec ones. Trusted: owned by root and not writable by group or
 * others, in a directory that is the same: nobody but root put it there.
 */
static __always_inline enum hb_reason
hb_exec_file_reason(const struct hb_policy *p, const struct hb_req *r)
{
	if (r->first_exec || r->exec_match || r->trusted ||
	    !(p->guards & HB_GUARD_NATIVE))
		return HB_REASON_NONE;
	return HB_REASON_NATIVE_UNTRUSTED;
}

/*
 * --block-native, for memory that is or becomes executable: never
 * writable and executable at once, never anonymous (memfd's files are
 * not trusted either), never private pages already written; from a file
 * only the process's own executable or a trusted file.
 */
static __always_inline enum hb_reason
hb_native_reason(const struct hb_policy *p, const struct hb_req *r)
{
	if (!(p->guards & HB_GUARD_NATIVE) || !(r->prot & HB_PROT_EXEC))
		return HB_REASON_NONE;
	if ((r->prot & HB_PROT_WRITE) || r->anon)
		return HB_REASON_NATIVE_MEMORY;
	if (r->hook == HB_HOOK_MPROTECT && r->was_exec)
		return HB_REASON_NONE; /* executable before: nothing is added */
	if (r->modified)
		return HB_REASON_NATIVE_MEMORY;
	if (r->own_exe || r->trusted)
		return HB_REASON_NONE;
	return HB_REASON_NATIVE_UNTRUSTED;
}

#endif /* HB_POLICY_EXEC_H */
