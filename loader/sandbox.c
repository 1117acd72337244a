// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "agent_pins.h"
#include "bpffs.h"
#include "log.h"
#include "path.h"
#include "sandbox.h"
#include "tierb_progs.h"
#include "hermetic.skel.h"

/*
 * Links pinned in bpffs keep the programs attached if this process dies
 * (even by SIGKILL): the sandbox stays confined until gc finds it empty.
 */
static int make_pin_dir(struct hb_sandbox *sb)
{
	char root[PATH_MAX];
	int err;

	err = hb_bpffs_pin_root(root, sizeof(root), true);
	if (err)
		return err;
	err = hb_path_join(sb->pin_dir, sizeof(sb->pin_dir), root, sb->cg.name);
	if (err) {
		sb->pin_dir[0] = '\0';
		return err;
	}
	if (mkdir(sb->pin_dir, 0700)) {
		err = -errno;
		hb_log("cannot create %s: %s", sb->pin_dir, strerror(errno));
		sb->pin_dir[0] = '\0';
		return err;
	}
	return 0;
}

/* The policy, then the levels: from here on the hooks look at this cgroup. */
static int write_policy(struct hb_sandbox *sb, const struct hb_sandbox_config *cfg)
{
	struct hb_sandbox_config own = *cfg;
	int err;

	hb_obj_policy_maps(sb->skel, &sb->maps);
	own.level = sb->cg.level;
	/* The command's own execve takes the first exec. */
	err = hb_obj_write_policy(&sb->maps, sb->cg.id, &own, true);
	if (!err)
		err = hb_obj_set_run_policy(sb->skel, sb->cg.id);
	if (err)
		return err;
	sb->skel->bss->hb_sandbox_id = sb->cg.id;
	sb->skel->bss->hb_level_lo = sb->cg.level;
	sb->skel->bss->hb_level_hi = sb->cg.level + 1;
	return 0;
}

/* A sample of the sandbox's ring to on_event, if it is the sandbox's event. */
static int hand_on(struct hb_sandbox *sb, void *data, size_t size)
{
	if (size < sizeof(struct hb_event))
		return 0; /* not ours to interpret; the ABI fixes the size */
	/* A reused ring's events of the sandbox it served before. */
	if (sb->ring.fd >= 0 && ((const struct hb_event *)data)->sandbox_id != sb->cg.id)
		return 0;
	return sb->on_event(sb->ctx, data);
}

/* Every sample read counts against the pass (ring_pass.h). */
static int on_sample(void *ctx, void *data, size_t size)
{
	struct hb_sandbox *sb = ctx;

	return hb_ring_pass_spend(&sb->pass, hand_on(sb, data, size));
}

static int open_ring(struct hb_sandbox *sb, int fd)
{
	sb->rb = ring_buffer__new(fd, on_sample, sb, NULL);
	if (!sb->rb) {
		int err = -errno;

		hb_log("cannot open the event ring buffer: %s", strerror(-err));
		return err;
	}
	return 0;
}

static int open_cold(struct hb_sandbox *sb, const struct hb_sandbox_config *cfg)
{
	int err = hb_obj_load(&sb->skel, cfg);

	if (!err)
		err = write_policy(sb, cfg);
	if (!err)
		err = hb_obj_attach(sb->skel, sb->cg.fd);
	if (!err)
		err = make_pin_dir(sb);
	if (!err)
		err = hb_obj_pin_links(sb->skel, sb->pin_dir, "");
	if (!err)
		hb_debug("pinned the links");
	if (!err)
		err = open_ring(sb, bpf_map__fd(sb->skel->maps.hb_events));
	return err;
}

/*
 * On BPF-LSM, this load is the probe's last layer (loader/probe.h): if it
 * fails, the probe asks a tiny program. It loading says the failure is
 * ours, and what we said stands; it failing too says BPF-LSM cannot be
 * used here, which the caller handles as the probe would have.
 */
static int open_cold_lsm(struct hb_sandbox *sb, const struct hb_sandbox_config *cfg)
{
	int err;

	hb_log_hold();
	err = open_cold(sb, cfg);
	if (err) {
		sb->lsm_err = hb_probe_bpf_lsm(&sb->lsm_why);
		if (sb->lsm_err)
			hb_debug("BPF-LSM's programs do not load here (%s): %s", strerror(-err),
				 sb->lsm_why.what);
	}
	hb_log_release(!sb->lsm_err);
	return err;
}

/*
 * A ring of the sandbox's own among shared programs' (ring_pool.h), named
 * in its policy. What a reused ring still holds is an earlier sandbox's:
 * read now, and skipped (on_sample), so that it does not fill the ring.
 */
static int claim_ring(struct hb_sandbox *sb, const struct hb_ring_pool *pool,
		      struct hb_sandbox_config *own)
{
	int err;

	sb->rings = *pool;
	err = hb_ring_claim(pool, sb->cg.id, &sb->ring);
	if (err)
		return err;
	own->policy.ring = sb->ring.slot + 1;
	err = open_ring(sb, sb->ring.fd);
	if (!err)
		hb_ring_pass(sb->rb, &sb->pass); /* the rest is skipped as it is read */
	return err;
}

/*
 * A run's policy in an object that serves many (the agent's, tier B's
 * set): its ring claimed first (the policy names it), then the policy,
 * marked as a run's. The kinds of rule it writes are kept: the run's end
 * removes those.
 */
static int write_shared_policy(struct hb_sandbox *sb, const struct hb_ring_pool *pool,
			       const struct hb_sandbox_config *cfg)
{
	struct hb_sandbox_config own = *cfg;
	int err = claim_ring(sb, pool, &own);

	if (err)
		return err;
	own.policy.origin = HB_ORIGIN_RUN;
	own.level = sb->cg.level;
	sb->rule_kinds = hb_obj_rule_kinds(&own);
	return hb_obj_write_policy(&sb->maps, sb->cg.id, &own, true);
}

/*
 * The agent's programs serve this sandbox: a ring of its own claimed,
 * then the policy written. Nothing is pinned for it: once its policy is
 * in the maps, --unload keeps the programs attached until it is gone
 * (agent_pins.h).
 */
static int open_warm(struct hb_sandbox *sb, const struct hb_sandbox_config *cfg,
		     struct hb_agent_obj *ag)
{
	struct hb_ring_pool pool = hb_agent_obj_rings(ag);
	int err;

	sb->agent = ag;
	sb->maps = ag->maps;
	err = write_shared_policy(sb, &pool, cfg);
	hb_agent_obj_release(ag);
	if (!err)
		hb_debug("warm: the agent's programs in %s enforce the policy", ag->dir);
	return err;
}

/*
 * Tier B: the boot's shared programs (tierb_progs.h), loaded by the first
 * run that needs them. The policy is written before the programs are
 * attached to the cgroup, and gc sees it before the set's lock is let go.
 */
static int open_tier_b(struct hb_sandbox *sb, const struct hb_sandbox_config *cfg)
{
	struct hb_ring_pool pool;
	bool loaded;
	int err;

	sb->tierb = calloc(1, sizeof(*sb->tierb));
	if (!sb->tierb)
		return -ENOMEM;
	err = hb_tierb_progs_get(sb->tierb, &cfg->tiers, sb->cg.level, &loaded);
	if (err) {
		free(sb->tierb);
		sb->tierb = NULL;
		return err;
	}
	hb_debug("%s tier B's programs for this boot: %s", loaded ? "loaded" : "reusing",
		 sb->tierb->dir);
	sb->maps = sb->tierb->maps;
	pool = hb_tierb_progs_rings(sb->tierb);
	err = write_shared_policy(sb, &pool, cfg);
	hb_tierb_progs_unlock(sb->tierb);
	if (!err)
		err = make_pin_dir(sb);
	if (!err)
		err = hb_tierb_progs_attach(sb->tierb, cfg, sb->cg.fd, sb->pin_dir);
	if (!err)
		hb_debug("pinned the links");
	return err;
}

/* Whether a guard of @cfg is BPF-LSM's: tier B's shared programs cannot serve it. */
static bool uses_lsm(const struct hb_sandbox_config *cfg)
{
	for (int k = 0; k < HB_GUARD_KIND_MAX; k++)
		if (cfg->tiers.mech[k] == HB_TIER_A)
			return true;
	return false;
}

int hb_sandbox_open(struct hb_sandbox *sb, const struct hb_sandbox_config *cfg,
		    struct hb_agent_obj *agent, hb_event_fn on_event, void *ctx)
{
	char root[PATH_MAX];
	const char *why;
	int err;

	memset(sb, 0, sizeof(*sb));
	sb->cg.fd = -1;
	sb->ring.fd = -1;
	sb->on_event = on_event;
	sb->ctx = ctx;

	err = hb_cgroup_root(root, sizeof(root));
	if (err)
		return err;
	err = hb_cgroup_create(root, &sb->cg);
	if (err)
		return err;
	if (sb->cg.level >= HB_MAX_LEVELS) {
		/* The hooks look no deeper: refuse rather than leave it unchecked. */
		hb_log("cgroup %s is nested %u levels deep; at most %u are supported",
		       sb->cg.path, sb->cg.level, HB_MAX_LEVELS - 1);
		hb_sandbox_close(sb);
		return -E2BIG;
	}
	hb_debug("sandbox cgroup %s (id %llu, level %u)", sb->cg.path,
		 (unsigned long long)sb->cg.id, sb->cg.level);
	why = !agent ? NULL : !cfg->policy.guards ? "a sandbox without guards" :
	      hb_agent_cannot_serve(cfg);
	/* Not used after all: --unload need not wait for this run. */
	if (why)
		hb_agent_obj_release(agent);
	if (!cfg->policy.guards)
		return 0;
	if (why)
		hb_debug("the agent's programs cannot serve %s: loading our own", why);
	err = agent && !why ? open_warm(sb, cfg, agent) :
	      cfg->tiers.tamper == HB_TIER_A ? open_cold_lsm(sb, cfg) :
	      uses_lsm(cfg) ? open_cold(sb, cfg) : open_tier_b(sb, cfg);
	if (err)
		hb_sandbox_close(sb);
	return err;
}

int hb_sandbox_events_fd(const struct hb_sandbox *sb)
{
	return sb->rb ? ring_buffer__epoll_fd(sb->rb) : -1;
}

int hb_sandbox_drain(struct hb_sandbox *sb)
{
	return sb->rb ? hb_ring_pass(sb->rb, &sb->pass) : 0;
}

/* A sandbox's end reads this many rings' worth at most. */
#define HB_DRAIN_PASSES 16

int hb_sandbox_drain_all(struct hb_sandbox *sb)
{
	int n = 1;

	/* What is left in it would go on making events: killed first, as close kills it. */
	if (sb->cg.fd >= 0)
		hb_cgroup_kill(sb->cg.path);
	for (int i = 0; i < HB_DRAIN_PASSES && n == 1; i++)
		n = hb_sandbox_drain(sb);
	return n < 0 ? n : 0;
}

int hb_sandbox_stats(const struct hb_sandbox *sb, struct hb_stats *out)
{
	__u64 id = sb->cg.id;

	memset(out, 0, sizeof(*out));
	if (!sb->skel && !sb->agent && !sb->tierb)
		return 0;
	return bpf_map_lookup_elem(sb->maps.stats, &id, out) ? -errno : 0;
}

/*
 * Detaching BPF-LSM programs waits for RCU grace periods, one per hook:
 * slow, and by then the sandbox is gone (its cgroup removed, its policy
 * deleted), so nothing depends on it. A child takes over the last
 * references to the links and drops them after we have let go of ours;
 * it closes our stdio first, so nobody waiting for our output waits for it.
 */
static void destroy_in_background(struct hermetic *skel)
{
	int sync[2];
	pid_t pid;
	char c;

	if (pipe2(sync, O_CLOEXEC) || (pid = fork()) < 0) {
		hermetic__destroy(skel); /* in the foreground, then */
		return;
	}
	if (pid == 0) {
		close(0);
		close(1);
		close(2);
		close(sync[1]);
		/* EOF: the parent has closed its descriptors, ours are the last. */
		while (read(sync[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0); /* closing the link descriptors detaches, here */
	}
	hermetic__destroy(skel);
	close(sync[0]);
	close(sync[1]);
}

int hb_sandbox_close(struct hb_sandbox *sb)
{
	int err = 0;

	if (sb->cg.fd >= 0) {
		err = hb_cgroup_kill(sb->cg.path);
		if (!err)
			err = hb_cgroup_remove(sb->cg.path);
		hb_debug("cgroup emptied and removed");
	}
	ring_buffer__free(sb->rb);
	sb->rb = NULL;
	if (sb->agent && !err) {
		__u64 id = sb->cg.id;

		/* Its cgroup is gone: nothing is left to confine. */
		err = hb_obj_remove_policy_of(&sb->maps, id, sb->rule_kinds);
	}
	/* Likewise in tier B's shared maps; its links go with its pins, below. */
	if (sb->tierb && !err)
		err = hb_tierb_progs_forget(sb->tierb, sb->cg.id, sb->rule_kinds);
	/* No policy names the ring any more; else gc frees it with the policy. */
	if (!err)
		hb_ring_release(&sb->rings, &sb->ring);
	else if (sb->ring.fd >= 0)
		close(sb->ring.fd);
	sb->ring.fd = -1;
	if (err) {
		/* Still populated: leave the pins, so enforcement outlives us. */
		hb_log("leaving sandbox %s enforced; `hermetic-bpf gc` removes it once empty",
		       sb->cg.name);
	} else if (sb->agent) {
		/* If the agent was unloaded meanwhile, this may have been its last run. */
		hb_agent_obj_collect_retired(NULL, NULL);
	} else if (sb->skel) {
		__u64 id = sb->cg.id;

		bpf_map__delete_elem(sb->skel->maps.hb_policies, &id, sizeof(id), 0);
		hb_obj_set_run_policy(sb->skel, 0);
		bpf_map__delete_elem(sb->skel->maps.hb_stats, &id, sizeof(id), 0);
		if (sb->pin_dir[0])
			err = hb_bpffs_remove_dir(sb->pin_dir);
	} else if (sb->tierb && sb->pin_dir[0]) {
		err = hb_bpffs_remove_dir(sb->pin_dir);
	}
	if (sb->tierb) {
		hb_tierb_progs_close(sb->tierb);
		free(sb->tierb);
		sb->tierb = NULL;
	}
	if (sb->skel && !err) {
		destroy_in_background(sb->skel);
		hb_debug("programs handed to a child to detach");
	} else if (sb->skel) {
		hermetic__destroy(sb->skel); /* the pins keep them attached */
	}
	sb->skel = NULL;
	sb->agent = NULL;
	hb_cgroup_close(&sb->cg);
	return err;
}
