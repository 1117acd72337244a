/* SPDX-License-Identifier: GPL-2.0-only */
/* Files hermetic-bpf writes for the user (--trace-file, --events-file). */
#ifndef HB_OUTPUT_FILE_H
#define HB_OUTPUT_FILE_H

#include <stddef.h>

/*
 * Opens @path, named by option --@flag, for writing with @how (O_APPEND
 * or O_TRUNC), as root: O_CREAT (0600), O_CLOEXEC, O_NOFOLLOW (a symlink
 * is refused), and never waiting for a FIFO's reader. Returns the
 * descriptor or -errno, having said why.
 */
int hb_open_output(const char *flag, const char *path, int how);

/* Writes all of @buf to @fd; a full disk or closed pipe is let go. */
void hb_put_line(int fd, const char *buf, size_t len);

#endif
