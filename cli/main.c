// SPDX-License-Identifier: GPL-2.0-only
/* hermetic-bpf: the kernel enforces what hermetic's Python patches ask. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "commands.h"
#include "exit_status.h"

#ifndef HB_VERSION
#define HB_VERSION "0.1.0"
#endif

static void usage(FILE *f)
{
	fputs("Usage: hermetic-bpf COMMAND [ARG]...\n"
	      "Confine a process tree with BPF-LSM, per cgroup v2.\n"
	      "\n"
	      "Commands:\n"
	      "  run [OPTION]... [--] CMD [ARG]...   run CMD confined (see run --help)\n"
	      "  gc                                  remove sandboxes left by a killed run\n"
	      "  doctor [--json]                     which mechanism enforces each guard here\n"
	      "  learn -o FILE [--] CMD [ARG]...     run CMD in audit mode, write its policy\n"
	      "  agent [--policies DIR]              confine cgroups host-wide (see agent --help)\n"
	      "  status                              what the agent's pins enforce\n"
	      "  policy apply|show|clear --cgroup PATH  a policy on the running agent\n"
	      "  trace [--json] [--cgroup PATH]      follow the running agent's events\n"
	      "  version                             print the version\n"
	      "\n"
	      "Exit status: 125 when hermetic-bpf fails; run passes on CMD's status.\n",
	      f);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		usage(stderr);
		return HB_EXIT_FAILURE;
	}
	if (!strcmp(cmd, "run"))
		exit(hb_cmd_run(argc - 1, argv + 1));
	if (!strcmp(cmd, "gc"))
		exit(hb_cmd_gc(argc - 1, argv + 1));
	if (!strcmp(cmd, "doctor"))
		exit(hb_cmd_doctor(argc - 1, argv + 1));
	if (!strcmp(cmd, "learn"))
		exit(hb_cmd_learn(argc - 1, argv + 1));
	if (!strcmp(cmd, "agent"))
		exit(hb_cmd_agent(argc - 1, argv + 1));
	if (!strcmp(cmd, "status"))
		exit(hb_cmd_status(argc - 1, argv + 1));
	if (!strcmp(cmd, "policy"))
		exit(hb_cmd_policy(argc - 1, argv + 1));
	if (!strcmp(cmd, "trace"))
		exit(hb_cmd_trace(argc - 1, argv + 1));
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		puts("hermetic-bpf " HB_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	hb_log("unknown command '%s'", cmd);
	fputs("Try 'hermetic-bpf --help' for more information.\n", stderr);
	return HB_EXIT_FAILURE;
}
