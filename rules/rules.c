// SPDX-License-Identifier: GPL-2.0-only
/* The rules a sandbox confines by, into its configuration (rules.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rules.h"

void hb_rules_init(struct hb_rules *r)
{
	memset(r, 0, sizeof(*r));
	r->event_rate = HB_EVENT_RATE_DEFAULT;
}

/*
 * A list of n entries is full when n is 0 or a power of two, and then
 * grows to 2n: no capacity to keep, and a count lowered later still
 * leaves room for the next.
 */
int hb_rules_room(void *list, size_t n, size_t size)
{
	void *v, *more;

	if (n & (n - 1))
		return 0;
	memcpy(&v, list, sizeof(v));
	more = reallocarray(v, n ? 2 * n : 1, size);
	if (!more)
		return -ENOMEM;
	memcpy(list, &more, sizeof(more));
	return 0;
}

void hb_rules_free(struct hb_rules *r)
{
	for (size_t i = 0; i < r->n_origins; i++)
		free(r->origins[i].where);
	free(r->origins);
	r->origins = NULL;
	r->n_origins = 0;
	free(r->ip_rules);
	free(r->bind_rules);
	free(r->domains);
	free(r->unix_paths);
	free(r->exec_paths);
	free(r->write_paths);
	free(r->read_paths);
	r->ip_rules = NULL;
	r->bind_rules = NULL;
	r->domains = NULL;
	r->unix_paths = NULL;
	r->exec_paths = NULL;
	r->write_paths = NULL;
	r->read_paths = NULL;
}

int hb_rules_note_origin(struct hb_rules *r, const char *value, const char *where)
{
	struct hb_rule_origin *more = realloc(r->origins, (r->n_origins + 1) * sizeof(*more));
	char *w = more ? strdup(where) : NULL;

	if (more)
		r->origins = more;
	if (!w)
		return -ENOMEM;
	r->origins[r->n_origins].value = value;
	r->origins[r->n_origins++].where = w;
	return 0;
}

const char *hb_rules_origin(const struct hb_rules *r, const char *value)
{
	for (size_t i = 0; i < r->n_origins; i++)
		if (r->origins[i].value == value)
			return r->origins[i].where;
	return NULL;
}

void hb_rules_policy(const struct hb_rules *r, __u32 guards, struct hb_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->guards = guards;
	p->net = r->net | (r->n_ip_rules ? HB_NET_IP_RULES : 0) |
		 (r->n_unix_paths ? HB_NET_UNIX_RULES : 0) |
		 (r->n_bind_rules ? HB_NET_BIND_RULES : 0);
	if (r->n_domains && r->dns_port4) {
		p->net |= HB_NET_DNS_PROXY;
		p->dns_port4 = r->dns_port4;
		p->dns_port6 = r->dns_port6;
	}
	p->mode = r->audit ? HB_MODE_AUDIT : 0;
	p->event_cost_ns = r->event_rate ? 1000000000u / r->event_rate : 0;
	p->event_burst = r->event_rate;
	/* Only the BPF side's filesystem guard reads it (not Landlock's). */
	p->fs = guards & HB_GUARD_FS ? r->fs : 0;
}

void hb_rules_config(const struct hb_rules *r, __u32 guards, const struct hb_rules_paths *p,
		     struct hb_sandbox_config *cfg)
{
	hb_rules_policy(r, guards, &cfg->policy);
	cfg->ip_rules = r->ip_rules;
	cfg->n_ip_rules = r->n_ip_rules;
	cfg->bind_rules = r->bind_rules;
	cfg->n_bind_rules = r->n_bind_rules;
	cfg->unix_rules = p->unix_rules;
	cfg->n_unix_rules = p->unix_rules ? r->n_unix_paths : 0;
	cfg->exec_rules = p->exec_rules;
	cfg->n_exec_rules = p->exec_rules ? r->n_exec_paths : 0;
	cfg->fs_rules = guards & HB_GUARD_FS && p->has_fs ? &p->fs : NULL;
}
