// SPDX-License-Identifier: GPL-2.0-only
#include <ftw.h>
#include <stdbool.h>
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

/* The part of @path from @at to the next '/' or the end, into @buf. */
static const char *part(const char *at, char *buf, size_t len)
{
	size_t n = strcspn(at, "/");

	if (!n || n >= len)
		return NULL;
	memcpy(buf, at, n);
	buf[n] = '\0';
	return buf;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n > k && !memcmp(s + n - k, suffix, k);
}

const char *hb_cgroup_unit(const char *path, char *buf, size_t len)
{
	const char *unit = NULL;

	for (const char *c = path; c && *c; c = strchr(c, '/')) {
		size_t n;

		c += *c == '/';
		n = strcspn(c, "/");
		if (ends_with(c, n, ".service") || ends_with(c, n, ".scope"))
			unit = c;
	}
	return unit ? part(unit, buf, len) : NULL;
}

/* Whether @s starts with 64 lowercase hex digits. */
static bool container_id(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

const char *hb_cgroup_container(const char *path, char *buf, size_t len)
{
	static const char *const prefixes[] = { "", "docker-", "cri-containerd-", "crio-",
						"libpod-" };
	const char *found = NULL;

	if (len <= 64)
		return NULL;
	for (const char *c = path; c && *c; c = strchr(c, '/')) {
		size_t n;

		c += *c == '/';
		n = strcspn(c, "/");
		for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			size_t p = strlen(prefixes[i]);
			size_t rest = n - p;

			if (n < p + 64 || strncmp(c, prefixes[i], p) || !container_id(c + p))
				continue;
			/* The id alone, or followed by ".scope" (systemd's driver). */
			if (rest == 64 || (rest == 70 && !strncmp(c + p + 64, ".scope", 6)))
				found = c + p;
		}
	}
	if (!found)
		return NULL;
	memcpy(buf, found, 64);
	buf[64] = '\0';
	return buf;
}
