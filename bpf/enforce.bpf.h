/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where every hook ends: hb_enforce (the sandbox, its facts, the verdict)
 * and hb_report (counted, rate-limited, written to the sandbox's ring).
 * A part of hermetic.bpf.c: one object, one set of maps (see there).
 */
#ifndef HB_ENFORCE_BPF_H
#define HB_ENFORCE_BPF_H

#include "facts.bpf.h"
#include "fs_text.bpf.h"

/*
 * Under --audit a denial is allowed and reported, except the seal's: what
 * protects the sandbox (and its event stream) is never relaxed.
 */
static __always_inline bool hb_audited(const struct hb_policy *p, __u16 hook,
				       enum hb_reason reason)
{
	/* A hook the seal shares (ptrace) is relaxed for the other guard's reasons. */
	return (p->mode & HB_MODE_AUDIT) &&
	       (!(hb_hook_guard(hook) & HB_GUARD_TAMPER) ||
		reason == HB_REASON_NATIVE_MEMORY);
}

/*
 * The rate limit, a token bucket kept as nanoseconds of credit: time adds
 * credit up to a burst's worth, an event spends event_cost_ns of it. Only
 * events are limited; the decision was already made. The credit at @now:
 */
static __always_inline __u64 hb_rate_credit(const struct hb_stats *st,
					    const struct hb_policy *p, __u64 now)
{
	__u64 cap = (__u64)p->event_cost_ns * p->event_burst;
	__u64 credit = st->credit_ns + (now - st->credit_at_ns);

	return !st->credit_at_ns || credit > cap ? cap : credit;
}

/* Whether an event at @now passes the limit, which it then spends. */
static __always_inline bool hb_rate_ok(struct hb_stats *st, const struct hb_policy *p,
				       __u64 now)
{
	__u64 credit;

	if (!p->event_cost_ns)
		return true;
	credit = hb_rate_credit(st, p, now);
	st->credit_at_ns = now;
	if (credit < p->event_cost_ns) {
		st->credit_ns = credit;
		return false;
	}
	st->credit_ns = credit - p->event_cost_ns;
	return true;
}

/*
 * Whether a denial's event at @now would be written, asked before its
 * path's text is built: in a loop of denials most events are limited,
 * and their text is not worth its walk. Spends nothing; hb_event_take()
 * decides at the same @now, the same way unless another thread of the
 * sandbox spent credit between (text built for nothing).
 */
static __always_inline bool hb_event_due(__u64 sandbox_id, const struct hb_policy *p,
					 __u64 now)
{
	const struct hb_stats *st;

	if (!p->event_cost_ns)
		return true;
	st = bpf_map_lookup_elem(&hb_stats, &sandbox_id);
	return st && hb_rate_credit(st, p, now) >= p->event_cost_ns;
}

/*
 * A denial counted, its seq taken, and its record reserved in the
 * sandbox's ring, stamped @now (the rate limit's clock too); NULL when
 * none is to be written (limited or lost, and counted so:
 * seq = delivered + lost + limited). A denial costs
 * more than an allowed call by what is done here and in hb_report: so no
 * lookup or helper call that can be spared.
 */
static __always_inline struct hb_event *hb_event_take(__u64 sandbox_id,
						      const struct hb_policy *p, __u64 now)
{
	struct hb_stats *st = bpf_map_lookup_elem(&hb_stats, &sandbox_id);
	struct hb_event *ev;
	void *ring = NULL;
	__u64 seq;

	if (!st)
		return NULL;
	__sync_fetch_and_add(&st->denied, 1);
	seq = __sync_fetch_and_add(&st->seq, 1) + 1;
	if (!hb_rate_ok(st, p, now)) {
		__sync_fetch_and_add(&st->events_limited, 1);
		return NULL;
	}
	/* A shared object's sandbox may have a ring; a run's own object has one. */
	if (!hb_holds_one_sandbox() && p->ring) {
		__u32 slot = p->ring - 1;

		ring = bpf_map_lookup_elem(&hb_event_rings, &slot);
	}
	ev = bpf_ringbuf_reserve(ring ?: (void *)&hb_events, sizeof(*ev), 0);
	if (!ev) {
		__sync_fetch_and_add(&st->events_lost, 1);
		return NULL;
	}
	ev->seq = seq;
	ev->ts_ns = now;
	return ev;
}

/*
 * A global function: the verifier checks it once, on its own, instead of
 * once for every state that reaches a denial. @now: hb_event_due()'s, or
 * 0 for a fresh one.
 */
__noinline int hb_report(const struct hb_ctx *c, __u64 sandbox_id, __u32 reason,
			 const struct hb_policy *p, __u64 now)
{
	const struct hb_req *req;
	struct task_struct *task;
	struct hb_event *ev;
	__u64 pid_tgid;

	if (!c || !p)
		return 0;
	req = &c->req;
	ev = hb_event_take(sandbox_id, p, now ?: bpf_ktime_get_ns());
	if (!ev)
		return 0;
	task = bpf_get_current_task_btf();
	ev->ppid = task->real_parent->tgid; /* direct reads: no helper calls */
	ev->pad2 = 0;
	pid_tgid = bpf_get_current_pid_tgid();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->sandbox_id = sandbox_id;
	ev->pid = (__u32)pid_tgid;
	ev->tgid = pid_tgid >> 32;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	ev->hook = req->hook;
	ev->reason = reason;
	ev->verdict = hb_audited(p, req->hook, reason) ? HB_VERDICT_AUDIT : HB_VERDICT_DENY;
	if (req->hook == HB_HOOK_SOCKET) {
		ev->family = req->family;
		ev->port = req->type;
	} else if (req->hook == HB_HOOK_UNIX) {
		ev->family = HB_AF_UNIX;
		ev->port = 0;
	} else {
		ev->family = req->addr_family;
		ev->port = req->port;
	}
	ev->protocol = req->protocol;
	ev->arg = c->arg;
	ev->pad = 0;
	__builtin_memcpy(ev->addr, req->addr, sizeof(ev->addr));
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->path_len = 0;
	if (c->path && c->path_len) {
		__u32 n = c->path_len;

		if (n > HB_EVENT_PATH_MAX - 1)
			n = HB_EVENT_PATH_MAX - 1;
		n &= HB_EVENT_PATH_MAX - 1; /* a bound the verifier can see */
		if (c->path_str) {
			long got = bpf_probe_read_kernel_str(ev->path, n + 1, c->path);

			if (got > 0)
				ev->path_len = got - 1;
		} else if (!bpf_probe_read_kernel(ev->path, n, c->path)) {
			ev->path_len = n;
		}
	}
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/*
 * The command's own execve() is the first in its sandbox: the launcher's
 * child is the only process there until it execs. The policy holds a
 * one-shot token the first execve takes; the task remembers, for the
 * files that execve goes on to run (bprm_check_security), that it is the
 * first. Nothing can hand the token back: only the loader writes it.
 */
static __always_inline void hb_take_first_exec(struct hb_ctx *c,
					       struct hb_policy *p)
{
	__u32 *flag = bpf_task_storage_get(&hb_first_exec, bpf_get_current_task_btf(),
					   0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	c->req.first_exec = __sync_val_compare_and_swap(&p->first_exec, 1, 0) == 1;
	if (flag)
		*flag = c->req.first_exec;
}

/* The denied file's path for the event: @file's, or the filesystem guard's. */
static __always_inline void hb_event_text(struct hb_ctx *c, __u16 hook, struct file *file)
{
	__u32 zero = 0;
	struct hb_path_buf *buf;

	if (file)
		hb_file_path(c, file);
	if (hook == HB_HOOK_FS_WRITE || hook == HB_HOOK_FS_READ) {
		buf = bpf_map_lookup_elem(&hb_scratch, &zero);
		c->path_len = hb_fs_text(c);
		c->path = buf ? buf->path : NULL;
		c->path_str = 0;
	}
}

/* The sandbox enclosing the current task, and whether there are more. */
struct hb_nest {
	__u32 from;
	__u32 count;
	__u64 id;           /* the outermost one */
};

/*
 * One level of hb_enforce()'s search; 1 stops the loop. Only the levels
 * that hold a policy are asked for, as in hb_walk_levels().
 */
static long hb_nest_cb(__u32 i, void *data)
{
	struct hb_nest *nest = data;
	__u32 lvl = nest->from + i;
	int look = hb_level_marked(lvl);
	__u64 id;

	if (look <= 0)
		return look < 0;
	id = bpf_get_current_ancestor_cgroup_id(lvl);
	if (!id) /* the task sits above this level */
		return 1;
	if (!hb_policy_of(&id))
		return 0;
	if (!nest->count++)
		nest->id = id;
	return nest->count > 1;
}

/*
 * The verdict of the sandbox enclosing the task. bpf_loop() only finds
 * it where more levels are marked (a tiny body for the verifier); the
 * decision runs once, inline, with @hook a constant so that only that
 * hook's code is there to verify. A loaded instance holds sandboxes that
 * do not nest (each `run` loads its own), so a task under two of one
 * instance's sandboxes is a state this code does not handle: it fails
 * closed. @pol: the policy at @first if hb_first_level() found it (an
 * object that serves many), or NULL: then looked up here.
 */
static __always_inline int hb_enforce_in(struct hb_ctx *c, int first, struct hb_policy *pol,
					 __u16 hook, struct file *path_file)
{
	/* Only for tasks in a sandbox: every marked level below it is looked at. */
	struct hb_nest nest = { .from = first };
	struct hb_policy *p;
	enum hb_reason reason;
	__u32 hi = hb_level_hi;
	__u64 now = 0;

	if (first < 0 || (__u32)first >= hi)
		return 0;
	/*
	 * No marked level below the first: the sandbox there is the only
	 * one (always so in a run's own object, whose id is known).
	 */
	if (hb_one_sandbox || (__u32)first + 1 >= hi || !(hb_policy_levels() >> (first + 1))) {
		nest.id = hb_sandbox_id ?: bpf_get_current_ancestor_cgroup_id(first);
		nest.count = 1;
	} else {
		bpf_loop(hi - first, hb_nest_cb, &nest, 0);
	}
	/* nest.id is the cgroup at @first: @pol is its policy. */
	p = pol ?: hb_sandbox_policy(&nest.id);
	if (!p) /* removed meanwhile: its sandbox is gone */
		return 0;
	c->req.hook = hook;
	hb_req_classify(&c->req);
	/*
	 * Whether the redirect programs see this socket: it was made inside
	 * the sandbox. cgroup programs run only for such sockets and pass none.
	 * Read only where hb_net_dest_reason asks (three reads of the socket).
	 */
	if (hb_hook_guard(hook) == HB_GUARD_NET && (hb_net_bits(p) & HB_NET_DNS_PROXY) &&
	    (c->req.addr_class & HB_ADDR_DNS)) {
		struct socket *sock = c->sock; /* out of CO-RE's reach: ours */

		c->req.own_socket = sock ? hb_sock_in_sandbox(BPF_CORE_READ(sock, sk),
							      first, nest.id) : 1;
	}
	hb_lookup_facts(c, p, first, nest.id, hook);
	if (hook == HB_HOOK_EXEC)
		hb_take_first_exec(c, p);
	reason = nest.count > 1 ? HB_REASON_UNREADABLE : hb_decide_hook(p, &c->req, hook);
	if (reason == HB_REASON_NONE)
		return 0;
	/* A path's text only for an event that will be written. */
	if (path_file || hook == HB_HOOK_FS_WRITE || hook == HB_HOOK_FS_READ) {
		now = bpf_ktime_get_ns();
		if (hb_event_due(nest.id, p, now))
			hb_event_text(c, hook, path_file);
	}
	hb_report(c, nest.id, reason, p, now);
	return hb_audited(p, hook, reason) ? 0 : -hb_hook_errno(hook);
}

static __always_inline int hb_enforce(struct hb_ctx *c, int first, struct hb_policy *pol,
				      __u16 hook)
{
	return hb_enforce_in(c, first, pol, hook, NULL);
}

/* The same, from a sleepable hook whose denial names @file's path. */
static __always_inline int hb_enforce_file(struct hb_ctx *c, int first, struct hb_policy *pol,
					   __u16 hook, struct file *file)
{
	return hb_enforce_in(c, first, pol, hook, file);
}

#endif /* HB_ENFORCE_BPF_H */
