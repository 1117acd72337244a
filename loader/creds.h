/* SPDX-License-Identifier: GPL-2.0-only */
/* Whom a command runs as: --user, sudo's invoking user, or us. */
#ifndef HB_CREDS_H
#define HB_CREDS_H

#include <stdbool.h>
#include <sys/types.h>

#define HB_MAX_GROUPS 256

struct hb_creds {
	bool change; /* false: keep ours */
	uid_t uid;   /* whom the command runs as (ours when !change) */
	gid_t gid;
	int ngroups;
	gid_t groups[HB_MAX_GROUPS];
	char name[64];  /* the user's name and home, for --no-env ("" if the */
	char home[256]; /* uid has no passwd entry) */
};

/*
 * Whom the command runs as: --user @user if given (a name or a uid),
 * else the invoking user under sudo (SUDO_UID, SUDO_GID and that user's
 * groups), else unchanged. Returns 0 or -errno after saying why.
 */
int hb_creds_resolve(const char *user, struct hb_creds *c);

/*
 * Calls @fn(@ctx) with @c's effective ids and groups (when @c changes
 * them), so paths resolve as the command will see them (a PATH entry the
 * user cannot search is skipped, as execvp() does), then takes ours back.
 * Call before any thread exists. Returns what @fn returns, or -errno.
 */
int hb_as_user(const struct hb_creds *c, int (*fn)(void *ctx), void *ctx);

#endif
