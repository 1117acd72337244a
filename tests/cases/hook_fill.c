// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attaches hook_fill.bpf.c's programs for one hook (socket_connect or
 * file_open) one by one until the kernel refuses one, prints
 * "attached N: <why the next was refused>", and keeps them attached
 * until its stdin closes.
 * Exit: 0 when the hook was filled; 1 when every program fitted, or on
 * an error (the case then cannot test a full hook). Usage: hook_fill HOOK
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "hook_fill.skel.h"

/* "connect_07" belongs to socket_connect, "open_07" to file_open. */
static bool for_hook(const struct bpf_program *prog, const char *hook)
{
	const char *want = strcmp(hook, "socket_connect") ? "open_" : "connect_";

	return !strncmp(bpf_program__name(prog), want, strlen(want));
}

int main(int argc, char **argv)
{
	struct bpf_program *prog;
	struct hook_fill *skel;
	int attached = 0, err = 0;
	char buf[64];

	if (argc != 2 || (strcmp(argv[1], "socket_connect") && strcmp(argv[1], "file_open"))) {
		fprintf(stderr, "usage: hook_fill socket_connect|file_open\n");
		return 1;
	}
	skel = hook_fill__open();
	if (!skel)
		return 1;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, for_hook(prog, argv[1]));
	if (hook_fill__load(skel)) {
		fprintf(stderr, "hook_fill: cannot load: %s\n", strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		if (!bpf_program__autoload(prog))
			continue;
		err = libbpf_get_error(bpf_program__attach(prog));
		if (err)
			break;
		attached++;
	}
	printf("attached %d: %s\n", attached, err ? strerror(-err) : "all fitted");
	fflush(stdout);
	if (!err)
		return 1;
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	/* The links close with the process. */
	hook_fill__destroy(skel);
	return 0;
}
