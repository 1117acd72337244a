// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "dns_guard.h"
#include "dns_name.h"
#include "log.h"
#include "mono_time.h"
#include "resolv_conf.h"
#include "sock_owner.h"

static int allow_addr(void *ctx, const struct hb_dns_answer_addr *a)
{
	struct hb_dns_guard *g = ctx;
	__u8 addr[16] = { [10] = 0xff, [11] = 0xff };
	int err;

	if (a->family == HB_AF_INET)
		memcpy(addr + 12, a->addr, 4);
	else
		memcpy(addr, a->addr, 16);
	err = hb_dns_allow_addr(g->addrs_fd, __atomic_load_n(&g->id, __ATOMIC_ACQUIRE), addr,
				a->ttl);
	if (err)
		hb_log("cannot allow an answered address: %s", strerror(-err));
	return err;
}

static void refused(void *ctx, const char *name, __u16 qtype,
		    const struct sockaddr *client, socklen_t len)
{
	struct hb_dns_guard *g = ctx;
	struct hb_event ev = {
		.hook = HB_HOOK_DNS,
		.verdict = g->audit ? HB_VERDICT_AUDIT : HB_VERDICT_DENY,
		.reason = hb_domain_is_metadata(name) ? HB_REASON_DNS_METADATA :
							HB_REASON_DNS_NAME,
		.sandbox_id = __atomic_load_n(&g->id, __ATOMIC_ACQUIRE),
		.protocol = qtype,
	};
	pid_t pid;
	size_t n = strlen(name);

	(void)len;
	ev.ts_ns = hb_mono_ns();
	/* UDP first; a TCP client's port is in /proc/net/tcp instead. */
	if (!hb_sock_owner(g->cgroup, client, false, &pid, ev.comm) ||
	    !hb_sock_owner(g->cgroup, client, true, &pid, ev.comm))
		ev.tgid = ev.pid = (__u32)pid;
	ev.path_len = n < sizeof(ev.path) ? (__u16)n : sizeof(ev.path);
	memcpy(ev.path, name, ev.path_len);
	g->on_event(g->ctx, &ev);
}

int hb_dns_guard_open(struct hb_dns_guard *g, const char *const *domains,
		      size_t n_domains, bool audit, hb_event_fn on_event, void *ctx)
{
	struct sockaddr_storage up[HB_RESOLV_MAX_NS];
	struct hb_dns_proxy_ops ops = { .allow_addr = allow_addr, .refused = refused,
					.ctx = g, .audit = audit };
	int n;

	memset(g, 0, sizeof(*g));
	g->addrs_fd = -1;
	g->audit = audit;
	g->on_event = on_event;
	g->ctx = ctx;
	n = hb_resolv_conf_load(HB_RESOLV_PATH, up, HB_RESOLV_MAX_NS);
	if (n < 0) {
		hb_log("cannot read " HB_RESOLV_PATH ": %s", strerror(-n));
		return n;
	}
	return hb_dns_proxy_open(&g->proxy, domains, n_domains, up, (size_t)n, &ops);
}

void hb_dns_guard_ports(const struct hb_dns_guard *g, __u16 *port4, __u16 *port6)
{
	*port4 = htons(hb_dns_proxy_port4(g->proxy));
	*port6 = hb_dns_proxy_has_ipv6(g->proxy) ? htons(hb_dns_proxy_port6(g->proxy)) : 0;
}

int hb_dns_guard_start(struct hb_dns_guard *g, int addrs_fd, __u64 id,
		       const char *cgroup_dir)
{
	g->addrs_fd = addrs_fd;
	g->id = id;
	if (snprintf(g->cgroup, sizeof(g->cgroup), "%s", cgroup_dir) >= (int)sizeof(g->cgroup))
		return -ENAMETOOLONG;
	return hb_dns_proxy_start(g->proxy);
}

void hb_dns_guard_retarget(struct hb_dns_guard *g, __u64 id)
{
	__atomic_store_n(&g->id, id, __ATOMIC_RELEASE);
}

int hb_dns_allow_addr(int fd, __u64 id, const __u8 addr[16], __u32 ttl)
{
	struct hb_dns_key key = { .sandbox_id = id };
	struct hb_dns_value val;

	if (fd < 0) /* a warm sandbox never has the proxy */
		return -ENOENT;
	if (ttl < HB_DNS_MIN_TTL)
		ttl = HB_DNS_MIN_TTL;
	val.expires_ns = hb_mono_ns() + (__u64)ttl * 1000000000ull;
	memcpy(key.addr, addr, sizeof(key.addr));
	return bpf_map_update_elem(fd, &key, &val, BPF_ANY) ? -errno : 0;
}

void hb_dns_guard_close(struct hb_dns_guard *g)
{
	hb_dns_proxy_close(g->proxy);
	g->proxy = NULL;
}
