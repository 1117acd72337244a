/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sandbox's DNS server for --allow-domain. The sandbox's port-53
 * traffic is redirected here, on loopback; allowed names are forwarded to
 * the host's resolvers and their addresses handed to ops->allow_addr before
 * the client sees them; other names get REFUSED.
 *
 * Threads: open() binds every socket but starts nothing, so that the caller
 * can fork the command in between (queries wait in the socket queues);
 * start() runs one worker thread, on which all callbacks run. The worker
 * answers one query (and one TCP connection) at a time.
 */
#ifndef HB_DNS_PROXY_H
#define HB_DNS_PROXY_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include "dns_msg.h"

/* One try at one upstream (UDP, or TCP for a TCP client), per upstream. */
#define HB_DNS_UPSTREAM_TIMEOUT_MS 2000

/* A TCP client's connection: all its queries are read within this time. */
#define HB_DNS_TCP_TIMEOUT_MS 5000

/* Addresses one answer may carry; an answer with more gets SERVFAIL. */
#define HB_DNS_MAX_ADDRS 256

struct hb_dns_proxy_ops {
	/*
	 * Called for each address of an allowed answer, before the answer is
	 * sent back. Nonzero: the client gets SERVFAIL instead of the answer.
	 */
	int (*allow_addr)(void *ctx, const struct hb_dns_answer_addr *a);
	/*
	 * A query that was refused: a name not allowed, or a metadata name.
	 * @name is in presentation form, printable ASCII (ns_name_ntop()
	 * escapes the rest as "\DDD").
	 */
	void (*refused)(void *ctx, const char *name, __u16 qtype,
			const struct sockaddr *client, socklen_t client_len);
	void *ctx;
	bool audit; /* --audit: report a name not allowed, then answer it */
};

struct hb_dns_proxy_stats {
	unsigned long long queries;           /* messages from clients */
	unsigned long long forwarded;         /* queries sent upstream */
	unsigned long long refused;           /* names not allowed */
	unsigned long long nodata;            /* allowed names, other qtypes */
	unsigned long long malformed;         /* client messages rejected */
	unsigned long long upstream_failures; /* tries without a usable reply */
};

struct hb_dns_proxy;

/*
 * Binds UDP and TCP on 127.0.0.1, and on ::1 when the host has IPv6
 * loopback, and copies @allowed (patterns hb_domain_valid() accepts) and
 * @upstreams (1 to HB_RESOLV_MAX_NS, e.g. from hb_resolv_conf_load()).
 * Either callback may be NULL. Returns 0 or -errno (logged).
 */
int hb_dns_proxy_open(struct hb_dns_proxy **out, const char *const *allowed,
		      size_t n_allowed,
		      const struct sockaddr_storage *upstreams,
		      size_t n_upstreams, const struct hb_dns_proxy_ops *ops);

/* The port (host order) served on 127.0.0.1, for UDP and TCP alike. */
__u16 hb_dns_proxy_port4(const struct hb_dns_proxy *p);

/*
 * The port served on ::1 for UDP and TCP, 0 if ::1 is not served. It is
 * port4's number whenever that was free on ::1 too.
 */
__u16 hb_dns_proxy_port6(const struct hb_dns_proxy *p);

bool hb_dns_proxy_has_ipv6(const struct hb_dns_proxy *p);

/* Starts the worker thread; -EALREADY if it runs. */
int hb_dns_proxy_start(struct hb_dns_proxy *p);

/* Stops the worker, closes and frees; safe on a never-started or NULL proxy. */
void hb_dns_proxy_close(struct hb_dns_proxy *p);

/* A snapshot of the counters; any thread may ask. */
void hb_dns_proxy_stats(const struct hb_dns_proxy *p,
			struct hb_dns_proxy_stats *out);

#endif
