// SPDX-License-Identifier: GPL-2.0-only
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup_names.h"

/* nftw() passes no context: the walk in progress (one at a time). */
static struct {
	struct hb_cgroup_name *v;
	size_t n, left, root_len;
} walk;

static int visit(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)f;
	if (flag != FTW_D)
		return FTW_CONTINUE;
	for (size_t i = 0; i < walk.n; i++) {
		if (walk.v[i].id != st->st_ino || walk.v[i].path[0])
			continue;
		snprintf(walk.v[i].path, sizeof(walk.v[i].path), "%s",
			 path[walk.root_len] ? path + walk.root_len : "/");
		walk.left--;
	}
	return walk.left ? FTW_CONTINUE : FTW_STOP;
}

void hb_cgroup_names(const char *cgroot, struct hb_cgroup_name *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i].path[0] = '\0';
	walk.v = v;
	walk.n = walk.left = n;
	walk.root_len = strlen(cgroot);
	if (n)
		nftw(cgroot, visit, 16, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
	walk.v = NULL;
}

const char *hb_cgroup_cache_name(struct hb_cgroup_cache *c, __u64 id)
{
	struct hb_cgroup_name *one;
	size_t slot;

	for (size_t i = 0; i < HB_CGROUP_CACHE_SIZE; i++)
		if (c->v[i].used && c->v[i].id == id)
			return c->v[i].path;
	one = malloc(sizeof(*one));
	if (!one)
		return NULL;
	one->id = id;
	hb_cgroup_names(c->cgroot, one, 1);
	slot = c->next++ % HB_CGROUP_CACHE_SIZE;
	free(c->v[slot].path);
	c->v[slot].id = id;
	c->v[slot].used = true;
	c->v[slot].path = one->path[0] ? strdup(one->path) : NULL;
	free(one);
	return c->v[slot].path;
}

void hb_cgroup_cache_free(struct hb_cgroup_cache *c)
{
	for (size_t i = 0; i < HB_CGROUP_CACHE_SIZE; i++) {
		free(c->v[i].path);
		c->v[i].path = NULL;
		c->v[i].used = false;
	}
}

bool hb_cgroup_path_under(const char *path, const char *top)
{
	size_t n = strlen(top);

	if (!strcmp(top, "/"))
		return path[0] == '/';
	return !strncmp(path, top, n) && (path[n] == '/' || !path[n]);
}

unsigned int hb_cgroup_path_level(const char *path)
{
	unsigned int level = 0;

	for (const char *c = path; *c; c++)
		level += *c == '/' && c[1] && c[1] != '/';
	return level;
}
