// SPDX-License-Identifier: GPL-2.0-only
/* `hermetic-bpf status`: what the agent's pins enforce (spec/agent.md). */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "agent_pins.h"
#include "cgroup.h"
#include "commands.h"
#include "exit_status.h"
#include "log.h"
#include "tier.h"

/* Policies shown at most; the map holds HB_MAX_SANDBOXES. */
struct entry {
	__u64 id;
	char path[PATH_MAX];
};

static struct {
	struct entry *v;
	size_t n;
	size_t root_len;
} found;

/* Names each policy's cgroup by its id, the directory's inode number. */
static int visit(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)f;
	if (flag != FTW_D)
		return 0;
	for (size_t i = 0; i < found.n; i++)
		if (found.v[i].id == st->st_ino)
			snprintf(found.v[i].path, sizeof(found.v[i].path), "%s",
				 path[found.root_len] ? path + found.root_len : "/");
	return 0;
}

static void print_guards(__u32 guards)
{
	const char *sep = "";

	for (const struct hb_guard_name *g = hb_guard_names; g->name; g++)
		if (guards & g->guard) {
			printf("%s%s", sep, g->name);
			sep = ",";
		}
}

static int show(const struct hb_agent_obj *ag, const char *cgroot)
{
	__u64 key, next;
	void *prev = NULL;
	size_t links = 0;
	struct dirent *de;
	DIR *d = opendir(ag->dir);

	while (d && (de = readdir(d)))
		links += !strncmp(de->d_name, "link_", 5);
	if (d)
		closedir(d);
	printf("agent: pinned in %s, %zu programs attached\n", ag->dir, links);
	found.v = calloc(HB_MAX_SANDBOXES, sizeof(*found.v));
	if (!found.v)
		return -ENOMEM;
	while (found.n < HB_MAX_SANDBOXES &&
	       !bpf_map_get_next_key(ag->maps.policies, prev, &next)) {
		key = next;
		prev = &key;
		found.v[found.n].id = key;
		strcpy(found.v[found.n++].path, "(cgroup gone)");
	}
	found.root_len = strlen(cgroot);
	if (found.n)
		nftw(cgroot, visit, 16, FTW_PHYS | FTW_MOUNT);
	printf("policies: %zu\n", found.n);
	for (size_t i = 0; i < found.n; i++) {
		struct hb_policy p = {};
		struct hb_stats s = {};

		bpf_map_lookup_elem(ag->maps.policies, &found.v[i].id, &p);
		bpf_map_lookup_elem(ag->maps.stats, &found.v[i].id, &s);
		printf("  %s (cgroup id %llu): ", found.v[i].path,
		       (unsigned long long)found.v[i].id);
		print_guards(p.guards);
		printf("; denied %llu, events lost %llu, limited %llu\n",
		       (unsigned long long)s.denied, (unsigned long long)s.events_lost,
		       (unsigned long long)s.events_limited);
	}
	free(found.v);
	return 0;
}

int hb_cmd_status(int argc, char **argv)
{
	struct hb_agent_obj ag;
	char cgroot[PATH_MAX];
	int err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			puts("Usage: hermetic-bpf status\n"
			     "What the host-wide agent's pins enforce: its programs, each\n"
			     "policy by cgroup path, and their counters. Exit status: 0, or\n"
			     "125 if the pins cannot be read or are incomplete.");
			return 0;
		}
		fprintf(stderr, "hermetic-bpf: status: unknown argument '%s'\n"
			"Try 'hermetic-bpf status --help' for more information.\n", argv[i]);
		return HB_EXIT_FAILURE;
	}
	if (geteuid() != 0) {
		hb_log("status needs root (it reads the agent's pinned maps)");
		return HB_EXIT_FAILURE;
	}
	err = hb_agent_obj_find(&ag);
	if (err == -ENOENT) {
		puts("agent: nothing pinned");
		return 0;
	}
	if (!err)
		err = hb_cgroup_root(cgroot, sizeof(cgroot));
	if (!err)
		err = show(&ag, cgroot);
	hb_agent_obj_close(&ag);
	return err ? HB_EXIT_FAILURE : 0;
}
