/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --allow-domain: the DNS proxy wired to one sandbox. Addresses the proxy
 * answers become allowed in the sandbox's map before the client sees
 * them; refused names become events like the kernel's.
 */
#ifndef HB_DNS_GUARD_H
#define HB_DNS_GUARD_H

#include <stddef.h>
#include "dns_proxy.h"
#include "sandbox.h"

struct hb_dns_guard {
	struct hb_dns_proxy *proxy;
	struct hb_sandbox *sb;  /* set by hb_dns_guard_bind() */
	hb_event_fn on_event;
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

/* Starts answering, for @sb (call after the command was started). */
int hb_dns_guard_start(struct hb_dns_guard *g, struct hb_sandbox *sb);

/* Stops the proxy; before the sandbox closes. Safe if never opened. */
void hb_dns_guard_close(struct hb_dns_guard *g);

#endif
