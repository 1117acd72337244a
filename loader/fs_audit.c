// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "deny_notify.h"
#include "file_id.h"
#include "fs_audit.h"
#include "hermetic_policy.h"
#include "log.h"
#include "mountinfo.h"

/*
 * What a change is: the guard's --fs-readonly hook; opens only with a read
 * root. A file opened for writing is seen when it is closed (FAN_CLOSE_WRITE,
 * by the process that closes it last), not at each write: FAN_MODIFY would
 * also come from writes through descriptors the command was given (its
 * stdout), which tier A lets through as it never sees them opened.
 */
#define WRITE_MASK (FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_CLOSE_WRITE | FAN_ATTRIB)
/* Before Linux 5.17 a rename is two events, one name each. */
#define OLD_RENAME (FAN_MOVED_FROM | FAN_MOVED_TO)
#define READ_MASK (FAN_OPEN | FAN_OPEN_EXEC)

static void add_unwatched(struct hb_fs_audit *fa, const char *fstype)
{
	size_t n = strlen(fa->unwatched), k = strlen(fstype);
	const char *p = fa->unwatched;

	/* Each type once. */
	while ((p = strstr(p, fstype))) {
		if ((p == fa->unwatched || p[-1] == ' ') && (p[k] == ',' || !p[k]))
			return;
		p += k;
	}
	snprintf(fa->unwatched + n, sizeof(fa->unwatched) - n, "%s%s", n ? ", " : "", fstype);
}

/* A filesystem mark on @fd's filesystem. 0 or -errno. */
static int add_mark(int group, __u64 mask, int fd)
{
	unsigned int how = FAN_MARK_ADD | FAN_MARK_FILESYSTEM;

	if (!fanotify_mark(group, how, mask, fd, NULL))
		return 0;
	if (errno == EINVAL && (mask & FAN_RENAME) &&
	    !fanotify_mark(group, how, (mask & ~(__u64)FAN_RENAME) | OLD_RENAME, fd, NULL))
		return 0;
	return -errno;
}

/* A filesystem mark on the one @m belongs to, once per filesystem. */
static int mark_one(const struct hb_mount *m, void *ctx)
{
	struct hb_fs_audit *fa = ctx;
	__u64 mask = WRITE_MASK | FAN_ONDIR;
	struct statfs sf;
	int fd, err;

	if (fa->policy.fs & HB_FS_READ_ROOT)
		mask |= READ_MASK;
	fd = open(m->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstatfs(fd, &sf)) {
		if (fd >= 0)
			close(fd);
		return 0; /* hidden under another mount: its files cannot be reached */
	}
	for (unsigned int i = 0; i < fa->n_fs; i++)
		if (!memcmp(fa->fs[i].fsid, &sf.f_fsid, sizeof(fa->fs[i].fsid))) {
			close(fd);
			return 0;
		}
	err = fa->n_fs < HB_FS_AUDIT_MAX_FS ? add_mark(fa->fd, mask, fd) : -ENOSPC;
	if (err) {
		hb_debug("--audit: no fanotify mark on %s (%s): %s", m->target, m->fstype,
			 strerror(-err));
		add_unwatched(fa, m->fstype);
		close(fd);
		return 0;
	}
	fa->fs[fa->n_fs].fd = fd;
	memcpy(fa->fs[fa->n_fs].fsid, &sf.f_fsid, sizeof(fa->fs[0].fsid));
	fa->n_fs++;
	return 0;
}

int hb_fs_audit_open(struct hb_fs_audit *fa, const struct hb_policy *p,
		     const struct hb_fs_rules *rules)
{
	FILE *f;
	int err;

	memset(fa, 0, sizeof(*fa));
	fa->procs.fd = -1;
	fa->policy = *p;
	fa->rules = rules;
	fa->fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE |
			       FAN_REPORT_DFID_NAME, O_RDONLY | O_LARGEFILE);
	if (fa->fd < 0) {
		err = -errno;
		hb_log("cannot audit the filesystem guard: fanotify: %s%s", strerror(-err),
		       err == -EPERM ? " (it needs CAP_SYS_ADMIN)" :
		       err == -EINVAL ? " (FAN_REPORT_DFID_NAME needs Linux 5.9)" : "");
		return err;
	}
	f = fopen("/proc/self/mountinfo", "re");
	if (!f) {
		err = -errno;
		hb_log("cannot audit the filesystem guard: /proc/self/mountinfo: %s", strerror(-err));
		hb_fs_audit_close(fa);
		return err;
	}
	err = hb_mountinfo_each(f, mark_one, fa);
	fclose(f);
	if (!err && !fa->n_fs)
		err = -EOPNOTSUPP;
	if (err) {
		hb_log("cannot audit the filesystem guard: no filesystem could be watched "
		       "with fanotify: %s", strerror(-err));
		hb_fs_audit_close(fa);
		return err;
	}
	err = hb_proc_watch_open(&fa->procs);
	if (err)
		hb_debug("--audit: no process events (proc connector): %s; a file change is "
			 "judged only if its process is still there", strerror(-err));
	return 0;
}

void hb_fs_audit_command(struct hb_fs_audit *fa, pid_t pid, uid_t uid)
{
	hb_proc_watch_add(&fa->procs, pid);
	fa->uid = uid;
}

void hb_fs_audit_sandbox(struct hb_fs_audit *fa, __u64 id, const char *cgroup)
{
	fa->sandbox_id = id;
	snprintf(fa->cgroup, sizeof(fa->cgroup), "%s", cgroup);
}

/*
 * Whether @pid is in the sandbox (its cgroup or one below): 1, 0, or -1
 * when it is gone (reaped before its event was read).
 */
static int in_sandbox(const struct hb_fs_audit *fa, __u32 pid)
{
	char path[64], line[PATH_MAX + 8];
	size_t n = strlen(fa->cgroup);
	int in = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		in = !strncmp(line + 3, fa->cgroup, n) && (!line[3 + n] || line[3 + n] == '/');
	}
	fclose(f);
	return in;
}

/* The walk's rules: every entry found from @fd (a directory) up to "/". */
static __u8 rules_above(const struct hb_fs_audit *fa, int fd)
{
	struct stat st, up;
	__u8 found = 0;
	int cur = dup(fd);

	for (int depth = 0; cur >= 0 && depth < 4096; depth++) {
		const struct hb_fs_entry *e;
		int parent;

		if (fstat(cur, &st))
			break;
		e = hb_fs_rules_find(fa->rules, hb_file_dev(st.st_dev), st.st_ino);
		if (e)
			found |= (__u8)e->flags;
		parent = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0 || fstat(parent, &up) ||
		    (up.st_dev == st.st_dev && up.st_ino == st.st_ino)) {
			if (parent >= 0)
				close(parent);
			break; /* "/" */
		}
		close(cur);
		cur = parent;
	}
	if (cur >= 0)
		close(cur);
	return found;
}

/* The op an event's mask says (the first change that it holds). */
static __u8 op_of(__u64 mask, __u16 *hook)
{
	bool dir = mask & FAN_ONDIR;

	*hook = HB_HOOK_FS_WRITE;
	if (mask & FAN_CREATE)
		return dir ? HB_FS_OP_MKDIR : HB_FS_OP_CREATE;
	if (mask & FAN_DELETE)
		return dir ? HB_FS_OP_RMDIR : HB_FS_OP_UNLINK;
	if (mask & (FAN_RENAME | OLD_RENAME))
		return HB_FS_OP_RENAME;
	if (mask & FAN_CLOSE_WRITE)
		return HB_FS_OP_OPEN;
	if (mask & FAN_ATTRIB)
		return HB_FS_OP_SETATTR;
	*hook = HB_HOOK_FS_READ;
	return mask & FAN_OPEN_EXEC ? HB_FS_OP_EXEC : HB_FS_OP_OPEN;
}

/* The directory an event names, opened from its handle; -1 if it cannot be. */
static int open_dir(const struct hb_fs_audit *fa, const struct fanotify_event_info_fid *fid)
{
	struct file_handle *fh = (struct file_handle *)fid->handle;

	for (unsigned int i = 0; i < fa->n_fs; i++)
		if (!memcmp(fa->fs[i].fsid, &fid->fsid, sizeof(fa->fs[i].fsid)))
			return open_by_handle_at(fa->fs[i].fd, fh, O_PATH | O_CLOEXEC);
	return -1;
}

/*
 * Appends to @ev's path the directory's, and @name in it ("" or ".": the
 * directory); a second name after a NUL, as tier A's "old\0new".
 */
static void add_path(int dirfd, const char *name, struct hb_event *ev)
{
	char link[64], dir[PATH_MAX];
	size_t at = ev->path_len ? ev->path_len + 1u : 0, room;
	ssize_t n;
	int w;

	if (at >= sizeof(ev->path))
		return;
	room = sizeof(ev->path) - at;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	n = readlink(link, dir, sizeof(dir) - 1);
	dir[n > 0 ? n : 0] = '\0';
	if (!name[0] || !strcmp(name, "."))
		w = snprintf(ev->path + at, room, "%s", dir);
	else
		w = snprintf(ev->path + at, room, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "",
			     name);
	if (w > 0)
		ev->path_len = (__u16)(at + ((size_t)w >= room ? room - 1 : (size_t)w));
}

/*
 * The guard's decision on one event of the sandbox, as tier A's hook
 * makes it (facts from user space: the rules found walking up, the file's
 * kind and links). Returns the reason, HB_REASON_NONE if it is allowed.
 */
static enum hb_reason decide(const struct hb_fs_audit *fa, int dirfd, const char *name,
			     __u16 hook, __u8 op)
{
	struct hb_req r = { .hook = hook, .fs_op = op };
	bool self = !name[0] || !strcmp(name, ".");
	struct stat st;

	if (!fstatat(dirfd, self ? "" : name, &st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) {
		const struct hb_fs_entry *e = hb_fs_rules_find(fa->rules, hb_file_dev(st.st_dev),
							       st.st_ino);

		r.fs_exempt = S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ||
			      S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
		r.fs_linked = S_ISREG(st.st_mode) && st.st_nlink > 1 &&
			      (op == HB_FS_OP_OPEN || op == HB_FS_OP_SETATTR);
		if (e)
			r.fs_allow |= (__u8)e->flags;
	}
	/* A new or removed name is the directory's change: its rules decide. */
	r.fs_allow |= rules_above(fa, dirfd);
	return hb_decide_hook(&fa->policy, &r, hook);
}

/* An event's directories and names: one, or a rename's old and new. */
struct names {
	const struct fanotify_event_info_fid *fid[2];
	const char *name[2];
};

static void read_records(const struct fanotify_event_metadata *m, struct names *nm)
{
	const char *p = (const char *)(m + 1), *end = (const char *)m + m->event_len;

	while (p + sizeof(struct fanotify_event_info_header) <= end) {
		const struct fanotify_event_info_header *h = (const void *)p;
		const struct fanotify_event_info_fid *fid = (const void *)p;
		const struct file_handle *fh = (const struct file_handle *)fid->handle;
		int slot = h->info_type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME;

		if (h->len < sizeof(*fid) + sizeof(*fh) || p + h->len > end)
			break;
		if (h->info_type == FAN_EVENT_INFO_TYPE_DFID_NAME ||
		    h->info_type == FAN_EVENT_INFO_TYPE_DFID ||
		    h->info_type == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME ||
		    h->info_type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME) {
			nm->fid[slot] = fid;
			nm->name[slot] = h->info_type == FAN_EVENT_INFO_TYPE_DFID ? "" :
					 (const char *)fh->f_handle + fh->handle_bytes;
		}
		p += h->len;
	}
}

/* Whether @pid is the sandbox's: 1, 0, or -1 if that cannot be told. */
static int whose(struct hb_fs_audit *fa, pid_t pid)
{
	/*
	 * Followed from fork to exit, a process is known whoever reaps it; a
	 * process moved in from outside is not followed. Without the process
	 * events (or after they overflowed), its cgroup, if it is still there.
	 */
	if (hb_proc_watch_has(&fa->procs, pid))
		return 1;
	if (fa->procs.fd >= 0 && !fa->procs.lost)
		return 0;
	return in_sandbox(fa, (__u32)pid);
}

/* Drops what was just reported again (fanotify merges only what it still holds). */
static bool repeated(struct hb_fs_audit *fa, const struct hb_event *ev)
{
	char key[sizeof(fa->last)];

	snprintf(key, sizeof(key), "%u:%u:%.*s", ev->hook, ev->arg, (int)ev->path_len, ev->path);
	if (!strcmp(key, fa->last))
		return true;
	memcpy(fa->last, key, sizeof(key));
	return false;
}

/* One event record; @fn is called if it is an audited one of the sandbox. */
static int one_event(struct hb_fs_audit *fa, const struct fanotify_event_metadata *m,
		     int (*fn)(void *ctx, const struct hb_event *ev), void *ctx)
{
	enum hb_reason reason = HB_REASON_NONE;
	struct names nm = {};
	struct hb_event ev;
	int dirfd[2] = { -1, -1 }, in;
	__u16 hook;
	__u8 op;

	if (m->mask & FAN_Q_OVERFLOW) {
		fa->overflows++;
		return 0;
	}
	read_records(m, &nm);
	if (!nm.fid[0] || m->pid <= 0)
		return 0;
	in = whose(fa, m->pid);
	if (in < 0)
		fa->gone++;
	if (in <= 0)
		return 0;
	op = op_of(m->mask, &hook);
	/* A rename is judged at both ends, as tier A's path_rename. */
	for (int i = 0; i < 2 && nm.fid[i]; i++) {
		dirfd[i] = open_dir(fa, nm.fid[i]);
		if (dirfd[i] >= 0 && reason == HB_REASON_NONE)
			reason = decide(fa, dirfd[i], nm.name[i], hook, op);
	}
	if (reason != HB_REASON_NONE) {
		hb_event_who(m->pid, fa->sandbox_id, &ev);
		if (!ev.comm[0]) /* reaped: its name is lost, its user is the command's */
			ev.uid = fa->uid;
		ev.hook = hook;
		ev.reason = (__u16)reason;
		ev.arg = op;
		ev.verdict = HB_VERDICT_AUDIT;
		for (int i = 0; i < 2; i++)
			if (dirfd[i] >= 0)
				add_path(dirfd[i], nm.name[i], &ev);
	}
	for (int i = 0; i < 2; i++)
		if (dirfd[i] >= 0)
			close(dirfd[i]);
	if (reason == HB_REASON_NONE || repeated(fa, &ev))
		return 0;
	return fn(ctx, &ev);
}

int hb_fs_audit_read(struct hb_fs_audit *fa, int (*fn)(void *ctx, const struct hb_event *ev),
		     void *ctx)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));

	if (fa->fd < 0)
		return 0;
	for (;;) {
		const struct fanotify_event_metadata *m = (const void *)buf;
		ssize_t n = read(fa->fd, buf, sizeof(buf));

		if (n < 0 && errno == EAGAIN) {
			/*
			 * Every event made before an exit noted so far is read:
			 * those processes leave. Exits noted from now on wait
			 * for the next time the queue is found empty.
			 */
			hb_proc_watch_forget(&fa->procs);
			hb_proc_watch_drain(&fa->procs);
			return 0;
		}
		if (n < 0)
			return errno == EINTR ? 0 : -errno;
		/* Each event's process forked before it was made: known now. */
		hb_proc_watch_drain(&fa->procs);
		for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			if (m->vers != FANOTIFY_METADATA_VERSION)
				return -EPROTO;
			one_event(fa, m, fn, ctx);
			if (m->fd >= 0)
				close(m->fd);
		}
	}
}

void hb_fs_audit_close(struct hb_fs_audit *fa)
{
	hb_proc_watch_close(&fa->procs);
	for (unsigned int i = 0; i < fa->n_fs; i++)
		close(fa->fs[i].fd);
	fa->n_fs = 0;
	if (fa->fd >= 0)
		close(fa->fd);
	fa->fd = -1;
}
