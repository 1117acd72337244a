// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpffs.h"
#include "log.h"
#include "path.h"
#include "tierb_progs.h"
#include "hermetic.skel.h"

#define PROG_PREFIX "prog-" /* prog-<attach type>-<name> */
#define MAP_PREFIX "map-"
#define MANIFEST MAP_PREFIX "hb_progs" /* how many programs, pinned last */

/*
 * The maps a run writes or reads, in the order of map_fd(): every map of
 * struct hb_policy_maps (a descriptor left out would be 0, stdin).
 */
static const char *const map_names[] = {
	"hb_policies", "hb_levels", "hb_stats", "hb_net_rules", "hb_unix_rules",
	"hb_unix_paths", "hb_exec_rules", "hb_fs_subtrees", "hb_bind_rules", "hb_dns_addrs",
	"hb_event_rings", "hb_ring_owners",
};

#define N_MAPS (sizeof(map_names) / sizeof(map_names[0]))
/* The descriptors of struct hb_policy_maps come before its one other field. */
_Static_assert(N_MAPS == offsetof(struct hb_policy_maps, always) / sizeof(int) + 2 &&
	       offsetof(struct hb_policy_maps, always) + sizeof(__u32) ==
	       sizeof(struct hb_policy_maps),
	       "every policy map, hb_event_rings and hb_ring_owners");

static int *map_fd(struct hb_tierb_progs *tp, size_t i)
{
	int *fds[N_MAPS] = {
		&tp->maps.policies, &tp->maps.levels, &tp->maps.stats, &tp->maps.net_rules,
		&tp->maps.unix_rules, &tp->maps.unix_paths, &tp->maps.exec_rules,
		&tp->maps.fs_rules, &tp->maps.bind_rules, &tp->maps.dns_addrs, &tp->rings,
		&tp->ring_owners,
	};

	return fds[i];
}

static void close_fds(struct hb_tierb_progs *tp)
{
	for (size_t i = 0; i < N_MAPS; i++) {
		if (*map_fd(tp, i) >= 0)
			close(*map_fd(tp, i));
		*map_fd(tp, i) = -1;
	}
	for (size_t i = 0; i < tp->n; i++)
		close(tp->prog[i].fd);
	tp->n = 0;
}

static void init(struct hb_tierb_progs *tp)
{
	memset(tp, 0, sizeof(*tp));
	tp->lock = -1;
	for (size_t i = 0; i < N_MAPS; i++)
		*map_fd(tp, i) = -1;
}

/*
 * Another build's object, or another kernel's unix attach numbers, is
 * another set: the name says which object and which numbers.
 */
static unsigned long set_key(const struct hb_tiers *t)
{
	int unix_types[2] = { t->unix_connect, t->unix_sendmsg };

	return crc32(hb_obj_crc32(), (const Bytef *)unix_types, sizeof(unix_types));
}

/* "prog-<attach>-<name>": the attach type and the name, or false. */
static bool parse_prog_pin(const char *pin, int *attach, const char **name)
{
	char *end;
	long v;

	if (strncmp(pin, PROG_PREFIX, strlen(PROG_PREFIX)))
		return false;
	v = strtol(pin + strlen(PROG_PREFIX), &end, 10);
	if (end == pin + strlen(PROG_PREFIX) || *end != '-' || v < 0 || v > 1000)
		return false;
	*attach = (int)v;
	*name = end + 1;
	return strlen(*name) < sizeof(((struct hb_tierb_progs *)0)->prog[0].name);
}

static int get_pin(const char *dir, const char *file)
{
	char path[PATH_MAX];

	if (hb_path_join(path, sizeof(path), dir, file))
		return -1;
	return bpf_obj_get(path);
}

/* Opens every pin of a whole set in tp->dir; -ENOENT if it is not whole. */
static int restore(struct hb_tierb_progs *tp)
{
	__u32 count = 0;
	char file[NAME_MAX + 1];
	struct dirent *de;
	int err = 0;
	DIR *d;

	for (size_t i = 0; i < N_MAPS && !err; i++) {
		snprintf(file, sizeof(file), MAP_PREFIX "%s", map_names[i]);
		*map_fd(tp, i) = get_pin(tp->dir, file);
		err = *map_fd(tp, i) < 0 ? -ENOENT : 0;
	}
	if (!err && hb_bpffs_read_count(tp->dir, MANIFEST, &count))
		err = -ENOENT;
	d = err ? NULL : opendir(tp->dir);
	while (d && !err && (de = readdir(d))) {
		const char *name;
		int attach;

		if (!parse_prog_pin(de->d_name, &attach, &name))
			continue;
		if (tp->n == HB_TIERB_MAX_PROGS) {
			err = -E2BIG;
			break;
		}
		tp->prog[tp->n].fd = get_pin(tp->dir, de->d_name);
		if (tp->prog[tp->n].fd < 0) {
			err = -ENOENT;
			break;
		}
		tp->prog[tp->n].attach = attach;
		snprintf(tp->prog[tp->n].name, sizeof(tp->prog[0].name), "%s", name);
		tp->n++;
	}
	if (d)
		closedir(d);
	/* Fewer programs than were pinned: a set cut short (a crash while pinning). */
	if (!err && (!count || tp->n != count))
		err = -ENOENT;
	if (!err && !hb_obj_maps_match(&tp->maps))
		err = -EPROTO;
	if (err)
		close_fds(tp);
	return err;
}

/* Unlinks what an earlier, unfinished build left in @dir (the directory stays). */
static void clear(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
}

static int pin_set(struct hermetic *skel, const char *dir)
{
	char path[PATH_MAX], file[NAME_MAX + 1];
	struct bpf_program *prog;
	__u32 count = 0;
	int err = 0;

	bpf_object__for_each_program(prog, skel->obj) {
		if (!bpf_program__autoload(prog))
			continue;
		snprintf(file, sizeof(file), PROG_PREFIX "%d-%s",
			 (int)bpf_program__expected_attach_type(prog), bpf_program__name(prog));
		err = hb_path_join(path, sizeof(path), dir, file) ?: bpf_program__pin(prog, path);
		if (err)
			break;
		count++;
	}
	for (size_t i = 0; !err && i < N_MAPS; i++) {
		struct bpf_map *m = hb_obj_map_by_pin_name(skel, map_names[i]);

		snprintf(file, sizeof(file), MAP_PREFIX "%s", map_names[i]);
		err = hb_path_join(path, sizeof(path), dir, file) ?:
		      m ? bpf_map__pin(m, path) : -ENOENT;
	}
	if (!err)
		err = hb_bpffs_pin_count(dir, MANIFEST, count);
	if (err)
		hb_log("cannot pin tier B's programs in %s: %s", dir, strerror(-err));
	return err;
}

static int build(struct hb_tierb_progs *tp, const struct hb_tiers *t, __u32 level)
{
	struct hermetic *skel = NULL;
	int err;

	clear(tp->dir);
	err = hb_obj_load_tier_b_set(&skel, t, level);
	if (!err)
		err = pin_set(skel, tp->dir);
	hermetic__destroy(skel); /* the pins hold what is needed */
	if (err) {
		clear(tp->dir);
		return err;
	}
	err = restore(tp);
	if (err)
		hb_log("tier B's programs pinned in %s cannot be opened: %s", tp->dir,
		       strerror(-err));
	return err;
}

/* The directory, locked with @op; -EAGAIN if it was removed meanwhile. */
static int lock_dir(struct hb_tierb_progs *tp, int op)
{
	struct stat held, now;

	if (tp->lock < 0)
		tp->lock = open(tp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tp->lock < 0)
		return errno == ENOENT ? -EAGAIN : -errno;
	if (flock(tp->lock, op))
		return -errno;
	/* gc removes a set under the exclusive lock: ours may be a removed one. */
	if (fstat(tp->lock, &held) || stat(tp->dir, &now) || held.st_ino != now.st_ino) {
		close(tp->lock);
		tp->lock = -1;
		return -EAGAIN;
	}
	return 0;
}

int hb_tierb_progs_get(struct hb_tierb_progs *tp, const struct hb_tiers *t, __u32 level,
		       bool *loaded)
{
	char root[PATH_MAX], name[64];
	int err;

	init(tp);
	*loaded = false;
	err = hb_bpffs_pin_root(root, sizeof(root), true);
	if (err)
		return err;
	snprintf(name, sizeof(name), HB_TIERB_PROGS_PREFIX "L%u-%08lx", level, set_key(t));
	err = hb_path_join(tp->dir, sizeof(tp->dir), root, name);
	for (int tries = 0; !err && tries < 5; tries++) {
		if (mkdir(tp->dir, 0700) && errno != EEXIST) {
			err = -errno;
			break;
		}
		err = lock_dir(tp, LOCK_SH);
		if (!err && !restore(tp))
			return 0;
		/* Not there, or not whole: load it, one run at a time. */
		if (!err)
			err = lock_dir(tp, LOCK_EX);
		if (!err && !restore(tp))
			return 0;
		if (!err) {
			err = build(tp, t, level);
			*loaded = !err;
			if (err)
				hb_tierb_progs_close(tp);
			return err;
		}
		if (err == -EAGAIN)
			err = 0; /* removed by gc meanwhile: make it again */
		else
			break;
	}
	if (!err)
		err = -EAGAIN;
	hb_log("cannot use tier B's programs in %s: %s", tp->dir, strerror(-err));
	hb_tierb_progs_close(tp);
	return err;
}

static int find_prog(const struct hb_tierb_progs *tp, const char *name)
{
	for (size_t i = 0; i < tp->n; i++)
		if (!strcmp(tp->prog[i].name, name))
			return (int)i;
	return -1;
}

struct attach_ctx {
	const struct hb_tierb_progs *tp;
	int cg_fd;
	const char *pin_dir;
	bool done[HB_TIERB_MAX_PROGS];
};

static int attach_one(const char *name, const char *what, void *ctx)
{
	struct attach_ctx *a = ctx;
	char path[PATH_MAX];
	int i = find_prog(a->tp, name), link, err;

	/* Only cgroup programs are in the set: a guard needing another is refused. */
	if (i < 0) {
		hb_log("tier B's programs have no %s, which %s needs", name, what);
		return -ENOENT;
	}
	if (a->done[i]) /* two guards may name the same program */
		return 0;
	link = bpf_link_create(a->tp->prog[i].fd, a->cg_fd, a->tp->prog[i].attach, NULL);
	if (link < 0) {
		err = -errno;
		hb_log("cannot attach %s: %s", name, strerror(-err));
		return err;
	}
	err = hb_path_join(path, sizeof(path), a->pin_dir, name);
	if (!err && bpf_obj_pin(link, path))
		err = -errno;
	if (err)
		hb_log("cannot pin %s: %s", path, strerror(-err));
	close(link); /* the pin holds it */
	a->done[i] = true;
	return err;
}

int hb_tierb_progs_attach(const struct hb_tierb_progs *tp, const struct hb_sandbox_config *cfg,
			  int cg_fd, const char *pin_dir)
{
	struct attach_ctx a = { .tp = tp, .cg_fd = cg_fd, .pin_dir = pin_dir };
	int err = hb_obj_each_prog(cfg, attach_one, &a);

	if (!err)
		hb_debug("attached the BPF programs");
	return err;
}

int hb_tierb_progs_forget(const struct hb_tierb_progs *tp, __u64 id, unsigned int kinds)
{
	return hb_obj_remove_policy_of(&tp->maps, id, kinds);
}

void hb_tierb_progs_unlock(struct hb_tierb_progs *tp)
{
	if (tp->lock >= 0)
		close(tp->lock);
	tp->lock = -1;
}

void hb_tierb_progs_close(struct hb_tierb_progs *tp)
{
	hb_tierb_progs_unlock(tp);
	close_fds(tp);
}

int hb_tierb_progs_collect(void (*each)(const struct hb_tierb_progs *tp, void *ctx), void *ctx,
			   bool unused)
{
	char root[PATH_MAX];
	struct hb_tierb_progs tp;
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (hb_bpffs_pin_root(root, sizeof(root), false) || !(d = opendir(root)))
		return 0;
	while ((de = readdir(d))) {
		bool whole, empty;
		__u64 key;

		if (strncmp(de->d_name, HB_TIERB_PROGS_PREFIX, strlen(HB_TIERB_PROGS_PREFIX)))
			continue;
		init(&tp);
		if (hb_path_join(tp.dir, sizeof(tp.dir), root, de->d_name))
			continue;
		/* A run between finding the set and writing its policy holds it. */
		if (lock_dir(&tp, LOCK_EX | LOCK_NB)) {
			hb_tierb_progs_close(&tp);
			continue;
		}
		whole = !restore(&tp);
		if (whole && each)
			each(&tp, ctx);
		empty = whole && bpf_map_get_next_key(tp.maps.policies, NULL, &key) &&
			errno == ENOENT;
		/* Unused, or left unfinished by a crash: nothing depends on it. */
		if (((empty && unused) || !whole) && !hb_bpffs_remove_dir(tp.dir)) {
			hb_debug("gc: removed tier B's unused programs %s", tp.dir);
			n++;
		}
		hb_tierb_progs_close(&tp);
	}
	closedir(d);
	return n;
}
