// SPDX-License-Identifier: GPL-2.0-only
/*
 * The command line of `run`: argv[0] is "run", the input's NUL-separated
 * strings are the rest (at most MAX_ARGS words).
 */
#include <errno.h>
#include "dns_name.h"
#include "fuzz.h"
#include "hermetic_abi.h"
#include "run_args.h"

#define MAX_ARGS 32

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_stderr();
	return 0;
}

static void check_parsed(const struct hb_run_args *a, int argc, char **argv)
{
	FUZZ_CHECK(a->rules.n_ip_rules + a->rules.n_domains + a->rules.n_unix_paths +
		   a->rules.n_exec_paths < (size_t)argc);
	for (size_t i = 0; i < a->rules.n_ip_rules; i++)
		FUZZ_CHECK(a->rules.ip_rules[i].prefix <= 128);
	for (size_t i = 0; i < a->rules.n_domains; i++)
		FUZZ_CHECK(hb_domain_valid(a->rules.domains[i]));
	for (size_t i = 0; i < a->rules.n_unix_paths; i++)
		FUZZ_CHECK(a->rules.unix_paths[i][0] == '/');
	for (size_t i = 0; i < a->rules.n_exec_paths; i++)
		FUZZ_CHECK(a->rules.exec_paths[i][0] == '/');
	FUZZ_CHECK(!(a->rules.guards & ~HB_GUARD_ALL));
	/* An allow-list never comes without the guard it loosens. */
	if (a->rules.n_ip_rules || a->rules.n_domains || a->rules.n_unix_paths || a->rules.net)
		FUZZ_CHECK(a->rules.guards & HB_GUARD_NET);
	if (a->rules.n_exec_paths)
		FUZZ_CHECK(a->rules.guards & HB_GUARD_EXEC);
	if (a->no_env)
		FUZZ_CHECK(a->rules.guards & HB_GUARD_ENV);
	/* JSON and a trace file are kinds of trace; file names are never empty. */
	if (a->trace_json || a->trace_file)
		FUZZ_CHECK(a->trace);
	if (a->trace_file)
		FUZZ_CHECK(a->trace_file[0]);
	if (a->summary_json)
		FUZZ_CHECK(a->summary_json[0]);
	if (a->trace_file && a->summary_json)
		FUZZ_CHECK(strcmp(a->trace_file, a->summary_json));
	if (a->help)
		return;
	/* The command is the tail of argv, never an option's value. */
	FUZZ_CHECK(a->cmd && a->cmd > argv && a->cmd < argv + argc);
	FUZZ_CHECK(a->cmd[argv + argc - a->cmd] == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_cstr(data, size), *argv[MAX_ARGS + 1];
	struct hb_run_args a;
	int argc, err;

	if (!buf)
		return 0;
	argc = fuzz_argv(buf, size, "run", argv, MAX_ARGS);
	for (int i = 1; i < argc; i++)
		/* --policy (or a prefix getopt takes for it) reads files: fuzz_policy_file. */
		if (!strncmp(argv[i], "--po", 4)) {
			free(buf);
			return 0;
		}
	err = hb_run_args_parse(argc, argv, &a);
	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ENOMEM);
	if (!err) {
		check_parsed(&a, argc, argv);
		hb_run_args_free(&a);
	} else {
		/* A failed parse has freed what it allocated. */
		FUZZ_CHECK(!a.rules.ip_rules && !a.rules.domains && !a.rules.unix_paths &&
			   !a.rules.exec_paths);
	}
	free(buf);
	return 0;
}
