/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Pure decisions over ABI types. Compiled into the BPF programs and into
 * the host's unit tests, so cmocka exercises the very code the kernel runs.
 * No helpers, no maps, no kernel structs in here: map lookups are done by
 * the caller and handed in as facts (struct hb_req's *_match fields).
 *
 * Each guard's decisions are in policy_*.h; here, what joins them: the
 * guard that owns a hook, the errno of its denial, and the dispatch.
 */
#ifndef HERMETIC_POLICY_H
#define HERMETIC_POLICY_H

#include "hermetic_abi.h"
#include "policy_req.h"
#include "policy_net.h"
#include "policy_exec.h"
#include "policy_seal.h"
#include "policy_fs.h"
#include "policy_ids.h"

#define HB_EPERM 1
#define HB_EACCES 13
#define HB_EROFS 30

/*
 * The errno a denial returns: what callers expect of the same refusal by
 * the kernel itself (a read-only mount, a permission bit).
 */
static __always_inline int hb_hook_errno(__u16 hook)
{
	switch (hook) {
	case HB_HOOK_FS_WRITE:
		return HB_EROFS;
	case HB_HOOK_FS_READ:
		return HB_EACCES;
	default:
		return HB_EPERM;
	}
}

/* The guard that owns a hook; an unknown hook belongs to every guard. */
static __always_inline __u32 hb_hook_guard(__u16 hook)
{
	switch (hook) {
	case HB_HOOK_CONNECT:
	case HB_HOOK_SENDMSG:
	case HB_HOOK_SOCKET:
	case HB_HOOK_BIND:
	case HB_HOOK_LISTEN:
	case HB_HOOK_UNIX:
	case HB_HOOK_SOCKOPT:
	case HB_HOOK_INGRESS:
		return HB_GUARD_NET;
	case HB_HOOK_EXEC:
		return HB_GUARD_EXEC | HB_GUARD_NATIVE;
	case HB_HOOK_EXEC_FILE:
	case HB_HOOK_MMAP:
	case HB_HOOK_MPROTECT:
		return HB_GUARD_NATIVE;
	case HB_HOOK_BPF:
	case HB_HOOK_CAPABLE:
	case HB_HOOK_FILE_WRITE:
	case HB_HOOK_PATH:
	case HB_HOOK_MOUNT:
	case HB_HOOK_KILL:
	case HB_HOOK_IOCTL:
	case HB_HOOK_PERF:
	case HB_HOOK_SETID:
	case HB_HOOK_SYSCALL: /* user namespaces; io_uring's is the network's (reason) */
		return HB_GUARD_TAMPER;
	case HB_HOOK_PTRACE:
		return HB_GUARD_TAMPER | HB_GUARD_ENV | HB_GUARD_NATIVE;
	case HB_HOOK_MEMORY:
		return HB_GUARD_NATIVE;
	case HB_HOOK_FS_WRITE:
	case HB_HOOK_FS_READ:
		return HB_GUARD_FS;
	default:
		return HB_GUARD_ALL;
	}
}

/*
 * One sandbox's verdict on one request, as hook @hook (the BPF programs
 * pass a constant, so the compiler keeps only that hook's code).
 */
static __always_inline enum hb_reason hb_decide_hook(const struct hb_policy *p,
						     const struct hb_req *r,
						     __u16 hook)
{
	if (!(p->guards & hb_hook_guard(hook)))
		return HB_REASON_NONE;
	if (r->unreadable)
		return HB_REASON_UNREADABLE;
	switch (hook) {
	case HB_HOOK_CONNECT:
		return hb_net_connect_reason(p, r);
	case HB_HOOK_SENDMSG:
		return hb_net_sendmsg_reason(p, r);
	case HB_HOOK_SOCKET:
		return hb_net_socket_reason(p, r);
	case HB_HOOK_BIND:
	case HB_HOOK_LISTEN:
		return hb_net_bind_reason(p, r);
	case HB_HOOK_UNIX:
		return hb_net_unix_reason(p, r);
	case HB_HOOK_SOCKOPT:
		return hb_net_sockopt_reason(p, r);
	case HB_HOOK_EXEC:
		return hb_exec_reason(p, r);
	case HB_HOOK_EXEC_FILE:
		return hb_exec_file_reason(p, r);
	case HB_HOOK_MMAP:
	case HB_HOOK_MPROTECT:
		return hb_native_reason(p, r);
	case HB_HOOK_CAPABLE:
		return hb_capable_reason(p, r);
	case HB_HOOK_FILE_WRITE:
	case HB_HOOK_PATH:
		return hb_file_write_reason(p, r);
	case HB_HOOK_BPF:
	case HB_HOOK_MOUNT:
		return HB_REASON_TAMPER;
	case HB_HOOK_PTRACE:
	case HB_HOOK_KILL:
		return hb_other_process_reason(p, r);
	case HB_HOOK_MEMORY: /* the guard's own hook: every road is denied */
		return HB_REASON_NATIVE_MEMORY;
	case HB_HOOK_IOCTL:
		return hb_ioctl_reason(p, r);
	case HB_HOOK_PERF:
		return hb_perf_reason(p, r);
	case HB_HOOK_SETID:
		return hb_setid_reason(p, r);
	case HB_HOOK_FS_WRITE:
		return hb_fs_write_reason(p, r);
	case HB_HOOK_FS_READ:
		return hb_fs_read_reason(p, r);
	default:
		return HB_REASON_UNREADABLE;
	}
}

/* One sandbox's verdict on one request. */
static __always_inline enum hb_reason hb_decide(const struct hb_policy *p,
						const struct hb_req *r)
{
	return hb_decide_hook(p, r, r->hook);
}

#endif /* HERMETIC_POLICY_H */