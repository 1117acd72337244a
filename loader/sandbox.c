// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpffs.h"
#include "log.h"
#include "path.h"
#include "sandbox.h"
#include "hermetic.skel.h"

static int on_sample(void *ctx, void *data, size_t size)
{
	struct hb_sandbox *sb = ctx;

	if (size < sizeof(struct hb_event))
		return 0; /* not ours to interpret; the ABI fixes the size */
	return sb->on_event(sb->ctx, data);
}

static int load_programs(struct hb_sandbox *sb)
{
	int err;

	sb->skel = hermetic__open();
	if (!sb->skel) {
		err = -errno;
		hb_log("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	err = hermetic__load(sb->skel);
	if (err) {
		hb_log("cannot load the BPF-LSM programs: %s", strerror(-err));
		hb_hint("run with -v to see the verifier's log");
		return err;
	}
	err = hermetic__attach(sb->skel);
	if (err) {
		hb_log("cannot attach the BPF-LSM programs: %s", strerror(-err));
		return err;
	}
	hb_debug("loaded and attached the BPF-LSM programs");
	return 0;
}

/*
 * Links pinned in bpffs keep the programs attached if this process dies
 * (even by SIGKILL): the sandbox stays confined until gc finds it empty.
 */
static int pin_links(struct hb_sandbox *sb)
{
	char root[PATH_MAX], path[PATH_MAX + 64];
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
	for (int i = 0; i < sb->skel->skeleton->prog_cnt; i++) {
		const struct bpf_prog_skeleton *ps = &sb->skel->skeleton->progs[i];

		err = hb_path_join(path, sizeof(path), sb->pin_dir, ps->name);
		if (!err)
			err = bpf_link__pin(*ps->link, path);
		if (err) {
			hb_log("cannot pin %s: %s", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int write_policy(struct hb_sandbox *sb, const struct hb_policy *policy)
{
	struct hb_stats zero = {};
	__u64 id = sb->cg.id;
	int err;

	err = bpf_map__update_elem(sb->skel->maps.hb_stats, &id, sizeof(id),
				   &zero, sizeof(zero), BPF_NOEXIST);
	if (!err)
		err = bpf_map__update_elem(sb->skel->maps.hb_policies, &id,
					   sizeof(id), policy, sizeof(*policy),
					   BPF_NOEXIST);
	if (err) {
		hb_log("cannot write the sandbox policy: %s", strerror(-err));
		return err;
	}
	/* Last: from here on the hooks look at this cgroup's level. */
	sb->skel->bss->hb_level_lo = sb->cg.level;
	sb->skel->bss->hb_level_hi = sb->cg.level + 1;
	return 0;
}

int hb_sandbox_open(struct hb_sandbox *sb, const struct hb_policy *policy,
		    hb_event_fn on_event, void *ctx)
{
	char root[PATH_MAX];
	int err;

	memset(sb, 0, sizeof(*sb));
	sb->cg.fd = -1;
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
	if (!policy->guards)
		return 0;

	err = load_programs(sb);
	if (!err)
		err = pin_links(sb);
	if (!err)
		err = write_policy(sb, policy);
	if (!err) {
		sb->rb = ring_buffer__new(bpf_map__fd(sb->skel->maps.hb_events),
					  on_sample, sb, NULL);
		if (!sb->rb) {
			err = -errno;
			hb_log("cannot open the event ring buffer: %s", strerror(-err));
		}
	}
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
	int n = sb->rb ? ring_buffer__consume(sb->rb) : 0;

	return n < 0 ? n : 0;
}

int hb_sandbox_stats(const struct hb_sandbox *sb, struct hb_stats *out)
{
	__u64 id = sb->cg.id;

	memset(out, 0, sizeof(*out));
	if (!sb->skel)
		return 0;
	return bpf_map__lookup_elem(sb->skel->maps.hb_stats, &id, sizeof(id),
				    out, sizeof(*out), 0);
}

int hb_sandbox_close(struct hb_sandbox *sb)
{
	int err = 0;

	if (sb->cg.fd >= 0) {
		err = hb_cgroup_kill(sb->cg.path);
		if (!err)
			err = hb_cgroup_remove(sb->cg.path);
	}
	ring_buffer__free(sb->rb);
	sb->rb = NULL;
	if (err) {
		/* Still populated: leave the pins, so enforcement outlives us. */
		hb_log("leaving sandbox %s enforced; `hermetic-bpf gc` removes it once empty",
		       sb->cg.name);
	} else if (sb->skel) {
		__u64 id = sb->cg.id;

		bpf_map__delete_elem(sb->skel->maps.hb_policies, &id, sizeof(id), 0);
		bpf_map__delete_elem(sb->skel->maps.hb_stats, &id, sizeof(id), 0);
		if (sb->pin_dir[0])
			err = hb_bpffs_remove_dir(sb->pin_dir);
	}
	hermetic__destroy(sb->skel);
	sb->skel = NULL;
	hb_cgroup_close(&sb->cg);
	return err;
}
