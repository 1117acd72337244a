// SPDX-License-Identifier: GPL-2.0-only
/* The decision code the BPF programs run, compiled for the host. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "hermetic_policy.h"

static const struct hb_policy none = { .guards = 0 };
static const struct hb_policy net = { .guards = HB_GUARD_NET };

static struct hb_req connect_req(__u16 sock_family, __u16 addr_family, int len)
{
	struct hb_req r = { .hook = HB_HOOK_CONNECT, .family = sock_family,
			    .addr_family = addr_family, .addrlen = len };

	hb_req_classify(&r);
	return r;
}

static void connect_decisions(void **state)
{
	struct hb_req r;

	(void)state;
	r = connect_req(HB_AF_INET, HB_AF_INET, 16);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
	assert_int_equal(hb_decide(&none, &r), HB_REASON_NONE);
	r = connect_req(HB_AF_INET6, HB_AF_INET6, 28);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
	/* An IPv4 address on an IPv6 socket is still network. */
	r = connect_req(HB_AF_INET6, HB_AF_INET, 16);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
	/* Dissolving an association is not network... */
	r = connect_req(HB_AF_INET, HB_AF_UNSPEC, 16);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
	/* ...unless the family could not even be read. */
	r = connect_req(HB_AF_INET, HB_AF_UNSPEC, 1);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
	/* Unix and netlink are local IPC here. */
	r = connect_req(HB_AF_UNIX, HB_AF_UNIX, 20);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
}

static void sendmsg_decisions(void **state)
{
	struct hb_req r = { .hook = HB_HOOK_SENDMSG, .family = HB_AF_INET };

	(void)state;
	hb_req_classify(&r);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
	/* UDP sends to an AF_UNSPEC destination as if it were IPv4. */
	r.addr_family = HB_AF_UNSPEC;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
	r.family = HB_AF_INET6;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
	assert_int_equal(hb_decide(&none, &r), HB_REASON_NONE);
	r.family = HB_AF_UNIX;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
}

static enum hb_reason sock(const struct hb_policy *p, int family, int type, int proto)
{
	struct hb_req r = { .hook = HB_HOOK_SOCKET, .family = (__u16)family,
			    .type = type, .protocol = proto };

	return hb_decide(p, &r);
}

static void socket_allow_list(void **state)
{
	(void)state;
	assert_int_equal(sock(&net, HB_AF_INET, HB_SOCK_STREAM, 0), HB_REASON_NONE);
	assert_int_equal(sock(&net, HB_AF_INET6, HB_SOCK_STREAM, HB_IPPROTO_TCP), HB_REASON_NONE);
	assert_int_equal(sock(&net, HB_AF_INET, HB_SOCK_STREAM, HB_IPPROTO_MPTCP), HB_REASON_NONE);
	assert_int_equal(sock(&net, HB_AF_INET, HB_SOCK_DGRAM, HB_IPPROTO_UDP), HB_REASON_NONE);
	assert_int_equal(sock(&net, HB_AF_INET, HB_SOCK_DGRAM, HB_IPPROTO_ICMP), HB_REASON_NONE);
	assert_int_equal(sock(&net, HB_AF_INET6, HB_SOCK_DGRAM, HB_IPPROTO_ICMPV6), HB_REASON_NONE);
	assert_int_equal(sock(&net, HB_AF_UNIX, HB_SOCK_STREAM, 0), HB_REASON_NONE);
	assert_int_equal(sock(&net, HB_AF_NETLINK, 3, 0), HB_REASON_NONE);

	assert_int_equal(sock(&net, HB_AF_INET, 3 /* RAW */, HB_IPPROTO_ICMP), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&net, HB_AF_INET6, 3, 0), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&net, 17 /* PACKET */, 3, 768), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&net, HB_AF_INET, HB_SOCK_STREAM, 132 /* SCTP */), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&net, HB_AF_INET, 5 /* SEQPACKET */, 0), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&net, HB_AF_INET, HB_SOCK_DGRAM, 136 /* UDPLITE */), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&net, HB_AF_INET6, HB_SOCK_DGRAM, HB_IPPROTO_ICMP), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&net, 40 /* VSOCK */, HB_SOCK_STREAM, 0), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&none, 17, 3, 768), HB_REASON_NONE);
}

/* A destination request: @ip is IPv4 ("a.b.c.d") or IPv6, port, proto. */
static struct hb_req dest(__u16 hook, const char *ip, __u16 port, int proto)
{
	struct hb_req r = { .hook = hook, .port = port, .protocol = proto, .addrlen = 28,
			    .own_socket = 1 };
	__u8 v4[4];

	if (inet_pton(AF_INET, ip, v4) == 1) {
		r.family = r.addr_family = HB_AF_INET;
		hb_addr_map_v4(r.addr, v4);
	} else {
		assert_int_equal(inet_pton(AF_INET6, ip, r.addr), 1);
		r.family = r.addr_family = HB_AF_INET6;
	}
	hb_req_classify(&r);
	return r;
}

static void metadata_always_denied(void **state)
{
	const char *meta[] = { "169.254.169.254", "::ffff:169.254.169.254", "169.254.170.2",
			       "100.100.100.200", "fd00:ec2::254", "fe80::a9fe:a9fe",
			       "64:ff9b::a9fe:a9fe", "::ffff:100.100.100.200", "169.254.170.23",
			       "fd00:ec2::23", "169.254.0.23", "168.63.129.16", "192.0.0.192",
			       "fd20:ce::254", "169.254.42.42" };
	struct hb_policy all = { .guards = HB_GUARD_NET,
				 .net = HB_NET_ALLOW_LOCALHOST | HB_NET_IP_RULES | HB_NET_DNS_PROXY };

	(void)state;
	for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++) {
		struct hb_req r = dest(HB_HOOK_CONNECT, meta[i], 80, HB_IPPROTO_TCP);

		r.rule_match = r.dns_match = 1; /* even when a rule would allow */
		assert_int_equal(hb_decide(&all, &r), HB_REASON_NET_METADATA);
		r.hook = HB_HOOK_SENDMSG;
		r.port = HB_DNS_PORT; /* and DNS to it is not redirected */
		assert_int_equal(hb_decide(&all, &r), HB_REASON_NET_METADATA);
	}
	/* Neighbours are not metadata. */
	for (const char *ok[] = { "169.254.169.253", "fd00:ec2::253", "fe80::a9fe:a9ff",
				  "64:ff9b::1:a9fe:a9fe", "::a9fe:a9fe", "168.63.129.17",
				  "fd20:ce::253", "192.0.0.193", NULL }, **p = ok; *p; p++) {
		struct hb_req r = dest(HB_HOOK_CONNECT, *p, 80, HB_IPPROTO_TCP);

		r.rule_match = 1;
		assert_int_equal(hb_decide(&all, &r), HB_REASON_NONE);
	}
}

static void localhost_and_rules(void **state)
{
	struct hb_policy local = { .guards = HB_GUARD_NET, .net = HB_NET_ALLOW_LOCALHOST };
	struct hb_policy rules = { .guards = HB_GUARD_NET, .net = HB_NET_IP_RULES };
	struct hb_req r;

	(void)state;
	for (const char *lo[] = { "127.0.0.1", "127.255.1.2", "::1", "::ffff:127.0.0.53", NULL },
	     **p = lo; *p; p++) {
		r = dest(HB_HOOK_CONNECT, *p, 8080, HB_IPPROTO_TCP);
		assert_int_equal(hb_decide(&local, &r), HB_REASON_NONE);
		assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
		r.hook = HB_HOOK_SENDMSG;
		assert_int_equal(hb_decide(&local, &r), HB_REASON_NONE);
	}
	for (const char *far[] = { "128.0.0.1", "::2", "10.0.0.1", "::ffff:10.0.0.1", NULL },
	     **p = far; *p; p++) {
		r = dest(HB_HOOK_CONNECT, *p, 8080, HB_IPPROTO_TCP);
		assert_int_equal(hb_decide(&local, &r), HB_REASON_NET_NOT_ALLOWED);
	}
	/* The lookups' answers decide for rules and DNS. */
	r = dest(HB_HOOK_CONNECT, "10.1.2.3", 443, HB_IPPROTO_TCP);
	assert_int_equal(hb_decide(&rules, &r), HB_REASON_NET_NOT_ALLOWED);
	r.rule_match = 1;
	assert_int_equal(hb_decide(&rules, &r), HB_REASON_NONE);
	r.rule_match = 0;
	r.dns_match = 1;
	assert_int_equal(hb_decide(&rules, &r), HB_REASON_NONE);
}

static void dns_goes_to_the_proxy(void **state)
{
	struct hb_policy dns = { .guards = HB_GUARD_NET, .net = HB_NET_DNS_PROXY };
	struct hb_req r;

	(void)state;
	r = dest(HB_HOOK_SENDMSG, "8.8.8.8", HB_DNS_PORT, HB_IPPROTO_UDP);
	assert_int_equal(hb_decide(&dns, &r), HB_REASON_NONE);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
	r = dest(HB_HOOK_CONNECT, "2001:db8::53", HB_DNS_PORT, HB_IPPROTO_TCP);
	assert_int_equal(hb_decide(&dns, &r), HB_REASON_NONE);
	/* Only sockets the redirect program sees: the sandbox's own. */
	r.own_socket = 0;
	assert_int_equal(hb_decide(&dns, &r), HB_REASON_NET_NOT_ALLOWED);
	/* Port 53 over what the redirect does not handle (ping) stays denied. */
	r = dest(HB_HOOK_SENDMSG, "8.8.8.8", HB_DNS_PORT, HB_IPPROTO_ICMP);
	assert_int_equal(hb_decide(&dns, &r), HB_REASON_NET_NOT_ALLOWED);
	r = dest(HB_HOOK_SENDMSG, "8.8.8.8", 5353, HB_IPPROTO_UDP);
	assert_int_equal(hb_decide(&dns, &r), HB_REASON_NET_NOT_ALLOWED);
}

static void bind_and_listen_stay_on_loopback(void **state)
{
	struct hb_policy local = { .guards = HB_GUARD_NET, .net = HB_NET_ALLOW_LOCALHOST };
	struct hb_req r;

	(void)state;
	for (__u16 hook = HB_HOOK_BIND; hook <= HB_HOOK_LISTEN; hook++) {
		for (const char *lo[] = { "127.0.0.1", "::1", "::ffff:127.0.0.1", NULL },
		     **p = lo; *p; p++) {
			r = dest(hook, *p, 0, HB_IPPROTO_TCP);
			assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
		}
		for (const char *any[] = { "0.0.0.0", "::", "10.0.0.1", "::ffff:0.0.0.0", NULL },
		     **p = any; *p; p++) {
			r = dest(hook, *p, 8080, HB_IPPROTO_TCP);
			assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_BIND);
			/* --allow-localhost is about peers, not about listening. */
			assert_int_equal(hb_decide(&local, &r), HB_REASON_NET_BIND);
		}
	}
	/* --allow-bind: what a rule names (bind_match), on a port; never port 0. */
	for (__u16 hook = HB_HOOK_BIND; hook <= HB_HOOK_LISTEN; hook++) {
		r = dest(hook, "0.0.0.0", 8080, HB_IPPROTO_TCP);
		r.bind_match = 1;
		assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
		r.port = 0; /* listen() on an unbound socket: the kernel's pick */
		assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_BIND);
		r = dest(hook, "::", 8080, HB_IPPROTO_UDP);
		r.bind_match = 1;
		assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
		r.addr_class = 0; /* fail closed: never classified */
		assert_int_equal(hb_decide(&net, &r), HB_REASON_UNREADABLE);
	}
	/* The protocol a rule names: stream sockets are TCP's, ping sockets none. */
	assert_int_equal(hb_bind_proto(HB_SOCK_STREAM, HB_IPPROTO_TCP), HB_IPPROTO_TCP);
	assert_int_equal(hb_bind_proto(HB_SOCK_STREAM, HB_IPPROTO_MPTCP), HB_IPPROTO_TCP);
	assert_int_equal(hb_bind_proto(HB_SOCK_DGRAM, HB_IPPROTO_UDP), HB_IPPROTO_UDP);
	assert_int_equal(hb_bind_proto(HB_SOCK_DGRAM, HB_IPPROTO_ICMP), 0);
	assert_int_equal(hb_bind_proto(HB_SOCK_RAW, HB_IPPROTO_UDP), 0);
	r = dest(HB_HOOK_BIND, "127.0.0.1", 0, 0);
	r.addr_family = HB_AF_UNSPEC; /* the AF_UNSPEC bind means INADDR_ANY */
	hb_req_classify(&r);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_BIND);
	r.family = HB_AF_UNIX;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
	assert_int_equal(hb_decide(&none, &r), HB_REASON_NONE);
}

static void unix_peers(void **state)
{
	struct hb_req r = { .hook = HB_HOOK_UNIX, .family = HB_AF_UNIX };

	(void)state;
	r.unix_kind = HB_UNIX_UNNAMED;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
	r.unix_kind = HB_UNIX_PATHNAME;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_UNIX);
	assert_int_equal(hb_decide(&none, &r), HB_REASON_NONE);
	r.unix_match = 1;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
	r.unix_kind = HB_UNIX_ABSTRACT;
	r.unix_match = 0;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_UNIX);
}

static const struct hb_policy exec_g = { .guards = HB_GUARD_EXEC };
static const struct hb_policy native_g = { .guards = HB_GUARD_NATIVE };
static const struct hb_policy tamper = { .guards = HB_GUARD_TAMPER };
static const struct hb_policy tamper_env = { .guards = HB_GUARD_TAMPER | HB_GUARD_ENV };

static void exec_decisions(void **state)
{
	struct hb_req r = { .hook = HB_HOOK_EXEC };

	(void)state;
	assert_int_equal(hb_decide(&exec_g, &r), HB_REASON_EXEC);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
	/* The command's own exec, and --allow-exec files, pass. */
	r.first_exec = 1;
	assert_int_equal(hb_decide(&exec_g, &r), HB_REASON_NONE);
	r.first_exec = 0;
	r.exec_match = 1;
	assert_int_equal(hb_decide(&exec_g, &r), HB_REASON_NONE);
	/* --block-native alone says nothing about execve() itself... */
	r.exec_match = 0;
	assert_int_equal(hb_decide(&native_g, &r), HB_REASON_NONE);
	/* ...but about each file it runs: trusted only, after the first. */
	r.hook = HB_HOOK_EXEC_FILE;
	assert_int_equal(hb_decide(&native_g, &r), HB_REASON_NATIVE_UNTRUSTED);
	assert_int_equal(hb_decide(&exec_g, &r), HB_REASON_NONE);
	r.trusted = 1;
	assert_int_equal(hb_decide(&native_g, &r), HB_REASON_NONE);
	r.trusted = 0;
	r.first_exec = 1;
	assert_int_equal(hb_decide(&native_g, &r), HB_REASON_NONE);
}

static enum hb_reason map(__u16 hook, __u32 prot, int anon, int trusted, int own, int mod,
			  int was)
{
	struct hb_req r = { .hook = hook, .prot = prot, .anon = (__u8)anon,
			    .trusted = (__u8)trusted, .own_exe = (__u8)own,
			    .modified = (__u8)mod, .was_exec = (__u8)was };

	return hb_decide(&native_g, &r);
}

static void native_decisions(void **state)
{
	const __u32 RX = 0x1 | HB_PROT_EXEC, RWX = RX | HB_PROT_WRITE, RW = 0x3;

	(void)state;
	assert_int_equal(map(HB_HOOK_MMAP, RW, 1, 0, 0, 0, 0), HB_REASON_NONE);
	assert_int_equal(map(HB_HOOK_MMAP, RX, 1, 0, 0, 0, 0), HB_REASON_NATIVE_MEMORY);
	assert_int_equal(map(HB_HOOK_MMAP, RWX, 0, 1, 0, 0, 0), HB_REASON_NATIVE_MEMORY);
	assert_int_equal(map(HB_HOOK_MMAP, RX, 0, 0, 0, 0, 0), HB_REASON_NATIVE_UNTRUSTED);
	assert_int_equal(map(HB_HOOK_MMAP, RX, 0, 1, 0, 0, 0), HB_REASON_NONE);
	assert_int_equal(map(HB_HOOK_MMAP, RX, 0, 0, 1, 0, 0), HB_REASON_NONE);
	/* mprotect: W->X and written private pages never; X->X is no change. */
	assert_int_equal(map(HB_HOOK_MPROTECT, RX, 1, 0, 0, 1, 0), HB_REASON_NATIVE_MEMORY);
	assert_int_equal(map(HB_HOOK_MPROTECT, RX, 0, 1, 0, 1, 0), HB_REASON_NATIVE_MEMORY);
	assert_int_equal(map(HB_HOOK_MPROTECT, RX, 0, 1, 0, 0, 0), HB_REASON_NONE);
	assert_int_equal(map(HB_HOOK_MPROTECT, RX, 0, 0, 0, 1, 1), HB_REASON_NONE);
	assert_int_equal(map(HB_HOOK_MPROTECT, RWX, 0, 1, 0, 0, 1), HB_REASON_NATIVE_MEMORY);
	assert_int_equal(map(HB_HOOK_MPROTECT, RX, 0, 0, 0, 0, 0), HB_REASON_NATIVE_UNTRUSTED);
}

static void tamper_decisions(void **state)
{
	struct hb_req r = { .hook = HB_HOOK_BPF };
	const __u32 kernel_fs[] = { HB_CGROUP_SUPER_MAGIC, HB_BPF_FS_MAGIC, HB_SYSFS_MAGIC,
				    HB_SECURITYFS_MAGIC, HB_DEBUGFS_MAGIC, HB_TRACEFS_MAGIC,
				    HB_EFIVARFS_MAGIC };

	(void)state;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_TAMPER);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
	r.hook = HB_HOOK_MOUNT;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_TAMPER);
	r.hook = HB_HOOK_CAPABLE;
	/* The host's: only the kept ones, and no capability a kernel adds later. */
	for (int cap = 0; cap < 64; cap++) {
		int kept = cap == HB_CAP_CHOWN || cap == HB_CAP_DAC_OVERRIDE ||
			    cap == HB_CAP_DAC_READ_SEARCH || cap == HB_CAP_FOWNER ||
			    cap == HB_CAP_FSETID || cap == HB_CAP_KILL || cap == HB_CAP_SETGID ||
			    cap == HB_CAP_SETUID || cap == HB_CAP_SETPCAP ||
			    cap == HB_CAP_NET_BIND_SERVICE || cap == HB_CAP_IPC_LOCK ||
			    cap == HB_CAP_SYS_CHROOT || cap == HB_CAP_SYS_PTRACE ||
			    cap == HB_CAP_SYS_RESOURCE || cap == HB_CAP_LEASE ||
			    cap == HB_CAP_AUDIT_WRITE || cap == HB_CAP_SETFCAP;

		r.cap = cap;
		r.cap_userns = 0;
		assert_int_equal(hb_decide(&tamper, &r), kept ? HB_REASON_NONE : HB_REASON_TAMPER);
		/* In a user namespace of its own, a capability counts only there. */
		r.cap_userns = 1;
		assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
	}
	r.cap_userns = 0;
	/* The kernel's "X || CAP_SYS_ADMIN" helpers: both halves denied. */
	for (int i = 0; i < 3; i++) {
		r.cap = (int[]){ HB_CAP_PERFMON, HB_CAP_BPF, HB_CAP_SYS_ADMIN }[i];
		assert_int_equal(hb_decide(&tamper, &r), HB_REASON_TAMPER);
	}
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE); /* no seal: no guard */
	r.hook = HB_HOOK_IOCTL;
	r.request = HB_TIOCSTI;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_TAMPER);
	r.request = HB_TIOCLINUX;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_TAMPER);
	r.request = 0x5413; /* TIOCGWINSZ: the terminal keeps working */
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
	r.hook = HB_HOOK_PERF;
	r.request = HB_PERF_OPEN;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
	for (int i = 0; i < 3; i++) {
		r.request = (int[]){ HB_PERF_CPU, HB_PERF_KERNEL, HB_PERF_TRACEPOINT }[i];
		assert_int_equal(hb_decide(&tamper, &r), HB_REASON_TAMPER);
	}
	r.request = HB_PERF_TASK;
	r.outside = 1;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_OUTSIDE);
	r.outside = 0;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
	r.hook = HB_HOOK_FILE_WRITE;
	for (size_t i = 0; i < sizeof(kernel_fs) / sizeof(kernel_fs[0]); i++) {
		r.fs_magic = kernel_fs[i];
		assert_int_equal(hb_decide(&tamper, &r), HB_REASON_TAMPER);
	}
	r.fs_magic = HB_CGROUP2_SUPER_MAGIC;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_TAMPER);
	r.in_subtree = 1; /* its own cgroups: fine */
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
	r.fs_magic = HB_PROC_SUPER_MAGIC;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
	r.proc_sys = 1;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_TAMPER);
	r.fs_magic = 0xef53; /* ext4: not the tamper guard's business */
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
	r.root_writer = 1; /* root: data filesystems only, an allow-list */
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
	r.fs_magic = 0x01021994; /* tmpfs */
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
	for (int i = 0; i < 4; i++) {
		/* binfmt_misc, configfs, pstore, and a magic no kernel has yet */
		r.fs_magic = (__u32[]){ 0x42494e4d, 0x62656570, 0x6165676c, 0x12345678 }[i];
		assert_int_equal(hb_decide(&tamper, &r), HB_REASON_TAMPER);
		r.root_writer = 0; /* a user: the kernel's permissions decide */
		assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
		r.root_writer = 1;
	}
	r.fs_magic = HB_PROC_SUPER_MAGIC; /* its own rules: /proc/sys only */
	r.proc_sys = 0;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
	r.hook = HB_HOOK_SETID;
	r.gains = 0;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
	r.gains = 1;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_TAMPER);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
}

static void other_processes(void **state)
{
	struct hb_req r = { .hook = HB_HOOK_KILL, .outside = 1 };

	(void)state;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_OUTSIDE);
	r.outside = 0;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
	r.hook = HB_HOOK_PTRACE;
	r.outside = 1;
	/* Reading another process (its /proc files) only with --no-env. */
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
	assert_int_equal(hb_decide(&tamper_env, &r), HB_REASON_OUTSIDE);
	r.attach = 1;
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_OUTSIDE);
	r.outside = 0;
	assert_int_equal(hb_decide(&tamper_env, &r), HB_REASON_NONE);
}

/* --block-native: a tracer or a memory road writes code without mmap. */
static void memory_roads(void **state)
{
	const struct hb_policy native = { .guards = HB_GUARD_TAMPER | HB_GUARD_NATIVE };
	struct hb_req r = { .hook = HB_HOOK_PTRACE, .attach = 1 };

	(void)state;
	/* Attaching to a process of its own sandbox: only the native guard says no. */
	assert_int_equal(hb_decide(&native, &r), HB_REASON_NATIVE_MEMORY);
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
	/* Outside: the seal's answer comes first. */
	r.outside = 1;
	assert_int_equal(hb_decide(&native, &r), HB_REASON_OUTSIDE);
	/* Writing a child's /proc/PID/oom_score_adj is not writing its memory. */
	r.outside = 0;
	r.attach = HB_ATTACH_PROC_FILE;
	assert_int_equal(hb_decide(&native, &r), HB_REASON_NONE);
	/* Reading (/proc/PID/status, ...) stays allowed. */
	r = (struct hb_req){ .hook = HB_HOOK_PTRACE };
	assert_int_equal(hb_decide(&native, &r), HB_REASON_NONE);
	/* Signals are not memory. */
	r = (struct hb_req){ .hook = HB_HOOK_KILL };
	assert_int_equal(hb_decide(&native, &r), HB_REASON_NONE);
	r = (struct hb_req){ .hook = HB_HOOK_MEMORY };
	assert_int_equal(hb_decide(&native, &r), HB_REASON_NATIVE_MEMORY);
	assert_int_equal(hb_decide(&tamper, &r), HB_REASON_NONE);
}

static void fs_write_decisions(void **state)
{
	const struct hb_policy ro = { .guards = HB_GUARD_FS, .fs = HB_FS_READONLY };
	struct hb_req r = { .hook = HB_HOOK_FS_WRITE, .fs_op = HB_FS_OP_UNLINK };

	(void)state;
	assert_int_equal(hb_decide(&ro, &r), HB_REASON_FS_READONLY);
	assert_int_equal(hb_decide(&none, &r), HB_REASON_NONE);
	r.fs_deep = 1;
	assert_int_equal(hb_decide(&ro, &r), HB_REASON_FS_TOO_DEEP);
	/* A write rule covers it; a read or stat rule does not. */
	r.fs_deep = 0;
	r.fs_allow = HB_FS_RULE_READ | HB_FS_RULE_STAT;
	assert_int_equal(hb_decide(&ro, &r), HB_REASON_FS_READONLY);
	r.fs_allow = HB_FS_RULE_WRITE;
	assert_int_equal(hb_decide(&ro, &r), HB_REASON_NONE);
	/* ...but not for a file whose other names may lie outside. */
	r.fs_linked = 1;
	assert_int_equal(hb_decide(&ro, &r), HB_REASON_FS_LINKED);
	/* Devices, FIFOs, own /proc, and descriptors already held pass. */
	r = (struct hb_req){ .hook = HB_HOOK_FS_WRITE, .fs_op = HB_FS_OP_OPEN, .fs_exempt = 1 };
	assert_int_equal(hb_decide(&ro, &r), HB_REASON_NONE);
	r = (struct hb_req){ .hook = HB_HOOK_FS_WRITE, .fs_op = HB_FS_OP_OPEN, .fs_held = 1,
			     .fs_linked = 1 };
	assert_int_equal(hb_decide(&ro, &r), HB_REASON_NONE);
	/* A read root alone does not confine writes. */
	r = (struct hb_req){ .hook = HB_HOOK_FS_WRITE, .fs_op = HB_FS_OP_OPEN };
	assert_int_equal(hb_decide(&(struct hb_policy){ .guards = HB_GUARD_FS,
							 .fs = HB_FS_READ_ROOT }, &r),
			 HB_REASON_NONE);
	assert_int_equal(hb_hook_errno(HB_HOOK_FS_WRITE), 30); /* EROFS */
}

static void fs_read_decisions(void **state)
{
	const struct hb_policy root = { .guards = HB_GUARD_FS,
					.fs = HB_FS_READONLY | HB_FS_READ_ROOT };
	const struct hb_policy ro = { .guards = HB_GUARD_FS, .fs = HB_FS_READONLY };
	struct hb_req r = { .hook = HB_HOOK_FS_READ, .fs_op = HB_FS_OP_OPEN };

	(void)state;
	assert_int_equal(hb_decide(&root, &r), HB_REASON_FS_OUTSIDE_ROOT);
	assert_int_equal(hb_decide(&ro, &r), HB_REASON_NONE);
	r.fs_allow = HB_FS_RULE_READ;
	assert_int_equal(hb_decide(&root, &r), HB_REASON_NONE);
	/* A directory on the way to the root: stat, but not list. */
	r.fs_allow = HB_FS_RULE_STAT;
	assert_int_equal(hb_decide(&root, &r), HB_REASON_FS_OUTSIDE_ROOT);
	r.fs_op = HB_FS_OP_STAT;
	assert_int_equal(hb_decide(&root, &r), HB_REASON_NONE);
	r.fs_op = HB_FS_OP_EXEC;
	assert_int_equal(hb_decide(&root, &r), HB_REASON_FS_OUTSIDE_ROOT);
	r = (struct hb_req){ .hook = HB_HOOK_FS_READ, .fs_op = HB_FS_OP_READLINK, .fs_deep = 1 };
	assert_int_equal(hb_decide(&root, &r), HB_REASON_FS_TOO_DEEP);
	r.fs_held = 1;
	assert_int_equal(hb_decide(&root, &r), HB_REASON_NONE);
	assert_int_equal(hb_fs_need(HB_HOOK_FS_READ, HB_FS_OP_STAT),
			 HB_FS_RULE_READ | HB_FS_RULE_STAT);
	assert_int_equal(hb_fs_need(HB_HOOK_FS_WRITE, HB_FS_OP_STAT), HB_FS_RULE_WRITE);
	assert_int_equal(hb_hook_errno(HB_HOOK_FS_READ), 13); /* EACCES */
	assert_int_equal(hb_hook_errno(HB_HOOK_CONNECT), 1);  /* EPERM */
}

static void fails_closed(void **state)
{
	struct hb_req r = connect_req(HB_AF_INET, HB_AF_INET, 16);

	(void)state;
	r.unreadable = 1;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_UNREADABLE);
	/* ...but only for a sandbox whose guard owns the hook. */
	assert_int_equal(hb_decide(&none, &r), HB_REASON_NONE);
	r.unreadable = 0;
	/* A request nobody classified is not trusted to be harmless. */
	r.addr_class = 0;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_UNREADABLE);
	r.hook = HB_HOOK_BIND;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_UNREADABLE);
	r.hook = HB_HOOK_MAX + 7;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_UNREADABLE);
	assert_int_equal(hb_decide(&none, &r), HB_REASON_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(connect_decisions),
		cmocka_unit_test(sendmsg_decisions),
		cmocka_unit_test(socket_allow_list),
		cmocka_unit_test(metadata_always_denied),
		cmocka_unit_test(localhost_and_rules),
		cmocka_unit_test(dns_goes_to_the_proxy),
		cmocka_unit_test(bind_and_listen_stay_on_loopback),
		cmocka_unit_test(unix_peers),
		cmocka_unit_test(exec_decisions),
		cmocka_unit_test(native_decisions),
		cmocka_unit_test(tamper_decisions),
		cmocka_unit_test(other_processes),
		cmocka_unit_test(memory_roads),
		cmocka_unit_test(fs_write_decisions),
		cmocka_unit_test(fs_read_decisions),
		cmocka_unit_test(fails_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
