// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>
#include "guard.h"
#include "landlock.h"

static const struct hb_guard_key net_keys[] = {
	{ "no-network", HB_KEY_SWITCH, HB_AGENT_FILE | HB_AGENT_APPLY },
	{ "allow-localhost", HB_KEY_SWITCH, HB_AGENT_FILE | HB_AGENT_APPLY },
	{ "allow-ip", HB_KEY_VALUE, HB_AGENT_FILE | HB_AGENT_APPLY },
	{ "allow-bind", HB_KEY_VALUE, HB_AGENT_FILE | HB_AGENT_APPLY },
	/* The agent's DNS proxies judge names; they cannot audit them (spec/agent.md). */
	{ "allow-domain", HB_KEY_VALUE, HB_AGENT_FILE | HB_AGENT_UNAUDITED },
	{ "allow-unix", HB_KEY_VALUE, HB_AGENT_FILE | HB_AGENT_APPLY },
	{},
};

static const struct hb_guard_prog net_progs[] = {
	{ "hb_connect", HB_PROG_TIER_A },
	{ "hb_sendmsg", HB_PROG_TIER_A },
	{ "hb_sock_create", HB_PROG_TIER_A },
	{ "hb_bind", HB_PROG_TIER_A },
	{ "hb_listen", HB_PROG_TIER_A },
	{ "hb_unix_connect", HB_PROG_TIER_A },
	{ "hb_unix_send", HB_PROG_TIER_A },
	{ "hb_setsockopt", HB_PROG_TIER_A },
	/* Addressed calls: the DNS redirect in both tiers, enforcement in B. */
	{ "hb_cg_connect4", HB_PROG_B_OR_DNS },
	{ "hb_cg_connect6", HB_PROG_B_OR_DNS },
	{ "hb_cg_sendmsg4", HB_PROG_B_OR_DNS },
	{ "hb_cg_sendmsg6", HB_PROG_B_OR_DNS },
	{ "hb_cg_recvmsg4", HB_PROG_DNS },
	{ "hb_cg_recvmsg6", HB_PROG_DNS },
	{ "hb_cg_bind4", HB_PROG_TIER_B },
	{ "hb_cg_bind6", HB_PROG_TIER_B },
	{ "hb_cg_sock_create", HB_PROG_TIER_B },
	{ "hb_cg_unix_connect", HB_PROG_TIER_B },
	{ "hb_cg_unix_sendmsg", HB_PROG_TIER_B },
	/* Routes, ping sockets and what reaches the sandbox (spec/network.md). */
	{ "hb_cg_sockopt", HB_PROG_TIER_B },
	{ "hb_cg_egress", HB_PROG_TIER_B },
	{ "hb_cg_ingress", HB_PROG_TIER_B },
	{},
};

/*
 * A run's DNS proxy lives in the run, which then loads its own programs:
 * the agent's redirect serves the proxies of the agent's own policies
 * (spec/agent.md, "Domains").
 */
static const char *net_agent_refuses(const struct hb_policy *p)
{
	if (p->net & HB_NET_DNS_PROXY)
		return "--allow-domain (a run's DNS proxy is its own, not the agent's)";
	return NULL;
}

static const struct hb_guard_key fs_keys[] = {
	{ "fs-readonly", HB_KEY_OPTIONAL, HB_AGENT_FILE },
	{ "allow-write", HB_KEY_VALUE, HB_AGENT_FILE },
	{ "allow-read", HB_KEY_VALUE, 0 },
	{},
};

static const struct hb_guard_prog fs_progs[] = {
	{ "hb_file_open", HB_PROG_TIER_A },
	{ "hb_unlink", HB_PROG_FS_WRITE },
	{ "hb_rmdir", HB_PROG_FS_WRITE },
	{ "hb_rename", HB_PROG_FS_WRITE },
	{ "hb_mknod", HB_PROG_FS_WRITE },
	{ "hb_mkdir", HB_PROG_FS_WRITE },
	{ "hb_symlink", HB_PROG_FS_WRITE },
	{ "hb_link", HB_PROG_FS_WRITE },
	{ "hb_setxattr", HB_PROG_FS_WRITE },
	{ "hb_removexattr", HB_PROG_FS_WRITE },
	{ "hb_setattr_idmap", HB_PROG_FS_WRITE }, /* inode_setattr, 6.3+ */
	{ "hb_setattr_v61", HB_PROG_FS_WRITE },   /* inode_setattr before 6.3 */
	{ "hb_set_acl", HB_PROG_FS_WRITE },       /* 6.2+ only */
	{ "hb_remove_acl", HB_PROG_FS_WRITE },    /* 6.2+ only */
	{ "hb_getattr", HB_PROG_FS_READ },
	{ "hb_readlink", HB_PROG_FS_READ },
	{},
};

/*
 * The read root needs the stat and readlink hooks, which every stat() on
 * the host would pay for in the agent's object.
 */
static const char *fs_agent_refuses(const struct hb_policy *p)
{
	if (p->fs & ~HB_FS_READONLY)
		return "--fs-readonly=ROOT (its object has no stat hooks)";
	return NULL;
}

static const struct hb_guard_key exec_keys[] = {
	{ "no-subprocess", HB_KEY_SWITCH, 0 },
	{ "allow-exec", HB_KEY_VALUE, 0 },
	{},
};

static const struct hb_guard_prog exec_progs[] = {
	{ "hb_exec", HB_PROG_TIER_A },
	{ "hb_exec_file", HB_PROG_TIER_A },
	{},
};

static const struct hb_guard_key native_keys[] = {
	{ "block-native", HB_KEY_SWITCH, 0 },
	{},
};

static const struct hb_guard_prog native_progs[] = {
	{ "hb_exec", HB_PROG_TIER_A },
	{ "hb_exec_file", HB_PROG_TIER_A },
	{ "hb_mmap", HB_PROG_TIER_A },
	{ "hb_mprotect", HB_PROG_TIER_A },
	{ "hb_anon_inode", HB_PROG_TIER_A },
	{ "hb_traceme", HB_PROG_TIER_A },
	{},
};

static const struct hb_guard_key env_keys[] = {
	{ "no-env", HB_KEY_SWITCH, 0 },
	{},
};

static const struct hb_guard_prog env_progs[] = {
	{ "hb_ptrace", HB_PROG_TIER_A },
	{},
};

static const struct hb_guard_key seal_keys[] = {
	{},
};

static const struct hb_guard_prog seal_progs[] = {
	{ "hb_bpf", HB_PROG_TIER_A },
	{ "hb_capable", HB_PROG_TIER_A },
	{ "hb_inode_perm", HB_PROG_TIER_A },
	{ "hb_ioctl", HB_PROG_TIER_A },
	{ "hb_ioctl_compat", HB_PROG_TIER_A },  /* 6.8+ only */
	{ "hb_perf_open", HB_PROG_TIER_A },     /* perf_event_open, 6.12+ */
	{ "hb_perf_open_v61", HB_PROG_TIER_A }, /* perf_event_open before 6.12 */
	{ "hb_perf_alloc", HB_PROG_TIER_A },
	{ "hb_set_fowner", HB_PROG_TIER_A },
	{ "hb_file_free", HB_PROG_TIER_A },
	{ "hb_sigio", HB_PROG_TIER_A },
	{ "hb_setid", HB_PROG_TIER_A },
	{ "hb_file_open", HB_PROG_TIER_A },
	{ "hb_unlink", HB_PROG_TIER_A },
	{ "hb_rmdir", HB_PROG_TIER_A },
	{ "hb_rename", HB_PROG_TIER_A },
	{ "hb_mknod", HB_PROG_TIER_A },
	{ "hb_mkdir", HB_PROG_TIER_A },
	{ "hb_symlink", HB_PROG_TIER_A },
	{ "hb_link", HB_PROG_TIER_A },
	{ "hb_mount", HB_PROG_TIER_A },
	{ "hb_umount", HB_PROG_TIER_A },
	{ "hb_pivotroot", HB_PROG_TIER_A },
	{ "hb_move_mount", HB_PROG_TIER_A },
	{ "hb_ptrace", HB_PROG_TIER_A },
	{ "hb_kill", HB_PROG_TIER_A },
	{},
};

/*
 * The agent serves every guard on its one object but two uses of them
 * (agent_refuses); its policy files and `policy apply` read fewer keys
 * (spec/agent.md). Exec guards do not fit a service's files: its
 * manager's own execs in a re-created cgroup would be denied.
 */
const struct hb_guard hb_guards[HB_GUARD_KIND_MAX] = {
	[HB_GUARD_KIND_NETWORK] = {
		.bit = HB_GUARD_NET,
		.name = "network",
		.what = "the network guard",
		.keys = net_keys,
		.tier_a = HB_TIER_A,
		.tier_b = HB_TIER_B,
		.tier_b_note = "cgroup hooks and seccomp; --allow-domain, CIDR, unix and "
			       "bind rules as in tier A",
		.agent = true,
		.agent_refuses = net_agent_refuses,
		.progs = net_progs,
	},
	[HB_GUARD_KIND_FS] = {
		.bit = HB_GUARD_FS,
		.name = "fs",
		.what = "the filesystem guard",
		.keys = fs_keys,
		.tier_a = HB_TIER_A,
		.tier_b = HB_TIER_LANDLOCK,
		.landlock_abi = HB_LANDLOCK_ABI_FS,
		.tier_b_note = "file contents and names; not attributes, xattrs or timestamps",
		.agent = true,
		.agent_refuses = fs_agent_refuses,
		.progs = fs_progs,
	},
	[HB_GUARD_KIND_EXEC] = {
		.bit = HB_GUARD_EXEC,
		.name = "exec",
		.what = "--no-subprocess",
		.keys = exec_keys,
		.tier_a = HB_TIER_A,
		.tier_b = HB_TIER_LANDLOCK,
		.landlock_abi = HB_LANDLOCK_ABI_EXEC,
		.tier_b_note = "with seccomp: no exec after the command's own; no --allow-exec",
		.agent = true,
		.progs = exec_progs,
	},
	[HB_GUARD_KIND_NATIVE] = {
		.bit = HB_GUARD_NATIVE,
		.name = "native",
		.what = "--block-native",
		.keys = native_keys,
		.tier_a = HB_TIER_A,
		.agent = true,
		.progs = native_progs,
	},
	[HB_GUARD_KIND_ENV] = {
		.bit = HB_GUARD_ENV,
		.name = "env",
		.what = "--no-env's hiding of other processes' /proc files",
		.keys = env_keys,
		.tier_a = HB_TIER_A,
		.agent = true,
		.progs = env_progs,
	},
	/*
	 * Nobody asks for the seal: every sandbox on BPF-LSM is sealed, and
	 * one whose command runs as root needs it (run asks for it then).
	 */
	[HB_GUARD_KIND_SEAL] = {
		.bit = HB_GUARD_TAMPER,
		.name = "seal",
		.what = "sealing a sandbox whose command runs as root (it could move "
			"itself out of the sandbox's cgroup); run it as a user (--user, "
			"or sudo from a user's shell)",
		.keys = seal_keys,
		.always = true,
		.tier_a = HB_TIER_A,
		.agent = true,
		.progs = seal_progs,
	},
};

const struct hb_guard_key hb_sandbox_keys[] = {
	{ "profile", HB_KEY_VALUE, 0 },
	{ "audit", HB_KEY_SWITCH, HB_AGENT_FILE | HB_AGENT_APPLY },
	{ "event-rate", HB_KEY_VALUE, HB_AGENT_FILE | HB_AGENT_APPLY },
	{},
};

const struct hb_guard *hb_guard_by_kind(unsigned int kind)
{
	return kind < HB_GUARD_KIND_MAX ? &hb_guards[kind] : NULL;
}

const struct hb_guard *hb_guard_by_bit(__u32 bit)
{
	for (int k = 0; k < HB_GUARD_KIND_MAX; k++)
		if (hb_guards[k].bit == bit)
			return &hb_guards[k];
	return NULL;
}

const struct hb_guard *hb_guard_by_name(const char *name)
{
	for (int k = 0; k < HB_GUARD_KIND_MAX; k++)
		if (!strcmp(hb_guards[k].name, name))
			return &hb_guards[k];
	return NULL;
}

const char *hb_guard_kind_name(unsigned int kind)
{
	return kind < HB_GUARD_KIND_MAX ? hb_guards[kind].name : NULL;
}

__u32 hb_guard_agent_bits(void)
{
	return hb_guard_agent_bits_on(HB_TIER_A);
}

bool hb_guard_agent_serves(const struct hb_guard *g, enum hb_tier tier)
{
	if (!g->agent)
		return false;
	return tier == HB_TIER_A ? g->tier_a == HB_TIER_A : g->tier_b == HB_TIER_B;
}

__u32 hb_guard_agent_bits_on(enum hb_tier tier)
{
	__u32 bits = 0;

	hb_for_each_guard(g)
		if (hb_guard_agent_serves(g, tier))
			bits |= g->bit;
	return bits;
}

/* Key @i of all, and its row (NULL for the sandbox's keys). */
static const struct hb_guard_key *key_at(size_t i, const struct hb_guard **guard)
{
	for (int k = 0; k < HB_GUARD_KIND_MAX; k++)
		for (const struct hb_guard_key *key = hb_guards[k].keys; key->name; key++)
			if (!i--) {
				*guard = &hb_guards[k];
				return key;
			}
	*guard = NULL;
	for (const struct hb_guard_key *key = hb_sandbox_keys; key->name; key++)
		if (!i--)
			return key;
	return NULL;
}

const struct hb_guard_key *hb_key_at(size_t i)
{
	const struct hb_guard *g;

	return key_at(i, &g);
}

const struct hb_guard_key *hb_key_by_name(const char *name, const struct hb_guard **guard)
{
	const struct hb_guard_key *key;
	const struct hb_guard *g;

	for (size_t i = 0; (key = key_at(i, &g)); i++)
		if (!strcmp(key->name, name)) {
			if (guard)
				*guard = g;
			return key;
		}
	return NULL;
}

bool hb_key_agent(const char *name, __u32 agent)
{
	const struct hb_guard_key *key = hb_key_by_name(name, NULL);

	return key && (key->agent & agent);
}

const char *hb_guard_agent_runs(enum hb_tier tier)
{
	return tier == HB_TIER_A ? "every guard on the agent's programs, sealed" :
	       "the network on the agent's programs; files, exec and the scope on the "
	       "command's own Landlock and seccomp; no --block-native (spec/agent-socket.md)";
}

bool hb_key_agent_audits(const char *name)
{
	const struct hb_guard_key *key = hb_key_by_name(name, NULL);

	return !key || !(key->agent & HB_AGENT_UNAUDITED);
}

void hb_guard_agent_lists(enum hb_tier tier, char *served, char *refused, size_t len)
{
	size_t ns = 0, nr = 0;

	if (!len)
		return;
	served[0] = refused[0] = '\0';
	hb_for_each_guard(g) {
		bool on = hb_guard_agent_serves(g, tier);
		char *buf = on ? served : refused;
		size_t *n = on ? &ns : &nr;
		int w;

		if (*n >= len)
			continue;
		w = snprintf(buf + *n, len - *n, "%s%s", *n ? ", " : "", g->name);
		if (w > 0)
			*n += (size_t)w;
	}
}

const struct hb_guard *hb_key_agent_unserved(const char *name, enum hb_tier tier)
{
	const struct hb_guard *g = NULL;

	if (!hb_key_by_name(name, &g) || !g || hb_guard_agent_serves(g, tier))
		return NULL;
	return g;
}

void hb_key_agent_list(__u32 agent, const char *prefix, char *buf, size_t len)
{
	const struct hb_guard_key *key;
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; (key = hb_key_at(i)) && n < len; i++) {
		int w;

		if (!(key->agent & agent))
			continue;
		w = snprintf(buf + n, len - n, "%s%s%s", n ? ", " : "", prefix, key->name);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

bool hb_guard_prog_on(const struct hb_guard_prog *prog, const struct hb_policy *p,
		      enum hb_tier tier)
{
	bool dns = p->net & HB_NET_DNS_PROXY;

	switch (prog->when) {
	case HB_PROG_TIER_A:
		return tier == HB_TIER_A;
	case HB_PROG_TIER_B:
		return tier == HB_TIER_B;
	case HB_PROG_DNS:
		return dns;
	case HB_PROG_B_OR_DNS:
		return tier == HB_TIER_B || dns;
	case HB_PROG_FS_WRITE:
		return tier == HB_TIER_A && (p->fs & HB_FS_READONLY);
	case HB_PROG_FS_READ:
		return tier == HB_TIER_A && (p->fs & HB_FS_READ_ROOT);
	}
	return false;
}
