/* SPDX-License-Identifier: GPL-2.0-only */
/* Misuse of a subcommand's command line: what was wrong, and where help is. */
#ifndef HB_MISUSE_H
#define HB_MISUSE_H

/*
 * "hermetic-bpf: CMD: <fmt ...>" and "Try 'hermetic-bpf WORD --help' for
 * more information." on stderr, WORD being CMD's first word ("policy"
 * for "policy apply"). Returns -EINVAL.
 */
int hb_misuse(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The same for the option getopt_long() just returned @c (':' or '?') for. */
int hb_misuse_option(const char *cmd, int c, char **argv);

#endif
