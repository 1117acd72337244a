// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loads and attaches empty floor programs, prints "ready", and keeps them
 * attached until its stdin closes (so they go away with whoever started
 * it). Without an argument, the BPF-LSM ones (floor.bpf.c): started after
 * a sandbox's programs, the floor runs first on each hook (the newest
 * link runs first) and so sees every call, even those a later program
 * denies. With a cgroup directory, the cgroup ones (floor_cgroup.bpf.c),
 * attached there beside whatever is (BPF_F_ALLOW_MULTI, as links).
 * With --only NAME,...: only those BPF-LSM programs, named as the kernel
 * names them (the operations' floor: empty programs on the hooks a
 * sandbox attaches, bench.py).
 */
#include <fcntl.h>
#include <stdbool.h>
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

/* Whether @name is one of the comma-separated @names (NULL: all are). */
static bool named(const char *names, const char *name)
{
	size_t len = strlen(name);
	const char *at = names;

	if (!names)
		return true;
	for (; (at = strstr(at, name)); at += len)
		if ((at == names || at[-1] == ',') && (at[len] == ',' || !at[len]))
			return true;
	return false;
}

/* Every program of @only is one of the object's: a typo loads nothing. */
static int load_only(struct floor *skel, const char *only)
{
	struct bpf_program *prog;
	size_t found = 0, asked = 1;

	for (const char *c = only; only && *c; c++)
		asked += *c == ',';
	bpf_object__for_each_program(prog, skel->obj) {
		char kernel_name[BPF_OBJ_NAME_LEN]; /* as prog_stats prints it: cut short */
		bool on;

		snprintf(kernel_name, sizeof(kernel_name), "%s", bpf_program__name(prog));
		on = named(only, kernel_name);

		found += on;
		bpf_program__set_autoload(prog, on);
	}
	if (only && found != asked) {
		fprintf(stderr, "floor_load: --only %s: %zu of %zu names are programs here\n",
			only, found, asked);
		return -1;
	}
	return floor__load(skel);
}

static int lsm_floor(const char *only)
{
	struct floor *skel = floor__open();
	int err;

	if (!skel || load_only(skel, only)) {
		fprintf(stderr, "floor_load: cannot load the floor programs\n");
		floor__destroy(skel);
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
	if (argc == 3 && !strcmp(argv[1], "--only"))
		return lsm_floor(argv[2]);
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: floor_load [--only NAME,... | CGROUP]\n");
		return 2;
	}
	return argc > 1 ? cgroup_floor(argv[1]) : lsm_floor(NULL);
}
