// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "launch.h"
#include "user_env.h"

/* The value of @name in @env, or NULL; fails the test if it is there twice. */
static const char *value(char **env, const char *name)
{
	const char *found = NULL;
	size_t len = strlen(name);

	for (size_t i = 0; env[i]; i++) {
		if (strncmp(env[i], name, len) || env[i][len] != '=')
			continue;
		assert_null(found);
		found = env[i] + len + 1;
	}
	return found;
}

static void as_root_from_passwd(struct hb_creds *c)
{
	memset(c, 0, sizeof(*c));
	c->change = true;
	c->uid = 0; /* root: in every passwd */
}

static void the_users_own_replace_ours(void **state)
{
	struct hb_creds c;
	char **env;

	(void)state;
	as_root_from_passwd(&c);
	setenv("HOME", "/home/caller", 1);
	setenv("USER", "caller", 1);
	setenv("LOGNAME", "caller", 1);
	setenv("SHELL", "/bin/caller-shell", 1);
	setenv("HB_KEPT", "yes", 1);
	assert_int_equal(hb_user_env(&c, &env), 0);
	assert_non_null(env);
	assert_string_equal(value(env, "HOME"), "/root");
	assert_string_equal(value(env, "USER"), "root");
	assert_string_equal(value(env, "LOGNAME"), "root");
	assert_non_null(value(env, "SHELL"));
	assert_string_not_equal(value(env, "SHELL"), "/bin/caller-shell");
	/* The neighbour: everything else is passed on as it was. */
	assert_string_equal(value(env, "HB_KEPT"), "yes");
	hb_minimal_env_free(env);
}

static void shell_only_when_we_have_one(void **state)
{
	struct hb_creds c;
	char **env;

	(void)state;
	as_root_from_passwd(&c);
	unsetenv("SHELL");
	setenv("HOME", "/home/caller", 1);
	assert_int_equal(hb_user_env(&c, &env), 0);
	assert_null(value(env, "SHELL"));
	assert_string_equal(value(env, "HOME"), "/root");
	hb_minimal_env_free(env);
}

static void no_passwd_entry_leaves_them_out(void **state)
{
	struct hb_creds c;
	char **env;

	(void)state;
	as_root_from_passwd(&c);
	c.uid = 4242420; /* no such uid */
	setenv("HOME", "/home/caller", 1);
	setenv("USER", "caller", 1);
	setenv("HB_KEPT", "yes", 1);
	assert_int_equal(hb_user_env(&c, &env), 0);
	assert_null(value(env, "HOME"));
	assert_null(value(env, "USER"));
	assert_string_equal(value(env, "HB_KEPT"), "yes");
	hb_minimal_env_free(env);
}

static void our_own_user_keeps_our_environment(void **state)
{
	struct hb_creds c;
	char **env = (char **)&c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(hb_user_env(&c, &env), 0);
	assert_null(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_users_own_replace_ours),
		cmocka_unit_test(shell_only_when_we_have_one),
		cmocka_unit_test(no_passwd_entry_leaves_them_out),
		cmocka_unit_test(our_own_user_keeps_our_environment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
