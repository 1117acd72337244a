// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

/*
 * The mount table, kept while it stays as it was: a run asks for the
 * cgroup2, bpf and securityfs mounts several times, and the kernel writes
 * the whole table out at every read (its cost grows with the host's
 * mounts). An open mountinfo polls POLLPRI once a mount of the namespace
 * has changed since it was opened (proc(5)); it is opened before the
 * table is read, so an agent that lives through mounts and unmounts never
 * looks at a table older than the kernel's.
 */
static struct {
	pthread_mutex_t lock;
	int watch;   /* mountinfo, open since before the table was read; or -1 */
	pid_t owner; /* the process that opened it */
	char *table; /* the text read, or NULL */
	size_t len;
} kept = { .lock = PTHREAD_MUTEX_INITIALIZER, .watch = -1 };

/* The table through a copy of @fd (the same open file): 0 or -errno. */
static int read_table(int fd, char **text, size_t *len)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	FILE *f = copy < 0 ? NULL : fdopen(copy, "r");
	size_t cap = 0;
	ssize_t n;
	int err = 0;

	*text = NULL;
	if (!f) {
		err = -errno;
		if (copy >= 0)
			close(copy);
		return err;
	}
	/* No NUL in it: one read up to the end. */
	n = getdelim(text, &cap, '\0', f);
	if (n < 0 && ferror(f))
		err = -EIO;
	*len = n < 0 ? 0 : (size_t)n;
	fclose(f);
	if (err) {
		free(*text);
		*text = NULL;
	}
	return err;
}

static void forget(void)
{
	if (kept.watch >= 0)
		close(kept.watch);
	kept.watch = -1;
	free(kept.table);
	kept.table = NULL;
}

/* 0 with the table kept, or -errno. */
static int keep_table(void)
{
	struct pollfd p = { .events = POLLPRI };

	/*
	 * A forked child shares its parent's open mountinfo, whose poll
	 * would take the change the parent is to see: it opens its own.
	 */
	if (kept.watch >= 0 && kept.owner != getpid())
		forget();
	/* Nothing pending: unchanged (POLLIN, always set, is not asked for). */
	p.fd = kept.watch;
	if (kept.table && poll(&p, 1, 0) == 0)
		return 0;
	forget();
	/* Opened before the read: a change after it is pending there. */
	kept.watch = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (kept.watch < 0)
		return -errno;
	kept.owner = getpid();
	return read_table(kept.watch, &kept.table, &kept.len);
}

static int find_in(const char *table, size_t len, const char *fstype, struct hb_mount *out)
{
	FILE *f;
	int err;

	if (!len)
		return -ENOENT;
	f = fmemopen((void *)table, len, "r");
	if (!f)
		return -errno;
	err = hb_mountinfo_find(f, fstype, out);
	fclose(f);
	return err;
}

int hb_mount_find(const char *fstype, struct hb_mount *out)
{
	int err;

	pthread_mutex_lock(&kept.lock);
	err = keep_table();
	if (!err)
		err = find_in(kept.table, kept.len, fstype, out);
	else
		forget();
	pthread_mutex_unlock(&kept.lock);
	return err;
}
