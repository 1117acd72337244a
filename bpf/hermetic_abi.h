/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one contract between the BPF programs and user space: map layouts,
 * guard bits, event records and limits. Fixed-width types and explicit
 * padding only, so both compilers agree on every offset.
 */
#ifndef HERMETIC_ABI_H
#define HERMETIC_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Deepest cgroup level (0 = hierarchy root) at which a sandbox cgroup may
 * sit. The BPF side looks a task up only at the levels that hold sandboxes,
 * so this bounds that loop; the loader refuses a sandbox cgroup deeper than
 * this rather than leave it unchecked. Processes inside a sandbox may nest
 * deeper: they are found through their ancestor at the sandbox's level.
 */
#define HB_MAX_LEVELS 32

/* Sandboxes one loaded instance can hold at once (policy map size). */
#define HB_MAX_SANDBOXES 1024

/*
 * The levels map (the BPF global hb_levels, section .data.levels), which
 * every hook on the host reads before anything else: the cgroup levels
 * that hold a policy (bit N for level N), and the cgroup ids that may
 * (one bit each, at hb_id_bit(id): a one-hash Bloom filter). A task whose
 * ancestor's id has its bit clear is in no sandbox there, known without a
 * lookup in the policy map. A writer sets both bits before it writes the
 * policy, and no bit is cleared while the object lives: a stale bit costs
 * a lookup, never a sandbox. 16384 id bits (2 KiB): thousands of cgroups
 * made and removed before most bits are set. One page, mapped by writers.
 */
#define HB_ID_BITS_SHIFT 14
#define HB_ID_WORDS ((1u << HB_ID_BITS_SHIFT) / 64)

struct hb_level_map {
	__u32 levels;
	__u32 pad;
	__u64 ids[HB_ID_WORDS];
};

#define HB_COMM_LEN 16

/* 1 MiB: thousands of denial events between two reads of the consumer. */
#define HB_RINGBUF_SIZE (1024 * 1024)

/*
 * Rings of sandboxes that share an object (warm runs, tier B's shared
 * programs), by slot: one per sandbox at once. Writing a map of maps
 * waits for an RCU grace period (~10 ms each way), so a slot below
 * HB_RING_KEPT keeps its ring for the next sandbox (loader/ring_pool.h);
 * the others are made and removed per sandbox.
 */
#define HB_RING_SLOTS HB_MAX_SANDBOXES
#define HB_RING_KEPT 8

/* Bytes of a path (a unix socket's, later a file's) an event carries. */
#define HB_EVENT_PATH_MAX 256

/* Address families and protocols; vmlinux.h has no #defines. */
#define HB_AF_UNSPEC 0
#define HB_AF_UNIX 1
#define HB_AF_INET 2
#define HB_AF_INET6 10
#define HB_AF_NETLINK 16

#define HB_SOCK_STREAM 1
#define HB_SOCK_DGRAM 2
#define HB_SOCK_RAW 3

#define HB_IPPROTO_IP 0
#define HB_IPPROTO_ICMP 1
#define HB_IPPROTO_TCP 6
#define HB_IPPROTO_UDP 17
#define HB_IPPROTO_ICMPV6 58
#define HB_IPPROTO_MPTCP 262

/* DNS is port 53 on UDP and TCP, whatever the address. */
#define HB_DNS_PORT 53

/* Guards a sandbox asks for (struct hb_policy.guards). */
#define HB_GUARD_NET (1u << 0)     /* --no-network and the --allow-* flags */
#define HB_GUARD_EXEC (1u << 1)    /* --no-subprocess */
#define HB_GUARD_NATIVE (1u << 2)  /* --block-native */
#define HB_GUARD_TAMPER (1u << 3)  /* always, with any other guard */
#define HB_GUARD_ENV (1u << 4)     /* --no-env: other processes' /proc */
#define HB_GUARD_FS (1u << 5)      /* --fs-readonly[=ROOT] */
#define HB_GUARD_ALL (HB_GUARD_NET | HB_GUARD_EXEC | HB_GUARD_NATIVE | \
		      HB_GUARD_TAMPER | HB_GUARD_ENV | HB_GUARD_FS)

/* Exceptions within the network guard (struct hb_policy.net). */
#define HB_NET_ALLOW_LOCALHOST (1u << 0) /* 127.0.0.0/8, ::1 */
#define HB_NET_IP_RULES (1u << 1)        /* hb_net_rules holds allow rules */
#define HB_NET_DNS_PROXY (1u << 2)       /* port 53 goes to the proxy; learnt
					  * addresses are in hb_dns_addrs */
#define HB_NET_UNIX_RULES (1u << 3)      /* hb_unix_rules holds sockets */
#define HB_NET_BIND_RULES (1u << 4)      /* hb_bind_rules: --allow-bind */

/* What the filesystem guard confines (struct hb_policy.fs). */
#define HB_FS_READONLY (1u << 0)  /* no change to any file but in hb_fs_subtrees'
				   * HB_FS_RULE_WRITE subtrees */
#define HB_FS_READ_ROOT (1u << 1) /* reads only in HB_FS_RULE_READ subtrees */

/* Value of hb_fs_subtrees: what a file or directory (and what is below it) allows. */
#define HB_FS_RULE_WRITE (1u << 0) /* the subtree may change */
#define HB_FS_RULE_READ (1u << 1)  /* the subtree may be read */
#define HB_FS_RULE_STAT (1u << 2)  /* this directory itself may be stat-ed:
				    * it leads to a readable one */

/*
 * How many directories up the BPF side walks from a file to find a rule.
 * Deeper files are judged as if no rule covered them (fail closed).
 */
#define HB_FS_MAX_DEPTH 128

/* Operations of the filesystem guard (struct hb_event.arg). */
enum hb_fs_op {
	HB_FS_OP_NONE = 0,
	HB_FS_OP_OPEN = 1,     /* open for writing (or for reading: FS_READ) */
	HB_FS_OP_CREATE = 2,   /* creat/O_CREAT, mknod, mkfifo, a unix socket's bind */
	HB_FS_OP_MKDIR = 3,
	HB_FS_OP_RMDIR = 4,
	HB_FS_OP_UNLINK = 5,
	HB_FS_OP_RENAME = 6,   /* path holds "old\0new" */
	HB_FS_OP_LINK = 7,     /* path holds "old\0new" */
	HB_FS_OP_SYMLINK = 8,
	HB_FS_OP_SETATTR = 9,  /* chmod, chown, truncate, utimes */
	HB_FS_OP_XATTR = 10,   /* setxattr, removexattr, ACLs */
	HB_FS_OP_STAT = 11,    /* stat, statx, fstat */
	HB_FS_OP_READLINK = 12,
	HB_FS_OP_EXEC = 13,    /* opening a file to run it */
	HB_FS_OP_MAX,
};

/* Hooks, as reported in events. */
enum hb_hook {
	HB_HOOK_NONE = 0,
	HB_HOOK_CONNECT = 1,
	HB_HOOK_SENDMSG = 2,
	HB_HOOK_SOCKET = 3,
	HB_HOOK_BIND = 4,
	HB_HOOK_LISTEN = 5,
	HB_HOOK_UNIX = 6,   /* connect or send to a unix socket */
	HB_HOOK_DNS = 7,    /* a name the DNS proxy refused (user space) */
	HB_HOOK_EXEC = 8,   /* execve(): once per call */
	HB_HOOK_EXEC_FILE = 9, /* each file an execve() runs (script, interpreter) */
	HB_HOOK_MMAP = 10,  /* an executable mapping */
	HB_HOOK_MPROTECT = 11, /* making memory executable */
	HB_HOOK_BPF = 12,
	HB_HOOK_CAPABLE = 13, /* a capability the sandbox may not use */
	HB_HOOK_FILE_WRITE = 14, /* writing a file of the kernel's (cgroupfs, ...) */
	HB_HOOK_PATH = 15,  /* unlink/rename/rmdir under bpffs */
	HB_HOOK_MOUNT = 16, /* mount, umount, pivot_root, move_mount */
	HB_HOOK_PTRACE = 17, /* access to another process (ptrace, /proc/PID) */
	HB_HOOK_KILL = 18,  /* a signal to another process */
	HB_HOOK_FS_WRITE = 19, /* a change to a file (arg: enum hb_fs_op) */
	HB_HOOK_FS_READ = 20,  /* a read under --fs-readonly=ROOT (arg: the op) */
	HB_HOOK_IOCTL = 21, /* an ioctl that reaches past the sandbox (arg: request) */
	HB_HOOK_PERF = 22,  /* perf_event_open beyond the sandbox (arg: pid or 0) */
	HB_HOOK_SETID = 23, /* an exec that would gain privilege (setuid, file caps) */
	HB_HOOK_SOCKOPT = 24,  /* an inet socket option or a send's ancillary
				* data (protocol: the level; arg: the option,
				* | HB_SOCKOPT_CMSG for ancillary data) */
	HB_HOOK_MEMORY = 25, /* a road into memory that mmap and mprotect do
			      * not see (arg: enum hb_memory_road) */
	HB_HOOK_SYSCALL = 26, /* tier B: a call its seccomp filter refuses whole
			       * (path: the call's name; arg: its flags) */
	HB_HOOK_INGRESS = 27, /* tier B: a packet from outside the host to a
			       * sandbox socket, dropped (addr, port: the sender) */
	HB_HOOK_MAX,
};

/*
 * HB_HOOK_MEMORY's roads (the event's arg): each writes into pages that
 * are, or may become, executable without a mapping call that says so.
 */
enum hb_memory_road {
	HB_MEMORY_PROC_MEM = 1,    /* /proc/PID/mem opened for writing */
	HB_MEMORY_USERFAULTFD = 2, /* a userfaultfd: fills pages on fault */
	HB_MEMORY_TRACEME = 3,     /* PTRACE_TRACEME: the parent may poke */
};

/* struct hb_event.arg of HB_HOOK_SOCKOPT: the option came as ancillary data. */
#define HB_SOCKOPT_CMSG (1u << 16)

/*
 * HB_HOOK_IOCTL's requests (the event's arg): terminal ioctls that type
 * into a terminal's input or paste into it.
 */
#define HB_TIOCSTI 0x5412
#define HB_TIOCLINUX 0x541C

/* What a perf_event_open asks (HB_HOOK_PERF's event protocol). */
enum hb_perf_access {
	HB_PERF_OPEN = 0,       /* any event (PERF_SECURITY_OPEN) */
	HB_PERF_CPU = 1,        /* every task on a CPU (PERF_SECURITY_CPU) */
	HB_PERF_KERNEL = 2,     /* kernel samples (PERF_SECURITY_KERNEL) */
	HB_PERF_TRACEPOINT = 3, /* raw tracepoint data (PERF_SECURITY_TRACEPOINT) */
	HB_PERF_TASK = 16,      /* the event's task (r->outside: not the sandbox's) */
};

/* What the kernel did (struct hb_event.verdict). */
enum hb_verdict {
	HB_VERDICT_ALLOW = 0,
	HB_VERDICT_DENY = 1,
	HB_VERDICT_AUDIT = 2, /* --audit: would have been denied, was allowed */
};

/* Why a decision denied; HB_REASON_NONE means allow. */
enum hb_reason {
	HB_REASON_NONE = 0,
	HB_REASON_NET_DISABLED = 1,
	HB_REASON_NET_SOCKET_KIND = 2,
	HB_REASON_UNREADABLE = 3, /* a kernel read failed: fail closed */
	HB_REASON_NET_METADATA = 4,    /* cloud metadata: never allowed */
	HB_REASON_NET_NOT_ALLOWED = 5, /* no allow rule matched */
	HB_REASON_NET_BIND = 6,        /* bind/listen beyond loopback and
					* --allow-bind */
	HB_REASON_NET_UNIX = 7,        /* unix socket not in --allow-unix */
	HB_REASON_DNS_NAME = 8,        /* name not in --allow-domain */
	HB_REASON_DNS_METADATA = 9,    /* a metadata name */
	HB_REASON_EXEC = 10,           /* --no-subprocess */
	HB_REASON_NATIVE_UNTRUSTED = 11, /* --block-native: not a trusted file */
	HB_REASON_NATIVE_MEMORY = 12,  /* --block-native: anonymous or W+X */
	HB_REASON_TAMPER = 13,         /* would weaken or leave the sandbox */
	HB_REASON_OUTSIDE = 14,        /* the target is outside the sandbox */
	HB_REASON_FS_READONLY = 15,    /* not under an --allow-write path */
	HB_REASON_FS_OUTSIDE_ROOT = 16, /* not under the read root or --allow-read */
	HB_REASON_FS_TOO_DEEP = 17,    /* deeper than HB_FS_MAX_DEPTH below any rule */
	HB_REASON_FS_LINKED = 18,      /* a file with other hard links, which may
					* lie outside the writable subtree */
	HB_REASON_NET_ROUTE = 19,      /* a source route or routing header: the
					* packet would go elsewhere than judged */
	HB_REASON_NET_INBOUND = 20,    /* a packet from outside the host */
	HB_REASON_MAX,
};

/* Value of the policy map, keyed by the sandbox cgroup's id (__u64). */
struct hb_policy {
	__u32 guards;     /* HB_GUARD_* */
	__u32 net;        /* HB_NET_* */
	__u16 dns_port4;  /* the DNS proxy on 127.0.0.1, network order */
	__u16 dns_port6;  /* the DNS proxy on ::1 (0: none), network order */
	__u32 fs;         /* HB_FS_* */
	__u64 first_exec; /* 1 until the command's own execve(): the BPF side
			   * takes it (compare-and-swap; 64-bit, which every
			   * BPF CPU version has), once */
	__u32 mode;       /* HB_MODE_* */
	__u32 event_cost_ns; /* the rate limit: one event per this many ns of
			      * credit (1e9 / events per second); 0: none */
	__u32 event_burst;   /* events the credit may hold at most */
	__u32 origin;        /* HB_ORIGIN_*: who wrote it (the hooks ignore it) */
	__u32 ring;          /* 1 + its ring's slot in hb_event_rings; 0: the
			      * object's own ring (hb_events) */
	__u32 pad;
};

/*
 * A run's own object's one policy, a copy of its hb_policies entry that
 * the loader writes beside it: the hooks read it where they are (the
 * section ".data.run_policy"), without a hash lookup. @id: the sandbox's
 * cgroup; 0 when there is none, or no longer.
 */
struct hb_run_policy {
	__u64 id;
	struct hb_policy policy;
};

/*
 * Who wrote a policy (struct hb_policy.origin): an agent reload removes
 * only the policies its files made, never another writer's.
 */
#define HB_ORIGIN_RUN 0   /* a `run` sandbox (its own object, or the agent's) */
#define HB_ORIGIN_FILE 1  /* the agent's policy directory */
#define HB_ORIGIN_APPLY 2 /* `hermetic-bpf policy apply` */

/* How a sandbox's denials are carried out (struct hb_policy.mode). */
#define HB_MODE_AUDIT (1u << 0) /* allow and report as audited (not the seal) */

/*
 * A file of one sandbox by identity: the key of hb_exec_rules (--allow-exec
 * executables), hb_unix_rules (--allow-unix sockets) and hb_fs_subtrees.
 */
struct hb_inode_key {
	__u64 sandbox_id;
	__u64 ino;
	__u32 dev;          /* the kernel's encoding: major << 20 | minor */
	__u32 pad;
};

#define HB_MAX_EXEC_RULES 1024
/* Rules and the mounts below them, and the directories leading to them. */
#define HB_MAX_FS_RULES 16384

/*
 * Key of hb_net_rules, an LPM trie: one trie for every sandbox, the
 * sandbox id and port fixed (80 bits), then the address prefix. IPv4 is
 * stored IPv4-mapped (::ffff:a.b.c.d), so one rule covers both spellings.
 * Port 0 means any port; a lookup tries the exact port, then 0.
 */
struct hb_net_key {
	__u32 prefixlen;    /* 80 + address prefix length */
	__u8 sandbox[8];    /* sandbox cgroup id, host order */
	__u8 port[2];       /* network order */
	__u8 addr[16];
	__u8 pad[2];        /* beyond every prefix: never compared */
};

#define HB_NET_KEY_FIXED_BITS 80
#define HB_MAX_NET_RULES 16384

/* Key of hb_dns_addrs: an address the DNS proxy answered for a sandbox. */
struct hb_dns_key {
	__u64 sandbox_id;
	__u8 addr[16];      /* IPv4-mapped for IPv4 */
};

struct hb_dns_value {
	__u64 expires_ns;   /* CLOCK_MONOTONIC, as bpf_ktime_get_ns() */
};

#define HB_MAX_DNS_ADDRS 65536

/*
 * Key of hb_bind_rules (--allow-bind [ADDR:]PORT[/tcp|/udp]): a local
 * address and port the sandbox may bind and listen on beyond loopback,
 * and receive on from anywhere. IPv4 is stored IPv4-mapped, so
 * 0.0.0.0 and ::ffff:0.0.0.0 are one address (the IPv4 wildcard) and
 * :: another (IPv6's, dual-stack unless IPV6_V6ONLY). @any: every local
 * address (addr all zero); a lookup tries the exact address, then any.
 */
struct hb_bind_key {
	__u64 sandbox_id;
	__u8 addr[16];
	__u16 port;         /* host order, never 0 */
	__u8 proto;         /* HB_IPPROTO_TCP (stream sockets) or _UDP */
	__u8 any;
	__u32 pad;
};

#define HB_MAX_BIND_RULES 1024

/*
 * Key of hb_unix_paths: the same sockets by path, for tier B, whose hooks
 * run before the path is resolved to an inode.
 */
#define HB_UNIX_PATH_MAX 108 /* sizeof(sun_path) */

struct hb_unix_path_key {
	__u64 sandbox_id;
	char path[HB_UNIX_PATH_MAX]; /* zero-padded */
	__u8 pad[4];
};

#define HB_MAX_UNIX_RULES 1024

/*
 * Value of the stats map, keyed like the policy map. The counters are
 * updated atomically: every event attempted takes the next seq, and is
 * then delivered, lost (ring buffer full) or limited (rate limit), so
 * seq = delivered + events_lost + events_limited exactly.
 */
struct hb_stats {
	__u64 denied;         /* denials, or under --audit actions audited */
	__u64 events_lost;
	__u64 seq;            /* the last sequence number taken */
	__u64 events_limited;
	__u64 credit_ns;      /* the rate limit's bucket (not atomic: a race */
	__u64 credit_at_ns;   /* only moves a token, never a count) */
};

/* One ring-buffer record per denial. */
struct hb_event {
	__u64 ts_ns;      /* bpf_ktime_get_ns() */
	__u64 cgroup_id;  /* the task's own cgroup */
	__u64 sandbox_id; /* the sandbox cgroup whose policy denied */
	__u32 pid;        /* thread id */
	__u32 tgid;       /* process id */
	__u32 uid;
	__u16 hook;       /* enum hb_hook */
	__u16 reason;     /* enum hb_reason */
	__u16 family;     /* address family, or socket family for HB_HOOK_SOCKET */
	__u16 port;       /* host byte order; for HB_HOOK_SOCKET: socket type */
	__u16 protocol;   /* socket: the protocol; kill: the signal; DNS: qtype */
	__u16 verdict;    /* enum hb_verdict */
	__u8 addr[16];    /* IPv6, or IPv4-mapped IPv6 for IPv4 */
	char comm[HB_COMM_LEN];
	__u16 path_len;   /* bytes used in path (not NUL-terminated) */
	__u16 pad;
	__u32 arg;        /* ptrace/kill: the target's pid; capable: the
			   * capability; mmap/mprotect: PROT_*; FS_*: the op */
	char path[HB_EVENT_PATH_MAX]; /* a file's path; unix: sun_path, '\0'
				       * first if abstract; DNS: the name;
				       * rename/link: "old\0new" */
	__u64 seq;        /* per sandbox from 1 (hb_stats.seq); 0: an event
			   * of user space (DNS proxy, exec supervisor) */
	__u32 ppid;       /* the parent's process id */
	__u32 pad2;
};

/*
 * The agent follows each policy file's cgroup by path (spec/agent.md): a
 * cgroup removed and created again gets its policy from the BPF side at
 * creation, before it is visible. The key of hb_cg_paths and hb_cg_ids:
 * the path below the cgroup2 root as the kernel spells it
 * ("/ci.slice/job"), zero-padded; longer paths cannot be followed.
 */
#define HB_CG_PATH_MAX 256
#define HB_MAX_FOLLOWED 256 /* policy files one agent holds */

struct hb_cg_path {
	char path[HB_CG_PATH_MAX];
};

/* One record of hb_cg_events: a followed path was created again. */
struct hb_cg_event {
	__u64 id;         /* the new cgroup, confined by its policy's guards */
	__u64 old_id;     /* the cgroup the path had before (0: not known) */
	__s32 err;        /* 0, or why the policy could not be written */
	__u32 pad;
	struct hb_cg_path path;
};

/* Re-creations the agent may be behind on (several per stopped agent). */
#define HB_CG_RINGBUF_SIZE (64 * 1024)

_Static_assert(sizeof(struct hb_policy) == 48, "hb_policy layout");
_Static_assert(sizeof(struct hb_net_key) == 32, "hb_net_key layout");
_Static_assert(sizeof(struct hb_dns_key) == 24, "hb_dns_key layout");
_Static_assert(sizeof(struct hb_dns_value) == 8, "hb_dns_value layout");
_Static_assert(sizeof(struct hb_inode_key) == 24, "hb_inode_key layout");
_Static_assert(sizeof(struct hb_unix_path_key) == 120, "hb_unix_path_key layout");
_Static_assert(sizeof(struct hb_bind_key) == 32, "hb_bind_key layout");
_Static_assert(sizeof(struct hb_stats) == 48, "hb_stats layout");
_Static_assert(sizeof(struct hb_event) == 360, "hb_event layout");
_Static_assert(sizeof(struct hb_cg_event) == 280, "hb_cg_event layout");

#endif /* HERMETIC_ABI_H */
