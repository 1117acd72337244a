// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpffs.h"
#include "log.h"
#include "mono_time.h"
#include "path.h"
#include "probe.h"
#include "sandbox.h"
#include "hermetic.skel.h"

static int on_sample(void *ctx, void *data, size_t size)
{
	struct hb_sandbox *sb = ctx;

	if (size < sizeof(struct hb_event))
		return 0; /* not ours to interpret; the ABI fixes the size */
	return sb->on_event(sb->ctx, data);
}

/*
 * The filesystem guard's hooks that differ between kernels: inode_setattr
 * gained an idmap argument in front in Linux 6.3, and POSIX ACLs have
 * hooks of their own from 6.2. The kernel's BTF says which it has.
 */
static int select_fs_variants(struct hermetic *skel, bool fs_write)
{
	static const char *const hooks[] = { "inode_setattr", "inode_set_acl",
					     "inode_remove_acl" };
	int nargs[3];

	bpf_program__set_autoload(skel->progs.hb_setattr_idmap, false);
	bpf_program__set_autoload(skel->progs.hb_setattr_v61, false);
	bpf_program__set_autoload(skel->progs.hb_set_acl, false);
	bpf_program__set_autoload(skel->progs.hb_remove_acl, false);
	if (!fs_write)
		return 0;
	if (hb_probe_lsm_hooks(hooks, nargs, 3)) {
		hb_log("cannot read the kernel's BTF (/sys/kernel/btf/vmlinux) to pick "
		       "the filesystem guard's hooks");
		return -ENOENT;
	}
	if (nargs[0] != 2 && nargs[0] != 3) {
		hb_log("this kernel's inode_setattr hook takes %d arguments; the "
		       "filesystem guard knows 2 and 3", nargs[0]);
		return -EOPNOTSUPP;
	}
	bpf_program__set_autoload(skel->progs.hb_setattr_idmap, nargs[0] == 3);
	bpf_program__set_autoload(skel->progs.hb_setattr_v61, nargs[0] == 2);
	bpf_program__set_autoload(skel->progs.hb_set_acl, nargs[1] > 0);
	bpf_program__set_autoload(skel->progs.hb_remove_acl, nargs[2] > 0);
	return 0;
}

/* Which programs a configuration needs; the rest are not even loaded. */
static int select_programs(struct hermetic *skel,
			   const struct hb_sandbox_config *cfg)
{
	const struct hb_policy *p = &cfg->policy;
	const struct hb_tiers *t = &cfg->tiers;
	bool net = p->guards & HB_GUARD_NET;
	bool net_a = net && t->net == HB_TIER_A;
	bool net_b = net && t->net == HB_TIER_B;
	bool dns = net && (p->net & HB_NET_DNS_PROXY);
	bool exec = (p->guards & (HB_GUARD_EXEC | HB_GUARD_NATIVE)) &&
		    (t->exec == HB_TIER_A || t->native == HB_TIER_A);
	bool native = (p->guards & HB_GUARD_NATIVE) && t->native == HB_TIER_A;
	/* Sealing comes with every sandbox where BPF-LSM runs. */
	bool tamper = t->tamper == HB_TIER_A;
	bool fs = (p->guards & HB_GUARD_FS) && t->fs == HB_TIER_A;
	bool fs_write = fs && (p->fs & HB_FS_READONLY);
	bool fs_read = fs && (p->fs & HB_FS_READ_ROOT);
	struct {
		struct bpf_program *prog;
		bool on;
	} progs[] = {
		{ skel->progs.hb_connect, net_a },
		{ skel->progs.hb_sendmsg, net_a },
		{ skel->progs.hb_sock_create, net_a },
		{ skel->progs.hb_bind, net_a },
		{ skel->progs.hb_listen, net_a },
		{ skel->progs.hb_unix_connect, net_a },
		{ skel->progs.hb_unix_send, net_a },
		{ skel->progs.hb_exec, exec },
		{ skel->progs.hb_exec_file, exec },
		{ skel->progs.hb_mmap, native },
		{ skel->progs.hb_mprotect, native },
		{ skel->progs.hb_bpf, tamper },
		{ skel->progs.hb_capable, tamper },
		{ skel->progs.hb_file_open, tamper || fs },
		{ skel->progs.hb_unlink, tamper || fs_write },
		{ skel->progs.hb_rmdir, tamper || fs_write },
		{ skel->progs.hb_rename, tamper || fs_write },
		{ skel->progs.hb_mknod, fs_write },
		{ skel->progs.hb_mkdir, fs_write },
		{ skel->progs.hb_symlink, fs_write },
		{ skel->progs.hb_link, fs_write },
		{ skel->progs.hb_setxattr, fs_write },
		{ skel->progs.hb_removexattr, fs_write },
		{ skel->progs.hb_getattr, fs_read },
		{ skel->progs.hb_readlink, fs_read },
		{ skel->progs.hb_mount, tamper },
		{ skel->progs.hb_umount, tamper },
		{ skel->progs.hb_pivotroot, tamper },
		{ skel->progs.hb_move_mount, tamper },
		{ skel->progs.hb_ptrace, tamper },
		{ skel->progs.hb_kill, tamper },
		/* Addressed calls: DNS redirect in both tiers, enforcement in B. */
		{ skel->progs.hb_cg_connect4, net_b || dns },
		{ skel->progs.hb_cg_connect6, net_b || dns },
		{ skel->progs.hb_cg_sendmsg4, net_b || dns },
		{ skel->progs.hb_cg_sendmsg6, net_b || dns },
		{ skel->progs.hb_cg_recvmsg4, dns },
		{ skel->progs.hb_cg_recvmsg6, dns },
		{ skel->progs.hb_cg_bind4, net_b },
		{ skel->progs.hb_cg_bind6, net_b },
		{ skel->progs.hb_cg_sock_create, net_b },
		{ skel->progs.hb_cg_unix_connect, net_b },
		{ skel->progs.hb_cg_unix_sendmsg, net_b },
	};

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		bpf_program__set_autoload(progs[i].prog, progs[i].on);
	if (net_b) {
		/* libbpf 1.1 predates these hooks: the kernel's numbers. */
		bpf_program__set_expected_attach_type(skel->progs.hb_cg_unix_connect,
						      t->unix_connect);
		bpf_program__set_expected_attach_type(skel->progs.hb_cg_unix_sendmsg,
						      t->unix_sendmsg);
	}
	skel->rodata->hb_tier_b = net_b;
	skel->rodata->hb_fs_mode = fs ? p->fs : 0;
	return select_fs_variants(skel, fs_write);
}

static int load_programs(struct hb_sandbox *sb, const struct hb_sandbox_config *cfg)
{
	/* -vv: the verifier's statistics for every program, in libbpf's log. */
	LIBBPF_OPTS(bpf_object_open_opts, opts, .kernel_log_level = hb_verbosity >= 2 ? 4 : 0);
	int err;

	sb->skel = hermetic__open_opts(&opts);
	if (!sb->skel) {
		err = -errno;
		hb_log("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	err = select_programs(sb->skel, cfg);
	if (err)
		return err;
	hb_debug("loading the BPF programs");
	err = hermetic__load(sb->skel);
	if (err) {
		hb_log("cannot load the BPF programs: %s", strerror(-err));
		hb_hint("run with -v to see the verifier's log");
		return err;
	}
	hb_debug("loaded the BPF programs");
	return 0;
}

/* LSM programs attach to their hook; cgroup ones to the sandbox cgroup. */
static int attach_programs(struct hb_sandbox *sb)
{
	const struct bpf_object_skeleton *s = sb->skel->skeleton;

	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;
		struct bpf_link *link;
		int err;

		if (!bpf_program__autoload(prog))
			continue;
		if (bpf_program__type(prog) == BPF_PROG_TYPE_LSM)
			link = bpf_program__attach(prog);
		else
			link = bpf_program__attach_cgroup(prog, sb->cg.fd);
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

/*
 * Links pinned in bpffs keep the programs attached if this process dies
 * (even by SIGKILL): the sandbox stays confined until gc finds it empty.
 */
static int pin_links(struct hb_sandbox *sb)
{
	const struct bpf_object_skeleton *s = sb->skel->skeleton;
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
	for (int i = 0; i < s->prog_cnt; i++) {
		if (!*s->progs[i].link)
			continue;
		err = hb_path_join(path, sizeof(path), sb->pin_dir, s->progs[i].name);
		if (!err)
			err = bpf_link__pin(*s->progs[i].link, path);
		if (err) {
			hb_log("cannot pin %s: %s", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int update(struct bpf_map *map, const void *key, size_t klen,
		  const void *val, size_t vlen, const char *what)
{
	int err = bpf_map__update_elem(map, key, klen, val, vlen, BPF_ANY);

	if (err)
		hb_log("cannot write %s to the sandbox policy: %s", what, strerror(-err));
	return err;
}

static int write_unix_rule(struct hb_sandbox *sb, const struct hb_unix_rule *r)
{
	struct hb_inode_key key = { .sandbox_id = sb->cg.id, .ino = r->ino, .dev = r->dev };
	struct hb_unix_path_key pk = { .sandbox_id = sb->cg.id };
	__u8 one = 1;
	int err;

	err = update(sb->skel->maps.hb_unix_rules, &key, sizeof(key), &one,
		     sizeof(one), "--allow-unix");
	/* Tier B matches the path a client names: both spellings. */
	memcpy(pk.path, r->real, strnlen(r->real, sizeof(pk.path) - 1));
	if (!err)
		err = update(sb->skel->maps.hb_unix_paths, &pk, sizeof(pk), &one,
			     sizeof(one), "--allow-unix");
	memset(pk.path, 0, sizeof(pk.path));
	memcpy(pk.path, r->given, strnlen(r->given, sizeof(pk.path) - 1));
	if (!err)
		err = update(sb->skel->maps.hb_unix_paths, &pk, sizeof(pk), &one,
			     sizeof(one), "--allow-unix");
	return err;
}

/* Rules first, the policy entry last: the hooks act on a complete policy. */
static int write_policy(struct hb_sandbox *sb, const struct hb_sandbox_config *cfg)
{
	struct hb_stats zero = {};
	__u64 id = sb->cg.id;
	__u32 origin = 1;
	int err;

	for (size_t i = 0; i < cfg->n_ip_rules; i++) {
		struct hb_net_key key;

		hb_ip_rule_key(&cfg->ip_rules[i], id, &key);
		err = update(sb->skel->maps.hb_net_rules, &key, sizeof(key), &origin,
			     sizeof(origin), "--allow-ip");
		if (err)
			return err;
	}
	for (size_t i = 0; i < cfg->n_unix_rules; i++) {
		err = write_unix_rule(sb, &cfg->unix_rules[i]);
		if (err)
			return err;
	}
	for (size_t i = 0; i < cfg->n_exec_rules; i++) {
		struct hb_inode_key key = { .sandbox_id = id, .ino = cfg->exec_rules[i].ino,
					   .dev = cfg->exec_rules[i].dev };
		__u8 one = 1;

		err = update(sb->skel->maps.hb_exec_rules, &key, sizeof(key), &one,
			     sizeof(one), "--allow-exec");
		if (err)
			return err;
	}
	for (size_t i = 0; cfg->fs_rules && i < cfg->fs_rules->n; i++) {
		const struct hb_fs_entry *e = &cfg->fs_rules->v[i];
		struct hb_inode_key key = { .sandbox_id = id, .ino = e->ino, .dev = e->dev };
		__u8 flags = e->flags;

		err = update(sb->skel->maps.hb_fs_rules, &key, sizeof(key), &flags,
			     sizeof(flags), "a filesystem rule");
		if (err)
			return err;
	}
	err = update(sb->skel->maps.hb_stats, &id, sizeof(id), &zero, sizeof(zero),
		     "counters");
	if (!err) {
		struct hb_policy policy = cfg->policy;

		policy.first_exec = 1; /* the command's own execve takes it */
		err = update(sb->skel->maps.hb_policies, &id, sizeof(id), &policy,
			     sizeof(policy), "the policy");
	}
	if (err)
		return err;
	/* From here on the hooks look at this cgroup's level. */
	sb->skel->bss->hb_sandbox_id = id;
	sb->skel->bss->hb_level_lo = sb->cg.level;
	sb->skel->bss->hb_level_hi = sb->cg.level + 1;
	return 0;
}

int hb_sandbox_open(struct hb_sandbox *sb, const struct hb_sandbox_config *cfg,
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
	if (!cfg->policy.guards)
		return 0;

	err = load_programs(sb, cfg);
	if (!err)
		err = write_policy(sb, cfg);
	if (!err)
		err = attach_programs(sb);
	if (!err)
		err = pin_links(sb);
	if (!err)
		hb_debug("pinned the links");
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

int hb_sandbox_allow_dns_addr(struct hb_sandbox *sb, const __u8 addr[16],
			      __u32 ttl)
{
	struct hb_dns_key key = { .sandbox_id = sb->cg.id };
	struct hb_dns_value val;

	if (!sb->skel)
		return -ENOENT;
	if (ttl < HB_DNS_MIN_TTL)
		ttl = HB_DNS_MIN_TTL;
	val.expires_ns = hb_mono_ns() + (__u64)ttl * 1000000000ull;
	memcpy(key.addr, addr, sizeof(key.addr));
	return bpf_map__update_elem(sb->skel->maps.hb_dns_addrs, &key, sizeof(key),
				    &val, sizeof(val), BPF_ANY);
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
	if (sb->skel && !err) {
		destroy_in_background(sb->skel);
		hb_debug("programs handed to a child to detach");
	} else if (sb->skel) {
		hermetic__destroy(sb->skel); /* the pins keep them attached */
	}
	sb->skel = NULL;
	hb_cgroup_close(&sb->cg);
	return err;
}
