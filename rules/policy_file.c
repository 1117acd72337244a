// SPDX-License-Identifier: GPL-2.0-only
/*
 * Policy files (docs/policy-file.md): INI, read with inih. The format is
 * read here; what a key means is the reader's (run's options, the
 * agent's files). A file with any error is rejected whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "policy_file.h"

/* Sections that only group keys for the reader; the keys decide. */
static const char *const sections[] = {
	"", "hermetic-bpf", "network", "exec", "native", "files", "env", "events",
};

struct reader {
	FILE *f;
	const char *path;
	int line;         /* of the line inih has last been given */
	bool too_long;
	bool failed;
	hb_policy_entry_fn entry;
	void *ctx;
};

/* inih's fgets: counts lines, and stops at one it would cut. */
static char *read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	size_t n;

	if (!fgets(str, num, r->f))
		return NULL;
	r->line++;
	n = strlen(str);
	if (n == (size_t)num - 1 && str[n - 1] != '\n' && !feof(r->f)) {
		r->too_long = true;
		return NULL;
	}
	return str;
}

static bool known_section(const char *s)
{
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (!strcmp(s, sections[i]))
			return true;
	return false;
}

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
	struct reader *r = user;
	char where[PATH_MAX + 32];

	snprintf(where, sizeof(where), "%s:%d", r->path, r->line);
	if (!known_section(section)) {
		hb_log("%s: unknown section [%s]; see docs/policy-file.md",
			where, section);
	} else if (!strcmp(key, "version")) {
		if (!strcmp(value, "1"))
			return 1;
		hb_log("%s: version = %s: this build reads version 1",
			where, value);
	} else if (!r->entry(r->ctx, where, key, value)) {
		return 1;
	}
	r->failed = true;
	return 0;
}

/* What @mode is, for a refusal that says what was expected instead. */
static const char *file_kind(mode_t mode)
{
	return S_ISDIR(mode) ? "is a directory" : S_ISFIFO(mode) ? "is a FIFO" :
	       S_ISCHR(mode) || S_ISBLK(mode) ? "is a device" :
	       S_ISSOCK(mode) ? "is a socket" : "is not a regular file";
}

int hb_policy_file_read(const char *path, const char *flag, hb_policy_entry_fn entry,
			void *ctx)
{
	struct reader r = { .path = path, .entry = entry, .ctx = ctx };
	/* A FIFO or a terminal must not stall us (the agent reads users' files). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY), err;
	struct stat st = {};

	/*
	 * Only a regular file: a directory reads as empty (EISDIR ends inih's
	 * loop like an end of file), which would run the command with no
	 * rule at all; a pipe can be read once only.
	 */
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
		hb_log("%s%s: %s; expected a policy file (a "
			"regular file, docs/policy-file.md)", flag, path, file_kind(st.st_mode));
		close(fd);
		return -EINVAL;
	}
	r.f = fd < 0 ? NULL : fdopen(fd, "r");
	if (!r.f) {
		err = -errno;
		hb_log("%s%s: %s", flag, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	err = ini_parse_stream(read_line, &r, on_entry, &r);
	fclose(r.f);
	if (r.too_long) {
		hb_log("%s:%d: line too long", path, r.line);
		return -EINVAL;
	}
	if (err > 0 && !r.failed)
		hb_log("%s:%d: expected [section], key = value, or a "
			"comment", path, err);
	return err ? -EINVAL : 0;
}
