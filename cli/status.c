// SPDX-License-Identifier: GPL-2.0-only
/* `hermetic-bpf status`: what the agent's pins enforce (spec/agent-commands.md). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "agent_pins.h"
#include "cgroup.h"
#include "commands.h"
#include "exit_status.h"
#include "log.h"
#include "misuse.h"
#include "policy_list.h"
#include "tier.h"

static int show(const struct hb_agent_obj *ag, const char *cgroot)
{
	char served[128], refused[128];
	struct hb_policy_list l;
	size_t links = 0;
	struct dirent *de;
	DIR *d = opendir(ag->dir);
	int err;

	while (d && (de = readdir(d)))
		links += !strncmp(de->d_name, "link_", 5);
	if (d)
		closedir(d);
	printf("agent: pinned in %s, %zu programs attached\n", ag->dir, links);
	printf("tier: %s\n", hb_tier_name(ag->tier));
	hb_guard_agent_lists(ag->tier, served, refused, sizeof(served));
	printf("serves: %s%s%s%s\n", served, refused[0] ? "; refuses: " : "", refused,
	       refused[0] ? " (they need BPF-LSM)" : "");
	printf("users' runs: %s\n", hb_guard_agent_runs(ag->tier));
	err = hb_policy_list_read(&ag->maps, cgroot, &l);
	if (err)
		return err;
	hb_policy_list_print(stdout, &l, NULL, NULL);
	hb_policy_list_free(&l);
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
			     "What the host-wide agent's pins enforce: its programs, the tier\n"
			     "(BPF-LSM, or cgroup-bpf without it) and the guards it serves\n"
			     "there, each policy by cgroup path with its origin (file,\n"
			     "apply or run), guards, rules and counters. Exit status: 0, or\n"
			     "125 if the pins cannot be read or are incomplete.");
			return 0;
		}
		hb_misuse("status", "unknown argument '%s'", argv[i]);
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
