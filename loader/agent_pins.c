// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "agent_pins.h"
#include "bpffs.h"
#include "cgroup.h"
#include "guard.h"
#include "log.h"
#include "path.h"
#include "hermetic.skel.h"

#define LINK_PREFIX "link_"
#define MAP_PREFIX "map_"
/* An unloaded agent's pins while warm runs use it (bpffs refuses dots). */
#define RETIRED_PREFIX HB_AGENT_PIN_DIR "-retired-"

/* Why pins cannot be used: said by the agent and status, only -v for a run. */
#define say(quiet, ...) ((quiet) ? hb_debug(__VA_ARGS__) : hb_log(__VA_ARGS__))

/* The maps the agent writes policies into and reads events from. */
static const char *const map_names[] = {
	"hb_policies", "hb_levels", "hb_stats", "hb_net_rules", "hb_unix_rules",
	"hb_unix_paths", "hb_exec_rules", "hb_fs_subtrees", "hb_events",
	"hb_event_rings", "hb_ring_owners",
	"hb_cg_paths", "hb_cg_ids", "hb_cg_events", "hb_bind_rules", "hb_dns_addrs",
};
#define N_MAPS (sizeof(map_names) / sizeof(map_names[0]))

static int *map_fd(struct hb_agent_obj *ag, size_t i)
{
	int *fds[N_MAPS] = {
		&ag->maps.policies, &ag->maps.levels, &ag->maps.stats, &ag->maps.net_rules,
		&ag->maps.unix_rules, &ag->maps.unix_paths, &ag->maps.exec_rules,
		&ag->maps.fs_rules, &ag->events, &ag->rings, &ag->ring_owners, &ag->follow.paths,
		&ag->follow.ids, &ag->follow.events, &ag->maps.bind_rules, &ag->maps.dns_addrs,
	};

	return fds[i];
}

/*
 * The programs the agent's object has, of the guards whose rows say the
 * agent serves them on @tier (per-cgroup policies say which guard applies
 * where). On BPF-LSM (@tier HB_TIER_A): the LSM programs, with the file
 * write hooks but not the read root's. Without it (HB_TIER_B): the
 * cgroup programs of the guards on cgroup-bpf. Either: allow-domain's
 * redirect (cgroup programs; a policy with domains has its proxy in the
 * agent, agent/agent_dns.c). Cgroup programs attach once, at the cgroup2
 * root; @t gives the kernel's unix hook numbers (NULL: only
 * opened, never loaded). Either follows its cgroups' paths: a re-created
 * one is confined before it is visible.
 */
static void agent_config(struct hb_sandbox_config *cfg, enum hb_tier tier,
			 const struct hb_tiers *t)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->policy.guards = hb_guard_agent_bits_on(tier);
	cfg->policy.fs = tier == HB_TIER_A ? HB_FS_READONLY : 0;
	cfg->policy.net = HB_NET_DNS_PROXY;
	cfg->tiers.unix_connect = t ? t->unix_connect : -1;
	cfg->tiers.unix_sendmsg = t ? t->unix_sendmsg : -1;
	hb_for_each_guard(row) {
		if (hb_guard_agent_serves(row, tier))
			cfg->tiers.mech[hb_guard_kind(row)] = tier == HB_TIER_A ? row->tier_a :
							      row->tier_b;
	}
	cfg->follow_cgroups = true;
}

const char *hb_agent_cannot_serve(const struct hb_sandbox_config *cfg)
{
	__u32 g = cfg->policy.guards;
	const char *why;

	if (g & ~hb_guard_agent_bits())
		return "a guard it does not have";
	hb_for_each_guard(row) {
		if (row->agent_refuses && (why = row->agent_refuses(&cfg->policy)))
			return why;
	}
	hb_for_each_guard(row) {
		if (((g & row->bit) || row->always) &&
		    cfg->tiers.mech[hb_guard_kind(row)] != HB_TIER_A)
			return "a guard enforced by another mechanism than BPF-LSM";
	}
	return NULL;
}

/* The entries of @dir whose name starts with @prefix ("": all but dot files). */
static size_t count_entries(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.' && !strncmp(de->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

/*
 * How many links the agent pinned, in a one-entry map pinned after the
 * last link: a run checks the set against it without opening the object.
 * Before it, the tier they are on (enum hb_tier), in the same kind of map:
 * every command learns it there.
 */
#define MANIFEST MAP_PREFIX "hb_links"
#define TIER_PIN MAP_PREFIX "hb_tier"

/* The tier the agent's pins were made on: older agents' had none (BPF-LSM). */
static enum hb_tier pinned_tier(const char *dir)
{
	__u32 tier;

	if (hb_bpffs_read_count(dir, TIER_PIN, &tier) || tier == HB_TIER_NONE)
		return HB_TIER_A;
	return (enum hb_tier)tier;
}

/* Whether @dir holds as many links as its manifest says were pinned. */
static bool manifest_holds(const char *dir, bool quiet)
{
	__u32 links = 0;
	size_t n;
	int err;

	err = hb_bpffs_read_count(dir, MANIFEST, &links);
	if (err) {
		say(quiet, "agent pins are incomplete: %s/%s: %s", dir, MANIFEST, strerror(-err));
		return false;
	}
	n = count_entries(dir, LINK_PREFIX);
	if (n != links)
		say(quiet, "agent pins are incomplete: %s holds %zu of the %u links pinned",
		    dir, n, links);
	return n == links;
}

/*
 * Every expected pin must be there: a link missing is a hook unguarded.
 * With @names (the object, opened), each of its links is looked for by
 * name; the manifest's count is checked either way.
 */
static int restore(struct hb_agent_obj *ag, struct hermetic *names, bool quiet)
{
	const struct bpf_object_skeleton *s = names ? names->skeleton : NULL;
	char path[PATH_MAX];
	int fd, missing = 0;

	for (size_t i = 0; i < N_MAPS; i++) {
		if (hb_obj_pin_path(path, sizeof(path), ag->dir, MAP_PREFIX, map_names[i]))
			return -ENAMETOOLONG;
		*map_fd(ag, i) = fd = bpf_obj_get(path);
		if (fd < 0) {
			say(quiet, "agent pins are incomplete: %s: %s", path, strerror(errno));
			missing++;
		}
	}
	for (int i = 0; s && i < s->prog_cnt; i++) {
		if (!bpf_program__autoload(*s->progs[i].prog))
			continue;
		if (hb_obj_pin_path(path, sizeof(path), ag->dir, LINK_PREFIX, s->progs[i].name))
			return -ENAMETOOLONG;
		fd = bpf_obj_get(path);
		if (fd < 0) {
			say(quiet, "agent pins are incomplete: %s: %s", path, strerror(errno));
			missing++;
		}
		close(fd);
	}
	if (!manifest_holds(ag->dir, quiet))
		missing++;
	if (missing && !quiet) {
		hb_hint("`hermetic-bpf agent --unload` removes what is left; then start "
			"the agent again");
	}
	if (missing)
		return -EEXIST;
	/* Another build's layout would be misread: refuse it. */
	if (!hb_obj_maps_match(&ag->maps)) {
		say(quiet, "the pinned agent in %s is from another hermetic-bpf version",
		    ag->dir);
		if (!quiet)
			hb_hint("`hermetic-bpf agent --unload`, then start this agent");
		return -EPROTO;
	}
	ag->restored = true;
	return 0;
}

/*
 * The cgroup programs (tier B's guard, the DNS redirect of either tier)
 * attach once, at the cgroup2 root, as links (which coexist with any
 * other program there, as BPF_F_ALLOW_MULTI does): they run for every
 * socket of the host, and a policy in the maps picks the cgroups they
 * confine.
 */
static int attach(struct hermetic *skel)
{
	char root[PATH_MAX];
	int fd, err;

	err = hb_cgroup_root(root, sizeof(root));
	if (err)
		return err;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		hb_log("cannot open the cgroup2 root %s: %s", root, strerror(errno));
		return err;
	}
	err = hb_obj_attach(skel, fd);
	close(fd);
	return err;
}

static int pin_new(struct hb_agent_obj *ag, const struct hb_sandbox_config *cfg,
		   enum hb_tier tier)
{
	char path[PATH_MAX];
	int err;

	err = hb_obj_load(&ag->skel, cfg);
	if (err)
		return err;
	/*
	 * Policies sit at any level: the hooks look at every level of the
	 * task's cgroup path (one lookup per level it has). hb_sandbox_id
	 * stays 0: this object serves many cgroups.
	 */
	ag->skel->bss->hb_sandbox_id = 0;
	ag->skel->bss->hb_level_lo = 1;
	ag->skel->bss->hb_level_hi = HB_MAX_LEVELS;
	hb_obj_policy_maps(ag->skel, &ag->maps);
	ag->events = bpf_map__fd(ag->skel->maps.hb_events);
	/* The agent itself makes warm sandboxes too (CONFINE): it needs this one. */
	ag->rings = bpf_map__fd(ag->skel->maps.hb_event_rings);
	ag->ring_owners = bpf_map__fd(ag->skel->maps.hb_ring_owners);
	ag->follow.paths = bpf_map__fd(ag->skel->maps.hb_cg_paths);
	ag->follow.ids = bpf_map__fd(ag->skel->maps.hb_cg_ids);
	ag->follow.events = bpf_map__fd(ag->skel->maps.hb_cg_events);
	ag->tier = tier;
	ag->maps.always = tier == HB_TIER_A ? HB_GUARD_TAMPER : 0;
	err = attach(ag->skel);
	for (size_t i = 0; !err && i < N_MAPS; i++) {
		struct bpf_map *m = hb_obj_map_by_pin_name(ag->skel, map_names[i]);

		err = hb_obj_pin_path(path, sizeof(path), ag->dir, MAP_PREFIX, map_names[i]);
		if (!err)
			err = m ? bpf_map__pin(m, path) : -ENOENT;
		if (err)
			hb_log("cannot pin %s: %s", path, strerror(-err));
	}
	if (!err)
		err = hb_obj_pin_links(ag->skel, ag->dir, LINK_PREFIX);
	/* Before the manifest, which lets runs in: the first warm run finds it made. */
	if (!err && tier == HB_TIER_A) {
		struct hb_ring_pool rings = hb_agent_obj_rings(ag);

		err = hb_ring_make_kept(&rings, 0);
	}
	if (!err)
		err = hb_bpffs_pin_count(ag->dir, TIER_PIN, tier);
	if (!err)
		err = hb_bpffs_pin_count(ag->dir, MANIFEST, count_entries(ag->dir, LINK_PREFIX));
	return err;
}

/* The pinned object in <bpffs>/@name, on the tier its manifest records. */
static int find(struct hb_agent_obj *ag, const char *name, bool mount, bool quiet)
{
	struct hb_sandbox_config cfg;
	struct hermetic *names = NULL;
	int err;

	memset(ag, 0, sizeof(*ag));
	ag->events = ag->rings = ag->ring_owners = -1;
	ag->lock = ag->use_lock = -1;
	ag->maps = (struct hb_policy_maps){ -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0 };
	ag->follow = (struct hb_follow_maps){ -1, -1, -1 };
	err = hb_bpffs_dir(name, ag->dir, sizeof(ag->dir), mount);
	if (err)
		return err;
	if (!count_entries(ag->dir, ""))
		return -ENOENT;
	ag->tier = pinned_tier(ag->dir);
	ag->maps.always = ag->tier == HB_TIER_A ? HB_GUARD_TAMPER : 0;
	agent_config(&cfg, ag->tier, NULL);
	/*
	 * Opened, not loaded: which programs a full set of pins holds. A run
	 * (@quiet) trusts the manifest's count instead: opening the object
	 * costs it more than the rest of a warm start.
	 */
	err = quiet ? 0 : hb_obj_open(&names, &cfg);
	if (!err)
		err = restore(ag, names, quiet);
	hermetic__destroy(names);
	if (err)
		hb_agent_obj_close(ag);
	return err == -ENOENT ? -EEXIST : err;
}

int hb_agent_obj_find(struct hb_agent_obj *ag)
{
	return find(ag, HB_AGENT_PIN_DIR, false, false);
}

/*
 * Using the programs: a warm run holds this shared from borrowing them
 * until its policy is written; --unload holds it exclusive. So --unload
 * sees every warm run's policy, or no run finds the programs meanwhile.
 * It is the lock of bpffs's root, where the agent's directory is.
 */
static int lock_use(const char *agent_dir, int op)
{
	char root[PATH_MAX];
	char *slash;
	int fd;

	snprintf(root, sizeof(root), "%s", agent_dir);
	slash = strrchr(root, '/');
	if (slash)
		slash[slash == root] = '\0';
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, op)) {
		int err = -errno;

		if (err != -ENOENT)
			hb_log("cannot lock %s: %s", root, strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

int hb_agent_obj_borrow(struct hb_agent_obj *ag)
{
	char dir[PATH_MAX];
	int use, err;

	err = hb_bpffs_dir(HB_AGENT_PIN_DIR, dir, sizeof(dir), false);
	use = err ? err : lock_use(dir, LOCK_SH);
	if (use < 0) {
		memset(ag, 0, sizeof(*ag));
		ag->lock = ag->use_lock = -1;
		return use;
	}
	err = find(ag, HB_AGENT_PIN_DIR, false, true);
	/* Warm runs are BPF-LSM's: a tier B object has no hooks for their guards. */
	if (!err && ag->tier != HB_TIER_A) {
		hb_debug("the agent's object is tier B's: the run loads its own");
		hb_agent_obj_close(ag);
		err = -EOPNOTSUPP;
	}
	if (err)
		close(use);
	else
		ag->use_lock = use;
	return err;
}

void hb_agent_obj_release(struct hb_agent_obj *ag)
{
	if (ag->use_lock >= 0)
		close(ag->use_lock);
	ag->use_lock = -1;
}

/* One agent at a time: two would write policies and read events over each other. */
static int lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
		if (err != -ENOENT)
			hb_log("cannot open %s: %s", dir, strerror(errno));
		return err;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (err == -EBUSY)
			hb_log("another agent is running (it holds the lock on %s)", dir);
		else
			hb_log("cannot lock %s: %s", dir, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

int hb_agent_obj_open(struct hb_agent_obj *ag, const struct hb_tiers *t)
{
	enum hb_tier tier = t->net == HB_TIER_A ? HB_TIER_A : HB_TIER_B;
	struct hb_sandbox_config cfg;
	char dir[PATH_MAX];
	int err, lock;

	agent_config(&cfg, tier, t);
	err = hb_bpffs_dir(HB_AGENT_PIN_DIR, dir, sizeof(dir), true);
	lock = err ? err : lock_dir(dir);
	if (lock < 0)
		return lock;
	err = find(ag, HB_AGENT_PIN_DIR, true, false);
	/* The kernel's LSMs changed under the pins (a reboot keeps no pins): refuse. */
	if (!err && ag->tier != tier) {
		hb_log("the pinned agent in %s runs on %s; this agent would run on %s", ag->dir,
		       hb_tier_name(ag->tier), hb_tier_name(tier));
		hb_hint("`hermetic-bpf agent --unload`, then start the agent again");
		hb_agent_obj_close(ag);
		err = -EPROTO;
	}
	if (err == -ENOENT) {
		err = pin_new(ag, &cfg, tier);
		if (err) {
			hb_bpffs_remove_dir(ag->dir);
			hb_agent_obj_close(ag);
		}
	}
	if (err)
		close(lock);
	else
		ag->lock = lock;
	return err;
}

void hb_agent_obj_close(struct hb_agent_obj *ag)
{
	if (ag->restored)
		for (size_t i = 0; i < N_MAPS; i++)
			if (*map_fd(ag, i) >= 0)
				close(*map_fd(ag, i));
	hermetic__destroy(ag->skel);
	ag->skel = NULL;
	ag->restored = false;
	if (ag->lock >= 0)
		close(ag->lock);
	ag->lock = -1;
	hb_agent_obj_release(ag);
}

/* Deletes every policy but a running sandbox's (HB_ORIGIN_RUN). */
static int clear_policies(int fd)
{
	__u64 key, next, *gone = calloc(HB_MAX_SANDBOXES, sizeof(*gone));
	struct hb_policy pol;
	size_t n = 0;
	void *prev = NULL;
	int err = 0;

	if (!gone)
		return -ENOMEM;
	while (n < HB_MAX_SANDBOXES && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &pol) && pol.origin != HB_ORIGIN_RUN)
			gone[n++] = key;
	}
	for (size_t i = 0; i < n && !err; i++)
		if (bpf_map_delete_elem(fd, &gone[i]) && errno != ENOENT) {
			err = -errno;
			hb_log("cannot remove the policy of cgroup %llu: %s",
			       (unsigned long long)gone[i], strerror(errno));
		}
	free(gone);
	return err;
}

/* Whether any warm run's policy is in the map @fd. */
static bool has_run_policy(int fd)
{
	__u64 key, next;
	struct hb_policy pol;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &pol) && pol.origin == HB_ORIGIN_RUN)
			return true;
	}
	return false;
}

/*
 * Moved aside under a name of its own, programs and all: a new agent can
 * start while the old object serves its warm runs to their end.
 */
static int retire(const char *dir)
{
	char to[PATH_MAX];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (snprintf(to, sizeof(to), "%s-retired-%lld%09ld", dir, (long long)ts.tv_sec,
		     ts.tv_nsec) >= (int)sizeof(to))
		return -ENAMETOOLONG;
	if (rename(dir, to)) {
		hb_log("cannot move %s aside: %s", dir, strerror(errno));
		return -errno;
	}
	hb_debug("warm runs still use the agent's programs: kept in %s until they end", to);
	return 0;
}

int hb_agent_obj_unload(void)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int fd, err, lock, use;
	bool runs = false;

	err = hb_bpffs_dir(HB_AGENT_PIN_DIR, dir, sizeof(dir), false);
	if (err == -ENOENT)
		return 0; /* no bpffs: nothing pinned */
	if (err)
		return err;
	/* No warm run is between finding the programs and writing its policy. */
	use = lock_use(dir, LOCK_EX);
	if (use < 0)
		return use == -ENOENT ? 0 : use;
	lock = lock_dir(dir);
	if (lock < 0) {
		close(use);
		/* A running agent would keep the programs loaded. */
		return lock == -ENOENT ? 0 : lock;
	}
	/* Followed paths first: no re-created cgroup gets a policy from here on. */
	err = hb_obj_pin_path(path, sizeof(path), dir, MAP_PREFIX, "hb_cg_paths");
	fd = err ? -1 : bpf_obj_get(path);
	if (fd >= 0) {
		struct hb_cg_path pk;

		while (!bpf_map_get_next_key(fd, NULL, &pk))
			if (bpf_map_delete_elem(fd, &pk))
				break;
		close(fd);
	}
	if (!err)
		err = hb_obj_pin_path(path, sizeof(path), dir, MAP_PREFIX, "hb_policies");
	fd = err ? -1 : bpf_obj_get(path);
	if (fd >= 0) {
		/* Cleared first: the programs enforce none of the agent's policies any more. */
		err = clear_policies(fd);
		runs = !err && has_run_policy(fd);
		close(fd);
	}
	/* A warm run's policy stays, and the programs with it, until it ends. */
	if (!err)
		err = runs ? retire(dir) : hb_bpffs_remove_dir(dir);
	close(lock);
	close(use);
	return err;
}

int hb_agent_obj_collect_retired(void (*each)(const struct hb_agent_obj *ag, void *ctx),
				 void *ctx)
{
	char root[PATH_MAX], name[NAME_MAX + 1];
	struct hb_agent_obj ag;
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (hb_bpffs_dir("", root, sizeof(root), false) || !(d = opendir(root)))
		return 0;
	while ((de = readdir(d))) {
		__u64 key;
		bool empty;

		if (strncmp(de->d_name, RETIRED_PREFIX, strlen(RETIRED_PREFIX)))
			continue;
		snprintf(name, sizeof(name), "%s", de->d_name);
		if (find(&ag, name, false, true))
			continue;
		if (each)
			each(&ag, ctx);
		empty = bpf_map_get_next_key(ag.maps.policies, NULL, &key) && errno == ENOENT;
		hb_agent_obj_close(&ag);
		if (empty && !hb_bpffs_remove_dir(ag.dir)) {
			hb_debug("the last warm run of an unloaded agent ended: removed %s", ag.dir);
			n++;
		}
	}
	closedir(d);
	return n;
}