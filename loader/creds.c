// SPDX-License-Identifier: GPL-2.0-only
/* Whom a command runs as, and acting as them for a moment (creds.h). */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "creds.h"
#include "log.h"

static int parse_id(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v >= (unsigned int)-1 || s[0] == '-')
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static void fill_user(const struct passwd *pw, struct hb_creds *c)
{
	if (!pw)
		return;
	snprintf(c->name, sizeof(c->name), "%s", pw->pw_name);
	snprintf(c->home, sizeof(c->home), "%s", pw->pw_dir);
}

/* Supplementary groups of @name with primary @gid (just @gid if unknown). */
static void fill_groups(const char *name, gid_t gid, struct hb_creds *c)
{
	c->ngroups = HB_MAX_GROUPS;
	if (!name || getgrouplist(name, gid, c->groups, &c->ngroups) < 0) {
		c->groups[0] = gid;
		c->ngroups = 1;
	}
}

static int resolve_user(const char *user, struct hb_creds *c)
{
	struct passwd *pw;
	unsigned int uid;

	errno = 0;
	pw = parse_id(user, &uid) ? getpwnam(user) : getpwuid(uid);
	if (!pw) {
		hb_log("--user %s: no such user%s%s", user, errno ? ": " : "",
		       errno ? strerror(errno) : "");
		return -ENOENT;
	}
	c->change = true;
	c->uid = pw->pw_uid;
	c->gid = pw->pw_gid;
	fill_groups(pw->pw_name, pw->pw_gid, c);
	fill_user(pw, c);
	return 0;
}

static int resolve_sudo(const char *suid, const char *sgid, struct hb_creds *c)
{
	struct passwd *pw;
	unsigned int uid, gid;

	if (parse_id(suid, &uid) || parse_id(sgid, &gid)) {
		hb_log("SUDO_UID/SUDO_GID are not numeric ids (\"%s\", \"%s\")",
		       suid, sgid ? sgid : "");
		hb_hint("unset them, or pass --user USER");
		return -EINVAL;
	}
	pw = getpwuid(uid);
	c->change = true;
	c->uid = uid;
	c->gid = gid;
	fill_groups(pw ? pw->pw_name : NULL, gid, c);
	fill_user(pw, c);
	return 0;
}

int hb_creds_resolve(const char *user, struct hb_creds *c)
{
	const char *suid = getenv("SUDO_UID");

	memset(c, 0, sizeof(*c));
	if (user)
		return resolve_user(user, c);
	if (suid && getuid() == 0)
		return resolve_sudo(suid, getenv("SUDO_GID"), c);
	c->uid = geteuid();
	c->gid = getegid();
	fill_user(getpwuid(c->uid), c);
	return 0;
}

int hb_as_user(const struct hb_creds *c, int (*fn)(void *ctx), void *ctx)
{
	gid_t groups[HB_MAX_GROUPS], gid = getegid();
	int n, ret;

	if (!c->change)
		return fn(ctx);
	n = getgroups(HB_MAX_GROUPS, groups);
	if (n < 0 || setgroups(c->ngroups, c->groups) || setegid(c->gid) ||
	    seteuid(c->uid)) {
		ret = -errno;
		hb_log("cannot look up paths as uid %u: %s", c->uid, strerror(errno));
	} else {
		ret = fn(ctx);
	}
	/* Root again, or we would go on half as someone else. */
	if (seteuid(0) || setegid(gid) || (n >= 0 && setgroups(n, groups))) {
		hb_log("cannot take back our credentials: %s", strerror(errno));
		abort();
	}
	return ret;
}
