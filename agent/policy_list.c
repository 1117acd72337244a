// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "guard.h"
#include "bind_rule.h"
#include "net_rule.h"
#include "policy_list.h"

const char *hb_origin_name(__u32 origin)
{
	switch (origin) {
	case HB_ORIGIN_RUN:
		return "run";
	case HB_ORIGIN_FILE:
		return "file";
	case HB_ORIGIN_APPLY:
		return "apply";
	default:
		return "unknown";
	}
}

static int read_rules(const struct hb_policy_maps *m, struct hb_policy_list *l)
{
	struct hb_net_key key, next;
	void *prev = NULL;

	l->rules = calloc(HB_MAX_NET_RULES, sizeof(*l->rules));
	if (!l->rules)
		return -ENOMEM;
	while (l->n_rules < HB_MAX_NET_RULES &&
	       !bpf_map_get_next_key(m->net_rules, prev, &next)) {
		key = next;
		prev = &key;
		l->rules[l->n_rules++] = key;
	}
	return 0;
}

static int read_binds(const struct hb_policy_maps *m, struct hb_policy_list *l)
{
	struct hb_bind_key key, next;
	void *prev = NULL;

	l->binds = calloc(HB_MAX_BIND_RULES, sizeof(*l->binds));
	if (!l->binds)
		return -ENOMEM;
	while (m->bind_rules >= 0 && l->n_binds < HB_MAX_BIND_RULES &&
	       !bpf_map_get_next_key(m->bind_rules, prev, &next)) {
		key = next;
		prev = &key;
		l->binds[l->n_binds++] = key;
	}
	return 0;
}

int hb_policy_list_read(const struct hb_policy_maps *m, const char *cgroot,
			struct hb_policy_list *l)
{
	__u64 key, next;
	void *prev = NULL;

	memset(l, 0, sizeof(*l));
	l->names = calloc(HB_MAX_SANDBOXES, sizeof(*l->names));
	l->policies = calloc(HB_MAX_SANDBOXES, sizeof(*l->policies));
	l->stats = calloc(HB_MAX_SANDBOXES, sizeof(*l->stats));
	if (!l->names || !l->policies || !l->stats) {
		hb_policy_list_free(l);
		return -ENOMEM;
	}
	while (l->n < HB_MAX_SANDBOXES && !bpf_map_get_next_key(m->policies, prev, &next)) {
		key = next;
		prev = &key;
		/* Removed since the key was listed: not shown. */
		if (bpf_map_lookup_elem(m->policies, &key, &l->policies[l->n]))
			continue;
		bpf_map_lookup_elem(m->stats, &key, &l->stats[l->n]);
		l->names[l->n++].id = key;
	}
	hb_cgroup_names(cgroot, l->names, l->n);
	if (read_rules(m, l) || read_binds(m, l)) {
		hb_policy_list_free(l);
		return -ENOMEM;
	}
	return 0;
}

/* Appends to buf at *at, as snprintf() would: *at may run past len. */
static void add(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*at < len ? buf + *at : NULL, *at < len ? len - *at : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*at += (size_t)n;
}

/*
 * The flags that would write policy @i again: each guard's own switch
 * (the first key of its row), then what the maps say of the network's
 * rules. Paths are not shown: the maps hold their files by identity.
 */
static void add_rules(const struct hb_policy_list *l, size_t i, char *buf, size_t len,
		      size_t *at)
{
	const struct hb_policy *p = &l->policies[i];

	hb_for_each_guard(g)
		if ((p->guards & g->bit) && g->keys[0].name)
			add(buf, len, at, "--%s ", g->keys[0].name);
	if (p->net & HB_NET_ALLOW_LOCALHOST)
		add(buf, len, at, "--allow-localhost ");
	for (size_t r = 0; r < l->n_rules; r++) {
		struct hb_ip_rule rule;
		__u64 owner;
		char text[64];

		memcpy(&owner, l->rules[r].sandbox, sizeof(owner));
		if (owner != l->names[i].id)
			continue;
		hb_ip_rule_from_key(&l->rules[r], &rule);
		hb_ip_rule_format(&rule, text, sizeof(text));
		add(buf, len, at, "--allow-ip %s ", text);
	}
	for (size_t r = 0; r < l->n_binds; r++) {
		struct hb_bind_rule rule;
		char text[64];

		if (l->binds[r].sandbox_id != l->names[i].id)
			continue;
		hb_bind_rule_from_key(&l->binds[r], &rule);
		hb_bind_rule_format(&rule, text, sizeof(text));
		add(buf, len, at, "--allow-bind %s ", text);
	}
	if (p->mode & HB_MODE_AUDIT)
		add(buf, len, at, "--audit ");
	add(buf, len, at, "--event-rate %u", p->event_burst);
}

int hb_policy_line(const struct hb_policy_list *l, size_t i, char *buf, size_t len)
{
	const struct hb_policy *p = &l->policies[i];
	const struct hb_stats *s = &l->stats[i];
	bool audit = p->mode & HB_MODE_AUDIT;
	const char *sep = "";
	size_t at = 0;

	if (len)
		buf[0] = '\0';
	/* An audit policy says so first: nothing but the seal is denied. */
	add(buf, len, &at, "%s (cgroup id %llu): %s%s; ",
	    l->names[i].path[0] ? l->names[i].path : "(cgroup gone)",
	    (unsigned long long)l->names[i].id, hb_origin_name(p->origin),
	    audit ? ", audit" : "");
	hb_for_each_guard(g)
		if (p->guards & g->bit) {
			add(buf, len, &at, "%s%s", sep, g->name);
			sep = ",";
		}
	add(buf, len, &at, "; ");
	add_rules(l, i, buf, len, &at);
	add(buf, len, &at, "; %s %llu, events lost %llu, limited %llu",
	    audit ? "audited" : "denied", (unsigned long long)s->denied, (unsigned long long)s->events_lost,
	    (unsigned long long)s->events_limited);
	return (int)at;
}

size_t hb_policy_list_nested(const struct hb_policy_list *l, const char *rel, __u64 id,
			     int skip)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *other = l->names[i].path;

		if (l->names[i].id == id || !other[0] || (int)l->policies[i].origin == skip)
			continue;
		if (hb_cgroup_path_under(rel, other) || hb_cgroup_path_under(other, rel))
			return i;
	}
	return l->n;
}

void hb_policy_list_print(FILE *f, const struct hb_policy_list *l,
			  bool (*keep)(const char *path, const void *ctx), const void *ctx)
{
	/* One line can hold every rule, of up to 64 bytes each. */
	size_t len = 1024 + (size_t)(HB_MAX_NET_RULES + HB_MAX_BIND_RULES) * 64, shown = 0;
	char *line = malloc(len);

	for (size_t i = 0; i < l->n; i++)
		shown += !keep || keep(l->names[i].path, ctx);
	fprintf(f, "policies: %zu\n", shown);
	for (size_t i = 0; line && i < l->n; i++)
		if (!keep || keep(l->names[i].path, ctx)) {
			hb_policy_line(l, i, line, len);
			fprintf(f, "  %s\n", line);
		}
	free(line);
}

void hb_policy_list_free(struct hb_policy_list *l)
{
	free(l->names);
	free(l->policies);
	free(l->stats);
	free(l->rules);
	free(l->binds);
	memset(l, 0, sizeof(*l));
}
