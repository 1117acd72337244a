// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tier B's --allow-unix judges the path a client names, not the socket
 * (spec/network.md): refused when the command could re-point that path.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include "log.h"
#include "creds.h"
#include "path_change.h"
#include "unix_rule.h"

struct unix_check {
	const char *path;
	uid_t uid;
	char entry[PATH_MAX];
};

static int check_as_user(void *ctx)
{
	struct unix_check *u = ctx;

	return hb_path_changeable(u->path, u->uid, u->entry, sizeof(u->entry));
}

static int check(const struct hb_creds *c, const char *given, const char *path)
{
	struct unix_check u = { .path = path, .uid = c->uid };
	int ret = hb_as_user(c, check_as_user, &u);

	if (ret > 0) {
		hb_log("--allow-unix %s: uid %u may rename or replace %s, so the command "
		       "could put another socket at this path (tier B judges the path, not "
		       "the socket)", given, c->uid, u.entry);
		hb_hint("use a socket in directories the command's user cannot change (its "
			"server can make one, owned by another user), or a kernel with "
			"BPF-LSM, whose tier A judges the socket itself");
		return -EPERM;
	}
	if (ret < 0)
		hb_log("--allow-unix %s: cannot check the path: %s", given, strerror(-ret));
	return ret;
}

int hb_unix_rules_check_b(const struct hb_unix_rule *r, size_t n, const struct hb_creds *c)
{
	int err = 0;

	/* Root is not sealed in tier B (refused without --allow-partial). */
	if (c->uid == 0)
		return 0;
	/* Both spellings are allowed: both must stay put (run_args: absolute). */
	for (size_t i = 0; !err && i < n; i++) {
		hb_log_context(r[i].where);
		err = check(c, r[i].given, r[i].given);
		if (!err && strcmp(r[i].given, r[i].real))
			err = check(c, r[i].given, r[i].real);
	}
	hb_log_context(NULL);
	return err;
}
