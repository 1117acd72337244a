/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a cold run learns of the kernel that cannot change before the next
 * boot, kept for the boot's next runs in a directory and files only root
 * can have written (the LSM hooks' shapes, probe.c; the kernel's types
 * the programs relocate against, core_btf.c).
 */
#ifndef HB_BOOT_CACHE_H
#define HB_BOOT_CACHE_H

#include <stdbool.h>
#include <sys/stat.h>

#define HB_BOOT_CACHE_DIR "/run/hermetic-bpf"

/* This boot's id (/proc/sys/kernel/random/boot_id) into @id; false if none. */
bool hb_boot_id(char id[64]);

/* Whether a cache file or its directory is root's word: root's, and not
 * writable by group or others. */
static inline bool hb_boot_cache_trusted(const struct stat *st)
{
	return st->st_uid == 0 && !(st->st_mode & 022);
}

/* The directory, made if missing; 0 if it is there and root's, else -errno. */
int hb_boot_cache_dir(void);

#endif /* HB_BOOT_CACHE_H */
