/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a sandbox confines, as the user said it: the policy part of `run`'s
 * flags and of a policy file, whoever reads them (run, the agent's
 * CONFINE and policy files, `policy apply`). One translation into the
 * sandbox's configuration, one lookup of its paths.
 */
#ifndef HB_RULES_H
#define HB_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "fs_rule.h"
#include "bind_rule.h"
#include "net_rule.h"
#include "obj.h"

/* Events a sandbox reports a second at most, unless --event-rate says. */
#define HB_EVENT_RATE_DEFAULT 1000
#define HB_EVENT_RATE_MAX 1000000

struct hb_rules {
	__u32 guards;            /* HB_GUARD_* asked for */
	__u32 net;               /* HB_NET_ALLOW_LOCALHOST */
	struct hb_ip_rule *ip_rules;  /* --allow-ip, parsed */
	size_t n_ip_rules;
	struct hb_bind_rule *bind_rules; /* --allow-bind, parsed */
	size_t n_bind_rules;
	const char **domains;    /* --allow-domain, validated */
	size_t n_domains;
	/*
	 * The agent's DNS proxy for the domains, network order (0: none yet):
	 * the policy redirects DNS there (struct hb_policy.dns_port4/6). A run
	 * sets its own proxy's ports in its policy instead.
	 */
	__u16 dns_port4, dns_port6;
	const char **unix_paths; /* --allow-unix, as given */
	size_t n_unix_paths;
	const char **exec_paths; /* --allow-exec, as given */
	size_t n_exec_paths;
	__u32 fs;                /* HB_FS_READONLY, HB_FS_READ_ROOT */
	const char *fs_root;     /* --fs-readonly=ROOT, or NULL */
	const char **write_paths; /* --allow-write, as given */
	size_t n_write_paths;
	const char **read_paths; /* --allow-read, as given */
	size_t n_read_paths;
	bool audit;              /* --audit: report instead of deny */
	unsigned int event_rate; /* --event-rate: events per second (0: no limit) */
	/* Values read from policy files, and where ("FILE:LINE"): for errors found later. */
	struct hb_rule_origin {
		const char *value;
		char *where;
	} *origins;
	size_t n_origins;
};

/* Empty rules; each list is allocated when its first entry comes. */
void hb_rules_init(struct hb_rules *r);

/*
 * Room in the list *@list, of @n entries of @size bytes, for one more:
 * grown as entries come, as most runs have none (a start that allocated
 * room for every flag paid for zeroing it). 0 or -ENOMEM.
 */
int hb_rules_room(void *list, size_t n, size_t size);
#define HB_RULES_ROOM(list, n) hb_rules_room(&(list), (n), sizeof(*(list)))

void hb_rules_free(struct hb_rules *r);

/*
 * @value (a pointer the rules hold) came from @where ("FILE:LINE" of a
 * policy file): a path that cannot be resolved later is reported there.
 * Returns 0 or -ENOMEM.
 */
int hb_rules_note_origin(struct hb_rules *r, const char *value, const char *where);

/* Where @value (the very pointer) was read, or NULL for a flag. */
const char *hb_rules_origin(const struct hb_rules *r, const char *value);

/* The paths of the rules, by identity (what the maps hold). */
struct hb_rules_paths {
	struct hb_unix_rule *unix_rules; /* n_unix_paths of them */
	struct hb_file_id *exec_rules;   /* n_exec_paths of them */
	struct hb_fs_rules fs;           /* the filesystem guard's, if resolved */
	bool has_fs;
};

#define HB_RESOLVE_UNIX (1u << 0) /* --allow-unix: socket identities */
#define HB_RESOLVE_EXEC (1u << 1) /* --allow-exec: executables' identities */
#define HB_RESOLVE_FS (1u << 2)   /* --allow-write, the read root, --allow-read */

/*
 * Looks up the paths @what names, with the calling thread's ids and
 * working directory; with a read root, also what @cmd (searched in
 * @path_env) needs to start (spec/fs.md). Errors name the flag, after
 * FILE:LINE for a path a policy file gave. Returns
 * 0 or -errno; free @p with hb_rules_paths_free() either way.
 */
int hb_rules_resolve(const struct hb_rules *r, unsigned int what, const char *cmd,
		     const char *path_env, struct hb_rules_paths *p);

void hb_rules_paths_free(struct hb_rules_paths *p);

/*
 * The policy entry for @r, with @guards the ones BPF programs enforce
 * (the caller's choice of tiers, the seal included or not).
 */
void hb_rules_policy(const struct hb_rules *r, __u32 guards, struct hb_policy *p);

/*
 * @cfg's policy and rules for @r and its resolved paths @p (which must
 * outlive @cfg); @cfg's tiers are left as they are.
 */
void hb_rules_config(const struct hb_rules *r, __u32 guards, const struct hb_rules_paths *p,
		     struct hb_sandbox_config *cfg);

#endif
