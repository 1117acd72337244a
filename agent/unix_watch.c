// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>
#include "log.h"
#include "unix_watch.h"

int hb_unix_watch_open(struct hb_unix_watch *w)
{
	w->n = 0;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		hb_log("agent: cannot watch the allow-unix sockets: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* Forgets every watch; the descriptor stays. */
static void unwatch(struct hb_unix_watch *w)
{
	for (size_t i = 0; i < w->n; i++)
		inotify_rm_watch(w->fd, w->v[i].wd); /* shared by two names: EINVAL, harmless */
	w->n = 0;
}

void hb_unix_watch_close(struct hb_unix_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->n = 0;
}

/* Watches @path's directory for @path's last component, once per pair. */
static int watch(struct hb_unix_watch *w, const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	size_t dlen = slash && slash != path ? (size_t)(slash - path) : 1;
	int wd;

	if (!slash || !*name || dlen >= sizeof(dir) || strlen(name) >= sizeof(w->v[0].name))
		return 0;
	memcpy(dir, path, dlen);
	dir[dlen] = '\0';
	wd = inotify_add_watch(w->fd, dir, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
	if (wd < 0) {
		hb_log("agent: cannot watch %s for allow-unix %s: %s", dir, path, strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].wd == wd && !strcmp(w->v[i].name, name))
			return 0;
	if (w->n >= HB_UNIX_WATCH_MAX) {
		hb_log("agent: more than %d allow-unix sockets: %s is looked up again on "
		       "reload only", HB_UNIX_WATCH_MAX, path);
		return 0;
	}
	w->v[w->n].wd = wd;
	strcpy(w->v[w->n].name, name);
	w->n++;
	return 0;
}

int hb_unix_watch_set(struct hb_unix_watch *w, const struct hb_policy_set *set)
{
	int err = w->fd < 0 ? -EBADF : 0;

	if (!err)
		unwatch(w);
	for (size_t i = 0; i < set->n && !err; i++) {
		const struct hb_rules *r = &set->v[i].args.rules;

		for (size_t j = 0; j < r->n_unix_paths && !err; j++) {
			char *real;

			err = watch(w, r->unix_paths[j]);
			real = realpath(r->unix_paths[j], NULL);
			if (!err && real && strcmp(real, r->unix_paths[j]))
				err = watch(w, real);
			free(real);
		}
	}
	if (err && w->fd >= 0)
		unwatch(w);
	return err;
}

bool hb_unix_watch_changed(struct hb_unix_watch *w)
{
	_Alignas(struct inotify_event) char buf[4096];
	bool changed = false;
	ssize_t len;

	while (w->fd >= 0 && (len = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			/* The queue overflowed: anything may have changed. */
			changed |= (ev->mask & IN_Q_OVERFLOW) != 0;
			for (size_t i = 0; ev->len && i < w->n; i++)
				changed |= w->v[i].wd == ev->wd && !strcmp(w->v[i].name, ev->name);
			p += sizeof(*ev) + ev->len;
		}
	}
	return changed;
}
