/* SPDX-License-Identifier: GPL-2.0-only */
/* Where hermetic-bpf pins what must outlive its own process. */
#ifndef HB_BPFFS_H
#define HB_BPFFS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define HB_BPFFS_DEFAULT "/sys/fs/bpf"
#define HB_PIN_PARENT "hermetic-bpf"

/*
 * <bpffs>/hermetic-bpf into @out, creating it. With @mount, mounts bpffs
 * at /sys/fs/bpf when none is mounted (as bpftool does); without, returns
 * -ENOENT then.
 */
int hb_bpffs_pin_root(char *out, size_t len, bool mount);

/* <bpffs>/@name, as hb_bpffs_pin_root() does <bpffs>/hermetic-bpf. */
int hb_bpffs_dir(const char *name, char *out, size_t len, bool mount);

/*
 * A set of pins' manifest: @count (how many pins were made) in a
 * one-entry array pinned as @dir/@name after them, so that a reader can
 * tell a whole set from one cut short. Logs a failure.
 */
int hb_bpffs_pin_count(const char *dir, const char *name, __u32 count);

/* Reads what hb_bpffs_pin_count() pinned; -errno. */
int hb_bpffs_read_count(const char *dir, const char *name, __u32 *count);

/* Unlinks every pin in @dir and removes @dir; a missing @dir is fine. */
int hb_bpffs_remove_dir(const char *dir);

#endif
