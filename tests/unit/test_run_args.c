// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "capture.h"
#include "hermetic_abi.h"
#include "log.h"
#include "rules.h"
#include "run_args.h"

/* A compound literal: argv must live as long as a.cmd, the test's block. */
#define PARSE(a, ...)                                                        \
	hb_run_args_parse((int)(sizeof((char *[]){ "run", __VA_ARGS__ }) /   \
				sizeof(char *)),                             \
			  (char *[]){ "run", __VA_ARGS__, NULL }, (a))

static void no_network_and_command(void **state)
{
	struct hb_run_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "--no-network", "python", "svc.py"), 0);
	assert_int_equal(a.rules.guards, HB_GUARD_NET);
	assert_string_equal(a.cmd[0], "python");
	assert_string_equal(a.cmd[1], "svc.py");
	assert_null(a.cmd[2]);
	assert_false(a.trace);
	assert_null(a.user);
	hb_run_args_free(&a);
}

static void commands_own_flags_are_left_alone(void **state)
{
	struct hb_run_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "--no-network", "python", "-v", "--trace", "x"), 0);
	assert_false(a.trace);
	assert_int_equal(a.verbose, 0);
	assert_string_equal(a.cmd[1], "-v");
	assert_string_equal(a.cmd[2], "--trace");
	hb_run_args_free(&a);

	assert_int_equal(PARSE(&a, "--trace", "--", "--no-network"), 0);
	assert_int_equal(a.rules.guards, 0);
	assert_true(a.trace);
	assert_string_equal(a.cmd[0], "--no-network");
	hb_run_args_free(&a);
}

static void options(void **state)
{
	struct hb_run_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "-vv", "--user", "tester", "--trace", "true"), 0);
	assert_int_equal(a.verbose, 2);
	assert_string_equal(a.user, "tester");
	assert_true(a.trace);
	hb_run_args_free(&a);
	assert_int_equal(PARSE(&a, "--user=0", "true"), 0);
	assert_string_equal(a.user, "0");
	hb_run_args_free(&a);
	assert_int_equal(PARSE(&a, "--help"), 0);
	assert_true(a.help);
	hb_run_args_free(&a);
	/* Parsing twice in one process starts afresh. */
	assert_int_equal(PARSE(&a, "--no-network", "true"), 0);
	assert_int_equal(a.rules.guards, HB_GUARD_NET);
	assert_int_equal(a.verbose, 0);
	hb_run_args_free(&a);
}

static void misuse(void **state)
{
	struct hb_run_args a;
	char *argv_only[] = { "run", NULL };

	(void)state;
	assert_int_equal(hb_run_args_parse(1, argv_only, &a), -EINVAL);
	assert_int_equal(PARSE(&a, "--no-network"), -EINVAL);
	assert_int_equal(PARSE(&a, "--no-netwrk", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "-x", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--user"), -EINVAL);
	assert_int_equal(PARSE(&a, "--user", "", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--"), -EINVAL);
}

static void network_flags(void **state)
{
	struct hb_run_args a;

	(void)state;
	/* Every --allow-* turns the guard on by itself. */
	assert_int_equal(PARSE(&a, "--allow-localhost", "true"), 0);
	assert_int_equal(a.rules.guards, HB_GUARD_NET);
	assert_int_equal(a.rules.net, HB_NET_ALLOW_LOCALHOST);
	hb_run_args_free(&a);
	assert_int_equal(PARSE(&a, "--allow-ip", "10.0.0.0/8:443", "--allow-ip", "[::1]:53",
			       "--allow-domain", "example.com", "--allow-domain", "Example.ORG.",
			       "--allow-unix", "/run/x.sock", "cmd"), 0);
	assert_int_equal(a.rules.guards, HB_GUARD_NET);
	assert_int_equal(a.rules.n_ip_rules, 2);
	assert_int_equal(a.rules.ip_rules[0].port, 443);
	assert_int_equal(a.rules.ip_rules[1].port, 53);
	assert_int_equal(a.rules.n_domains, 2);
	assert_string_equal(a.rules.domains[1], "Example.ORG.");
	assert_int_equal(a.rules.n_unix_paths, 1);
	assert_string_equal(a.rules.unix_paths[0], "/run/x.sock");
	assert_string_equal(a.cmd[0], "cmd");
	hb_run_args_free(&a);
}

static void network_misuse(void **state)
{
	struct hb_run_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "--allow-ip", "300.1.1.1", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--allow-ip", "10.0.0.0/33", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--allow-ip", "1.2.3.4:0", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--allow-ip", "1.2.3.4:70000", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--allow-domain", "*.example.com", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--allow-domain", ".example.com", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--allow-unix", "x.sock", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--allow-ip"), -EINVAL);
}

static void exec_flags_and_profiles(void **state)
{
	struct hb_run_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "--no-subprocess", "--block-native", "true"), 0);
	assert_int_equal(a.rules.guards, HB_GUARD_EXEC | HB_GUARD_NATIVE);
	hb_run_args_free(&a);
	assert_int_equal(PARSE(&a, "--allow-exec", "/usr/bin/git", "true"), 0);
	assert_int_equal(a.rules.guards, HB_GUARD_EXEC);
	assert_int_equal(a.rules.n_exec_paths, 1);
	hb_run_args_free(&a);
	assert_int_equal(PARSE(&a, "--no-environment", "true"), 0);
	assert_true(a.no_env);
	assert_int_equal(a.rules.guards, HB_GUARD_ENV);
	hb_run_args_free(&a);
	/* Profiles add, by union, to the flags given. */
	assert_int_equal(PARSE(&a, "--profile", "net-hermetic", "true"), 0);
	assert_int_equal(a.rules.guards, HB_GUARD_NET);
	assert_int_equal(a.rules.net, HB_NET_ALLOW_LOCALHOST);
	hb_run_args_free(&a);
	assert_int_equal(PARSE(&a, "--profile", "block-all", "--profile", "net-hermetic",
			       "--allow-partial", "true"), 0);
	assert_int_equal(a.rules.guards, HB_GUARD_NET | HB_GUARD_EXEC | HB_GUARD_NATIVE | HB_GUARD_ENV |
				   HB_GUARD_FS);
	assert_int_equal(a.rules.net, HB_NET_ALLOW_LOCALHOST);
	assert_int_equal(a.rules.fs, HB_FS_READONLY);
	assert_true(a.no_env);
	assert_true(a.allow_partial);
	hb_run_args_free(&a);
}

static void fs_flags(void **state)
{
	struct hb_run_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "--fs-readonly", "true"), 0);
	assert_int_equal(a.rules.guards, HB_GUARD_FS);
	assert_int_equal(a.rules.fs, HB_FS_READONLY);
	assert_null(a.rules.fs_root);
	assert_string_equal(a.cmd[0], "true");
	hb_run_args_free(&a);
	assert_int_equal(PARSE(&a, "--fs-readonly=/srv", "--allow-read", "/etc", "true"), 0);
	assert_int_equal(a.rules.fs, HB_FS_READONLY | HB_FS_READ_ROOT);
	assert_string_equal(a.rules.fs_root, "/srv");
	assert_int_equal(a.rules.n_read_paths, 1);
	hb_run_args_free(&a);
	/* hermetic's spelling: the next word is ROOT if it is a path that is
	 * not an existing non-directory (which is the command). */
	assert_int_equal(PARSE(&a, "--fs-readonly", "/tmp", "cat", "x"), 0);
	assert_string_equal(a.rules.fs_root, "/tmp");
	assert_string_equal(a.cmd[0], "cat");
	hb_run_args_free(&a);
	assert_int_equal(PARSE(&a, "--fs-readonly", "/nonexistent/dir", "cat"), 0);
	assert_string_equal(a.rules.fs_root, "/nonexistent/dir");
	hb_run_args_free(&a);
	assert_int_equal(PARSE(&a, "--fs-readonly", "/bin/sh", "-c", "x"), 0);
	assert_null(a.rules.fs_root);
	assert_string_equal(a.cmd[0], "/bin/sh");
	hb_run_args_free(&a);
	assert_int_equal(PARSE(&a, "--fs-readonly", "python3", "x.py"), 0);
	assert_null(a.rules.fs_root);
	assert_string_equal(a.cmd[0], "python3");
	hb_run_args_free(&a);
	assert_int_equal(PARSE(&a, "--allow-write", "/tmp", "--allow-write", "build", "true"), 0);
	assert_int_equal(a.rules.guards, HB_GUARD_FS);
	assert_int_equal(a.rules.fs, HB_FS_READONLY);
	assert_int_equal(a.rules.n_write_paths, 2);
	hb_run_args_free(&a);
	assert_int_equal(PARSE(&a, "--profile", "fs-readonly", "true"), 0);
	assert_int_equal(a.rules.fs, HB_FS_READONLY);
	hb_run_args_free(&a);
	/* Without a root nothing confines reads: --allow-read would be a no-op. */
	assert_int_equal(PARSE(&a, "--allow-read", "/etc", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--fs-readonly", "--allow-read", "/etc", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--fs-readonly=", "true"), -EINVAL);
}

static void refused_flags(void **state)
{
	struct hb_run_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "--profile", "nope", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--seal", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--no-code-exec", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--no-interpreter-mutation", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--deny-import", "os", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--allow-exec", "git", "true"), -EINVAL);
}

static void trace_outputs(void **state)
{
	struct hb_run_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "--trace-format=json", "true"), 0);
	assert_true(a.trace && a.trace_json);
	assert_null(a.trace_file);
	assert_false(a.fail_on_block);
	hb_run_args_free(&a);
	/* text alone is only the default: it does not turn the trace on. */
	assert_int_equal(PARSE(&a, "--trace-format", "text", "true"), 0);
	assert_false(a.trace || a.trace_json);
	hb_run_args_free(&a);
	/* A single-valued option given twice is refused, not replaced. */
	assert_int_equal(PARSE(&a, "--trace-format=json", "--trace-format=text", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--trace-file", "/a", "--trace-file", "/b", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--summary-json=/a", "--summary-json=/b", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--fs-readonly=/a", "--fs-readonly=/b", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--fs-readonly=/a", "--fs-readonly", "/tmp", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--user", "a", "--user", "b", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--event-rate", "1", "--event-rate", "1", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--fail-on-block", "--fail-on-block", "true"), -EINVAL);
	/* The neighbours: switches may repeat, and a bare --fs-readonly beside ROOT. */
	assert_int_equal(PARSE(&a, "--trace", "--trace", "--fs-readonly", "--fs-readonly=/a",
			       "--fs-readonly", "true"), 0);
	assert_string_equal(a.rules.fs_root, "/a");
	hb_run_args_free(&a);
	assert_int_equal(PARSE(&a, "--trace-file", "/var/log/t", "--fail-on-block",
			       "--summary-json=/tmp/s.json", "--no-network", "true"), 0);
	assert_true(a.trace && !a.trace_json);
	assert_int_equal(a.fail_on_block, 2);
	assert_string_equal(a.trace_file, "/var/log/t");
	assert_string_equal(a.summary_json, "/tmp/s.json");
	assert_int_equal(a.rules.guards, HB_GUARD_NET);
	assert_string_equal(a.cmd[0], "true");
	hb_run_args_free(&a);

	assert_int_equal(PARSE(&a, "--trace-format=JSON", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--trace-format=", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--trace-format"), -EINVAL);
	assert_int_equal(PARSE(&a, "--trace-file", "", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--summary-json=", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--trace-file", "/t", "--summary-json", "/t", "true"), -EINVAL);
	/* --fail-on-block=CODE: an exit status the command's own 2 cannot be. */
	assert_int_equal(PARSE(&a, "--fail-on-block=99", "true"), 0);
	assert_int_equal(a.fail_on_block, 99);
	hb_run_args_free(&a);
	assert_int_equal(PARSE(&a, "--fail-on-block=255", "true"), 0);
	assert_int_equal(a.fail_on_block, 255);
	hb_run_args_free(&a);
	assert_int_equal(PARSE(&a, "--fail-on-block=0", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--fail-on-block=256", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--fail-on-block=", "true"), -EINVAL);
	assert_int_equal(PARSE(&a, "--fail-on-block=2x", "true"), -EINVAL);
}

/* Each list grows as its flags come, and keeps them in order. */
static void lists_grow_as_entries_come(void **state)
{
	enum { N = 37 };
	static char paths[N][16], *argv[4 * N + 3]; /* "run", the flags, "true", NULL */
	struct hb_run_args a;
	const char **list = NULL;
	int n = 0;

	(void)state;
	argv[n++] = "run";
	for (int i = 0; i < N; i++) {
		snprintf(paths[i], sizeof(paths[i]), "/w/%d", i);
		argv[n++] = "--allow-write";
		argv[n++] = paths[i];
		argv[n++] = "--allow-unix";
		argv[n++] = paths[i];
	}
	argv[n++] = "true";
	argv[n] = NULL;
	assert_int_equal(hb_run_args_parse(n, argv, &a), 0);
	assert_int_equal(a.rules.n_write_paths, N);
	assert_int_equal(a.rules.n_unix_paths, N);
	for (int i = 0; i < N; i++) {
		assert_string_equal(a.rules.write_paths[i], paths[i]);
		assert_string_equal(a.rules.unix_paths[i], paths[i]);
	}
	/* No flag of a kind: no list of it. */
	assert_null(a.rules.ip_rules);
	assert_null(a.rules.domains);
	hb_run_args_free(&a);

	/* A count lowered (a caller dropping entries) still finds room. */
	for (size_t i = 0; i < 9; i++) {
		assert_int_equal(HB_RULES_ROOM(list, i), 0);
		list[i] = paths[i];
	}
	for (size_t i = 3; i < 20; i++) { /* 9 entries, lowered to 3 */
		assert_int_equal(HB_RULES_ROOM(list, i), 0);
		list[i] = paths[17 + i];
	}
	for (size_t i = 0; i < 20; i++)
		assert_string_equal(list[i], paths[i < 3 ? i : 17 + i]);
	free(list);
}

/* A rule map's size is a limit said at parse time, before anything loads. */
static void rule_limits(void **state)
{
	enum { N = 2 * HB_MAX_NET_RULES + 4 };
	static char *argv[N + 1];
	struct hb_run_args a;
	int n = 0;

	(void)state;
	argv[n++] = "run";
	for (int i = 0; i < HB_MAX_NET_RULES; i++) {
		argv[n++] = "--allow-ip";
		argv[n++] = "192.0.2.1";
	}
	argv[n++] = "true";
	argv[n] = NULL;
	assert_int_equal(hb_run_args_parse(n, argv, &a), 0);
	assert_int_equal(a.rules.n_ip_rules, HB_MAX_NET_RULES);
	hb_run_args_free(&a);
	argv[n - 1] = "--allow-ip";
	argv[n++] = "192.0.2.1";
	argv[n++] = "true";
	argv[n] = NULL;
	assert_int_equal(hb_run_args_parse(n, argv, &a), -EINVAL);
}

/*
 * A path a policy file gave is looked up long after the file was read:
 * its error still names FILE:LINE; a flag's names the flag alone.
 */
static void late_errors_say_where(void **state)
{
	struct hb_rules_paths paths = {};
	struct hb_run_args a;
	char said[1024];

	(void)state;
	assert_int_equal(PARSE(&a, "--no-network", "--allow-unix", "/nonexistent/flag.sock",
			       "true"), 0);
	assert_int_equal(hb_run_args_set(&a, "p.conf:4", "allow-unix", "/nonexistent/file.sock"),
			 0);
	assert_int_equal(hb_run_args_set(&a, "p.conf:5", "allow-exec", "/nonexistent/prog"), 0);
	assert_null(hb_rules_origin(&a.rules, a.rules.unix_paths[0]));
	assert_string_equal(hb_rules_origin(&a.rules, a.rules.unix_paths[1]), "p.conf:4");
	capture_start();
	assert_int_equal(hb_rules_resolve(&a.rules, HB_RESOLVE_UNIX, NULL, NULL, &paths), -ENOENT);
	capture_end(said, sizeof(said));
	assert_string_equal(said, "hermetic-bpf: --allow-unix /nonexistent/flag.sock: "
				  "No such file or directory\n");
	hb_rules_paths_free(&paths);
	/* The file's path alone: its error at its line. */
	a.rules.unix_paths[0] = a.rules.unix_paths[1];
	a.rules.n_unix_paths = 1;
	capture_start();
	assert_int_equal(hb_rules_resolve(&a.rules, HB_RESOLVE_UNIX | HB_RESOLVE_EXEC, NULL, NULL,
					  &paths), -ENOENT);
	capture_end(said, sizeof(said));
	assert_string_equal(said, "hermetic-bpf: p.conf:4: --allow-unix /nonexistent/file.sock: "
				  "No such file or directory\n");
	hb_rules_paths_free(&paths);
	a.rules.n_unix_paths = 0;
	capture_start();
	assert_int_equal(hb_rules_resolve(&a.rules, HB_RESOLVE_UNIX | HB_RESOLVE_EXEC, NULL, NULL,
					  &paths), -ENOENT);
	capture_end(said, sizeof(said));
	assert_non_null(strstr(said, "hermetic-bpf: p.conf:5: --allow-exec /nonexistent/prog"));
	hb_rules_paths_free(&paths);
	/* Only while its path is looked up: later lines are the caller's own. */
	capture_start();
	hb_log("afterwards");
	capture_end(said, sizeof(said));
	assert_string_equal(said, "hermetic-bpf: afterwards\n");
	hb_run_args_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(late_errors_say_where),
		cmocka_unit_test(no_network_and_command),
		cmocka_unit_test(commands_own_flags_are_left_alone),
		cmocka_unit_test(options),
		cmocka_unit_test(misuse),
		cmocka_unit_test(network_flags),
		cmocka_unit_test(network_misuse),
		cmocka_unit_test(exec_flags_and_profiles),
		cmocka_unit_test(fs_flags),
		cmocka_unit_test(refused_flags),
		cmocka_unit_test(trace_outputs),
		cmocka_unit_test(rule_limits),
		cmocka_unit_test(lists_grow_as_entries_come),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
