// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "mountinfo.h"

/* Undoes the kernel's octal escapes (\040 for space, \012 for newline). */
static int unescape(const char *in, char *out, size_t len)
{
	size_t n = 0;

	while (*in) {
		char c = *in++;

		if (c == '\\' && in[0] >= '0' && in[0] <= '3' &&
		    in[1] >= '0' && in[1] <= '7' && in[2] >= '0' && in[2] <= '7') {
			c = (char)((in[0] - '0') * 64 + (in[1] - '0') * 8 +
				   (in[2] - '0'));
			in += 3;
		}
		if (n + 1 >= len)
			return -ENAMETOOLONG;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

/* A line's fields that we use, pointing into the line. */
struct fields {
	char *root, *target, *fstype;
};

/*
 * One line: "ID PARENT MAJ:MIN ROOT TARGET OPTS [OPTIONAL...] - FSTYPE SRC
 * SUPEROPTS". Returns 0, or -EINVAL if the line is malformed.
 */
static int split_line(char *line, struct fields *f)
{
	char *field[6], *save = NULL, *tok;
	int i;

	for (i = 0; i < 6; i++) {
		field[i] = strtok_r(i ? NULL : line, " \n", &save);
		if (!field[i])
			return -EINVAL;
	}
	while ((tok = strtok_r(NULL, " \n", &save)) && strcmp(tok, "-"))
		; /* optional fields end at a lone "-" */
	if (!tok)
		return -EINVAL;
	tok = strtok_r(NULL, " \n", &save);
	if (!tok)
		return -EINVAL;
	f->root = field[3];
	f->target = field[4];
	f->fstype = tok;
	return 0;
}

static int fill(const struct fields *f, struct hb_mount *m)
{
	if (unescape(f->root, m->root, sizeof(m->root)) ||
	    unescape(f->target, m->target, sizeof(m->target)))
		return -EINVAL;
	snprintf(m->fstype, sizeof(m->fstype), "%s", f->fstype);
	return 0;
}

/*
 * Fills @m from @line if its type is @fstype: 1 on match, 0 on no match,
 * -EINVAL if the line is malformed.
 */
static int parse_line(char *line, const char *fstype, struct hb_mount *m)
{
	struct fields f;
	int err = split_line(line, &f);

	if (err)
		return err;
	if (strcmp(f.fstype, fstype))
		return 0;
	err = fill(&f, m);
	return err ? err : 1;
}

int hb_mountinfo_find(FILE *f, const char *fstype, struct hb_mount *out)
{
	struct hb_mount cur;
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	int err = -ENOENT;

	while (getline(&line, &cap, f) > 0) {
		int r = parse_line(line, fstype, &cur);

		if (r < 0) {
			err = r;
			goto out;
		}
		if (r == 0 || (found && strcmp(cur.root, "/")))
			continue;
		if (!found || strcmp(out->root, "/"))
			*out = cur;
		found = true;
	}
	err = found ? 0 : -ENOENT;
out:
	free(line);
	return err;
}

int hb_mountinfo_each(FILE *f, int (*fn)(const struct hb_mount *m, void *ctx),
		      void *ctx)
{
	struct hb_mount m;
	struct fields fl;
	char *line = NULL;
	size_t cap = 0;
	int err = 0;

	while (!err && getline(&line, &cap, f) > 0) {
		err = split_line(line, &fl);
		if (!err)
			err = fill(&fl, &m);
		if (!err)
			err = fn(&m, ctx);
	}
	free(line);
	return err;
}

int hb_mount_find(const char *fstype, struct hb_mount *out)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int err;

	if (!f)
		return -errno;
	err = hb_mountinfo_find(f, fstype, out);
	fclose(f);
	return err;
}
