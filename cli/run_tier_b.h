/* SPDX-License-Identifier: GPL-2.0-only */
/* A tier B command's Landlock, seccomp and listener (run_tier_b.c). */
#ifndef HB_RUN_TIER_B_H
#define HB_RUN_TIER_B_H

#include <stdbool.h>
#include "exec_notify.h"
#include "landlock.h"
#include "launch.h"
#include "run_args.h"
#include "run_state.h"
#include "tier.h"

/* A sandbox without BPF-LSM: Landlock, seccomp and cgroup-bpf enforce. */
bool hb_run_is_tier_b(const struct hb_run_args *a, const struct hb_tiers *t);

/* The network guard on cgroup-bpf: unix sockets judged by path, seccomp's socket rules. */
bool hb_run_net_b(const struct hb_run_args *a, const struct hb_tiers *t);

/*
 * Tier B's Landlock ruleset into @ll (fd -1: none), built as the
 * command's user: 0 or -errno, said.
 */
int hb_run_b_landlock(const struct hb_run_args *a, const struct hb_tiers *t,
		      struct hb_landlock *ll);

/*
 * The command's seccomp plan and Landlock ruleset @ll (NULL: none) into
 * @o, for either tier (tier A's is --block-native's alone). True when the
 * plan has a listener: the caller sets o->notify_sock, its way back.
 */
bool hb_run_b_spawn_plan(const struct hb_run_args *a, const struct hb_tiers *t,
			 const struct hb_landlock *ll, struct hb_spawn_opts *o);

/* A pair for the listener's way back: 0 or -errno, said. */
int hb_run_b_notify_pair(int sp[2]);

/*
 * The listener from @child's process, over @sock, before its exec (xn->fd
 * -1 if the process ended first): 0 or -errno.
 */
int hb_run_b_take_listener(int sock, pid_t child, struct hb_exec_notify *xn,
			   __u64 sandbox_id, bool audit);

/* Answers one call waiting on @xn (epoll @events on it), reporting a denial. */
void hb_run_b_answer(int ep, struct hb_exec_notify *xn, __u32 events, struct run_state *rs);

#endif
