// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loads and attaches empty floor programs, prints "ready", and keeps them
 * attached until its stdin closes (so they go away with whoever started
 * it). Without an argument, the BPF-LSM ones (floor.bpf.c): started after
 * a sandbox's programs, the floor runs first on each hook (the newest
 * link runs first) and so sees every call, even those a later program
 * denies. With a cgroup directory, the cgroup ones (floor_cgroup.bpf.c),
 * attached there beside whatever is (BPF_F_ALLOW_MULTI, as links).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "floor.skel.h"
#include "floor_cgroup.skel.h"

/* Until our stdin closes. */
static void hold(void)
{
	char buf[64];

	printf("ready\n");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
}

static int lsm_floor(void)
{
	struct floor *skel = floor__open_and_load();
	int err;

	if (!skel) {
		fprintf(stderr, "floor_load: cannot load the floor programs\n");
		return 1;
	}
	err = floor__attach(skel);
	if (err) {
		fprintf(stderr, "floor_load: cannot attach: %s\n", strerror(-err));
		floor__destroy(skel);
		return 1;
	}
	hold();
	floor__destroy(skel);
	return 0;
}

static int cgroup_floor(const char *cgroup)
{
	struct floor_cgroup *skel = floor_cgroup__open_and_load();
	struct bpf_program *prog;
	int cg = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;

	if (!skel || cg < 0) {
		fprintf(stderr, "floor_load: cannot load the cgroup floor programs or open %s\n",
			cgroup);
		err = 1;
		goto out;
	}
	/* Each link lives until this process exits, which closes it. */
	bpf_object__for_each_program(prog, skel->obj) {
		if (!bpf_program__attach_cgroup(prog, cg)) {
			fprintf(stderr, "floor_load: cannot attach %s to %s\n",
				bpf_program__name(prog), cgroup);
			err = 1;
			goto out;
		}
	}
	hold();
out:
	if (cg >= 0)
		close(cg);
	floor_cgroup__destroy(skel);
	return err;
}

int main(int argc, char **argv)
{
	return argc > 1 ? cgroup_floor(argv[1]) : lsm_floor();
}
