// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core_btf.h"
#include "guard.h"
#include "hermetic_policy.h"
#include "log.h"
#include "lsm_hooks.h"
#include "obj.h"
#include "path.h"
#include "probe.h"
#include "hermetic.skel.h"

/*
 * Hooks that differ between kernels: inode_setattr gained an idmap
 * argument in front in Linux 6.3, POSIX ACLs have hooks of their own from
 * 6.2, 32-bit callers' ioctls from 6.8, and perf_event_open lost its
 * attributes in 6.12. The guards' rows name every variant they need;
 * of those the kernel's BTF says which it has.
 */
static int select_variants(struct hermetic *skel)
{
	static const char *const hooks[] = { "inode_setattr", "inode_set_acl",
					     "inode_remove_acl", "file_ioctl_compat",
					     "perf_event_open" };
	bool setattr = bpf_program__autoload(skel->progs.hb_setattr_idmap) ||
		       bpf_program__autoload(skel->progs.hb_setattr_v61);
	bool set_acl = bpf_program__autoload(skel->progs.hb_set_acl);
	bool remove_acl = bpf_program__autoload(skel->progs.hb_remove_acl);
	bool ioctl = bpf_program__autoload(skel->progs.hb_ioctl_compat);
	bool perf = bpf_program__autoload(skel->progs.hb_perf_open) ||
		    bpf_program__autoload(skel->progs.hb_perf_open_v61);
	int nargs[5];

	if (!setattr && !set_acl && !remove_acl && !ioctl && !perf)
		return 0;
	for (int i = 0; i < 5; i++) {
		struct hb_lsm_hook h;
		int err = hb_lsm_hook_find(hooks[i], &h);

		if (err == -EIO)
			return -ENOENT;
		nargs[i] = err ? err : h.nargs;
	}
	bpf_program__set_autoload(skel->progs.hb_ioctl_compat, ioctl && nargs[3] > 0);
	bpf_program__set_autoload(skel->progs.hb_perf_open, perf && nargs[4] == 1);
	bpf_program__set_autoload(skel->progs.hb_perf_open_v61, perf && nargs[4] == 2);
	if (perf && nargs[4] != 1 && nargs[4] != 2) {
		hb_log("this kernel's perf_event_open hook takes %d arguments; the seal "
		       "knows 1 and 2", nargs[4]);
		return -EOPNOTSUPP;
	}
	if (setattr && nargs[0] != 2 && nargs[0] != 3) {
		hb_log("this kernel's inode_setattr hook takes %d arguments; the "
		       "filesystem guard knows 2 and 3", nargs[0]);
		return -EOPNOTSUPP;
	}
	bpf_program__set_autoload(skel->progs.hb_setattr_idmap, setattr && nargs[0] == 3);
	bpf_program__set_autoload(skel->progs.hb_setattr_v61, setattr && nargs[0] == 2);
	bpf_program__set_autoload(skel->progs.hb_set_acl, set_acl && nargs[1] > 0);
	bpf_program__set_autoload(skel->progs.hb_remove_acl, remove_acl && nargs[2] > 0);
	return 0;
}

int hb_obj_each_prog(const struct hb_sandbox_config *cfg,
		     int (*fn)(const char *name, const char *what, void *ctx), void *ctx)
{
	const struct hb_policy *p = &cfg->policy;
	int err;

	hb_for_each_guard(g) {
		enum hb_tier tier = cfg->tiers.mech[hb_guard_kind(g)];

		if (!(p->guards & g->bit) && !g->always)
			continue;
		for (const struct hb_guard_prog *gp = g->progs; gp->name; gp++) {
			if (!hb_guard_prog_on(gp, p, tier))
				continue;
			err = fn(gp->name, g->what, ctx);
			if (err)
				return err;
		}
	}
	return 0;
}

static int mark_prog(const char *name, const char *what, void *ctx)
{
	struct hermetic *skel = ctx;
	struct bpf_program *prog = bpf_object__find_program_by_name(skel->obj, name);

	/* A row naming a program this object lacks: its hook would go unguarded. */
	if (!prog) {
		hb_log("the BPF object has no program %s, which %s needs", name, what);
		return -ENOENT;
	}
	bpf_program__set_autoload(prog, true);
	return 0;
}

/* Tier B's unix hooks: libbpf 1.1 predates them, so the kernel's numbers. */
static void set_unix_attach(struct hermetic *skel, const struct hb_tiers *t)
{
	bpf_program__set_expected_attach_type(skel->progs.hb_cg_unix_connect, t->unix_connect);
	bpf_program__set_expected_attach_type(skel->progs.hb_cg_unix_sendmsg, t->unix_sendmsg);
}

/* A run's own object holds its one sandbox; the agent's serves many. */
static bool one_sandbox(const struct hb_sandbox_config *cfg)
{
	return !cfg->follow_cgroups;
}

/*
 * Which programs a configuration needs, as the guards' rows say; the
 * rest are not even loaded.
 */
static int select_programs(struct hermetic *skel,
			   const struct hb_sandbox_config *cfg)
{
	const struct hb_policy *p = &cfg->policy;
	const struct hb_tiers *t = &cfg->tiers;
	bool net_b = (p->guards & HB_GUARD_NET) && t->net == HB_TIER_B;
	bool fs = (p->guards & HB_GUARD_FS) && t->fs == HB_TIER_A;
	struct bpf_program *prog;
	int err;

	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	err = hb_obj_each_prog(cfg, mark_prog, skel);
	if (err)
		return err;
	/* The agent's: re-created cgroups keep their policy. */
	bpf_program__set_autoload(skel->progs.hb_cg_mkdir, cfg->follow_cgroups);
	if (net_b)
		set_unix_attach(skel, t);
	skel->rodata->hb_tier_b = net_b;
	skel->rodata->hb_fs_mode = fs ? p->fs : 0;
	skel->rodata->hb_one_sandbox = one_sandbox(cfg);
	/* A run's own object: its one policy's rules; the agent's: any. */
	skel->rodata->hb_net_possible = one_sandbox(cfg) ? p->net : ~0u;
	return select_variants(skel);
}

/*
 * A run's own object holds one sandbox: a map its configuration never
 * writes needs no room (hb_dns_addrs alone, preallocated, costs ~20 ms
 * to create natively). The agent's object serves whatever comes: full size.
 */
static int size_maps(struct hermetic *skel, const struct hb_sandbox_config *cfg)
{
	unsigned int kinds = hb_obj_rule_kinds(cfg);
	struct {
		struct bpf_map *map;
		bool used;
	} maps[] = {
		{ skel->maps.hb_dns_addrs, kinds & HB_RULES_DNS },
		{ skel->maps.hb_bind_rules, kinds & HB_RULES_BIND },
		{ skel->maps.hb_unix_rules, kinds & HB_RULES_UNIX },
		{ skel->maps.hb_unix_paths, kinds & HB_RULES_UNIX },
		{ skel->maps.hb_exec_rules, kinds & HB_RULES_EXEC },
		{ skel->maps.hb_fs_subtrees, kinds & HB_RULES_FS },
		/* Only the seal's programs (BPF-LSM) write it. */
		{ skel->maps.hb_fowners, cfg->tiers.tamper == HB_TIER_A },
		/* Rings of sandboxes that share an object: its one reports to hb_events. */
		{ skel->maps.hb_event_rings, false },
		{ skel->maps.hb_ring_owners, false },
	};
	int err = 0;

	for (size_t i = 0; one_sandbox(cfg) && !err && i < sizeof(maps) / sizeof(maps[0]); i++)
		if (!maps[i].used)
			err = bpf_map__set_max_entries(maps[i].map, 1);
	if (err)
		hb_log("cannot size the BPF maps: %s", strerror(-err));
	return err;
}

/* This process loaded a sandbox's object against the kernel's whole BTF. */
static bool scanned_kernel_btf;

/*
 * @cached: against this boot's kept types (core_btf.h) if there are
 * some, else the kernel's whole BTF; in @path, which one.
 */
static int open_object(struct hermetic **skel, bool cached, char *path, size_t len)
{
	/* -vv: the verifier's statistics for every program, in libbpf's log. */
	LIBBPF_OPTS(bpf_object_open_opts, opts, .kernel_log_level = hb_verbosity >= 2 ? 4 : 0);
	int err;

	err = hb_lsm_hooks_use();
	if (err)
		return err;
	opts.btf_custom_path = cached ? hb_core_btf_cached(hb_obj_crc32(), path, len) : NULL;
	if (!opts.btf_custom_path)
		path[0] = '\0';
	*skel = hermetic__open_opts(&opts);
	if (!*skel) {
		err = -errno;
		hb_log("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	return 0;
}

/*
 * Whether a load's failure may be the kept types' (@btf_path, or "" for
 * the kernel's whole BTF): any but EPERM, the kernel refusing the
 * programs themselves (no trampolines), which no BTF changes.
 */
static bool kept_types_may_fail(int err, const char *btf_path)
{
	return err && btf_path[0] && err != -EPERM;
}

/*
 * @btf_path: the kept types the object was opened against, or "". A
 * failure they may explain is left for the caller to say, once it tried
 * the kernel's whole BTF.
 */
static int load_object(struct hermetic *skel, const char *btf_path)
{
	int err;

	hb_debug("loading the BPF programs");
	err = hermetic__load(skel);
	if (kept_types_may_fail(err, btf_path)) {
		hb_debug("cannot load the BPF programs against %s: %s; again against the "
			 "kernel's whole BTF", btf_path, strerror(-err));
		return err;
	}
	if (err) {
		hb_log("cannot load the BPF programs: %s", strerror(-err));
		hb_hint("run with -v to see the verifier's log");
		return err;
	}
	hb_debug("loaded the BPF programs");
	return 0;
}

/* Opened for @cfg's sandbox, as open_object() says for @cached and @path. */
static int open_for(struct hermetic **skel, const struct hb_sandbox_config *cfg, bool cached,
		    char path[HB_CORE_BTF_PATH_MAX])
{
	return open_object(skel, cached, path, HB_CORE_BTF_PATH_MAX) ?:
	       select_programs(*skel, cfg) ?: size_maps(*skel, cfg);
}

int hb_obj_open(struct hermetic **skel, const struct hb_sandbox_config *cfg)
{
	char path[HB_CORE_BTF_PATH_MAX];

	return open_for(skel, cfg, false, path);
}

int hb_obj_load(struct hermetic **skel, const struct hb_sandbox_config *cfg)
{
	char path[HB_CORE_BTF_PATH_MAX];
	int err = open_for(skel, cfg, true, path);

	if (err)
		return err;
	err = load_object(*skel, path);
	/* Kept types the load could not use: gone, and the whole BTF instead. */
	if (kept_types_may_fail(err, path)) {
		hermetic__destroy(*skel);
		*skel = NULL;
		hb_core_btf_drop(path);
		err = open_for(skel, cfg, false, path) ?: load_object(*skel, path);
	}
	scanned_kernel_btf |= !err && !path[0];
	return err;
}

void hb_obj_keep_core_btf(void)
{
	const void *elf;
	size_t sz;

	if (!scanned_kernel_btf)
		return;
	elf = hermetic__elf_bytes(&sz);
	hb_core_btf_make(elf, sz, hb_obj_crc32());
}

/* Here only: each file that reads the object's bytes holds a copy of them. */
unsigned long hb_obj_crc32(void)
{
	static unsigned long sum;
	static bool known;
	size_t sz;
	const void *elf;

	if (!known) { /* 1.8 MB: once a process */
		elf = hermetic__elf_bytes(&sz);
		sum = crc32(0L, elf, sz);
		known = true;
	}
	return sum;
}

static bool is_cgroup_prog(const struct bpf_program *prog)
{
	switch (bpf_program__type(prog)) {
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
		return true;
	default:
		return false;
	}
}

int hb_obj_load_tier_b_set(struct hermetic **skel, const struct hb_tiers *t, __u32 level)
{
	struct bpf_program *prog;
	char path[HB_CORE_BTF_PATH_MAX];
	int err = open_object(skel, false, path, sizeof(path));

	if (err)
		return err;
	bpf_object__for_each_program(prog, (*skel)->obj)
		bpf_program__set_autoload(prog, is_cgroup_prog(prog));
	set_unix_attach(*skel, t);
	(*skel)->rodata->hb_tier_b = true;
	(*skel)->rodata->hb_fs_mode = 0;
	/* Many sandboxes, every one at @level: the programs look there only. */
	(*skel)->bss->hb_sandbox_id = 0;
	(*skel)->bss->hb_level_lo = level;
	(*skel)->bss->hb_level_hi = level + 1;
	return load_object(*skel, path);
}

int hb_obj_attach(struct hermetic *skel, int cg_fd)
{
	const struct bpf_object_skeleton *s = skel->skeleton;

	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;
		struct bpf_link *link;
		int err;

		if (!bpf_program__autoload(prog))
			continue;
		/* LSM hooks and the agent's tracepoint attach where their name says. */
		if (bpf_program__type(prog) == BPF_PROG_TYPE_LSM ||
		    bpf_program__type(prog) == BPF_PROG_TYPE_TRACING)
			link = bpf_program__attach(prog);
		else
			link = bpf_program__attach_cgroup(prog, cg_fd);
		err = libbpf_get_error(link);
		if (err) {
			hb_log("cannot attach %s: %s", s->progs[i].name, strerror(-err));
			/* The trampoline's limit (BPF_MAX_TRAMP_LINKS), host-wide. */
			if (err == -E2BIG && bpf_program__type(prog) == BPF_PROG_TYPE_LSM)
				hb_hint(HB_HINT_HOOK_FULL);
			return err;
		}
		*s->progs[i].link = link;
	}
	hb_debug("attached the BPF programs");
	return 0;
}

int hb_obj_pin_path(char *out, size_t len, const char *dir, const char *prefix,
		    const char *name)
{
	char file[128];

	snprintf(file, sizeof(file), "%s%s", prefix, name);
	return hb_path_join(out, len, dir, file);
}

struct bpf_map *hb_obj_map_by_pin_name(struct hermetic *skel, const char *name)
{
	/* bpffs takes no dots in a name: the levels' map pins without its section's. */
	if (!strcmp(name, "hb_levels"))
		return skel->maps.data_levels;
	return bpf_object__find_map_by_name(skel->obj, name);
}

int hb_obj_pin_links(struct hermetic *skel, const char *dir, const char *prefix)
{
	const struct bpf_object_skeleton *s = skel->skeleton;
	char path[PATH_MAX + 64];
	int err;

	for (int i = 0; i < s->prog_cnt; i++) {
		if (!*s->progs[i].link)
			continue;
		err = hb_obj_pin_path(path, sizeof(path), dir, prefix, s->progs[i].name);
		if (!err)
			err = bpf_link__pin(*s->progs[i].link, path);
		if (err) {
			hb_log("cannot pin %s: %s", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

void hb_obj_policy_maps(struct hermetic *skel, struct hb_policy_maps *m)
{
	m->policies = bpf_map__fd(skel->maps.hb_policies);
	m->stats = bpf_map__fd(skel->maps.hb_stats);
	m->net_rules = bpf_map__fd(skel->maps.hb_net_rules);
	m->unix_rules = bpf_map__fd(skel->maps.hb_unix_rules);
	m->unix_paths = bpf_map__fd(skel->maps.hb_unix_paths);
	m->exec_rules = bpf_map__fd(skel->maps.hb_exec_rules);
	m->fs_rules = bpf_map__fd(skel->maps.hb_fs_subtrees);
	m->levels = bpf_map__fd(skel->maps.data_levels);
	m->bind_rules = bpf_map__fd(skel->maps.hb_bind_rules);
	m->dns_addrs = bpf_map__fd(skel->maps.hb_dns_addrs);
}

int hb_obj_set_run_policy(struct hermetic *skel, __u64 id)
{
	struct hb_run_policy run = { .id = id };
	__u32 zero = 0;
	int err = 0;

	if (id && bpf_map__lookup_elem(skel->maps.hb_policies, &id, sizeof(id), &run.policy,
				       sizeof(run.policy), 0))
		err = -errno;
	if (!err && bpf_map__update_elem(skel->maps.data_run_policy, &zero, sizeof(zero), &run,
					 sizeof(run), 0))
		err = -errno;
	if (err)
		hb_log("cannot write the run's policy: %s", strerror(-err));
	return err;
}

static int update(int fd, const void *key, const void *val, const char *what)
{
	int err = bpf_map_update_elem(fd, key, val, BPF_ANY) ? -errno : 0;

	if (err)
		hb_log("cannot write %s to the sandbox policy: %s", what, strerror(-err));
	return err;
}

static int write_unix_rule(const struct hb_policy_maps *m, __u64 id,
			   const struct hb_unix_rule *r)
{
	struct hb_inode_key key = { .sandbox_id = id, .ino = r->ino, .dev = r->dev };
	struct hb_unix_path_key pk = { .sandbox_id = id };
	__u8 one = 1;
	int err;

	err = update(m->unix_rules, &key, &one, "--allow-unix");
	/* Tier B matches the path a client names: both spellings. */
	memcpy(pk.path, r->real, strnlen(r->real, sizeof(pk.path) - 1));
	if (!err)
		err = update(m->unix_paths, &pk, &one, "--allow-unix");
	memset(pk.path, 0, sizeof(pk.path));
	memcpy(pk.path, r->given, strnlen(r->given, sizeof(pk.path) - 1));
	if (!err)
		err = update(m->unix_paths, &pk, &one, "--allow-unix");
	return err;
}

_Static_assert(sizeof(struct hb_level_map) <= 4096, "the levels map is one page");

int hb_obj_mark_level(int fd, __u32 level, __u64 id)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct hb_level_map *map;

	if (level >= HB_MAX_LEVELS) {
		hb_log("a policy at cgroup level %u: at most %u are supported", level,
		       HB_MAX_LEVELS - 1);
		return -E2BIG;
	}
	map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		hb_log("cannot map the policy levels: %s", strerror(errno));
		return -errno;
	}
	if (id) {
		__u32 bit = hb_id_bit(id);

		__atomic_fetch_or(&map->ids[hb_id_word(bit)], hb_id_mask(bit), __ATOMIC_SEQ_CST);
	}
	__atomic_fetch_or(&map->levels, 1u << level, __ATOMIC_SEQ_CST);
	munmap(map, page);
	return 0;
}

static bool value_size_is(int fd, __u32 size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return !bpf_obj_get_info_by_fd(fd, &info, &len) && info.value_size == size;
}

bool hb_obj_maps_match(const struct hb_policy_maps *m)
{
	return value_size_is(m->policies, sizeof(struct hb_policy)) &&
	       value_size_is(m->levels, sizeof(struct hb_level_map));
}

/* Rules first, the policy entry last: the hooks act on a complete policy. */
int hb_obj_write_policy(const struct hb_policy_maps *m, __u64 id,
			const struct hb_sandbox_config *cfg, bool first_exec)
{
	struct hb_stats zero = {};
	__u32 origin = 1;
	int err;

	for (size_t i = 0; i < cfg->n_ip_rules; i++) {
		struct hb_net_key key;

		hb_ip_rule_key(&cfg->ip_rules[i], id, &key);
		err = update(m->net_rules, &key, &origin, "--allow-ip");
		if (err)
			return err;
	}
	for (size_t i = 0; i < cfg->n_bind_rules; i++) {
		struct hb_bind_key key;
		__u8 one = 1;

		hb_bind_rule_key(&cfg->bind_rules[i], id, &key);
		err = update(m->bind_rules, &key, &one, "--allow-bind");
		if (err)
			return err;
	}
	for (size_t i = 0; i < cfg->n_unix_rules; i++) {
		err = write_unix_rule(m, id, &cfg->unix_rules[i]);
		if (err)
			return err;
	}
	for (size_t i = 0; i < cfg->n_exec_rules; i++) {
		struct hb_inode_key key = { .sandbox_id = id, .ino = cfg->exec_rules[i].ino,
					   .dev = cfg->exec_rules[i].dev };
		__u8 one = 1;

		err = update(m->exec_rules, &key, &one, "--allow-exec");
		if (err)
			return err;
	}
	for (size_t i = 0; cfg->fs_rules && i < cfg->fs_rules->n; i++) {
		const struct hb_fs_entry *e = &cfg->fs_rules->v[i];
		struct hb_inode_key key = { .sandbox_id = id, .ino = e->ino, .dev = e->dev };
		__u8 flags = e->flags;

		err = update(m->fs_rules, &key, &flags, "a filesystem rule");
		if (err)
			return err;
	}
	/* Kept if there: the agent rewrites a policy on reload, not its count. */
	err = bpf_map_update_elem(m->stats, &id, &zero, BPF_NOEXIST) && errno != EEXIST ?
	      -errno : 0;
	if (err)
		hb_log("cannot write counters to the sandbox policy: %s", strerror(-err));
	/* Its level first: a policy the hooks would not look for confines nothing. */
	if (!err)
		err = hb_obj_mark_level(m->levels, cfg->level, id);
	if (!err) {
		struct hb_policy policy = cfg->policy;

		policy.first_exec = first_exec;
		err = update(m->policies, &id, &policy, "the policy");
	}
	return err;
}

struct ip_keep {
	const struct hb_ip_rule *v;
	size_t n;
	__u64 id;
};

static bool kept(const void *k, const void *ctx)
{
	const struct ip_keep *keep = ctx;
	struct hb_net_key want;

	for (size_t i = 0; keep && i < keep->n; i++) {
		hb_ip_rule_key(&keep->v[i], keep->id, &want);
		if (!memcmp(&want, k, sizeof(want)))
			return true;
	}
	return false;
}

#define KEY_MAX 128 /* the largest rule key (struct hb_unix_path_key) fits */
_Static_assert(sizeof(struct hb_unix_path_key) <= KEY_MAX, "rule keys fit");

/*
 * Deletes the keys of @fd that belong to sandbox @id (its id is at byte
 * @at of each key) and that @keep does not keep. Listed first, deleted
 * after: deleting while walking restarts the walk.
 */
static int remove_keys(int fd, size_t size, size_t at, __u64 id,
		       bool (*keep)(const void *key, const void *ctx), const void *ctx)
{
	_Alignas(8) unsigned char key[KEY_MAX], next[KEY_MAX];
	unsigned char *gone = NULL;
	void *prev = NULL;
	size_t n = 0;
	int err = 0;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		__u64 owner;

		memcpy(key, next, size);
		prev = key;
		memcpy(&owner, key + at, sizeof(owner));
		if (owner != id || (keep && keep(key, ctx)))
			continue;
		if (n % 64 == 0) {
			unsigned char *more = realloc(gone, (n + 64) * size);

			if (!more) {
				free(gone);
				return -ENOMEM;
			}
			gone = more;
		}
		memcpy(gone + n++ * size, key, size);
	}
	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, gone + i * size) && errno != ENOENT && !err) {
			err = -errno;
			hb_log("cannot remove a rule of sandbox %llu: %s",
			       (unsigned long long)id, strerror(errno));
		}
	free(gone);
	return err;
}

int hb_obj_prune_ip_rules(const struct hb_policy_maps *m, __u64 id,
			  const struct hb_ip_rule *keep, size_t n_keep)
{
	struct ip_keep k = { .v = keep, .n = n_keep, .id = id };

	return remove_keys(m->net_rules, sizeof(struct hb_net_key),
			   offsetof(struct hb_net_key, sandbox), id, kept, &k);
}

struct bind_keep {
	const struct hb_bind_rule *v;
	size_t n;
	__u64 id;
};

static bool bind_kept(const void *k, const void *ctx)
{
	const struct bind_keep *keep = ctx;

	for (size_t i = 0; i < keep->n; i++) {
		struct hb_bind_key want;

		hb_bind_rule_key(&keep->v[i], keep->id, &want);
		if (!memcmp(&want, k, sizeof(want)))
			return true;
	}
	return false;
}

int hb_obj_prune_bind_rules(const struct hb_policy_maps *m, __u64 id,
			    const struct hb_bind_rule *keep, size_t n_keep)
{
	struct bind_keep k = { .v = keep, .n = n_keep, .id = id };

	return remove_keys(m->bind_rules, sizeof(struct hb_bind_key),
			   offsetof(struct hb_bind_key, sandbox_id), id, bind_kept, &k);
}

struct unix_keep {
	const struct hb_unix_rule *v;
	size_t n;
};

static bool unix_ino_kept(const void *k, const void *ctx)
{
	const struct unix_keep *keep = ctx;
	const struct hb_inode_key *key = k;

	for (size_t i = 0; i < keep->n; i++)
		if (keep->v[i].ino == key->ino && keep->v[i].dev == key->dev)
			return true;
	return false;
}

static bool unix_path_kept(const void *k, const void *ctx)
{
	const struct unix_keep *keep = ctx;
	const struct hb_unix_path_key *key = k;

	for (size_t i = 0; i < keep->n; i++)
		if (!strncmp(keep->v[i].real, key->path, sizeof(key->path)) ||
		    !strncmp(keep->v[i].given, key->path, sizeof(key->path)))
			return true;
	return false;
}

int hb_obj_prune_unix_rules(const struct hb_policy_maps *m, __u64 id,
			    const struct hb_unix_rule *keep, size_t n_keep)
{
	struct unix_keep k = { .v = keep, .n = n_keep };
	int err;

	err = remove_keys(m->unix_rules, sizeof(struct hb_inode_key),
			  offsetof(struct hb_inode_key, sandbox_id), id, unix_ino_kept, &k);
	return err ?: remove_keys(m->unix_paths, sizeof(struct hb_unix_path_key),
				  offsetof(struct hb_unix_path_key, sandbox_id), id,
				  unix_path_kept, &k);
}

static bool fs_kept(const void *k, const void *ctx)
{
	const struct hb_fs_rules *keep = ctx;
	const struct hb_inode_key *key = k;

	for (size_t i = 0; keep && i < keep->n; i++)
		if (keep->v[i].ino == key->ino && keep->v[i].dev == key->dev)
			return true;
	return false;
}

int hb_obj_prune_fs_rules(const struct hb_policy_maps *m, __u64 id,
			  const struct hb_fs_rules *keep)
{
	return remove_keys(m->fs_rules, sizeof(struct hb_inode_key),
			   offsetof(struct hb_inode_key, sandbox_id), id, fs_kept, keep);
}

int hb_obj_remove_dns_addrs(int fd, __u64 id)
{
	return remove_keys(fd, sizeof(struct hb_dns_key), offsetof(struct hb_dns_key, sandbox_id),
			   id, NULL, NULL);
}

unsigned int hb_obj_rule_kinds(const struct hb_sandbox_config *cfg)
{
	unsigned int k = 0;

	if (cfg->n_ip_rules)
		k |= HB_RULES_IP;
	if (cfg->n_bind_rules)
		k |= HB_RULES_BIND;
	if (cfg->n_unix_rules)
		k |= HB_RULES_UNIX;
	if (cfg->n_exec_rules)
		k |= HB_RULES_EXEC;
	if (cfg->fs_rules)
		k |= HB_RULES_FS;
	if (cfg->policy.net & HB_NET_DNS_PROXY)
		k |= HB_RULES_DNS;
	return k;
}

int hb_obj_remove_policy_of(const struct hb_policy_maps *m, __u64 id, unsigned int kinds)
{
	int err = 0;

	/* The policy first: from then on the cgroup is not confined at all. */
	if (bpf_map_delete_elem(m->policies, &id) && errno != ENOENT) {
		err = -errno;

		hb_log("cannot remove the policy of cgroup %llu: %s",
		       (unsigned long long)id, strerror(errno));
		return err;
	}
	bpf_map_delete_elem(m->stats, &id);
	/* Its rules: in a shared object, the next cgroup with this id must not find them. */
	if (kinds & HB_RULES_IP)
		err = hb_obj_prune_ip_rules(m, id, NULL, 0);
	if (!err && (kinds & HB_RULES_BIND))
		err = hb_obj_prune_bind_rules(m, id, NULL, 0);
	if (!err && (kinds & HB_RULES_UNIX))
		err = hb_obj_prune_unix_rules(m, id, NULL, 0);
	if (!err && (kinds & HB_RULES_EXEC))
		err = remove_keys(m->exec_rules, sizeof(struct hb_inode_key),
				  offsetof(struct hb_inode_key, sandbox_id), id, NULL, NULL);
	if (!err && (kinds & HB_RULES_FS))
		err = remove_keys(m->fs_rules, sizeof(struct hb_inode_key),
				  offsetof(struct hb_inode_key, sandbox_id), id, NULL, NULL);
	if (!err && (kinds & HB_RULES_DNS))
		err = hb_obj_remove_dns_addrs(m->dns_addrs, id);
	return err;
}
