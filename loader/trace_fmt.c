// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "hermetic_policy.h"
#include "trace_fmt.h"

/*
 * One row per hook: its stable code (the enum's name in lower case, for
 * machine-readable output; spec/events.md) and the action users read.
 */
static const struct {
	const char *code, *action;
} hooks[HB_HOOK_MAX] = {
	[HB_HOOK_CONNECT] = { "connect", "connect" },
	[HB_HOOK_SENDMSG] = { "sendmsg", "sendto" },
	[HB_HOOK_SOCKET] = { "socket", "socket" },
	[HB_HOOK_BIND] = { "bind", "bind" },
	[HB_HOOK_LISTEN] = { "listen", "listen" },
	[HB_HOOK_UNIX] = { "unix", "unix" },
	[HB_HOOK_DNS] = { "dns", "DNS" },
	[HB_HOOK_EXEC] = { "exec", "exec" },
	[HB_HOOK_EXEC_FILE] = { "exec_file", "exec" },
	[HB_HOOK_MMAP] = { "mmap", "mmap" },
	[HB_HOOK_MPROTECT] = { "mprotect", "mprotect" },
	[HB_HOOK_BPF] = { "bpf", "bpf" },
	[HB_HOOK_CAPABLE] = { "capable", "capability" },
	[HB_HOOK_FILE_WRITE] = { "file_write", "write" },
	[HB_HOOK_PATH] = { "path", "directory change" },
	[HB_HOOK_MOUNT] = { "mount", "mount" },
	[HB_HOOK_PTRACE] = { "ptrace", "ptrace" },
	[HB_HOOK_KILL] = { "kill", "kill" },
	[HB_HOOK_FS_WRITE] = { "fs_write", "file change" },
	[HB_HOOK_FS_READ] = { "fs_read", "file read" },
	[HB_HOOK_IOCTL] = { "ioctl", "ioctl" },
	[HB_HOOK_PERF] = { "perf", "perf_event_open" },
	[HB_HOOK_SETID] = { "setid", "exec gaining privilege" },
	[HB_HOOK_SOCKOPT] = { "sockopt", "setsockopt" },
	[HB_HOOK_MEMORY] = { "memory", "memory write" },
	[HB_HOOK_SYSCALL] = { "syscall", "system call" },
	[HB_HOOK_INGRESS] = { "ingress", "packet from" },
};

const char *hb_hook_action(unsigned int hook)
{
	return hook < HB_HOOK_MAX && hooks[hook].action ? hooks[hook].action : "action";
}

const char *hb_hook_code(unsigned int hook)
{
	return hook < HB_HOOK_MAX ? hooks[hook].code : NULL;
}

const char *hb_fs_op_name(unsigned int op)
{
	static const char *const names[HB_FS_OP_MAX] = {
		[HB_FS_OP_OPEN] = "open",     [HB_FS_OP_CREATE] = "create",
		[HB_FS_OP_MKDIR] = "mkdir",   [HB_FS_OP_RMDIR] = "rmdir",
		[HB_FS_OP_UNLINK] = "unlink", [HB_FS_OP_RENAME] = "rename",
		[HB_FS_OP_LINK] = "link",     [HB_FS_OP_SYMLINK] = "symlink",
		[HB_FS_OP_SETATTR] = "setattr", [HB_FS_OP_XATTR] = "xattr",
		[HB_FS_OP_STAT] = "stat",     [HB_FS_OP_READLINK] = "readlink",
		[HB_FS_OP_EXEC] = "exec",
	};

	return op < HB_FS_OP_MAX ? names[op] : NULL;
}

static const char *fs_op_name(unsigned int op)
{
	const char *name = hb_fs_op_name(op);

	return name ? name : "file access";
}

/* "unlink", "open write", "stat read-outside-root": what the event did. */
static void format_action(const struct hb_event *ev, char *buf, size_t len)
{
	if (ev->hook == HB_HOOK_FS_READ)
		snprintf(buf, len, "%s read-outside-root", fs_op_name(ev->arg));
	else if (ev->hook == HB_HOOK_FS_WRITE)
		snprintf(buf, len, "%s%s", fs_op_name(ev->arg),
			 ev->arg == HB_FS_OP_OPEN ? " write" : "");
	else
		snprintf(buf, len, "%s", hb_hook_action(ev->hook));
}

/* One row per reason: its stable code (as for hooks) and the text users read. */
static const struct {
	const char *code, *text;
} reasons[HB_REASON_MAX] = {
	[HB_REASON_NET_DISABLED] = { "net_disabled", "network disabled" },
	[HB_REASON_NET_SOCKET_KIND] = {
		"net_socket_kind",
		"network disabled (this socket kind bypasses connect checks)" },
	[HB_REASON_UNREADABLE] = { "unreadable", "request unreadable (denied to be safe)" },
	[HB_REASON_NET_METADATA] = { "net_metadata", "cloud metadata endpoint" },
	[HB_REASON_NET_NOT_ALLOWED] = { "net_not_allowed", "not in the network allow-list" },
	[HB_REASON_NET_BIND] = { "net_bind", "only loopback addresses may be bound" },
	[HB_REASON_NET_UNIX] = { "net_unix", "unix socket not in --allow-unix" },
	[HB_REASON_DNS_NAME] = { "dns_name", "name not in --allow-domain" },
	[HB_REASON_DNS_METADATA] = { "dns_metadata", "cloud metadata name" },
	[HB_REASON_EXEC] = { "exec", "subprocesses disabled" },
	[HB_REASON_NATIVE_UNTRUSTED] = {
		"native_untrusted", "native code from a file root does not own and guard" },
	[HB_REASON_NATIVE_MEMORY] = {
		"native_memory", "writable, written or anonymous executable memory" },
	[HB_REASON_TAMPER] = { "tamper", "would weaken the sandbox" },
	[HB_REASON_OUTSIDE] = { "outside", "the process is outside the sandbox" },
	[HB_REASON_FS_READONLY] = { "fs_readonly", "read-only filesystem" },
	[HB_REASON_FS_OUTSIDE_ROOT] = { "fs_outside_root", "outside the read root" },
	[HB_REASON_FS_TOO_DEEP] = {
		"fs_too_deep", "deeper than the walk's bound below any allowed path" },
	[HB_REASON_FS_LINKED] = { "fs_linked", "the file has other hard links" },
	[HB_REASON_NET_ROUTE] = {
		"net_route", "a source route or routing header would send elsewhere" },
	[HB_REASON_NET_INBOUND] = { "net_inbound", "nothing from outside the host reaches the sandbox" },
};

const char *hb_reason_text(unsigned int reason)
{
	return reason < HB_REASON_MAX && reasons[reason].text ? reasons[reason].text : "denied";
}

const char *hb_reason_code(unsigned int reason)
{
	return reason < HB_REASON_MAX ? reasons[reason].code : NULL;
}

/* Every byte, NULs included, as printable ASCII. */
void hb_escape_bytes(const char *in, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	if (!outlen)
		return;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int w = hb_escape_needed(c) ? 4 : 1;

		if (o + w >= outlen)
			break;
		if (w == 1)
			out[o] = (char)c;
		else
			snprintf(out + o, 5, "\\x%02x", c);
		o += w;
	}
	out[o] = '\0';
}

void hb_escape(const char *in, size_t len, char *out, size_t outlen)
{
	hb_escape_bytes(in, strnlen(in, len), out, outlen);
}

const char *hb_family_name(unsigned int family)
{
	switch (family) {
	case HB_AF_UNIX:
		return "AF_UNIX";
	case HB_AF_INET:
		return "AF_INET";
	case HB_AF_INET6:
		return "AF_INET6";
	case HB_AF_NETLINK:
		return "AF_NETLINK";
	case 17:
		return "AF_PACKET";
	case 40:
		return "AF_VSOCK";
	case 44:
		return "AF_XDP";
	default:
		return NULL;
	}
}

const char *hb_socket_type_name(unsigned int type)
{
	static const char *const names[] = {
		[1] = "SOCK_STREAM", [2] = "SOCK_DGRAM", [3] = "SOCK_RAW",
		[4] = "SOCK_RDM",    [5] = "SOCK_SEQPACKET", [6] = "SOCK_DCCP",
		[10] = "SOCK_PACKET",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

/* "AF_PACKET SOCK_RAW protocol 768" for a socket() event. */
static void format_socket(const struct hb_event *ev, char *buf, size_t len)
{
	const char *f = hb_family_name(ev->family), *t = hb_socket_type_name(ev->port);
	char fb[24], tb[24];
	int n;

	if (!f) {
		snprintf(fb, sizeof(fb), "family %u", ev->family);
		f = fb;
	}
	if (!t) {
		snprintf(tb, sizeof(tb), "type %u", ev->port);
		t = tb;
	}
	n = snprintf(buf, len, "%s %s", f, t);
	if (ev->protocol && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " protocol %u", ev->protocol);
}

const char *hb_event_ip(const struct hb_event *ev, char *buf, size_t len)
{
	/* Addresses travel as IPv6, IPv4 mapped: the family says how to show. */
	if (ev->family == HB_AF_INET)
		return inet_ntop(AF_INET, ev->addr + 12, buf, len);
	if (ev->family == HB_AF_INET6)
		return inet_ntop(AF_INET6, ev->addr, buf, len);
	return NULL;
}

/* "127.0.0.1:8080", "[::1]:53", or "(address family 17)". */
static void format_addr(const struct hb_event *ev, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (!hb_event_ip(ev, ip, sizeof(ip)))
		snprintf(buf, len, "(address family %u)", ev->family);
	else if (ev->family == HB_AF_INET)
		snprintf(buf, len, "%s:%u", ip, ev->port);
	else
		snprintf(buf, len, "[%s]:%u", ip, ev->port);
}

void hb_event_names(const struct hb_event *ev, struct hb_event_names *out)
{
	size_t n = ev->path_len < sizeof(ev->path) ? ev->path_len : sizeof(ev->path);
	size_t first = strnlen(ev->path, n);

	memset(out, 0, sizeof(*out));
	if (!n)
		return;
	out->count = 1;
	out->name[0] = ev->path;
	out->len[0] = first;
	if (ev->hook == HB_HOOK_UNIX && ev->path[0] == '\0') {
		out->abstract = true;
		out->name[0] = ev->path + 1;
		out->len[0] = n - 1;
	} else if (first < n && (ev->hook == HB_HOOK_FS_WRITE || ev->hook == HB_HOOK_FS_READ) &&
		   (ev->arg == HB_FS_OP_RENAME || ev->arg == HB_FS_OP_LINK)) {
		out->count = 2;
		out->name[1] = ev->path + first + 1;
		out->len[1] = n - first - 1;
	}
}

/*
 * A unix socket's path, or "@name" for an abstract one (whose name may
 * hold any byte), or "(unnamed)"; a DNS name. Escaped: the sandbox chose it.
 */
static void format_path(const struct hb_event *ev, char *buf, size_t len)
{
	struct hb_event_names names;

	hb_event_names(ev, &names);
	if (!names.count) {
		snprintf(buf, len, "(unnamed)");
	} else if (names.abstract) {
		buf[0] = '@';
		hb_escape_bytes(names.name[0], names.len[0], buf + 1, len - 1);
	} else {
		hb_escape_bytes(names.name[0], names.len[0], buf, len);
	}
}

const char *hb_cap_name(unsigned int cap)
{
	/* capability(7)'s names, by number (linux/capability.h). */
	static const char *const names[] = {
		"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
		"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
		"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
		"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
		"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
		"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
		"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
		"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
		"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
		"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
		"CAP_CHECKPOINT_RESTORE",
	};

	return cap < sizeof(names) / sizeof(names[0]) ? names[cap] : NULL;
}

/* What a perf_event_open asked for (enum hb_perf_access), or NULL. */
const char *hb_perf_access_name(unsigned int access)
{
	switch (access) {
	case HB_PERF_CPU:
		return "cpu";
	case HB_PERF_KERNEL:
		return "kernel";
	case HB_PERF_TRACEPOINT:
		return "tracepoint";
	case HB_PERF_TASK:
		return "task";
	default:
		return NULL;
	}
}

/* A road into memory (enum hb_memory_road), or NULL. */
const char *hb_memory_road_name(unsigned int road)
{
	switch (road) {
	case HB_MEMORY_PROC_MEM:
		return "proc_mem";
	case HB_MEMORY_USERFAULTFD:
		return "userfaultfd";
	case HB_MEMORY_TRACEME:
		return "ptrace_traceme";
	default:
		return NULL;
	}
}

/* Terminal ioctls by name; others as a number. */
const char *hb_ioctl_name(unsigned int request)
{
	switch (request) {
	case HB_TIOCSTI:
		return "TIOCSTI";
	case HB_TIOCLINUX:
		return "TIOCLINUX";
	default:
		return NULL;
	}
}

const char *hb_sockopt_name(unsigned int level, unsigned int name)
{
	static const struct {
		unsigned int level, name;
		const char *text;
	} opts[] = {
		{ HB_SOL_IP, HB_IP_OPTIONS, "IP_OPTIONS" },
		{ HB_SOL_IP, HB_IP_RETOPTS, "IP_RETOPTS" },
		{ HB_SOL_IPV6, HB_IPV6_2292RTHDR, "IPV6_2292RTHDR" },
		{ HB_SOL_IPV6, HB_IPV6_2292PKTOPTIONS, "IPV6_2292PKTOPTIONS" },
		{ HB_SOL_IPV6, HB_IPV6_NEXTHOP, "IPV6_NEXTHOP" },
		{ HB_SOL_IPV6, HB_IPV6_RTHDR, "IPV6_RTHDR" },
	};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (opts[i].level == level && opts[i].name == name)
			return opts[i].text;
	return NULL;
}

/* "IPV6_RTHDR", or "level 41 option 99"; " (ancillary data)" for a send's. */
static void format_sockopt(const struct hb_event *ev, char *buf, size_t len)
{
	unsigned int name = ev->arg & ~HB_SOCKOPT_CMSG;
	const char *text = hb_sockopt_name(ev->protocol, name);
	const char *cmsg = ev->arg & HB_SOCKOPT_CMSG ? " (ancillary data)" : "";

	if (text)
		snprintf(buf, len, "%s%s", text, cmsg);
	else
		snprintf(buf, len, "level %u option %u%s", ev->protocol, name, cmsg);
}

/* "path=/bin/sh", escaped; "(anonymous memory)" for mappings without one. */
static void format_file(const struct hb_event *ev, char *buf, size_t len)
{
	if (!ev->path_len && (ev->hook == HB_HOOK_MMAP || ev->hook == HB_HOOK_MPROTECT)) {
		snprintf(buf, len, "(anonymous memory)");
		return;
	}
	snprintf(buf, len, "path=");
	if (len > 5)
		format_path(ev, buf + 5, len - 5);
}

/* "path=/a" or, for rename and link ("old\0new"), "path=/a -> /b". */
static void format_fs_paths(const struct hb_event *ev, char *buf, size_t len)
{
	struct hb_event_names names;
	int o;

	hb_event_names(ev, &names);
	if (names.count < 2) {
		format_file(ev, buf, len);
		return;
	}
	o = snprintf(buf, len, "path=");
	hb_escape_bytes(names.name[0], names.len[0], buf + o, len - o);
	o += strlen(buf + o);
	if ((size_t)o + 4 >= len)
		return;
	o += snprintf(buf + o, len - o, " -> ");
	hb_escape_bytes(names.name[1], names.len[1], buf + o, len - o);
}

/* What was acted on; "" when the action says it all (mount). */
static void format_object(const struct hb_event *ev, char *buf, size_t len)
{
	const char *name;

	buf[0] = '\0';
	switch (ev->hook) {
	case HB_HOOK_SOCKET:
		format_socket(ev, buf, len);
		break;
	case HB_HOOK_UNIX:
		format_path(ev, buf, len);
		break;
	case HB_HOOK_DNS:
		buf[0] = '(';
		format_path(ev, buf + 1, len - 2);
		strcat(buf, ")");
		break;
	case HB_HOOK_EXEC:
	case HB_HOOK_EXEC_FILE:
	case HB_HOOK_MMAP:
	case HB_HOOK_MPROTECT:
	case HB_HOOK_FILE_WRITE:
	case HB_HOOK_PATH:
	case HB_HOOK_SETID:
		format_file(ev, buf, len);
		break;
	case HB_HOOK_BPF:
		snprintf(buf, len, "command %u", ev->arg);
		break;
	case HB_HOOK_CAPABLE:
		name = hb_cap_name(ev->arg);
		if (name)
			snprintf(buf, len, "%s", name);
		else
			snprintf(buf, len, "%u", ev->arg);
		break;
	case HB_HOOK_MOUNT:
		break;
	case HB_HOOK_PTRACE:
		snprintf(buf, len, "pid %u", ev->arg);
		break;
	case HB_HOOK_KILL:
		snprintf(buf, len, "pid %u signal %u", ev->arg, ev->protocol);
		break;
	case HB_HOOK_IOCTL:
		name = hb_ioctl_name(ev->arg);
		if (name)
			snprintf(buf, len, "%s", name);
		else
			snprintf(buf, len, "request 0x%x", ev->arg);
		break;
	case HB_HOOK_PERF:
		if (ev->protocol != HB_PERF_TASK)
			snprintf(buf, len, "%s", hb_perf_access_name(ev->protocol) ?: "?");
		else if (ev->arg)
			snprintf(buf, len, "pid %u", ev->arg);
		else
			snprintf(buf, len, "every task on a CPU");
		break;
	case HB_HOOK_FS_WRITE:
	case HB_HOOK_FS_READ:
		format_fs_paths(ev, buf, len);
		break;
	case HB_HOOK_SOCKOPT:
		format_sockopt(ev, buf, len);
		break;
	case HB_HOOK_MEMORY:
		snprintf(buf, len, "%s", hb_memory_road_name(ev->arg) ?: "?");
		break;
	case HB_HOOK_SYSCALL:
		format_path(ev, buf, len);
		if (ev->arg && strlen(buf) + 20 < len)
			snprintf(buf + strlen(buf), len - strlen(buf), " (flags 0x%x)", ev->arg);
		break;
	default:
		format_addr(ev, buf, len);
	}
}

int hb_format_event(const struct hb_event *ev, char *buf, size_t len)
{
	char object[HB_EVENT_PATH_MAX * 4 + 16], comm[HB_COMM_LEN * 4 + 1], pid[16];
	char action[48];
	const char *sep = ev->hook == HB_HOOK_DNS ? "" : " ";

	format_action(ev, action, sizeof(action));
	format_object(ev, object, sizeof(object));
	if (!object[0])
		sep = "";
	hb_escape(ev->comm, sizeof(ev->comm), comm, sizeof(comm));
	/* The DNS proxy may not find who asked (the socket closed already). */
	if (ev->tgid)
		snprintf(pid, sizeof(pid), "%u", ev->tgid);
	else
		strcpy(pid, "?");
	return snprintf(buf, len, "%s %s%s%s (pid %s %s): %s",
			ev->verdict == HB_VERDICT_AUDIT ? "audited" : "blocked", action, sep, object, pid,
			comm[0] ? comm : "?", hb_reason_text(ev->reason));
}

int hb_format_summary(const unsigned long long by_hook[HB_HOOK_MAX], const char *verb,
		      char *buf, size_t len)
{
	unsigned long long total = 0;
	const char *sep = "";
	size_t o;
	int n;

	for (int h = 0; h < HB_HOOK_MAX; h++)
		total += by_hook[h];
	n = snprintf(buf, len, "%s %llu action%s (", verb, total,
		     total == 1 ? "" : "s");
	for (int h = 0; h < HB_HOOK_MAX; h++) {
		if (!by_hook[h])
			continue;
		o = (size_t)n < len ? (size_t)n : len;
		n += snprintf(buf + o, len - o, "%s%s %llu", sep,
			      hb_hook_action(h), by_hook[h]);
		sep = ", ";
	}
	o = (size_t)n < len ? (size_t)n : len;
	return n + snprintf(buf + o, len - o, ")");
}
