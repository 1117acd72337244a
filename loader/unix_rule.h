/* SPDX-License-Identifier: GPL-2.0-only */
/* --allow-unix PATH: which socket, by inode and by path. */
#ifndef HB_UNIX_RULE_H
#define HB_UNIX_RULE_H

#include <stddef.h>
#include "hermetic_abi.h"

struct hb_creds;

struct hb_unix_rule {
	__u64 ino;
	__u32 dev;                        /* the kernel's encoding */
	char given[HB_UNIX_PATH_MAX];     /* as on the command line */
	char real[HB_UNIX_PATH_MAX];      /* symlinks resolved */
	const char *where;                /* FILE:LINE of a policy file, or NULL */
};

/*
 * Resolves @path, which must name an existing unix socket whose path fits
 * sun_path. Returns 0, or -errno after saying what is wrong.
 */
int hb_unix_rule_resolve(const char *path, struct hb_unix_rule *r);

/*
 * Tier B judges the path a client names, not the socket: refused
 * (-EPERM, said with a hint) when @c's user could rename or replace a
 * directory entry on the way to one of @r's @n paths (loader/unix_rule_b.c).
 */
int hb_unix_rules_check_b(const struct hb_unix_rule *r, size_t n, const struct hb_creds *c);

#endif
