/* SPDX-License-Identifier: GPL-2.0-only */
/* Files hermetic-bpf writes for the user (--trace-file, --events-file, learn -o). */
#ifndef HB_OUTPUT_FILE_H
#define HB_OUTPUT_FILE_H

#include <stddef.h>
#include <sys/types.h>

struct hb_creds;

/*
 * Opens @path, named by option @flag ("--trace-file"), for writing with
 * @how (O_APPEND or O_TRUNC), with our own credentials: O_CREAT (0600),
 * O_CLOEXEC, O_NOFOLLOW (a symlink is refused), and never waiting for a
 * FIFO's reader. Returns the descriptor or -errno, having said why.
 * For a file root chose itself (the agent's --events-file).
 */
int hb_open_output(const char *flag, const char *path, int how);

/*
 * The same, as @c's user (loader/creds.h: hb_as_user()), for a file named
 * by whoever runs the command: the path is resolved and the file created
 * with that user's ids and groups, so the file is theirs, and no path
 * they could not write themselves (a symlinked directory into root's
 * files included) is written. @mode for a new file. When @c keeps our
 * credentials, exactly hb_open_output() with @mode.
 */
int hb_open_user_output(const struct hb_creds *c, const char *flag, const char *path,
			int how, mode_t mode);

/*
 * hb_open_user_output(), except that "-" and /dev/stdout name our standard
 * output, /dev/stderr our standard error and /dev/fd/N our descriptor N,
 * which must be open for writing: a pipe such as `--trace-file - | jq`
 * (run's --trace-file and --summary-json). Returns a new descriptor
 * (close-on-exec) or -errno, having said why.
 */
int hb_open_stream_output(const struct hb_creds *c, const char *flag, const char *path,
			  int how, mode_t mode);

/* Writes all of @buf to @fd; a full disk or closed pipe is let go. */
void hb_put_line(int fd, const char *buf, size_t len);

#endif
