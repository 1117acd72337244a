// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loads and attaches the empty floor programs (floor.bpf.c), prints
 * "ready", and keeps them attached until its stdin closes (so they go
 * away with whoever started it). Started after a sandbox's programs, the
 * floor runs first on each hook (the newest link runs first) and so sees
 * every call, even those a later program denies.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "floor.skel.h"

int main(void)
{
	struct floor *skel;
	char buf[64];
	int err;

	skel = floor__open_and_load();
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
	printf("ready\n");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	floor__destroy(skel);
	return 0;
}
