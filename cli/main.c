// SPDX-License-Identifier: GPL-2.0-only
/* hermetic-bpf: the kernel enforces what hermetic's Python patches ask. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "commands.h"
#include "exit_status.h"

/* The Makefile passes it from scripts/version, the one place it is set. */
#ifndef HB_VERSION
#error "HB_VERSION is not defined: build with make"
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
	      "  help [COMMAND]                      show this help, or COMMAND's\n"
	      "\n"
	      "Options:\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  print the version\n"
	      "\n"
	      "Exit status: 125 when hermetic-bpf fails; run passes on CMD's status.\n",
	      f);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", hb_cmd_run },       { "gc", hb_cmd_gc },
	{ "doctor", hb_cmd_doctor }, { "learn", hb_cmd_learn },
	{ "agent", hb_cmd_agent },   { "status", hb_cmd_status },
	{ "policy", hb_cmd_policy }, { "trace", hb_cmd_trace },
};

static int (*command(const char *name))(int, char **)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].fn;
	return NULL;
}

static int unknown(const char *cmd)
{
	hb_log("unknown command '%s'", cmd);
	fputs("Try 'hermetic-bpf --help' for more information.\n", stderr);
	return HB_EXIT_FAILURE;
}

/* `help CMD` is `CMD --help`, as git and systemctl users expect. */
static int help(int argc, char **argv)
{
	char *args[] = { argv[1], "--help", NULL };
	int (*fn)(int, char **);

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	fn = command(argv[1]);
	return fn ? fn(2, args) : unknown(argv[1]);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	int (*fn)(int, char **);

	if (!cmd) {
		usage(stderr);
		return HB_EXIT_FAILURE;
	}
	fn = command(cmd);
	if (fn)
		exit(fn(argc - 1, argv + 1));
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		puts("hermetic-bpf " HB_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "help"))
		return help(argc - 1, argv + 1);
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	return unknown(cmd);
}
