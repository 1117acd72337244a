// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include "cgroup_names.h"
#include "event_json.h"
#include "unseen.h"
#include "hermetic_policy.h"
#include "json_str.h"
#include "mono_time.h"
#include "trace_fmt.h"

/* ptrace_access_check's mode bit that asks to change the target. */
#define HB_PTRACE_MODE_ATTACH 0x02

enum hb_guard_kind hb_event_guard(const struct hb_event *ev)
{
	/* The kernel side's own map from hooks to guards (hermetic_policy.h). */
	__u32 bit = ev->hook == HB_HOOK_DNS ? HB_GUARD_NET : hb_hook_guard(ev->hook);
	const struct hb_guard *g = hb_guard_by_bit(bit);

	if (ev->hook == HB_HOOK_EXEC)
		return ev->reason == HB_REASON_EXEC ? HB_GUARD_KIND_EXEC : HB_GUARD_KIND_NATIVE;
	/* io_uring_setup, i386's socketcall: refused for the network guard. */
	if (ev->hook == HB_HOOK_SYSCALL && ev->reason == HB_REASON_NET_SOCKET_KIND)
		return HB_GUARD_KIND_NETWORK;
	if (ev->hook == HB_HOOK_PTRACE && ev->reason == HB_REASON_NATIVE_MEMORY)
		return HB_GUARD_KIND_NATIVE;
	if (ev->hook == HB_HOOK_PTRACE)
		return ev->protocol & HB_PTRACE_MODE_ATTACH ? HB_GUARD_KIND_SEAL :
							     HB_GUARD_KIND_ENV;
	/* A hook of one guard is that guard's. */
	if (g)
		return hb_guard_kind(g);
	/* The seal's, and hooks this build does not know (fail towards it). */
	return HB_GUARD_KIND_SEAL;
}

void hb_event_json_clock(struct hb_event_json_ctx *ctx)
{
	struct timespec m1, r, m2;
	long long mono;

	/* The realtime read sits between two monotonic ones: take the middle. */
	clock_gettime(CLOCK_MONOTONIC, &m1);
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m2);
	mono = (m1.tv_sec * 1000000000ll + m1.tv_nsec) / 2 +
	       (m2.tv_sec * 1000000000ll + m2.tv_nsec) / 2;
	ctx->clock_offset_ns = r.tv_sec * 1000000000ll + r.tv_nsec - mono;
}

void hb_event_json_time(const struct hb_event_json_ctx *ctx, unsigned long long ts_ns,
			char *buf, size_t len)
{
	/* Wrapping, not overflowing, for any @ts_ns: a record may be garbage. */
	long long real = (long long)(ts_ns + (unsigned long long)ctx->clock_offset_ns);
	time_t sec;
	struct tm tm;
	size_t n;

	if (real < 0)
		real = 0;
	sec = (time_t)(real / 1000000000ll);
	gmtime_r(&sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09lldZ", real % 1000000000ll);
}

/* ,"key":"name" for name @i of @names, or ,"key":null without one. */
static void put_name(FILE *f, const char *key, const struct hb_event_names *names,
		     unsigned int i)
{
	fprintf(f, ",\"%s\":", key);
	if (i < names->count)
		hb_json_str_n(f, names->name[i], names->len[i]);
	else
		fputs("null", f);
}

/* ,"family":"AF_INET","family_num":2 (the name null where unknown). */
static void put_family(FILE *f, unsigned int family)
{
	fputs(",\"family\":", f);
	hb_json_str(f, hb_family_name(family));
	fprintf(f, ",\"family_num\":%u", family);
}

/* What was acted on: the fields spec/events.md lists per hook. */
static void put_object(FILE *f, const struct hb_event *ev)
{
	struct hb_event_names names;
	char ip[INET6_ADDRSTRLEN];

	hb_event_names(ev, &names);
	switch (ev->hook) {
	case HB_HOOK_CONNECT:
	case HB_HOOK_SENDMSG:
	case HB_HOOK_BIND:
	case HB_HOOK_LISTEN:
	case HB_HOOK_INGRESS:
		put_family(f, ev->family);
		fputs(",\"addr\":", f);
		hb_json_str(f, hb_event_ip(ev, ip, sizeof(ip)));
		fprintf(f, ",\"port\":%u", ev->port);
		break;
	case HB_HOOK_SOCKET:
		put_family(f, ev->family);
		fputs(",\"sock_type\":", f);
		hb_json_str(f, hb_socket_type_name(ev->port));
		fprintf(f, ",\"sock_type_num\":%u,\"protocol\":%u", ev->port, ev->protocol);
		break;
	case HB_HOOK_UNIX:
		put_name(f, "path", &names, 0);
		fprintf(f, ",\"abstract\":%s", names.abstract ? "true" : "false");
		break;
	case HB_HOOK_DNS:
		put_name(f, "name", &names, 0);
		fprintf(f, ",\"qtype\":%u", ev->protocol);
		break;
	case HB_HOOK_MMAP:
	case HB_HOOK_MPROTECT:
		put_name(f, "path", &names, 0);
		fprintf(f, ",\"prot\":%u", ev->arg);
		break;
	case HB_HOOK_EXEC:
	case HB_HOOK_EXEC_FILE:
	case HB_HOOK_FILE_WRITE:
	case HB_HOOK_PATH:
	case HB_HOOK_SETID:
		put_name(f, "path", &names, 0);
		break;
	case HB_HOOK_FS_WRITE:
	case HB_HOOK_FS_READ:
		fputs(",\"op\":", f);
		hb_json_str(f, hb_fs_op_name(ev->arg));
		put_name(f, "path", &names, 0);
		if (names.count > 1)
			put_name(f, "path2", &names, 1);
		break;
	case HB_HOOK_BPF:
		fprintf(f, ",\"bpf_cmd\":%u", ev->arg);
		break;
	case HB_HOOK_CAPABLE:
		fputs(",\"capability\":", f);
		hb_json_str(f, hb_cap_name(ev->arg));
		fprintf(f, ",\"capability_num\":%u", ev->arg);
		break;
	case HB_HOOK_PTRACE:
		fprintf(f, ",\"target_pid\":%u,\"ptrace_mode\":%u", ev->arg, ev->protocol);
		break;
	case HB_HOOK_KILL:
		fprintf(f, ",\"target_pid\":%u,\"signal\":%u", ev->arg, ev->protocol);
		break;
	case HB_HOOK_IOCTL:
		fputs(",\"request\":", f);
		hb_json_str(f, hb_ioctl_name(ev->arg));
		fprintf(f, ",\"request_num\":%u", ev->arg);
		break;
	case HB_HOOK_PERF:
		fputs(",\"perf_access\":", f);
		hb_json_str(f, hb_perf_access_name(ev->protocol));
		if (ev->protocol == HB_PERF_TASK && ev->arg)
			fprintf(f, ",\"target_pid\":%u", ev->arg);
		break;
	case HB_HOOK_MEMORY:
		fputs(",\"road\":", f);
		hb_json_str(f, hb_memory_road_name(ev->arg));
		break;
	case HB_HOOK_SYSCALL:
		put_name(f, "call", &names, 0);
		fprintf(f, ",\"flags\":%u", ev->arg);
		break;
	case HB_HOOK_SOCKOPT:
		put_family(f, ev->family);
		fputs(",\"option\":", f);
		hb_json_str(f, hb_sockopt_name(ev->protocol, ev->arg & ~HB_SOCKOPT_CMSG));
		fprintf(f, ",\"level\":%u,\"option_num\":%u,\"cmsg\":%s", ev->protocol,
			ev->arg & ~HB_SOCKOPT_CMSG, ev->arg & HB_SOCKOPT_CMSG ? "true" : "false");
		break;
	default: /* mount, and hooks this build does not know: no object */
		break;
	}
}

/*
 * "schema", "type", "time", "ts_ns" and "sandbox": what every line has;
 * "host", and the sandbox's unit and container, where they are known:
 * events of many hosts, once collected, tell where they came from.
 */
static void put_head(FILE *f, const char *type, unsigned long long ts_ns,
		     unsigned long long sandbox_id, const struct hb_event_json_ctx *ctx)
{
	char time[48], unit[256], container[72];
	const char *u = ctx->cgroup ? hb_cgroup_unit(ctx->cgroup, unit, sizeof(unit)) : NULL;
	const char *c = ctx->cgroup ?
			hb_cgroup_container(ctx->cgroup, container, sizeof(container)) : NULL;

	hb_event_json_time(ctx, ts_ns, time, sizeof(time));
	fprintf(f, "{\"schema\":%d,\"type\":\"%s\",\"time\":\"%s\",\"ts_ns\":%llu,",
		HB_EVENT_SCHEMA, type, time, ts_ns);
	if (ctx->host) {
		fputs("\"host\":", f);
		hb_json_str(f, ctx->host);
		fputc(',', f);
	}
	fprintf(f, "\"sandbox\":{\"id\":%llu,\"cgroup\":", sandbox_id);
	hb_json_str(f, ctx->cgroup);
	if (u) {
		fputs(",\"unit\":", f);
		hb_json_str(f, u);
	}
	if (c)
		fprintf(f, ",\"container\":\"%s\"", c);
	fputc('}', f);
}

void hb_event_json_write(FILE *f, const struct hb_event *ev,
			 const struct hb_event_json_ctx *ctx)
{
	put_head(f, ev->verdict == HB_VERDICT_AUDIT ? "audited" : "denied", ev->ts_ns,
		 ev->sandbox_id, ctx);
	/* 0: an event of user space (DNS proxy, exec supervisor): no number. */
	if (ev->seq)
		fprintf(f, ",\"seq\":%llu", (unsigned long long)ev->seq);
	if (ev->cgroup_id)
		fprintf(f, ",\"cgroup_id\":%llu", (unsigned long long)ev->cgroup_id);
	/* The DNS proxy may not find who asked, and never knows the uid. */
	if (ev->tgid) {
		fprintf(f, ",\"pid\":%u,\"tgid\":%u", ev->pid, ev->tgid);
		if (ev->hook == HB_HOOK_DNS)
			fputs(",\"uid\":null", f);
		else
			fprintf(f, ",\"uid\":%u", ev->uid);
		if (ev->ppid)
			fprintf(f, ",\"ppid\":%u", ev->ppid);
		if (ctx->exe && ctx->exe[0]) {
			fputs(",\"exe\":", f);
			hb_json_str(f, ctx->exe);
		}
		fputs(",\"comm\":", f);
		hb_json_str_n(f, ev->comm, strnlen(ev->comm, sizeof(ev->comm)));
	} else {
		fputs(",\"pid\":null,\"tgid\":null,\"uid\":null,\"comm\":null", f);
	}
	fputs(",\"hook\":", f);
	hb_json_str(f, hb_hook_code(ev->hook));
	fputs(",\"action\":", f);
	hb_json_str(f, hb_hook_action(ev->hook));
	fprintf(f, ",\"guard\":\"%s\",\"reason\":", hb_guard_kind_name(hb_event_guard(ev)));
	hb_json_str(f, hb_reason_code(ev->reason));
	fputs(",\"reason_text\":", f);
	hb_json_str(f, hb_reason_text(ev->reason));
	if (ev->verdict == HB_VERDICT_DENY || ev->verdict == HB_VERDICT_AUDIT)
		fprintf(f, ",\"verdict\":\"%s\"",
			ev->verdict == HB_VERDICT_DENY ? "deny" : "audit");
	else
		fprintf(f, ",\"verdict\":%u", ev->verdict);
	put_object(f, ev);
	fputc('}', f);
}

/* Runs @write into @buf as one line; -ENOSPC if it did not fit. */
static int line(char *buf, size_t len, void (*write)(FILE *, const void *), const void *arg)
{
	FILE *f = len > 1 ? fmemopen(buf, len, "w") : NULL;
	long n;

	if (!f)
		return -ENOSPC;
	/* Unbuffered: a line that does not fit shows as a short position. */
	setvbuf(f, NULL, _IONBF, 0);
	write(f, arg);
	fputc('\n', f);
	n = ftell(f);
	fclose(f);
	if (n <= 0 || (size_t)n >= len - 1 || buf[n - 1] != '\n') {
		buf[0] = '\0';
		return -ENOSPC;
	}
	buf[n] = '\0';
	return (int)n;
}

struct event_arg {
	const struct hb_event *ev;
	const struct hb_event_json_ctx *ctx;
	unsigned long long count, sandbox_id;
	const char *type;
};

static void write_event(FILE *f, const void *arg)
{
	const struct event_arg *a = arg;

	hb_event_json_write(f, a->ev, a->ctx);
}

int hb_event_json_line(char *buf, size_t len, const struct hb_event *ev,
		       const struct hb_event_json_ctx *ctx)
{
	struct event_arg a = { .ev = ev, .ctx = ctx };

	return line(buf, len, write_event, &a);
}

void hb_event_exe(const struct hb_event *ev, char *buf, size_t len)
{
	char link[32];
	ssize_t n = -1;

	if (len == 0)
		return;
	if (ev->tgid) {
		snprintf(link, sizeof(link), "/proc/%u/exe", ev->tgid);
		n = readlink(link, buf, len - 1);
	}
	buf[n > 0 ? n : 0] = '\0';
}

static void write_lost(FILE *f, const void *arg)
{
	const struct event_arg *a = arg;

	put_head(f, a->type, hb_mono_ns(), a->sandbox_id, a->ctx);
	fprintf(f, ",\"count\":%llu}", a->count);
}

int hb_event_json_lost(char *buf, size_t len, unsigned long long count,
		       unsigned long long sandbox_id, const struct hb_event_json_ctx *ctx)
{
	struct event_arg a = { .ctx = ctx, .count = count, .sandbox_id = sandbox_id,
			       .type = "lost" };

	return line(buf, len, write_lost, &a);
}

int hb_event_json_limited(char *buf, size_t len, unsigned long long count,
			  unsigned long long sandbox_id, const struct hb_event_json_ctx *ctx)
{
	struct event_arg a = { .ctx = ctx, .count = count, .sandbox_id = sandbox_id,
			       .type = "limited" };

	return line(buf, len, write_lost, &a);
}

/* ,"key":{"name":count,...} for the non-zero counts that have a name. */
static void put_counts(FILE *f, const char *key, const unsigned long long *counts,
		       unsigned int n, const char *(*name)(unsigned int))
{
	const char *sep = "";

	fprintf(f, ",\"%s\":{", key);
	for (unsigned int i = 0; i < n; i++) {
		if (!counts[i] || !name(i))
			continue;
		fprintf(f, "%s\"%s\":%llu", sep, name(i), counts[i]);
		sep = ",";
	}
	fputc('}', f);
}

void hb_event_json_summary(FILE *f, const struct hb_event_json_summary *s,
			   const struct hb_event_json_ctx *ctx)
{
	unsigned long long denied = 0;
	size_t n = s->n_events < HB_SUMMARY_EVENTS ? s->n_events : HB_SUMMARY_EVENTS;

	for (unsigned int h = 0; h < HB_HOOK_MAX; h++)
		denied += s->by_hook[h];
	put_head(f, "summary", hb_mono_ns(), s->sandbox_id, ctx);
	fprintf(f, ",\"command_status\":%d", s->command_status);
	if (s->signal)
		fprintf(f, ",\"signal\":%d", s->signal);
	fprintf(f, ",\"exit_status\":%d,\"denied\":%llu", s->exit_status, denied);
	put_counts(f, "by_guard", s->by_guard, HB_GUARD_KIND_MAX, hb_guard_kind_name);
	put_counts(f, "by_hook", s->by_hook, HB_HOOK_MAX, hb_hook_code);
	fprintf(f, ",\"events_lost\":%llu,\"events\":[", s->events_lost);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		hb_event_json_write(f, &s->events[i], ctx);
	}
	fprintf(f, "],\"events_truncated\":%s,\"unseen\":[", denied > n ? "true" : "false");
	for (const struct hb_unseen_name *k = hb_unseen_names; k->kind; k++)
		if (s->unseen & k->kind)
			fprintf(f, "%s\"%s\"", (s->unseen & (k->kind - 1)) ? "," : "", k->code);
	fprintf(f, "],\"unix_no_socket\":%llu}\n", s->no_socket);
}
