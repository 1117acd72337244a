// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "launch.h"
#include "log.h"
#include "user_env.h"

extern char **environ;

/* The variables that name the user: ours would be root's. */
static const char *const per_user[] = { "HOME=", "USER=", "LOGNAME=", "SHELL=" };

static bool names_user(const char *var)
{
	for (size_t i = 0; i < sizeof(per_user) / sizeof(per_user[0]); i++)
		if (!strncmp(var, per_user[i], strlen(per_user[i])))
			return true;
	return false;
}

int hb_user_env(const struct hb_creds *c, char ***envp)
{
	const struct passwd *pw;
	bool shell = getenv("SHELL") != NULL;
	size_t n = 0, cap;
	char **env;

	*envp = NULL;
	if (!c->change)
		return 0;
	pw = getpwuid(c->uid);
	for (cap = 0; environ[cap]; cap++)
		;
	cap += 5; /* the four, and NULL */
	env = calloc(cap, sizeof(*env));
	if (!env)
		goto fail;
	for (size_t i = 0; environ[i]; i++)
		if (!names_user(environ[i]) && !(env[n++] = strdup(environ[i])))
			goto fail;
	/* passwd(5): an empty shell field means /bin/sh. */
	if (pw && (asprintf(&env[n++], "HOME=%s", pw->pw_dir) < 0 ||
		   asprintf(&env[n++], "USER=%s", pw->pw_name) < 0 ||
		   asprintf(&env[n++], "LOGNAME=%s", pw->pw_name) < 0 ||
		   (shell && asprintf(&env[n++], "SHELL=%s",
				      pw->pw_shell[0] ? pw->pw_shell : "/bin/sh") < 0)))
		goto fail;
	*envp = env;
	return 0;
fail:
	if (env && n)
		env[n - 1] = NULL; /* strdup's NULL, or what asprintf left undefined */
	hb_minimal_env_free(env);
	hb_log("cannot build the environment of uid %u: %s", c->uid, strerror(ENOMEM));
	return -ENOMEM;
}
