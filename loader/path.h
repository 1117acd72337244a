/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef HB_PATH_H
#define HB_PATH_H

#include <stddef.h>

/* "@dir/@name" into @out; -ENAMETOOLONG instead of a truncated path. */
int hb_path_join(char *out, size_t len, const char *dir, const char *name);

#endif
