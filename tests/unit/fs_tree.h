/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For the filesystem rule tests: a temporary tree of real files, so that
 * stat() gives real identities, and what a rule set holds for a path.
 * Include after <cmocka.h>.
 */
#ifndef HB_TEST_FS_TREE_H
#define HB_TEST_FS_TREE_H

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "file_id.h"
#include "fs_rule.h"

static char tmp[64];

/* @name inside the tree; four results may be in use at once. */
static const char *at(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmp, name);
	return buf[i];
}

static int rm(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(path);
}

/* A new, empty tree: /tmp/@prefix-XXXXXX. */
static int tree_create(const char *prefix)
{
	snprintf(tmp, sizeof(tmp), "/tmp/%s-XXXXXX", prefix);
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmp, rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* What @r holds for @path's identity: its flags, or 0. */
static __u32 flags_of(const struct hb_fs_rules *r, const char *path)
{
	const struct hb_fs_entry *e;
	struct hb_file_id id;

	assert_int_equal(hb_file_id_stat(path, &id), 0);
	e = hb_fs_rules_find(r, id.dev, id.ino);
	return e ? e->flags : 0;
}

#endif
