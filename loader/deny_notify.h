/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tier B's reported seccomp denials (spec/tiers.md, "What tier B can
 * report"): the calls the filter refuses (loader/seccomp_filter.h, report)
 * wait for the supervisor, which answers each with EPERM and reports it
 * with the fields tier A's hook would give. What the call asked is read
 * while it waits; it only names the denial, never changes the answer.
 */
#ifndef HB_DENY_NOTIFY_H
#define HB_DENY_NOTIFY_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/seccomp.h>
#include "hermetic_abi.h"

/* Whether a waiting call is an execve() or execveat(), on any x86 ABI. */
bool hb_notify_is_exec(const struct seccomp_notif *req);

/*
 * Who @pid is, into a zeroed @ev (verdict DENY): the thread, its process,
 * parent, uid and name, read from /proc (best effort: it may be gone).
 */
void hb_event_who(pid_t pid, __u64 sandbox_id, struct hb_event *ev);

/*
 * Who asked, into a zeroed @ev: the thread, its process, parent, uid and
 * name, read from /proc while it waits (best effort).
 */
void hb_notify_who(const struct seccomp_notif *req, __u64 sandbox_id, struct hb_event *ev);

/* The event of a refused call: hook, reason and what it asked. */
void hb_deny_notify_event(const struct seccomp_notif *req, __u64 sandbox_id,
			  struct hb_event *ev);

#endif
