/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * allow-domain in the agent's policy files (spec/agent.md): one DNS proxy
 * (loader/dns_guard.h) per policy that names domains, run by the agent.
 * Its ports go into that policy (the redirect), the addresses it answers
 * into hb_dns_addrs under the policy's cgroup id. Names it refuses reach
 * the agent's main thread through a pipe, as events.
 */
#ifndef HB_AGENT_DNS_H
#define HB_AGENT_DNS_H

#include <linux/types.h>
#include "dns_guard.h"
#include "policy_dir.h"

struct hb_agent_dns_proxy;

/* Proxies by the index of their policy in a set (NULL: no domains). */
struct hb_agent_dns_table {
	struct hb_agent_dns_proxy **v;
	size_t n;
};

struct hb_agent_dns {
	struct hb_agent_dns_table cur;  /* the set in force's */
	struct hb_agent_dns_table next; /* a set being applied */
	int events[2];                  /* refused names: proxies' threads -> main */
	int addrs_fd;                   /* hb_dns_addrs */
	const char *cgroot;             /* the cgroup2 mount */
};

/*
 * Whether a proxy can be opened for each policy of @set that has domains
 * (opened and closed again): at start, before anything is loaded. 0 or
 * -EIO, having said why with a hint.
 */
int hb_agent_dns_check(const struct hb_policy_set *set);

/* An empty table for the maps' @addrs_fd. 0 or -errno (logged). */
int hb_agent_dns_open(struct hb_agent_dns *d, int addrs_fd, const char *cgroot);

/*
 * Before @set is applied: a proxy for each policy with domains (the
 * running one of the same cgroup and domains is kept: same ports), its
 * ports set in the policy's rules. Nothing answers for a new one yet.
 * A proxy that cannot be opened refuses the set: 0 or -errno (logged,
 * naming the file), and nothing changed.
 */
int hb_agent_dns_prepare(struct hb_agent_dns *d, struct hb_policy_set *set);

/*
 * @set is in force (cgroup ids @ids): the proxies it no longer has are
 * stopped, then each new one forgets what its cgroup was answered before
 * (the domains changed, or an earlier agent's) and starts answering.
 */
void hb_agent_dns_commit(struct hb_agent_dns *d, const struct hb_policy_set *set,
			 const __u64 *ids);

/* @set was refused: the proxies prepared for it are closed; the old ones run on. */
void hb_agent_dns_abort(struct hb_agent_dns *d);

/* Cgroups made again: each proxy answers for its policy's id in @ids now. */
void hb_agent_dns_retarget(struct hb_agent_dns *d, const __u64 *ids);

/* Readable when refused names wait. */
int hb_agent_dns_fd(const struct hb_agent_dns *d);

/* Hands each waiting refused name to @fn, as an event. */
void hb_agent_dns_drain(struct hb_agent_dns *d,
			int (*fn)(void *ctx, void *data, size_t size), void *ctx);

/* Stops every proxy (their policies then resolve nothing: fail closed). */
void hb_agent_dns_close(struct hb_agent_dns *d);

#endif
