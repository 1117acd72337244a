// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "agent_pins.h"
#include "bpffs.h"
#include "cgroup.h"
#include "gc.h"
#include "log.h"
#include "path.h"
#include "tierb_progs.h"

/*
 * A sandbox is abandoned when nobody holds the lock on its cgroup; it can
 * go once it is empty (hb_cgroup_remove fails with EBUSY otherwise).
 */
static int collect_cgroup(int parent, const char *dir, const char *name,
			  const char *pins)
{
	char path[PATH_MAX], pin_dir[PATH_MAX];
	int fd, err;

	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd); /* its launcher is alive */
		return 0;
	}
	if (hb_path_join(path, sizeof(path), dir, name)) {
		close(fd);
		return 0;
	}
	err = hb_cgroup_populated(path);
	if (err == 0)
		err = hb_cgroup_remove(path);
	else if (err > 0)
		hb_debug("gc: %s still has processes; it stays enforced", name);
	if (err == 0 && pins[0]) {
		err = hb_path_join(pin_dir, sizeof(pin_dir), pins, name);
		if (!err)
			err = hb_bpffs_remove_dir(pin_dir);
	}
	close(fd);
	if (err == 0)
		hb_debug("gc: removed abandoned sandbox %s", name);
	return err == 0;
}

/* Pins whose cgroup is gone guard nothing: remove them. */
static void collect_pins(const char *pins, const char *cgroups)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(pins);

	if (!d)
		return;
	while ((de = readdir(d))) {
		/* Tier B's shared programs are no sandbox's: hb_tierb_progs_collect(). */
		if (de->d_name[0] == '.' ||
		    !strncmp(de->d_name, HB_TIERB_PROGS_PREFIX, strlen(HB_TIERB_PROGS_PREFIX)))
			continue;
		if (hb_path_join(path, sizeof(path), cgroups, de->d_name) ||
		    !access(path, F_OK) || errno != ENOENT)
			continue;
		if (!hb_path_join(path, sizeof(path), pins, de->d_name))
			hb_bpffs_remove_dir(path);
	}
	closedir(d);
}

/* The ids of the run-* cgroups in @d (their inode numbers); NULL on error. */
static __u64 *list_ids(DIR *d, size_t *n)
{
	__u64 *ids = NULL;
	struct dirent *de;
	struct stat st;

	*n = 0;
	rewinddir(d);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "run-", 4) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (*n % 64 == 0) {
			__u64 *more = realloc(ids, (*n + 64) * sizeof(*ids));

			if (!more)
				break;
			ids = more;
		}
		ids[(*n)++] = st.st_ino;
	}
	return ids ?: calloc(1, sizeof(*ids));
}

/*
 * A sandbox whose cgroup is gone (its launcher killed) left its policy in
 * shared maps (the agent's, for a warm run; tier B's programs', for a
 * cold one): remove it. Under the parent's exclusive lock, no cgroup is
 * made meanwhile, so every live sandbox's cgroup is listed before its
 * policy is seen. @forget removes one.
 */
static void collect_gone(DIR *d, int policies, const struct hb_ring_pool *rings,
			 void (*forget)(const void *obj, __u64 id), const void *obj)
{
	__u64 key, next, *gone = NULL, *ids;
	size_t n_ids, n = 0;
	struct hb_policy pol;
	void *prev = NULL;

	ids = list_ids(d, &n_ids);
	gone = calloc(HB_MAX_SANDBOXES, sizeof(*gone));
	while (ids && gone && n < HB_MAX_SANDBOXES &&
	       !bpf_map_get_next_key(policies, prev, &next)) {
		bool live = false;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(policies, &key, &pol) || pol.origin != HB_ORIGIN_RUN)
			continue;
		for (size_t i = 0; i < n_ids && !live; i++)
			live = ids[i] == key;
		if (!live)
			gone[n++] = key;
	}
	for (size_t i = 0; i < n; i++) {
		hb_debug("gc: removed the policy of gone sandbox %llu",
			 (unsigned long long)gone[i]);
		forget(obj, gone[i]);
	}
	/* Their rings, and a ring claimed by a run killed before its policy was in. */
	if (ids)
		hb_ring_collect(rings, ids, n_ids);
	free(ids);
	free(gone);
}

static void forget_warm(const void *obj, __u64 id)
{
	const struct hb_agent_obj *ag = obj;

	hb_obj_remove_policy(&ag->maps, id);
}

static void collect_warm(DIR *d, const struct hb_agent_obj *ag)
{
	struct hb_ring_pool rings = hb_agent_obj_rings(ag);

	collect_gone(d, ag->maps.policies, &rings, forget_warm, ag);
}

/* An unloaded agent's object, kept for warm runs: their gone sandboxes too. */
static void collect_retired(const struct hb_agent_obj *ag, void *d)
{
	collect_warm(d, ag);
}

static void forget_tier_b(const void *obj, __u64 id)
{
	hb_tierb_progs_forget(obj, id, HB_RULES_ALL);
}

static void collect_tier_b(const struct hb_tierb_progs *tp, void *d)
{
	struct hb_ring_pool rings = hb_tierb_progs_rings(tp);

	collect_gone(d, tp->maps.policies, &rings, forget_tier_b, tp);
}

int hb_gc(struct hb_agent_obj *agent, bool everything)
{
	struct hb_agent_obj own = { .lock = -1 };
	char root[PATH_MAX], dir[PATH_MAX], pins[PATH_MAX] = "";
	struct dirent *de;
	DIR *d;
	int n = 0, err;

	err = hb_cgroup_root(root, sizeof(root));
	if (err)
		return err;
	err = hb_path_join(dir, sizeof(dir), root, HB_CGROUP_PARENT);
	if (err)
		return err;
	if (hb_bpffs_pin_root(pins, sizeof(pins), false))
		pins[0] = '\0';
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	/* Exclusive: no launcher is between mkdir and flock of its cgroup. */
	if (flock(dirfd(d), LOCK_EX)) {
		err = -errno;
		closedir(d);
		return err;
	}
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && strncmp(de->d_name, "run-", 4) == 0)
			n += collect_cgroup(dirfd(d), dir, de->d_name, pins) > 0;
	if (pins[0])
		collect_pins(pins, dir);
	if (!agent && !hb_agent_obj_borrow(&own))
		agent = &own;
	if (agent)
		collect_warm(d, agent);
	hb_agent_obj_close(&own);
	hb_agent_obj_collect_retired(collect_retired, d);
	/*
	 * A killed run's policy in tier B's shared maps is gone once its
	 * cgroup is: collected in the pass that removes the cgroup, so that
	 * a run's own gc stays cheap. Only `hermetic-bpf gc` unloads an
	 * unused set (the next run would load it again).
	 */
	if (n > 0 || everything)
		hb_tierb_progs_collect(collect_tier_b, d, everything);
	closedir(d);
	return n;
}
