// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <search.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "file_id.h"
#include "fs_rule.h"
#include "hermetic_abi.h"
#include "log.h"
#include "mountinfo.h"

/* The mounts strictly below @dir (@len bytes) get @flags in @r. */
struct below {
	struct hb_fs_rules *r;
	const char *dir;
	size_t len;
	__u32 flags;
};

static int other_file(const void *a, const void *b)
{
	const struct hb_fs_entry *x = a, *y = b;

	return x->dev != y->dev || x->ino != y->ino;
}

/* A linear search: the sets are small, and filled once per run. */
static struct hb_fs_entry *lookup(const struct hb_fs_rules *r, __u32 dev, __u64 ino)
{
	struct hb_fs_entry key = { .ino = ino, .dev = dev };
	size_t n = r->n;

	return n ? lfind(&key, r->v, &n, sizeof(key), other_file) : NULL;
}

const struct hb_fs_entry *hb_fs_rules_find(const struct hb_fs_rules *r, __u32 dev,
					   __u64 ino)
{
	return lookup(r, dev, ino);
}

static int put(struct hb_fs_rules *r, const struct hb_file_id *id, __u32 flags)
{
	struct hb_fs_entry *e = lookup(r, id->dev, id->ino);

	if (e) {
		e->flags |= flags;
		return 0;
	}
	if (r->n >= HB_MAX_FS_RULES)
		return -E2BIG;
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct hb_fs_entry *v = reallocarray(r->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = (struct hb_fs_entry){ .ino = id->ino, .dev = id->dev, .flags = flags };
	return 0;
}

static int put_path(struct hb_fs_rules *r, const char *path, __u32 flags)
{
	struct hb_file_id id;
	int err = hb_file_id_stat(path, &id);

	return err ? err : put(r, &id, flags);
}

int hb_fs_rules_add_links(struct hb_fs_rules *r, const char *path)
{
	char cur[PATH_MAX], target[PATH_MAX], next[2 * PATH_MAX];
	struct hb_file_id id;

	if (strlen(path) >= sizeof(cur))
		return 0;
	strcpy(cur, path);
	/* At most what the kernel follows (MAXSYMLINKS): a loop ends here. */
	for (int hops = 0; hops < 40; hops++) {
		ssize_t n;
		char *slash;
		int err;

		if (hb_file_id_lstat(cur, &id) || !S_ISLNK(id.mode))
			return 0;
		err = put(r, &id, HB_FS_RULE_READ);
		if (err)
			return err;
		n = readlink(cur, target, sizeof(target) - 1);
		if (n < 0)
			return 0;
		target[n] = '\0';
		slash = strrchr(cur, '/');
		if (target[0] == '/' || !slash)
			snprintf(next, sizeof(next), "%s", target);
		else
			snprintf(next, sizeof(next), "%.*s/%s", (int)(slash - cur), cur, target);
		if (strlen(next) >= sizeof(cur))
			return 0;
		strcpy(cur, next);
	}
	return 0;
}

/* A copy to work on, so that a failure leaves the caller's set alone. */
static int copy(struct hb_fs_rules *dst, const struct hb_fs_rules *src)
{
	*dst = (struct hb_fs_rules){ 0 };
	if (!src->n)
		return 0;
	dst->v = malloc(src->n * sizeof(*dst->v));
	if (!dst->v)
		return -ENOMEM;
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = dst->cap = src->n;
	return 0;
}

static bool strictly_below(const char *path, const char *dir, size_t len)
{
	if (len == 1) /* "/" */
		return path[0] == '/' && path[1];
	return !strncmp(path, dir, len) && path[len] == '/';
}

static int add_mount(const struct hb_mount *m, void *arg)
{
	struct below *b = arg;
	int err;

	if (!strictly_below(m->target, b->dir, b->len))
		return 0;
	err = put_path(b->r, m->target, b->flags);
	if (err == -E2BIG || err == -ENOMEM)
		return err;
	/* No rule for a mount we cannot stat: its files are denied, not allowed. */
	if (err)
		hb_debug("mount %s left out: %s", m->target, strerror(-err));
	return 0;
}

/* "/a/b/c" gives "/a/b", "/a" and "/" HB_FS_RULE_STAT. */
static int add_ancestors(struct hb_fs_rules *r, const char *canon)
{
	char dir[PATH_MAX];
	int err = 0;

	strcpy(dir, canon); /* realpath()'s output fits PATH_MAX */
	while (!err && strcmp(dir, "/")) {
		char *slash = strrchr(dir, '/');

		slash[slash == dir] = '\0'; /* keep the root's "/" */
		err = put_path(r, dir, HB_FS_RULE_STAT);
	}
	return err;
}

static int add_tree(struct hb_fs_rules *r, FILE *mountinfo, const char *canon,
		    __u32 flags)
{
	struct below b = { .r = r, .dir = canon, .len = strlen(canon), .flags = flags };
	int err = put_path(r, canon, flags);

	if (!err)
		err = hb_mountinfo_each(mountinfo, add_mount, &b);
	if (!err && (flags & HB_FS_RULE_READ))
		err = add_ancestors(r, canon);
	return err;
}

static void say(const char *flag, const char *path, int err)
{
	if (err == -E2BIG)
		hb_log("--%s %s: more than %d rules (paths, the mounts below them and "
		       "the directories leading to them)", flag, path, HB_MAX_FS_RULES);
	else
		hb_log("--%s %s: %s", flag, path, strerror(-err));
}

int hb_fs_rules_add_from(struct hb_fs_rules *r, FILE *mountinfo, const char *flag,
			 const char *path, __u32 flags, int optional)
{
	struct hb_fs_rules next;
	char canon[PATH_MAX];
	int err;

	if (!realpath(path, canon)) {
		err = -errno;
		if (optional && (err == -ENOENT || err == -ENOTDIR))
			return 0;
		goto fail;
	}
	err = copy(&next, r);
	if (err)
		goto fail;
	err = add_tree(&next, mountinfo, canon, flags);
	if (err) {
		hb_fs_rules_free(&next);
		goto fail;
	}
	hb_fs_rules_free(r);
	*r = next;
	return 0;
fail:
	say(flag, path, err);
	return err;
}

static int add_here(struct hb_fs_rules *r, const char *flag, const char *path,
		    __u32 flags, int optional)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int err;

	if (!f) {
		err = -errno;
		hb_log("--%s %s: cannot read /proc/self/mountinfo: %s", flag, path,
		       strerror(-err));
		return err;
	}
	err = hb_fs_rules_add_from(r, f, flag, path, flags, optional);
	fclose(f);
	return err;
}

int hb_fs_rules_add(struct hb_fs_rules *r, const char *flag, const char *path, __u32 flags)
{
	return add_here(r, flag, path, flags, 0);
}

int hb_fs_rules_add_optional(struct hb_fs_rules *r, const char *flag, const char *path,
			     __u32 flags)
{
	return add_here(r, flag, path, flags, 1);
}

void hb_fs_rules_free(struct hb_fs_rules *r)
{
	free(r->v);
	*r = (struct hb_fs_rules){ 0 };
}
