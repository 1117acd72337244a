// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent_dns.h"
#include "log.h"
#include "mono_time.h"
#include "obj.h"

struct hb_agent_dns_proxy {
	char cgroup[PATH_MAX];     /* its policy's, below the cgroup2 mount */
	const char **domains;      /* copies, for a reload to compare */
	size_t n_domains;
	struct hb_dns_guard guard;
	struct hb_agent_dns *d;
	unsigned int rate;         /* the policy's event-rate: reports a second (0: all) */
	__u64 second;              /* the second being counted (proxy's thread only) */
	unsigned int reported;     /* in it */
	bool started;
	bool kept;                 /* taken over by the set being applied */
};

/*
 * A refused name, on the proxy's thread: one write, atomic below PIPE_BUF.
 * At most the policy's event-rate a second, as the kernel's events: a
 * service that floods the proxy with names must not flood the log.
 */
static int to_main(void *ctx, const struct hb_event *ev)
{
	struct hb_agent_dns_proxy *x = ctx;
	unsigned int rate = __atomic_load_n(&x->rate, __ATOMIC_RELAXED);
	__u64 second = ev->ts_ns / 1000000000ull;

	if (second != x->second) {
		x->second = second;
		x->reported = 0;
	}
	if (rate && x->reported >= rate)
		return 0;
	x->reported++;
	/* A full pipe drops the line: the query was refused all the same. */
	if (write(x->d->events[1], ev, sizeof(*ev)) != (ssize_t)sizeof(*ev))
		return -errno;
	return 0;
}

_Static_assert(sizeof(struct hb_event) <= 4096, "an event is one atomic pipe write");

static void proxy_free(struct hb_agent_dns_proxy *x)
{
	if (!x)
		return;
	hb_dns_guard_close(&x->guard);
	for (size_t i = 0; i < x->n_domains; i++)
		free((void *)x->domains[i]);
	free(x->domains);
	free(x);
}

static bool same(const struct hb_agent_dns_proxy *x, const struct hb_agent_policy *p)
{
	const struct hb_rules *r = &p->args.rules;

	if (x->kept || strcmp(x->cgroup, p->cgroup) || x->n_domains != r->n_domains)
		return false;
	for (size_t i = 0; i < r->n_domains; i++)
		if (strcmp(x->domains[i], r->domains[i]))
			return false;
	return true;
}

static struct hb_agent_dns_proxy *proxy_new(struct hb_agent_dns *d,
					    const struct hb_agent_policy *p)
{
	const struct hb_rules *r = &p->args.rules;
	struct hb_agent_dns_proxy *x = calloc(1, sizeof(*x));
	int err;

	if (!x || !(x->domains = calloc(r->n_domains, sizeof(*x->domains)))) {
		free(x);
		return NULL;
	}
	snprintf(x->cgroup, sizeof(x->cgroup), "%s", p->cgroup);
	x->d = d;
	x->rate = r->event_rate;
	for (; x->n_domains < r->n_domains; x->n_domains++)
		if (!(x->domains[x->n_domains] = strdup(r->domains[x->n_domains]))) {
			proxy_free(x);
			return NULL;
		}
	err = hb_dns_guard_open(&x->guard, x->domains, x->n_domains, r->audit, to_main, x);
	if (err) {
		hb_log("%s: allow-domain: cannot open its DNS proxy: %s", p->file, strerror(-err));
		hb_hint("the proxy needs inet sockets on the host's loopback: for the shipped "
			"unit, a drop-in with PrivateNetwork=no and RestrictAddressFamilies=AF_UNIX "
			"AF_INET AF_INET6 (spec/agent.md, \"Domains\")");
		proxy_free(x);
		return NULL;
	}
	return x;
}

int hb_agent_dns_check(const struct hb_policy_set *set)
{
	struct hb_agent_dns d = { .events = { -1, -1 } };
	int err = 0;

	for (size_t i = 0; i < set->n; i++) {
		struct hb_agent_dns_proxy *x;

		if (!set->v[i].args.rules.n_domains)
			continue;
		x = proxy_new(&d, &set->v[i]);
		if (!x)
			err = -EIO;
		proxy_free(x);
	}
	return err;
}

int hb_agent_dns_open(struct hb_agent_dns *d, int addrs_fd, const char *cgroot)
{
	memset(d, 0, sizeof(*d));
	d->addrs_fd = addrs_fd;
	d->cgroot = cgroot;
	if (pipe2(d->events, O_CLOEXEC | O_NONBLOCK)) {
		int err = -errno;

		hb_log("agent: cannot make the DNS proxies' pipe: %s", strerror(errno));
		d->events[0] = d->events[1] = -1;
		return err;
	}
	return 0;
}

int hb_agent_dns_prepare(struct hb_agent_dns *d, struct hb_policy_set *set)
{
	d->next.n = set->n;
	d->next.v = set->n ? calloc(set->n, sizeof(*d->next.v)) : NULL;
	if (set->n && !d->next.v)
		return -ENOMEM;
	for (size_t i = 0; i < set->n; i++) {
		struct hb_rules *r = &set->v[i].args.rules;
		struct hb_agent_dns_proxy *x = NULL;

		if (!r->n_domains)
			continue;
		for (size_t j = 0; j < d->cur.n && !x; j++)
			if (d->cur.v[j] && same(d->cur.v[j], &set->v[i]))
				x = d->cur.v[j];
		if (x) {
			x->kept = true;
			/* A reload may change it; the proxy's thread reads it. */
			__atomic_store_n(&x->rate, r->event_rate, __ATOMIC_RELAXED);
		}
		else if (!(x = proxy_new(d, &set->v[i]))) {
			hb_agent_dns_abort(d);
			return -EIO;
		}
		d->next.v[i] = x;
		hb_dns_guard_ports(&x->guard, &r->dns_port4, &r->dns_port6);
	}
	return 0;
}

void hb_agent_dns_commit(struct hb_agent_dns *d, const struct hb_policy_set *set,
			 const __u64 *ids)
{
	/* The old ones first: none of them writes an address after the forgetting. */
	for (size_t j = 0; j < d->cur.n; j++)
		if (d->cur.v[j] && !d->cur.v[j]->kept)
			proxy_free(d->cur.v[j]);
	free(d->cur.v);
	d->cur = d->next;
	d->next = (struct hb_agent_dns_table){ 0 };
	for (size_t i = 0; i < d->cur.n; i++) {
		struct hb_agent_dns_proxy *x = d->cur.v[i];
		char dir[PATH_MAX];
		int err;

		if (!x)
			continue;
		x->kept = false;
		if (x->started) {
			hb_dns_guard_retarget(&x->guard, ids[i]);
			continue;
		}
		hb_obj_remove_dns_addrs(d->addrs_fd, ids[i]);
		snprintf(dir, sizeof(dir), "%s%s", d->cgroot, set->v[i].cgroup);
		err = hb_dns_guard_start(&x->guard, d->addrs_fd, ids[i], dir);
		x->started = !err;
		/* Not answering: its cgroup resolves nothing (fail closed), and is told so. */
		if (err)
			hb_log("agent: %s: cannot start the DNS proxy of %s: %s; its names "
			       "resolve to nothing", set->v[i].file, set->v[i].cgroup,
			       strerror(-err));
	}
}

void hb_agent_dns_abort(struct hb_agent_dns *d)
{
	for (size_t i = 0; i < d->next.n; i++)
		if (d->next.v[i] && !d->next.v[i]->kept)
			proxy_free(d->next.v[i]);
	for (size_t j = 0; j < d->cur.n; j++)
		if (d->cur.v[j])
			d->cur.v[j]->kept = false;
	free(d->next.v);
	d->next = (struct hb_agent_dns_table){ 0 };
}

void hb_agent_dns_retarget(struct hb_agent_dns *d, const __u64 *ids)
{
	for (size_t i = 0; i < d->cur.n; i++)
		if (d->cur.v[i])
			hb_dns_guard_retarget(&d->cur.v[i]->guard, ids[i]);
}

int hb_agent_dns_fd(const struct hb_agent_dns *d)
{
	return d->events[0];
}

void hb_agent_dns_drain(struct hb_agent_dns *d,
			int (*fn)(void *ctx, void *data, size_t size), void *ctx)
{
	struct hb_event ev;

	while (d->events[0] >= 0 && read(d->events[0], &ev, sizeof(ev)) == (ssize_t)sizeof(ev))
		fn(ctx, &ev, sizeof(ev));
}

void hb_agent_dns_close(struct hb_agent_dns *d)
{
	hb_agent_dns_abort(d);
	for (size_t i = 0; i < d->cur.n; i++)
		proxy_free(d->cur.v[i]);
	free(d->cur.v);
	d->cur = (struct hb_agent_dns_table){ 0 };
	for (int i = 0; i < 2; i++)
		if (d->events[i] >= 0)
			close(d->events[i]);
	d->events[0] = d->events[1] = -1;
}
