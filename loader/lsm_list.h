/* SPDX-License-Identifier: GPL-2.0-only */
/* The active LSM list, as securityfs shows it in "lsm". */
#ifndef HB_LSM_LIST_H
#define HB_LSM_LIST_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the comma-separated @list names @lsm exactly. */
bool hb_lsm_list_has(const char *list, const char *lsm);

/*
 * The lsm= boot value that keeps @list's LSMs and adds @lsm (bpf,
 * landlock), into @out. Returns 0, or -ENAMETOOLONG.
 */
int hb_lsm_list_with(const char *list, const char *lsm, char *out, size_t len);

/*
 * Reads "<securityfs>/lsm" into @buf without its trailing newline.
 * Returns 0 or -errno (-ENOENT: the kernel has no LSM list).
 */
int hb_lsm_list_read(const char *securityfs, char *buf, size_t len);

#endif
