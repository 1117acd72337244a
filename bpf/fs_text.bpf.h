/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The filesystem guard's trace text: a denied file's path, built from its
 * dentries and mounts, for the event hb_enforce reports.
 * A part of hermetic.bpf.c: one object, one set of maps (see there).
 */
#ifndef HB_FS_TEXT_BPF_H
#define HB_FS_TEXT_BPF_H

#include "common.bpf.h"

/*
 * @file's path for the event, from the sleepable hooks that may call
 * bpf_d_path: asked on a denial only (hb_enforce_file()), which an
 * allowed call (every executable mapping, every write open in a sandbox)
 * then does not pay for.
 */
static __always_inline void hb_file_path(struct hb_ctx *c, struct file *file)
{
	__u32 zero = 0;
	struct hb_path_buf *buf = bpf_map_lookup_elem(&hb_scratch, &zero);
	long n;

	if (!buf)
		return;
	n = bpf_d_path(&file->f_path, buf->path, sizeof(buf->path));
	if (n > 0) {
		c->path = buf->path;
		c->path_len = n - 1; /* without the NUL */
	}
}

#define HB_TEXT_MASK (2 * HB_EVENT_PATH_MAX - 1)

struct hb_text_walk {
	unsigned long d;    /* struct dentry *, as a number: only read through */
	unsigned long mnt;  /* struct vfsmount *, or 0          bpf_probe_read */
	__u32 pos;          /* the text so far starts here and ends at the window's end */
	__u32 floor;        /* the lowest position it may take */
	__u8 top;           /* reached the root */
};

/* One component of hb_text_path(), or one mount crossed; 1 stops. */
static long hb_text_cb(__u32 i, void *data)
{
	struct hb_text_walk *w = data;
	struct dentry *d = (struct dentry *)w->d, *parent;
	struct vfsmount *mnt = (struct vfsmount *)w->mnt;
	struct hb_path_buf *buf;
	__u32 zero = 0, len;
	struct qstr name;

	buf = bpf_map_lookup_elem(&hb_scratch, &zero);
	if (!buf)
		return 1;
	if (mnt && d == BPF_CORE_READ(mnt, mnt_root)) {
		/* The root of a mount: go on from where it is mounted. */
		unsigned long m = (unsigned long)mnt - bpf_core_field_offset(struct mount, mnt);
		unsigned long up = (unsigned long)BPF_CORE_READ((struct mount *)m, mnt_parent);

		if (!up || up == m) {
			w->top = 1;
			return 1;
		}
		w->d = (unsigned long)BPF_CORE_READ((struct mount *)m, mnt_mountpoint);
		w->mnt = up + bpf_core_field_offset(struct mount, mnt);
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (!parent || parent == d) {
		w->top = 1;
		return 1;
	}
	if (bpf_core_read(&name, sizeof(name), &d->d_name))
		return 1;
	len = name.len;
	if (w->pos < w->floor + len + 1)
		return 1; /* no room: cut on the left */
	w->pos -= len;
	bpf_probe_read_kernel(buf->text + (w->pos & HB_TEXT_MASK),
			      len & (HB_EVENT_PATH_MAX - 1), name.name);
	w->pos -= 1;
	buf->text[w->pos & HB_TEXT_MASK] = '/';
	w->d = (unsigned long)parent;
	return 0;
}

/* A mount of @d's filesystem, for hooks that know no mount: the first one. */
static __always_inline unsigned long hb_any_mount(struct dentry *d)
{
	struct super_block *sb = BPF_CORE_READ(d, d_sb);
	unsigned long head = (unsigned long)sb + bpf_core_field_offset(struct super_block, s_mounts);
	unsigned long first = (unsigned long)BPF_CORE_READ(sb, s_mounts.next);

	if (!sb || !first || first == head)
		return 0;
	return first - bpf_core_field_offset(struct mount, mnt_instance) +
	       bpf_core_field_offset(struct mount, mnt);
}

/*
 * The path of @d into the scratch text, ending at @end, at most @max
 * bytes (then "..." and the rightmost part). Returns where it starts. A
 * global function: its loop is verified once, not once per call.
 */
__noinline __u32 hb_text_path(__u64 d, __u64 mnt, __u32 end, __u32 max)
{
	struct hb_text_walk w = { .d = d, .mnt = mnt, .pos = end, .floor = end - max };
	struct hb_path_buf *buf;
	__u32 zero = 0;

	buf = bpf_map_lookup_elem(&hb_scratch, &zero);
	if (!buf || end > 2 * HB_EVENT_PATH_MAX || max + 3 > end)
		return end;
	if (!w.mnt)
		w.mnt = hb_any_mount((struct dentry *)d);
	/* Components of one byte and a slash, and as many mounts. */
	bpf_loop(HB_EVENT_PATH_MAX, hb_text_cb, &w, 0);
	if (w.pos == end) { /* the root itself */
		w.pos--;
		buf->text[w.pos & HB_TEXT_MASK] = '/';
	}
	if (!w.top) {
		w.pos -= 3;
		buf->text[w.pos & HB_TEXT_MASK] = '.';
		buf->text[(w.pos + 1) & HB_TEXT_MASK] = '.';
		buf->text[(w.pos + 2) & HB_TEXT_MASK] = '.';
	}
	return w.pos;
}

/*
 * The event's path into the scratch buffer's path: one file's, or
 * "old\0new" for rename and link; returns its length. A global function:
 * verified once, and only in the programs that call it.
 */
__noinline __u32 hb_fs_text(const struct hb_ctx *c)
{
	struct hb_path_buf *buf;
	__u32 zero = 0, a, b, n1, n2;

	buf = bpf_map_lookup_elem(&hb_scratch, &zero);
	if (!c || !buf || !c->fs_text[0])
		return 0;
	if (!c->fs_text[1]) {
		a = hb_text_path((__u64)c->fs_text[0], (__u64)c->fs_mnt[0],
				 HB_EVENT_PATH_MAX, HB_EVENT_PATH_MAX - 4);
		n1 = (HB_EVENT_PATH_MAX - a) & (HB_EVENT_PATH_MAX - 1);
		return bpf_probe_read_kernel(buf->path, n1, buf->text + (a & HB_TEXT_MASK)) ?
			0 : n1;
	}
	a = hb_text_path((__u64)c->fs_text[0], (__u64)c->fs_mnt[0],
			 HB_EVENT_PATH_MAX, HB_EVENT_PATH_MAX / 2 - 4);
	b = hb_text_path((__u64)c->fs_text[1], (__u64)c->fs_mnt[1],
			 2 * HB_EVENT_PATH_MAX, HB_EVENT_PATH_MAX / 2 - 4);
	n1 = (HB_EVENT_PATH_MAX - a) & (HB_EVENT_PATH_MAX / 2 - 1);
	n2 = (2 * HB_EVENT_PATH_MAX - b) & (HB_EVENT_PATH_MAX / 2 - 1);
	if (bpf_probe_read_kernel(buf->path, n1, buf->text + (a & HB_TEXT_MASK)))
		return 0;
	buf->path[n1] = '\0';
	if (bpf_probe_read_kernel(buf->path + n1 + 1, n2, buf->text + (b & HB_TEXT_MASK)))
		return 0;
	return n1 + 1 + n2;
}

#endif /* HB_FS_TEXT_BPF_H */
