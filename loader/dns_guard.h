/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --allow-domain: the DNS proxy wired to one policy. Addresses the proxy
 * answers become allowed in hb_dns_addrs, under the policy's cgroup id,
 * before the client sees them; refused names become events like the
 * kernel's. A `run` wires it to its sandbox, the agent to a policy of its.
 */
#ifndef HB_DNS_GUARD_H
#define HB_DNS_GUARD_H

#include <limits.h>
#include <stddef.h>
#include "dns_proxy.h"
#include "sandbox.h" /* hb_event_fn */

struct hb_dns_guard {
	struct hb_dns_proxy *proxy;
	int addrs_fd;           /* hb_dns_addrs; set by hb_dns_guard_start() */
	__u64 id;               /* the policy's cgroup id (atomic: hb_dns_guard_retarget) */
	char cgroup[PATH_MAX];  /* its directory, to name a refused query's sender */
	hb_event_fn on_event;   /* called on the proxy's thread */
	void *ctx;
	bool audit;             /* names not allowed are answered, as audited */
};

/*
 * Opens the proxy for @domains with the host's resolvers, so that its
 * ports can go into the policy (hb_dns_guard_ports). Nothing runs yet.
 */
int hb_dns_guard_open(struct hb_dns_guard *g, const char *const *domains,
		      size_t n_domains, bool audit, hb_event_fn on_event, void *ctx);

/* The proxy's ports (network order) for struct hb_policy. */
void hb_dns_guard_ports(const struct hb_dns_guard *g, __u16 *port4, __u16 *port6);

/*
 * Starts answering for the policy of cgroup @id (directory @cgroup_dir):
 * answered addresses go into @addrs_fd (hb_dns_addrs) under @id.
 */
int hb_dns_guard_start(struct hb_dns_guard *g, int addrs_fd, __u64 id,
		       const char *cgroup_dir);

/* From now on, answers are for cgroup @id (a cgroup made again). Thread-safe. */
void hb_dns_guard_retarget(struct hb_dns_guard *g, __u64 id);

/*
 * Lets policy @id reach @addr (IPv6 or IPv4-mapped) for @ttl seconds (at
 * least HB_DNS_MIN_TTL) in hb_dns_addrs (@fd). Thread-safe.
 */
int hb_dns_allow_addr(int fd, __u64 id, const __u8 addr[16], __u32 ttl);

/* Clients often reuse an address a little past its TTL: a floor, seconds. */
#define HB_DNS_MIN_TTL 60

/* Stops the proxy; before the sandbox closes. Safe if never opened. */
void hb_dns_guard_close(struct hb_dns_guard *g);

#endif
