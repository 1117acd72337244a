// SPDX-License-Identifier: GPL-2.0-only
/*
 * Policy files (docs/policy-file.md) as `run --policy FILE true` reads
 * them: the input is the file. Whatever it holds, the parse either fails
 * (freeing everything) or gives rules each option's own checks allow.
 */
#include <errno.h>
#include <sys/mman.h>
#include "dns_name.h"
#include "fuzz.h"
#include "hermetic_abi.h"
#include "run_args.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_stderr(); /* the errors name file and line: not wanted here */
	fd = memfd_create("policy", 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[] = { "run", "--policy", path, "true", NULL };
	struct hb_run_args a;
	int err;

	if (fd < 0 || ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	err = hb_run_args_parse(4, argv, &a);
	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ENOMEM);
	if (err) {
		FUZZ_CHECK(!a.rules.ip_rules && !a.rules.domains && !a.policy_values);
		return 0;
	}
	FUZZ_CHECK(a.n_policy_entries <= HB_POLICY_MAX_ENTRIES);
	for (size_t i = 0; i < a.rules.n_ip_rules; i++)
		FUZZ_CHECK(a.rules.ip_rules[i].prefix <= 128);
	for (size_t i = 0; i < a.rules.n_domains; i++)
		FUZZ_CHECK(hb_domain_valid(a.rules.domains[i]));
	for (size_t i = 0; i < a.rules.n_unix_paths; i++)
		FUZZ_CHECK(a.rules.unix_paths[i][0] == '/');
	for (size_t i = 0; i < a.rules.n_exec_paths; i++)
		FUZZ_CHECK(a.rules.exec_paths[i][0] == '/');
	FUZZ_CHECK(!(a.rules.guards & ~HB_GUARD_ALL));
	FUZZ_CHECK(a.cmd && !strcmp(a.cmd[0], "true"));
	hb_run_args_free(&a);
	return 0;
}
