/* SPDX-License-Identifier: GPL-2.0-only */
/* The command's environment when it runs as another user (sudo, --user). */
#ifndef HB_USER_ENV_H
#define HB_USER_ENV_H

struct hb_creds;

/*
 * When @c changes the user (under sudo, or --user), sets *@envp to a copy
 * of our environment in which HOME, USER and LOGNAME are that user's (from
 * the passwd entry), and SHELL too if we have one, as `sudo -u` and
 * runuser set them; without a passwd entry the four are left out rather
 * than root's. When @c keeps our user, *@envp is NULL (our environment).
 * Free with hb_minimal_env_free(). Returns 0, or -ENOMEM after saying so.
 */
int hb_user_env(const struct hb_creds *c, char ***envp);

#endif
