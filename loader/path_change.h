/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Whether a user could make a path name another file: tier B judges
 * --allow-unix by the path a client names (spec/network.md), so a path
 * the command can re-point (a symlink or rename in a directory it may
 * change) would let it reach any socket.
 */
#ifndef HB_PATH_CHANGE_H
#define HB_PATH_CHANGE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Walks absolute @path as the kernel resolves it (every symlink on the
 * way followed), asking of each entry whether @uid, with the caller's
 * effective ids and groups (call it as that user: hb_as_user()), could
 * remove, rename or replace it: it owns the directory, or may write and
 * search it and it is not sticky, or it is sticky and @uid owns the
 * entry. Returns 1 with the first such entry's path in @entry, 0 if
 * none, or -errno (ELOOP, ENAMETOOLONG, EINVAL for a relative path, a
 * lookup's).
 */
int hb_path_changeable(const char *path, uid_t uid, char *entry, size_t entry_len);

#endif
