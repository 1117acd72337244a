// SPDX-License-Identifier: GPL-2.0-only
/* The rules' paths, looked up by identity (rules.h): the filesystem side. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "file_id.h"
#include "fs_runtime.h"
#include "log.h"
#include "rules.h"
#include "unix_rule.h"

/* Errors about @value from now on follow its policy file's FILE:LINE, if it has one. */
static const char *at(const struct hb_rules *r, const char *value)
{
	hb_log_context(hb_rules_origin(r, value));
	return value;
}

/* --allow-unix paths to socket identities; an error names the flag. */
static int resolve_unix(const struct hb_rules *r, struct hb_rules_paths *p)
{
	p->unix_rules = calloc(r->n_unix_paths + 1, sizeof(*p->unix_rules));
	if (!p->unix_rules)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_unix_paths; i++) {
		if (hb_unix_rule_resolve(at(r, r->unix_paths[i]), &p->unix_rules[i]))
			return -ENOENT;
		/* For tier B's later check of the path (unix_rule_b.c). */
		p->unix_rules[i].where = hb_rules_origin(r, r->unix_paths[i]);
	}
	return 0;
}

/* --allow-exec paths to executables' identities; an error names the flag. */
static int resolve_exec(const struct hb_rules *r, struct hb_rules_paths *p)
{
	struct hb_file_id *ids = calloc(r->n_exec_paths + 1, sizeof(*ids));

	p->exec_rules = ids;
	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_exec_paths; i++) {
		if (hb_file_id("allow-exec", at(r, r->exec_paths[i]), &ids[i]))
			return -ENOENT;
		if (!S_ISREG(ids[i].mode) || !(ids[i].mode & 0111)) {
			hb_log("--allow-exec %s: not an executable file", r->exec_paths[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The filesystem guard's rules by identity: --allow-write, the read root,
 * --allow-read, and what the command needs to start (spec/fs.md).
 */
static int resolve_fs(const struct hb_rules *r, const char *cmd, const char *path_env,
		      struct hb_rules_paths *p)
{
	__u32 write = HB_FS_RULE_WRITE | (r->fs_root ? HB_FS_RULE_READ : 0);
	int err = 0;

	p->has_fs = true;
	for (size_t i = 0; !err && i < r->n_write_paths; i++)
		err = hb_fs_rules_add(&p->fs, "allow-write", at(r, r->write_paths[i]), write);
	if (err || !r->fs_root)
		return err;
	err = hb_fs_rules_add(&p->fs, "fs-readonly", at(r, r->fs_root), HB_FS_RULE_READ);
	for (size_t i = 0; !err && i < r->n_read_paths; i++)
		err = hb_fs_rules_add(&p->fs, "allow-read", at(r, r->read_paths[i]), HB_FS_RULE_READ);
	hb_log_context(NULL);
	/* What the command needs to start (none to look up for a running cgroup). */
	if (!err && cmd)
		err = hb_fs_runtime_add(&p->fs, cmd, path_env);
	return err;
}

int hb_rules_resolve(const struct hb_rules *r, unsigned int what, const char *cmd,
		     const char *path_env, struct hb_rules_paths *p)
{
	int err = 0;

	if (what & HB_RESOLVE_UNIX)
		err = resolve_unix(r, p);
	if (!err && (what & HB_RESOLVE_EXEC))
		err = resolve_exec(r, p);
	if (!err && (what & HB_RESOLVE_FS))
		err = resolve_fs(r, cmd, path_env, p);
	hb_log_context(NULL);
	if (err == -ENOMEM)
		hb_log("cannot look up the rules' paths: %s", strerror(ENOMEM));
	return err;
}

void hb_rules_paths_free(struct hb_rules_paths *p)
{
	free(p->unix_rules);
	free(p->exec_rules);
	hb_fs_rules_free(&p->fs);
	p->unix_rules = NULL;
	p->exec_rules = NULL;
	p->has_fs = false;
}
