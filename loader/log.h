/* SPDX-License-Identifier: GPL-2.0-only */
/* Messages to the user: one prefix, hints, and -v detail. */
#ifndef HB_LOG_H
#define HB_LOG_H

#include <stdbool.h>

extern int hb_verbosity;

/* "hermetic-bpf: <msg>" on stderr. */
void hb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "Hint: <msg>" on stderr: what the user can change. */
void hb_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* hb_log, only with -v. */
void hb_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * From now on, hb_log() and hb_hint() lines are kept, not written (-v
 * lines still are), until hb_log_release() writes them (@say) or drops
 * them: for a failure whose story is told by what comes after it.
 */
void hb_log_hold(void);
void hb_log_release(bool say);

/*
 * From now on, hb_log() lines say "hermetic-bpf: @where: <msg>" (NULL:
 * no more): a value looked up long after it was read (a policy file's
 * path) is reported at the line that gave it.
 */
void hb_log_context(const char *where);

/* Routes libbpf's own messages through -v / -vv. */
void hb_log_setup_libbpf(void);

#endif
