/* SPDX-License-Identifier: GPL-2.0-only */
/* --allow-unix PATH: which socket, by inode and by path. */
#ifndef HB_UNIX_RULE_H
#define HB_UNIX_RULE_H

#include "hermetic_abi.h"

struct hb_unix_rule {
	__u64 ino;
	__u32 dev;                        /* the kernel's encoding */
	char given[HB_UNIX_PATH_MAX];     /* as on the command line */
	char real[HB_UNIX_PATH_MAX];      /* symlinks resolved */
};

/*
 * Resolves @path, which must name an existing unix socket whose path fits
 * sun_path. Returns 0, or -errno after saying what is wrong.
 */
int hb_unix_rule_resolve(const char *path, struct hb_unix_rule *r);

#endif
